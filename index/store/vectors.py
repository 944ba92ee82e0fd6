"""FAISS behind a small store: add, search, scores, save, load, count; exact or approximate by size.

Three kinds of index, all inner product over unit vectors and keyed by int64 ids (IndexIDMap2):

- ``flat``: exact search (IndexFlatIP), every query compared with every vector.
- ``ivf``: IndexIVFFlat; the vectors are clustered (spherical k-means) into `nlist` lists and a query
  scans the `nprobe` nearest lists. Vectors stay uncompressed, so scores are exact.
- ``hnsw``: IndexHNSWFlat, a navigable small-world graph of `m` links per vector, searched with a
  beam of `ef_search`.

Removal: a flat index drops the vectors (IndexIDMap2's removal is made for IndexFlat). IVF and HNSW keep
them, masked from every search by an IDSelector, until `compacted` rebuilds the store without them: FAISS's
HNSW cannot remove, and IndexIDMap2 would misnumber an IVF index's remaining ids after a removal.

`choose_index_type(n)` picks by size; the thresholds and parameters are measured (index/sizing.py,
scripts/bench_scale.py). Each file `x.faiss` has a parameter file `x.faiss.json` holding
the kind, dimension, count and search parameters (FAISS does not keep every one of them); vector_files.py
reads and checks both files and writes the parameter file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from ..errors import IndexCorruptError
from .sizing import (
    FLAT_MAX,
    INDEX_KINDS,
    INDEX_TYPES,
    IVF_TRAIN_PER_LIST,
    check_kind,
    choose_index_type,
    index_params,
)
from .vector_files import kind_of, read_checked, stored_params, write_params

__all__ = [
    "FLAT_MAX",  # re-exported from index.sizing, where the choice of index by size is made
    "INDEX_KINDS",
    "INDEX_TYPES",
    "Hit",
    "VectorStore",
    "choose_index_type",
    "index_params",
]

_threads_set = False
_FAISS: Any = faiss  # its type stubs lack SearchParametersHNSW and the keyword arguments of search parameters


def _one_faiss_thread() -> None:
    """Run FAISS on one thread, once a store exists (never on import: the host's FAISS is its own until then).

    On 2 cores FAISS's OpenMP threads fight torch's: one query measured 2x slower without this.
    """
    global _threads_set
    if not _threads_set:
        faiss.omp_set_num_threads(1)
        _threads_set = True


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: a stored id and its inner-product score."""

    id: int
    score: float


class VectorStore:
    """Inner-product search over unit vectors, keyed by int64 ids, exact or approximate.

    `kind` is "flat", "ivf", "hnsw", or "auto" (decided by the size of the first `add`). IVF and
    HNSW parameters are also set by the size of the first `add`, and an IVF index is trained on it
    (on a sample when large); later adds join its lists or graph.
    """

    def __init__(self, dimension: int, kind: str = "flat", *, params: Mapping[str, int] | None = None) -> None:
        _one_faiss_thread()
        self.dimension = dimension
        self._kind = check_kind(kind)
        self._overrides = dict(params or {})
        self._params: dict[str, int] = {}
        # faiss.IndexIDMap2; IVF and HNSW are created on the first add, whose size sets their parameters
        self._index: Any = None
        self._rows_cache: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None
        self._identity: bool | None = None
        self._view: npt.NDArray[np.float32] | None = None  # _matrix(), until the next add moves FAISS's array
        self._removed = np.zeros(0, dtype=np.int64)  # sorted ids masked from search (IVF, HNSW), see remove()
        self._mask: tuple[Any, Any] | None = None  # IDSelectorNot and the IDSelectorBatch it points to
        if kind == "flat":
            self._create(kind, 0, None)

    @classmethod
    def build(
        cls,
        vectors: npt.NDArray[np.float32],
        ids: npt.NDArray[np.int64] | None = None,
        kind: str = "auto",
        *,
        params: Mapping[str, int] | None = None,
    ) -> VectorStore:
        """Create a store of the given kind ("auto": by size) holding these vectors (ids default to rows)."""
        store = cls(int(vectors.shape[1]), kind, params=params)
        store.add(np.arange(len(vectors), dtype=np.int64) if ids is None else ids, vectors)
        return store

    @property
    def kind(self) -> str:
        """Return the index kind: "flat", "ivf" or "hnsw" ("auto" until the first add decides)."""
        return self._kind

    @property
    def params(self) -> dict[str, int]:
        """Return the index's parameters (nlist/nprobe for IVF, m/ef_construction/ef_search for HNSW)."""
        return dict(self._params)

    # --- building ---------------------------------------------------------------------------

    def _create(self, kind: str, n: int, vectors: npt.NDArray[np.float32] | None) -> None:
        """Create the FAISS index of this kind for a first batch of n vectors (IVF trains on them)."""
        d = self.dimension
        self._kind = kind
        self._params = index_params(kind, n, self._overrides)
        if kind == "flat":
            inner: Any = faiss.IndexFlatIP(d)
        elif kind == "hnsw":
            inner = faiss.IndexHNSWFlat(d, self._params["m"], faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = self._params["ef_construction"]
        else:
            nlist = self._params["nlist"] = max(1, min(self._params["nlist"], n or self._params["nlist"]))
            self._params["nprobe"] = min(self._params["nprobe"], nlist)
            quantizer = faiss.IndexFlatIP(d)
            inner = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
            inner.cp.spherical = True  # unit vectors: centroids on the sphere suit inner product
            if vectors is not None and n:
                inner.train(_training_sample(vectors, nlist))
                inner.make_direct_map(True)  # id -> list position, so scores() reads vectors directly
        self._index = faiss.IndexIDMap2(inner)
        self._forget_layout()
        self._apply_search_params()

    def _inner(self) -> Any:
        """The wrapped index (a non-owning view: valid while self._index lives)."""
        return faiss.downcast_index(self._index.index)

    def _apply_search_params(self) -> None:
        inner = self._inner()
        if self._kind == "ivf":
            inner.nprobe = self._params["nprobe"]
        elif self._kind == "hnsw":
            inner.hnsw.efSearch = self._params["ef_search"]

    def add(self, ids: npt.NDArray[np.int64], vectors: npt.NDArray[np.float32]) -> None:
        """Add vectors under the given ids."""
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension or len(ids) != len(vectors):
            raise ValueError(f"expected {len(ids)} vectors of dimension {self.dimension}, got {vectors.shape}")
        if not len(ids):
            return
        if self._removed.size and np.isin(ids, self._removed).any():
            raise ValueError("an id added was removed and is still masked: add it after compacted()")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self._index is None or (self._kind == "ivf" and not self._inner().is_trained):
            self._create(choose_index_type(len(vectors)) if self._kind == "auto" else self._kind, len(vectors), vectors)
        self._index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))
        self._forget_layout()

    def remove(self, ids: Sequence[int] | npt.NDArray[np.int64]) -> None:
        """Remove stored ids: `search`, `ids` and `count` no longer see them; `scores` raises KeyError for them.

        Raises KeyError, removing nothing, when an id is not stored (or already removed).
        """
        gone = np.unique(np.asarray(ids, dtype=np.int64))
        if not gone.size:
            return
        self._rows(gone)  # KeyError for an id not stored
        if self._kind == "flat":
            self._index.remove_ids(faiss.IDSelectorBatch(gone))
        else:
            self._mask_ids(np.union1d(self._removed, gone))
        self._forget_layout()

    def _mask_ids(self, removed: npt.NDArray[np.int64]) -> None:
        """Mask these ids from every search (IVF and HNSW keep their vectors until `compacted`)."""
        self._removed = removed
        batch = faiss.IDSelectorBatch(removed)
        self._mask = (faiss.IDSelectorNot(batch), batch) if removed.size else None  # Not only points to batch

    def compacted(self) -> VectorStore:
        """Return a store of the live vectors alone, of the same kind, parameters and ids (self if none was removed).

        HNSW builds its graph again (slow: in the background); IVF keeps its trained lists.
        """
        if not self._removed.size:
            return self
        ids = self.ids()
        vectors = self._stored(self._rows(ids))
        store = VectorStore(self.dimension, self._kind, params=self._params)
        if self._kind == "ivf":
            inner = faiss.clone_index(self._inner())
            inner.reset()  # keeps the quantizer and its training
            store._params = dict(self._params)
            store._index = faiss.IndexIDMap2(inner)
            store._apply_search_params()
        store.add(ids, vectors)
        return store

    def _forget_layout(self) -> None:
        """Drop what was derived from the stored ids and FAISS's array: an add may reallocate both."""
        self._rows_cache = self._identity = self._view = None

    # --- reading ----------------------------------------------------------------------------

    def search(self, vector: npt.NDArray[np.float32], k: int) -> list[Hit]:
        """Return the k best hits for one query vector, best first."""
        k = min(k, self.count)
        if k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        scores, ids = self._index.search(query, k, params=self._search_params())
        return [Hit(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def _search_params(self) -> Any:
        """Return search parameters masking removed ids, or None: new each call (IndexIDMap2 edits them)."""
        if self._mask is None:
            return None
        if self._kind == "hnsw":
            return _FAISS.SearchParametersHNSW(sel=self._mask[0], efSearch=self._params["ef_search"])
        return _FAISS.SearchParametersIVF(sel=self._mask[0], nprobe=self._params["nprobe"])

    def scores(
        self, vector: npt.NDArray[np.float32], ids: Sequence[int] | npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float32]:
        """Return the inner product of the query with each stored id (any order, repeats allowed)."""
        if len(ids) == 0:
            return np.zeros(0, dtype=np.float32)
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        return np.asarray(self._stored(self._rows(ids)) @ query, dtype=np.float32)

    def vectors_of(self, ids: Sequence[int] | npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """Return a copy of the vectors stored under these ids (KeyError for an id not stored or removed)."""
        return np.array(self._stored(self._rows(ids)), dtype=np.float32)

    def _stored(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """Return the vectors at these storage rows."""
        # IVF: its direct map finds each vector without scanning lists; flat and HNSW: a view, no copy.
        stored: npt.NDArray[np.float32] = (
            self._inner().reconstruct_batch(rows) if self._kind == "ivf" else self._matrix()[rows]
        )
        return stored

    def _matrix(self) -> npt.NDArray[np.float32]:
        """The stored vectors in insertion order, as a view of FAISS's own array (no copy).

        Only ever indexed inside this class (never returned), so it cannot outlive the index. Kept
        between calls: finding it costs four calls into FAISS, a fifth of scoring a question's rows.
        """
        if self._view is None:
            inner = self._inner()
            flat: Any = faiss.downcast_index(inner.storage) if self._kind == "hnsw" else inner
            n = int(flat.ntotal)
            self._view = np.asarray(faiss.rev_swig_ptr(flat.get_xb(), n * self.dimension)).reshape(n, self.dimension)
        return self._view

    def ids(self) -> npt.NDArray[np.int64]:
        """Return the stored ids (removed ones left out) in insertion order."""
        stored = self._stored_ids()
        return stored[~np.isin(stored, self._removed)] if self._removed.size else stored

    def _stored_ids(self) -> npt.NDArray[np.int64]:
        """Return every id FAISS holds, masked ones included, in storage order."""
        if self._index is None:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(faiss.vector_to_array(self._index.id_map), dtype=np.int64)

    def _rows(self, ids: Sequence[int] | npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Map ids to storage rows; raise KeyError for an id not stored or removed."""
        wanted = np.asarray(ids, dtype=np.int64)
        if self._removed.size and np.isin(wanted, self._removed).any():
            raise KeyError("an id asked for was removed from the store")
        n = 0 if self._index is None else int(self._index.ntotal)
        if self._identity is None:  # the map is made before it is shown: questions read at once (index.store.guard)
            stored = self._stored_ids()
            identity = bool(np.array_equal(stored, np.arange(n, dtype=np.int64)))
            if not identity:
                order = np.argsort(stored, kind="stable").astype(np.int64)
                self._rows_cache = (stored[order], order)
            self._identity = identity
        if self._identity:
            if wanted.size and (int(wanted.min()) < 0 or int(wanted.max()) >= n):
                raise KeyError("an id asked for is not in the store")
            return wanted
        assert self._rows_cache is not None
        sorted_ids, order = self._rows_cache
        pos = np.searchsorted(sorted_ids, wanted)
        if np.any(pos >= n) or not np.array_equal(sorted_ids[np.minimum(pos, n - 1)], wanted):
            raise KeyError("an id asked for is not in the store")
        rows: npt.NDArray[np.int64] = order[pos]
        return rows

    @property
    def count(self) -> int:
        """Return the number of stored vectors (removed ones left out)."""
        return 0 if self._index is None else int(self._index.ntotal) - int(self._removed.size)

    # --- files ------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the index to `path`, and its kind and search parameters to `path`.json."""
        if self._index is None:  # never added to: "auto" saves an empty exact index
            self._create("flat" if self._kind == "auto" else self._kind, 0, None)
        faiss.write_index(self._index, str(path))
        meta = {
            "kind": self._kind,
            "dimension": self.dimension,
            "count": int(self._index.ntotal),  # masked vectors included: what the file holds
            "params": self._params,
            "removed": self._removed.tolist(),
        }
        write_params(path, meta)

    @classmethod
    def load(cls, path: Path, dimension: int, kind: str | None = None) -> VectorStore:
        """Read an index file, checking it is whole and of the expected dimension (and kind, if given)."""

        def corrupt(why: str) -> IndexCorruptError:
            return IndexCorruptError(f"vector file {path} {why}: run `quotebot build`")

        index, meta = read_checked(path, dimension, corrupt)
        found = kind_of(index)
        if found is None:
            raise corrupt("is not an inner-product index of a known kind")
        if meta is not None and (meta["kind"] != found or meta["count"] != int(index.ntotal)):
            raise corrupt(f"holds a {found} index of {index.ntotal} vectors, its parameter file disagrees")
        if kind is not None and kind != found:
            raise corrupt(f"holds a {found} index, the manifest says {kind}")
        store = cls(dimension, "flat")
        store._kind = found
        store._index = index
        store._forget_layout()
        inner = store._inner()
        stored = stored_params(found, inner, corrupt)
        store._params = {**stored, **(meta["params"] if meta is not None else {})}
        if found == "ivf" and not inner.is_trained:  # saved before any add: train on the first one
            store._index = None  # its parameters are chosen again by the size of that add
            store._overrides = {}
        else:
            store._apply_search_params()
        removed = np.asarray((meta or {}).get("removed", []), dtype=np.int64)
        if removed.size:
            if found == "flat" or store._index is None or not np.isin(removed, store._stored_ids()).all():
                raise corrupt("masks ids it does not hold")
            store._mask_ids(np.unique(removed))
        return store


def _training_sample(vectors: npt.NDArray[np.float32], nlist: int) -> npt.NDArray[np.float32]:
    """At most IVF_TRAIN_PER_LIST vectors per list, drawn evenly at random (fixed seed)."""
    limit = nlist * IVF_TRAIN_PER_LIST
    if len(vectors) <= limit:
        return vectors
    rows = np.sort(np.random.default_rng(0).choice(len(vectors), size=limit, replace=False))
    return np.ascontiguousarray(vectors[rows])
