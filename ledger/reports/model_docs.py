"""Write a model's training-content summary and bill of materials into a folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger.context import Clearance
from ledger.errors import FieldProblem, ValidationFailed
from ledger.fsutil import write_atomic
from ledger.records.service import ID_PATTERN
from ledger.reports import bom, training_summary


def _file_stem(model_id: str) -> str:
    if not ID_PATTERN.match(model_id):
        raise ValidationFailed("invalid model id", problems=[FieldProblem("model", "letters, digits and _.:- only")])
    return model_id.replace(":", "_")


def write_training_summary(ctx: Clearance, model_id: str, out_dir: Path, territories: list[str]) -> dict[str, Any]:
    stem = _file_stem(model_id)
    with ctx.db.reader() as session:
        summary = training_summary.build_summary(ctx.policy_engine, session, model_id, ctx.settings.provider_name,
                                                 territories=tuple(territories))
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown, json_path = out_dir / f"{stem}-training-summary.md", out_dir / f"{stem}-training-summary.json"
    write_atomic(markdown, training_summary.to_markdown(summary).encode())
    write_atomic(json_path, json.dumps(summary, indent=2, sort_keys=False).encode())
    return {"markdown": str(markdown), "json": str(json_path), "unfilled": summary["unfilled"]}


def write_bom(ctx: Clearance, model_id: str, out_dir: Path, territories: list[str]) -> dict[str, Any]:
    stem = _file_stem(model_id)
    with ctx.db.reader() as session:
        text = bom.cyclonedx_json(ctx.policy_engine, session, model_id, tuple(territories))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}-bom.cdx.json"
    write_atomic(path, text.encode())
    return {"cyclonedx": str(path), "spdx": None}
