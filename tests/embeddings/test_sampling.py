"""Sampled decoding (embeddings/sampling.py): the frames decoding everything would sample, and copies still found.

Registration and checks decode only what the sampling needs (grid frames in full, other frames only
when referred to, nothing after a group's last grid frame), and get the same frames from one file. These tests hold it to the frames that
decoding every frame samples, across the group structures encoders produce, and show that an
excerpt of a registered video, re-encoded, is still found where it was cut from.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from embeddings import EmbeddingsConfig, Fingerprinter, IndexSet, load_media, match
from embeddings.errors import MediaError
from embeddings.sampling import _Sampler, frame_at, load_sampled, plan_group

CONFIG = EmbeddingsConfig(semantic_enabled=False, voice_enabled=False, identity_enabled=False)


def _clip(path: Path, *, seconds: float = 6.0, fps: int = 25, options: dict[str, str] | None = None,
          codec: str = "libx264", cut_at: float = 2.6, pix_fmt: str = "yuv420p") -> Path:
    """A 480x270 clip of a drifting random texture, with a hard cut to another texture at ``cut_at`` s."""
    rng = np.random.default_rng(7)
    first = rng.integers(120, 255, (34, 60, 3), dtype=np.uint8)
    second = rng.integers(0, 90, (34, 60, 3), dtype=np.uint8)
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream(codec, rate=fps, options=options or {})
        stream.width, stream.height, stream.pix_fmt = 480, 270, pix_fmt
        for i in range(int(seconds * fps)):
            base = first if i < cut_at * fps else second
            big = np.asarray(Image.fromarray(base).resize((540, 300), Image.Resampling.BILINEAR))
            picture = np.ascontiguousarray(big[i % 30: i % 30 + 270, 2 * (i % 30): 2 * (i % 30) + 480])
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _x264(params: str) -> dict[str, str]:
    return {"x264-params": params}


GROUPS = {
    "groups of 10 s, B-pyramid": ("libx264", _x264("keyint=250:b-pyramid=normal")),
    "groups of 0.48 s": ("libx264", _x264("keyint=12:min-keyint=12:scenecut=0")),
    "groups of 1.6 s": ("libx264", _x264("keyint=40:min-keyint=40:scenecut=0")),
    "open groups of 1.6 s": ("libx264", _x264("keyint=40:min-keyint=40:scenecut=0:open-gop=1")),
    "MPEG-4 part 2, groups of 1.2 s": ("mpeg4", {"g": "30", "bf": "2"}),
    "all-intra H.264": ("libx264", _x264("keyint=1")),
}


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_registration_samples_the_frames_decoding_everything_samples(tmp_path: Path, group: str) -> None:
    codec, options = GROUPS[group]
    path = _clip(tmp_path / "clip.mp4", codec=codec, options=options)
    every = load_media(path, CONFIG)
    registered = load_sampled(path, CONFIG)
    grid = [f.time_s for f in every.frames if f.reason == "uniform"]
    assert grid == pytest.approx([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], abs=0.05)
    assert [f.time_s for f in registered.frames if f.reason == "uniform"] == grid   # the very same frames
    by_time = {f.time_s: f.image for f in every.frames}
    for frame in registered.frames:
        assert max(frame.image.shape[:2]) <= CONFIG.analysis_max_side
        if frame.time_s in by_time:   # the same picture: the full decode's frame at the registered size
            full = np.asarray(Image.fromarray(by_time[frame.time_s]).resize(frame.size, Image.Resampling.BILINEAR))
            assert float(np.abs(full.astype(int) - frame.image.astype(int)).mean()) < 6.0, frame.time_s
    assert [f.time_s for f in every.frames if f.reason == "cut"] == pytest.approx([2.6], abs=0.05)
    # the second shot is registered before the grid reaches it: at its cut, or (where the cut fell in
    # a group's skipped tail and the encoder started no group there) at the next keyframe
    assert [f for f in registered.frames if f.reason == "cut" and 2.59 <= f.time_s < 3.0]
    assert (registered.sha256, registered.duration_s) == (every.sha256, every.duration_s)
    checked = load_sampled(path, CONFIG, max_side=CONFIG.frame_max_side)   # how a check decodes the file
    assert [(f.time_s, f.reason) for f in checked.frames] == [(f.time_s, f.reason) for f in registered.frames]
    assert max(checked.frames[0].image.shape[:2]) == min(CONFIG.frame_max_side, 480)


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_groups_decoded_side_by_side_give_the_frames_one_decoder_gives(tmp_path: Path, group: str) -> None:
    """A check's clip is decoded a group of pictures per thread, a title under ``register --bulk`` by one
    decoder in sequence: the same frames, times, shot cuts and pixels either way (open groups hand over
    to the one decoder, as their leading frames refer to the group before)."""
    codec, options = GROUPS[group]
    path = _clip(tmp_path / "clip.mp4", codec=codec, options=options)
    in_sequence = load_sampled(path, CONFIG.with_(decode_threads=1), max_side=CONFIG.frame_max_side)
    side_by_side = load_sampled(path, CONFIG.with_(decode_threads=2), max_side=CONFIG.frame_max_side)
    assert [(f.time_s, f.reason) for f in side_by_side.frames] == [(f.time_s, f.reason) for f in in_sequence.frames]
    assert len(side_by_side.frames) >= 7   # the grid's six and the cut
    for ours, theirs in zip(side_by_side.frames, in_sequence.frames):
        assert np.array_equal(ours.image, theirs.image), ours.time_s


@pytest.mark.parametrize("damage", ["garbage in the middle", "cut short"])
def test_damaged_video_gives_the_same_frames_on_either_path(tmp_path: Path, damage: str) -> None:
    """Garbage inside a group, or a file cut short mid-group: groups decoded side by side keep what one
    decoder keeps (what decoded cleanly), and nothing but a MediaError ever leaves."""
    path = _clip(tmp_path / "clip.mkv", options=_x264("keyint=40:min-keyint=40:scenecut=0"))
    data = bytearray(path.read_bytes())
    if damage == "cut short":
        data = data[: int(len(data) * 0.6)]
    else:
        at = len(data) // 2
        data[at: at + 2_000] = bytes(range(256)) * 7 + bytes(208)
    outcomes = []
    for threads in (1, 2):
        try:
            media = load_sampled(bytes(data), CONFIG.with_(decode_threads=threads), name="damaged.mkv")
            outcomes.append([(f.time_s, f.reason) for f in media.frames])
        except MediaError as exc:
            outcomes.append([("refused", str(exc))])
    assert outcomes[0] == outcomes[1]
    assert outcomes[1][:3] == [(0.0, "uniform"), (1.0, "uniform"), (2.0, "uniform")]   # what came before the damage


def test_an_all_intra_master_is_decoded_a_few_frames_a_second(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every frame of a ProRes master is a keyframe: only grid frames and a keyframe every
    ``cut_probe_interval_s`` (to see shot cuts) are decoded, not 25 a second."""
    path = _clip(tmp_path / "master.mov", codec="prores_ks", pix_fmt="yuv422p10le")
    decoded: list[float] = []
    consider = _Sampler.consider

    def counting(self: _Sampler, t: float, thumb: np.ndarray, picture: Callable[[], np.ndarray]) -> None:
        decoded.append(t)
        consider(self, t, thumb, picture)

    monkeypatch.setattr(_Sampler, "consider", counting)
    registered = load_sampled(path, CONFIG)
    sparse = len(decoded)
    decoded.clear()
    every_keyframe = load_sampled(path, CONFIG.with_(cut_probe_interval_s=0.0))
    assert len(decoded) == 150 and sparse <= 6 * 5   # 6 s at 25 fps: at most ~5 a second instead of 25
    grid = [f.time_s for f in every_keyframe.frames if f.reason == "uniform"]
    assert [f.time_s for f in registered.frames if f.reason == "uniform"] == grid == pytest.approx(
        [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], abs=0.05)
    # the second shot (cut at 2.6 s) is seen within a probe interval and a frame of the cut
    assert [f for f in registered.frames if f.reason == "cut" and 2.59 <= f.time_s < 2.6 + 0.25 + 0.05]


