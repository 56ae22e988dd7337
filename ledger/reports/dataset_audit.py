"""What a dataset audit finds: one pass over a dataset version, a row per asset and the totals.

The assets are read and decided :data:`CHUNK` at a time (the ``train`` request of
:mod:`ledger.checks.training`, evaluated by the policy engine), each asset's row is
handed to a callback as soon as it is decided, and only the totals stay in memory: a
version of 10^5 assets is audited in flat memory.

**Shared decisions.** Whether an asset may be used for training depends only on what
the policy engine is told about it: its kind, its licenses, its opt-out signals, the
people it depicts (and its title, if a policy reads titles). Assets alike in all of
these get the same decision, so each such kind of asset is evaluated once and the
others take its decision with their own id in the reasons (up to :data:`SHARED_LIMIT`
kinds at a time). ``share_decisions=False`` evaluates every asset; the tests check both
give the same rows.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from ledger.checks.facts import assets_facts, license_facts, person_facts
from ledger.checks.ownership import is_own_production, studio_of
from ledger.checks.training import training_context
from ledger.errors import NotFound
from ledger.records import models as m
from ledger.reports.wording import Problem, policy_phrase, problem_of
from ledger import clock
from policies import AssetClearance, AssetFacts, LicenseFacts, PersonFacts, PolicyEngine, PolicyRequest, Reason
from policies.decision import Finding

CHUNK = 1000
SHARED_LIMIT = 10_000
_READS_TITLE = re.compile(r"\.title\b")
HORIZON_DAYS = 90
NO_LICENSE = "(no license)"
OWN_PRODUCTION = "(own production)"
NOT_RECORDED = "not recorded"
_RESERVING = {"notAllowed", "constrained", "disallow", "DMI-ALLOWED-WITHCONSTRAINTS"}


def reserves_training(entry: str, value: str) -> bool:
    """Whether a signal as read opts the work out of training or mining (an ``allow`` or ``allowed`` does not).

    The opt-out policies decide what an asset's signals mean for a use; this only sorts signals
    for counting: a reservation (CAWG ``notAllowed``/``constrained`` on training or mining, an
    IPTC prohibition or constraint, a TDM reservation, a robots.txt or ai.txt disallow) or not.
    """
    if entry.endswith("ai_inference"):
        return False
    return value in _RESERVING or value.startswith("DMI-PROHIBITED") or (entry == "tdm-reservation" and value == "1")


@dataclass(frozen=True)
class AssetRow:
    """One asset as the audit found it."""

    asset_id: str
    title: str
    status: str                    # cleared | review | block
    policy_ids: list[str]
    reasons: list[str]             # "[policy] subject (grant): sentence"
    grants: list[str]              # "license L", "consent C (person P)"
    why: str = ""                  # one short reason in words ("own production", "no license on file", ...)
    details: tuple[tuple[str, str], ...] = ()  # the record's facts: acquisition, acquired on, source, ...


@dataclass
class Totals:
    """Everything the report says besides the per-asset rows; small whatever the dataset's size."""

    assets: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_policy: Counter[str] = field(default_factory=Counter)
    sentences: dict[str, str] = field(default_factory=dict)
    phrases: dict[str, str] = field(default_factory=dict)  # policy id -> what it found, in a few words
    licensors: dict[str, dict[str, Any]] = field(default_factory=dict)
    opt_outs: dict[str, dict[str, int]] = field(default_factory=dict)
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    expiring: list[dict[str, Any]] = field(default_factory=list)
    revocations: list[dict[str, Any]] = field(default_factory=list)
    own_production: int = 0
    without_license: int = 0       # no license on file and not the studio's own production
    signals_allowing: Counter[str] = field(default_factory=Counter)  # source -> assets whose signals allow training
    problems: Counter[Problem] = field(default_factory=Counter)      # fix group -> works not cleared in it
    project: str = ""
    project_stated: bool = False

    @property
    def cleared(self) -> int:
        return self.by_status["cleared"]

    def share(self, count: int) -> float:
        return round(count / self.assets, 4) if self.assets else 0.0


@dataclass(frozen=True)
class AuditRequest:
    dataset_version_id: str
    model_id: str | None = None
    territories: tuple[str, ...] = ("US",)
    use_date: date | None = None
    project: str | None = None


