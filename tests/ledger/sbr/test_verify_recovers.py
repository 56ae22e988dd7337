"""`clearance verify` on a copy that lost its manifest: recovered by soft binding, then verified with its log proofs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ledger.signing import verify_media
from tests.ledger.provenance.test_soft_binding import make_scene
from tests.ledger.sbr.conftest import Released
from tests.ledger.sbr.media import crop_10_percent, strip_manifest, transcode

CLEARANCE = str(Path(sys.executable).parent / "clearance")


def _env(released: Released) -> dict[str, str]:
    env = {**os.environ, "CLEARANCE_HOME": str(released.folder / "home"), "COLUMNS": "200"}
    env.pop("CLEARANCE_DATABASE_URL", None)
    return env


def test_a_stripped_copy_is_recovered_by_its_iscc_and_verified(released: Released) -> None:
    stripped = strip_manifest(released.signed, released.folder / "verify-stripped.mp4")
    report = verify_media(released.ctx, stripped, recover=True)
    assert report.recovered is not None
    assert report.recovered["manifest_id"] == released.manifest_id
    assert report.recovered["by"] == "io.iscc.v0" and report.recovered["binding"] == "soft"
    assert report.recovered["summary"].startswith(
        f"no manifest in the file; recovered manifest of clip {released.clip_id} by io.iscc.v0 (score ")
    assert [f["code"] for f in report.c2pa["failures"]] == ["assertion.bmffHash.mismatch"]  # a copy, as said
    assert report.log["ok"] is True and report.content["ok"] is True
    assert report.ok
    assert not verify_media(released.ctx, stripped).ok  # without recovery there is nothing to verify


def test_the_cli_recovers_a_cropped_copy_by_content(released: Released) -> None:
    cropped = transcode(released.signed, released.folder / "verify-cropped.mp4", edit=crop_10_percent)
    done = subprocess.run([CLEARANCE, "verify", str(cropped)], env=_env(released), capture_output=True, timeout=300)
    out = done.stdout.decode()
    assert done.returncode == 0, out + done.stderr.decode()
    assert f"no manifest in the file; recovered manifest of clip {released.clip_id} by " in out
    assert "the binding is soft" in out and "verified" in out


def test_a_never_signed_clip_recovers_nothing(released: Released) -> None:
    other = make_scene(released.folder / "verify-never.mp4", seed=98, seconds=3.0)
    report = verify_media(released.ctx, other, recover=True)
    assert report.recovered is None and not report.ok


@pytest.mark.slow
def test_verify_recovers_through_a_running_clearance_serve(released: Released) -> None:
    env = _env(released)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = (released.folder / "serve.log").open("wb")
    server = subprocess.Popen([CLEARANCE, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=log)
    base = f"http://127.0.0.1:{port}/sbr/v1"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/services/status", headers=released.auth, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        stripped = strip_manifest(released.signed, released.folder / "serve-stripped.mp4")
        key = released.auth["Authorization"].removeprefix("Bearer ")
        done = subprocess.run([CLEARANCE, "verify", str(stripped), "--resolver", base],
                              env={**env, "CLEARANCE_RESOLVER_KEY": key}, capture_output=True, timeout=300)
        out = done.stdout.decode()
        assert done.returncode == 0, out + done.stderr.decode()
        assert f"recovered manifest of clip {released.clip_id} by io.iscc.v0 (score " in out
        assert f"from {base}" in out
        refused = subprocess.run([CLEARANCE, "verify", str(stripped), "--resolver", base], env=env,
                                 capture_output=True, timeout=300)
        assert refused.returncode != 0 and b"CLEARANCE_RESOLVER_KEY" in refused.stderr + refused.stdout
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_the_demo_step_strips_resolves_through_the_api_and_verifies(released: Released) -> None:
    from rich.console import Console

    from ledger.demo.soft_binding import show_soft_binding

    console = Console(record=True, width=200)
    show_soft_binding(released.ctx, console, released.signed)
    out = console.export_text()
    assert "C2PA NoManifest" in out
    assert f"recovered manifest of clip {released.clip_id} by io.iscc.v0 (score " in out
    assert "/sbr/v1" in out and "verified (soft binding)" in out and "NOT verified" not in out
