"""Configuration of the embeddings package: limits, sampling, channels, thresholds.

One frozen dataclass, :class:`EmbeddingsConfig`. The ledger builds it from its
own settings object (or calls :meth:`EmbeddingsConfig.from_env`); nothing in
this package reads the environment anywhere else.

Threshold defaults are the operating points chosen by ``benchmarks/calibrate.py``
on the real media in ``../shared/data``; the distributions and the choice are in
``benchmarks/results/calibrate.json``. Change them there, not by feel.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

# --- calibrated operating points (benchmarks/results/calibrate.json) -----------
#: PDQ: largest Hamming distance (of 256 bits) accepted as the same picture:
#: two thirds of the closest different-work pair (98 bits), capped at 70.
#: Whole-frame copies mostly sit below 30; see calibrate.json "perceptual".
PDQ_MAX_DISTANCE = 65
#: PDQ hashes below this quality (0-100) describe flat frames and are not used.
PDQ_MIN_QUALITY = 50
#: Keypoint verification: least RANSAC-homography inliers accepted as the same
#: picture: half again the most any different work reached (16), see calibrate.json.
KEYPOINT_MIN_INLIERS = 24
#: Keypoint descriptor matches farther than this (ORB, of 256 bits) are ignored.
KEYPOINT_MAX_DESCRIPTOR_DISTANCE = 64
#: Faces: largest L2 distance between 128-d dlib descriptors for the same person:
#: midway between the farthest same-person pair (0.455) and the closest
#: different-person pair (0.661), capped at dlib's published 0.6 (calibrate.json "identity").
FACE_MAX_DISTANCE = 0.56
#: CLIP cosine similarity accepted as the same work. NOT calibrated: no CLIP
#: weights exist on the calibration machine. Re-run calibrate.py with weights.
CLIP_MIN_COSINE = 0.92


@dataclass(frozen=True)
class EmbeddingsConfig:
    """Every knob of media intake, fingerprinting, indexing and matching."""

    # limits that protect the service
    max_bytes: int = 512 * 1024 * 1024
    max_pixels: int = 64_000_000          # per image or per video frame (decompression bombs)
    max_duration_s: float = 3 * 3600.0
    max_decoded_frames: int = 500_000     # frames decoded from one video
    decode_timeout_s: float = 300.0

    # frame sampling for video
    uniform_interval_s: float = 1.0       # one frame per interval...
    max_frames_per_clip: int = 120        # ...plus shot cuts, capped at this
    shot_cut_threshold: float = 0.35      # mean abs. difference of 32x32 grey thumbnails, 0..1
    frame_max_side: int = 960             # decoded frames are downscaled to at most this
    analysis_max_side: int = 640          # perceptual and keypoint work happens at this size

    # channel switches
    perceptual_enabled: bool = True
    keypoints_enabled: bool = True        # local-feature (ORB + RANSAC) robustness stage
    semantic_enabled: bool = True
    identity_enabled: bool = True

    # semantic (CLIP)
    clip_model: str = "ViT-B-32"
    clip_pretrained: str | None = "laion2b_s34b_b79k"
    clip_checkpoint: Path | None = None   # a local file wins over the pretrained tag
    clip_cache_dir: Path | None = None
    clip_threads: int = 2
    clip_batch_size: int = 16

    # identity
    face_upsample: int = 0
    """Times the face detector doubles each frame before looking. 0 finds faces from about 80 px
    tall and is about 3x faster than 1, which also finds smaller background faces (measured on a
    10 s 720p clip: 1.2 s against 3.3 s; short_hamilton_clip.mp4: 6 faces against 7)."""
    face_max_side: int = 1280

    # keypoints
    keypoints_per_reference_frame: int = 500
    keypoints_per_query_frame: int = 600

    # thresholds (see the constants above)
    pdq_max_distance: int = PDQ_MAX_DISTANCE
    pdq_min_quality: int = PDQ_MIN_QUALITY
    keypoint_min_inliers: int = KEYPOINT_MIN_INLIERS
    keypoint_max_descriptor_distance: int = KEYPOINT_MAX_DESCRIPTOR_DISTANCE
    face_max_distance: float = FACE_MAX_DISTANCE
    clip_min_cosine: float = CLIP_MIN_COSINE

    # indexes: exact flat search below these sizes, IVF above (figures in embeddings/index.py)
    flat_index_max_vectors: int = 200_000         # face, clip
    keypoints_flat_index_max_vectors: int = 50_000   # ~100 registered frames of 500 descriptors
    pdq_flat_index_max_vectors: int = 2_000_000   # PDQ: IVF loses near-duplicates, so stay exact longer

    def with_(self, **changes: Any) -> "EmbeddingsConfig":
        """A copy with some fields changed."""
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "EmbeddingsConfig":
        """Read ``CLEARANCE_<FIELD>`` variables (e.g. ``CLEARANCE_CLIP_CHECKPOINT``).

        Booleans accept 1/0/true/false/yes/no; an empty ``CLEARANCE_CLIP_PRETRAINED``
        means "no pretrained tag".
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(setting_name(f.name))
            if raw is None:
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        return cls(**values)


def setting_name(field_name: str) -> str:
    """The environment variable that sets a field: ``clip_checkpoint`` -> ``CLEARANCE_CLIP_CHECKPOINT``."""
    return "CLEARANCE_" + field_name.upper()


def _parse(name: str, type_name: Any, raw: str) -> Any:
    text = str(type_name)
    if "bool" in text:
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{setting_name(name)}: expected a boolean, got {raw!r}")
    if "Path" in text:
        return Path(raw) if raw else None
    if text.startswith("int"):
        return int(raw)
    if text.startswith("float"):
        return float(raw)
    if "None" in text and raw == "":
        return None
    return raw
