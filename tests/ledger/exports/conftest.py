"""A small world to produce: parties, a license with its stored document, works with stored images, a dataset,
its version, a model, legal holds for one matter and one privileged record."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from ledger.context import Clearance
from ledger.exports.privilege import assert_privilege
from ledger.media_store import store_bytes
from ledger.records import service
from ledger.records.kinds import KINDS

MATTER = "Doe v. Northlight (N.D. Cal. 26-cv-0101)"

try:
    import clearance_verify  # noqa: F401
except ImportError:  # the standalone verifier's own distribution, used here without installing it
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "verifier" / "src"))


def png(seed: int) -> bytes:
    image = Image.new("RGB", (64, 48), (seed * 40 % 256, 90, 200 - seed * 30 % 200))
    for x in range(0, 64, 8):
        for y in range(48):
            image.putpixel((x, y), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@dataclass(frozen=True)
class World:
    asset_ids: list[str]
    privileged: tuple[str, str]
    license_document: bytes


def _create(ctx: Clearance, kind: str, data: dict[str, Any], actor: str = "registrar-1") -> dict[str, Any]:
    return service.create_record(ctx, KINDS[kind], data, actor).record


def build_world(ctx: Clearance) -> World:
    _create(ctx, "party", {"id": "studio", "kind": "organisation", "name": "Northlight Pictures"})
    _create(ctx, "party", {"id": "archive", "kind": "organisation", "name": "Harbor \u00deorsson Archive"})
    document = b"%PDF-1.4\n% the signed license agreement\n"
    stored_document = store_bytes(ctx.settings, document, "license.pdf")
    _create(ctx, "license", {"id": "lic-1", "licensor_id": "archive", "licensee_id": "studio",
                             "permitted_uses": ["train"], "media": ["streaming"], "territories": ["WORLD"],
                             "starts_on": "2024-01-01", "source_document_sha256": stored_document.sha256,
                             "governing_law": "California\nUSA"})
    asset_ids = []
    for n in range(3):
        media = store_bytes(ctx.settings, png(n + 1), f"work-{n}.png")
        asset_ids.append(_create(ctx, "asset", {
            "id": f"work-{n}", "role": "training_asset", "title": f"Work {n}", "media_type": "image/png",
            "sha256": media.sha256, "md5": media.md5, "sha1": media.sha1, "size_bytes": media.size_bytes,
            "acquisition_method": "licensed", "license_id": "lic-1",
            **({"acquired_by": "Mara Okafor"} if n == 2 else {})}, actor="librarian")["id"])
    _create(ctx, "dataset", {"id": "ds", "name": "Library stills"})
    _create(ctx, "dataset_version", {"id": "ds-v1", "dataset_id": "ds", "version": "1", "asset_ids": asset_ids})
    _create(ctx, "model", {"id": "mdl", "name": "NL-Video", "version": "0.1", "dataset_version_ids": ["ds-v1"]})
    for n, (kind, record_id) in enumerate([("asset", "work-0"), ("asset", "work-1"), ("license", "lic-1"),
                                           ("dataset_version", "ds-v1"), ("model", "mdl")]):
        _create(ctx, "legal_hold", {"id": f"hold-{n}", "matter": MATTER, "record_kind": kind, "record_id": record_id,
                                    "placed_by": "counsel", "placed_on": "2026-01-05"}, actor="counsel")
    assert_privilege(ctx, "asset", "work-1", "work-product", "counsel's annotated copy of a reference work",
                     "counsel")
    return World(asset_ids, ("asset", "work-1"), document)


def rewrite_manifest(root: Path) -> None:
    """What a forger does after an edit: list every file's SHA-256 again (the files outside the manifest aside)."""
    import hashlib

    from ledger.exports import layout

    manifest = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(root).as_posix()}\n"
                       for p in sorted(root.rglob("*"))
                       if p.is_file() and p.relative_to(root).as_posix() not in layout.OUTSIDE_MANIFEST)
    (root / layout.MANIFEST).write_text(manifest, encoding="utf-8")


@pytest.fixture(autouse=True)
def load_files_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every production these tests make is run through the standalone load-file checker, which must pass."""
    from clearance_verify.loadcheck import check_load_files

    from ledger.exports import service as export_service

    produce = export_service.produce

    def checked(*args: Any, **kwargs: Any) -> dict[str, Any]:
        result = produce(*args, **kwargs)
        report = check_load_files(Path(result["path"]))
        assert report.ok, report.findings
        assert report.checked.get("documents"), report.checked
        return result

    monkeypatch.setattr(export_service, "produce", checked)


@pytest.fixture
def world(ctx: Clearance) -> World:
    return build_world(ctx)
