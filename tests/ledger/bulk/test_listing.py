"""Reading the bulk list: CSV and JSON Lines rows, paths and URIs, a bad row refused alone, a bad list refused whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.bulk.listing import read_list
from ledger.errors import ValidationFailed


def test_csv_rows_give_paths_relative_to_the_list_and_typed_fields(tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    listing = tmp_path / "list.csv"
    listing.write_text("path,title,role,depicted,acquired_on\n"
                       "media/a.jpg,A title,training_asset,,2026-01-02\n"
                       f"file://{tmp_path}/media/b%20c.jpg,,,\"[{{\"\"party_id\"\": \"\"pty_1\"\"}}]\",\n"
                       "/abs/d.jpg,,,,\n"
                       "\n")
    rows = read_list(listing, 100)
    assert [r.row for r in rows] == [1, 2, 3]
    assert rows[0].path == tmp_path / "media" / "a.jpg"
    assert rows[0].fields == {"title": "A title", "role": "training_asset", "acquired_on": "2026-01-02"}
    assert rows[1].path == tmp_path / "media" / "b c.jpg"  # a URI is unquoted
    assert rows[1].fields == {"depicted": [{"party_id": "pty_1"}]}  # JSON cells as import reads them
    assert rows[2].path == Path("/abs/d.jpg") and rows[2].fields == {}  # only a path: the command's options


def test_jsonl_rows_and_the_rows_refused_alone(tmp_path: Path) -> None:
    listing = tmp_path / "list.jsonl"
    listing.write_text('{"path": "a.mp4", "title": "A", "license_id": "lic_1"}\n'
                       "\n"
                       '{"title": "no path"}\n'
                       "[1, 2]\n"
                       "{not json\n"
                       '{"path": "https://example.org/x.mp4"}\n'
                       '{"path": "file://otherhost/x.mp4"}\n'
                       '{"path": 7}\n')
    rows = read_list(listing, 100)
    assert rows[0].path == tmp_path / "a.mp4" and rows[0].fields == {"title": "A", "license_id": "lic_1"}
    refusals = {r.row: r.refusal for r in rows[1:]}
    assert all(r.path is None for r in rows[1:])
    assert "no path" in (refusals[3] or "")
    assert "not a JSON object" in (refusals[4] or "")
    assert "not valid JSON" in (refusals[5] or "")
    assert "only local paths and file:// URIs" in (refusals[6] or "")
    assert "another host (otherhost)" in (refusals[7] or "")
    assert "must be a string" in (refusals[8] or "")


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("list.txt", "path\na.jpg\n", "a bulk list is a .csv or .jsonl file"),
    ("list.csv", "file,title\na.jpg,A\n", "'path'"),
    ("list.csv", 'path,title\n"a.jpg,A\n', "not valid CSV"),
    ("list.csv", b"path\n\xff.jpg\n", "not UTF-8"),
    ("list.csv", "path\na\nb\nc\n", "more than 2 rows"),
])
def test_a_list_that_cannot_be_read_stops_the_job_naming_why(tmp_path: Path, name: str, content: str | bytes,
                                                              expected: str) -> None:
    listing = tmp_path / name
    listing.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ValidationFailed) as raised:
        read_list(listing, 2)
    assert expected in str(raised.value)
    with pytest.raises(ValidationFailed, match="does not exist"):
        read_list(tmp_path / "absent.csv", 2)


def test_a_row_with_the_wrong_number_of_cells_is_refused_alone(tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text("path,title\na.jpg,A,extra\nb.jpg,B\n")
    rows = read_list(listing, 10)
    assert rows[0].path is None and "3 cells but the header has 2" in (rows[0].refusal or "")
    assert rows[1].path == tmp_path / "b.jpg" and rows[1].fields == {"title": "B"}
