"""Configuration of the embeddings package: limits, sampling, channels, thresholds.

One frozen dataclass, :class:`EmbeddingsConfig`. This package reads no
environment variables: the ledger gathers values from its settings file and
``CLEARANCE_<FIELD>`` variables (see :func:`setting_name` and
:func:`config_fields`) and builds the config with
:meth:`EmbeddingsConfig.from_mapping`, which converts text such as ``"true"``,
``"0.5"`` or ``"300"`` to each field's type and raises
:class:`~embeddings.errors.ConfigError` naming the field for anything else.

Threshold defaults are the operating points chosen by ``benchmarks/calibrate.py``
on the real media in ``../shared/data``; the distributions and the choice are in
``benchmarks/results/calibrate.json``. Change them there, not by feel.
"""

from __future__ import annotations

import difflib
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields, replace
from functools import lru_cache
from os import PathLike
from pathlib import Path
from typing import Any

from .errors import ConfigError

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
#: Voice: least cosine similarity between a query window's speaker embedding and an
#: enrolled voice template taken as the same speaker. benchmarks/calibrate_voice.py
#: (results/calibrate_voice.json, LibriSpeech read English, a person's references averaged):
#: different-speaker windows reach 0.753, same-speaker utterances' best windows start at
#: 0.789; 0.78 is the highest different-speaker score plus a 0.03 margin, rounded
#: (no false match, every same-speaker utterance found). The margin is thin: see README.
VOICE_MIN_SIMILARITY = 0.78


