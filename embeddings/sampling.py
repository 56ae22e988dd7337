"""Decoding a video for fingerprinting: the frames sampled, and as little else as possible.

Registration and the check sample alike (the rule :mod:`embeddings.media`
applies when it decodes everything): the first frame at or after each point of
a uniform grid (one a second), plus a frame wherever a shot cut is seen. Both
decode through this module, so one file always gives the same frames, and
:func:`frame_at` finds one registered frame again by its time (a check's
evidence). Decoding every frame to find them costs
about 3 ms a 720p frame on this machine, 30 times the frames kept; here the
decoder is driven packet by packet, one group of pictures (keyframe to
keyframe) at a time:

- the group's packets are read first, so the grid frames in it are known by
  their timestamps before anything is decoded;
- a grid frame is decoded in full; every other packet is decoded only if
  other frames refer to it (FFmpeg's ``skip_frame = NONREF``), which skips
  most B-frames;
- after the group's last grid frame nothing more of it is decoded: the
  decoder is drained and reset, and decoding resumes at the next keyframe;
- a group with no grid frame in it is skipped whole when keyframes come more
  often than ``cut_probe_interval_s`` (an all-intra master, where every frame
  is a keyframe): then only one keyframe in that interval is decoded, to look
  for shot cuts, instead of every frame.

The grid frames are therefore the very frames, at the very timestamps, that
decoding everything samples. Shot cuts are looked for among the frames that
were decoded (reference frames and grid frames, and the keyframes, at least
``cut_probe_interval_s`` apart); a cut on
a skipped frame is seen on the next decoded one, and a cut in the undecoded
tail of a group is seen only at the next keyframe, up to a group later (unless
the encoder started a group at the cut, as encoders do). The one-a-second grid
covers every second either way. A group's packets are held until it is
decoded: a file with one keyframe is held whole (it is in memory already).
Frames come out at ``analysis_max_side`` (the size PDQ and ORB work at) for
registration, and at ``frame_max_side`` for a check, whose faces and evidence
thumbnails want the larger picture.

A group whose packets lack timestamps is decoded in full, as are the frames
before the first keyframe.

With ``decode_threads`` above 1 (a check's clip, a single ``register``),
closed groups are decoded side by side, each on a decoder of its own
(:class:`_ParallelGroups`), and their frames are handed to the sampling rule
in display order, so the frames, shot cuts and pixels are those of one
decoder. On the scale benchmark's 10 s 720p clip (three groups) decoding its
samples took 0.40 s, against 0.50 s with FFmpeg's own threads (which gain
little when most frames are skipped) and 0.59 s on one thread
(``benchmarks/results/group_decoding.json``). From the first open group on
(leading frames that refer to the group before) one decoder takes over.
"""

from __future__ import annotations

import math
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, cast

import numpy as np

from .config import EmbeddingsConfig
from .errors import MediaError
from .media import (DecodedMedia, Frame, SourceFile, _cap, _fit, _thumbnail, decode_image, identify, open_video,
                    video_stream)

if TYPE_CHECKING:
    from av.packet import Packet
    from av.video.codeccontext import VideoCodecContext
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream as AVVideoStream

_EPS = 1e-6
NO_PIXELS = np.zeros((0, 0, 3), np.uint8)
"""The image of a frame whose pixels were handed on and not kept (see ``load_sampled``'s ``on_frame``)."""


