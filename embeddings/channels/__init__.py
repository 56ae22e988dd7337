"""Per-frame fingerprint channels: perceptual (PDQ, pHash, keypoints), semantic (CLIP), identity (faces)."""
