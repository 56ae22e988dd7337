"""Soft binding resolution: how often a stripped copy resolves, and how often an unrelated clip falsely does.

Prints and writes ``benchmarks/results/sbr_false_match.json``. The corpus: 12 synthetic clips (a moving
gradient and disc per seed, 3 s) and, when ``../shared/data/video`` exists, its real clips (files whose
names share the first word are one work: one file of each work is used). Half of the clips are
"signed" (indexed); every clip gets four copies without a manifest: remuxed, re-encoded at 150 kbit/s,
cropped 10 %, logo overlaid.

- ``iscc``: Hamming distances (of 64 bits) between io.iscc.v0 Content-Codes, same clip vs different
  clips; recall per copy kind and the false-match rate at ``sbr_iscc_max_distance`` (and nearby limits).
- ``content``: ``/matches/byContent``'s matcher (the check's, every channel, default thresholds) over an
  index of the signed half: recall of the signed clips' copies, false matches of the unsigned clips and
  their copies (any match at all counts as false).

Run: ``nice .venv/bin/python benchmarks/sbr.py``.
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings import EmbeddingsConfig, Fingerprinter, IndexSet, match  # noqa: E402
from ledger.provenance.soft_binding import compute_iscc, hamming, parse_iscc  # noqa: E402
from ledger.settings import Settings  # noqa: E402
from tests.ledger.provenance.test_soft_binding import make_scene  # noqa: E402
from tests.ledger.sbr.media import crop_10_percent, overlay_logo, strip_manifest, transcode  # noqa: E402

SHARED_VIDEO = ROOT.parent / "shared" / "data" / "video"
RESULT = ROOT / "benchmarks" / "results" / "sbr_false_match.json"
COPIES = ("remuxed", "reencoded", "cropped", "logo")


def _copies(clip: Path, folder: Path) -> dict[str, Path]:
    stem = clip.stem
    return {"remuxed": strip_manifest(clip, folder / f"{stem}-remuxed.mp4"),
            "reencoded": transcode(clip, folder / f"{stem}-reencoded.mp4", bitrate=150_000),
            "cropped": transcode(clip, folder / f"{stem}-cropped.mp4", edit=crop_10_percent),
            "logo": transcode(clip, folder / f"{stem}-logo.mp4", edit=overlay_logo)}


def _content(path: Path) -> bytes:
    return parse_iscc(compute_iscc(path.read_bytes(), "video/mp4").value)["content"]


def _family(path: Path) -> str:
    return path.stem.split("-")[0]


def main() -> None:
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="sbr-bench-"))
    clips = [make_scene(folder / f"scene{seed}-synthetic.mp4", seed=seed, seconds=3.0) for seed in range(12)]
    real = sorted(SHARED_VIDEO.glob("*.mp4")) if SHARED_VIDEO.is_dir() else []
    clips += [next(p for p in real if _family(p) == family) for family in sorted({_family(p) for p in real})]
    copies = {clip: _copies(clip, folder) for clip in clips}
    codes = {clip: _content(clip) for clip in clips}
    copy_codes = {clip: {kind: _content(path) for kind, path in made.items()} for clip, made in copies.items()}

    limit = Settings().sbr_iscc_max_distance
    same = {kind: [hamming(codes[c], copy_codes[c][kind]) for c in clips] for kind in COPIES}
    different = [hamming(codes[a], codes[b]) for a, b in itertools.combinations(clips, 2)]
    iscc = {"limit_bits": limit, "clips": len(clips), "different_pairs": len(different),
            "same_clip_distances": same, "different_clip_min": min(different),
            "different_clip_median": sorted(different)[len(different) // 2],
            "recall": {kind: sum(d <= limit for d in ds) / len(ds) for kind, ds in same.items()},
            "false_match_rate": {str(t): sum(d <= t for d in different) / len(different) for t in (8, 12, 16, 20)}}
    print(f"iscc: limit {limit} bits; recall {iscc['recall']}; false-match rate {iscc['false_match_rate']}")

    config = EmbeddingsConfig()
    fingerprinter = Fingerprinter(config)
    signed, unsigned = clips[::2], clips[1::2]
    indexes = IndexSet.rebuild(folder / "index", assets=[
        (c.stem, fingerprinter.fingerprint_file(c, purpose="reference")) for c in signed], config=config)

    def owners(path: Path) -> list[str]:
        return [o.owner for o in match(fingerprinter.fingerprint_file(path, purpose="query"), indexes, config).owners]

    recall = {kind: sum(owners(copies[c][kind])[:1] == [c.stem] for c in signed) / len(signed) for kind in COPIES}
    false_queries = list(unsigned) + [copies[c][kind] for c in unsigned for kind in COPIES]
    false_hits = [q.name for q in false_queries if owners(q)]
    content = {"signed": len(signed), "recall": recall, "false_queries": len(false_queries),
               "false_matches": len(false_hits), "false_match_rate": len(false_hits) / len(false_queries),
               "false_matched": false_hits,
               "thresholds": {"pdq_max_distance": config.pdq_max_distance,
                              "keypoint_min_inliers": config.keypoint_min_inliers}}
    print(f"content: recall {recall}; false matches {len(false_hits)} of {len(false_queries)}")
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    real_names = [c.name for c in clips if not c.stem.startswith("scene")]
    RESULT.write_text(json.dumps({"iscc": iscc, "content": content, "shared_videos": real_names,
                                  "seconds": round(time.monotonic() - started, 1)}, indent=2) + "\n")
    print(f"wrote {RESULT}")


if __name__ == "__main__":
    main()
