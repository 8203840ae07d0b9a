"""`watcher serve` under costly input and a burst of connections (issue 27, #8).

A 60 KB `country=` value is refused in one line before the closest-code suggestion (difflib,
quadratic) sees it, and 200 clients connecting at once are all answered: none is reset for a
listen backlog of 5. The server is the real one, a subprocess on 127.0.0.1.
"""

from __future__ import annotations

import asyncio

from tests.test_serve import Served, served

__all__ = ["served"]  # the fixture, shared with test_serve

BURST = 200


def test_a_60_kb_code_is_refused_before_the_suggestion(served: Served) -> None:
    answer = served.get("/feed.atom?country=" + "x" * 60_000)
    assert answer.status_code == 400
    assert answer.text == (
        "Invalid value for 'country': unknown country 'xxxxxxxxxxxxxxxxxxxx'… (60000 characters;"
        " a code or name has at most 200); `watcher codes countries` lists them all\n"
    )
    near = served.get("/items.json?country=Japn")  # short typos still get their suggestion
    assert near.status_code == 400 and "closest: JP (Japan, ญี่ปุ่น)" in near.text
    assert served.stop() == (0, "")


async def one_request(port: int, opened: asyncio.Barrier) -> str:
    """Connect, wait until every client is connected (the burst), then GET / and read it."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as error:
        await opened.wait()
        return f"connect: {type(error).__name__}"
    await opened.wait()
    try:
        writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        await writer.drain()
        status = await reader.readline()
        await reader.read()
        return status.decode().strip()
    except OSError as error:
        return f"request: {type(error).__name__}"
    finally:
        writer.close()


async def burst(port: int) -> list[str]:
    opened = asyncio.Barrier(BURST)
    return await asyncio.gather(*(one_request(port, opened) for _ in range(BURST)))


def test_a_burst_of_200_connections_is_answered(served: Served) -> None:
    port = int(served.base.rsplit(":", 1)[1])
    answers = asyncio.run(burst(port))
    assert answers == ["HTTP/1.1 200 OK"] * BURST, sorted(set(answers))
    assert served.stop() == (0, "")
