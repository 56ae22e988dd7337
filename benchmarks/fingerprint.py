"""Fingerprinting throughput, search latency and index memory.

Prints a table and writes ``benchmarks/results/fingerprint.json``.

1. Throughput on a 10 s 720p clip (made from ../shared/data/video/pattern-hd-no-bar.mp4
   when present, else a synthetic moving pattern): frames per second per channel
   through the package, and the same work done by calling the libraries
   directly on the same frames (pdqhash + imagehash; OpenCV ORB; dlib; open_clip).
   The ratio raw_time / pipeline_time is the pipeline's efficiency (target >= 0.8).
   CLIP runs the real ViT-B-32 architecture WITHOUT trained weights (none exist
   here): the compute, hence the throughput, is real; no scores are produced.
2. Search p50 for one batch of 30 query frames over 10^5 and 10^6 synthetic
   indexed vectors per channel, flat and IVF (``chosen_by_package`` marks the
   one ``embeddings.index`` picks at that size), with the top-1 recall of
   queries as far from their source as real copies are. These figures set the
   flat/IVF thresholds documented in ``embeddings/index.py``.
3. Memory per indexed frame, per channel (FAISS index + keys + stored vectors).

Run: ``.venv/bin/python benchmarks/fingerprint.py [--quick]`` (--quick: 10^5 only).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings import EmbeddingsConfig, Fingerprinter, load_media  # noqa: E402
from embeddings.channels.semantic import build_untrained_clip_for_plumbing_tests  # noqa: E402
from embeddings.index import ChannelIndex  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SHARED = ROOT.parent / "shared" / "data"


def make_clip(path: Path, seconds: float = 10.0, fps: int = 30) -> str:
    """A 1280x720 H.264/MPEG-4 clip of ``seconds``; returns where its pictures came from."""
    import av

    source = SHARED / "video" / "pattern-hd-no-bar.mp4"
    frames: list[np.ndarray] = []
    origin = "synthetic moving pattern"
    if source.is_file():
        with av.open(str(source)) as handle:
            frames = [f.to_ndarray(format="rgb24") for f in handle.decode(video=0)]
        origin = f"{source.name}, looped"
    with av.open(str(path), mode="w") as out:
        try:
            stream = out.add_stream("libx264", rate=fps)
        except Exception:  # an FFmpeg build without x264
            stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        yy, xx = np.mgrid[0:720, 0:1280]
        for i in range(int(seconds * fps)):
            if frames:
                picture = frames[i % len(frames)]
                if picture.shape[:2] != (720, 1280):
                    import cv2
                    picture = cv2.resize(picture, (1280, 720))
            else:
                value = ((xx + 7 * i) // 40 + (yy + 3 * i) // 40) % 2 * 200
                picture = np.stack([value, np.roll(value, i, 1), 255 - value], -1).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return origin


def best_of(fn, repeat: int = 3) -> float:
    """Least wall time of ``repeat`` runs (less noise from neighbours on a shared machine)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def throughput(clip_path: Path, origin: str) -> dict:
    import cv2
    import dlib
    import imagehash
    import pdqhash
    import torch
    from PIL import Image

    from embeddings.channels.identity import FaceEmbedder, face_models_dir
    from embeddings.channels.keypoints import analysis_image, query_keypoints
    from embeddings.channels.perceptual import perceptual_hashes

    config = EmbeddingsConfig(semantic_enabled=True)
    clip_model = build_untrained_clip_for_plumbing_tests("ViT-B-32", threads=config.clip_threads)
    fingerprinter = Fingerprinter(config, clip=clip_model)
    media = load_media(clip_path, config)
    frames = [f.image for f in media.frames]
    n = len(frames)
    out: dict = {"clip": {"source": origin, "duration_s": media.duration_s, "size": [media.width, media.height],
                          "sampled_frames": n, "frame_size": list(media.frames[0].size)}, "channels": {}}

    def record(name: str, pipeline_s: float, raw_s: float, note: str = "") -> None:
        out["channels"][name] = {"frames_per_s": round(n / pipeline_s, 2), "raw_frames_per_s": round(n / raw_s, 2),
                                 "ratio_raw_over_pipeline": round(raw_s / pipeline_s, 3), "note": note}

    # perceptual: PDQ (8 dihedral variants) + pHash
    record("perceptual_pdq_phash",
           best_of(lambda: [perceptual_hashes(f, dihedral=True) for f in frames]),
           best_of(lambda: [(pdqhash.compute_dihedral(f), imagehash.phash(Image.fromarray(f))) for f in frames]),
           "raw = pdqhash.compute_dihedral + imagehash.phash")
    # keypoints: ORB on the analysis image, upright and mirrored
    cnt = config.keypoints_per_query_frame
    sizes = [analysis_image(f, config.analysis_max_side).shape[::-1] for f in frames]

    def raw_orb() -> None:
        orb = cv2.ORB_create(nfeatures=cnt * 4, scaleFactor=1.2, nlevels=8, fastThreshold=12)
        for f, size in zip(frames, sizes):
            g = cv2.resize(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), size, interpolation=cv2.INTER_AREA)
            orb.detectAndCompute(g, None)
            orb.detectAndCompute(np.ascontiguousarray(g[:, ::-1]), None)
    record("perceptual_keypoints",
           best_of(lambda: [query_keypoints(f, max_side=config.analysis_max_side, count=cnt) for f in frames]),
           best_of(raw_orb), "raw = cv2 grey + resize + ORB detectAndCompute (same parameters), upright and mirrored")
    # identity
    faces = FaceEmbedder(upsample=config.face_upsample, max_side=config.face_max_side)
    folder = face_models_dir()
    detector = dlib.get_frontal_face_detector()
    shapes = dlib.shape_predictor(str(folder / "shape_predictor_5_face_landmarks.dat"))
    encoder = dlib.face_recognition_model_v1(str(folder / "dlib_face_recognition_resnet_model_v1.dat"))

    def raw_faces() -> None:
        for f in frames:
            for rect in detector(f, config.face_upsample):
                encoder.compute_face_descriptor(f, shapes(f, rect), 1)
    record("identity", best_of(lambda: [faces.faces(f) for f in frames], 1), best_of(raw_faces, 1),
           "raw = dlib detector + shape predictor + ResNet descriptor")
    # semantic (untrained ViT-B-32: real compute, meaningless scores)
    torch.set_num_threads(config.clip_threads)

    def raw_clip() -> None:
        with torch.inference_mode():
            for start in range(0, n, config.clip_batch_size):
                batch = torch.stack([clip_model.preprocess(Image.fromarray(f)) for f in frames[start:start + config.clip_batch_size]])
                clip_model.model.encode_image(batch)
    record("semantic_clip", best_of(lambda: clip_model.embed(frames), 1), best_of(raw_clip, 1),
           "UNTRAINED ViT-B-32 (no weights on this machine): throughput is real, scores are not")
    # end to end: decode + sample + every channel, against decode + the raw calls on the same frames
    import av

    def raw_end_to_end() -> None:
        with av.open(str(clip_path)) as handle:
            for vframe in handle.decode(video=0):
                vframe.reformat(width=32, height=32, format="gray")
        for f in frames:
            pdqhash.compute_dihedral(f)
            imagehash.phash(Image.fromarray(f))
        raw_orb()
        raw_faces()
        raw_clip()
    pipeline = best_of(lambda: fingerprinter.fingerprint_file(clip_path, purpose="query"), 1)
    raw = best_of(raw_end_to_end, 1)
    out["end_to_end"] = {"seconds": round(pipeline, 2), "raw_seconds": round(raw, 2),
                         "frames_per_s": round(n / pipeline, 2), "ratio_raw_over_pipeline": round(raw / pipeline, 3),
                         "realtime_factor": round(media.duration_s / pipeline, 2),
                         "note": "query purpose: all channels; CLIP untrained (see semantic_clip)"}
    return out


