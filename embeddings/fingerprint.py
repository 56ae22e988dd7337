"""Per-frame fingerprints of decoded media, and their storable form.

:class:`Fingerprinter` runs the enabled, available channels over every sampled
frame. A :class:`MediaFingerprints` is what the ledger stores for an asset or a
likeness reference (``to_dict`` / ``from_dict``: plain JSON, binary fields in
base64) and what the indexes are built and rebuilt from.

Purposes:
- ``"reference"`` (a registered asset): PDQ, pHash, keypoints, CLIP; no faces.
- ``"likeness"`` (a person's reference photo or clip): faces only.
- ``"voice"`` (a person's voice reference: an audio file or a clip): the
  speech spans and one speaker embedding of all the speech (``voice``).
- ``"query"`` (a clip under check): everything, with PDQ's dihedral variants
  and mirrored keypoints, and speaker embeddings of its speech in windows.

Audio files (see :mod:`embeddings.audio`) fingerprint as ``kind="audio"``
with no frames; a video's sound is heard by the voice channel beside its frames.
"""

from __future__ import annotations

import base64
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .channels.identity import Face, FaceEmbedder
from .channels.keypoints import Keypoints, query_keypoints, reference_keypoints
from .channels.perceptual import centre_code, centre_hypotheses, perceptual_hashes
from .channels.semantic import ClipEmbedder, load_clip
from .audio import DecodedAudio, decode_audio, is_audio_only_name, sniff_audio
from .channels.voice import VoiceEncoder, VoiceWindow, require_vad as _require_vad, speech_only, speech_spans, voice_weights_path
from .config import EmbeddingsConfig, setting_name
from .errors import FingerprintFormatError, MediaError, ModelUnavailable
from .media import DecodedMedia, Frame, fit_within, load_media, peek, read_source, sha256_bytes, sniff_container
from .sampling import load_sampled
from .status import ChannelState, ChannelStatus

Purpose = Literal["reference", "likeness", "voice", "query"]
FORMAT_VERSION = 1


@dataclass
class FrameFingerprint:
    """Fingerprints of one sampled frame (fields are None where the channel did not run)."""

    time_s: float
    pdq: bytes | None = None
    pdq_quality: int = 0
    phash: str | None = None
    pdq_dihedral: tuple[bytes, ...] = ()          # query only
    pdq_centre: bytes | None = None               # reference only: PDQ of the central square (centred reframings)
    pdq_centre_hypotheses: tuple[bytes, ...] = ()  # query only, compact tier: its central squares at 11 sizes
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
    speech: list[tuple[float, float]] = field(default_factory=list)
    """(start, end) seconds of the detected speech (voice channel; empty when it did not run or heard none)."""
    voice: list[VoiceWindow] = field(default_factory=list)
    """Speaker embeddings: windows of a query's speech; one embedding of all the speech of a voice reference."""
    speaker_consistency: float | None = None
    """Voice references only: the lowest cosine between two windows of the speech (None under two
    windows); one speaker stays high, two speakers drop (see ``voice_min_speaker_consistency``). Not stored."""
    audio: str | None = None
    """What the voice channel heard: None when it did not run, "no audio", or "N.N s of speech"."""

    @property
    def speech_s(self) -> float:
        """Seconds of detected speech."""
        return round(sum(b - a for a, b in self.speech), 3)

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
            **({"audio": self.audio, "speech": [list(s) for s in self.speech],
                "voice": [{"start": w.start_s, "end": w.end_s, "speech_s": w.speech_s,
                           "embedding": _b64(w.embedding.astype(np.float32).tobytes())} for w in self.voice]}
               if self.audio is not None else {}),
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
                       frames=[_frame_from_dict(f) for f in data["frames"]],
                       audio=data.get("audio"), speech=[(float(a), float(b)) for a, b in data.get("speech", [])],
                       voice=[_voice_from_dict(w) for w in data.get("voice", [])])
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
    if f.pdq_centre is not None:
        out["pdq_centre"] = f.pdq_centre.hex()
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


