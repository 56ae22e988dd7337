"""Engine behaviour beyond single verdicts: reasons, candidates, audits, failing closed, facts errors."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from policies.decision import GrantRef, Verdict
from policies.engine import NOT_PERMITTED_ID, POLICY_ERROR_ID, PolicyEngine
from policies.errors import FactsError, PolicyError
from policies.facts import OptOutSignal, PersonFacts, RequestContext
from tests.policies.builders import (
    YESTERDAY,
    asset,
    consent,
    dead,
    estate,
    license_,
    match,
    person,
    release,
    replica,
    signal,
    train,
)

PACKAGE = Path(__file__).resolve().parents[2] / "policies"


def test_reasons_name_subject_grant_and_sentence(engine: PolicyEngine) -> None:
    request = release([asset(licenses=[license_("lic-9", ends_on=YESTERDAY)])], reference_inputs=["asset-1"])
    decision = engine.decide(request)
    assert decision.verdict is Verdict.BLOCK
    expired = [r for r in decision.reasons if r.policy_id == "license.expired"]
    assert len(expired) == 1
    reason = expired[0]
    assert (reason.subject_kind, reason.subject_id) == ("asset", "asset-1")
    assert reason.grant == GrantRef(kind="license", id="lic-9")
    assert reason.sentence == engine.policy("license.expired").sentence
    assert reason.describe().startswith("[license.expired] asset asset-1 (license lic-9): ")
    # relying on no license at all is the other candidate, and it fails for its own reason
    required = [r for r in decision.reasons if r.policy_id == "license.required"]
    assert required and required[0].grant is None


def test_finding_reports_the_grant_relied_on(engine: PolicyEngine) -> None:
    request = release([asset(licenses=[license_("old", ends_on=YESTERDAY), license_("new")])],
                      reference_inputs=["asset-1"])
    finding = next(f for f in engine.decide(request).findings if f.subject_kind == "asset")
    assert finding.verdict is Verdict.PASS
    assert finding.relied_on == GrantRef(kind="license", id="new")
    by_grant = {c.grant.id if c.grant else None: c.verdict for c in finding.candidates}
    assert by_grant == {None: Verdict.BLOCK, "old": Verdict.BLOCK, "new": Verdict.PASS}


def test_pass_decision_is_determined_by_the_permit(engine: PolicyEngine) -> None:
    decision = engine.decide(release([asset(licenses=[license_()])], reference_inputs=["asset-1"]))
    assert decision.verdict is Verdict.PASS
    assert decision.determining_policy_ids == ["base.cleared-unless-forbidden"]
    assert decision.sentences == [engine.policy("base.cleared-unless-forbidden").sentence]


def test_review_and_block_together_give_block_with_only_blocking_reasons(engine: PolicyEngine) -> None:
    request = release([asset("a"), asset("b")], [person()],
                      matches=[match("asset", "a", "grey"), match("person", "person-1", "strong")])
    decision = engine.decide(request)
    assert decision.verdict is Verdict.BLOCK
    # a release in the US reaches Tennessee: its ELVIS Act stops an unauthorised likeness there too
    assert sorted(decision.determining_policy_ids) == ["elvis.authorization-required", "similarity.face-without-consent"]
    verdicts = {(f.subject_kind, f.subject_id): f.verdict for f in decision.findings}
    assert verdicts[("asset", "a")] is Verdict.REVIEW
    assert verdicts[("clip", "clip-1")] is Verdict.PASS


def test_audit_training_reports_each_asset(engine: PolicyEngine) -> None:
    request = train(
        [asset("clean", licenses=[license_()]),
         asset("opted-out", licenses=[license_()], opt_outs=[signal("cawg.ai_training", "notAllowed")]),
         asset("unlicensed"),
         asset("depicts", licenses=[license_()], people_depicted=["p"])],
        [person("p")],
    )
    results = {r.asset_id: r for r in engine.audit_training(request)}
    assert list(results) == ["clean", "opted-out", "unlicensed", "depicts"]
    assert results["clean"].cleared
    assert results["opted-out"].decision.determining_policy_ids == ["opt-out.training-mining"]
    assert results["unlicensed"].decision.determining_policy_ids == ["license.required"]
    depicts = results["depicts"].decision
    assert depicts.determining_policy_ids == ["ab2602.consent-required"]
    assert [(f.subject_kind, f.subject_id) for f in depicts.findings] == [("asset", "depicts"), ("person", "p")]
    # the whole-request decision is the worst of them
    assert engine.decide(request).verdict is Verdict.BLOCK


def test_audit_training_refuses_other_actions(engine: PolicyEngine) -> None:
    with pytest.raises(FactsError):
        engine.audit_training(release())


def test_unknown_references_raise_facts_error(engine: PolicyEngine) -> None:
    with pytest.raises(FactsError, match="ghost"):
        engine.decide(release(matches=[match("asset", "ghost", "strong")]))
    with pytest.raises(FactsError, match="nobody"):
        engine.decide(release(declared_people=["nobody"]))
    with pytest.raises(FactsError, match="people_depicted"):
        engine.decide(train([asset(licenses=[license_()], people_depicted=["nobody"])]))


def test_conflicting_records_under_one_id_raise_facts_error(engine: PolicyEngine) -> None:
    request = release([asset("a", licenses=[license_("shared")]),
                       asset("b", licenses=[license_("shared", revoked=True)])], reference_inputs=["a", "b"])
    with pytest.raises(FactsError, match="shared"):
        engine.decide(request)
    same = release([asset("a", licenses=[license_("shared")]), asset("b", licenses=[license_("shared")])],
                   reference_inputs=["a", "b"])
    assert engine.decide(same).verdict is Verdict.PASS


def test_facts_error_is_a_policy_error_with_diagnostics(engine: PolicyEngine) -> None:
    with pytest.raises(PolicyError) as caught:
        engine.decide(release(declared_people=["nobody"]))
    assert "nobody" in caught.value.diagnostics()


def test_runtime_policy_error_fails_closed(policy_dir: Path) -> None:
    (policy_dir / "overflow.cedar").write_text("""
