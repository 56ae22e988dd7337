"""Report answers: a dataset audit run and the training-content summary."""

from __future__ import annotations

from ledger.api.schemas.reports import AuditRun, TrainingSummary

RECEIPT = {"index": 5, "leaf_hash": "aA==", "tree_size": 6, "inclusion_proof": [], "checkpoint": "n\n"}


def test_audit_run_points_at_its_files() -> None:
    answer = {"audit_id": "aud_0", "totals": {"assets": 2, "cleared": 1, "review": 0, "block": 1}, "log": RECEIPT,
              "report": "/v1/audits/aud_0/report.html", "csv": "/v1/audits/aud_0/report.csv",
              "use_date": "2026-01-02", "knowledge_size": None}
    assert AuditRun.model_validate(answer).model_dump(mode="json") == answer


def test_training_summary_sections_are_kept_whole() -> None:
    answer = {"template": "t", "model_id": "mdl_1", "dataset_version_ids": ["dsv_1"], "generated_on": "2026-01-02",
              "territories": ["US"], "log_size": None, "audit_id": None, "section_titles": {"1": "General information"},
              "sections": {"1.1": {"provider_name": {"value": "Studio"},
                                   "provider_contact": {"value": None, "to_complete": "not kept"}}},
              "unfilled": ["1.1.provider_contact"]}
    assert TrainingSummary.model_validate(answer).model_dump(mode="json") == answer
