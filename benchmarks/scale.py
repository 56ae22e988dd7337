"""Library scale: registration speed, the compact index tier at 10^5..10^7 frames, check latency, recall.

Prints a table and writes ``benchmarks/results/scale.json``.

1. ``registration``: a 10 s 720p clip (``benchmarks/fingerprint.py``'s ``make_clip``)
   registered with every channel registration runs, as ``benchmarks/registration.py``
   measures it (before and after registration's own decoding, one process, one
   pinned core, two processes side by side; that script also covers other encodings).
2. ``memory``: bytes per registered frame by channel, in memory (the compact tier's
   PDQ codes, FAISS ids, keys) and on disk (keypoint files of real frames).
3. ``sizes``: the compact tier built at each size: the real works of
   ``../shared/data`` registered as assets (PDQ in memory, keypoints on disk), the
   rest synthetic PDQ codes with the bit statistics of real frames: a real frame's
   code with 40-50 % of its bits flipped, so every synthetic frame sits as far from
   the real ones as different works do (>= ~100 bits; the closest different works
   in calibrate.json are 98 apart). Per size and index type (flat; binary IVF):
   build time, check latency of the 10 s 720p clip (search + keypoint verification,
   p50/p95; the clip's fingerprinting is timed separately and added, as is the rest of
   a check, evidence to signing, from ``check_profile.json``), and the
   recall of known copies (crops, captions, emoji, flips, re-encodes, the bridge
   and UKBench modifications, the chair videos) through ``embeddings.match``,
   with false matches, against the flat index of the same size.

Run: ``nice .venv/bin/python benchmarks/scale.py [--sizes 1e5,1e6,1e7] [--runs 5]``.
The machine is shared with other engineers: the JSON records the load average.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.fingerprint import make_clip  # noqa: E402
from embeddings import EmbeddingsConfig, Fingerprinter, IndexSet, MediaFingerprints, load_media, match  # noqa: E402
from embeddings.compact import FrameCodeIndex  # noqa: E402
from embeddings.media import media_from_image_array  # noqa: E402
from embeddings.transforms import crop, crop_area, emoji_overlay, flip_h, text_overlay  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SHARED = ROOT.parent / "shared" / "data"
CONFIG = EmbeddingsConfig(semantic_enabled=False, voice_enabled=False, index_tier="compact")


def conditions() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "shared_machine": "2 cores shared with other engineers' tests: figures are pessimistic"}


# -- 1. registration ------------------------------------------------------------------
def registration(clip: Path, runs: int) -> dict[str, Any]:
    """The clip registered as ``benchmarks/registration.py`` measures it (that script covers more encodings)."""
    from benchmarks.registration import measure

    return measure(clip, runs)


# -- the real works and their known copies -------------------------------------------
def _jpeg(image: np.ndarray, quality: int = 30, scale: float = 0.5) -> np.ndarray:
    from PIL import Image

    picture = Image.fromarray(image)
    picture = picture.resize((max(1, int(picture.width * scale)), max(1, int(picture.height * scale))))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def _reframe_9_16(image: np.ndarray) -> np.ndarray:
    """The centred 9:16 (vertical) cut of a landscape frame, full height: a phone reframing."""
    h, w = image.shape[:2]
    width = min(w, max(8, h * 9 // 16))
    x = (w - width) // 2
    return np.ascontiguousarray(image[:, x:x + width])


TRANSFORMS = {"crop_half_area_centre": crop_area(0.5), "crop_half_area_corner": crop_area(0.5, anchor=(0.0, 1.0)),
              "reframe_vertical_9_16": _reframe_9_16,
              "crop_half_sides": crop(0.5, anchor=(0.3, 0.6)), "caption": text_overlay(), "emoji": emoji_overlay(),
              "flip_h": flip_h, "reencode_jpeg30_half": _jpeg}


def real_works(fingerprinter: Fingerprinter) -> tuple[dict[str, MediaFingerprints], list[dict[str, Any]]]:
    """(asset id -> reference fingerprints, known copies and negatives as query fingerprints)."""
    ukbench = sorted(p for p in (SHARED / "near-duplicates" / "ukbench").glob("*.jpg") if "_resize" not in p.name)
    bridge = SHARED / "near-duplicates" / "bridge"
    assets = {p.stem: fingerprinter.fingerprint_file(p, purpose="reference") for p in ukbench}
    assets["bridge"] = fingerprinter.fingerprint_file(bridge / "aaa-orig.jpg", purpose="reference")
    assets["chair"] = fingerprinter.fingerprint_file(SHARED / "video" / "chair-orig-22-sd-bar.mp4", purpose="reference")
    queries: list[dict[str, Any]] = []

    def add(kind: str, owner: str | None, fps: MediaFingerprints) -> None:
        queries.append({"kind": kind, "owner": owner, "fingerprints": fps})

    for path in ukbench:
        image = load_media(path, CONFIG).frames[0].image
        for name, transform in TRANSFORMS.items():
            add(name, path.stem, fingerprinter.fingerprint(media_from_image_array(transform(image)), purpose="query"))
    for path in sorted(bridge.glob("*.jpg")):
        if path.name != "aaa-orig.jpg":
            add("bridge_modification", "bridge", fingerprinter.fingerprint_file(path, purpose="query"))
    folder = SHARED / "near-duplicates" / "ukbench"
    add("ukbench_resize", "ukbench00120", fingerprinter.fingerprint_file(folder / "ukbench00120_resize.jpg", purpose="query"))
    add("ukbench_webp", "ukbench09380", fingerprinter.fingerprint_file(folder / "ukbench09380.webp", purpose="query"))
    for name in ("chair-19-sd-bar.mp4", "chair-22-sd-sepia-bar.mp4"):
        add("video_reencode_regrade", "chair", fingerprinter.fingerprint_file(SHARED / "video" / name, purpose="query"))
    for name in ("pattern-hd-no-bar.mp4", "pattern-sd-grey-bar.mp4"):
        add("negative_video", None, fingerprinter.fingerprint_file(SHARED / "video" / name, purpose="query"))
    for path in sorted((SHARED / "faces").glob("*.jpg")):
        add("negative_photo", None, fingerprinter.fingerprint_file(path, purpose="query"))
    return assets, queries


def distractors(real: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` synthetic codes: random real codes with 40-50 % of their bits flipped."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, 32), np.uint8)
    step = 250_000
    real_bits = np.unpackbits(real, axis=1)
    for start in range(0, n, step):
        m = min(step, n - start)
        source = real_bits[rng.integers(0, len(real), m)]
        flip_p = rng.uniform(0.40, 0.50, (m, 1))
        mask = rng.random((m, 256), dtype=np.float32) < flip_p
        out[start:start + m] = np.packbits(source ^ mask, axis=1)
    return out


def build(directory: Path, assets: dict[str, MediaFingerprints], synthetic: np.ndarray, synthetic_centre: np.ndarray,
          *, flat_max: int, frames_per_owner: int = 1000) -> tuple[IndexSet, float]:
    """A compact IndexSet: synthetic frames (1000 per synthetic owner, each with a synthetic centre code)
    plus the real works; returns (set, build s)."""
    config = CONFIG.with_(pdq_flat_index_max_vectors=flat_max)
    start = time.perf_counter()
    indexes = IndexSet(directory, config)
    channel = indexes.channels["pdq"]
    assert isinstance(channel, FrameCodeIndex)
    n = len(synthetic)
    owners = [f"synthetic-{i}" for i in range((n + frames_per_owner - 1) // frames_per_owner)]
    codes = np.arange(n) // frames_per_owner
    refs = np.arange(n) % frames_per_owner
    channel.add_bulk(codes, owners, synthetic, refs.astype(np.float32), refs, centre=synthetic_centre)
    for asset_id, fps in assets.items():
        indexes.add_asset(asset_id, fps)
    return indexes, time.perf_counter() - start


def recall(indexes: IndexSet, queries: list[dict[str, Any]]) -> dict[str, Any]:
    by_kind: dict[str, list[int]] = {}
    false_matches, found_by = 0, {"pdq": 0, "keypoints": 0}
    for q in queries:
        result = match(q["fingerprints"], indexes)
        owners = {o.owner for o in result.owners}
        if q["owner"] is not None:
            by_kind.setdefault(q["kind"], []).append(int(q["owner"] in owners))
            summary = result.owner(q["owner"])
            if summary is not None:
                for method in summary.methods:
                    if method in found_by:
                        found_by[method] += 1
        false_matches += len(owners - ({q["owner"]} if q["owner"] else set()))
    per_kind = {k: {"found": sum(v), "of": len(v), "recall": round(sum(v) / len(v), 3)} for k, v in by_kind.items()}
    total = sum(len(v) for v in by_kind.values())
    return {"recall": round(sum(sum(v) for v in by_kind.values()) / total, 4), "copies": total,
            "false_matches": false_matches, "negatives": sum(1 for q in queries if q["owner"] is None),
            "copies_with_method": found_by, "by_transformation": per_kind}


def rest_of_check() -> dict[str, Any]:
    """What a check spends besides fingerprinting and searching (evidence thumbnails, database, policy,
    log append, signing), taken from ``check_profile.py``'s last run on the demo world (resident tier):
    it does not grow with the index."""
    profile = json.loads((RESULTS / "check_profile.json").read_text())
    stages = profile["tiers"]["resident"]["stages_p50_s"]
    return {"p50_s": round(stages["evidence_thumbnails"] + stages["rest_db_policy_log_signing"], 3),
            "source": f"benchmarks/results/check_profile.json ({profile['timestamp']}): evidence_thumbnails + "
                      "rest_db_policy_log_signing"}


def check_latency(indexes: IndexSet, clip_query: MediaFingerprints, runs: int) -> dict[str, Any]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        match(clip_query, indexes)
        times.append(time.perf_counter() - start)
    times.sort()
    return {"search_p50_s": round(statistics.median(times), 3),
            "search_p95_s": round(times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))], 3), "runs": runs}


def nprobe_sweep(indexes: IndexSet, channel: FrameCodeIndex, clip_query: MediaFingerprints,
                 queries: list[dict[str, Any]], nprobes: list[int], runs: int, flat_recall: float | None,
                 report: dict[str, Any]) -> dict[str, Any]:
    """The same IVF searched with each ``nprobe``: check latency and recall of the known copies against flat."""
    assert channel.index is not None
    chosen = channel.index.nprobe
    sweep: dict[str, Any] = {}
    for nprobe in nprobes:
        channel.index.nprobe = nprobe
        latency = check_latency(indexes, clip_query, runs)
        latency["total_p50_s"] = round(latency["search_p50_s"] + report["check_fingerprint_10s_720p"]["p50_s"]
                                       + report["rest_of_check"]["p50_s"], 3)
        copies = recall(indexes, queries)
        sweep[str(nprobe)] = {"check_10s_720p": latency, "recall": copies["recall"],
                              "recall_against_flat": round(copies["recall"] / flat_recall, 4) if flat_recall else None,
                              "false_matches": copies["false_matches"],
                              "found_by_transformation": {k: f"{v['found']}/{v['of']}"
                                                          for k, v in copies["by_transformation"].items()}}
        print(f"   nprobe {nprobe}: search p50 {latency['search_p50_s']} s, recall {copies['recall']}", flush=True)
    channel.index.nprobe = chosen
    return sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e5,1e6,1e7", help="indexed frames, comma-separated")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-registration", action="store_true")
    parser.add_argument("--nprobes", default="64,128,256",
                        help="IVF lists searched per query code, comma-separated: each is measured on the same IVF")
    parser.add_argument("--output", default=str(RESULTS / "scale.json"))
    args = parser.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",") if s]
    nprobes = [int(p) for p in args.nprobes.split(",") if p]
    report: dict[str, Any] = {"benchmark": "scale", "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
                              "conditions_start": conditions(), "sizes": {}}
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} is missing: the scale benchmark needs the real works")
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip720p.mp4"
        report["clip_source"] = make_clip(clip)
        if not args.skip_registration:
            print("registration, 10 s 720p clip ...", flush=True)
            report["registration"] = registration(clip, args.runs)
            print(json.dumps(report["registration"], indent=1), flush=True)
        query_fingerprinter = Fingerprinter(CONFIG)    # identity on: a check runs it
        fp_times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            clip_query = query_fingerprinter.fingerprint_file(clip, purpose="query")
            fp_times.append(time.perf_counter() - start)
        report["check_fingerprint_10s_720p"] = {
            "p50_s": round(statistics.median(fp_times), 3), "p95_s": round(max(fp_times), 3), "runs": args.runs,
            "channels": "PDQ (8 dihedral variants) + pHash, PDQ of the central square at 11 sizes (compact tier), "
                        "ORB upright and mirrored, dlib faces; voice off (the clip is silent), CLIP off (no weights)"}
        print("check fingerprinting:", report["check_fingerprint_10s_720p"], flush=True)
        report["rest_of_check"] = rest_of_check()
        visual = Fingerprinter(CONFIG.with_(identity_enabled=False))
        assets, queries = real_works(visual)
        real_codes = np.stack([np.frombuffer(f.pdq, np.uint8) for a in assets.values() for f in a.frames
                               if f.pdq is not None])
        real_centre_codes = np.stack([np.frombuffer(f.pdq_centre, np.uint8) for a in assets.values() for f in a.frames
                                      if f.pdq_centre is not None])
        real_frames = sum(len(a.frames) for a in assets.values())
        report["real_works"] = {"assets": len(assets), "frames": real_frames, "known_copies":
                                sum(1 for q in queries if q["owner"]), "negatives": sum(1 for q in queries if not q["owner"])}
        # on-disk keypoints per real frame
        disk = IndexSet(Path(tmp) / "disk", CONFIG)
        for asset_id, fps in assets.items():
            disk.add_asset(asset_id, fps)
        assert disk.keypoint_store is not None
        kp_bytes = disk.keypoint_store.bytes_on_disk()
        report["memory"] = {"keypoints_on_disk_bytes_per_frame": round(kp_bytes / real_frames),
                            "keypoints_per_frame_registered": CONFIG.keypoints_per_reference_frame,
                            "keypoints_per_frame_stored": CONFIG.keypoints_stored_per_frame,
                            "descriptor_bits_stored": CONFIG.keypoints_stored_bits,
                            "resident_tier_bytes_per_frame_before": {
                                "pdq": 104, "keypoints": 52052,
                                "source": "benchmarks/results/fingerprint.json memory (ChannelIndex, in RAM)"}}
        for n in sizes:
            synthetic = distractors(real_codes, max(0, n - real_frames), seed=n)
            synthetic_centre = distractors(real_centre_codes, len(synthetic), seed=n + 1)
            row: dict[str, Any] = {"frames": n, "real_frames": real_frames, "synthetic_frames": len(synthetic)}
            flat_recall = None
            for kind, flat_max in (("flat", 1 << 40), ("ivf", 0)):
                print(f"{n:>10} frames, {kind} ...", flush=True)
                indexes, build_s = build(Path(tmp) / f"ix-{n}-{kind}", assets, synthetic, synthetic_centre,
                                         flat_max=flat_max)
                channel = indexes.channels["pdq"]
                assert isinstance(channel, FrameCodeIndex)
                memory = channel.memory_bytes()
                entry: dict[str, Any] = {
                    "index_type": channel.index_type, "nprobe": channel.nprobe if kind == "ivf" else None,
                    "build_s": round(build_s, 2),
                    "memory_bytes_per_frame": {k: round(v / len(channel), 1) for k, v in memory.items()},
                    "memory_bytes_per_frame_total": round(sum(memory.values()) / len(channel), 1),
                    "check_10s_720p": check_latency(indexes, clip_query, args.runs)}
                entry["check_10s_720p"]["total_p50_s"] = round(
                    entry["check_10s_720p"]["search_p50_s"] + report["check_fingerprint_10s_720p"]["p50_s"]
                    + report["rest_of_check"]["p50_s"], 3)
                entry["copies"] = recall(indexes, queries)
                if kind == "flat":
                    flat_recall = entry["copies"]["recall"]
                else:
                    entry["copies"]["recall_against_flat"] = (round(entry["copies"]["recall"] / flat_recall, 4)
                                                              if flat_recall else None)
                if kind == "ivf":
                    entry["nprobe_sweep"] = nprobe_sweep(indexes, channel, clip_query, queries, nprobes, args.runs,
                                                         flat_recall, report)
                entry["conditions"] = conditions()
                row[kind] = entry
                print(json.dumps({k: v for k, v in entry.items() if k != "copies"}), flush=True)
                print("   recall", entry["copies"]["recall"], "false", entry["copies"]["false_matches"], flush=True)
                del indexes, channel
            row["chosen_by_package"] = "flat" if n <= CONFIG.pdq_flat_index_max_vectors else "ivf"
            report["sizes"][str(n)] = row
            Path(args.output).write_text(json.dumps(report, indent=2) + "\n")
    report["conditions_end"] = conditions()
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