def test_a_group_is_decoded_as_far_as_its_last_grid_frame() -> None:
    # keyframe at 2.2 s, grid already served up to 3.0 s: only the keyframe is sent
    plan = plan_group([2.2, 2.36, 2.28, 2.32, 2.44, 2.4], 3.0, 1.0)
    assert (plan.targets, plan.last, plan.next_uniform) == (frozenset(), 0, 3.0)
    # grid point 3.0 inside: the packet shown at 3.0 is the grid frame and the last one sent
    plan = plan_group([2.8, 3.04, 2.92, 2.88, 2.96, 3.0, 3.2], 3.0, 1.0)
    assert (plan.targets, plan.last, plan.next_uniform) == (frozenset({5}), 5, 4.0)
    # the next group's leading frames show 3.96 and 4.0 before its keyframe at 4.04: the frame at
    # 4.0 is the grid frame, so this group is decoded to its end, and the next plan takes it
    plan = plan_group([3.0, 3.12, 3.04, 3.08], 3.0, 1.0, next_leading=(3.96, 4.0))
    assert (plan.targets, plan.last, plan.carried) == (frozenset({0}), 3, frozenset({4.0}))
    after = plan_group([4.04, 3.96, 4.0, 4.16], plan.next_uniform, 1.0, carried=plan.carried)
    assert 2 in after.targets and after.next_uniform == 5.0
    # a packet without a time: the whole group goes to the decoder, every frame in full
    unknown = plan_group([1.0, None, 1.1], 1.0, 1.0)
    assert (unknown.targets, unknown.last) == (frozenset({0, 1, 2}), 2)


