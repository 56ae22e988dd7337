"""The console's log page shows who cosigned the latest checkpoint and every gap (a witness or TSA away)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.context import Clearance
from ledger.log.signer import LogKey
from ledger.settings import Settings
from ledger.setup import initialise
from tests.ledger.web.console import Console
from tests.ledger.witness.processes import WitnessProcess, run_cli, start_witness


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[tuple[Clearance, WitnessProcess]]:
    home = tmp_path / "home"
    log_key = LogKey.create(home / "keys", "clearance.test/log")
    keys = [run_cli("witness", "init", "--dir", str(tmp_path / n), "--name", f"w.test/{n}").stdout.strip()
            for n in ("up", "down")]
    witness = start_witness(tmp_path / "up", [log_key.vkey])
    policy = tmp_path / "policy.txt"
    policy.write_text(f"witness up {keys[0]} {witness.url}\n"
                      f"witness down {keys[1]} http://127.0.0.1:{_closed_port()}\ngroup both all up down\n"
                      "quorum both\n")
    ctx = Clearance(Settings.load(environ={
        "CLEARANCE_HOME": str(home), "CLEARANCE_WITNESS_POLICY": str(policy), "CLEARANCE_WITNESS_TIMEOUT_S": "2",
        "CLEARANCE_TSA_URL": f"http://127.0.0.1:{_closed_port()}/"}))
    try:
        initialise(ctx)
        yield ctx, witness
    finally:
        witness.stop()
        ctx.db.dispose()


def test_the_log_page_names_who_vouched_and_what_is_missing(installation) -> None:
    ctx, _ = installation
    console = Console(ctx)
    auditor = console.signed_in("auditor")  # creating keys and signing in write to the log
    ctx.checkpoint()
    assert ctx.cosigner is not None
    gathered = ctx.cosigner.cosign_latest()  # what the background cosigner does, waited for
    assert gathered is not None and gathered.vouched == ["up"]
    page = auditor.get("/ui/log")
    assert page.status_code == 200
    assert f"checkpoint {gathered.size:,}: 1 of 2 witnesses, no timestamp" in page.text
    assert "quorum: 2 of 2 in both, NOT met" in page.text
    assert "witness down</strong>: unreachable" in page.text and "timestamp authority</strong>" in page.text
    assert "\u2014 w.test/up " in page.text  # the note shown carries the cosignature

    api = console.client()
    headers = {"Authorization": f"Bearer {console.keys['generator']}"}
    note = api.get("/v1/log/checkpoint", headers=headers).text
    assert "\u2014 w.test/up " in note  # the API's checkpoint carries the stored cosignature
    status = api.get("/v1/log/witnesses", headers=headers).json()
    assert status["vouched"] == ["up"] and not status["quorum_met"] and "down" in status["missing"]
    assert status["timestamped"] is False and "1 of 2 witnesses, no timestamp" in status["summary"][0]
