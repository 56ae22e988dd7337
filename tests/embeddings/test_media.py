"""Media intake: formats, sampling, limits and malformed files."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from embeddings import EmbeddingsConfig, MediaError, load_media
from embeddings.media import sniff_container


def _photo(width: int = 320, height: int = 240) -> np.ndarray:
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(base).resize((width, height), Image.Resampling.BICUBIC))


def _encode(image: np.ndarray, fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=fmt)
    return buffer.getvalue()


def _video(path: Path, *, seconds: float = 3.0, fps: int = 10, size: tuple[int, int] = (160, 120),
           container: str = "mp4", codec: str = "mpeg4") -> Path:
    """A small synthetic clip with a hard cut halfway (bright pattern -> dark pattern)."""
    rng = np.random.default_rng(2)
    a = rng.integers(120, 255, (size[1], size[0], 3), dtype=np.uint8)
    b = rng.integers(0, 60, (size[1], size[0], 3), dtype=np.uint8)
    with av.open(str(path), mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        total = int(seconds * fps)
        for i in range(total):
            frame = av.VideoFrame.from_ndarray(a if i < total * 0.55 else b, format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@pytest.mark.parametrize("fmt,name", [("JPEG", "x.jpg"), ("PNG", "x.png"), ("WEBP", "x.webp"), ("TIFF", "x.tiff")])
def test_images_decode_from_bytes_in_every_format(fmt: str, name: str) -> None:
    image = _photo()
    media = load_media(_encode(image, fmt), name=name)
    assert media.kind == "image" and (media.width, media.height) == (320, 240)
    assert media.frames[0].image.shape == (240, 320, 3) and media.frames[0].time_s == 0.0


@pytest.mark.parametrize("container,codec,name", [("mp4", "mpeg4", "clip.mp4"), ("matroska", "mpeg4", "clip.mkv"),
                                                  ("mov", "mpeg4", "clip.mov")])
def test_video_frames_have_timestamps_uniform_and_cut(tmp_path: Path, container: str, codec: str, name: str) -> None:
    path = _video(tmp_path / name, container=container, codec=codec)
    media = load_media(path, EmbeddingsConfig(uniform_interval_s=1.0))
    times = [f.time_s for f in media.frames]
    assert media.kind == "video" and times == sorted(times)
    assert [t for t, f in zip(times, media.frames) if f.reason == "uniform"] == pytest.approx([0.0, 1.0, 2.0], abs=0.11)
    cuts = [f.time_s for f in media.frames if f.reason == "cut"]
    assert cuts and abs(cuts[0] - 1.7) < 0.15, cuts   # the hard cut at 55% of 3 s
    assert media.duration_s == pytest.approx(3.0, abs=0.2)


def test_frame_cap_spreads_frames_over_the_clip(tmp_path: Path) -> None:
    path = _video(tmp_path / "long.mp4", seconds=6.0)
    media = load_media(path, EmbeddingsConfig(uniform_interval_s=0.1, max_frames_per_clip=4))
    assert len(media.frames) <= 4
    assert media.frames[0].time_s < 1.0 and media.frames[-1].time_s >= 3.5


def test_corrupt_jpeg_is_refused_with_the_file_named(shared_data: Path) -> None:
    path = shared_data / "malformed" / "ukbench09268_corrupt.jpg"
    with pytest.raises(MediaError) as caught:
        load_media(path)
    assert str(path) in caught.value.diagnostics() and "signature" in caught.value.reason


def test_jpeg_named_svg_is_refused(shared_data: Path) -> None:
    path = shared_data / "malformed" / "ukbench09380_svg_named.svg"
    with pytest.raises(MediaError) as caught:
        load_media(path)
    assert "'.svg'" in caught.value.reason and "JPEG" in caught.value.reason


def test_truncated_jpeg_and_video_are_refused(tmp_path: Path, shared_data: Path) -> None:
    data = (shared_data / "near-duplicates" / "ukbench" / "ukbench09268.jpg").read_bytes()
    with pytest.raises(MediaError, match="cannot be decoded"):
        load_media(data[: len(data) // 2], name="half.jpg")
    clip = _video(tmp_path / "whole.mp4").read_bytes()
    with pytest.raises(MediaError):
        load_media(clip[: len(clip) // 3], name="third.mp4")


def test_svg_text_and_empty_input_are_refused() -> None:
    with pytest.raises(MediaError, match="SVG"):
        load_media(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', name="a.svg")
    with pytest.raises(MediaError, match="empty"):
        load_media(b"", name="a.jpg")


def test_limits_name_the_limit(tmp_path: Path) -> None:
    jpeg = _encode(_photo(), "JPEG")
    with pytest.raises(MediaError) as too_big:
        load_media(jpeg, EmbeddingsConfig(max_bytes=1000), name="a.jpg")
    assert too_big.value.limit == "max_bytes=1000"
    with pytest.raises(MediaError) as too_many_pixels:
        load_media(jpeg, EmbeddingsConfig(max_pixels=10_000), name="a.jpg")
    assert too_many_pixels.value.limit == "max_pixels=10000" and "320x240" in too_many_pixels.value.reason
    clip = _video(tmp_path / "c.mp4")
    with pytest.raises(MediaError) as too_long:
        load_media(clip, EmbeddingsConfig(max_duration_s=1.0))
    assert too_long.value.limit == "max_duration_s=1.0"
    with pytest.raises(MediaError) as too_many_frames:
        load_media(clip, EmbeddingsConfig(max_decoded_frames=5))
    assert too_many_frames.value.limit == "max_decoded_frames=5"
    with pytest.raises(MediaError) as too_slow:
        load_media(clip, EmbeddingsConfig(decode_timeout_s=0.0))
    assert too_slow.value.limit == "decode_timeout_s=0.0"


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = _encode(np.zeros((4000, 4000, 3), np.uint8), "PNG")   # tiny file, 16 Mpx
    with pytest.raises(MediaError) as caught:
        load_media(bomb, EmbeddingsConfig(max_pixels=1_000_000), name="bomb.png")
    assert caught.value.limit == "max_pixels=1000000"


def test_sniffing() -> None:
    assert sniff_container(b"\xff\xd8\xff\xe0") == "jpeg"
    assert sniff_container(b"\x00\x00\x00\x18ftypmp42") == "isobmff"
    assert sniff_container(b"\x1a\x45\xdf\xa3rest") == "matroska"
    assert sniff_container(b"hello world12345") is None


def _h264_clip(path: Path, seconds: float = 4.0, fps: int = 25) -> Path:
    """A 320x240 H.264 clip with B-frames (frames no other frame refers to), a cut at 2 s."""
    rng = np.random.default_rng(4)
    a = rng.integers(120, 255, (30, 40, 3), dtype=np.uint8)
    b = rng.integers(0, 60, (30, 40, 3), dtype=np.uint8)
    with av.open(str(path), mode="w") as out:
        try:
            stream = out.add_stream("libx264", rate=fps)
        except Exception:  # an FFmpeg build without x264: mpeg4 has no B-frames by default, still valid
            stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for i in range(int(seconds * fps)):
            base = a if i < seconds * fps / 2 else b
            picture = np.asarray(Image.fromarray(np.roll(base, i, axis=1)).resize((320, 240), Image.Resampling.NEAREST))
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_thumbnails_from_the_luma_plane_agree_with_swscale(tmp_path: Path) -> None:
    from embeddings.media import _thumbnail

    path = _h264_clip(tmp_path / "t.mp4", seconds=1.0)
    with av.open(str(path)) as handle:
        for frame in handle.decode(video=0):
            ours = _thumbnail(frame)
            reference = frame.reformat(width=32, height=32, format="gray").to_ndarray().astype(np.float32) / 255.0
            assert ours.shape == (32, 32) and float(np.abs(ours - reference).mean()) < 0.05


def test_a_video_on_disk_is_streamed_not_held_and_max_bytes_does_not_apply(tmp_path: Path) -> None:
    """A registered title may be many gigabytes: named by its path it is hashed and decoded from disk."""
    from embeddings.media import identify
    from embeddings.sampling import load_sampled

    clip = _video(tmp_path / "title.mp4")
    small = EmbeddingsConfig(max_bytes=1000)   # the clip is larger: held in memory it would be refused
    source = identify(clip, small, None)
    assert source.data == b"" and source.path == clip and source.size_bytes == clip.stat().st_size
    assert source.digest == hashlib.sha256(clip.read_bytes()).hexdigest()
    from_disk = load_sampled(clip, small)
    from_bytes = load_sampled(clip.read_bytes(), name="title.mp4")
    assert from_disk.sha256 == from_bytes.sha256 and from_disk.size_bytes == from_bytes.size_bytes
    assert [(f.time_s, f.reason) for f in from_disk.frames] == [(f.time_s, f.reason) for f in from_bytes.frames]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(from_disk.frames, from_bytes.frames, strict=True))
    with pytest.raises(MediaError) as held:   # the same bytes as an upload are held, so max_bytes applies
        load_sampled(clip.read_bytes(), small, name="title.mp4")
    assert held.value.limit == "max_bytes=1000"
    with pytest.raises(MediaError) as too_big:
        load_sampled(clip, EmbeddingsConfig(max_title_bytes=1000))
    assert too_big.value.limit == "max_title_bytes=1000"
    image = tmp_path / "still.jpg"
    image.write_bytes(_encode(_photo(), "JPEG"))
    with pytest.raises(MediaError) as still:   # an image is read whole: max_bytes still guards it
        load_media(image, small)
    assert still.value.limit == "max_bytes=1000"


def test_a_video_changed_while_it_is_decoded_is_refused(tmp_path: Path) -> None:
    """Fingerprints never describe other bytes than the SHA-256 they are filed under."""
    from embeddings.sampling import load_sampled

    clip = _video(tmp_path / "growing.mp4", seconds=4.0)

    def append_once(_frame: object) -> None:
        if not appended:
            with clip.open("ab") as handle:
                handle.write(b"\0" * 64)
            appended.append(True)

    appended: list[bool] = []
    with pytest.raises(MediaError, match="changed while it was being read"):
        load_sampled(clip, on_frame=append_once)
    assert appended
