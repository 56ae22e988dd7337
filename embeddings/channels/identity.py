"""Faces: dlib's HOG detector, 5-point landmarks and the 128-d ResNet identity descriptor.

Model files come from the ``face_recognition_models`` distribution. Its
``__init__`` imports ``pkg_resources`` (absent on modern setuptools), so the
folder is located with ``importlib.util.find_spec`` without importing it.
Two descriptors closer than ``face_max_distance`` (L2) are taken as one person.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
    """Detects faces and computes identity descriptors. Load once, reuse; safe from several threads.

    dlib's detector and networks keep state while they run, so a call borrows one
    set of models from a shared pool for its duration, and a thread that finds
    every set busy loads another (~0.2 s, once). Threads therefore never share
    models, and the sets loaded never outnumber the calls that ran at once.
    """

    def __init__(self, *, upsample: int = 1, max_side: int = 1280, detector_cache: Path | None = None) -> None:
        try:
            import dlib  # noqa: F401 - checked here so a missing dlib is reported when the channel loads
        except ImportError as exc:  # pragma: no cover - dlib-bin is a hard dependency
            raise ModelUnavailable("identity", f"dlib cannot be imported: {exc}",
                                   setting="identity_enabled (install dlib-bin)") from exc
        self._pool = _model_pool(str(face_models_dir()), detector_cache)
        with self._pool.borrow():   # loads the first set now, so a broken model file fails here
            pass
        self.upsample = upsample
        self.max_side = max_side

    def faces(self, image: np.ndarray) -> list[Face]:
        """Every face found in an RGB frame, with boxes in that frame's pixel coordinates."""
        import cv2

        h, w = image.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        work = image
        if scale < 1.0:
            work = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        work = np.ascontiguousarray(work)
        # the detector looks at brightness only (0.79 of colour's CPU, same faces on the shared
        # photos and clips); landmarks and the descriptor see the colour picture
        grey = cv2.cvtColor(work, cv2.COLOR_RGB2GRAY) if work.ndim == 3 else work
        found: list[Face] = []
        with self._pool.borrow() as models:
            rects, scores, _ = models.detector.run(grey, self.upsample, 0.0)
            for rect, score in zip(rects, scores):
                shape = models.shapes(work, rect)
                descriptor = np.asarray(models.encoder.compute_face_descriptor(work, shape, 1), dtype=np.float32)
                box = (int(max(0, rect.left()) / scale), int(max(0, rect.top()) / scale),
                       int(min(work.shape[1], rect.right()) / scale), int(min(work.shape[0], rect.bottom()) / scale))
                found.append(Face(box=box, descriptor=descriptor, detector_score=float(score)))
        return found


@dataclass(frozen=True)
class _Models:
    """One set of dlib's models (dlib ships no type information: they are ``Any``)."""

    detector: Any
    shapes: Any
    encoder: Any


class _ModelPool:
    """Sets of models not in use, lent one per call (see :class:`FaceEmbedder`)."""

    def __init__(self, folder: str, detector_cache: Path | None) -> None:
        self._folder, self._cache = folder, detector_cache
        self._idle: list[_Models] = []
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self) -> Iterator[_Models]:
        with self._lock:
            models = self._idle.pop() if self._idle else None
        if models is None:
            models = _load_models(self._folder, self._cache)
        try:
            yield models
        finally:
            with self._lock:
                self._idle.append(models)


_POOLS: dict[str, _ModelPool] = {}
_POOLS_LOCK = threading.Lock()


def _model_pool(folder: str, detector_cache: Path | None) -> _ModelPool:
    """The process's pool for the models in ``folder`` (the detector cache only speeds up loading,
    so FaceEmbedders with different caches share one pool)."""
    with _POOLS_LOCK:
        if folder not in _POOLS:
            _POOLS[folder] = _ModelPool(folder, detector_cache)
        return _POOLS[folder]


def _load_models(folder: str, detector_cache: Path | None) -> _Models:
    import dlib

    return _Models(frontal_face_detector(detector_cache),
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
