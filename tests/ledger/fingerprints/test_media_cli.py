"""Registering, enrolling, matching and rebuilding through the ``clearance`` command, on real media."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.ledger.cli.test_cli import run

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    home = tmp_path_factory.mktemp("media") / "home"
    run(home, "init")
    folder = tmp_path_factory.mktemp("works")
    for name in ("ukbench00120.jpg", "ukbench09380.jpg", "ukbench08976.jpg"):
        shutil.copy(shared_data / "near-duplicates" / "ukbench" / name, folder / name)
    shutil.copy(shared_data / "malformed" / "ukbench09268_corrupt.jpg", folder / "broken.jpg")
    result = run(home, "register", str(folder), "--json", check=False)
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert len(report["registered"]) == 3
    assert [Path(f["file"]).name for f in report["failed"]] == ["broken.jpg"]
    assert "broken.jpg" in report["failed"][0]["error"]
    run(home, "person", "add", "Barack Obama", "--id", "obama")
    run(home, "person", "add", "Joe Biden", "--id", "biden", "--alias", "Joseph R. Biden")
    run(home, "person", "enroll", "obama", str(shared_data / "faces" / "obama_1.jpg"))
    run(home, "person", "enroll", "Joe Biden", str(shared_data / "faces" / "biden_1.jpg"))
    return home


def _owners(home: Path, path: Path) -> dict[str, float]:
    result = json.loads(run(home, "match", str(path), "--json").stdout)
    assert "exact" in result["channels"]["ran"]
    return {o["owner"]: o["share"] for o in result["owners"]}


def test_match_finds_copies_and_people(home: Path, shared_data: Path) -> None:
    assets = json.loads(run(home, "asset", "list", "--json").stdout)["items"]
    by_title = {a["title"]: a["id"] for a in assets}
    assert list(_owners(home, shared_data / "near-duplicates/ukbench/ukbench00120_resize.jpg")) == \
        [by_title["ukbench00120"]]
    assert list(_owners(home, shared_data / "near-duplicates/ukbench/ukbench09380.webp")) == \
        [by_title["ukbench09380"]]
    assert set(_owners(home, shared_data / "faces/two_people.jpg")) == {"obama", "biden"}
    assert set(_owners(home, shared_data / "faces/obama_480p.jpg")) == {"obama"}


def test_register_marks_titles_taken_from_file_names_as_derived(home: Path) -> None:
    """Issue 11: prompt screening must not take a file name for a work's title."""
    assets = json.loads(run(home, "asset", "list", "--json").stdout)["items"]
    shown = json.loads(run(home, "asset", "show", assets[0]["id"]).stdout)
    assert shown["title"].startswith("ukbench") and shown["title_source"] == "derived"


def test_enrolling_a_photo_without_a_face_is_refused(home: Path, shared_data: Path) -> None:
    result = run(home, "person", "enroll", "obama", str(shared_data / "near-duplicates/bridge/aaa-orig.jpg"),
                 check=False)
    assert result.returncode == 2 and b"no face found" in result.stderr


def test_index_is_rebuilt_after_it_is_lost_or_damaged(home: Path, shared_data: Path) -> None:
    index = home / "index"
    for item in index.glob("*.faiss"):
        item.write_bytes(b"torn write")
    assert set(_owners(home, shared_data / "faces/biden_2.jpg")) == {"biden"}
    shutil.rmtree(index)
    assert set(_owners(home, shared_data / "faces/biden_2.jpg")) == {"biden"}
    out = run(home, "index", "rebuild").stdout.decode()
    assert "face: 2 vectors" in out


def test_doctor_names_what_does_not_run(home: Path) -> None:
    report = json.loads(run(home, "doctor", "--json").stdout)
    states = {c["name"]: c for c in report["channels"]["channels"]}
    assert states["perceptual"]["available"] and states["identity"]["available"]
    assert not states["semantic"]["available"] and "CLEARANCE_CLIP" in states["semantic"]["detail"]


def test_face_templates_are_hashed_in_the_log_and_erasable(home: Path, shared_data: Path) -> None:
    entries = json.loads(run(home, "log", "entry", "0", "--json").stdout)
    assert entries["index"] == 0
    listing = run(home, "log", "verify", "--json")
    assert json.loads(listing.stdout)["ok"]
    run(home, "person", "erase", "biden", "--reason", "erasure request 42")
    assert "biden" not in _owners(home, shared_data / "faces/biden_2.jpg")
    assert json.loads(run(home, "log", "verify", "--json").stdout)["ok"]


def test_withdrawn_work_no_longer_matches_and_the_index_follows(home: Path, shared_data: Path) -> None:
    assets = json.loads(run(home, "asset", "list", "--json").stdout)["items"]
    target = next(a["id"] for a in assets if a["title"] == "ukbench09380")
    query = shared_data / "near-duplicates/ukbench/ukbench09380.webp"
    assert target in _owners(home, query)
    manifest_before = json.loads((home / "index" / "manifest.json").read_text())["generation"] \
        if (home / "index" / "manifest.json").exists() else None
    run(home, "index", "withdraw", target, "--reason", "license expired; withdrawn from matching")
    assert target not in _owners(home, query)
    if manifest_before is not None:
        assert json.loads((home / "index" / "manifest.json").read_text())["generation"] == manifest_before + 1
    assert json.loads(run(home, "log", "verify", "--json").stdout)["ok"]


@pytest.mark.slow
def test_enroll_voice_refuses_a_short_reference_and_match_hears_an_enrolled_voice(
        home: Path, shared_data: Path, tmp_path: Path) -> None:
    from tests.embeddings.conftest import encode_audio, read_flac

    folder = shared_data / "voices" / "1998"
    longest = sorted(folder.glob("*.flac"), key=lambda p: -p.stat().st_size)
    short = tmp_path / "short.wav"
    short.write_bytes(encode_audio(read_flac(longest[0])[:16_000], "wav", "pcm_s16le"))
    run(home, "person", "add", "Reader Nineteen", "--id", "reader-1998")
    refused = run(home, "person", "enroll-voice", "reader-1998", str(short), check=False)
    assert refused.returncode == 2 and b"short.wav" in refused.stderr and b"at least 3 s" in refused.stderr
    run(home, "person", "enroll-voice", "Reader Nineteen", *(str(p) for p in longest[:2]))
    result = json.loads(run(home, "match", str(longest[5]), "--json").stdout)
    heard = [o for o in result["owners"] if o["owner"] == "reader-1998"]
    assert heard and heard[0]["methods"] == ["voice"] and heard[0]["voice_ranges"]
    assert result["query"]["kind"] == "audio" and "voice" in result["channels"]["ran"]
