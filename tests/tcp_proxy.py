"""A TCP proxy the tests control, to make the database "unreachable for a while".

``cut()`` drops every open connection and refuses new ones; ``restore()`` listens again on the same
port. ``cut_on(pattern)`` drops the connection the moment the client sends bytes containing
``pattern`` (e.g. the text of an INSERT): the database loses the client in the middle of a
transaction, as with a network failure.
"""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port: int | None = None
        self._server: asyncio.base_events.Server | None = None
        self._transports: set[asyncio.BaseTransport] = set()
        self._tasks: set[asyncio.Task] = set()
        self.trigger: bytes | None = None
        self.triggered = asyncio.Event()

    async def start(self, port: int = 0) -> "TcpProxy":
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", port or self.port or 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._transports.update({writer.transport, up_writer.transport})
        tasks = [asyncio.create_task(self._pipe(reader, up_writer, check=True)),
                 asyncio.create_task(self._pipe(up_reader, writer, check=False))]
        self._tasks.update(tasks)
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for t in tasks:
            t.cancel()
        for w in (writer, up_writer):
            w.transport.abort()
            self._transports.discard(w.transport)
        self._tasks.difference_update(tasks)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, check: bool) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError, OSError):
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                if check and self.trigger is not None and self.trigger in data:
                    self.trigger = None
                    self.triggered.set()
                    self._abort_all()
                    await self._close_server()
                    return
                writer.write(data)
                await writer.drain()

    def _abort_all(self) -> None:
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()

    async def _close_server(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def cut_on(self, pattern: bytes) -> None:
        """Drop everything (and refuse new connections) when a client sends ``pattern``."""
        self.triggered.clear()
        self.trigger = pattern

    async def cut(self) -> None:
        await self._close_server()
        self._abort_all()

    async def restore(self) -> None:
        if self._server is None:
            await self.start(self.port or 0)

    async def stop(self) -> None:
        await self.cut()
        for t in list(self._tasks):
            t.cancel()