def _voice_from_dict(d: dict[str, Any]) -> VoiceWindow:
    embedding = np.frombuffer(_unb64(d["embedding"]), np.float32)
    if embedding.shape != (256,):
        raise ValueError("voice embedding is not 256-d")
    return VoiceWindow(float(d["start"]), float(d["end"]), embedding, float(d["speech_s"]))


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
        pdq_centre=bytes.fromhex(d["pdq_centre"]) if "pdq_centre" in d else None,
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
        self.voice: VoiceEncoder | None = None
        self._voice_ready = False
        if not cfg.voice_enabled:
            states.append(ChannelState("voice", False, f"switched off ({setting_name('voice_enabled')})"))
        else:
            try:
                voice_weights_path()
                _require_vad()
                states.append(ChannelState("voice", True, "WebRTC VAD + Resemblyzer GE2E 256-d speaker encoder"))
                self._voice_ready = True
            except ModelUnavailable as exc:
                states.append(ChannelState("voice", False, f"{exc.reason} (setting {exc.setting})"))
        self.status = ChannelStatus(tuple(states))
        self._threads: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def fingerprint_file(self, source: str | Path | bytes, *, purpose: Purpose, name: str | None = None,
                         decoded: Callable[[DecodedMedia], None] | None = None) -> MediaFingerprints:
        """Decode (see :func:`embeddings.media.load_media` and :mod:`embeddings.audio`) and fingerprint.

        ``decoded`` is handed the decoded pictures (not for sound-only files), so a
        caller that shows frames afterwards (a check's evidence) need not decode again.

        An audio file (by its extension, or by its bytes when unnamed) is heard,
        not looked at: it may be a query or a voice reference, nothing else. A
        voice reference may also be a video; its sound is what counts.
        """
        head, label = peek(source, name)
        audio_only = is_audio_only_name(label) or (sniff_container(head) is None and sniff_audio(head) is not None)
        if audio_only or purpose == "voice":
            if purpose not in ("voice", "query"):
                raise MediaError(label, "is an audio file; this needs an image or a video")
            data, label, suffix = read_source(source, self.config, name)
            audio = decode_audio(data, label, self.config, suffix=suffix, audio_only=True)
            return self._audio_fingerprints(audio, sha256_bytes(data), purpose)
        work = _FrameWork(self, purpose)
        whole_title = purpose == "reference" and decoded is None   # a title's frames are not held, only fingerprinted
        try:   # a video given by its path is streamed from disk (embeddings.media.identify)
            media = (load_sampled(source, self.config, name=name, on_frame=work.start, whole_title=whole_title)
                     if purpose == "reference"
                     else load_sampled(source, self.config, name=name, max_side=self.config.frame_max_side,
                                       on_frame=work.start) if purpose == "query"
                     else load_media(source, self.config, name=name))
        except BaseException:
            work.cancel_rest()
            raise
        if decoded is not None:
            decoded(media)
        fps = self.fingerprint(media, purpose=purpose, work=work)
        if purpose == "query" and media.kind == "video" and self._voice_ready:
            data, label, suffix = read_source(source, self.config, name)   # its sound: a check's clip, held already
            self._hear(fps, decode_audio(data, label, self.config, suffix=suffix, audio_only=False), purpose)
            fps.channels = ChannelStatus(tuple(self._heard(fps) if s.name == "voice" else s
                                               for s in fps.channels.channels))
        return fps

    def _audio_fingerprints(self, audio: DecodedAudio, sha256: str, purpose: Purpose) -> MediaFingerprints:
        """Fingerprints of a file heard for its voice only (no frames; the visual channels did not look)."""
        if not self._voice_ready:
            reason = self.status.unavailable.get("voice", "voice channel unavailable")
            raise ModelUnavailable("voice", f"cannot hear {audio.source}: {reason}",
                                   setting=setting_name("voice_enabled"))
        states = tuple(s if s.name in ("exact", "voice") else ChannelState(s.name, False, "sound only: nothing to look at")
                       for s in self.status.channels)
        fps = MediaFingerprints(sha256=sha256, kind="audio", width=0, height=0, duration_s=audio.duration_s, fps=None,
                                purpose=purpose, frames=[], channels=ChannelStatus(states))
        self._hear(fps, audio, purpose)
        fps.channels = ChannelStatus(tuple(self._heard(fps) if s.name == "voice" else s for s in fps.channels.channels))
        return fps

    def _heard(self, fps: MediaFingerprints) -> ChannelState:
        """The voice channel's state for a file it listened to: what it is, and what it heard."""
        voice = self.status.get("voice")
        assert voice is not None
        return ChannelState("voice", True, f"{voice.detail}; heard {fps.audio}")

    def _hear(self, fps: MediaFingerprints, audio: DecodedAudio, purpose: Purpose) -> None:
        """Speech spans and speaker embeddings of a file's sound, into ``fps``."""
        cfg = self.config
        if not audio.has_audio or audio.samples is None:
            fps.audio = audio.note or "no audio"
            return
        samples = audio.samples
        fps.speech = speech_spans(samples, aggressiveness=min(3, cfg.voice_vad_aggressiveness))
        if fps.speech:
            if self.voice is None:
                self.voice = VoiceEncoder(threads=cfg.voice_threads)
            if purpose == "voice":
                fps.voice = [VoiceWindow(fps.speech[0][0], fps.speech[-1][1],
                                         self.voice.embed(speech_only(samples, fps.speech)), fps.speech_s)]
                windows = self.voice.windows(samples, fps.speech, window_s=cfg.voice_window_s,
                                             min_speech_s=cfg.voice_min_window_speech_s)
                if len(windows) >= 2:
                    bank = np.stack([w.embedding for w in windows])
                    fps.speaker_consistency = round(float((bank @ bank.T).min()), 4)
            else:
                fps.voice = self.voice.windows(samples, fps.speech, window_s=cfg.voice_window_s,
                                               min_speech_s=cfg.voice_min_window_speech_s)
        fps.audio = f"{fps.speech_s:.1f} s of speech in {audio.duration_s:.1f} s of sound"

    def fingerprint(self, media: DecodedMedia, *, purpose: Purpose,
                    work: _FrameWork | None = None) -> MediaFingerprints:
        """Fingerprints of every sampled frame, for the given purpose.

        Frames are fingerprinted side by side on ``fingerprint_threads`` threads (the channels'
        native code releases the GIL); the result does not depend on the thread count.
        ``work``: fingerprinting already started on frames as they were decoded.
        """
        work = work or _FrameWork(self, purpose)
        for frame in media.frames:
            if not work.started_on(frame):
                work.start(frame)
        frames = [work.result(frame) for frame in media.frames]
        work.cancel_rest()   # frames the frame cap left out
        visual = purpose in ("reference", "query")
        ran = self._ran(purpose, media.kind)
        return MediaFingerprints(sha256=media.sha256, kind=media.kind, width=media.width, height=media.height,
                                 duration_s=media.duration_s, fps=media.fps, purpose=purpose, frames=frames,
                                 channels=ran, clip_model=self.clip.model_id if (self.clip and visual) else None)

    def _pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(self.config.fingerprint_threads, thread_name_prefix="fingerprint")
                weakref.finalize(self, self._threads.shutdown, wait=False)   # its threads end with the fingerprinter
            return self._threads

    def _frame(self, frame: Frame, purpose: Purpose) -> FrameFingerprint:
        """One frame's per-frame channels.

        PDQ, pHash and ORB look at the frame at ``analysis_max_side`` (the size registration
        decodes to), faces at the frame's own size."""
        cfg = self.config
        fp, image = FrameFingerprint(time_s=frame.time_s), frame.image
        if purpose in ("reference", "query") and cfg.perceptual_enabled:
            query = purpose == "query"
            small = fit_within(image, cfg.analysis_max_side)
            hashes = perceptual_hashes(small, dihedral=query)
            fp.pdq, fp.pdq_quality, fp.phash, fp.pdq_dihedral = hashes.pdq, hashes.pdq_quality, hashes.phash, hashes.pdq_dihedral
            if not query:
                fp.pdq_centre = centre_code(small)
            elif cfg.index_tier == "compact":   # the resident tier finds crops by keypoints over every frame
                fp.pdq_centre_hypotheses = centre_hypotheses(small)
            if cfg.keypoints_enabled:
                if query:
                    fp.keypoints, fp.keypoints_mirrored = query_keypoints(
                        small, max_side=cfg.analysis_max_side, count=cfg.keypoints_per_query_frame)
                else:
                    fp.keypoints = reference_keypoints(small, max_side=cfg.analysis_max_side,
                                                       count=cfg.keypoints_per_reference_frame)
        if self.faces is not None and purpose in ("likeness", "query"):
            fp.faces = self.faces.faces(image)
        if self.clip is not None and purpose in ("reference", "query"):
            fp.clip = self.clip.embed([image])[0]
        return fp

    def _ran(self, purpose: Purpose, kind: str = "image") -> ChannelStatus:
        """The installation's status, narrowed to the channels this purpose uses."""
        wanted = {"reference": {"exact", "perceptual", "semantic"}, "likeness": {"exact", "identity"},
                  "voice": {"exact", "voice"},
                  "query": {"exact", "perceptual", "semantic", "identity", "voice"}}[purpose]
        states = [s for s in self.status.channels if s.name in wanted]
        if purpose == "query":   # a picture has no sound; fingerprint_file hears a video's and says so
            quiet = "no sound in a still image" if kind == "image" else "sound not decoded (frames only)"
            states = [ChannelState("voice", False, quiet) if s.name == "voice" and s.available else s for s in states]
        return ChannelStatus(tuple(states))


