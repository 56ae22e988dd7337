"""The compact index tier: what every check searches stays small in memory; keypoints wait on disk.

A studio library is ~10^8 registered frames. The resident keypoint channel
(:mod:`embeddings.index`) keeps ~52 KB a frame in memory, which does not fit.
With ``index_tier = "compact"`` an :class:`~embeddings.index.IndexSet` keeps:

* in memory, per registered frame, only :class:`FrameCodeIndex`: the 32-byte
  PDQ code inside FAISS (flat, or a binary IVF above ``pdq_flat_index_max_vectors``),
  its 8-byte FAISS id, the frame's key (8-byte id, 4-byte owner number,
  4-byte time, 2-byte frame number), and its 32-byte centre code (the PDQ of
  its central square, :func:`embeddings.channels.perceptual.centre_code`) with
  its 8-byte FAISS id in a second binary index: 98 bytes, measured by
  ``benchmarks/scale.py`` (``memory_bytes``);
* on disk, per asset, :class:`KeypointStore`: compressed chunk files holding
  each frame's strongest keypoints (positions as uint16, the leading bits of
  each ORB descriptor), ~3.6 KB a frame, read only for the candidate assets a
  check verifies.

A check verifies keypoints (RANSAC homography, as the resident tier does) for
the assets whose PDQ codes come within ``keypoint_candidate_pdq_distance`` of
a query frame (a looser radius than a PDQ match), for the assets whose centre
codes come within ``centre_candidate_pdq_distance`` of one of the query
frame's central squares (a centred reframing: a 9:16 or square cut, a centred
crop or zoom), and for every stored asset while the store holds at most
``keypoints_exhaustive_max_frames`` frames, so a small world (the demo, the
tests) loses nothing to the tier. Above that, a copy that none of these
reaches (an off-centre crop of a library frame) is not verified:
``benchmarks/scale.py`` measures that recall against the flat index, per
transformation, rather than hide it.

Removal by owner is exact at every size: the owner's PDQ rows and centre codes
leave FAISS (flat and IVF alike) and its keypoint file is deleted at once.
Fingerprints recorded before centre codes existed index without one.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import IndexCorrupt

if TYPE_CHECKING:
    import faiss

    from .fingerprint import MediaFingerprints

CODE_BYTES = 32
#: Highest frame number a key holds (uint16): max_frames_per_asset may not exceed it + 1 in the compact tier.
MAX_FRAME_NUMBER = int(np.iinfo(np.uint16).max)
#: Frames per keypoint file of an asset (one file for an image, ~1 per 30 s of video sampled at 1 fps).
CHUNK_FRAMES = 32


@contextmanager
def one_search_thread() -> Iterator[None]:
    """Run a FAISS search on one OpenMP thread, then restore the setting.

    A check searches small batches (8 PDQ variants of one frame, 600
    descriptors); FAISS's OpenMP threads then spin against each other and
    against other processes: on this shared 2-core machine one 8-code search over
    2 x 10^4 codes took 78 ms (p50) on two threads and 0.2 ms on one, over 10^6
    codes 910 ms against 113 ms. Building and training keep every thread.
    OpenMP keeps this setting per calling thread, so concurrent checks in other
    threads are not affected.
    """
    import faiss

    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


@dataclass(frozen=True)
class FrameKey:
    """What an indexed frame belongs to (the same fields as :class:`embeddings.index.IndexKey`)."""

    owner: str
    time_s: float
    ref: int


class FrameCodeIndex:
    """PDQ codes of registered frames with slim keys: the in-memory tier.

    Offers the parts of :class:`embeddings.index.ChannelIndex` that matching
    uses (``search``, ``owner_of``, ``key``, ``times``, ``refs``), without the
    second copy of every vector and the 8-byte times the resident channel keeps.
    """

    metric = "hamming"
    dim = 256

    def __init__(self, name: str = "pdq", *, flat_max: int, nprobe: int = 64) -> None:
        self.name = name
        self.flat_max = flat_max
        self.nprobe = nprobe
        self.ids = np.zeros(0, np.int64)
        self.owner_codes = np.zeros(0, np.int32)
        self.times = np.zeros(0, np.float32)
        self.refs = np.zeros(0, np.uint16)
        self.owners: list[str] = []
        self._owner_code: dict[str, int] = {}
        self.next_id = 0
        self.index: faiss.IndexBinary | None = None
        self.index_type = "flat"
        self.centre: faiss.IndexBinary | None = None
        """The frames' centre codes (PDQ of the central square), under the same ids; its own flat-to-IVF switch."""
        self.centre_is_ivf = False
        self.dirty = False

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def add(self, owner: str, vectors: np.ndarray, times: np.ndarray, refs: np.ndarray,
            aux: np.ndarray | None = None) -> int:
        """Append one owner's frame codes ((n, 32) uint8) and, as ``aux``, the same frames' centre codes
        ((n, 32), or None where they have none: fingerprints recorded before centre codes); returns how many."""
        if len(vectors) == 0:
            return 0
        vectors = self._checked(vectors)
        centre = None if aux is None else self._checked(aux)
        code = self._owner_code.get(owner)
        if code is None:
            code = len(self.owners)
            self.owners.append(owner)
            self._owner_code[owner] = code
        self._append(np.full(len(vectors), code, np.int32), vectors, times, refs, centre)
        return len(vectors)

    def add_bulk(self, owner_codes: np.ndarray, owners: list[str], vectors: np.ndarray, times: np.ndarray,
                 refs: np.ndarray, centre: np.ndarray | None = None) -> None:
        """Append many owners' codes at once (``benchmarks/scale.py`` builds 10^7 frames this way)."""
        base = len(self.owners)
        for i, owner in enumerate(owners):
            self.owners.append(owner)
            self._owner_code[owner] = base + i
        self._append(np.asarray(owner_codes, np.int32) + base, self._checked(vectors), times, refs,
                     None if centre is None else self._checked(centre))

    def _checked(self, codes: np.ndarray) -> np.ndarray:
        codes = np.ascontiguousarray(codes, dtype=np.uint8)
        if codes.ndim != 2 or codes.shape[1] != CODE_BYTES:
            raise ValueError(f"{self.name}: codes of width {codes.shape[-1]} do not fit an index of width {CODE_BYTES}")
        return codes

    def _append(self, owner_codes: np.ndarray, vectors: np.ndarray, times: np.ndarray, refs: np.ndarray,
                centre: np.ndarray | None) -> None:
        refs = np.asarray(refs)
        if len(refs) and (refs.min() < 0 or refs.max() > MAX_FRAME_NUMBER):
            raise ValueError(f"{self.name}: frame numbers run to {int(refs.max())}; the compact tier numbers at most "
                             f"{MAX_FRAME_NUMBER + 1} frames an asset (max_frames_per_asset)")
        if centre is not None and len(centre) != len(vectors):
            raise ValueError(f"{self.name}: {len(centre)} centre codes for {len(vectors)} frames")
        n = len(vectors)
        ids = np.arange(self.next_id, self.next_id + n, dtype=np.int64)
        self.next_id += n
        self.ids = np.concatenate([self.ids, ids])
        self.owner_codes = np.concatenate([self.owner_codes, owner_codes])
        self.times = np.concatenate([self.times, np.asarray(times, np.float32)])
        self.refs = np.concatenate([self.refs, refs.astype(np.uint16)])
        if self.index is None:
            self.index = self._empty_flat()
        if self.index_type == "flat" and len(self) > self.flat_max:
            self._to_ivf(np.concatenate([self._codes(), vectors]))
        else:
            self.index.add_with_ids(vectors, ids)
        if centre is not None:
            self._add_centre(centre, ids)
        self.dirty = True

    def _add_centre(self, codes: np.ndarray, ids: np.ndarray) -> None:
        """Centre codes go to a flat index of their own until it holds more than ``flat_max``, then to an IVF."""
        if self.centre is None:
            self.centre = _flat_binary(self.dim)
        if not self.centre_is_ivf and self.centre.ntotal + len(codes) > self.flat_max:
            held, held_ids = _flat_contents(self.centre)
            self.centre, _ = _binary_ivf(np.concatenate([held, codes]), np.concatenate([held_ids, ids]), self.dim,
                                         self.nprobe)
            self.centre_is_ivf = True
        else:
            self.centre.add_with_ids(codes, ids)

    def centre_count(self) -> int:
        return 0 if self.centre is None else int(self.centre.ntotal)

    def remove_owner(self, owner: str) -> int:
        """Remove every frame of an owner, from FAISS and the keys; returns how many."""
        code = self._owner_code.get(owner)
        if code is None:
            return 0
        mask = self.owner_codes == code
        removed = int(mask.sum())
        if removed:
            assert self.index is not None
            self.index.remove_ids(np.ascontiguousarray(self.ids[mask]))
            if self.centre is not None:
                self.centre.remove_ids(np.ascontiguousarray(self.ids[mask]))
            keep = ~mask
            self.ids, self.owner_codes = self.ids[keep], self.owner_codes[keep]
            self.times, self.refs = self.times[keep], self.refs[keep]
            self.dirty = True
        return removed

    def _empty_flat(self) -> "faiss.IndexBinary":
        self.index_type = "flat"
        return _flat_binary(self.dim)

    def _codes(self) -> np.ndarray:
        """The stored codes in row order, read back from FAISS (no second copy is kept)."""
        import faiss

        if self.index is None or self.index.ntotal == 0:
            return np.zeros((0, CODE_BYTES), np.uint8)
        if self.index_type == "flat":
            codes, ids = _flat_contents(self.index)
            return np.ascontiguousarray(codes[np.argsort(ids, kind="stable")])
        ivf = faiss.extract_index_ivf(self.index) if hasattr(faiss, "extract_index_ivf") else self.index
        ivf.make_direct_map()
        return np.stack([ivf.reconstruct(int(i)) for i in self.ids]).astype(np.uint8)

    def _to_ivf(self, codes: np.ndarray) -> None:
        """Switch to a binary IVF (nlist ~ sqrt(n)) over ``codes`` (row order)."""
        self.index, nlist = _binary_ivf(codes, self.ids, self.dim, self.nprobe)
        self.index_type = f"ivf{nlist}"

    def search_centre(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Nearest stored centre codes: (Hamming bits, rows), both (len(queries), k); row -1 where none."""
        return self._search(self.centre, queries, k)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Nearest stored codes: (Hamming bits, rows), both (len(queries), k); row -1 where none."""
        return self._search(self.index, queries, k)

    def _search(self, index: "faiss.IndexBinary | None", queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        nq = len(queries)
        if index is None or index.ntotal == 0 or nq == 0:
            return np.zeros((nq, k), np.float32), np.full((nq, k), -1, np.int64)
        k_eff = min(k, int(index.ntotal))
        with one_search_thread():
            dist, ids = index.search(np.ascontiguousarray(queries, dtype=np.uint8), k_eff)
        rows = np.searchsorted(self.ids, ids).clip(0, len(self.ids) - 1)
        rows = np.where((ids >= 0) & (self.ids[rows] == ids), rows, -1)
        if k_eff < k:
            dist = np.pad(dist, ((0, 0), (0, k - k_eff)))
            rows = np.pad(rows, ((0, 0), (0, k - k_eff)), constant_values=-1)
        return dist.astype(np.float32), rows

    def key(self, row: int) -> FrameKey:
        return FrameKey(self.owners[int(self.owner_codes[row])], float(self.times[row]), int(self.refs[row]))

    def owner_of(self, row: int) -> str:
        return self.owners[int(self.owner_codes[row])]

    def memory_bytes(self) -> dict[str, int]:
        """Bytes held in memory, by part (FAISS codes and ids; the keys)."""
        n = len(self)
        centre = self.centre_count()
        return {"pdq_codes": n * CODE_BYTES, "faiss_ids": n * 8,
                "keys": int(self.ids.nbytes + self.owner_codes.nbytes + self.times.nbytes + self.refs.nbytes),
                "centre_codes": centre * CODE_BYTES, "centre_faiss_ids": centre * 8,
                "owner_names": sum(len(o) + 49 for o in self.owners)}

    def to_files(self) -> tuple[bytes, bytes]:
        """(FAISS index bytes, npz bytes of the keys)."""
        import faiss

        if self.index is None:
            self.index = self._empty_flat()
        faiss_bytes = faiss.serialize_index_binary(self.index).tobytes()
        live = np.unique(self.owner_codes)
        remap = np.full(max(len(self.owners), 1), -1, np.int32)
        remap[live] = np.arange(len(live), dtype=np.int32)
        owners = np.array([self.owners[c] for c in live], dtype=np.str_) if len(live) else np.zeros(0, np.str_)
        buffer = io.BytesIO()
        np.savez(buffer, ids=self.ids, owner_codes=remap[self.owner_codes] if len(self) else self.owner_codes,
                 times=self.times, refs=self.refs, owners=owners,
                 meta=np.array([self.next_id, 1 if self.index_type != "flat" else 0, int(self.centre_is_ivf)], np.int64),
                 **({"centre": faiss.serialize_index_binary(self.centre)} if self.centre is not None else {}))
        return faiss_bytes, buffer.getvalue()

    @classmethod
    def from_files(cls, name: str, flat_max: int, faiss_bytes: bytes, npz_bytes: bytes, *,
                   nprobe: int = 64) -> "FrameCodeIndex":
        import faiss

        data = np.load(io.BytesIO(npz_bytes), allow_pickle=False)
        channel = cls(name, flat_max=flat_max, nprobe=nprobe)
        channel.ids, channel.owner_codes = data["ids"], data["owner_codes"]
        refs = np.asarray(data["refs"])
        if len(refs) and (refs.min() < 0 or refs.max() > MAX_FRAME_NUMBER):
            raise IndexCorrupt(f"{name}: frame numbers out of range; rebuild the index")
        channel.times, channel.refs = data["times"], refs.astype(np.uint16)
        channel.owners = [str(o) for o in data["owners"]]
        channel._owner_code = {o: i for i, o in enumerate(channel.owners)}
        meta = [int(v) for v in data["meta"]]
        channel.next_id, is_ivf = meta[0], meta[1]
        channel.index = faiss.deserialize_index_binary(np.frombuffer(faiss_bytes, np.uint8))
        if channel.index.ntotal != len(channel):
            raise IndexCorrupt(f"{name}: FAISS index holds {channel.index.ntotal} codes, keys say {len(channel)}")
        if is_ivf:
            channel.index_type = f"ivf{channel.index.nlist}"
            channel.index.nprobe = nprobe
        if "centre" in data.files:   # indexes written before centre codes have none
            channel.centre = faiss.deserialize_index_binary(np.ascontiguousarray(data["centre"], np.uint8))
            channel.centre_is_ivf = len(meta) > 2 and bool(meta[2])
            if channel.centre.ntotal > len(channel):
                raise IndexCorrupt(f"{name}: {channel.centre.ntotal} centre codes for {len(channel)} frames")
            if channel.centre_is_ivf:
                channel.centre.nprobe = nprobe
        return channel


def _flat_binary(dim: int) -> "faiss.IndexBinary":
    """An empty exact binary index keyed by FAISS ids."""
    import faiss

    return faiss.IndexBinaryIDMap(faiss.IndexBinaryFlat(dim))


def _binary_ivf(codes: np.ndarray, ids: np.ndarray, dim: int, nprobe: int) -> "tuple[faiss.IndexBinary, int]":
    """A binary IVF (nlist ~ sqrt(n)) trained on and holding ``codes`` under ``ids``; (index, nlist)."""
    import faiss

    nlist = _nlist(len(codes))
    index = faiss.IndexBinaryIVF(faiss.IndexBinaryFlat(dim), dim, nlist)
    index.train(_sample(codes, nlist))
    index.nprobe = nprobe
    index.add_with_ids(codes, ids)
    return index, nlist


def _flat_contents(index: "faiss.IndexBinary") -> tuple[np.ndarray, np.ndarray]:
    """(codes, ids) held by a flat ``IndexBinaryIDMap``."""
    import faiss

    inner = faiss.downcast_IndexBinary(index.index)
    return (faiss.vector_to_array(inner.xb).reshape(-1, CODE_BYTES).copy(),
            faiss.vector_to_array(index.id_map).astype(np.int64))


def _nlist(n: int) -> int:
    """IVF list count: about sqrt(n), with at least 39 training points per list."""
    return int(max(1, min(65536, np.sqrt(n), n // 39)))


def _sample(codes: np.ndarray, nlist: int) -> np.ndarray:
    limit = min(len(codes), max(nlist * 40, 10_000))
    if limit == len(codes):
        return codes
    picks = np.random.default_rng(0).choice(len(codes), limit, replace=False)
    return np.ascontiguousarray(codes[np.sort(picks)])


@dataclass(frozen=True)
class AssetKeypoints:
    """One asset's stored keypoints: every frame's descriptors and positions, concatenated."""

    owner: str
    frame_of: np.ndarray    # (n,) int32: frame number (``ref``) of each keypoint
    times: np.ndarray       # (n,) float32: that frame's time
    xy: np.ndarray          # (n, 2) float32, analysis-frame pixels
    descriptors: np.ndarray  # (n, 32) uint8

    @property
    def frames(self) -> int:
        return int(len(np.unique(self.frame_of)))


#: First bytes of a keypoint chunk file (format 2: zlib of header + uint16 positions + descriptors).
CHUNK_MAGIC = b"CLKP2\n"
CHUNK_SUFFIX = ".kps"


def encode_chunk(owner: str, frames: list[tuple[int, float, np.ndarray, np.ndarray]]) -> bytes:
    """One chunk file: ``frames`` is (ref, time, xy (k, 2) float, descriptors (k, 32) uint8) per frame.

    Positions are quantised to uint16 on a grid of ``step`` pixels (1/16 px for
    analysis frames up to 4096 px wide); descriptors stay exact (ORB bits barely
    compress, and a lossy descriptor would move the calibrated distance). The
    per-keypoint frame numbers and times of the old ``.npz`` format become one
    count per frame.
    """
    xy = np.concatenate([f[2] for f in frames]).astype(np.float64) if frames else np.zeros((0, 2))
    step = max(1.0 / 16, float(xy.max(initial=0.0)) / 65535.0)
    descriptors = np.concatenate([f[3] for f in frames]).astype(np.uint8) if frames else np.zeros((0, 32), np.uint8)
    header = json.dumps({"owner": owner, "refs": [int(f[0]) for f in frames], "width": int(descriptors.shape[1]),
                         "times": [float(f[1]) for f in frames], "counts": [int(len(f[3])) for f in frames],
                         "step": step}).encode("utf-8")
    quantised = np.clip(np.rint(xy / step), 0, 65535).astype("<u2")
    payload = struct.pack("<I", len(header)) + header + quantised.tobytes() + descriptors.tobytes()
    return CHUNK_MAGIC + zlib.compress(payload, 6)


def decode_chunk(blob: bytes) -> AssetKeypoints:
    """The inverse of :func:`encode_chunk`; ValueError for anything that is not such a file."""
    if not blob.startswith(CHUNK_MAGIC):
        raise ValueError("not a keypoint chunk (bad magic)")
    try:
        payload = zlib.decompress(blob[len(CHUNK_MAGIC):])
    except zlib.error as exc:
        raise ValueError(f"damaged keypoint chunk: {exc}") from exc
    (length,) = struct.unpack_from("<I", payload)
    header = json.loads(payload[4:4 + length].decode("utf-8"))
    counts = np.asarray(header["counts"], np.int64)
    n = int(counts.sum())
    body = payload[4 + length:]
    width = int(header["width"])
    if len(body) != n * 4 + n * width:
        raise ValueError(f"keypoint chunk holds {len(body)} bytes for {n} keypoints")
    xy = np.frombuffer(body[:n * 4], "<u2").reshape(n, 2).astype(np.float32) * np.float32(header["step"])
    descriptors = np.frombuffer(body[n * 4:], np.uint8).reshape(n, width)
    return AssetKeypoints(str(header["owner"]), np.repeat(np.asarray(header["refs"], np.int32), counts),
                          np.repeat(np.asarray(header["times"], np.float32), counts), xy, descriptors)


class KeypointStore:
    """Per-asset keypoint files (format 2, ``.kps``) in one directory; the on-disk verification tier.

    Each registered frame keeps its first ``per_frame`` keypoints (settings
    ``keypoints_stored_per_frame``, ``keypoints_stored_bits``): the extractor
    orders them strongest first, round-robin over a 4 x 4 grid of the frame
    (:func:`embeddings.channels.keypoints.orb_keypoints`), so the prefix is the
    strongest keypoints spread over the whole picture and a crop keeps its
    share. Of each 256-bit descriptor the leading ``descriptor_bits`` are kept.
    More, shorter descriptors found more crops than fewer full ones at the same
    bytes (230 x 96 bits: ~3.6 KB a frame, against 17 KB for 500 x 256 in the
    old ``.npz``); ``benchmarks/keypoint_store.py`` measures bytes and recall.

    An asset's frames are stored in chunks of :data:`CHUNK_FRAMES` frames
    (``<sha256 of the owner id>-<chunk>.kps``), so verifying a few frames of a
    two-hour title reads one or two chunks, not the title. Files are written
    atomically (temp file, fsync, rename); removal deletes every chunk.
    Loaded chunks stay in a small LRU cache (``cache_chunks``).
    """

    def __init__(self, directory: Path | str, *, per_frame: int = 230, descriptor_bits: int = 96,
                 cache_chunks: int = 256) -> None:
        if descriptor_bits % 8 or not 8 <= descriptor_bits <= 256:
            raise ValueError(f"descriptor_bits must be a multiple of 8 from 8 to 256, not {descriptor_bits}")
        self.directory = Path(directory)
        self.per_frame = per_frame
        self.descriptor_bits = descriptor_bits
        self.cache_chunks = cache_chunks
        self._cache: OrderedDict[tuple[str, int], AssetKeypoints] = OrderedDict()
        self._frames: dict[str, int] | None = None

    def _stem(self, owner: str) -> str:
        return hashlib.sha256(owner.encode("utf-8")).hexdigest()

    def chunk_paths(self, owner: str) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"{self._stem(owner)}-*{CHUNK_SUFFIX}"))

    def stale_files(self) -> list[Path]:
        """Files of the old ``.npz`` format (an index written before format 2: rebuild it)."""
        return sorted(self.directory.glob("*.npz")) if self.directory.is_dir() else []

    def put(self, owner: str, fingerprints: "MediaFingerprints") -> int:
        """Store (replace) an asset's keypoints; returns keypoints stored (0: none, and no file)."""
        frames = [(i, f.time_s, f.keypoints) for i, f in enumerate(fingerprints.frames)
                  if f.keypoints is not None and len(f.keypoints)]
        self.remove(owner)
        if not frames:
            return 0
        self.directory.mkdir(parents=True, exist_ok=True)
        stored = 0
        for chunk in sorted({i // CHUNK_FRAMES for i, _, _ in frames}):
            part = [(i, t, k.xy[:self.per_frame], k.descriptors[:self.per_frame, :self.descriptor_bits // 8])
                    for i, t, k in frames if i // CHUNK_FRAMES == chunk]
            _write_atomic(self.directory / f"{self._stem(owner)}-{chunk}{CHUNK_SUFFIX}", encode_chunk(owner, part))
            stored += sum(len(d) for _, _, _, d in part)
        if self._frames is not None:
            self._frames[owner] = len(frames)
        return stored

    def remove(self, owner: str) -> int:
        """Delete an asset's keypoints; returns how many there were (0 when none)."""
        for key in [k for k in self._cache if k[0] == owner]:
            del self._cache[key]
        count = 0
        for path in self.chunk_paths(owner):
            try:
                count += len(decode_chunk(path.read_bytes()).frame_of)
            except (OSError, ValueError, KeyError, EOFError, struct.error):
                pass
            path.unlink(missing_ok=True)
        if self._frames is not None:
            self._frames.pop(owner, None)
        return count

    def clear(self) -> None:
        """Delete every stored file (a rebuild starts from nothing)."""
        if self.directory.is_dir():
            for path in [*self.directory.glob(f"*{CHUNK_SUFFIX}"), *self.stale_files()]:
                path.unlink(missing_ok=True)
        self._cache.clear()
        self._frames = {}

    def load(self, owner: str, refs: set[int] | None = None) -> AssetKeypoints | None:
        """An asset's keypoints (only the chunks holding ``refs`` when given), or None when it has none.

        Raises IndexCorrupt for an unreadable file.
        """
        if refs is None:
            chunks = [int(p.name[:-len(CHUNK_SUFFIX)].rsplit("-", 1)[1]) for p in self.chunk_paths(owner)]
        else:
            chunks = sorted({r // CHUNK_FRAMES for r in refs})
        parts = [part for part in (self._chunk(owner, c) for c in chunks) if part is not None]
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return AssetKeypoints(owner, *(np.concatenate([getattr(p, f) for p in parts])
                                       for f in ("frame_of", "times", "xy", "descriptors")))

    def _read(self, path: Path) -> AssetKeypoints:
        try:
            return decode_chunk(path.read_bytes())
        except (OSError, ValueError, KeyError, EOFError, struct.error) as exc:
            raise IndexCorrupt(f"{path}: unreadable keypoint file ({exc}); rebuild the index") from exc

    def _chunk(self, owner: str, chunk: int) -> AssetKeypoints | None:
        held = self._cache.get((owner, chunk))
        if held is not None:
            self._cache.move_to_end((owner, chunk))
            return held
        path = self.directory / f"{self._stem(owner)}-{chunk}{CHUNK_SUFFIX}"
        if not path.is_file():
            return None
        loaded = self._read(path)
        self._cache[(owner, chunk)] = loaded
        while len(self._cache) > self.cache_chunks:
            self._cache.popitem(last=False)
        return loaded

    def frame_counts(self) -> dict[str, int]:
        """Frames stored per owner (read once from the files, then kept up to date)."""
        if self._frames is None:
            stale = self.stale_files()
            if stale:
                raise IndexCorrupt(f"{stale[0]}: keypoint file of an older format; rebuild the index")
            counts: dict[str, int] = {}
            if self.directory.is_dir():
                for path in self.directory.glob(f"*{CHUNK_SUFFIX}"):
                    part = self._read(path)
                    counts[part.owner] = counts.get(part.owner, 0) + part.frames
            self._frames = counts
        return self._frames

    def bytes_on_disk(self) -> int:
        if not self.directory.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.directory.glob(f"*{CHUNK_SUFFIX}"))


def _write_atomic(path: Path, blob: bytes) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(partial, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
