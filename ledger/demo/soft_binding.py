"""The demo's last act: the signed clip loses its manifest on the way out, and comes back to it.

The clip is remuxed without its C2PA box (as a platform's upload pipeline does), the copy is resolved
through the C2PA Soft Binding Resolution API of a ``clearance serve`` started on loopback for the
purpose, and ``verify`` recovers and verifies its manifest.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from ledger.auth.keys import create_key
from ledger.context import Clearance


def strip_manifest(source: Path, dest: Path) -> Path:
    """Copy the audio and video packets of ``source`` into a new MP4: the manifest does not travel."""
    import av

    with av.open(str(source), "r") as src, av.open(str(dest), "w", format="mp4") as out:
        streams = {s.index: out.add_stream_from_template(s) for s in src.streams if s.type in ("video", "audio")}
        for packet in src.demux():
            if packet.dts is None or packet.stream.index not in streams:
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)
    return dest


@contextmanager
def _serving(ctx: Clearance) -> Iterator[str]:
    """``clearance serve``'s app on a free loopback port, in a thread; yields the SBR API's base URL."""
    import uvicorn

    from ledger.api.app import create_app
    from ledger.api.server import uvicorn_options

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(ctx), **uvicorn_options("127.0.0.1", port)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/sbr/v1"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def show_soft_binding(ctx: Clearance, console: Console, signed: Path) -> None:
    from ledger.signing import verify_media

    console.rule("A copy without its manifest finds it again (C2PA soft binding resolution)")
    stripped = strip_manifest(signed, signed.with_name("stripped-" + signed.name))
    plain = verify_media(ctx, stripped)
    console.print(f"{stripped.name} (remuxed without the C2PA box): C2PA {plain.c2pa['state']}")
    key, _ = create_key(ctx, "resolver", label="demo soft binding resolver", actor="demo")
    with _serving(ctx) as base:
        report = verify_media(ctx, stripped, recover=True, resolver_url=base, resolver_key=key)
    if report.recovered is None:
        console.print("[red]no manifest recovered[/red]")
        return
    route = "/matches/byBinding" if report.recovered["by"] == "io.iscc.v0" else "/matches/byContent"
    console.print(f"asked {base} ({route}, then /manifests/{{id}}):", markup=False)
    console.print(f"  {report.recovered['summary']}", markup=False)
    console.print(f"  manifest {report.recovered['manifest_id']}; C2PA failures: "
                  f"{', '.join(f['code'] for f in report.c2pa['failures']) or 'none'} (expected of a copy); "
                  f"log: {report.log['reason']}", markup=False)
    console.print(f"  content: {report.content['reason']} -> "
                  + ("[green]verified (soft binding)[/green]" if report.ok else "[red]NOT verified[/red]"))
