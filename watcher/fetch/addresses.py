"""Which network addresses a fetch may reach: public ones, and the source's own.

A redirect (or a DNS answer) must not turn the watcher into a probe of the machine's private
network or of a cloud metadata service (169.254.169.254). A source configured on a private
address (a test site on 127.0.0.1, an intranet mirror) may of course be read: its own addresses
are allowed, nothing else that is private.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable

__all__ = ["Resolver", "forbidden_reason", "resolve_host"]

Resolver = Callable[[str], Awaitable[frozenset[str]]]

_CACHE_SECONDS = 300.0
_cache: dict[str, tuple[float, frozenset[str]]] = {}


async def resolve_host(host: str) -> frozenset[str]:
    """The IP addresses `host` resolves to (an IP literal resolves to itself); cached 5 min."""
    try:
        return frozenset({str(ipaddress.ip_address(host.strip("[]")))})
    except ValueError:
        pass
    cached = _cache.get(host)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    addresses = frozenset(str(info[4][0]) for info in infos)
    _cache[host] = (time.monotonic() + _CACHE_SECONDS, addresses)
    return addresses


def forbidden_reason(address: str, own: frozenset[str]) -> str | None:
    """Why `address` must not be fetched, or None when it is public or the source's own."""
    if address in own:
        return None
    ip = ipaddress.ip_address(address)
    for test, what in (
        (ip.is_link_local, "link-local"),
        (ip.is_loopback, "loopback"),
        (ip.is_private, "private"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
        (ip.is_unspecified, "unspecified"),
    ):
        if test:
            return f"{address} is a {what} address"
    return None
