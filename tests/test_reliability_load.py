"""The load script's bulk list (``scripts/reliability/bulkload.py``): every file distinct, real, and listed."""

from __future__ import annotations

import csv
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

RELIABILITY = Path(__file__).resolve().parents[1] / "scripts" / "reliability"


@pytest.fixture()
def bulkload() -> Iterator[ModuleType]:
    sys.path.insert(0, str(RELIABILITY))
    try:
        import bulkload

        yield bulkload
    finally:
        sys.path.remove(str(RELIABILITY))


@pytest.mark.parametrize("source", ["generated", "shared"])
def test_the_bulk_list_names_distinct_decodable_stills(bulkload: ModuleType, source: str, tmp_path: Path) -> None:
    if source == "shared" and not bulkload.shared_stills():
        pytest.skip("../shared/data is absent: the variants are made from its photos")
    count = 2 * len(bulkload.shared_stills()) + 3 if source == "shared" else 5  # more files than photos: variants
    listing, digests = bulkload.build_list(tmp_path / "bulk", count, source)
    with listing.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == count and len(set(digests)) == count  # a repeat would be skipped, not registered
    for row, digest in zip(rows, digests, strict=True):
        path = listing.parent / row["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        with Image.open(path) as image:
            assert image.format == "JPEG" and max(image.size) <= 640
