"""``clearance witness serve``: the witness over HTTP, a small process of its own (no ledger database).

``POST <prefix>/add-checkpoint`` is the submission API; ``GET <prefix>/<origin hash>/checkpoint``
the monitoring API (the latest cosigned checkpoint of that log). Requests are handled on threads
with HTTP/1.1 keep-alive; :class:`ledger.witness.state.WitnessState` serialises the state.
"""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ledger.witness.witness import Answer, Witness

logger = logging.getLogger("clearance.witness")
MAX_BODY_BYTES = 64 * 1024


def make_server(witness: Witness, host: str, port: int, prefix: str = "") -> ThreadingHTTPServer:
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "clearance-witness"
        disable_nagle_algorithm = True  # headers and body go out as they are written, not 40 ms apart

        def _send(self, answer: Answer) -> None:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def _plain(self, status: int, message: str) -> None:
            self._send(Answer(status, "text/plain; charset=utf-8", (message + "\n").encode()))

        def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
            if self.path != f"{prefix}/add-checkpoint":
                self._plain(404, "no such endpoint")
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self._plain(411, "Content-Length required")
                return
            if not 0 <= length <= MAX_BODY_BYTES:
                self.close_connection = True
                self._plain(413, f"request body over {MAX_BODY_BYTES} bytes")
                return
            self._send(witness.add_checkpoint(self.rfile.read(length)))

        def do_GET(self) -> None:  # noqa: N802
            parts = self.path[len(prefix):].strip("/").split("/") if self.path.startswith(prefix) else []
            if len(parts) == 2 and parts[1] == "checkpoint":
                self._send(witness.monitoring_checkpoint(parts[0]))
            else:
                self._plain(404, "no such endpoint")

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
            logger.info("%s %s", self.address_string(), format % args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
