"""Importing the package stays light; each channel loads its library only when it runs; no environment reads."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import embeddings

HEAVY = ("torch", "open_clip", "dlib", "faiss", "cv2", "av")


def _loaded_after(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it leaves a dict in ``out``; returns it with the heavy modules loaded."""
    script = (f"import json, sys\nout = {{}}\n{code}\n"
              f"out['loaded'] = sorted(m for m in {HEAVY!r} if m in sys.modules)\nprint(json.dumps(out))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_package_and_its_types_loads_no_heavy_library() -> None:
    out = _loaded_after(
        "import embeddings\n"
        "from embeddings import (EmbeddingsConfig, Fingerprinter, IndexSet, MatchResult, MediaFingerprints,\n"
        "                        ModelUnavailable, match, load_media)\n"
        "import embeddings.config, embeddings.errors, embeddings.matching, embeddings.index, embeddings.media\n"
        "import embeddings.channels.perceptual, embeddings.channels.keypoints\n"
        "import embeddings.channels.identity, embeddings.channels.semantic\n"
        "EmbeddingsConfig.from_mapping({'semantic_enabled': 'false'})")
    assert out["loaded"] == []


def test_perceptual_channel_alone_never_imports_torch(shared_data: Path, tmp_path: Path) -> None:
    # Semantic stays switched ON, with a pretrained tag and an empty cache: it must find out that
    # no weights exist (and say so) without importing torch or open_clip.
    image = shared_data / "near-duplicates" / "bridge" / "aaa-orig.jpg"
    out = _loaded_after(
        "from embeddings import EmbeddingsConfig, Fingerprinter\n"
        "from pathlib import Path\n"
        f"config = EmbeddingsConfig(identity_enabled=False, clip_cache_dir=Path({str(tmp_path)!r}))\n"
        "fp = Fingerprinter(config)\n"
        f"record = fp.fingerprint_file({str(image)!r}, purpose='query')\n"
        "out['ran'] = record.channels.ran\n"
        "out['semantic'] = fp.status.unavailable.get('semantic')\n"
        "out['pdq'] = record.frames[0].pdq is not None and record.frames[0].phash is not None\n"
        "out['scipy'] = 'scipy' in sys.modules")
    assert out["ran"] == ["exact", "perceptual"] and out["pdq"]
    assert "no CLIP weights for ViT-B-32/laion2b_s34b_b79k" in out["semantic"]
    assert "CLEARANCE_CLIP_PRETRAINED" in out["semantic"]
    assert "torch" not in out["loaded"] and "open_clip" not in out["loaded"]
    assert "dlib" not in out["loaded"] and "cv2" in out["loaded"]   # OpenCV: the channel ran
    assert not out["scipy"]   # pHash's DCT is numpy's: scipy.fftpack costs a fresh process ~0.4 s


def test_semantic_channel_without_weights_configured_never_imports_torch(tmp_path: Path) -> None:
    out = _loaded_after(
        "from embeddings import EmbeddingsConfig, Fingerprinter\n"
        "from pathlib import Path\n"
        f"missing = EmbeddingsConfig(identity_enabled=False, clip_checkpoint=Path({str(tmp_path / 'w.pt')!r}))\n"
        "out['missing'] = Fingerprinter(missing).status.unavailable['semantic']\n"
        "none = EmbeddingsConfig(identity_enabled=False, clip_pretrained=None)\n"
        "out['none'] = Fingerprinter(none).status.unavailable['semantic']")
    assert f"no CLIP weights at {tmp_path / 'w.pt'}" in out["missing"]
    assert "no CLIP weights configured" in out["none"]
    assert out["loaded"] == []


def test_identity_channel_alone_imports_dlib_but_not_torch(shared_data: Path) -> None:
    image = shared_data / "faces" / "obama_480p.jpg"
    out = _loaded_after(
        "from embeddings import EmbeddingsConfig, Fingerprinter\n"
        "config = EmbeddingsConfig(perceptual_enabled=False, semantic_enabled=False)\n"
        f"record = Fingerprinter(config).fingerprint_file({str(image)!r}, purpose='likeness')\n"
        "out['faces'] = len(record.face_templates())")
    assert out["faces"] == 1
    assert "dlib" in out["loaded"]
    assert "torch" not in out["loaded"] and "open_clip" not in out["loaded"]


def test_package_reads_no_environment_variables() -> None:
    reads = re.compile(r"\bos\.environ\b|\bgetenv\b|\benviron\b|\bputenv\b")
    offenders = [f"{p.name}:{n}" for p in Path(embeddings.__file__).parent.rglob("*.py")
                 for n, line in enumerate(p.read_text().splitlines(), 1) if reads.search(line)]
    assert offenders == []
    assert not hasattr(embeddings.EmbeddingsConfig, "from_env")


def test_voice_channel_is_reported_ready_without_loading_torch_or_ffmpeg() -> None:
    out = _loaded_after(
        "from embeddings import EmbeddingsConfig, Fingerprinter\n"
        "status = Fingerprinter(EmbeddingsConfig(perceptual_enabled=False, semantic_enabled=False,\n"
        "                                        identity_enabled=False)).status\n"
        "out['voice'] = status.get('voice').available\n"
        "out['webrtcvad'] = 'webrtcvad' in sys.modules")
    assert out["voice"] is True
    assert out["loaded"] == [] and not out["webrtcvad"]   # torch and PyAV load when sound is first heard