def _noisy(vectors: np.ndarray, metric: str, rng: np.random.Generator) -> np.ndarray:
    """Queries as far from their source as real copies are (see calibrate.json)."""
    if metric == "hamming":   # 20 % of bits flipped: ~51 of 256, a typical PDQ/ORB near-duplicate distance
        bits = np.unpackbits(vectors, axis=1)
        return np.packbits(bits ^ (rng.random(bits.shape) < 0.2).astype(np.uint8), axis=1)
    # float: half the distance between two unrelated vectors (faces: ~0.4 same person vs ~0.8 different)
    typical = float(np.linalg.norm(vectors[0] - vectors[1]))
    noise = rng.normal(size=vectors.shape).astype(np.float32)
    noise *= 0.5 * typical / np.linalg.norm(noise, axis=1, keepdims=True)
    out = vectors + noise
    if metric == "ip":
        out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def search_latency(sizes: list[int], config: EmbeddingsConfig, *, with_clip_1e6: bool) -> dict:
    """p50 over repeated searches of one 30-frame batch, for the index type the package picks and the other one."""
    rng = np.random.default_rng(0)
    results: dict = {}
    spec = {  # channel: (metric, dim, query vectors per batch of 30 frames, flat threshold, nprobe)
        "pdq": ("hamming", 256, 30 * 8, config.pdq_flat_index_max_vectors, 64),
        "keypoints": ("hamming", 256, 30 * 2 * config.keypoints_per_query_frame, config.keypoints_flat_index_max_vectors, 32),
        "face": ("l2", 128, 30, config.flat_index_max_vectors, 16),
        "clip": ("ip", 512, 30, config.flat_index_max_vectors, 16)}
    for name, (metric, dim, nq, flat_max, nprobe) in spec.items():
        for size in sizes:
            if name == "clip" and size > 100_000 and not with_clip_1e6:
                results[f"{name}@{size}"] = {"skipped": "2 GB of float vectors on a shared machine; pass --with-clip-1e6"}
                continue
            vectors = (rng.integers(0, 256, (size, dim // 8), dtype=np.uint8) if metric == "hamming"
                       else rng.normal(size=(size, dim)).astype(np.float32))
            if metric == "ip":
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            picks = rng.choice(size, nq)
            queries = _noisy(vectors[picks], metric, rng)
            chosen = "flat" if size <= flat_max else "ivf"
            for kind in ("flat", "ivf"):
                label = f"{name}@{size}/{kind}"
                if kind == "flat" and name == "keypoints" and size > 100_000:
                    results[label] = {"skipped": "flat keypoints at this size: ~10x the 10^5 figure"}
                    continue
                channel = ChannelIndex(name, metric, flat_max=size if kind == "flat" else 0, nprobe=nprobe,
                                       dim=None if metric == "hamming" else dim)
                start = time.perf_counter()
                channel.add("bulk", vectors, np.zeros(size), np.zeros(size, np.int32))
                build = time.perf_counter() - start
                k = 3 if name == "keypoints" else 16
                timings = []
                for _ in range(3 if name == "keypoints" else 5):
                    t0 = time.perf_counter()
                    _, rows = channel.search(queries, k)
                    timings.append(time.perf_counter() - t0)
                results[label] = {
                    "index_type": channel.index_type, "chosen_by_package": kind == chosen, "nprobe": nprobe if kind == "ivf" else None,
                    "query_vectors": nq, "p50_ms": round(1000 * float(np.median(timings)), 1), "build_s": round(build, 2),
                    "top1_recall_near_duplicates": round(float((rows[:, 0] == picks).mean()), 4),
                    "unit": "descriptors, not frames (500 per registered frame)" if name == "keypoints" else "frames"}
                print(f"  search {label:26s} {results[label]}", flush=True)
                del channel
            del vectors
    return results


def memory_per_frame(config: EmbeddingsConfig) -> dict:
    rng = np.random.default_rng(1)
    out = {}
    per_frame = {"pdq": 1, "face": 1, "clip": 1, "keypoints": config.keypoints_per_reference_frame}
    for name, (metric, dim) in {"pdq": ("hamming", 256), "face": ("l2", 128), "clip": ("ip", 512), "keypoints": ("hamming", 256)}.items():
        n = 20_000
        vectors = (rng.integers(0, 256, (n, dim // 8), dtype=np.uint8) if metric == "hamming"
                   else rng.normal(size=(n, dim)).astype(np.float32))
        channel = ChannelIndex(name, metric, flat_max=200_000, dim=None if metric == "hamming" else dim)
        channel.add("bulk", vectors, np.zeros(n), np.zeros(n, np.int32), aux=np.zeros((n, 2), np.float32))
        faiss_bytes, npz_bytes = channel.to_files()
        per_vector = (len(faiss_bytes) + len(npz_bytes)) / n
        out[name] = {"bytes_per_vector": round(per_vector, 1), "vectors_per_frame": per_frame[name],
                     "bytes_per_frame": round(per_vector * per_frame[name]),
                     "note": "on disk and in RAM: FAISS index + stored vectors + keys (id, owner, time, ref, x/y)"}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="search over 10^5 only")
    parser.add_argument("--with-clip-1e6", action="store_true", help="also search 10^6 CLIP vectors (2 GB)")
    args = parser.parse_args()
    report: dict = {"machine": {"cpus": __import__("os").cpu_count()}}
    with tempfile.TemporaryDirectory() as tmp:
        clip_path = Path(tmp) / "clip720p.mp4"
        origin = make_clip(clip_path)
        print("throughput on a 10 s 720p clip ...", flush=True)
        report["throughput"] = throughput(clip_path, origin)
    for name, row in report["throughput"]["channels"].items():
        print(f"  {name:22s} {row['frames_per_s']:8.2f} frames/s   raw {row['raw_frames_per_s']:8.2f}   "
              f"ratio {row['ratio_raw_over_pipeline']:.3f}  {row['note']}")
    e2e = report["throughput"]["end_to_end"]
    print(f"  end to end: {e2e['seconds']} s (raw {e2e['raw_seconds']} s), ratio {e2e['ratio_raw_over_pipeline']}, "
          f"{e2e['realtime_factor']}x real time")
    print("search, 30 query frames ...", flush=True)
    report["search"] = search_latency([100_000] if args.quick else [100_000, 1_000_000], EmbeddingsConfig(),
                                      with_clip_1e6=args.with_clip_1e6)
    report["memory"] = memory_per_frame(EmbeddingsConfig())
    for name, row in report["memory"].items():
        print(f"  memory {name:10s} {row['bytes_per_frame']:>8} bytes per indexed frame")
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / "fingerprint.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
