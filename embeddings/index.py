"""One FAISS index per channel, persisted atomically, updated incrementally, rebuildable.

Channels and metrics:

=========== ========================= ==============================================
channel      FAISS                     key of each vector
=========== ========================= ==============================================
pdq          binary, Hamming (256 bit) (asset id, frame time, frame number)
keypoints    binary, Hamming (256 bit) (asset id, frame time, frame number) + (x, y)
clip         float, inner product      (asset id, frame time, frame number)
face         float, L2 (128-d)         (person id, frame time in the reference, template number)
voice        float, inner product      (person id, 0.0, 0): one template per person, the mean of their references
=========== ========================= ==============================================

Voice templates (256-d, unit length, one per person) switch to IVF above
``voice_flat_index_max_vectors`` (2 x 10^4): a 10 s clip's ~7 windows cost ~44 ms
flat at 10^5 templates, above the 10 ms target (``benchmarks/results/calibrate_voice.json``, "cost").

Index type by size (figures: ``benchmarks/results/fingerprint.json``, "search";
2-core machine, one batch = 30 query frames):

- ``pdq`` stays an exact flat index up to ``pdq_flat_index_max_vectors``
  (2 x 10^6). A binary IVF is much faster but loses near-duplicates: PDQ copies
  sit 30-70 bits from their source, which often falls in another IVF cell
  (measured top-1 recall with 20 % of bits flipped: about 0.56 at nprobe 16 and
  0.88 at nprobe 64, against 1.0 flat). Flat search costs ~1.2 s per batch
  (240 hashes: 8 dihedral variants x 30 frames) at 10^6; above the threshold
  the channel becomes IVF with nprobe 64 and that recall loss is accepted.
- ``face`` and ``clip`` switch from flat to IVF above ``flat_index_max_vectors``
  (2 x 10^5; nlist ~ sqrt(n), trained on 40 points per list, nprobe 16): one
  batch is only 30 vectors, flat costs ~0.1 s at 10^5 and ~1.5 s at 10^6, IVF
  ~0.03 s at both.
- ``keypoints`` is the expensive channel (a batch is 36 000 descriptors: 600
  per frame, upright and mirrored): flat over 10^5 descriptors (200 frames)
  already takes seconds to tens of seconds per batch, so it switches to IVF
  (nprobe 32) above ``keypoints_flat_index_max_vectors`` (5 x 10^4). Keypoint
  matching needs only 24 geometric inliers among hundreds of true pairs, so it
  tolerates the per-descriptor recall IVF loses (reported in the benchmark);
  weak partial copies near the threshold are the first to be lost.

HNSW is not used because FAISS cannot remove vectors from it, and removal by
owner (an asset withdrawn, a consent revoked) is a hard requirement.

Persistence: a directory holding ``manifest.json`` and, per channel,
``<channel>-<generation>.faiss`` (the FAISS index) and ``.npz`` (ids, keys and
raw vectors). :meth:`IndexSet.save` writes new-generation files, fsyncs them,
then atomically replaces the manifest (temp file + ``os.replace``), and only
then deletes files of older generations. A crash at any point leaves either
the old or the new generation whole; :meth:`IndexSet.open` checks every file
against the SHA-256 in the manifest and raises :class:`IndexCorrupt` when one
is missing or torn. The caller passes an opaque ``revision`` (e.g. the ledger's
log size) to ``save`` and compares :attr:`IndexSet.revision` on open: a
mismatch means the index is behind the records and must be rebuilt with
:meth:`IndexSet.rebuild`. One writer at a time (the ledger's sequencer).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Literal

import numpy as np

from .compact import MAX_FRAME_NUMBER, FrameCodeIndex, KeypointStore, one_search_thread
from .config import EmbeddingsConfig
from .errors import ConfigError, IndexCorrupt
from .fingerprint import MediaFingerprints

if TYPE_CHECKING:
    import faiss

Metric = Literal["hamming", "ip", "l2"]
MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
INDEX_TIERS = ("resident", "compact")
KEYPOINT_STORE = "keypoints"
CHANNEL_METRICS: dict[str, Metric] = {"pdq": "hamming", "keypoints": "hamming", "clip": "ip", "face": "l2",
                                      "voice": "ip"}


@dataclass(frozen=True)
class IndexKey:
    """What an indexed vector belongs to."""

    owner: str        # asset id or person id (opaque to this package)
    time_s: float     # frame time in the owner's media
    ref: int          # frame number (assets) or template number (people)


class ChannelIndex:
    """Vectors of one channel, their keys, and the FAISS index over them."""

    def __init__(self, name: str, metric: Metric, *, flat_max: int, dim: int | None = None, nprobe: int = 16) -> None:
        self.name = name
        self.metric = metric
        self.flat_max = flat_max
        self.nprobe = nprobe
        self.dim = (dim or 256) if metric == "hamming" else dim
        width = (self.dim or 0) // 8 if metric == "hamming" else (self.dim or 0)
        self.vectors = np.zeros((0, width), np.uint8 if metric == "hamming" else np.float32)
        self.ids = np.zeros(0, np.int64)
        self.owner_codes = np.zeros(0, np.int32)
        self.times = np.zeros(0, np.float64)
        self.refs = np.zeros(0, np.int32)
        self.aux = np.zeros((0, 2), np.float32)
        self.owners: list[str] = []
        self._owner_code: dict[str, int] = {}
        self.next_id = 0
        self.index: faiss.Index | faiss.IndexBinary | None = None
        self.index_type = "flat"
        self.dirty = False

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    # -- updates -------------------------------------------------------------
    def add(self, owner: str, vectors: np.ndarray, times: np.ndarray, refs: np.ndarray,
            aux: np.ndarray | None = None) -> int:
        """Append vectors for one owner; returns how many were added."""
        if len(vectors) == 0:
            return 0
        if self.metric == "hamming":
            vectors = np.ascontiguousarray(vectors, dtype=np.uint8)
        else:
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
            if self.dim is None:
                self.dim = int(vectors.shape[1])
                self.vectors = np.zeros((0, self.dim), np.float32)
        if vectors.shape[1] != self.vectors.shape[1]:
            raise ValueError(f"{self.name}: vectors of width {vectors.shape[1]} do not fit an index of width {self.vectors.shape[1]}")
        code = self._owner_code.get(owner)
        if code is None:
            code = len(self.owners)
            self.owners.append(owner)
            self._owner_code[owner] = code
        n = len(vectors)
        ids = np.arange(self.next_id, self.next_id + n, dtype=np.int64)
        self.next_id += n
        self.vectors = np.concatenate([self.vectors, vectors])
        self.ids = np.concatenate([self.ids, ids])
        self.owner_codes = np.concatenate([self.owner_codes, np.full(n, code, np.int32)])
        self.times = np.concatenate([self.times, np.asarray(times, np.float64)])
        self.refs = np.concatenate([self.refs, np.asarray(refs, np.int32)])
        self.aux = np.concatenate([self.aux, np.zeros((n, 2), np.float32) if aux is None else np.asarray(aux, np.float32)])
        if self.index is None or (self.index_type == "flat" and len(self) > self.flat_max):
            self._build()
        else:
            self.index.add_with_ids(vectors, ids)
        self.dirty = True
        return n

    def remove_owner(self, owner: str) -> int:
        """Remove every vector of an owner; returns how many were removed."""
        code = self._owner_code.get(owner)
        if code is None:
            return 0
        mask = self.owner_codes == code
        removed = int(mask.sum())
        if removed:
            if self.index is not None:
                self.index.remove_ids(np.ascontiguousarray(self.ids[mask]))
            keep = ~mask
            for attr in ("vectors", "ids", "owner_codes", "times", "refs", "aux"):
                setattr(self, attr, getattr(self, attr)[keep])
            self.dirty = True
        return removed

    def _build(self) -> None:
        """(Re)create the FAISS index over all stored vectors, flat or IVF by size."""
        import faiss  # imported when an index is built: importing this package must stay light

        n = len(self)
        if self.metric == "hamming":
            if n <= self.flat_max:
                index = faiss.IndexBinaryIDMap(faiss.IndexBinaryFlat(self.dim))
                self.index_type = "flat"
            else:
                nlist = _nlist(n)
                index = faiss.IndexBinaryIVF(faiss.IndexBinaryFlat(self.dim), self.dim, nlist)
                index.train(_sample(self.vectors, nlist))
                index.nprobe = self.nprobe
                self.index_type = f"ivf{nlist}"
        else:
            assert self.dim is not None
            metric = faiss.METRIC_INNER_PRODUCT if self.metric == "ip" else faiss.METRIC_L2
            if n <= self.flat_max:
                flat = faiss.IndexFlatIP(self.dim) if self.metric == "ip" else faiss.IndexFlatL2(self.dim)
                index = faiss.IndexIDMap2(flat)
                self.index_type = "flat"
            else:
                nlist = _nlist(n)
                quantizer = faiss.IndexFlatIP(self.dim) if self.metric == "ip" else faiss.IndexFlatL2(self.dim)
                index = faiss.IndexIVFFlat(quantizer, self.dim, nlist, metric)
                index.train(_sample(self.vectors, nlist))
                index.nprobe = self.nprobe
                self.index_type = f"ivf{nlist}"
        if n:
            index.add_with_ids(self.vectors, self.ids)
        self.index = index

    # -- search --------------------------------------------------------------
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Nearest stored vectors: (distances, rows), both (len(queries), k); row -1 where none.

        Distances are bits (hamming), cosine similarity (ip, for normalised
        vectors) or Euclidean distance (l2; FAISS's squared figure is rooted).
        """
        nq = len(queries)
        if self.index is None or len(self) == 0 or nq == 0:
            return np.zeros((nq, k), np.float32), np.full((nq, k), -1, np.int64)
        k_eff = min(k, len(self))
        with one_search_thread():
            if self.metric == "hamming":
                dist, ids = self.index.search(np.ascontiguousarray(queries, dtype=np.uint8), k_eff)
            else:
                dist, ids = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k_eff)
        if self.metric != "hamming":
            if self.metric == "l2":
                dist = np.sqrt(np.maximum(dist, 0))
        rows = np.searchsorted(self.ids, ids).clip(0, len(self.ids) - 1)
        rows = np.where((ids >= 0) & (self.ids[rows] == ids), rows, -1)
        if k_eff < k:
            pad = k - k_eff
            dist = np.pad(dist, ((0, 0), (0, pad)))
            rows = np.pad(rows, ((0, 0), (0, pad)), constant_values=-1)
        return dist.astype(np.float32), rows

    def key(self, row: int) -> IndexKey:
        """The key of a stored row."""
        return IndexKey(self.owners[int(self.owner_codes[row])], float(self.times[row]), int(self.refs[row]))

    def owner_of(self, row: int) -> str:
        return self.owners[int(self.owner_codes[row])]

    # -- persistence ----------------------------------------------------------
    def to_files(self) -> tuple[bytes, bytes]:
        """(FAISS index bytes, npz bytes of ids/keys/vectors)."""
        import faiss

        if self.index is None and self.dim:
            self._build()
        if self.index is None:
            faiss_bytes = b""
        elif self.metric == "hamming":
            faiss_bytes = faiss.serialize_index_binary(self.index).tobytes()
        else:
            faiss_bytes = faiss.serialize_index(self.index).tobytes()
        buffer = io.BytesIO()
        live = np.unique(self.owner_codes)
        remap = np.full(max(len(self.owners), 1), -1, np.int32)
        remap[live] = np.arange(len(live), dtype=np.int32)
        owners = np.array([self.owners[c] for c in live], dtype=np.str_) if len(live) else np.zeros(0, np.str_)
        np.savez(buffer, vectors=self.vectors, ids=self.ids, owner_codes=remap[self.owner_codes] if len(self) else self.owner_codes,
                 times=self.times, refs=self.refs, aux=self.aux, owners=owners,
                 meta=np.array([self.next_id, self.dim or 0], np.int64))
        return faiss_bytes, buffer.getvalue()

    @classmethod
    def from_files(cls, name: str, metric: Metric, flat_max: int, faiss_bytes: bytes, npz_bytes: bytes, *,
                   nprobe: int = 16) -> "ChannelIndex":
        data = np.load(io.BytesIO(npz_bytes), allow_pickle=False)
        next_id, dim = (int(v) for v in data["meta"])
        channel = cls(name, metric, flat_max=flat_max, dim=dim or None, nprobe=nprobe)
        channel.vectors = data["vectors"]
        channel.ids, channel.owner_codes = data["ids"], data["owner_codes"]
        channel.times, channel.refs, channel.aux = data["times"], data["refs"], data["aux"]
        channel.owners = [str(o) for o in data["owners"]]
        channel._owner_code = {o: i for i, o in enumerate(channel.owners)}
        channel.next_id = next_id
        if faiss_bytes:
            import faiss

            raw = np.frombuffer(faiss_bytes, np.uint8)
            channel.index = faiss.deserialize_index_binary(raw) if metric == "hamming" else faiss.deserialize_index(raw)
            channel.index_type = "flat" if len(channel) <= flat_max else f"ivf{_nlist(len(channel))}"
            if channel.index.ntotal != len(channel):
                raise IndexCorrupt(f"{name}: FAISS index holds {channel.index.ntotal} vectors, keys say {len(channel)}")
            if channel.index_type != "flat":
                channel.index.nprobe = channel.nprobe
        return channel


