"""The DAT writer's bytes, read back by the ledger's strict reader and by the standalone verifier's."""

from __future__ import annotations

import io

import pytest
from clearance_verify.loadfiles import read_dat

from ledger.exports.dat import DatFormatError, DatWriter, flatten, read_rows


def _write(rows: list[dict[str, str]], fields: list[str]) -> bytes:
    stream = io.StringIO(newline="")
    writer = DatWriter(stream, fields)
    for row in rows:
        writer.write(row)
    return stream.getvalue().encode("utf-8")


def test_delimiters_qualifier_newlines_and_bom() -> None:
    data = _write([{"BEGDOC": "X01", "NOTE": "two\r\nlines\nand\x14a tab-like"}, {"BEGDOC": "X02"}],
                  ["BEGDOC", "NOTE"])
    assert data.startswith(b"\xef\xbb\xbf\xc3\xbeBEGDOC\xc3\xbe\x14\xc3\xbeNOTE\xc3\xbe\r\n")
    header, rows = read_rows(data)
    assert header == ["BEGDOC", "NOTE"]
    assert rows == [{"BEGDOC": "X01", "NOTE": "two\u00aelines\u00aeand a tab-like"}, {"BEGDOC": "X02", "NOTE": ""}]
    assert read_dat(data).rows == rows


def test_a_row_with_a_field_outside_the_header_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the header"):
        _write([{"BEGDOC": "X", "OTHER": "y"}], ["BEGDOC"])


def test_flattening_of_lists_objects_and_booleans() -> None:
    assert flatten(["US", "CA"]) == "US; CA"
    assert flatten([{"b": 1, "a": "\u00fe"}]) == '[{"a":"\u00fe","b":1}]'
    assert (flatten(True), flatten(None), flatten(3)) == ("true", "", "3")


def test_the_strict_reader_refuses_a_missing_bom_and_a_short_row() -> None:
    data = _write([{"BEGDOC": "X01", "NOTE": "n"}], ["BEGDOC", "NOTE"])
    with pytest.raises(DatFormatError, match="byte-order mark"):
        read_rows(data[3:])
    with pytest.raises(DatFormatError, match="1 fields"):
        read_rows(data.replace("\u00fe\x14\u00fen\u00fe".encode(), "\u00fe".encode()))
