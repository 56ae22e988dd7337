"""Semantic channel: CLIP image embeddings through ``open_clip``.

Weights come only from configuration: a local checkpoint file
(``CLEARANCE_CLIP_CHECKPOINT``) or a pretrained tag (``CLEARANCE_CLIP_PRETRAINED``)
that is already in the local cache. Nothing is ever downloaded; when weights
cannot be loaded :class:`~embeddings.errors.ModelUnavailable` names the setting.

:func:`build_untrained_clip_for_plumbing_tests` builds a randomly initialised
model for tests and throughput figures only; its embeddings carry
``is_pretrained = False`` and must never be reported as similarity evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from ..config import EmbeddingsConfig, setting_name
from ..errors import ModelUnavailable


@dataclass
class ClipEmbedder:
    """A loaded CLIP image tower, its preprocessing, and what it is."""

    model: Any
    preprocess: Callable[[Any], Any]
    model_id: str
    is_pretrained: bool
    batch_size: int = 16
    threads: int = 2

    @property
    def dim(self) -> int:
        """Embedding width."""
        return int(self.model.visual.output_dim)

    def embed(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """L2-normalised embeddings (N x dim, float32) of RGB frames, batched, in inference mode."""
        import torch
        from PIL import Image

        torch.set_num_threads(self.threads)
        out: list[np.ndarray] = []
        with torch.inference_mode():
            for start in range(0, len(images), self.batch_size):
                batch = torch.stack([self.preprocess(Image.fromarray(img)) for img in images[start:start + self.batch_size]])
                features = self.model.encode_image(batch)
                features = torch.nn.functional.normalize(features.float(), dim=-1)
                out.append(features.cpu().numpy().astype(np.float32))
        if not out:
            return np.zeros((0, self.dim), np.float32)
        return np.concatenate(out)


def load_clip(config: EmbeddingsConfig) -> ClipEmbedder:
    """Load the configured CLIP weights, or raise ModelUnavailable naming the setting to fix."""
    try:
        import open_clip
    except ImportError as exc:
        raise ModelUnavailable("semantic", f"open_clip cannot be imported: {exc}",
                               setting="semantic_enabled (install open-clip-torch)") from exc
    if config.clip_checkpoint is not None:
        path = config.clip_checkpoint
        if not path.is_file():
            raise ModelUnavailable("semantic", f"no CLIP weights at {path}", setting=setting_name("clip_checkpoint"))
        source, setting = str(path), setting_name("clip_checkpoint")
    elif config.clip_pretrained:
        source, setting = config.clip_pretrained, setting_name("clip_pretrained")
        cached = _cached_pretrained(config)
        if cached is None:
            raise ModelUnavailable(
                "semantic",
                f"no CLIP weights for {config.clip_model}/{config.clip_pretrained} in the local cache "
                f"(downloads are disabled); point {setting_name('clip_checkpoint')} at a checkpoint file",
                setting=setting)
        source = cached
    else:
        raise ModelUnavailable("semantic", "no CLIP weights configured",
                               setting=f"{setting_name('clip_checkpoint')} or {setting_name('clip_pretrained')}")
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(config.clip_model, pretrained=source, device="cpu")
    except Exception as exc:  # open_clip raises many types for a bad file or name
        raise ModelUnavailable("semantic", f"cannot load {config.clip_model} weights from {source}: {exc}",
                               setting=setting) from exc
    model.eval()
    weights = config.clip_pretrained if config.clip_checkpoint is None else config.clip_checkpoint.name
    return ClipEmbedder(model=model, preprocess=preprocess, model_id=f"{config.clip_model}/{weights}",
                        is_pretrained=True, batch_size=config.clip_batch_size, threads=config.clip_threads)


def _cached_pretrained(config: EmbeddingsConfig) -> str | None:
    """Path of a cached file for the pretrained tag, looked up without touching the network."""
    import open_clip

    cfg = open_clip.get_pretrained_cfg(config.clip_model, config.clip_pretrained or "")
    if not cfg:
        return None
    hub = cfg.get("hf_hub", "")
    if hub:
        try:
            from huggingface_hub import try_to_load_from_cache
        except ImportError:
            return None
        repo_id = "/".join(hub.rstrip("/").split("/")[:2])
        for name in ("open_clip_model.safetensors", "open_clip_pytorch_model.bin"):
            found = try_to_load_from_cache(repo_id, name, cache_dir=str(config.clip_cache_dir) if config.clip_cache_dir else None)
            if isinstance(found, str):
                return found
    return None


def build_untrained_clip_for_plumbing_tests(model_name: str = "tiny", *, threads: int = 2, batch_size: int = 16) -> ClipEmbedder:
    """A randomly initialised CLIP for plumbing tests and throughput figures ONLY (``is_pretrained=False``).

    ``"tiny"`` is a 2-layer, 64-wide ViT on 64x64 inputs; any open_clip model
    name (e.g. ``"ViT-B-32"``) builds that full architecture without weights,
    which has the real compute cost but meaningless scores.
    """
    import open_clip
    from open_clip.model import CLIPTextCfg, CLIPVisionCfg

    if model_name == "tiny":
        model = open_clip.CLIP(embed_dim=32,
                               vision_cfg=CLIPVisionCfg(image_size=64, layers=2, width=64, patch_size=16, head_width=32),
                               text_cfg=CLIPTextCfg(context_length=16, vocab_size=1000, width=32, heads=2, layers=1))
        preprocess = open_clip.image_transform(64, is_train=False)
    else:
        model, _, preprocess = open_clip.create_model_and_transforms(model_name, pretrained=None, device="cpu")
    model.eval()
    return ClipEmbedder(model=model, preprocess=preprocess, model_id=f"{model_name}/UNTRAINED",
                        is_pretrained=False, batch_size=batch_size, threads=threads)
