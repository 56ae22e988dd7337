"""The strict DAT and OPT readers refuse what a review platform would misread."""

from __future__ import annotations

import pytest

from clearance_verify.loadfiles import LoadFileInvalid, read_dat, read_opt

S, Q = "\x14", "\u00fe"


def _dat(*rows: list[str], bom: bool = True, end: str = "\r\n") -> bytes:
    text = end.join(S.join(f"{Q}{v}{Q}" for v in row) for row in rows) + end
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def test_reads_rows_by_header_with_thorn_inside_values() -> None:
    dat = read_dat(_dat(["BEGDOC", "NAME"], ["X0001", f"\u00deor{Q}"], ["X0002", "a\u00aeb"]))
    assert dat.header == ["BEGDOC", "NAME"]
    assert dat.rows == [{"BEGDOC": "X0001", "NAME": f"\u00deor{Q}"}, {"BEGDOC": "X0002", "NAME": "a\u00aeb"}]


@pytest.mark.parametrize("data, message", [
    (_dat(["A"], ["1"], bom=False), "byte-order mark"),
    (_dat(["A", "B"], ["1"]), "1 fields where the header has 2"),
    (_dat(["A"], ["1"], end="\n"), "CR LF"),
    (b"\xef\xbb\xbf" + f"{Q}A{Q}{S}B\r\n".encode(), "wrapped in"),
])
def test_refuses_broken_files(data: bytes, message: str) -> None:
    with pytest.raises(LoadFileInvalid, match=message):
        read_dat(data)


def test_opt_lines_have_seven_values() -> None:
    lines = read_opt(b"X0001,VOL,IMAGES\\X0001.jpg,Y,,,1\r\n")
    assert (lines[0].image_key, lines[0].path, lines[0].page_count) == ("X0001", "IMAGES\\X0001.jpg", "1")
    with pytest.raises(LoadFileInvalid, match="7"):
        read_opt(b"X0001,VOL,IMAGES\\X0001.jpg,Y\r\n")
