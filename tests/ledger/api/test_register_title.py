"""``POST /v1/assets/upload`` with ``title``: the work keeps its real title and prompts naming it are screened."""

from __future__ import annotations

import json

from ledger.checks.screening import screen_prompt
from ledger.context import Clearance
from ledger.demo.media import synthetic_work
from tests.ledger.api.clients import keyed_client


def test_an_uploaded_work_with_its_title_is_screened_in_prompts(ctx: Clearance) -> None:
    client, h = keyed_client(ctx, ("registrar",))
    record = json.dumps({"role": "reference_work", "acquisition_method": "licensed"})
    titled = client.post("/v1/assets/upload", data={"record": record, "title": "The Lantern Road"},
                         files={"file": ("reel_0042.png", synthetic_work(3), "image/png")}, headers=h["registrar"])
    assert titled.status_code == 201, titled.text
    assert (titled.json()["record"]["title"], titled.json()["record"]["title_source"]) == ("The Lantern Road", "entered")
    untitled = client.post("/v1/assets/upload", data={"record": record},
                           files={"file": ("reel_0043.png", synthetic_work(5), "image/png")}, headers=h["registrar"])
    assert untitled.json()["record"]["title_source"] == "derived"
    with ctx.db.reader() as session:
        found = screen_prompt(session, "down the Lantern Road at dusk, past reel_0043")
    assert [w["id"] for w in found.works] == [titled.json()["record"]["id"]]