@dataclass
class _Sampler:
    """The sampling rule applied to decoded frames in display order (the same rule as decoding everything)."""

    config: EmbeddingsConfig
    interval_s: float
    start_s: float
    out_size: tuple[int, int]
    time_base: Fraction | None
    """The stream's: frames drained from the decoder carry none of their own."""
    next_uniform: float = 0.0
    previous: np.ndarray | None = None
    frames: list[Frame] = field(default_factory=list)
    decoded: int = 0
    on_frame: Callable[[Frame], None] | None = None
    """Handed each sampled frame as soon as it is decoded (work on it can start while decoding goes on)."""
    keep_pixels: bool = True
    """False: the frames kept carry no pixels once ``on_frame`` has had them (a long title's thousands
    of frames are not held in memory)."""

    def time_of(self, pts: int | None, time_base: Fraction | None) -> float | None:
        if pts is None or time_base is None:
            return None
        return float(pts * time_base) - self.start_s

    def take(self, vframe: VideoFrame, not_before: float | None) -> None:
        """Look at one decoded frame; keep it when it is a grid frame or the first of a shot.

        ``not_before``: after the decoder was reset, frames shown before the
        group's keyframe (an open group's leading frames) miss their references
        and are ignored."""
        self.decoded += 1
        t = self.time_of(vframe.pts, vframe.time_base or self.time_base)
        if t is None:
            t = self.decoded / 25.0
        if not_before is not None and t < not_before - _EPS:
            return
        self.consider(t, _thumbnail(vframe), lambda: self.picture(vframe))

    def picture(self, vframe: VideoFrame) -> np.ndarray:
        """A decoded frame as RGB at the size frames come out at."""
        return vframe.reformat(width=self.out_size[0], height=self.out_size[1], format="rgb24").to_ndarray()

    def consider(self, t: float, thumb: np.ndarray, picture: Callable[[], np.ndarray]) -> None:
        """Apply the rule to the next decoded frame in display order, shown at ``t`` (its grey
        ``thumb``); ``picture`` gives its pixels when it is kept."""
        is_cut = self.previous is not None and _is_cut(thumb, self.previous, self.config)
        self.previous = thumb
        reason: Literal["uniform", "cut"] | None = None
        if t + _EPS >= self.next_uniform:
            reason = "uniform"
            self.next_uniform = _next_grid_point(t, self.interval_s)
        elif is_cut:
            reason = "cut"
        if reason is not None:
            frame = Frame(time_s=round(max(t, 0.0), 4), image=picture(), reason=reason)
            if self.on_frame is not None:
                self.on_frame(frame)
            self.frames.append(frame if self.keep_pixels else Frame(frame.time_s, NO_PIXELS, frame.reason))


def _is_cut(thumb: np.ndarray, previous: np.ndarray, config: EmbeddingsConfig) -> bool:
    """Whether two consecutive decoded frames' thumbnails differ as a shot cut does."""
    return float(np.abs(thumb - previous).mean()) > config.shot_cut_threshold


def _densely_probed(key_t: float, probed: float | None, config: EmbeddingsConfig) -> bool:
    """Whether a keyframe comes within ``cut_probe_interval_s`` of the last one decoded (an intra master):
    when it holds no grid frame either, it is not decoded."""
    return probed is not None and key_t - probed < config.cut_probe_interval_s - _EPS


def _next_grid_point(t: float, interval: float) -> float:
    return (math.floor(t / interval + _EPS) + 1) * interval


@dataclass(frozen=True)
class GroupPlan:
    """What of one group of pictures registration decodes."""

    targets: frozenset[int]
    """Packets (indexes in decode order) holding grid frames: decoded in full."""
    last: int
    """The last packet sent to the decoder; the rest of the group is skipped."""
    carried: frozenset[float]
    """Display times of grid frames among the next group's leading frames (shown before its keyframe)."""
    next_uniform: float
    """The grid point after those planned."""


def plan_group(times: Sequence[float | None], next_uniform: float, interval: float, *,
               carried: frozenset[float] = frozenset(), next_leading: tuple[float, ...] = ()) -> GroupPlan:
    """The plan for one group (``times``: its packets' display times in decode order; ``times[0]`` the keyframe's).

    A grid frame is the first frame shown at or after a grid point, as when
    decoding everything. Frames of this group shown before its keyframe (an
    open group's leading frames) belong to the previous group's span: they are
    grid frames when the previous plan ``carried`` their times. The next
    group's leading frames (``next_leading``) belong to this group's span; when
    one of them is a grid frame this group is decoded to its end, so that frame
    keeps its references. A group with a packet of unknown time is sent whole,
    its grid frames left to the sampler."""
    if not times or any(t is None for t in times):
        return GroupPlan(frozenset(range(len(times))), len(times) - 1, frozenset(), next_uniform)
    known = [float(t) for t in times if t is not None]
    key_t = known[0]
    targets = {i for i, t in enumerate(known) if t < key_t - _EPS and t in carried}
    span = sorted([(t, i) for i, t in enumerate(known) if t >= key_t - _EPS] + [(t, -1) for t in next_leading])
    carry: set[float] = set()
    for t, i in span:
        if t + _EPS >= next_uniform:
            (carry.add(t) if i < 0 else targets.add(i))
            next_uniform = _next_grid_point(t, interval)
    last = len(known) - 1 if carry else max(targets, default=0)
    return GroupPlan(frozenset(targets), last, frozenset(carry), next_uniform)


