"""Media intake: bytes or a path in, sampled RGB frames with timestamps out.

Images (JPEG, PNG, WebP, TIFF) are decoded with Pillow; video (MP4, MOV, WebM,
MKV) with PyAV. The container type is sniffed from the bytes and must agree
with the file's extension, so a JPEG named ``.svg`` or random bytes named
``.jpg`` are refused. Every limit in :class:`~embeddings.config.EmbeddingsConfig`
is enforced before or during decoding, and a breach raises
:class:`~embeddings.errors.MediaError` naming the file and the limit.

Video frames are sampled at shot cuts plus a uniform grid, capped per clip.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from PIL import Image, ImageOps

from .config import EmbeddingsConfig
from .errors import MediaError

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.stream import VideoStream as AVVideoStream

MediaKind = Literal["image", "video"]

#: Sniffed container -> (kind, extensions that may carry it)
_FORMATS: dict[str, tuple[MediaKind, frozenset[str]]] = {
    "jpeg": ("image", frozenset({".jpg", ".jpeg", ".jpe", ".jfif"})),
    "png": ("image", frozenset({".png"})),
    "webp": ("image", frozenset({".webp"})),
    "tiff": ("image", frozenset({".tif", ".tiff"})),
    "isobmff": ("video", frozenset({".mp4", ".m4v", ".mov", ".qt"})),
    "matroska": ("video", frozenset({".mkv", ".webm"})),
}
SUPPORTED_EXTENSIONS = frozenset().union(*(exts for _, exts in _FORMATS.values()))
_VIDEO_CONTAINERS = frozenset(c for c, (kind, _) in _FORMATS.items() if kind == "video")


@dataclass(frozen=True)
class Frame:
    """One sampled frame: RGB pixels (H x W x 3, uint8) and where it sits in the media."""

    time_s: float
    image: np.ndarray = field(repr=False)
    reason: Literal["image", "uniform", "cut"] = "image"

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the decoded frame."""
        return int(self.image.shape[1]), int(self.image.shape[0])


@dataclass(frozen=True)
class DecodedMedia:
    """A decoded file: its identity, geometry and sampled frames."""

    source: str
    kind: MediaKind
    container: str
    sha256: str
    size_bytes: int
    width: int
    height: int
    duration_s: float | None
    fps: float | None
    frames: list[Frame] = field(repr=False)


def sniff_container(head: bytes) -> str | None:
    """The container a file's first bytes announce, or None when unrecognised."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return "isobmff"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    return None


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of the exact bytes (the "exact" channel)."""
    return hashlib.sha256(data).hexdigest()


def load_media(source: str | Path | bytes, config: EmbeddingsConfig | None = None,
               *, name: str | None = None) -> DecodedMedia:
    """Decode a file (path) or an upload (bytes) into sampled frames: every frame of a video is decoded.

    ``name`` labels bytes in errors and supplies the extension to check the
    sniffed type against (e.g. the upload's filename). Raises MediaError.
    Fingerprinting (registration and checks) decodes less: :func:`embeddings.sampling.load_sampled`.
    """
    config = config or EmbeddingsConfig()
    source_file = identify(source, config, name)
    if source_file.kind == "image":
        return _decode_image(source_file.data, source_file.label, source_file.container, source_file.digest, config)
    return _decode_video(source_file, config)


@dataclass(frozen=True)
class SourceFile:
    """A media file identified by its contents, before decoding.

    Bytes, images and sound are held in ``data``. A video named by its path is not: it is streamed
    from ``path`` (a title may be many gigabytes), ``data`` is empty, and ``stamp`` (size, change
    time, inode) is what :meth:`require_unchanged` compares once decoding is done, so fingerprints
    never describe other bytes than ``digest``."""

    data: bytes
    label: str
    container: str
    kind: str
    digest: str
    path: Path | None = None
    size_bytes: int = 0
    stamp: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        if self.path is None:
            object.__setattr__(self, "size_bytes", len(self.data))

    def for_decoder(self) -> str | io.BytesIO:
        """What FFmpeg opens: the file's path when streamed, else the bytes."""
        return str(self.path) if self.path is not None else io.BytesIO(self.data)

    def require_unchanged(self) -> None:
        """MediaError when a streamed file was changed or replaced after it was hashed."""
        if self.path is None or self.stamp is None:
            return
        try:
            now = _stamp(os.stat(self.path))
        except OSError as exc:
            raise MediaError(self.label, f"cannot be read: {exc.strerror or exc}") from exc
        if now != self.stamp:
            raise MediaError(self.label, "changed while it was being read (its size or change time differs from "
                                         "when it was hashed); read it again once it is written in full")