@dataclass(frozen=True)
class AssetRecord:
    """What the audit reads of an asset besides the policy facts: where it came from and who holds it."""

    acquisition: str
    acquired_on: date | None
    source_uri: str | None
    rights_holder_id: str | None

    def own_production(self, studio: frozenset[str]) -> bool:
        """The studio holds the rights itself (:mod:`ledger.checks.ownership`)."""
        return is_own_production(self.acquisition, self.rights_holder_id, studio)


@dataclass
class _Grants:
    """The grants this dataset's assets touch, for expiries and revocations."""

    licenses: dict[str, LicenseFacts]
    licensor_of: dict[str, str]
    party_names: dict[str, str]
    relied: Counter[tuple[str, str]] = field(default_factory=Counter)
    touched: Counter[tuple[str, str]] = field(default_factory=Counter)
    revoked_touch: Counter[tuple[str, str]] = field(default_factory=Counter)
    revoked_not_cleared: Counter[tuple[str, str]] = field(default_factory=Counter)


def _base_id(grant_id: str) -> str:
    """A consent's intended use is ``C#2``; the record is ``C``."""
    return grant_id.split("#", 1)[0]


def _status(item: AssetClearance) -> str:
    return "cleared" if item.cleared else item.decision.verdict.value


def _grant_label(kind: str, grant_id: str, person: str | None) -> str:
    return f"{kind} {grant_id}" + (f" (person {person})" if person else "")


def _load_grants(session: Session, use_date: date) -> _Grants:
    licenses = {row.id: row for row in session.exec(select(m.License)).all()}
    names = {pid: name for pid, name in session.exec(select(m.Party.id, m.Party.name)).all()}
    return _Grants(licenses={i: license_facts(row, use_date) for i, row in licenses.items()},
                   licensor_of={i: row.licensor_id for i, row in licenses.items()}, party_names=names)


def _own(reason: Reason, decided_for: str, asset_id: str) -> Reason:
    """A shared decision's reason, about this asset rather than the one it was evaluated for."""
    if reason.subject_kind == "asset" and reason.subject_id == decided_for and decided_for != asset_id:
        return reason.model_copy(update={"subject_id": asset_id})
    return reason


def _name(grants: _Grants, party_id: str | None, unknown: str) -> str:
    return grants.party_names.get(party_id, party_id) if party_id else unknown


def _details(record: AssetRecord, own: bool, facts: AssetFacts, grants: _Grants,
             signals: list[tuple[str, str, str]]) -> tuple[tuple[str, str], ...]:
    licenses = [f"{lic.id} from {_name(grants, grants.licensor_of.get(lic.id), '?')}"
                + (f", ends {lic.ends_on.isoformat()}" if lic.ends_on else "") + (", revoked" if lic.revoked else "")
                for lic in facts.licenses]
    return (("acquisition", record.acquisition.replace("_", " ")),
            ("acquired on", record.acquired_on.isoformat() if record.acquired_on else NOT_RECORDED),
            ("source", record.source_uri or NOT_RECORDED),
            ("rights holder", _name(grants, record.rights_holder_id, NOT_RECORDED) + (" (own production)" if own else "")),
            ("licenses", "; ".join(licenses) or ("none needed (own production)" if own else "none")),
            ("people depicted", ", ".join(_name(grants, p, p) for p in facts.people_depicted) or "none"),
            ("opt-out signals", "; ".join(f"{src}: {entry}={value}" for src, entry, value in signals) or "none"))


def _person_phrase(finding: Finding) -> str:
    """Why a person is not cleared: what each grant on file lacks, or that none is on file."""
    tried = [c for c in finding.candidates if c.grant is not None and c.reasons]
    if not tried:
        return policy_phrase(finding.reasons[0]) if finding.reasons else finding.verdict.value
    return "; ".join(dict.fromkeys(policy_phrase(c.reasons[0]) for c in tried[:2]))


def _why(reasons: list[Reason], grants: _Grants, own: bool, status: str, people_why: dict[str, str]) -> str:
    """One short sentence: the first two distinct phrases, each about its subject."""
    if status == "cleared":
        return "own production: cleared without a license" if own else "cleared"
    phrases: list[str] = []
    for reason in reasons:
        phrase = policy_phrase(reason)
        if reason.subject_kind == "person":
            phrase = f"{_name(grants, reason.subject_id, '?')}: {people_why.get(reason.subject_id or '', phrase)}"
        if phrase not in phrases:
            phrases.append(phrase)
    more = len(phrases) - 2
    return "; ".join(phrases[:2]) + (f" (and {more} more)" if more > 0 else "")