def load_sampled(source: str | Path | bytes, config: EmbeddingsConfig | None = None,
                 *, name: str | None = None, max_side: int | None = None,
                 on_frame: Callable[[Frame], None] | None = None, whole_title: bool = False) -> DecodedMedia:
    """Decode a file for fingerprinting: an image whole; a video only as far as the sampling needs.

    The same grid frames as decoding every frame (:func:`embeddings.media.load_media`), at the same
    timestamps; frames nothing refers to are not decoded unless they are a grid frame, and each group
    of pictures stops decoding after its last grid frame. Shot cuts are then seen on the frames that
    were decoded. Video frames come out with their longer side at most ``max_side`` (default
    ``analysis_max_side``, what registration fingerprints at; never above ``frame_max_side``).
    ``on_frame`` is handed each sampled video frame as it is decoded; the returned media holds the
    frames kept (the frame cap may leave some of those out).

    ``whole_title`` (registration): sample up to ``max_frames_per_asset`` frames instead of
    ``max_frames_per_clip``, allow decoding as long as the video runs when that is longer than
    ``decode_timeout_s``, and, given ``on_frame``, keep no pixels (frames come back with
    :data:`NO_PIXELS`): the caller fingerprints each frame as it comes.
    """
    config = config or EmbeddingsConfig()
    source_file = identify(source, config, name)
    if source_file.kind == "image":
        return decode_image(source_file, config)
    return _decode_video_sampled(source_file, config, min(config.frame_max_side, max_side or config.analysis_max_side),
                                 on_frame, whole_title)


def frame_at(source: str | Path | bytes, time_s: float, config: EmbeddingsConfig | None = None, *,
             name: str | None = None, max_side: int | None = None) -> DecodedMedia:
    """The one frame shown at ``time_s`` (a time a sampled frame was taken at), found by seeking.

    A registered title may be hours long: decoding it to show one matched frame would take minutes,
    so this seeks to the keyframe before ``time_s`` and decodes from there. An image is decoded whole.
    Frames come out at ``max_side`` (default ``frame_max_side``). Raises MediaError.
    """
    import av

    config = config or EmbeddingsConfig()
    source_file = identify(source, config, name)
    if source_file.kind == "image":
        return decode_image(source_file, config)
    label = source_file.label
    handle = open_video(source_file)
    found: Frame | None = None
    with handle:
        stream, info = video_stream(handle, label, config, frame_cap=config.max_frames_per_asset)
        size = _fit(info.width, info.height, min(config.frame_max_side, max_side or config.frame_max_side))
        try:
            if stream.time_base is not None:
                handle.seek(int((time_s + info.start_s) / stream.time_base), stream=stream, backward=True)
            for vframe in handle.decode(stream):
                if vframe.pts is None or vframe.time_base is None:
                    continue
                t = float(vframe.pts * vframe.time_base) - info.start_s
                if t + 1e-3 >= time_s:
                    rgb = vframe.reformat(width=size[0], height=size[1], format="rgb24").to_ndarray()
                    found = Frame(time_s=round(max(t, 0.0), 4), image=rgb, reason="uniform")
                    break
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            raise MediaError(label, f"video data cannot be decoded at {time_s:.3f} s: {exc}") from exc
    if found is None:
        raise MediaError(label, f"has no frame at {time_s:.3f} s")
    source_file.require_unchanged()
    return DecodedMedia(source=label, kind="video", container=source_file.container, sha256=source_file.digest,
                        size_bytes=source_file.size_bytes, width=info.width, height=info.height,
                        duration_s=info.duration_s, fps=info.fps, frames=[found])