def _stamp(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ino


def identify(source: str | Path | bytes, config: EmbeddingsConfig, name: str | None) -> SourceFile:
    """Identify ``source`` by its contents: its container from its first bytes, its SHA-256; refuse an
    unknown type or a name that disagrees with the contents (MediaError).

    A video given by its path is hashed as a stream and left on disk (``max_title_bytes``); anything
    else is read into memory (``max_bytes``)."""
    if not isinstance(source, (bytes, bytearray, memoryview)):
        streamed = _identify_video_on_disk(Path(source), config, name)
        if streamed is not None:
            return streamed
    data, label, suffix = _read_source(source, config, name)
    container, kind = _container_of(data[:256], label, suffix)
    return SourceFile(data, label, container, kind, sha256_bytes(data))


def _container_of(head: bytes, label: str, suffix: str) -> tuple[str, str]:
    container = sniff_container(head[:16])
    if container is None:
        hint = _describe_unknown(head[:256])
        raise MediaError(label, f"not a supported image or video ({hint}); "
                         f"expected one of {', '.join(sorted(SUPPORTED_EXTENSIONS))}")
    kind, extensions = _FORMATS[container]
    if suffix and suffix not in extensions:
        raise MediaError(label, f"named '{suffix}' but its contents are {container.upper()}; "
                         f"the name and the type must agree")
    return container, kind


def _identify_video_on_disk(path: Path, config: EmbeddingsConfig, name: str | None) -> SourceFile | None:
    """The streamed SourceFile of a video file; None when ``path`` holds no video (it is read whole)."""
    label = name or str(path)
    try:
        with path.open("rb") as handle:
            before = os.fstat(handle.fileno())
            head = handle.read(256)
            if sniff_container(head[:16]) not in _VIDEO_CONTAINERS:
                return None
            container, kind = _container_of(head, label, Path(label).suffix.lower())
            if before.st_size > config.max_title_bytes:
                raise MediaError(label, f"is {before.st_size} bytes", limit=f"max_title_bytes={config.max_title_bytes}")
            handle.seek(0)
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        raise MediaError(label, f"cannot be read: {exc.strerror or exc}") from exc
    source_file = SourceFile(b"", label, container, kind, digest, path=path, size_bytes=before.st_size,
                             stamp=_stamp(before))
    source_file.require_unchanged()   # written to while it was hashed
    return source_file


def decode_image(source_file: SourceFile, config: EmbeddingsConfig) -> DecodedMedia:
    return _decode_image(source_file.data, source_file.label, source_file.container, source_file.digest, config)


def _read_source(source: str | Path | bytes, config: EmbeddingsConfig,
                 name: str | None) -> tuple[bytes, str, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = name or "<bytes>"
    else:
        path = Path(source)
        label = name or str(path)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise MediaError(label, f"cannot be read: {exc.strerror or exc}") from exc
        if size > config.max_bytes:
            raise MediaError(label, f"is {size} bytes", limit=f"max_bytes={config.max_bytes}")
        data = path.read_bytes()
    if len(data) > config.max_bytes:
        raise MediaError(label, f"is {len(data)} bytes", limit=f"max_bytes={config.max_bytes}")
    if not data:
        raise MediaError(label, "is empty")
    suffix = Path(name or label).suffix.lower() if (name or not isinstance(source, (bytes, bytearray, memoryview))) else ""
    return data, label, suffix


def peek(source: str | Path | bytes, name: str | None) -> tuple[bytes, str]:
    """A file's first 16 bytes (what its type is told from) and its label, without reading the rest."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source[:16]), name or "<bytes>"
    label = name or str(source)
    try:
        with Path(source).open("rb") as handle:
            return handle.read(16), label
    except OSError as exc:
        raise MediaError(label, f"cannot be read: {exc.strerror or exc}") from exc


read_source = _read_source
"""Public name of the reader: (bytes, label for errors, lower-case extension or "")."""


def _describe_unknown(head: bytes) -> str:
    text = head.lstrip().lower()
    if text.startswith(b"<?xml") or text.startswith(b"<svg"):
        return "looks like SVG/XML, which is not accepted"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF is not accepted"
    return "no known file signature: corrupt, truncated at the start, or another format"


def _fit(width: int, height: int, max_side: int) -> tuple[int, int]:
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def fit_within(image: np.ndarray, max_side: int) -> np.ndarray:
    """``image`` itself when its longer side is at most ``max_side``, else a copy shrunk (area averaging) to fit."""
    height, width = image.shape[:2]
    size = _fit(width, height, max_side)
    if size == (width, height):
        return image
    import cv2

    shrunk: np.ndarray = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return shrunk


def _decode_image(data: bytes, label: str, container: str, digest: str,
                  config: EmbeddingsConfig) -> DecodedMedia:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > config.max_pixels:
                raise MediaError(label, f"is {width}x{height} = {width * height} pixels",
                                 limit=f"max_pixels={config.max_pixels}")
            image.load()
            upright: Image.Image = ImageOps.exif_transpose(image) or image
    except MediaError:
        raise
    except Image.DecompressionBombWarning as exc:
        raise MediaError(label, str(exc), limit=f"max_pixels={config.max_pixels}") from exc
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise MediaError(label, f"cannot be decoded as {container.upper()}: {exc}") from exc
    rgb = upright.convert("RGB")
    rgb.thumbnail((config.frame_max_side, config.frame_max_side), Image.Resampling.BILINEAR)
    frame = Frame(time_s=0.0, image=np.asarray(rgb, dtype=np.uint8), reason="image")
    return DecodedMedia(source=label, kind="image", container=container, sha256=digest,
                        size_bytes=len(data), width=width, height=height,
                        duration_s=None, fps=None, frames=[frame])


@dataclass(frozen=True)
class VideoStream:
    """What intake knows about a video stream before decoding it: geometry, timing, the sampling grid."""

    width: int
    height: int
    duration_s: float | None
    fps: float | None
    interval_s: float
    """The uniform grid's step: ``uniform_interval_s``, stretched so the grid fills ~3/4 of the frame cap."""
    start_s: float
    """The stream's first timestamp; frame times are counted from it."""


def open_video(source_file: SourceFile) -> InputContainer:
    """A PyAV container reading the file (from disk when streamed); MediaError when it cannot be opened."""
    import av  # imported here: image-only callers need not load FFmpeg

    label, container = source_file.label, source_file.container
    try:
        return av.open(source_file.for_decoder(), mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(label, f"cannot be opened as {container} video: {exc}") from exc


def video_stream(handle: InputContainer, label: str, config: EmbeddingsConfig,
                 frame_cap: int | None = None) -> tuple[AVVideoStream, VideoStream]:
    """The first video stream of an open container, checked against the limits, and its timing.

    The sampling grid is stretched so that it fills at most ~3/4 of ``frame_cap`` (default
    ``max_frames_per_clip``), leaving room for shot cuts."""
    streams = handle.streams.video
    if not streams:
        raise MediaError(label, "contains no video stream")
    stream = streams[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if not width or not height:
        raise MediaError(label, "video stream has no frame size (truncated or corrupt)")
    if width * height > config.max_pixels:
        raise MediaError(label, f"frames are {width}x{height} = {width * height} pixels",
                         limit=f"max_pixels={config.max_pixels}")
    duration = _duration(handle, stream)
    if duration is not None and duration > config.max_duration_s:
        raise MediaError(label, f"lasts {duration:.1f} s", limit=f"max_duration_s={config.max_duration_s}")
    fps = float(stream.average_rate) if stream.average_rate else None
    interval = config.uniform_interval_s
    if duration:
        # keep room for shot cuts: the uniform grid takes at most ~3/4 of the cap
        interval = max(interval, duration / max(1, int((frame_cap or config.max_frames_per_clip) * 0.75)))
    base = stream.time_base
    start = float(stream.start_time * base) if stream.start_time is not None and base is not None else 0.0
    return stream, VideoStream(int(width), int(height), duration, fps, interval, start)


def _decode_video(source_file: SourceFile, config: EmbeddingsConfig) -> DecodedMedia:
    import av  # imported here: image-only callers need not load FFmpeg

    label, container, digest = source_file.label, source_file.container, source_file.digest
    started = time.monotonic()
    handle = open_video(source_file)
    with handle:
        stream, info = video_stream(handle, label, config)
        stream.thread_type = "AUTO"
        width, height, duration, fps = info.width, info.height, info.duration_s, info.fps
        interval, start = info.interval_s, info.start_s
        out_w, out_h = _fit(width, height, config.frame_max_side)
        frames: list[Frame] = []
        previous: np.ndarray | None = None
        next_uniform = 0.0
        decoded = 0
        try:
            for vframe in handle.decode(stream):
                decoded += 1
                if decoded > config.max_decoded_frames:
                    raise MediaError(label, f"has more than {config.max_decoded_frames} frames",
                                     limit=f"max_decoded_frames={config.max_decoded_frames}")
                if time.monotonic() - started > config.decode_timeout_s:
                    raise MediaError(label, f"took longer than {config.decode_timeout_s:.0f} s to decode",
                                     limit=f"decode_timeout_s={config.decode_timeout_s}")
                t = (float(vframe.pts * vframe.time_base) - start) if vframe.pts is not None and vframe.time_base \
                    else decoded / (fps or 25.0)
                if t > config.max_duration_s:
                    raise MediaError(label, f"runs past {config.max_duration_s:.0f} s",
                                     limit=f"max_duration_s={config.max_duration_s}")
                thumb = _thumbnail(vframe)
                is_cut = previous is not None and float(np.abs(thumb - previous).mean()) > config.shot_cut_threshold
                previous = thumb
                reason: Literal["uniform", "cut"] | None = None
                if t + 1e-6 >= next_uniform:
                    reason = "uniform"
                    next_uniform = (np.floor(t / interval + 1e-6) + 1) * interval
                elif is_cut:
                    reason = "cut"
                if reason is not None:
                    rgb = vframe.reformat(width=out_w, height=out_h, format="rgb24").to_ndarray()
                    frames.append(Frame(time_s=round(max(t, 0.0), 4), image=rgb, reason=reason))
        except MediaError:
            raise
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            if not frames:
                raise MediaError(label, f"video data cannot be decoded: {exc}") from exc
            # a damaged tail: keep what decoded cleanly, as players do
    if not frames:
        raise MediaError(label, "no decodable video frames (truncated or corrupt)")
    source_file.require_unchanged()
    frames = _cap(frames, config.max_frames_per_clip)
    if duration is None:
        duration = frames[-1].time_s
    return DecodedMedia(source=label, kind="video", container=container, sha256=digest,
                        size_bytes=source_file.size_bytes, width=width, height=height,
                        duration_s=duration, fps=fps, frames=frames)


def _thumbnail(vframe: "object") -> np.ndarray:
    """A 32 x 32 grey thumbnail (0..1) for shot-cut detection.

    For planar YUV frames each thumbnail pixel is the mean of 4 x 4 luma samples
    evenly spread over its block (a nearest-pixel-centre resize to 128 x 128, then
    4 x 4 block means: about 0.08 ms a 720p frame, 15x cheaper than a swscale
    conversion; every decoded frame pays it); other pixel formats go through swscale.
    """
    import cv2

    fmt = vframe.format.name  # type: ignore[attr-defined]  # PyAV frame
    if fmt in ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p"):
        plane = vframe.planes[0]  # type: ignore[attr-defined]  # PyAV frame
        h, w = int(vframe.height), int(vframe.width)  # type: ignore[attr-defined]  # PyAV frame
        if h >= 64 and w >= 64:
            luma = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:h, :w]
            samples = cv2.resize(luma, (128, 128), interpolation=cv2.INTER_NEAREST_EXACT).astype(np.float32)
            blocks = cv2.resize(samples, (32, 32), interpolation=cv2.INTER_AREA)
            if not fmt.startswith("yuvj"):   # limited-range luma (16..235) to full range, as swscale's grey
                blocks = (blocks - 16.0) * (255.0 / 219.0)
            result: np.ndarray = np.clip(blocks, 0.0, 255.0) / 255.0
            return result
    grey: np.ndarray = vframe.reformat(width=32, height=32, format="gray").to_ndarray()  # type: ignore[attr-defined]  # PyAV frame
    return grey.astype(np.float32) / 255.0


def _duration(handle: "object", stream: "object") -> float | None:
    if getattr(stream, "duration", None) is not None and stream.time_base is not None:  # type: ignore[attr-defined]  # PyAV's stubs omit it
        return float(stream.duration * stream.time_base)  # type: ignore[attr-defined]  # PyAV's stubs omit it
    if getattr(handle, "duration", None):
        return float(handle.duration) / 1_000_000  # type: ignore[attr-defined]  # PyAV's stubs omit it
    return None


def _cap(frames: list[Frame], cap: int) -> list[Frame]:
    """Keep at most ``cap`` frames, evenly spread over the sampled ones (cuts first among equals)."""
    if len(frames) <= cap:
        return frames
    picks = np.linspace(0, len(frames) - 1, cap).round().astype(int)
    return [frames[i] for i in sorted(set(picks.tolist()))]


def media_from_image_array(image: np.ndarray, *, source: str = "<array>", time_s: float = 0.0) -> DecodedMedia:
    """Wrap an RGB array (H x W x 3, uint8) as a one-frame image, e.g. a frame made in memory."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise MediaError(source, f"expected an H x W x 3 uint8 RGB array, got {image.shape} {image.dtype}")
    image = np.ascontiguousarray(image)
    return DecodedMedia(source=source, kind="image", container="array", sha256=sha256_bytes(image.tobytes()),
                        size_bytes=image.nbytes, width=image.shape[1], height=image.shape[0],
                        duration_s=None, fps=None, frames=[Frame(time_s=time_s, image=image, reason="image")])
