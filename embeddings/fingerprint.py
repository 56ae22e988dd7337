"""Per-frame fingerprints of decoded media, and their storable form.

:class:`Fingerprinter` runs the enabled, available channels over every sampled
frame. A :class:`MediaFingerprints` is what the ledger stores for an asset or a
likeness reference (``to_dict`` / ``from_dict``: plain JSON, binary fields in
base64) and what the indexes are built and rebuilt from.

Purposes:
- ``"reference"`` (a registered asset): PDQ, pHash, keypoints, CLIP; no faces.
- ``"likeness"`` (a person's reference photo or clip): faces only.
- ``"query"`` (a clip under check): everything, with PDQ's dihedral variants
  and mirrored keypoints.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .channels.identity import Face, FaceEmbedder
from .channels.keypoints import Keypoints, query_keypoints, reference_keypoints
from .channels.perceptual import perceptual_hashes
from .channels.semantic import ClipEmbedder, load_clip
from .config import EmbeddingsConfig, setting_name
from .errors import FingerprintFormatError, ModelUnavailable
from .media import DecodedMedia, load_media
from .status import ChannelState, ChannelStatus

Purpose = Literal["reference", "likeness", "query"]
FORMAT_VERSION = 1


@dataclass
class FrameFingerprint:
    """Fingerprints of one sampled frame (fields are None where the channel did not run)."""

    time_s: float
    pdq: bytes | None = None
    pdq_quality: int = 0
    phash: str | None = None
    pdq_dihedral: tuple[bytes, ...] = ()          # query only
    keypoints: Keypoints | None = None
    keypoints_mirrored: Keypoints | None = None   # query only
    clip: np.ndarray | None = None
    faces: list[Face] = field(default_factory=list)


@dataclass
class MediaFingerprints:
    """Everything the channels computed for one file."""

    sha256: str
    kind: str
    width: int
    height: int
    duration_s: float | None
    fps: float | None
    purpose: Purpose
    frames: list[FrameFingerprint]
    channels: ChannelStatus
    clip_model: str | None = None

    def face_templates(self) -> list[tuple[float, Face]]:
        """(frame time, face) for every face found, in frame order."""
        return [(f.time_s, face) for f in self.frames for face in f.faces]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record (binary data in base64). Query-only fields are not stored."""
        return {
            "format": FORMAT_VERSION,
            "sha256": self.sha256, "kind": self.kind, "width": self.width, "height": self.height,
            "duration_s": self.duration_s, "fps": self.fps, "purpose": self.purpose,
            "clip_model": self.clip_model,
            "channels": self.channels.to_dict(),
            "frames": [_frame_to_dict(f) for f in self.frames],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MediaFingerprints":
        """Read back a record written by :meth:`to_dict`."""
        if data.get("format") != FORMAT_VERSION:
            raise FingerprintFormatError(f"fingerprint format {data.get('format')!r} is not {FORMAT_VERSION}; re-fingerprint the file")
        try:
            return cls(sha256=data["sha256"], kind=data["kind"], width=data["width"], height=data["height"],
                       duration_s=data["duration_s"], fps=data["fps"], purpose=data["purpose"],
                       clip_model=data.get("clip_model"), channels=ChannelStatus.from_dict(data["channels"]),
                       frames=[_frame_from_dict(f) for f in data["frames"]])
        except (KeyError, TypeError, ValueError) as exc:
            raise FingerprintFormatError(f"fingerprint record is malformed: {exc}") from exc


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _frame_to_dict(f: FrameFingerprint) -> dict[str, Any]:
    out: dict[str, Any] = {"t": f.time_s}
    if f.pdq is not None:
        out["pdq"] = f.pdq.hex()
        out["pdq_quality"] = f.pdq_quality
    if f.phash is not None:
        out["phash"] = f.phash
    if f.keypoints is not None:
        out["kp_xy"] = _b64(f.keypoints.xy.astype(np.float32).tobytes())
        out["kp_desc"] = _b64(f.keypoints.descriptors.astype(np.uint8).tobytes())
    if f.clip is not None:
        out["clip"] = _b64(f.clip.astype(np.float32).tobytes())
    if f.faces:
        out["faces"] = [{"box": list(face.box), "score": face.detector_score,
                         "descriptor": _b64(face.descriptor.astype(np.float32).tobytes())} for face in f.faces]
    return out


def _frame_from_dict(d: dict[str, Any]) -> FrameFingerprint:
    keypoints = None
    if "kp_xy" in d:
        xy = np.frombuffer(_unb64(d["kp_xy"]), np.float32).reshape(-1, 2)
        desc = np.frombuffer(_unb64(d["kp_desc"]), np.uint8).reshape(-1, 32)
        if len(xy) != len(desc):
            raise ValueError("keypoint positions and descriptors differ in count")
        keypoints = Keypoints(xy, desc)
    faces = []
    for face in d.get("faces", []):
        descriptor = np.frombuffer(_unb64(face["descriptor"]), np.float32)
        if descriptor.shape != (128,):
            raise ValueError("face descriptor is not 128-d")
        faces.append(Face(box=tuple(face["box"]), descriptor=descriptor, detector_score=float(face["score"])))
    return FrameFingerprint(
        time_s=float(d["t"]),
        pdq=bytes.fromhex(d["pdq"]) if "pdq" in d else None,
        pdq_quality=int(d.get("pdq_quality", 0)),
        phash=d.get("phash"),
        keypoints=keypoints,
        clip=np.frombuffer(_unb64(d["clip"]), np.float32) if "clip" in d else None,
        faces=faces,
    )


class Fingerprinter:
    """Loads the channels once and fingerprints media with them.

    Channels that are switched off or cannot load are recorded in
    :attr:`status` (with the reason and the setting to change) and skipped;
    the perceptual and identity channels alone make the system useful.
    ``clip`` / ``faces`` may be injected (tests pass an untrained CLIP built by
    ``build_untrained_clip_for_plumbing_tests``; its use is stated in status).
    """

    def __init__(self, config: EmbeddingsConfig | None = None, *, clip: ClipEmbedder | None = None,
                 faces: FaceEmbedder | None = None) -> None:
        self.config = config or EmbeddingsConfig()
        cfg = self.config
        states: list[ChannelState] = [ChannelState("exact", True, "SHA-256 of the file's bytes")]
        states.append(ChannelState("perceptual", cfg.perceptual_enabled,
                                   "PDQ + pHash" + (" + ORB keypoint verification" if cfg.keypoints_enabled else "")
                                   if cfg.perceptual_enabled else f"switched off ({setting_name('perceptual_enabled')})"))
        self.clip: ClipEmbedder | None = None
        if not cfg.semantic_enabled:
            states.append(ChannelState("semantic", False, f"switched off ({setting_name('semantic_enabled')})"))
        else:
            try:
                self.clip = clip or load_clip(cfg)
                label = self.clip.model_id + ("" if self.clip.is_pretrained else
                                              " -- UNTRAINED, plumbing only: scores are meaningless")
                states.append(ChannelState("semantic", True, label, pretrained=self.clip.is_pretrained))
            except ModelUnavailable as exc:
                states.append(ChannelState("semantic", False, f"{exc.reason} (setting {exc.setting})"))
        self.faces: FaceEmbedder | None = None
        if not cfg.identity_enabled:
            states.append(ChannelState("identity", False, f"switched off ({setting_name('identity_enabled')})"))
        else:
            try:
                self.faces = faces or FaceEmbedder(upsample=cfg.face_upsample, max_side=cfg.face_max_side,
                                                   detector_cache=cfg.face_detector_cache)
                states.append(ChannelState("identity", True, "dlib HOG detector + ResNet 128-d descriptor"))
            except ModelUnavailable as exc:
                states.append(ChannelState("identity", False, f"{exc.reason} (setting {exc.setting})"))
        self.status = ChannelStatus(tuple(states))

    def fingerprint_file(self, source: str | Path | bytes, *, purpose: Purpose, name: str | None = None) -> MediaFingerprints:
        """Decode (see :func:`embeddings.media.load_media`) and fingerprint in one call."""
        return self.fingerprint(load_media(source, self.config, name=name), purpose=purpose)

    def fingerprint(self, media: DecodedMedia, *, purpose: Purpose) -> MediaFingerprints:
        """Fingerprints of every sampled frame, for the given purpose."""
        cfg = self.config
        query = purpose == "query"
        visual = purpose in ("reference", "query")
        frames = [FrameFingerprint(time_s=f.time_s) for f in media.frames]
        for fp, frame in zip(frames, media.frames):
            if visual and cfg.perceptual_enabled:
                hashes = perceptual_hashes(frame.image, dihedral=query)
                fp.pdq, fp.pdq_quality, fp.phash, fp.pdq_dihedral = hashes.pdq, hashes.pdq_quality, hashes.phash, hashes.pdq_dihedral
                if cfg.keypoints_enabled:
                    if query:
                        fp.keypoints, fp.keypoints_mirrored = query_keypoints(
                            frame.image, max_side=cfg.analysis_max_side, count=cfg.keypoints_per_query_frame)
                    else:
                        fp.keypoints = reference_keypoints(frame.image, max_side=cfg.analysis_max_side,
                                                           count=cfg.keypoints_per_reference_frame)
            if self.faces is not None and purpose in ("likeness", "query"):
                fp.faces = self.faces.faces(frame.image)
        if visual and self.clip is not None and media.frames:
            vectors = self.clip.embed([f.image for f in media.frames])
            for fp, vector in zip(frames, vectors):
                fp.clip = vector
        ran = self._ran(purpose)
        return MediaFingerprints(sha256=media.sha256, kind=media.kind, width=media.width, height=media.height,
                                 duration_s=media.duration_s, fps=media.fps, purpose=purpose, frames=frames,
                                 channels=ran, clip_model=self.clip.model_id if (self.clip and visual) else None)

    def _ran(self, purpose: Purpose) -> ChannelStatus:
        """The installation's status, narrowed to the channels this purpose uses."""
        wanted = {"reference": {"exact", "perceptual", "semantic"}, "likeness": {"exact", "identity"},
                  "query": {"exact", "perceptual", "semantic", "identity"}}[purpose]
        return ChannelStatus(tuple(s for s in self.status.channels if s.name in wanted))


@lru_cache(maxsize=4)
def shared_fingerprinter(config: EmbeddingsConfig) -> Fingerprinter:
    """One Fingerprinter per configuration per process (models load once per worker)."""
    return Fingerprinter(config)


def fingerprint_path_in_worker(source: str | Path, purpose: Purpose, config: EmbeddingsConfig) -> MediaFingerprints:
    """Top-level, picklable entry point for a process pool (``clearance register PATH...``).

    Each worker process builds its channels once; a file that fails raises
    MediaError, which pickles back to the parent for the ledger to report and skip.
    """
    return shared_fingerprinter(config).fingerprint_file(source, purpose=purpose)