@dataclass(frozen=True)
class EmbeddingsConfig:
    """Every knob of media intake, fingerprinting, indexing and matching."""

    # limits that protect the service
    max_bytes: int = 512 * 1024 * 1024
    """The most bytes of media held in memory: an upload, a check's clip, an image, a sound file."""
    max_title_bytes: int = 256 * 1024**3
    """The largest video read from disk by its path (registration): such a file is streamed, never held
    in memory, so it may be a whole title or its master (a 3 h ProRes 4444 1080p master is ~220 GB)."""
    max_pixels: int = 64_000_000          # per image or per video frame (decompression bombs)
    max_duration_s: float = 3 * 3600.0
    max_decoded_frames: int = 500_000     # frames decoded from one video
    decode_timeout_s: float = 300.0

    # frame sampling for video
    uniform_interval_s: float = 1.0       # one frame per interval...
    max_frames_per_clip: int = 120        # ...plus shot cuts, capped at this (a check's clip, a likeness reference)
    max_frames_per_asset: int = 10_800
    """Registration's cap: a registered video is sampled on the uniform grid for its whole length up to
    this many frames (3 h at one a second, the longest file ``max_duration_s`` admits), so every second
    of a feature-length title is findable. Frames are fingerprinted as they are decoded, never held."""
    shot_cut_threshold: float = 0.35      # mean abs. difference of 32x32 grey thumbnails, 0..1
    cut_probe_interval_s: float = 0.25
    """Where keyframes come more often than this (an all-intra master: every frame is one), a keyframe
    holding no grid frame is decoded, to look for shot cuts, only once this long has passed since the
    last keyframe decoded; the others are skipped. 0 decodes every keyframe."""
    frame_max_side: int = 960             # decoded frames are downscaled to at most this
    analysis_max_side: int = 640          # perceptual and keypoint work happens at this size
    decode_threads: int = 0
    """Threads one video is decoded on: its closed groups of pictures side by side, a decoder each, their
    frames sampled in order (embeddings/sampling.py; 0: the usable cores, at most 4). 1 where files are
    fingerprinted in parallel, one per core (a Ray worker, a process pool): threads then only add overhead."""
    fingerprint_threads: int = 2
    """Threads that fingerprint one file's sampled frames side by side (PDQ, ORB and face detection release
    the GIL). 1 where files are fingerprinted in parallel, one per core, as for ``decode_threads``."""

    # channel switches
    perceptual_enabled: bool = True
    keypoints_enabled: bool = True        # local-feature (ORB + RANSAC) robustness stage
    semantic_enabled: bool = True
    identity_enabled: bool = True
    voice_enabled: bool = True

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
    face_detector_cache: Path | None = None
    """A file keeping dlib's frontal face detector once built: building it costs each process ~0.4 s,
    loading it back ~1 ms. Written on first use when missing or unreadable; None builds it every time."""

    # voice
    voice_window_s: float = 3.0
    """Length of the windows a query's speech is embedded in (every half window); match time ranges use them."""
    voice_min_window_speech_s: float = 1.0
    """A window (or the tail of a speech span) shorter than this is not embedded."""
    voice_min_enrol_speech_s: float = 3.0
    """A voice reference with less detected speech than this is refused."""
    voice_min_speaker_consistency: float = 0.55
    """A voice reference whose speech windows differ more than this (lowest pairwise cosine) is refused as
    holding more than one speaker. On the shared voices one speaker's windows never fell below 0.67 (57
    utterances of 25 speakers); two speakers joined mostly fell below 0.51 (of 11 random pairs one
    reached 0.69 and would not be caught)."""
    voice_vad_aggressiveness: int = 3
    """WebRTC VAD mode, 0 (keeps most sound) to 3 (keeps only clear speech)."""
    voice_threads: int = 2

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
    voice_min_similarity: float = VOICE_MIN_SIMILARITY

    # indexes: exact flat search below these sizes, IVF above (figures in embeddings/index.py)
    flat_index_max_vectors: int = 200_000         # face, clip
    keypoints_flat_index_max_vectors: int = 50_000   # ~100 registered frames of 500 descriptors
    pdq_flat_index_max_vectors: int = 2_000_000   # PDQ: IVF loses near-duplicates, so stay exact longer
    pdq_ivf_nprobe: int = 64
    """Lists of the PDQ channel's IVF (above pdq_flat_index_max_vectors) searched per query code: more finds
    more of what the flat index finds (an overlaid copy's code sits far from its original's list) and costs
    search time in proportion. Recall and latency per value at 10^7 frames: benchmarks/results/scale.json."""
    voice_flat_index_max_vectors: int = 20_000    # voice: one template per person; IVF keeps 10^5 people under 10 ms
    index_tier: str = "resident"
    """"resident": every channel in memory (keypoints too, ~52 KB a registered frame). "compact": PDQ codes,
    centre codes and slim keys in memory (~98 B a frame), keypoints on disk per asset, verified for candidate assets only
    (embeddings/compact.py; figures in benchmarks/results/scale.json)."""
    keypoint_candidate_pdq_distance: int = 90
    """Compact tier: assets with a frame this close (PDQ bits) to a query frame get their keypoints verified.
    Looser than pdq_max_distance, below the closest different works (98 bits, calibrate.json)."""
    centre_candidate_pdq_distance: int = 64
    """Compact tier: assets with a frame whose centre code (PDQ of its central square) comes this close to one
    of a query frame's central squares get their keypoints verified: centred reframings (9:16, square, zooms).
    Centred crops, 9:16 cuts and zooms of the shared photographs came within 46 bits, other photographs no closer
    than 92 (benchmarks/results/centre_codes.json)."""
    keypoint_max_candidate_assets: int = 32
    """Compact tier: at most this many candidate assets (closest first) are verified per check."""
    keypoints_exhaustive_max_frames: int = 100
    """Compact tier: while the keypoint store holds at most this many frames, every asset is verified
    (a small world loses nothing); ~5 x 10^4 descriptors, where the resident channel leaves flat search."""
    keypoints_stored_per_frame: int = 230
    """Compact tier: keypoints kept on disk per registered frame for verification (the strongest, spread
    over the frame). With keypoints_stored_bits = 96: ~3.6 KB a frame (limit 4 KB). Recall of the known
    copies against all 500 full descriptors: benchmarks/results/keypoint_store.json."""
    keypoints_stored_bits: int = 96
    """Compact tier: leading bits of each stored ORB descriptor kept on disk (rBRIEF orders its tests most
    informative first); the descriptor-distance threshold scales with it (64 of 256 -> 24 of 96)."""

    def with_(self, **changes: Any) -> "EmbeddingsConfig":
        """A copy with some fields changed."""
        return replace(self, **changes)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "EmbeddingsConfig":
        """A config from field names to values, defaults for the rest; text is converted to each field's type.

        Booleans accept ``True``/``False`` and the words 1/0, true/false, yes/no,
        on/off; numbers accept numbers or their text; an empty string clears an
        optional field (``clip_pretrained = ""`` means "no pretrained tag").
        Raises :class:`~embeddings.errors.ConfigError` for an unknown field or
        a value that does not fit, naming the field and what it expects.
        """
        specs = {spec.name: spec for spec in config_fields()}
        converted: dict[str, Any] = {}
        for name, raw in values.items():
            spec = specs.get(name)
            if spec is None:
                close = difflib.get_close_matches(str(name), specs, n=1)
                hint = f"{close[0]!r} or another known setting" if close else "a known setting"
                raise ConfigError(str(name), f"{hint} ({', '.join(sorted(specs))})", raw, unknown=True)
            converted[name] = spec.convert(raw)
        return cls(**converted)