@id("test.overflows")
@verdict("review")
@sentence("Overflows on every request.")
forbid (principal, action, resource is Clearance::Asset)
when { context.use_ymd * 9223372036854775807 > 0 };
""")
    engine = PolicyEngine.load(policy_dir)
    decision = engine.decide(release([asset(licenses=[license_()])], reference_inputs=["asset-1"]))
    assert decision.verdict is Verdict.BLOCK
    assert POLICY_ERROR_ID in decision.determining_policy_ids
    (error,) = {r.sentence for r in decision.reasons if r.policy_id == POLICY_ERROR_ID}
    assert "`test.overflows`" in error and "overflow" in error


def test_without_a_permit_nothing_passes(policy_dir: Path) -> None:
    (policy_dir / "base.cedar").unlink()
    engine = PolicyEngine.load(policy_dir)
    decision = engine.decide(release())
    assert decision.verdict is Verdict.BLOCK
    assert decision.determining_policy_ids == [NOT_PERMITTED_ID]


def test_facts_validation_names_the_field() -> None:
    with pytest.raises(ValidationError, match="died_on"):
        PersonFacts(id="p", deceased=True)
    with pytest.raises(ValidationError, match="counsel_signed_terms_sha256"):
        consent(counsel_signed_terms_sha256="not-a-hash")
    with pytest.raises(ValidationError, match="ends_on"):
        license_(starts_on=date(2026, 1, 2), ends_on=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="model_id"):
        RequestContext(action="train", service_id="svc", project="p", uses={"train"}, territories={"US"},
                       use_date=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="territories"):
        RequestContext(action="release", service_id="svc", project="p", uses={"distribute"}, territories=set(),
                       use_date=date(2026, 1, 1))


def test_iptc_vocabulary_uri_is_shortened() -> None:
    value = "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING"
    assert OptOutSignal(entry="plus:DataMining", value=value).token == "plus:DataMining=DMI-PROHIBITED-AIMLTRAINING"


def test_deceased_person_beyond_70_years_needs_nothing_even_when_prompted(engine: PolicyEngine) -> None:
    request = release(people=[dead(80)], prompt_people=["person-1"], declared_people=["person-1"])
    assert engine.decide(request).verdict is Verdict.PASS


def test_policies_package_never_imports_ledger_or_embeddings() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"ledger", "embeddings"}, f"{path.name} imports {name}"


def test_living_consent_helps_only_its_holder(engine: PolicyEngine) -> None:
    someone_else = person("other", consents=[consent()])
    request = release(people=[person(), someone_else], declared_people=["person-1"])
    decision = engine.decide(request)
    assert decision.verdict is Verdict.BLOCK
    assert sorted(decision.determining_policy_ids) == ["ab2602.consent-required", "elvis.authorization-required"]


def test_estate_permission_does_not_stand_in_for_a_living_persons_consent(engine: PolicyEngine) -> None:
    decision = engine.decide(release(people=[person(estate_permissions=[estate()])], declared_people=["person-1"]))
    assert decision.verdict is Verdict.BLOCK
    assert sorted(decision.determining_policy_ids) == ["ab2602.consent-required", "elvis.authorization-required"]
    (finding,) = [f for f in decision.findings if f.subject_kind == "person"]
    tried = {c.grant.id if c.grant else None: {r.policy_id for r in c.reasons} for c in finding.candidates}
    assert tried == {None: {"ab2602.consent-required", "elvis.authorization-required"},
                     "est-1": {"ab2602.consent-required", "ab1836.person-living", "elvis.authorization-required"}}


def test_grant_independent_reason_is_reported_once_without_grant(engine: PolicyEngine) -> None:
    request = train([asset(licenses=[license_()], opt_outs=[signal("cawg.ai_training", "notAllowed")])])
    decision = engine.decide(request)
    assert [(r.policy_id, r.grant) for r in decision.reasons] == [("opt-out.training-mining", None)]


def test_request_dump_is_sorted_and_round_trips() -> None:
    request = release([asset(licenses=[license_(territories={"US", "FR", "DE"})])], reference_inputs=["asset-1"],
                      territories={"US", "FR", "DE"})
    dumped = request.model_dump(mode="json")
    assert dumped["context"]["territories"] == ["DE", "FR", "US"]
    assert dumped["assets"][0]["licenses"][0]["territories"] == ["DE", "FR", "US"]
    assert type(request).model_validate_json(request.model_dump_json()) == request


def test_decision_serialises_for_the_log(engine: PolicyEngine) -> None:
    decision = engine.decide(release([asset()], matches=[match("asset", "asset-1", "grey")]))
    dumped = decision.model_dump(mode="json")
    assert dumped["verdict"] == "review"
    assert dumped["policy_set_hash"] == engine.policy_set_hash
    assert dumped["reasons"][0]["policy_id"] == "similarity.grey-match-unlicensed"


def test_request_shapes_that_do_not_fit_the_action_are_refused(engine: PolicyEngine) -> None:
    with pytest.raises(FactsError, match="train request"):
        engine.decide(train([asset(licenses=[license_()])], [person()], declared_people=["person-1"]))
    with pytest.raises(FactsError, match="create_replica"):
        engine.decide(replica([person(consents=[consent()])]).model_copy(
            update={"matches": [match("person", "person-1", "strong")]}))