def _tally_asset(totals: Totals, grants: _Grants, facts: AssetFacts, item: AssetClearance,
                 signals: list[tuple[str, str, str]], record: AssetRecord, people: dict[str, PersonFacts]) -> AssetRow:
    status = _status(item)
    own = facts.own_production
    totals.assets += 1
    totals.by_status[status] += 1
    totals.own_production += own
    totals.without_license += not own and not facts.licenses
    reasons = [] if item.cleared else [_own(r, item.asset_id, facts.id) for r in item.decision.reasons]
    policy_ids = list(dict.fromkeys(r.policy_id for r in reasons))
    for reason in reasons:
        totals.sentences.setdefault(reason.policy_id, reason.sentence)
        totals.phrases.setdefault(reason.policy_id, policy_phrase(reason, generic=True))
    totals.by_policy.update(policy_ids)
    licensor_ids = [grants.licensor_of.get(lic.id, "?") for lic in facts.licenses]
    licensors = set(licensor_ids) or {OWN_PRODUCTION if own else NO_LICENSE}
    for licensor in licensors:
        entry = totals.licensors.setdefault(licensor, {"assets": 0, "cleared": 0})
        entry["assets"] += 1
        entry["cleared"] += item.cleared
    reserving = list(dict.fromkeys(src for src, entry_, value in signals if reserves_training(entry_, value)))
    for source in reserving:
        entry = totals.opt_outs.setdefault(source, {"assets": 0, "excluded": 0, "still_cleared": 0})
        entry["assets"] += 1
        entry["excluded" if not item.cleared else "still_cleared"] += 1
    totals.signals_allowing.update({src for src, _, _ in signals} - set(reserving))
    for lic in facts.licenses:
        grants.touched[("license", lic.id)] += 1
        if lic.revoked:
            grants.revoked_touch[("license", lic.id)] += 1
            grants.revoked_not_cleared[("license", lic.id)] += not item.cleared
    for depicted_id in dict.fromkeys(facts.people_depicted):
        person = people.get(depicted_id)
        for consent in person.consents if person else []:
            grants.touched[("consent", _base_id(consent.id))] += 1
        for permission in person.estate_permissions if person else []:
            grants.touched[("estate_permission", permission.id)] += 1
    problems: set[Problem] = set()
    for reason in reasons:
        person = people.get(reason.subject_id or "") if reason.subject_kind == "person" else None
        licensor = _name(grants, grants.licensor_of.get(reason.grant.id) if reason.grant else
                         (licensor_ids[0] if licensor_ids else None), "the licensor")
        problems.add(problem_of(reason, _name(grants, record.rights_holder_id, "the rights holder (not recorded)"),
                                licensor, _name(grants, reason.subject_id, "?"), bool(person and person.deceased)))
    totals.problems.update(problems)
    labels = []
    relied_here: set[tuple[str, str]] = set()
    people_why: dict[str, str] = {}
    for finding in item.decision.findings:
        person_id = finding.subject_id if finding.subject_kind == "person" else None
        if person_id:
            entry = totals.people.setdefault(person_id, {"assets": 0, "cleared": 0, "grants": Counter(), "missing": 0,
                                                         "why": ""})
            entry["assets"] += 1
            entry["cleared"] += finding.verdict.value == "pass"
            if finding.relied_on:
                entry["grants"][f"{finding.relied_on.kind} {_base_id(finding.relied_on.id)}"] += 1
            elif finding.verdict.value != "pass":
                entry["missing"] += 1
                people_why[person_id] = _person_phrase(finding)
                entry["why"] = entry["why"] or people_why[person_id]
        if finding.relied_on:
            kind, grant_id = finding.relied_on.kind, _base_id(finding.relied_on.id)
            relied_here.add((kind, grant_id))
            labels.append(_grant_label(kind, grant_id, person_id))
    grants.relied.update(relied_here)
    return AssetRow(asset_id=facts.id, title=facts.title, status=status, policy_ids=policy_ids,
                    reasons=[r.describe() for r in reasons], grants=list(dict.fromkeys(labels)),
                    why=_why(reasons, grants, own, status, people_why), details=_details(record, own, facts, grants, signals))


