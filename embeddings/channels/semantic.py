"""Semantic channel: CLIP image embeddings through ``open_clip``.

Weights come only from configuration: a local checkpoint file
(``CLEARANCE_CLIP_CHECKPOINT``) or a pretrained tag (``CLEARANCE_CLIP_PRETRAINED``)
that is already in the local cache. Nothing is ever downloaded; when weights
cannot be loaded :class:`~embeddings.errors.ModelUnavailable` names the setting.
Whether weights can exist is settled before torch or open_clip is imported
(:func:`check_weights`), so an installation without weights never loads them.

:func:`build_untrained_clip_for_plumbing_tests` builds a randomly initialised
model for tests and throughput figures only; its embeddings carry
``is_pretrained = False`` and must never be reported as similarity evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
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


#: File names open_clip stores in a Hugging Face cache for a pretrained tag.
HF_WEIGHT_FILES = ("open_clip_model.safetensors", "open_clip_pytorch_model.bin")


def check_weights(config: EmbeddingsConfig) -> tuple[str | None, str]:
    """Whether configured CLIP weights can exist here, decided WITHOUT importing torch or open_clip.

    Returns ``(checkpoint path, setting)`` for a local checkpoint file, or
    ``(None, setting)`` when the pretrained tag has open_clip weights in the
    local cache (which of them is the tag's is settled by :func:`load_clip`
    once open_clip is imported). Raises ModelUnavailable naming the setting
    when no weights are configured, the checkpoint file is missing, or the
    cache holds no open_clip weights at all, so an installation without
    weights never pays for importing torch.
    """
    if config.clip_checkpoint is not None:
        path = config.clip_checkpoint
        setting = setting_name("clip_checkpoint")
        if not path.is_file():
            raise ModelUnavailable("semantic", f"no CLIP weights at {path}", setting=setting)
        return str(path), setting
    if not config.clip_pretrained:
        raise ModelUnavailable("semantic", "no CLIP weights configured",
                               setting=f"{setting_name('clip_checkpoint')} or {setting_name('clip_pretrained')}")
    setting = setting_name("clip_pretrained")
    cache = hf_cache_dir(config)
    if cache is None or not any(next(cache.glob(f"models--*/snapshots/*/{name}"), None) for name in HF_WEIGHT_FILES):
        raise ModelUnavailable("semantic", _not_cached(config, cache), setting=setting)
    return None, setting


def hf_cache_dir(config: EmbeddingsConfig) -> Path | None:
    """The Hugging Face cache searched for pretrained tags: ``clip_cache_dir``, else huggingface_hub's own."""
    if config.clip_cache_dir is not None:
        return Path(config.clip_cache_dir)
    try:
        from huggingface_hub import constants
    except ImportError:
        return None
    return Path(constants.HF_HUB_CACHE)


def _not_cached(config: EmbeddingsConfig, cache: Path | None) -> str:
    where = f"the local cache {cache}" if cache is not None else "the local cache (huggingface_hub is not installed)"
    return (f"no CLIP weights for {config.clip_model}/{config.clip_pretrained} in {where} "
            f"(downloads are disabled); point {setting_name('clip_checkpoint')} at a checkpoint file")


def load_clip(config: EmbeddingsConfig) -> ClipEmbedder:
    """Load the configured CLIP weights, or raise ModelUnavailable naming the setting to fix.

    :func:`check_weights` runs first, so torch and open_clip are imported only
    when weights may actually be present.
    """
    source, setting = check_weights(config)
    try:
        import open_clip
    except ImportError as exc:
        raise ModelUnavailable("semantic", f"open_clip cannot be imported: {exc}",
                               setting="semantic_enabled (install open-clip-torch)") from exc
    if source is None:
        source = _cached_pretrained(config)
        if source is None:
            raise ModelUnavailable("semantic", _not_cached(config, hf_cache_dir(config)), setting=setting)
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
        cache = hf_cache_dir(config)
        for name in HF_WEIGHT_FILES:
            found = try_to_load_from_cache(repo_id, name, cache_dir=str(cache) if cache else None)
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
