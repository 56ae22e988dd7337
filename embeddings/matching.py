"""Search every channel's index with a query's fingerprints and summarise per owner.

JSON shape of :meth:`MatchResult.to_dict` (stable; ``format`` changes if it does)::

    {
      "format": 1,
      "query": {"sha256": "...", "kind": "video", "duration_s": 18.8, "frames": 19},
      "channels": {"ran": ["exact", "perceptual", "identity"],
                   "unavailable": {"semantic": "no CLIP weights at /x.pt (setting CLEARANCE_CLIP_CHECKPOINT)"},
                   "channels": [{"name": "...", "available": true, "detail": "..."}, ...]},
      "thresholds": {"pdq_max_distance": 65, "keypoint_min_inliers": 24,
                     "face_max_distance": 0.56, "clip_min_cosine": 0.92},
      "matches": [            # one per (query frame, owner, method): the best evidence
        {"owner": "asset-7", "owner_kind": "asset", "channel": "perceptual", "method": "pdq",
         "query_time_s": 3.0, "matched_time_s": 3.0, "matched_ref": 3,
         "score": 12, "threshold": 65, "metric": "hamming_bits", "detail": {"variant": "flip_h"}},
        {"owner": "asset-7", "owner_kind": "asset", "channel": "perceptual", "method": "keypoints",
         "query_time_s": 3.0, "matched_time_s": 3.0, "matched_ref": 3,
         "score": 87, "threshold": 24, "metric": "inliers", "detail": {"mirrored": false, "candidate_pairs": 140}},
        {"owner": "person-2", "owner_kind": "person", "channel": "identity", "method": "face",
         "query_time_s": 0.0, "matched_time_s": 0.0, "matched_ref": 0,
         "score": 0.34, "threshold": 0.56, "metric": "l2", "detail": {"box": [210, 53, 339, 182]}}
      ],
      "owners": [             # one per matched asset or person, strongest first
        {"owner": "asset-7", "owner_kind": "asset", "frames_matched": 17, "query_frames": 19,
         "share": 0.895, "methods": ["keypoints", "pdq"], "first_query_time_s": 0.0,
         "last_query_time_s": 18.0,
         "alignment": {"rate": 1.19, "offset_s": 0.0, "pairs": 17, "inliers": 16}}   # or null
      ]
    }

Scores keep each method's native unit (``metric``): Hamming bits and L2 are
"lower is closer" (match when score <= threshold); inliers and cosine are
"higher is closer" (match when score >= threshold). ``alignment`` (video query
against a video asset) fits ``matched_time = rate * query_time + offset``.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Iterable, Literal

import numpy as np

from .channels.keypoints import Keypoints, verify_homography
from .channels.perceptual import DIHEDRAL
from .config import EmbeddingsConfig
from .fingerprint import FrameFingerprint, MediaFingerprints
from .channels.voice import VoiceWindow
from .compact import FrameCodeIndex, KeypointStore
from .index import ChannelIndex, IndexSet
from .status import ChannelState, ChannelStatus

RESULT_FORMAT = 1
Method = Literal["sha256", "pdq", "keypoints", "clip", "face", "voice"]
_CHANNEL_OF = {"sha256": "exact", "pdq": "perceptual", "keypoints": "perceptual", "clip": "semantic", "face": "identity",
               "voice": "voice"}


@dataclass(frozen=True)
class FrameMatch:
    """One piece of evidence: a query frame looks like an owner's frame (or face)."""

    owner: str
    owner_kind: Literal["asset", "person"]
    channel: str
    method: str
    query_time_s: float
    matched_time_s: float | None
    matched_ref: int | None
    score: float
    threshold: float
    metric: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Alignment:
    """``matched_time = rate * query_time + offset_s``, fitted robustly over matched frame pairs."""

    rate: float
    offset_s: float
    pairs: int
    inliers: int


@dataclass(frozen=True)
class OwnerSummary:
    """How much of the query an owner accounts for."""

    owner: str
    owner_kind: str
    frames_matched: int
    query_frames: int
    share: float
    methods: list[str]
    first_query_time_s: float
    last_query_time_s: float
    alignment: Alignment | None
    voice_ranges: list[list[float]] = field(default_factory=list)
    """[start, end] seconds of the query in which this person's voice matched (merged windows)."""


