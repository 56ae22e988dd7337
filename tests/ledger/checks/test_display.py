"""What ``clearance check``, ``check show`` and ``match`` print: here, that a search made in part says what it left out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from embeddings.media import load_media
from embeddings.transforms import crop_area
from tests.ledger.cli.test_cli import run


def _corner_crop(photo: Path, path: Path) -> Path:
    """A half-area crop of ``photo`` from its bottom-left corner, written as a PNG."""
    import cv2

    cropped = crop_area(0.5, anchor=(0.0, 1.0))(load_media(photo).frames[0].image)
    cv2.imwrite(str(path), cv2.cvtColor(cropped, cv2.COLOR_RGB2BGR))
    return path


def _compact_library_and_a_corner_crop(tmp_path: Path, shared_data: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A home on the compact tier with three UKBench photographs registered, and a corner crop of the second."""
    monkeypatch.setenv("CLEARANCE_INDEX_TIER", "compact")
    home = tmp_path / "home"
    run(home, "init")
    photos = sorted(p for p in (shared_data / "near-duplicates" / "ukbench").glob("*.jpg") if "_resize" not in p.name)[:3]
    run(home, "register", *map(str, photos))
    return home, _corner_crop(photos[1], tmp_path / "corner.png")


@pytest.mark.slow
def test_a_large_compact_library_says_its_keypoints_were_verified_on_candidates_only(
        tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the exhaustive size the compact tier verifies candidates only, so an off-centre crop is not
    found: the check passes, and its output (terminal, JSON, the logged decision) names what was not searched."""
    monkeypatch.setenv("CLEARANCE_KEYPOINTS_EXHAUSTIVE_MAX_FRAMES", "0")
    home, corner = _compact_library_and_a_corner_crop(tmp_path, shared_data, monkeypatch)

    matched = run(home, "match", str(corner)).stdout.decode()
    assert "no matches" in matched
    assert re.search(r"searched in part perceptual: ORB keypoints verified on \d+ stored frames", matched), matched
    assert "off-centre crop" in matched

    options = ("--project", "Short", "--medium", "streaming", "--territory", "US")
    shown = run(home, "check", str(corner), *options, check=False)
    text = shown.stdout.decode()
    assert shown.returncode == 0 and ": PASS" in text, text
    assert "searched in part, perceptual: ORB keypoints verified on" in text and "off-centre crop" in text, text
    check_id = re.search(r"check (chk_\w+)", text)
    assert check_id is not None, text
    logged = run(home, "check", "show", check_id.group(1)).stdout.decode()
    assert "searched in part, perceptual:" in logged and "off-centre crop" in logged, logged

    answer = json.loads(run(home, "check", str(corner), *options, "--json", check=False).stdout)
    assert "off-centre crop" in answer["channels"]["limits"]["perceptual"]


@pytest.mark.slow
def test_a_small_library_searched_in_full_prints_no_limits(tmp_path: Path, shared_data: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    home, corner = _compact_library_and_a_corner_crop(tmp_path, shared_data, monkeypatch)
    matched = run(home, "match", str(corner)).stdout.decode()
    assert "searched in part" not in matched and "no matches" not in matched, matched
    answer = json.loads(run(home, "check", str(corner), "--project", "Short", "--medium", "streaming",
                            "--territory", "US", "--json", check=False).stdout)
    assert "limits" not in answer["channels"]
    assert answer["matches"], "every registered frame is verified in a small library: the crop is found"