def _excerpt(source: Path, target: Path, start_s: float, seconds: float) -> Path:
    """``seconds`` of ``source`` from ``start_s``, re-encoded (MPEG-4 part 2, 24 fps, 3/4 size)."""
    with av.open(str(source)) as src:
        decoded = [(float(f.pts * f.time_base), f.to_ndarray(format="rgb24")) for f in src.decode(video=0)]
    times = np.array([t for t, _ in decoded])
    height, width = decoded[0][1].shape[:2]
    with av.open(str(target), mode="w") as out:
        stream = out.add_stream("mpeg4", rate=24)
        stream.width, stream.height, stream.pix_fmt = width * 3 // 8 * 2, height * 3 // 8 * 2, "yuv420p"
        for i in range(int(seconds * 24)):
            picture = decoded[int(np.searchsorted(times, start_s + i / 24).clip(0, len(decoded) - 1))][1]
            small = np.asarray(Image.fromarray(picture).resize((stream.width, stream.height), Image.Resampling.BILINEAR))
            for packet in stream.encode(av.VideoFrame.from_ndarray(small, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return target


@pytest.mark.corpus
@pytest.mark.parametrize("tier", ["resident", pytest.param("compact", marks=pytest.mark.xfail(strict=True, reason=(
    "known gap (issue 23): with its stored keypoints (230 a frame, 96 bits) the compact tier's best candidate for "
    "the 3/4-size re-encoded chair excerpt at 7.4 s has 22 RANSAC inliers, under the 24 required (the resident "
    "tier's 500 full descriptors give 26-27); strict, so a fix shows")))])
def test_a_three_second_excerpt_of_a_registered_video_is_found_where_it_was_cut(
        shared_data: Path, tmp_path: Path, tier: str) -> None:
    fingerprinter = Fingerprinter(CONFIG.with_(index_tier=tier))
    indexes = IndexSet(tmp_path / "ix", fingerprinter.config)
    video = shared_data / "video"
    for name in ("chair-orig-22-sd-bar.mp4", "pattern-hd-no-bar.mp4", "short_hamilton_clip.mp4"):
        indexes.add_asset(name, fingerprinter.fingerprint_file(video / name, purpose="reference"))
    for source, start in (("chair-orig-22-sd-bar.mp4", 7.4), ("chair-orig-22-sd-bar.mp4", 16.7),
                          ("pattern-hd-no-bar.mp4", 2.3)):
        excerpt = _excerpt(video / source, tmp_path / f"excerpt-{start}.mp4", start, 3.0)
        result = match(fingerprinter.fingerprint_file(excerpt, purpose="query"), indexes)
        assert [o.owner for o in result.owners] == [source], (source, start)
        alignment = result.owners[0].alignment
        if alignment is not None:   # where it says where the excerpt sits, it says so rightly
            assert alignment.offset_s + alignment.rate * 1.5 == pytest.approx(start + 1.5, abs=1.0)


def test_a_registered_title_is_sampled_every_second_for_its_whole_length(tmp_path: Path) -> None:
    """Registration's cap is per title (``max_frames_per_asset``): a video longer than a check's frame cap
    keeps one frame a second instead of a grid stretched to fit ``max_frames_per_clip``."""
    path = _clip(tmp_path / "title.mp4", seconds=12.0, fps=10)
    config = CONFIG.with_(max_frames_per_clip=4)
    checked = load_sampled(path, config, max_side=config.frame_max_side)
    registered = load_sampled(path, config, whole_title=True)
    assert len(checked.frames) <= 4
    grid = [f.time_s for f in registered.frames if f.reason == "uniform"]
    assert grid == pytest.approx([float(s) for s in range(12)], abs=0.11)


def test_a_title_is_fingerprinted_as_it_is_decoded_and_its_pixels_are_not_kept(tmp_path: Path) -> None:
    """A 2-hour title at one frame a second is 7,200 pictures (5 GB at 640 x 360): registration hands each
    to the fingerprinter as it is decoded and keeps only its fingerprints, with one or two threads alike."""
    path = _clip(tmp_path / "title.mp4", seconds=8.0, fps=10)
    seen: list[tuple[float, tuple[int, ...]]] = []
    media = load_sampled(path, CONFIG, whole_title=True, on_frame=lambda f: seen.append((f.time_s, f.image.shape)))
    assert [t for t, _ in seen] == [f.time_s for f in media.frames]
    assert all(shape[0] > 0 for _, shape in seen) and all(f.image.size == 0 for f in media.frames)
    results = [Fingerprinter(CONFIG.with_(fingerprint_threads=n)).fingerprint_file(path, purpose="reference")
               for n in (1, 2)]
    for fps in results:
        assert len(fps.frames) == len(media.frames) and all(f.pdq and f.keypoints is not None for f in fps.frames)
    assert [f.pdq for f in results[0].frames] == [f.pdq for f in results[1].frames]


def test_a_registered_frame_is_found_again_by_its_time_without_decoding_the_title(tmp_path: Path) -> None:
    """A check's evidence shows the registered frame it matched: ``frame_at`` seeks to it by the time its
    fingerprints were taken at, and gets the very picture registration sampled there."""
    path = _clip(tmp_path / "title.mp4", seconds=12.0, fps=10, options=_x264("keyint=30:min-keyint=30:scenecut=0"))
    config = CONFIG.with_(max_frames_per_clip=4)
    registered = load_sampled(path, config, whole_title=True, max_side=config.frame_max_side)
    for frame in registered.frames[1::3]:
        found = frame_at(path, frame.time_s, config).frames
        assert [f.time_s for f in found] == [frame.time_s]
        assert float(np.abs(found[0].image.astype(int) - frame.image.astype(int)).mean()) < 1.0, frame.time_s