class _FrameWork:
    """Fingerprinting of one file's sampled frames, started as each is decoded, collected by frame time.

    With ``fingerprint_threads`` above 1 a frame goes to the fingerprinter's thread pool, and at most
    a few frames wait there at once (decoding pauses until one is done), so a long title never piles
    up decoded pictures; with 1 it is fingerprinted at once, in the decoding thread.
    """

    def __init__(self, fingerprinter: Fingerprinter, purpose: Purpose) -> None:
        self._fingerprinter, self._purpose = fingerprinter, purpose
        threads = fingerprinter.config.fingerprint_threads
        self._pool = fingerprinter._pool() if threads > 1 else None
        self._slots = threading.BoundedSemaphore(2 * threads + 2)
        self._started: dict[float, Future[FrameFingerprint]] = {}

    def started_on(self, frame: Frame) -> bool:
        return frame.time_s in self._started

    def start(self, frame: Frame) -> None:
        """Fingerprint ``frame`` (in the pool, or now); its pixels may be let go once this returns."""
        if frame.image.size == 0:
            raise RuntimeError(f"the frame at {frame.time_s} s was decoded without pixels and never fingerprinted")
        if self._pool is None:
            done: Future[FrameFingerprint] = Future()
            done.set_result(self._fingerprinter._frame(frame, self._purpose))
            self._started[frame.time_s] = done
            return
        self._slots.acquire()
        future = self._pool.submit(self._fingerprinter._frame, frame, self._purpose)
        future.add_done_callback(lambda _: self._slots.release())
        self._started[frame.time_s] = future

    def result(self, frame: Frame) -> FrameFingerprint:
        return self._started.pop(frame.time_s).result()

    def cancel_rest(self) -> None:
        for future in self._started.values():
            future.cancel()
        self._started.clear()


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
