"""Load files to protocol: no always-empty column, families, text, slip-sheets, dates, one separator, endorsements."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from clearance_verify import verify_production
from clearance_verify.loadfiles import read_dat, read_opt
from PIL import Image

from ledger.context import Clearance
from ledger.exports import layout
from ledger.exports.dat import FIXED_FIELDS
from ledger.exports.protocol import ProtocolSettings, save_protocol
from ledger.exports.service import export
from ledger.exports.verify import verify_export
from tests.ledger.exports.conftest import MATTER, World


def _produce(ctx: Clearance, out: Path, **settings: Any) -> tuple[dict[str, Any], list[str], list[dict[str, str]]]:
    result = export(ctx, {"matter": MATTER}, out, "counsel",
                    overrides={"bates_prefix": "NLP", "bates_padding": 6, "natives": True, **settings})
    dat = read_dat((out / layout.DAT).read_bytes())
    assert verify_production(out, ctx.log_key.vkey).ok and verify_export(out, ctx.log_key.vkey).ok
    return result, dat.header, dat.rows


def _file(root: Path, dat_path: str) -> Path:
    assert "/" not in dat_path  # one separator throughout: the backslash, as in the OPT
    return root / dat_path.replace("\\", "/")


def test_the_default_dat_has_no_column_empty_in_every_row(ctx: Clearance, world: World, tmp_path: Path) -> None:
    _, header, rows = _produce(ctx, tmp_path / "vol")
    assert [name for name in header if not any(row[name] for row in rows)] == []
    assert {"BEGATTACH", "ENDATTACH", "TEXTPATH", "TIMECREATED", "TIMEZONE", "MD5HASH", "SHA1HASH"} <= set(header)
    assert len(header) < len(FIXED_FIELDS) + 40  # not the union of every table's columns


def test_families_dates_hashes_text_and_paths(ctx: Clearance, world: World, tmp_path: Path) -> None:
    root = tmp_path / "vol"
    _, _, rows = _produce(ctx, root)
    # the held dataset version's family: the version, then each asset (work-1 is privileged) with its files
    version = next(r for r in rows if r["RECORDID"] == "ds-v1")
    family = [r for r in rows if r["BEGATTACH"] == version["BEGDOC"]]
    assert [r["DOCID"] for r in family] == ["ds-v1", "work-0", "work-0.still-1", "work-0.native", "work-2",
                                            "work-2.still-1", "work-2.native"]
    assert all(r["ENDATTACH"] == family[-1]["BEGDOC"] for r in family)
    assert version["ATTACHIDS"] == "work-0; work-2"
    assert [r["PARENTID"] for r in family] == ["", "ds-v1", "work-0", "work-0", "ds-v1", "work-2", "work-2"]
    lone = next(r for r in rows if r["RECORDID"] == "mdl")
    assert (lone["BEGATTACH"], lone["ENDATTACH"]) == (lone["BEGDOC"], lone["BEGDOC"])
    for row in rows:
        assert re.fullmatch(r"\d\d/\d\d/\d{4}", row["DATECREATED"]) and re.fullmatch(r"\d\d:\d\d:\d\d",
                                                                                      row["TIMECREATED"])
        assert row["TIMEZONE"] == "UTC"
        assert len(row["MD5HASH"]) == 32 and len(row["SHA1HASH"]) == 40 and len(row["SHA256HASH"]) == 64
        assert _file(root, row["IMAGEPATH"]).is_file()
    text = _file(root, lone["TEXTPATH"]).read_text("utf-8")
    assert f"Bates: {lone['BEGDOC']}" in text and "name: NL-Video" in text
    assert all("/" not in line.path for line in read_opt((root / layout.OPT).read_bytes()))


def _dark_pixels(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    return sum(image.convert("L").crop(box).histogram()[:128])


def test_stills_and_slip_sheets_carry_the_bates_number_and_legend(ctx: Clearance, world: World,
                                                                  tmp_path: Path) -> None:
    root = tmp_path / "vol"
    _, _, rows = _produce(ctx, root, image_format="png")
    still_row = next(r for r in rows if r["RECORDTYPE"] == "still")
    still = Image.open(_file(root, still_row["IMAGEPATH"]))
    assert still.width == 64 and still.height > 48  # the 64 x 48 frame with a footer band below it
    assert _dark_pixels(still, (0, 48, 64, still.height)) > 0
    sheet_row = next(r for r in rows if r["RECORDID"] == "lic-1" and not r["PARENTID"])
    sheet = Image.open(_file(root, sheet_row["IMAGEPATH"]))
    width, height = sheet.size
    assert _dark_pixels(sheet, (0, height - 40, width // 2, height)) > 0  # the legend, at the left
    assert _dark_pixels(sheet, (width // 2, height - 40, width, height)) > 0  # the Bates number, at the right
    unmarked = root.parent / "unmarked"
    _produce(ctx, unmarked, image_format="png", confidentiality="NONE")
    rows = read_dat((unmarked / layout.DAT).read_bytes()).rows
    plain = Image.open(_file(unmarked, next(r for r in rows if r["RECORDID"] == "lic-1")["IMAGEPATH"]))
    assert _dark_pixels(plain, (0, height - 40, width // 2, height)) == 0  # no legend when there is none


def test_a_field_list_and_date_format_saved_with_the_protocol(ctx: Clearance, world: World, tmp_path: Path) -> None:
    save_protocol(ctx, "doe-esi", ProtocolSettings(bates_prefix="DOE", fields=["F_TITLE", "F_NAME"],
                                                   date_format="YYYY-MM-DD", image_format="none"), "counsel")
    export(ctx, {"matter": MATTER}, tmp_path / "vol", "counsel", protocol="doe-esi")
    root = tmp_path / "vol"
    dat = read_dat((root / layout.DAT).read_bytes())
    assert dat.header == [*FIXED_FIELDS, "F_NAME", "F_TITLE"]  # the agreed list, as agreed
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", row["DATECREATED"]) for row in dat.rows)
    assert verify_production(root, ctx.log_key.vkey).ok and verify_export(root, ctx.log_key.vkey).ok