def _decode_video_sampled(source_file: SourceFile, config: EmbeddingsConfig, max_side: int,
                          on_frame: Callable[[Frame], None] | None, whole_title: bool) -> DecodedMedia:
    """The frames sampled from a video (see the module docstring). Raises MediaError."""
    import av

    label, container, digest = source_file.label, source_file.container, source_file.digest

    started = time.monotonic()
    handle = open_video(source_file)
    with handle:
        cap = config.max_frames_per_asset if whole_title else config.max_frames_per_clip
        stream, info = video_stream(handle, label, config, frame_cap=cap)
        timeout_s = max(config.decode_timeout_s, info.duration_s or 0.0) if whole_title else config.decode_timeout_s
        if config.decode_threads == 1:
            stream.thread_type = "NONE"
        else:
            stream.thread_type = "AUTO"
            stream.codec_context.thread_count = config.decode_threads
        sampler = _Sampler(config, info.interval_s, info.start_s,
                           _fit(info.width, info.height, max_side),
                           stream.time_base, on_frame=on_frame, keep_pixels=not (whole_title and on_frame))

        def check_time() -> None:
            if time.monotonic() - started > timeout_s:
                raise MediaError(label, f"took longer than {timeout_s:.0f} s to decode",
                                 limit=f"decode_timeout_s={config.decode_timeout_s}"
                                       + (" (or the video's length, when longer)" if whole_title else ""))

        workers = group_workers(config)
        decoder: _GroupDecoder | _ParallelGroups = (
            _ParallelGroups(stream, sampler, workers, check_time) if workers > 1 else _GroupDecoder(stream, sampler))
        group: list[Packet[AVVideoStream]] = []
        packets = 0
        try:
            for packet in handle.demux(stream):
                if packet.size == 0:   # the demuxer's end-of-stream marker
                    continue
                packets += 1
                if packets > config.max_decoded_frames:
                    raise MediaError(label, f"has more than {config.max_decoded_frames} frames",
                                     limit=f"max_decoded_frames={config.max_decoded_frames}")
                check_time()
                t = sampler.time_of(packet.pts, packet.time_base)
                if t is not None and t > config.max_duration_s:
                    raise MediaError(label, f"runs past {config.max_duration_s:.0f} s",
                                     limit=f"max_duration_s={config.max_duration_s}")
                if packet.is_keyframe and group:
                    decoder.push(group)
                    group = []
                group.append(packet)
            decoder.push(group)
            decoder.finish()
        except MediaError:
            raise
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            if not sampler.frames:
                raise MediaError(label, f"video data cannot be decoded: {exc}") from exc
            # a damaged tail: keep what decoded cleanly, as players do
        finally:
            if isinstance(decoder, _ParallelGroups):
                decoder.close()
    frames = sampler.frames
    if not frames:
        raise MediaError(label, "no decodable video frames (truncated or corrupt)")
    source_file.require_unchanged()
    frames = _cap(frames, cap)
    duration = info.duration_s if info.duration_s is not None else frames[-1].time_s
    return DecodedMedia(source=label, kind="video", container=container, sha256=digest,
                        size_bytes=source_file.size_bytes, width=info.width, height=info.height,
                        duration_s=duration, fps=info.fps, frames=frames)


