"""Benchmark: policy evaluation time per check and per training asset.

Measures, on synthetic but realistic facts (every subject has grants, so each
one costs several Cedar requests):

* ``PolicyEngine.load``: schema + policy validation at start-up;
* ``decide`` for a typical pre-release check (10 matched works with 2 licenses
  each, 3 people with 2 grants each, 1 reference input) and a heavy one (100
  matched works, 10 people);
* ``audit_training`` over 1,000 assets (each with a license, a signal and a
  depicted person).

Ratios: a check's policy time against the 2 s p50 budget issue 4 sets for a
whole 10 s clip check, and audit time per asset against one typical check.

Run: ``.venv/bin/python benchmarks/policies.py`` (writes benchmarks/results/policies.json).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from policies import (  # noqa: E402
    AssetFacts,
    ConsentFacts,
    EstatePermissionFacts,
    LicenseFacts,
    MatchFacts,
    OptOutSignal,
    PersonFacts,
    PolicyEngine,
    PolicyRequest,
    RequestContext,
)

RESULTS = ROOT / "benchmarks" / "results" / "policies.json"
CHECK_BUDGET_S = 2.0
USE = date(2026, 6, 15)


def _license(ident: str, **changes: object) -> LicenseFacts:
    return LicenseFacts(**({"id": ident, "uses": {"train", "distribute"}, "media": {"film"},
                            "territories": {"US"}, "starts_on": date(2024, 1, 1)} | changes))


def _person(index: int) -> PersonFacts:
    if index % 3 == 2:
        return PersonFacts(id=f"p{index}", deceased=True, died_on=date(1980, 5, 1), estate_permissions=[
            EstatePermissionFacts(id=f"e{index}a", works={"film-1"}, uses={"distribute"}, media={"film"},
                                  territories={"US"}, starts_on=date(2024, 1, 1), consent_on=date(2025, 1, 1)),
            EstatePermissionFacts(id=f"e{index}b", works={"film-1"}, starts_on=date(2024, 1, 1),
                                  consent_on=date(2025, 1, 1), exception="documentary", legal_reviewer="JC"),
        ])
    return PersonFacts(id=f"p{index}", consents=[
        ConsentFacts(id=f"c{index}{tag}", projects={"film-1"}, uses={"distribute", "train"}, media={"film"},
                     territories={"US"}, starts_on=date(2024, 1, 1), performance_fixed_on=date(2025, 2, 1),
                     specific_use_description=True, revoked=tag == "a")
        for tag in "ab"
    ])


def check_request(works: int, people: int) -> PolicyRequest:
    assets = [AssetFacts(id=f"w{i}", licenses=[_license(f"l{i}a", ends_on=date(2025, 1, 1)), _license(f"l{i}b")])
              for i in range(works)]
    assets.append(AssetFacts(id="ref", licenses=[_license("lref")]))
    persons = [_person(i) for i in range(people)]
    matches = [MatchFacts(subject="asset", subject_id=f"w{i}", channel="perceptual", score=0.9,
                          strength="strong" if i % 2 else "grey") for i in range(works)]
    matches += [MatchFacts(subject="person", subject_id=p.id, channel="identity", score=0.8, strength="strong")
                for p in persons]
    context = RequestContext(action="release", service_id="svc", model_id="m", project="film-1",
                             uses={"distribute"}, media={"film"}, territories={"US"}, use_date=USE,
                             clip_id="clip", reference_inputs=["ref"], declared_people=[p.id for p in persons])
    return PolicyRequest(context=context, assets=assets, people=persons, matches=matches)


def audit_request(assets: int) -> PolicyRequest:
    persons = [_person(i) for i in range(50)]
    items = [AssetFacts(id=f"t{i}", licenses=[_license(f"tl{i}")],
                        opt_outs=[OptOutSignal(entry="cawg.ai_training", value="allowed" if i % 10 else "notAllowed")],
                        people_depicted=[f"p{i % 50}"])
             for i in range(assets)]
    context = RequestContext(action="train", model_id="m", project="film-1", uses={"train"},
                             territories={"US"}, use_date=USE)
    return PolicyRequest(context=context, assets=items, people=persons)


def timed(fn, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": statistics.median(ordered) * 1e3, "p95_ms": p95 * 1e3, "n": len(ordered)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--audit-assets", type=int, default=1000)
    args = parser.parse_args()

    load = summary(timed(PolicyEngine.load, 10))
    engine = PolicyEngine.load()
    typical, heavy = check_request(10, 3), check_request(100, 10)
    typical_stats = summary(timed(lambda: engine.decide(typical), args.repeats))
    heavy_stats = summary(timed(lambda: engine.decide(heavy), max(5, args.repeats // 5)))
    audit = audit_request(args.audit_assets)
    audit_stats = summary(timed(lambda: engine.audit_training(audit), 3))
    per_asset_ms = audit_stats["p50_ms"] / args.audit_assets

    record = {
        "benchmark": "policies",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "policy_set_hash": engine.policy_set_hash,
        "policies": len(engine.policies),
        "load": load,
        "check_typical": typical_stats | {"verdict": engine.decide(typical).verdict.value},
        "check_heavy": heavy_stats | {"verdict": engine.decide(heavy).verdict.value},
        "audit_training": audit_stats | {"assets": args.audit_assets, "per_asset_ms": per_asset_ms},
        "ratios": {
            "typical_check_share_of_2s_budget": typical_stats["p50_ms"] / (CHECK_BUDGET_S * 1e3),
            "heavy_check_share_of_2s_budget": heavy_stats["p50_ms"] / (CHECK_BUDGET_S * 1e3),
            "audit_asset_vs_typical_check": per_asset_ms / typical_stats["p50_ms"],
        },
    }
    print(f"load                 p50 {load['p50_ms']:8.2f} ms")
    print(f"typical check        p50 {typical_stats['p50_ms']:8.2f} ms  p95 {typical_stats['p95_ms']:8.2f} ms"
          f"  ({record['ratios']['typical_check_share_of_2s_budget']:.2%} of the 2 s budget)")
    print(f"heavy check          p50 {heavy_stats['p50_ms']:8.2f} ms  p95 {heavy_stats['p95_ms']:8.2f} ms"
          f"  ({record['ratios']['heavy_check_share_of_2s_budget']:.2%} of the 2 s budget)")
    print(f"audit {args.audit_assets} assets    p50 {audit_stats['p50_ms']:8.2f} ms"
          f"  ({per_asset_ms:.3f} ms per asset)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record))


if __name__ == "__main__":
    main()