def _person_grants(people: dict[str, PersonFacts]) -> dict[tuple[str, str], tuple[date | None, bool, str]]:
    """(kind, id) -> (end date, revoked, person) of every consent and estate permission of these people."""
    out: dict[tuple[str, str], tuple[date | None, bool, str]] = {}
    for person in people.values():
        for consent in person.consents:
            key = ("consent", _base_id(consent.id))
            end = consent.ends_on
            previous = out.get(key)
            if previous and previous[0] and end:
                end = max(previous[0], end)
            out[key] = (end, consent.revoked, person.id)
        for permission in person.estate_permissions:
            out[("estate_permission", permission.id)] = (permission.ends_on, permission.revoked, person.id)
    return out


def _person_state(entry: dict[str, Any], person: PersonFacts | None) -> str:
    """``in force``, ``lapsing``, ``missing`` (nothing on file), ``revoked`` (all on file revoked) or ``not sufficient``."""
    if not entry["missing"]:
        return "lapsing" if entry["lapsing"] else "in force"
    on_file = [*(person.consents if person else []), *(person.estate_permissions if person else [])]
    if not on_file:
        return "missing"
    return "revoked" if all(g.revoked for g in on_file) else "not sufficient"


def _finish(totals: Totals, grants: _Grants, people: dict[str, PersonFacts], use_date: date,
            models_trained: list[str], flags: list[dict[str, Any]]) -> None:
    horizon = use_date + timedelta(days=HORIZON_DAYS)
    person_grants = _person_grants(people)
    ends: dict[tuple[str, str], date | None] = {("license", i): f.ends_on for i, f in grants.licenses.items()}
    ends.update({k: v[0] for k, v in person_grants.items()})
    revoked_grants = {("license", i) for i, f in grants.licenses.items() if f.revoked}
    revoked_grants |= {k for k, v in person_grants.items() if v[1]}
    for (kind, grant_id), count in sorted(grants.touched.items()):
        end = ends.get((kind, grant_id))
        if end is not None and use_date <= end <= horizon and (kind, grant_id) not in revoked_grants:
            totals.expiring.append({"kind": kind, "id": grant_id, "ends_on": end.isoformat(),
                                    "days_left": (end - use_date).days, "assets": count,
                                    "relied_on": grants.relied.get((kind, grant_id), 0)})
    totals.expiring.sort(key=lambda e: (e["ends_on"], e["kind"], e["id"]))
    for person_id, entry in totals.people.items():
        person = people.get(person_id)
        entry["name"] = grants.party_names.get(person_id, person_id)
        entry["deceased"] = bool(person and person.deceased)
        lapsing = [g for g in entry["grants"] if (ends.get(tuple(g.split(" ", 1))) or date.max) <= horizon]
        entry["lapsing"] = sorted(lapsing)
        entry["grants"] = dict(sorted(entry["grants"].items()))
        entry["on_file"] = sorted({f"consent {_base_id(c.id)}" for c in (person.consents if person else [])}
                                  | {f"estate_permission {p.id}" for p in (person.estate_permissions if person else [])})
        entry["state"] = _person_state(entry, person)
    for key, (_, revoked, person_id) in person_grants.items():
        depicted = totals.people.get(person_id)
        if revoked and depicted:  # a revoked grant is never relied on: count the assets depicting its person
            grants.revoked_touch[key] = depicted["assets"]
            grants.revoked_not_cleared[key] = depicted["assets"] - depicted["cleared"]
    flagged = {(str(f.get("kind", "")).replace("-", "_"), str(f.get("id", ""))): f for f in flags}
    for key in flagged.keys() - grants.revoked_touch.keys():
        grants.revoked_touch[key] = 0
    for (kind, grant_id), assets in sorted(grants.revoked_touch.items()):
        flag = flagged.get((kind, grant_id), {})
        totals.revocations.append({"kind": kind, "id": grant_id, "assets": assets,
                                   "not_cleared": grants.revoked_not_cleared.get((kind, grant_id), 0),
                                   "models": models_trained, "revoked_on": flag.get("revoked_on", ""),
                                   "reason": flag.get("reason", "")})


def _asset_records(session: Session, asset_ids: list[str]) -> dict[str, AssetRecord]:
    """Only the columns the report shows (the rows' JSON columns stay unread)."""
    where = col(m.Asset.id).in_(asset_ids)
    holders = dict(session.exec(select(m.Asset.id, m.Asset.rights_holder_id).where(where)).all())
    rows = session.exec(select(m.Asset.id, m.Asset.acquisition_method, col(m.Asset.acquired_on), col(m.Asset.source_uri))
                        .where(where)).all()
    return {i: AssetRecord(str(getattr(method, "value", method)), acquired, uri, holders.get(i))
            for i, method, acquired, uri in rows}