@dataclass
class _GroupDecoder:
    """Sends one group of pictures at a time to the decoder, as far as its plan says.

    A group is decoded once the next one has been read (its leading frames may
    belong to this group's span)."""

    stream: AVVideoStream
    sampler: _Sampler
    waiting: list[Packet[AVVideoStream]] = field(default_factory=list)
    plan_next: float = 0.0
    carried: frozenset[float] = frozenset()
    reset: bool = False
    """The decoder was drained and reset before this group: its leading frames lack references."""
    skip: str = "DEFAULT"
    not_before: float | None = None
    probed: float | None = None
    """Display time of the last keyframe decoded."""

    def _skip(self, mode: str) -> None:
        if mode != self.skip:
            self.stream.codec_context.skip_frame = mode  # type: ignore[assignment]  # PyAV takes the enum's name
            self.skip = mode

    def _times(self, group: list[Packet[AVVideoStream]]) -> list[float | None]:
        return [self.sampler.time_of(p.pts, p.time_base) for p in group]

    def push(self, group: list[Packet[AVVideoStream]]) -> None:
        """Take the next group (``[]`` at the end) and decode the one before it."""
        if self.waiting:
            self._run(self.waiting, self._times(group))
        self.waiting = group

    def _run(self, group: list[Packet[AVVideoStream]], following: list[float | None]) -> None:
        times = self._times(group)
        key_t = times[0]
        self.plan_next = max(self.plan_next, self.sampler.next_uniform)
        leading: tuple[float, ...] = ()
        if following and following[0] is not None and all(t is not None for t in following):
            leading = tuple(float(t) for t in following if t is not None and t < following[0] - _EPS)
        if not group[0].is_keyframe:   # frames before the first keyframe: decode them all
            plan = GroupPlan(frozenset(range(len(group))), len(group) - 1, frozenset(), self.plan_next)
        else:
            plan = plan_group(times, self.plan_next, self.sampler.interval_s, carried=self.carried, next_leading=leading)
        self.plan_next, self.carried = plan.next_uniform, plan.carried
        if (group[0].is_keyframe and not plan.targets and not plan.carried and key_t is not None
                and _densely_probed(key_t, self.probed, self.sampler.config)):
            self._skip_group()   # keyframes come densely (an intra master): this one shows nothing needed
            return
        if group[0].is_keyframe and key_t is not None:
            self.probed = key_t
        self.not_before = key_t if self.reset else None
        self.reset = False
        codec = self.stream.codec_context
        for i, packet in enumerate(group[: plan.last + 1]):
            self._skip("DEFAULT" if i in plan.targets else "NONREF")
            for vframe in codec.decode(packet):
                self.sampler.take(vframe, self.not_before)
        if plan.last < len(group) - 1:   # the rest of the group holds no grid frame: drain, reset, skip it
            self._reset()

    def _skip_group(self) -> None:
        """Send none of this group to the decoder; the next group starts from a reset decoder."""
        if not self.reset:
            self._reset()

    def _reset(self) -> None:
        self.drain()
        self.stream.codec_context.flush_buffers()
        self.reset = True

    def finish(self) -> None:
        """Decode the last group, then what the decoder still holds."""
        self.push([])
        self.drain()

    def drain(self) -> None:
        """The frames the decoder still holds (it reorders), then an end of stream."""
        self._skip("DEFAULT")
        for vframe in self.stream.codec_context.decode(None):
            self.sampler.take(vframe, self.not_before)


def group_workers(config: EmbeddingsConfig) -> int:
    """Threads a video's groups of pictures are decoded on (``decode_threads``; 0: the usable cores, at most 4)."""
    if config.decode_threads:
        return config.decode_threads
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(usable, 4))


def _closed_times(group: list[Packet[AVVideoStream]], sampler: _Sampler) -> list[float] | None:
    """The packets' display times when ``group`` can be decoded on a decoder of its own: it starts with a
    keyframe, every packet has a time, and none is shown before the keyframe (an open group's leading
    frames refer to the group before); None otherwise."""
    times = [sampler.time_of(p.pts, p.time_base) for p in group]
    known = [t for t in times if t is not None]
    if not group or not group[0].is_keyframe or len(known) < len(times) or min(known) < known[0] - _EPS:
        return None
    return known


@dataclass(frozen=True)
class _Decoded:
    """One frame a group's decoder produced: its time, its grey thumbnail, its pixels when it may be kept."""

    time_s: float
    thumb: np.ndarray
    picture: np.ndarray | None


def _may_be_kept(previous: _Decoded | None, t: float, thumb: np.ndarray, sampler: _Sampler) -> bool:
    """Whether the sampler could keep a frame shown at ``t``, knowing only the frame decoded before it in
    its group: a group's first frame (compared with the group before), a frame at or past a grid point
    the previous one was short of, a cut. A superset of what :meth:`_Sampler.consider` keeps."""
    if previous is None:
        return True
    interval = sampler.interval_s
    if math.floor(t / interval + 1e-3) != math.floor(previous.time_s / interval - 1e-3):
        return True
    return _is_cut(thumb, previous.thumb, sampler.config)


