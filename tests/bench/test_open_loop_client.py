"""The submission benchmark's open-loop client against a local HTTP server that behaves as a keep-alive
server may: it closes connections on its own. A post on a connection the server already closed is sent
again on a new one (the same bytes, so the same client_id), and an idle connection is not reused past
the server's keep-alive."""

from __future__ import annotations

import asyncio
import re

import pytest

import app.server
from bench.submission import Posts, _open_loop

ANSWER = b"HTTP/1.1 201 CREATED\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"


class Server:
    """Answers each POST 201 and records its client_id; `close_after_answer` closes the connection after
    each answer without saying so (as a server does when its keep-alive runs out)."""

    def __init__(self, close_after_answer: bool):
        self.close_after_answer = close_after_answer
        self.client_ids: list[str] = []
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
                body = await reader.readexactly(length)
                self.client_ids.append(re.search(rb"client_id=(\w+)", body).group(1).decode())
                writer.write(ANSWER)
                await writer.drain()
                if self.close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


def run(server: Server, rate: float, seconds: float):
    async def main():
        listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        port = listening.sockets[0].getsockname()[1]
        async with listening:
            return await _open_loop(Posts(port, "token", "session=x", b"", 0.0), rate, seconds)

    return asyncio.run(main())


def test_a_post_on_a_connection_the_server_closed_is_sent_again_once():
    server = Server(close_after_answer=True)
    answers = run(server, rate=20, seconds=0.5)

    assert [a.status for a in answers] == [201] * 10
    assert sum(a.resent for a in answers) >= 1  # the posts after the first found a closed connection
    assert len(server.client_ids) == len(set(server.client_ids)) == 10  # each post reached it once


def test_a_connection_idle_past_the_keep_alive_is_not_reused(monkeypatch: pytest.MonkeyPatch):
    kept = Server(close_after_answer=False)
    assert [a.status for a in run(kept, rate=5, seconds=0.8)] == [201] * 4
    assert kept.connections == 1  # posts 0.2 s apart reuse one connection

    monkeypatch.setattr(app.server, "KEEP_ALIVE_SECONDS", 1.1)  # reuse only under 0.1 s idle
    fresh = Server(close_after_answer=False)
    answers = run(fresh, rate=5, seconds=0.8)
    assert [a.status for a in answers] == [201] * 4
    assert fresh.connections == 4
    assert not any(a.resent for a in answers)
