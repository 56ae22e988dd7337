"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for timing the server rather than the client.

The load runs client and server on the same two cores. httpx spends about 13 ms of CPU per request
there (measured: more than the server's own work per record write), so with 200 requests in flight
the client would be timing itself. This one writes pre-built request bytes and reads a
``Content-Length`` response: a fraction of a millisecond per request. It speaks only what the
reliability scripts send (JSON bodies, ``Content-Length`` answers) and refuses anything else.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Connection:
    """One kept-alive connection; one request at a time."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> Connection:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self

    def request_bytes(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> bytes:
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(payload)}"]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload

    async def send(self, request: bytes) -> Answer:
        if self._reader is None or self._writer is None:
            raise RuntimeError("connection not open")
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        length = None
        for line in header_lines:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            elif name.strip().lower() == "transfer-encoding":
                raise RuntimeError("chunked answers are not supported by this client")
        if length is None:
            raise RuntimeError(f"answer {status} carries no Content-Length")
        return Answer(status, await self._reader.readexactly(length))

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except ConnectionError:
                pass