def _nlist(n: int) -> int:
    """IVF list count: about sqrt(n), with at least 39 training points per list."""
    return int(max(1, min(65536, np.sqrt(n), n // 39)))


def _sample(vectors: np.ndarray, nlist: int) -> np.ndarray:
    limit = min(len(vectors), max(nlist * 40, 10_000))  # FAISS wants >= 39 points per list
    if limit == len(vectors):
        return vectors
    picks = np.random.default_rng(0).choice(len(vectors), limit, replace=False)
    return np.ascontiguousarray(vectors[np.sort(picks)])


class IndexSet:
    """All channel indexes of one installation, in one directory."""

    def __init__(self, directory: Path | str, config: EmbeddingsConfig | None = None) -> None:
        self.directory = Path(directory)
        self.config = config or EmbeddingsConfig()
        if self.config.index_tier not in INDEX_TIERS:
            raise ConfigError("index_tier", " or ".join(repr(t) for t in INDEX_TIERS), self.config.index_tier)
        self.channels: dict[str, ChannelIndex] = {
            name: ChannelIndex(name, metric, **self._sizing(name)) for name, metric in CHANNEL_METRICS.items()}
        self.keypoint_store: KeypointStore | None = None
        if self.compact:
            if self.config.max_frames_per_asset > MAX_FRAME_NUMBER + 1:
                raise ConfigError("max_frames_per_asset", f"at most {MAX_FRAME_NUMBER + 1} with the compact index tier",
                                  self.config.max_frames_per_asset)
            sizing = self._sizing("pdq")
            self.channels["pdq"] = FrameCodeIndex("pdq", flat_max=sizing["flat_max"], nprobe=sizing["nprobe"])  # type: ignore[assignment]  # duck-typed: the parts matching uses
            self.keypoint_store = KeypointStore(self.directory / KEYPOINT_STORE,
                                               per_frame=self.config.keypoints_stored_per_frame,
                                               descriptor_bits=self.config.keypoints_stored_bits)
        self.generation = 0
        self.revision: str | None = None

    @property
    def compact(self) -> bool:
        """True for the compact tier (PDQ in memory, keypoints on disk): see :mod:`embeddings.compact`."""
        return self.config.index_tier == "compact"

    # -- open / save / rebuild -------------------------------------------------
    @classmethod
    def open(cls, directory: Path | str, config: EmbeddingsConfig | None = None) -> "IndexSet":
        """Load the last saved generation; an empty set when the directory has none.

        Raises IndexCorrupt when the manifest or a file it names is unreadable,
        missing or does not match its checksum (rebuild from the records).
        """
        indexes = cls(directory, config)
        manifest_path = indexes.directory / MANIFEST
        if not manifest_path.exists():
            return indexes
        try:
            manifest = json.loads(manifest_path.read_text("utf-8"))
            if manifest.get("format") != MANIFEST_FORMAT:
                raise IndexCorrupt(f"{manifest_path}: unknown manifest format {manifest.get('format')!r}; rebuild the index")
            if manifest.get("tier", "resident") != indexes.config.index_tier:
                raise IndexCorrupt(f"{manifest_path}: index was built for the {manifest.get('tier', 'resident')!r} tier, "
                                   f"the setting says {indexes.config.index_tier!r}; rebuild the index")
            for name, entry in manifest["channels"].items():
                blobs = []
                for kind in ("faiss", "data"):
                    path = indexes.directory / entry[kind]
                    if not path.is_file():
                        raise IndexCorrupt(f"{path} named by {manifest_path} is missing; rebuild the index")
                    blob = path.read_bytes()
                    if hashlib.sha256(blob).hexdigest() != entry[f"sha256_{kind}"]:
                        raise IndexCorrupt(f"{path} does not match its checksum in {manifest_path} (torn write?); rebuild the index")
                    blobs.append(blob)
                sizing = indexes._sizing(name)
                if indexes.compact and name == "pdq":
                    indexes.channels[name] = FrameCodeIndex.from_files(  # type: ignore[assignment]  # duck-typed
                        name, sizing["flat_max"], *blobs, nprobe=sizing["nprobe"])
                    continue
                indexes.channels[name] = ChannelIndex.from_files(name, CHANNEL_METRICS[name], sizing["flat_max"],
                                                                 *blobs, nprobe=sizing["nprobe"])
            stale = indexes.keypoint_store.stale_files() if indexes.keypoint_store is not None else []
            if stale:
                raise IndexCorrupt(f"{stale[0]}: keypoint file of an older format; rebuild the index")
            indexes.generation = int(manifest["generation"])
            indexes.revision = manifest.get("revision")
        except IndexCorrupt:
            raise
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise IndexCorrupt(f"{manifest_path}: unreadable index ({exc}); rebuild the index") from exc
        return indexes

    def save(self, revision: str | None = None) -> None:
        """Persist every changed channel as a new generation, then switch the manifest atomically."""
        self.directory.mkdir(parents=True, exist_ok=True)
        generation = self.generation + 1
        previous = self._read_manifest_entries()
        entries: dict[str, dict[str, object]] = {}
        for name, channel in self.channels.items():
            if not channel.dirty and name in previous:
                entries[name] = previous[name]
                continue
            faiss_bytes, npz_bytes = channel.to_files()
            entry: dict[str, object] = {"count": len(channel), "index_type": channel.index_type,
                                        "metric": channel.metric, "dim": channel.dim}
            for kind, blob, suffix in (("faiss", faiss_bytes, "faiss"), ("data", npz_bytes, "npz")):
                file_name = f"{name}-{generation}.{suffix}"
                _write_atomic(self.directory / file_name, blob)
                entry[kind] = file_name
                entry[f"sha256_{kind}"] = hashlib.sha256(blob).hexdigest()
            entries[name] = entry
        manifest = {"format": MANIFEST_FORMAT, "generation": generation, "revision": revision, "channels": entries,
                    **({"tier": "compact"} if self.compact else {})}
        _write_atomic(self.directory / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
        _fsync_dir(self.directory)
        self.generation, self.revision = generation, revision
        for channel in self.channels.values():
            channel.dirty = False
        self._collect_garbage(entries)

    @classmethod
    def rebuild(cls, directory: Path | str, *, assets: Iterable[tuple[str, MediaFingerprints]] = (),
                people: Iterable[tuple[str, MediaFingerprints]] = (), config: EmbeddingsConfig | None = None,
                revision: str | None = None) -> "IndexSet":
        """Build every channel afresh from stored fingerprints and save it (replacing what was there)."""
        indexes = cls(directory, config)
        try:
            indexes.generation = int(json.loads((indexes.directory / MANIFEST).read_text("utf-8"))["generation"])
        except (OSError, ValueError, KeyError, TypeError):
            indexes.generation = 0
        if indexes.keypoint_store is not None:
            indexes.keypoint_store.clear()
        for owner, fingerprints in assets:
            indexes.add_asset(owner, fingerprints)
        for owner, fingerprints in people:
            indexes.add_person(owner, fingerprints)
        for channel in indexes.channels.values():
            channel.dirty = True
        indexes.save(revision)
        return indexes

    def _sizing(self, name: str) -> dict[str, int]:
        """Flat-to-IVF threshold and nprobe for a channel (see the module docstring for the figures)."""
        if name == "pdq":
            return {"flat_max": self.config.pdq_flat_index_max_vectors, "nprobe": self.config.pdq_ivf_nprobe}
        if name == "keypoints":
            return {"flat_max": self.config.keypoints_flat_index_max_vectors, "nprobe": 32}
        if name == "voice":
            return {"flat_max": self.config.voice_flat_index_max_vectors, "nprobe": 16}
        return {"flat_max": self.config.flat_index_max_vectors, "nprobe": 16}

    # -- updates ------------------------------------------------------------------
    def add_asset(self, asset_id: str, fingerprints: MediaFingerprints) -> dict[str, int]:
        """Index a registered asset's frames (PDQ, keypoints, CLIP); returns vectors added per channel."""
        cfg = self.config
        added = {"pdq": 0, "keypoints": 0, "clip": 0}
        pdq = [(i, f.time_s, f.pdq) for i, f in enumerate(fingerprints.frames)
               if f.pdq is not None and f.pdq_quality >= cfg.pdq_min_quality]
        if pdq:
            centres = [fingerprints.frames[i].pdq_centre for i, _, _ in pdq]
            known = [np.frombuffer(c, np.uint8) for c in centres if c is not None]
            # compact tier: the frames' centre codes, where every one of them has one (older records have none)
            centre = np.stack(known) if self.compact and len(known) == len(pdq) else None
            added["pdq"] = self.channels["pdq"].add(
                asset_id, np.stack([np.frombuffer(bits, np.uint8) for _, _, bits in pdq]),
                np.array([t for _, t, _ in pdq]), np.array([i for i, _, _ in pdq]), aux=centre)
        kp = [(i, f.time_s, f.keypoints) for i, f in enumerate(fingerprints.frames)
              if f.keypoints is not None and len(f.keypoints)]
        if self.keypoint_store is not None:
            added["keypoints"] = self.keypoint_store.put(asset_id, fingerprints)
        elif kp:
            added["keypoints"] = self.channels["keypoints"].add(
                asset_id, np.concatenate([points.descriptors for _, _, points in kp]),
                np.concatenate([np.full(len(points), t) for _, t, points in kp]),
                np.concatenate([np.full(len(points), i) for i, _, points in kp]),
                aux=np.concatenate([points.xy for _, _, points in kp]))
        clip = [(i, f.time_s, f.clip) for i, f in enumerate(fingerprints.frames) if f.clip is not None]
        if clip:
            added["clip"] = self.channels["clip"].add(
                asset_id, np.stack([vector for _, _, vector in clip]), np.array([t for _, t, _ in clip]),
                np.array([i for i, _, _ in clip]))
        return added

    def add_person(self, person_id: str, fingerprints: MediaFingerprints) -> int:
        """Index face templates from one likeness reference, or the voice template of a voice reference.

        Returns templates added.

        Only the largest face of each frame is taken (a reference photo or clip
        is of the person; bystanders are usually smaller). Template numbers
        continue across several references of the same person.
        """
        if fingerprints.purpose == "voice":
            return self._add_voice(person_id, fingerprints)
        channel = self.channels["face"]
        code = channel._owner_code.get(person_id)
        start = int((channel.owner_codes == code).sum()) if code is not None else 0
        picks = []
        for frame in fingerprints.frames:
            if frame.faces:
                largest = max(frame.faces, key=lambda f: (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))
                picks.append((frame.time_s, largest.descriptor))
        if not picks:
            return 0
        return channel.add(person_id, np.stack([d for _, d in picks]), np.array([t for t, _ in picks]),
                           np.arange(start, start + len(picks)))

    def _add_voice(self, person_id: str, fingerprints: MediaFingerprints) -> int:
        """Fold a voice reference into the person's one voice template (the mean of their references).

        benchmarks/calibrate_voice.py compared one template per reference with their mean: the mean
        found every same-speaker utterance at a zero-false-match threshold, separate templates
        missed one (results/calibrate_voice.json). The row keeps, in ``aux``, the length of the
        unnormalised mean and how many references it holds, so references fold in one at a time
        (incremental updates and rebuilds agree). Returns references folded in.
        """
        if not fingerprints.voice:
            return 0
        channel = self.channels["voice"]
        total = np.sum([w.embedding for w in fingerprints.voice], axis=0).astype(np.float64)
        count = len(fingerprints.voice)
        code = channel._owner_code.get(person_id)
        rows = np.flatnonzero(channel.owner_codes == code) if code is not None else np.zeros(0, np.int64)
        if len(rows):
            row = int(rows[0])
            length, held = float(channel.aux[row, 0]), int(round(float(channel.aux[row, 1])))
            total += channel.vectors[row].astype(np.float64) * length * held
            count += held
            channel.remove_owner(person_id)
        mean = total / count
        length = float(np.linalg.norm(mean))
        channel.add(person_id, (mean / max(length, 1e-12)).astype(np.float32)[None, :], np.array([0.0]),
                    np.array([0]), aux=np.array([[length, count]], np.float32))
        return len(fingerprints.voice)

    def remove(self, owner_id: str) -> int:
        """Remove an asset or person from every channel; returns vectors removed."""
        removed = sum(channel.remove_owner(owner_id) for channel in self.channels.values())
        if self.keypoint_store is not None:
            removed += self.keypoint_store.remove(owner_id)
        return removed

    def stats(self) -> dict[str, dict[str, object]]:
        """Per channel: vectors, owners, index type (for ``clearance doctor``)."""
        out: dict[str, dict[str, object]] = {
            name: {"vectors": len(c), "owners": int(len(np.unique(c.owner_codes))),
                   "index_type": c.index_type if c.index is not None else "empty", "metric": c.metric}
            for name, c in self.channels.items()}
        if self.keypoint_store is not None:
            counts = self.keypoint_store.frame_counts()
            out["keypoints"] = {"vectors": None, "frames": sum(counts.values()), "owners": len(counts),
                                "index_type": "on disk, per asset", "metric": "hamming",
                                "bytes_on_disk": self.keypoint_store.bytes_on_disk()}
        return out

    # -- helpers ------------------------------------------------------------------
    def _read_manifest_entries(self) -> dict[str, dict[str, object]]:
        try:
            entries: dict[str, dict[str, object]] = json.loads((self.directory / MANIFEST).read_text("utf-8"))["channels"]
            return entries
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    def _collect_garbage(self, entries: dict[str, dict[str, object]]) -> None:
        keep = {MANIFEST} | {str(e[k]) for e in entries.values() for k in ("faiss", "data")}
        for path in self.directory.iterdir():
            ours = path.name.split("-")[0] in CHANNEL_METRICS or path.name.startswith(MANIFEST + ".")
            if path.name not in keep and path.suffix in (".faiss", ".npz", ".tmp") and ours:
                path.unlink(missing_ok=True)


def _write_atomic(path: Path, blob: bytes) -> None:
    """Write via a temp file in the same directory, fsync, then os.replace."""
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