def _reads_titles(engine: PolicyEngine) -> bool:
    return any(_READS_TITLE.search(p.read_text(encoding="utf-8")) for p in engine.directory.glob("*.cedar"))


def _decision_key(facts: AssetFacts, with_title: bool) -> Hashable:
    """Everything the engine is told about an asset, but its id."""
    return (facts.kind, tuple(sorted(lic.id for lic in facts.licenses)),
            tuple(sorted((o.entry, o.value, o.constraint or "") for o in facts.opt_outs)),
            tuple(facts.people_depicted), facts.own_production, facts.title if with_title else None)


def _decide(engine: PolicyEngine, context: Any, facts: list[AssetFacts], people: dict[str, PersonFacts],
            shared: dict[Hashable, AssetClearance] | None, with_title: bool) -> list[AssetClearance]:
    """One decision per asset, evaluating only the assets unlike any decided before when ``shared`` is given."""
    keys = [_decision_key(f, with_title) for f in facts] if shared is not None else [f.id for f in facts]
    known = shared if shared is not None else {}
    todo = list({k: f for k, f in zip(keys, facts) if k not in known}.items())
    if todo:
        assets = [f for _, f in todo]
        depicted = [people[p] for p in dict.fromkeys(p for a in assets for p in a.people_depicted)]
        results = engine.audit_training(PolicyRequest(context=context, assets=assets, people=depicted))
        if shared is not None and len(shared) + len(todo) > SHARED_LIMIT:
            shared.clear()
        for (key, _), result in zip(todo, results, strict=True):
            known[key] = result
    return [known[k] for k in keys]


def run_audit(engine: PolicyEngine, session: Session, request: AuditRequest,
              on_row: Callable[[AssetRow], None], share_decisions: bool = True) -> Totals:
    """Decide every asset of the version, handing each row to ``on_row``; return the totals."""
    version = session.get(m.DatasetVersion, request.dataset_version_id)
    if version is None:
        raise NotFound(f"no dataset version with id {request.dataset_version_id!r}")
    model = session.get(m.AiModel, request.model_id) if request.model_id else None
    if request.model_id and model is None:
        raise NotFound(f"no model with id {request.model_id!r}")
    use_date = request.use_date or clock.today()
    context = training_context(version.id, model, list(request.territories), project=request.project,
                               use_date=use_date)
    studio = studio_of(session, version, model)
    grants = _load_grants(session, use_date)
    people: dict[str, PersonFacts] = {}
    totals = Totals(project=context.project, project_stated=request.project is not None)
    shared: dict[Hashable, AssetClearance] | None = {} if share_decisions else None
    with_title = _reads_titles(engine)
    asset_ids = list(dict.fromkeys(version.asset_ids))
    for start in range(0, len(asset_ids), CHUNK):
        chunk = asset_ids[start:start + CHUNK]
        read = assets_facts(session, chunk, grants.licenses, use_date)
        records = _asset_records(session, chunk)
        facts = [f.model_copy(update={"own_production": records[f.id].own_production(studio)}) for f in read]
        for party_id in dict.fromkeys(p for a in facts for p in a.people_depicted):
            if party_id not in people:
                people[party_id] = person_facts(session, party_id, use_date)
        decisions = _decide(engine, context, facts, people, shared, with_title)
        signals: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        rows = session.exec(select(m.OptOutSignal.asset_id, m.OptOutSignal.source, m.OptOutSignal.entry,
                                   m.OptOutSignal.value).where(col(m.OptOutSignal.asset_id).in_(chunk))).all()
        for asset_id, source, signal_entry, value in rows:
            signals[asset_id].append((str(getattr(source, "value", source)), signal_entry, value))
        for asset, item in zip(facts, decisions, strict=True):
            on_row(_tally_asset(totals, grants, asset, item, signals.get(asset.id, []), records[asset.id], people))
    models_trained = sorted(session.exec(select(m.ModelTraining.model_id)
                                         .where(m.ModelTraining.dataset_version_id == version.id)).all())
    _finish(totals, grants, people, use_date, models_trained, list(version.revocation_flags))
    for licensor_id, entry in totals.licensors.items():
        entry["name"] = grants.party_names.get(licensor_id, licensor_id)
    totals.licensors = dict(sorted(totals.licensors.items()))
    return totals
