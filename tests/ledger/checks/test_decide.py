"""The check's pure decision: plain values in, the ``check.decided`` payload out (no database, no media)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger.checks.decide import Gathered, asset_ids, decide, people_ids
from ledger.checks.models import Clip
from ledger.checks.screening import PromptFindings
from ledger.checks.strength import StrengthSettings, classify
from policies import AssetFacts, LicenseFacts, PersonFacts, PolicyEngine
from tests.ledger.checks.fakes import evidence, result_of


@pytest.fixture(scope="module")
def engine() -> PolicyEngine:
    return PolicyEngine.load(None)


def clip(**changes: Any) -> Clip:
    values: dict[str, Any] = dict(id="clp_1", sha256="00" * 32, md5="", sha1="", size_bytes=1, filename="c.mp4",
                                  service="gen", project="P", media=["streaming"], territories=["US"],
                                  uses=["generate", "release"], release_date=date(2026, 1, 1), log_index=0)
    return Clip(**{**values, **changes})


def matched(score: float, owner: str = "ast_1") -> list[dict[str, Any]]:
    return classify(result_of(evidence("pdq", score, owner=owner)), StrengthSettings())


HARBOR = AssetFacts(id="ast_1", title="Harbor at Dusk", kind="reference")
LICENSED = AssetFacts(id="ast_1", title="Harbor at Dusk", kind="reference", licenses=[LicenseFacts(
    id="lic_1", uses=frozenset({"generate", "release"}), starts_on=date(2025, 1, 1), worldwide=True, any_media=True)])


def gathered(owners: list[dict[str, Any]], assets: list[AssetFacts], **clip_changes: Any) -> Gathered:
    return Gathered(clip(**clip_changes), owners, {"ran": ["perceptual"], "unavailable": []}, PromptFindings(),
                    assets, [])


def test_nothing_matched_and_nothing_declared_passes(engine: PolicyEngine) -> None:
    payload = decide(gathered([], []), engine)
    assert payload["verdict"] == "pass" and payload["matches"] == [] and payload["clip_id"] == "clp_1"


def test_a_strong_match_on_an_unlicensed_work_blocks_naming_the_policy(engine: PolicyEngine) -> None:
    payload = decide(gathered(matched(10), [HARBOR]), engine)
    assert payload["verdict"] == "block"
    assert "similarity.strong-match-unlicensed" in [r["policy_id"] for r in payload["reasons"]]
    assert payload["matches"][0]["subject_id"] == "ast_1" and payload["matches"][0]["strength"] == "strong"


def test_a_grey_match_goes_to_a_person(engine: PolicyEngine) -> None:
    payload = decide(gathered(matched(50), [HARBOR]), engine)
    assert payload["verdict"] == "review"
    assert [r["policy_id"] for r in payload["reasons"]] == ["similarity.grey-match-unlicensed"]


def test_a_license_that_covers_the_use_clears_the_match_and_is_relied_on(engine: PolicyEngine) -> None:
    payload = decide(gathered(matched(10), [LICENSED]), engine)
    assert payload["verdict"] == "pass"
    assert payload["relied_on"] == ["license:lic_1"]


def test_the_decision_is_a_function_of_its_inputs(engine: PolicyEngine) -> None:
    first, again = decide(gathered(matched(10), [HARBOR]), engine), decide(gathered(matched(10), [HARBOR]), engine)
    assert first == again
    other_territory = decide(gathered(matched(10), [HARBOR], territories=["FR"]), engine)
    assert other_territory["inputs_sha256"] != first["inputs_sha256"]


def test_the_records_a_decision_reads_come_from_request_matches_and_prompt_in_order() -> None:
    prompt = PromptFindings(people=[{"id": "pty_named", "name": "Ann", "matched": "Ann"}],
                            works=[{"id": "ast_named", "title": "Harbor", "matched": "Harbor"}])
    owners = [*matched(10, owner="ast_seen"), {**matched(10, owner="ast_seen")[0], "subject": "person",
                                                "subject_id": "pty_seen"}]
    the_clip = clip(reference_asset_ids=["ast_ref", "ast_seen"], declared_people=["pty_declared"])
    assert asset_ids(the_clip, owners, prompt) == ["ast_ref", "ast_seen", "ast_named"]
    depicted = [AssetFacts(id="ast_ref", people_depicted=["pty_depicted", "pty_declared"])]
    assert people_ids(the_clip, owners, prompt, depicted) == ["pty_declared", "pty_seen", "pty_named",
                                                               "pty_depicted"]


def test_a_declared_deceased_person_without_estate_permission_is_not_passed(engine: PolicyEngine) -> None:
    person = PersonFacts(id="pty_1", name="Old Star", deceased=True, died_on=date(2000, 1, 1))
    payload = decide(Gathered(clip(declared_people=["pty_1"]), [], {}, PromptFindings(), [], [person]), engine)
    assert payload["verdict"] != "pass"