@dataclass(frozen=True)
class MatchResult:
    """Everything a check needs from the embeddings side."""

    query: dict[str, Any]
    channels: ChannelStatus
    thresholds: dict[str, float]
    matches: list[FrameMatch]
    owners: list[OwnerSummary]

    def owner(self, owner_id: str) -> OwnerSummary | None:
        return next((o for o in self.owners if o.owner == owner_id), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape documented in this module's docstring."""
        return {"format": RESULT_FORMAT, "query": self.query, "channels": self.channels.to_dict(),
                "thresholds": self.thresholds, "matches": [asdict(m) for m in self.matches],
                "owners": [asdict(o) for o in self.owners]}


def match(query: MediaFingerprints, indexes: IndexSet, config: EmbeddingsConfig | None = None, *,
          exact_owners: Iterable[str] = (), allow_untrained_clip: bool = False) -> MatchResult:
    """Search all channels for a query's frames (fingerprinted with ``purpose="query"``).

    ``exact_owners``: assets the caller found by SHA-256 (the ledger owns that
    lookup); they are reported as ``exact`` matches. Semantic matches from an
    untrained CLIP are skipped unless ``allow_untrained_clip`` (plumbing tests),
    and are then flagged ``"untrained": true``.
    """
    cfg = config or indexes.config
    matches: list[FrameMatch] = [
        FrameMatch(owner, "asset", "exact", "sha256", f.time_s, f.time_s, i, 1.0, 1.0, "identical_bytes")
        for owner in exact_owners for i, f in enumerate(query.frames)]
    states = list(query.channels.channels)
    store = indexes.keypoint_store
    near: dict[str, dict[int, float]] | None = {} if store is not None else None
    for frame in query.frames:
        matches += _pdq_matches(frame.time_s, frame.pdq_dihedral or ((frame.pdq,) if frame.pdq else ()),
                                frame.pdq_quality, indexes, cfg, near=near)
    if near is not None:
        for frame in query.frames:
            _centre_candidates(frame.pdq_centre_hypotheses, indexes, cfg, near)
    wants_keypoints = any(f.keypoints is not None and len(f.keypoints) for f in query.frames)
    keypoint_channel = indexes.channels["keypoints"]
    if store is not None and near is not None and wants_keypoints:
        keypoint_channel = candidate_keypoints(indexes, store, near, cfg)
    states = _with_coverage(states, indexes, cfg, keypoint_channel if wants_keypoints else None)
    def local_matches(frame: FrameFingerprint) -> list[FrameMatch]:
        found: list[FrameMatch] = []
        for keypoints, mirrored in ((frame.keypoints, False), (frame.keypoints_mirrored, True)):
            if keypoints is not None and len(keypoints):
                found += _keypoint_matches(frame.time_s, keypoints, mirrored, keypoint_channel, cfg)
        for face in frame.faces:
            found += _face_matches(frame.time_s, face.descriptor, face.box, indexes, cfg)
        return found

    # frames side by side: FAISS (one thread per search) and RANSAC release the GIL; order is kept
    if cfg.fingerprint_threads > 1 and len(query.frames) > 1:
        with ThreadPoolExecutor(cfg.fingerprint_threads, thread_name_prefix="match") as pool:
            for found in pool.map(local_matches, query.frames):
                matches += found
    else:
        for frame in query.frames:
            matches += local_matches(frame)
    for window in query.voice:
        matches += _voice_matches(window, indexes, cfg)
    semantic = query.channels.get("semantic")
    if semantic is not None and semantic.available:
        if semantic.pretrained is False and not allow_untrained_clip:
            states = [ChannelState("semantic", False, "untrained plumbing model: its scores are not evidence, not searched")
                      if s.name == "semantic" else s for s in states]
        else:
            for frame in query.frames:
                if frame.clip is not None:
                    matches += _clip_matches(frame.time_s, frame.clip, indexes, cfg, untrained=semantic.pretrained is False)
    matches = _best_per_frame(matches)
    owners = _summaries(matches, query)
    return MatchResult(
        query={"sha256": query.sha256, "kind": query.kind, "duration_s": query.duration_s, "frames": len(query.frames),
               **({"audio": query.audio, "speech": [list(s) for s in query.speech]} if query.audio is not None else {})},
        channels=ChannelStatus(tuple(states)),
        thresholds={"pdq_max_distance": cfg.pdq_max_distance, "keypoint_min_inliers": cfg.keypoint_min_inliers,
                    "face_max_distance": cfg.face_max_distance, "clip_min_cosine": cfg.clip_min_cosine,
                    "voice_min_similarity": cfg.voice_min_similarity},
        matches=matches, owners=owners)


def _pdq_matches(t: float, hashes: tuple[bytes, ...], quality: int, indexes: IndexSet,
                 cfg: EmbeddingsConfig, *, near: dict[str, dict[int, float]] | None = None) -> list[FrameMatch]:
    """PDQ matches of one query frame; ``near`` (compact tier) collects frames within the keypoint-candidate radius."""
    channel = indexes.channels["pdq"]
    if not hashes or quality < cfg.pdq_min_quality or len(channel) == 0:
        return []
    queries = np.stack([np.frombuffer(h, np.uint8) for h in hashes])
    dist, rows = channel.search(queries, 16)
    best: dict[tuple[str, int], tuple[float, int, int]] = {}
    for variant in range(len(hashes)):
        for d, row in zip(dist[variant], rows[variant]):
            if row < 0:
                continue
            if near is not None and d <= cfg.keypoint_candidate_pdq_distance:
                refs = near.setdefault(channel.owner_of(row), {})
                ref = int(channel.refs[row])
                refs[ref] = min(float(d), refs.get(ref, float(d)))
            if d > cfg.pdq_max_distance:
                continue
            key = (channel.owner_of(row), int(channel.refs[row]))
            if key not in best or d < best[key][0]:
                best[key] = (float(d), int(row), variant)
    return [FrameMatch(owner, "asset", "perceptual", "pdq", t, float(channel.times[row]), ref, int(d),
                       cfg.pdq_max_distance, "hamming_bits",
                       {"variant": DIHEDRAL[variant] if len(hashes) == len(DIHEDRAL) else "original"})
            for (owner, ref), (d, row, variant) in best.items()]


def _centre_candidates(hypotheses: tuple[bytes, ...], indexes: IndexSet, cfg: EmbeddingsConfig,
                       near: dict[str, dict[int, float]]) -> None:
    """Compact tier: frames whose centre code comes within ``centre_candidate_pdq_distance`` of one of a
    query frame's central squares join ``near``, the keypoint candidates (the query may be a centred
    reframing of them: a crop whose full-frame PDQ is as far as an unrelated picture's)."""
    channel = indexes.channels["pdq"]
    if not hypotheses or not isinstance(channel, FrameCodeIndex) or channel.centre_count() == 0:
        return
    dist, rows = channel.search_centre(np.stack([np.frombuffer(h, np.uint8) for h in hypotheses]), 4)
    for d, row in zip(dist.ravel(), rows.ravel()):
        if row >= 0 and d <= cfg.centre_candidate_pdq_distance:
            refs = near.setdefault(channel.owner_of(row), {})
            ref = int(channel.refs[row])
            refs[ref] = min(float(d), refs.get(ref, float(d)))


#: Compact tier: most stored frames one check verifies from disk (closest PDQ candidates first).
MAX_VERIFIED_FRAMES = 48

#: Which indexes each channel of a :class:`ChannelStatus` searches.
_INDEXES_OF_CHANNEL = {"perceptual": ("pdq", "keypoints"), "semantic": ("clip",), "identity": ("face",),
                       "voice": ("voice",)}


def verifies_every_frame(indexes: IndexSet, store: KeypointStore, cfg: EmbeddingsConfig) -> bool:
    """Compact tier: whether the keypoint store is small enough for a check to verify all of it
    (at most ``keypoints_exhaustive_max_frames`` frames); past it only candidates are verified."""
    limit = cfg.keypoints_exhaustive_max_frames
    return len(indexes.channels["pdq"]) <= limit and sum(store.frame_counts().values()) <= limit


def _with_coverage(states: list[ChannelState], indexes: IndexSet, cfg: EmbeddingsConfig,
                   verified: ChannelIndex | None) -> list[ChannelState]:
    """The channel states with ``coverage`` set where a search left something out: an approximate
    (IVF) index, or keypoints verified on candidates only (``verified``: the compact tier's
    throw-away index of the frames this check verified, None when no keypoints were searched)."""
    gaps: dict[str, list[str]] = {}
    for channel, names in _INDEXES_OF_CHANNEL.items():
        for name in names:
            index = indexes.channels.get(name)
            if index is not None and index.index_type != "flat" and len(index):
                gaps.setdefault(channel, []).append(
                    f"{name} searched approximately: an IVF index of {len(index):,} vectors, {index.nprobe} of "
                    f"{index.index_type.removeprefix('ivf')} lists per query vector, so a near vector in a list "
                    "not searched is missed")
    store = indexes.keypoint_store
    if verified is not None and store is not None and not verifies_every_frame(indexes, store, cfg):
        frames = len({(o, int(r)) for o, r in zip(verified.owner_codes.tolist(), verified.refs.tolist())})
        gaps.setdefault("perceptual", []).append(
            f"ORB keypoints verified on {frames} stored frames of {len(set(verified.owner_codes.tolist()))} candidate "
            f"assets only (compact index tier, past keypoints_exhaustive_max_frames = "
            f"{cfg.keypoints_exhaustive_max_frames}): frames whose PDQ code came within "
            f"{cfg.keypoint_candidate_pdq_distance:g} bits of a query frame's, or whose centre code came within "
            f"{cfg.centre_candidate_pdq_distance:g} bits of one of its central squares; a copy neither code brings "
            "near, such as an off-centre crop (a corner or a side of a frame), is not found")
    return [replace(s, coverage="; ".join(gaps[s.name])) if s.available and s.name in gaps else s for s in states]


def candidate_keypoints(indexes: IndexSet, store: KeypointStore, near: dict[str, dict[int, float]],
                        cfg: EmbeddingsConfig) -> ChannelIndex:
    """A throw-away flat keypoint index over the frames a check verifies (compact tier).

    Every stored frame while the store is small (``keypoints_exhaustive_max_frames``);
    otherwise the frames of the ``keypoint_max_candidate_assets`` assets whose PDQ
    codes came within ``keypoint_candidate_pdq_distance`` of a query frame, each
    hit frame with its neighbours (the same shot, a second apart), closest first,
    at most :data:`MAX_VERIFIED_FRAMES` frames.
    """
    channel = ChannelIndex("keypoints", "hamming", flat_max=1 << 40, dim=store.descriptor_bits)
    if verifies_every_frame(indexes, store, cfg):
        for owner in sorted(store.frame_counts()):
            stored = store.load(owner)
            if stored is not None:
                channel.add(owner, stored.descriptors, stored.times, stored.frame_of, aux=stored.xy)
        return channel
    ranked = sorted(near.items(), key=lambda item: min(item[1].values()))[:cfg.keypoint_max_candidate_assets]
    wanted = sorted(((d, owner, ref) for owner, refs in ranked for ref, d in refs.items()))
    budget = MAX_VERIFIED_FRAMES
    chosen: dict[str, set[int]] = {}
    for _, owner, ref in wanted:
        picks = {r for r in (ref - 1, ref, ref + 1) if r >= 0} - chosen.get(owner, set())
        if not picks or budget <= 0:
            continue
        picks = set(sorted(picks, key=lambda r: abs(r - ref))[:budget])
        chosen.setdefault(owner, set()).update(picks)
        budget -= len(picks)
    for owner, refs in chosen.items():
        stored = store.load(owner, refs)
        if stored is None:
            continue
        keep = np.isin(stored.frame_of, np.fromiter(refs, np.int32))
        if keep.any():
            channel.add(owner, stored.descriptors[keep], stored.times[keep], stored.frame_of[keep], aux=stored.xy[keep])
    return channel


def _keypoint_matches(t: float, keypoints: Keypoints, mirrored: bool, channel: ChannelIndex,
                      cfg: EmbeddingsConfig, *, candidates: int = 5) -> list[FrameMatch]:
    if len(channel) == 0:
        return []
    bits = channel.dim or 256   # the compact tier may store only the leading bits of each descriptor
    dist, rows = channel.search(np.ascontiguousarray(keypoints.descriptors[:, :bits // 8]), 3)
    max_distance = cfg.keypoint_max_descriptor_distance * bits / 256
    groups: dict[tuple[int, int], dict[int, tuple[float, int]]] = defaultdict(dict)
    for qi in range(len(keypoints)):
        for d, row in zip(dist[qi], rows[qi]):
            if row < 0 or d > max_distance:
                continue
            key = (int(channel.owner_codes[row]), int(channel.refs[row]))
            held = groups[key].get(qi)
            if held is None or d < held[0]:
                groups[key][qi] = (float(d), int(row))
    ranked = sorted(groups.items(), key=lambda item: -len(item[1]))[:candidates]
    found: list[FrameMatch] = []
    for (owner_code, ref), pairs in ranked:
        if len(pairs) < cfg.keypoint_min_inliers:
            break   # ranked by pairs: no later candidate can reach the inliers either
        # one query point per stored point: keep the closest
        by_stored: dict[int, tuple[float, int]] = {}
        for qi, (d, row) in pairs.items():
            if row not in by_stored or d < by_stored[row][0]:
                by_stored[row] = (d, qi)
        if len(by_stored) < cfg.keypoint_min_inliers:
            continue   # inliers are a subset of these pairs: RANSAC cannot reach the threshold (exact, and cheap)
        stored_rows = np.array(list(by_stored.keys()))
        query_idx = np.array([qi for _, qi in by_stored.values()])
        inliers = verify_homography(keypoints.xy[query_idx], channel.aux[stored_rows])
        if inliers >= cfg.keypoint_min_inliers:
            row = int(stored_rows[0])
            found.append(FrameMatch(channel.owners[owner_code], "asset", "perceptual", "keypoints", t,
                                    float(channel.times[row]), ref, inliers, cfg.keypoint_min_inliers, "inliers",
                                    {"mirrored": mirrored, "candidate_pairs": len(by_stored)}))
    return found


def _clip_matches(t: float, vector: np.ndarray, indexes: IndexSet, cfg: EmbeddingsConfig, *,
                  untrained: bool) -> list[FrameMatch]:
    channel = indexes.channels["clip"]
    if len(channel) == 0 or channel.dim != vector.shape[0]:
        return []
    sims, rows = channel.search(vector[None, :], 16)
    best: dict[tuple[str, int], tuple[float, int]] = {}
    for s, row in zip(sims[0], rows[0]):
        if row >= 0 and s >= cfg.clip_min_cosine:
            key = (channel.owner_of(row), int(channel.refs[row]))
            if key not in best or s > best[key][0]:
                best[key] = (float(s), int(row))
    detail = {"untrained": True} if untrained else {}
    return [FrameMatch(owner, "asset", "semantic", "clip", t, float(channel.times[row]), ref, round(s, 4),
                       cfg.clip_min_cosine, "cosine", dict(detail)) for (owner, ref), (s, row) in best.items()]


def _face_matches(t: float, descriptor: np.ndarray, box: tuple[int, int, int, int], indexes: IndexSet,
                  cfg: EmbeddingsConfig) -> list[FrameMatch]:
    channel = indexes.channels["face"]
    if len(channel) == 0:
        return []
    dist, rows = channel.search(descriptor[None, :], 8)
    best: dict[str, tuple[float, int]] = {}
    for d, row in zip(dist[0], rows[0]):
        if row >= 0 and d <= cfg.face_max_distance:
            owner = channel.owner_of(row)
            if owner not in best or d < best[owner][0]:
                best[owner] = (float(d), int(row))
    return [FrameMatch(owner, "person", "identity", "face", t, float(channel.times[row]), int(channel.refs[row]),
                       round(d, 4), cfg.face_max_distance, "l2", {"box": list(box)})
            for owner, (d, row) in best.items()]


def _voice_matches(window: VoiceWindow, indexes: IndexSet, cfg: EmbeddingsConfig) -> list[FrameMatch]:
    """People whose voice template is within the threshold of one window of the query's speech.

    ``query_time_s`` is the window's start; ``detail`` holds its end, so the
    matched time range of the query is [query_time_s, detail["query_end_s"]].
    """
    channel = indexes.channels["voice"]
    if len(channel) == 0 or channel.dim != window.embedding.shape[0]:
        return []
    sims, rows = channel.search(window.embedding[None, :], 8)
    best: dict[str, tuple[float, int]] = {}
    for s, row in zip(sims[0], rows[0]):
        if row >= 0 and s >= cfg.voice_min_similarity:
            owner = channel.owner_of(row)
            if owner not in best or s > best[owner][0]:
                best[owner] = (float(s), int(row))
    return [FrameMatch(owner, "person", "voice", "voice", window.start_s, float(channel.times[row]),
                       int(channel.refs[row]), round(s, 4), cfg.voice_min_similarity, "cosine",
                       {"query_end_s": window.end_s, "speech_s": window.speech_s})
            for owner, (s, row) in best.items()]


def voice_ranges(matches: Iterable[FrameMatch], owner: str) -> list[tuple[float, float]]:
    """The query time ranges in which ``owner``'s voice matched, overlapping windows merged."""
    spans = sorted((m.query_time_s, float(m.detail.get("query_end_s", m.query_time_s)))
                   for m in matches if m.owner == owner and m.method == "voice")
    merged: list[tuple[float, float]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _closer(a: FrameMatch, b: FrameMatch) -> bool:
    """Whether ``a`` is stronger evidence than ``b`` (same method)."""
    if a.metric in ("hamming_bits", "l2"):
        return a.score < b.score
    return a.score > b.score


def _best_per_frame(matches: list[FrameMatch]) -> list[FrameMatch]:
    """Keep the strongest match per (query frame, owner, method) -- and per face box for faces."""
    best: dict[tuple[Any, ...], FrameMatch] = {}
    for m in matches:
        key = (m.query_time_s, m.owner, m.method, tuple(m.detail.get("box", ())))
        if key not in best or _closer(m, best[key]):
            best[key] = m
    return sorted(best.values(), key=lambda m: (m.query_time_s, m.owner, m.method))


def _summaries(matches: list[FrameMatch], query: MediaFingerprints) -> list[OwnerSummary]:
    per_owner: dict[str, list[FrameMatch]] = defaultdict(list)
    for m in matches:
        per_owner[m.owner].append(m)
    out = []
    for owner, found in per_owner.items():
        seen = [m for m in found if m.method != "voice"]
        heard = [m for m in found if m.method == "voice"]
        # a person heard but not seen is measured in windows of speech, otherwise in frames
        basis, total = (seen, max(1, len(query.frames))) if seen else (heard, max(1, len(query.voice)))
        times = sorted({m.query_time_s for m in basis})
        alignment = None
        if query.kind == "video" and found[0].owner_kind == "asset":
            alignment = fit_alignment([(m.query_time_s, m.matched_time_s) for m in found
                                       if m.matched_time_s is not None and m.method != "sha256"])
        out.append(OwnerSummary(owner=owner, owner_kind=found[0].owner_kind, frames_matched=len(times),
                                query_frames=total, share=round(len(times) / total, 4),
                                methods=sorted({m.method for m in found}), first_query_time_s=times[0],
                                last_query_time_s=times[-1], alignment=alignment,
                                voice_ranges=[list(r) for r in voice_ranges(heard, owner)]))
    return sorted(out, key=lambda o: (-o.share, o.owner))


def fit_alignment(pairs: list[tuple[float, float]], *, tolerance_s: float = 1.0,
                  rates: tuple[float, float] = (0.25, 4.0)) -> Alignment | None:
    """Robust fit of ``matched = rate * query + offset`` over (query time, matched time) pairs.

    Tries every line through two pairs (and rate 1 through each single pair),
    keeps the one with most pairs within ``tolerance_s``, then refines it by
    least squares on those inliers. None when the matched side is a still
    image (all matched times equal) or fewer than two pairs agree.
    """
    if len(pairs) < 2:
        return None
    pts = np.unique(np.array(pairs, dtype=np.float64), axis=0)
    q, r = pts[:, 0], pts[:, 1]
    if np.ptp(r) == 0 or np.ptp(q) == 0:
        return None
    candidates = [(1.0, float(ri - qi)) for qi, ri in zip(q, r)]
    i, j = np.triu_indices(len(pts), 1)
    dq = q[j] - q[i]
    ok = np.abs(dq) > 0.5
    slope = (r[j][ok] - r[i][ok]) / dq[ok]
    keep = (slope >= rates[0]) & (slope <= rates[1])
    candidates += [(float(a), float(r[i][ok][keep][n] - a * q[i][ok][keep][n])) for n, a in enumerate(slope[keep])]
    best_rate, best_offset, best_count = 1.0, 0.0, -1
    for rate, offset in candidates:
        count = int((np.abs(rate * q + offset - r) <= tolerance_s).sum())
        if count > best_count or (count == best_count and abs(rate - 1) < abs(best_rate - 1)):
            best_rate, best_offset, best_count = rate, offset, count
    inliers = np.abs(best_rate * q + best_offset - r) <= tolerance_s
    if inliers.sum() < 2:
        return None
    if np.ptp(q[inliers]) > 0:
        best_rate, best_offset = (float(v) for v in np.polyfit(q[inliers], r[inliers], 1))
    return Alignment(rate=round(best_rate, 4), offset_s=round(best_offset, 3), pairs=len(pts),
                     inliers=int(inliers.sum()))
