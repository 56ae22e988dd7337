"""The load-file checker names what a review platform's loader would reject or misread, on hand-made volumes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from clearance_verify.cli import main
from clearance_verify.loadcheck import check_load_files

S, Q = "\x14", "\u00fe"
HEADER = ["BEGDOC", "ENDDOC", "BEGATTACH", "ENDATTACH", "DATECREATED", "TIMECREATED", "NATIVEPATH", "MD5HASH",
          "SHA256HASH"]


def _volume(tmp_path: Path, rows: list[list[str]], opt: list[str], *, bom: bool = True,
            natives: dict[str, bytes] | None = None, images: list[str] = ()) -> Path:  # type: ignore[assignment]
    root = tmp_path / "vol"
    (root / "DATA").mkdir(parents=True)
    for name, data in (natives or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    for name in images:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"image")
    text = "".join(S.join(f"{Q}{v}{Q}" for v in row) + "\r\n" for row in [HEADER, *rows])
    (root / "DATA" / "production.dat").write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    (root / "DATA" / "production.opt").write_bytes("".join(line + "\r\n" for line in opt).encode("utf-8"))
    return root


def _good(tmp_path: Path) -> Path:
    native = b"native bytes"
    rows = [["ABC0001", "ABC0002", "ABC0001", "ABC0003", "01/31/2026", "09:15:00", "", "", ""],
            ["ABC0003", "ABC0003", "ABC0001", "ABC0003", "02/01/2026", "23:59:59", "NATIVES\\ABC0003.bin",
             hashlib.md5(native).hexdigest(), hashlib.sha256(native).hexdigest()]]
    opt = ["ABC0001,VOL1,IMAGES\\ABC0001.png,Y,,,2", "ABC0002,VOL1,IMAGES\\ABC0002.png,,,,",
           "ABC0003,VOL1,IMAGES\\ABC0003.png,Y,,,1"]
    return _volume(tmp_path, rows, opt, natives={"NATIVES/ABC0003.bin": native},
                   images=["IMAGES/ABC0001.png", "IMAGES/ABC0002.png", "IMAGES/ABC0003.png"])


def _problems(root: Path) -> list[str]:
    return [problem for _, problem in check_load_files(root).findings]


def test_a_well_formed_volume_passes(tmp_path: Path) -> None:
    report = check_load_files(_good(tmp_path))
    assert report.ok, report.findings
    assert report.checked == {"documents": 2, "Bates ranges": 2, "paths": 1, "natives hashed": 1, "images": 3}


def test_each_fault_is_named(tmp_path: Path) -> None:
    root = _good(tmp_path)
    dat = root / "DATA" / "production.dat"
    good_dat, good_opt = dat.read_bytes(), (root / "DATA" / "production.opt").read_bytes()

    def with_dat(old: str, new: str) -> list[str]:
        dat.write_bytes(good_dat.replace(old.encode(), new.encode()))
        (root / "DATA" / "production.opt").write_bytes(good_opt)
        return _problems(root)

    def with_opt(old: str, new: str) -> list[str]:
        dat.write_bytes(good_dat)
        (root / "DATA" / "production.opt").write_bytes(good_opt.replace(old.encode(), new.encode()))
        return _problems(root)

    assert with_dat("\ufeff", "") == ["no UTF-8 byte-order mark (the encoding is not declared)"]
    assert "row 3: 8 fields where the header has 9" in with_dat(f"{Q}{S}{Q}23:59:59", "")
    assert "row 3: ABC0004 follows ABC0002 (a gap in the Bates numbers)" in \
        with_dat(f"{Q}ABC0003{Q}{S}{Q}ABC0003", f"{Q}ABC0004{Q}{S}{Q}ABC0004")
    assert any("an overlap" in p for p in with_dat(f"{Q}ABC0003{Q}{S}{Q}ABC0003", f"{Q}ABC0002{Q}{S}{Q}ABC0002"))
    assert "row 3: ABC03 breaks the production's Bates format (ABC and 4 digits)" in \
        with_dat(f"{Q}ABC0003{Q}{S}{Q}ABC0003", f"{Q}ABC03{Q}{S}{Q}ABC03")
    assert "row 2: DATECREATED '2026-01-31' is not a date in the production's format" not in \
        with_dat("01/31/2026", "2026-01-31")  # a production may use ISO dates ...
    assert "row 3: DATECREATED '02/01/2026' is not a date in the production's format" in \
        with_dat("01/31/2026", "2026-01-31")  # ... but only one format
    assert "row 2: TIMECREATED '9:15' is not HH:MM:SS" in with_dat("09:15:00", "9:15")
    assert "row 3: NATIVEPATH NATIVES\\ABC9999.bin is not in the volume" in with_dat("ABC0003.bin", "ABC9999.bin")
    assert "row 3: NATIVEPATH ..\\secrets.bin is not a relative path inside the volume" in \
        with_dat("NATIVES\\ABC0003.bin", "..\\secrets.bin")
    assert "row 3: MD5HASH is not the MD5 of its native NATIVES\\ABC0003.bin" in \
        with_dat(hashlib.md5(b"native bytes").hexdigest(), "0" * 32)
    assert "paths mix '/' and '\\' (one separator throughout)" in with_dat("NATIVES\\ABC0003", "NATIVES/ABC0003")
    assert "row 2: its family range ABC0002-ABC0003 does not hold the document ABC0001" in \
        with_dat(f"{Q}ABC0002{Q}{S}{Q}ABC0001{Q}{S}{Q}ABC0003", f"{Q}ABC0002{Q}{S}{Q}ABC0002{Q}{S}{Q}ABC0003")
    assert with_opt("ABC0002,VOL1,IMAGES\\ABC0002.png,,,,\r\n", "") == [
        "document ABC0001 has 2 pages but no image for page ABC0002"]
    assert "line 1: page count 3 where ABC0001 has 2 pages" in with_opt(",,,2", ",,,3")
    assert "line 3: the first page of ABC0003 has no document break (Y)" in with_opt(".png,Y,,,1", ".png,,,,1")
    assert "line 2: image IMAGES\\ABC0009.png is not in the volume" in with_opt("ABC0002.png", "ABC0009.png")
    assert "line 4: image ABC0009 lies in no DAT document's Bates range" in \
        with_opt("ABC0003.png,Y,,,1\r\n", "ABC0003.png,Y,,,1\r\nABC0009,VOL1,IMAGES\\ABC0003.png,Y,,,1\r\n")
    assert "line 1: 5 values where Opticon has 7" in with_opt(",,,2", ",2")


def test_the_command_line_checks_load_files_without_a_key(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = _good(tmp_path)
    assert main([str(root), "--load-files"]) == 0
    assert "LOAD FILES WELL FORMED" in capsys.readouterr().out
    (root / "NATIVES" / "ABC0003.bin").unlink()
    assert main([str(root), "--load-files"]) == 1
    assert "LOAD FILE DATA/production.dat: row 3: NATIVEPATH NATIVES\\ABC0003.bin is not in the volume" in \
        capsys.readouterr().out
    assert main([str(root)]) == 2  # neither --log-key nor --load-files
