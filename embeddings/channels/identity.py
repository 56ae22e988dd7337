"""Faces: dlib's HOG detector, 5-point landmarks and the 128-d ResNet identity descriptor.

Model files come from the ``face_recognition_models`` distribution. Its
``__init__`` imports ``pkg_resources`` (absent on modern setuptools), so the
folder is located with ``importlib.util.find_spec`` without importing it.
Two descriptors closer than ``face_max_distance`` (L2) are taken as one person.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelUnavailable
from .shipped import shipped_folder

SHAPE_PREDICTOR = "shape_predictor_5_face_landmarks.dat"
RECOGNITION_MODEL = "dlib_face_recognition_resnet_model_v1.dat"


@dataclass(frozen=True)
class Face:
    """One detected face: box (left, top, right, bottom) in the frame's pixels and its descriptor."""

    box: tuple[int, int, int, int]
    descriptor: np.ndarray  # (128,) float32
    detector_score: float


def face_models_dir() -> Path:
    """The ``models/`` folder of ``face_recognition_models``; raises ModelUnavailable when missing."""
    return shipped_folder("identity", "face_recognition_models", "models", (SHAPE_PREDICTOR, RECOGNITION_MODEL),
                          what="the face models", setting="identity_enabled")


class FaceEmbedder:
    """Detects faces and computes identity descriptors. Load once, reuse (not thread-safe)."""

    def __init__(self, *, upsample: int = 1, max_side: int = 1280, detector_cache: Path | None = None) -> None:
        try:
            import dlib
        except ImportError as exc:  # pragma: no cover - dlib-bin is a hard dependency
            raise ModelUnavailable("identity", f"dlib cannot be imported: {exc}",
                                   setting="identity_enabled (install dlib-bin)") from exc
        folder = face_models_dir()
        self._detector, self._shapes, self._encoder = _load_models(str(folder), detector_cache)
        self._dlib = dlib
        self.upsample = upsample
        self.max_side = max_side

    def faces(self, image: np.ndarray) -> list[Face]:
        """Every face found in an RGB frame, with boxes in that frame's pixel coordinates."""
        h, w = image.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        work = image
        if scale < 1.0:
            import cv2
            work = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        work = np.ascontiguousarray(work)
        rects, scores, _ = self._detector.run(work, self.upsample, 0.0)
        found: list[Face] = []
        for rect, score in zip(rects, scores):
            shape = self._shapes(work, rect)
            descriptor = np.asarray(self._encoder.compute_face_descriptor(work, shape, 1), dtype=np.float32)
            box = (int(max(0, rect.left()) / scale), int(max(0, rect.top()) / scale),
                   int(min(work.shape[1], rect.right()) / scale), int(min(work.shape[0], rect.bottom()) / scale))
            found.append(Face(box=box, descriptor=descriptor, detector_score=float(score)))
        return found


@lru_cache(maxsize=2)
def _load_models(folder: str, detector_cache: Path | None = None) -> tuple[Any, Any, Any]:
    """dlib's detector, shape predictor and encoder (dlib ships no type information: they are ``Any``)."""
    import dlib

    return (frontal_face_detector(detector_cache),
            dlib.shape_predictor(str(Path(folder) / SHAPE_PREDICTOR)),
            dlib.face_recognition_model_v1(str(Path(folder) / RECOGNITION_MODEL)))


def frontal_face_detector(cache: Path | None) -> Any:
    """dlib's HOG frontal face detector, read from ``cache`` when that file holds it, else built (and kept there).

    dlib builds this detector by decoding a model compiled into the library,
    which takes ~0.4 s per process; its own serialised form loads in ~1 ms.
    A cache that cannot be read is rebuilt; one that cannot be written is skipped.
    """
    import dlib

    if cache is not None and cache.is_file():
        try:
            return dlib.fhog_object_detector(str(cache))
        except RuntimeError:
            pass   # torn or foreign file: build and replace it
    detector = dlib.get_frontal_face_detector()
    if cache is not None:
        partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            detector.save(str(partial))
            os.replace(partial, cache)
        except (OSError, RuntimeError):
            partial.unlink(missing_ok=True)
    return detector