@dataclass(frozen=True)
class ConfigField:
    """One setting of :class:`EmbeddingsConfig`: its name, value type, whether it may be None, its default."""

    name: str
    kind: type            # bool, int, float, str or Path
    optional: bool        # None (or an empty string) is accepted
    default: Any
    minimum: float | None = None

    def convert(self, raw: Any) -> Any:
        """``raw`` as this field's type; raises ConfigError naming the field when it does not fit."""
        if raw is None or (self.optional and isinstance(raw, str) and raw.strip() == ""):
            if self.optional:
                return None
            raise ConfigError(self.name, self.expected, raw)
        if self.kind is bool:
            value: Any = _to_bool(raw)
        elif self.kind is int:
            value = _to_int(raw)
        elif self.kind is float:
            value = _to_float(raw)
        elif self.kind is Path:
            value = Path(raw) if isinstance(raw, (str, PathLike)) and str(raw).strip() else None
        else:
            value = raw if isinstance(raw, str) and raw.strip() else None
        if value is None:
            raise ConfigError(self.name, self.expected, raw)
        if self.minimum is not None and value < self.minimum:
            raise ConfigError(self.name, self.expected, raw)
        return value

    @property
    def expected(self) -> str:
        """What the field accepts, in words (used in error messages)."""
        words = {bool: "a boolean (true/false, yes/no, on/off, 1/0)", int: "an integer", float: "a number",
                 str: "a non-empty text value", Path: "a file path"}[self.kind]
        if self.minimum is not None:
            words += f" of at least {self.minimum:g}"
        return words + (", or empty for none" if self.optional else "")


#: Numeric fields with a floor above zero; every other number must be at least 0.
_MINIMUMS: dict[str, float] = {
    "max_bytes": 1, "max_title_bytes": 1, "max_pixels": 1, "max_decoded_frames": 1, "uniform_interval_s": 1e-3,
    "max_frames_per_clip": 1, "max_frames_per_asset": 1, "frame_max_side": 1, "analysis_max_side": 1,
    "clip_threads": 1, "fingerprint_threads": 1,
    "clip_batch_size": 1, "voice_window_s": 1.6, "voice_min_window_speech_s": 0.5,
    "voice_threads": 1, "face_max_side": 1, "keypoints_per_reference_frame": 1, "keypoints_per_query_frame": 1,
    "keypoints_stored_per_frame": 8, "keypoints_stored_bits": 8,
    "flat_index_max_vectors": 1, "keypoints_flat_index_max_vectors": 1, "voice_flat_index_max_vectors": 1, "pdq_flat_index_max_vectors": 1,
    "pdq_ivf_nprobe": 1,
}


@lru_cache(maxsize=1)
def config_fields() -> tuple[ConfigField, ...]:
    """Every setting of :class:`EmbeddingsConfig`, in declaration order, with its type.

    The ledger maps ``CLEARANCE_<NAME>`` variables (see :func:`setting_name`)
    and its settings file onto these names.
    """
    hints = typing.get_type_hints(EmbeddingsConfig)
    out = []
    for f in fields(EmbeddingsConfig):
        hint = hints[f.name]
        args = typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union else ()
        optional = type(None) in args
        kind = next(a for a in args if a is not type(None)) if args else hint
        if kind not in (bool, int, float, str, Path):
            raise TypeError(f"EmbeddingsConfig.{f.name}: unsupported setting type {hint!r}")
        minimum = _MINIMUMS.get(f.name, 0 if kind in (int, float) else None)
        default = f.default if f.default is not MISSING else None
        out.append(ConfigField(f.name, kind, optional, default, minimum))
    return tuple(out)


def setting_name(field_name: str) -> str:
    """The ledger's environment variable for a field: ``clip_checkpoint`` -> ``CLEARANCE_CLIP_CHECKPOINT``.

    Used in messages that tell an operator which setting to change; this
    package never reads the variable itself.
    """
    return "CLEARANCE_" + field_name.upper()


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _to_bool(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        low = raw.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    return None


def _to_int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if isinstance(raw, str):
        text = raw.strip().replace("_", "")
        try:
            return int(text)
        except ValueError:
            return None
    return None


def _to_float(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return value if math.isfinite(value) else None
