"""Bounded decompression of HTTP bodies: a compression bomb costs the size cap, not its size.

httpx's own decoder expands each network chunk whole (64 KB of gzip'd zeros → 64 MB at once),
so the fetcher reads the raw stream and inflates it here, never more than it may still keep.
"""

from __future__ import annotations

import zlib

from watcher.core.errors import FetchError

__all__ = ["Inflater"]


_WBITS = {"gzip": 31, "x-gzip": 31, "deflate": 15}  # deflate 15: zlib-wrapped, as HTTP says


class Inflater:
    """A gzip or deflate body, inflated at most `limit` bytes per call (the rest of the input
    waits in the decoder); deflate is zlib-wrapped as HTTP says, or raw as some servers send."""

    def __init__(self, url: str, wbits: int) -> None:
        self.url, self.wbits = url, wbits
        self.decoder = zlib.decompressobj(wbits)
        self.started = False

    @classmethod
    def for_encoding(cls, url: str, encoding: str) -> Inflater | None:
        name = encoding.strip().lower()
        if name in ("", "identity"):
            return None
        if name not in _WBITS:
            raise FetchError(f"{url}: unsupported Content-Encoding {encoding!r}")
        return cls(url, _WBITS[name])

    def __call__(self, data: bytes, limit: int) -> bytes:
        try:
            out = self.decoder.decompress(self.decoder.unconsumed_tail + data, limit)
        except zlib.error:
            if self.started or self.wbits != 15:
                raise FetchError(f"{self.url}: the compressed body is corrupt") from None
            self.wbits = -15  # raw deflate, as some servers send it; tried once
            self.decoder = zlib.decompressobj(self.wbits)
            return self(data, limit)
        self.started = True
        return out
