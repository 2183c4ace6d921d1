"""A TCP proxy a test can cut: in front of PostgreSQL (never stop the shared server) or in
front of the receivers (a round-robin balancer)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Sequence


class TcpProxy:
    """Listens on 127.0.0.1:`port` and forwards each connection to the next of `targets`."""

    def __init__(self, targets: Sequence[tuple[str, int]], port: int = 0) -> None:
        self.targets = list(targets)
        self.port = port
        self._next = itertools.cycle(range(len(self.targets)))
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def cut(self) -> None:
        """Refuse new connections and break the open ones."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Round robin; a target that refuses the connection is skipped, as a balancer does.
        for _ in self.targets:
            host, port = self.targets[next(self._next)]
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
                break
            except OSError:
                continue
        else:
            writer.transport.abort()
            return
        self._pipes |= {writer, upstream_writer}
        await asyncio.gather(
            _pipe(reader, upstream_writer), _pipe(upstream_reader, writer), return_exceptions=True
        )
        self._pipes -= {writer, upstream_writer}

    async def stop(self) -> None:
        await self.cut()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()
