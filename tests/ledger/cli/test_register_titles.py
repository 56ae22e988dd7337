"""``clearance register --title`` / ``--titles``: a registered work keeps its real title, and prompts naming it
are screened (a title taken from the file name is not)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.cli.register_titles import titles_for
from ledger.demo.media import synthetic_work
from ledger.errors import ValidationFailed
from tests.ledger.cli.test_cli import run


def test_title_names_one_file_and_titles_must_name_files_being_registered(tmp_path: Path) -> None:
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    with pytest.raises(ValidationFailed, match="--title names one work"):
        titles_for([a, b], "Night Harbor", None)
    sheet = tmp_path / "titles.csv"
    sheet.write_text("file,title\na.png,Night Harbor\nc.png,Typo\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="'c.png'"):
        titles_for([a, b], None, sheet)
    sheet.write_text("file,title\na.png,Night Harbor\n", encoding="utf-8")
    assert titles_for([a, b], None, sheet) == {str(a): {"title": "Night Harbor", "title_source": "entered"}}
    sheet.write_text("name,title\na.png,x\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="columns file and title"):
        titles_for([a], None, sheet)


@pytest.mark.slow
def test_a_prompt_naming_a_work_registered_with_its_title_is_screened(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init")
    works = tmp_path / "works"
    works.mkdir()
    for seed, name in ((3, "reel_0042.png"), (5, "reel_0043.png"), (7, "reel_0044.png")):
        (works / name).write_bytes(synthetic_work(seed))
    one = json.loads(run(home, "register", str(works / "reel_0042.png"), "--title", "The Lantern Road",
                         "--json").stdout)["registered"][0]["asset"]
    sheet = tmp_path / "titles.csv"
    sheet.write_text("file,title\nreel_0043.png,Glass Orchard (2019)\n", encoding="utf-8")
    bulk = {Path(r["file"]).name: r["asset"] for r in json.loads(
        run(home, "register", str(works / "reel_0043.png"), str(works / "reel_0044.png"), "--titles", str(sheet),
            "--json").stdout)["registered"]}
    shown = {ident: json.loads(run(home, "asset", "show", ident).stdout) for ident in (one, *bulk.values())}
    assert (shown[one]["title"], shown[one]["title_source"]) == ("The Lantern Road", "entered")
    assert shown[bulk["reel_0043.png"]]["title_source"] == "entered"
    assert (shown[bulk["reel_0044.png"]]["title"], shown[bulk["reel_0044.png"]]["title_source"]) == \
        ("reel_0044", "derived")
    clip = tmp_path / "clip.png"
    clip.write_bytes(synthetic_work(99))
    answer = json.loads(run(home, "check", str(clip), "--project", "Short", "--medium", "streaming",
                            "--territory", "US", "--prompt", "a dusk chase down the lantern road, then the "
                            "glass orchard, then reel_0044", "--json", check=False).stdout)
    named = {w["id"] for w in answer["prompt_findings"]["works"]}
    assert named == {one, bulk["reel_0043.png"]}  # the derived title is not screened
    assert answer["verdict"] == "review"
    assert {r["policy_id"] for r in answer["reasons"]} == {"prompt.work-title-unlicensed"}
    assert all(r["jurisdiction"] == "US" for r in answer["reasons"])