def _decode_group(stream: AVVideoStream, sampler: _Sampler, packets: list[Packet[AVVideoStream]],
                  targets: frozenset[int]) -> list[_Decoded]:
    """Decode one closed group on a decoder of its own (grid frames in full, other packets only when
    referred to), in display order, with pixels for the frames the sampler may keep."""
    import av

    codec = cast("VideoCodecContext", av.CodecContext.create(stream.codec_context.codec.name, "r"))
    if stream.codec_context.extradata:
        codec.extradata = stream.codec_context.extradata
    codec.thread_type = "NONE"
    decoded: list[_Decoded] = []

    def look(vframe: VideoFrame) -> None:
        t = sampler.time_of(vframe.pts, vframe.time_base or sampler.time_base)
        if t is None:
            return
        thumb = _thumbnail(vframe)
        previous = decoded[-1] if decoded else None
        picture = sampler.picture(vframe) if _may_be_kept(previous, t, thumb, sampler) else None
        decoded.append(_Decoded(t, thumb, picture))

    for i, packet in enumerate(packets):
        codec.skip_frame = "DEFAULT" if i in targets else "NONREF"
        for vframe in codec.decode(packet):
            look(vframe)
    codec.skip_frame = "DEFAULT"
    for vframe in codec.decode(None):
        look(vframe)
    return decoded


class _ParallelGroups:
    """Decodes closed groups of pictures side by side, each on a decoder of its own, and hands their
    frames to the sampler in display order: the same frames, plans and shot cuts as :class:`_GroupDecoder`,
    which takes over from the first open group (its leading frames need the group before) to the end.

    At most one group more than there are workers is in flight (and one being read), so a long
    title is never held."""

    def __init__(self, stream: AVVideoStream, sampler: _Sampler, workers: int, check_time: Callable[[], None]) -> None:
        self.stream, self.sampler, self.check_time = stream, sampler, check_time
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="decode")
        self.in_flight = workers + 1
        self.pending: deque[Future[list[_Decoded]]] = deque()
        self.waiting: tuple[list[Packet[AVVideoStream]], list[float]] | None = None
        """The group read last, with its packets' times: decoded once the next one is read."""
        self.sequential: _GroupDecoder | None = None
        self.plan_next = 0.0
        self.probed: float | None = None

    def push(self, group: list[Packet[AVVideoStream]]) -> None:
        """Take the next group (``[]`` at the end)."""
        if self.sequential is not None:
            self.sequential.push(group)
            return
        times = _closed_times(group, self.sampler) if group else []
        if times is None:
            self._hand_over([*([self.waiting[0]] if self.waiting else []), group])
            return
        if self.waiting:
            self._submit(*self.waiting)
        self.waiting = (group, times) if group else None

    def finish(self) -> None:
        if self.sequential is not None:
            self.sequential.finish()
            return
        if self.waiting:
            self._submit(*self.waiting)
            self.waiting = None
        while self.pending:
            self._merge(self.pending.popleft())

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, group: list[Packet[AVVideoStream]], times: list[float]) -> None:
        plan = plan_group(times, self.plan_next, self.sampler.interval_s)
        self.plan_next = plan.next_uniform
        if not plan.targets and _densely_probed(times[0], self.probed, self.sampler.config):
            return   # keyframes come densely (an intra master): this one shows nothing needed
        self.probed = times[0]
        self.pending.append(self.pool.submit(_decode_group, self.stream, self.sampler, group[: plan.last + 1],
                                             plan.targets))
        while self.pending and (len(self.pending) > self.in_flight or self.pending[0].done()):
            self._merge(self.pending.popleft())

    def _merge(self, future: Future[list[_Decoded]]) -> None:
        self.check_time()
        for frame in future.result():
            self.sampler.consider(frame.time_s, frame.thumb, _pixels(frame))

    def _hand_over(self, groups: list[list[Packet[AVVideoStream]]]) -> None:
        """Decode ``groups`` and every later one in sequence, after the groups already sent."""
        while self.pending:
            self._merge(self.pending.popleft())
        self.sequential = _GroupDecoder(self.stream, self.sampler, plan_next=self.plan_next, probed=self.probed)
        self.waiting = None
        for group in groups:
            self.sequential.push(group)


def _pixels(frame: _Decoded) -> Callable[[], np.ndarray]:
    def get() -> np.ndarray:
        if frame.picture is None:   # _may_be_kept is a superset of what the sampler keeps
            raise AssertionError(f"a frame at {frame.time_s:.3f} s was kept without its pixels")
        return frame.picture
    return get
