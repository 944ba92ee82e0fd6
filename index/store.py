"""FAISS behind a small store: add, search, save, load, count."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

from index.errors import IndexCorruptError

__all__ = ["Hit", "VectorStore"]

# On 2 cores FAISS's OpenMP threads fight torch's: one query measured 2x slower without this.
faiss.omp_set_num_threads(1)


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: a stored id and its inner-product score."""

    id: int
    score: float


class VectorStore:
    """Exact inner-product search over unit vectors, keyed by int64 ids."""

    def __init__(self, dimension: int, index: faiss.Index | None = None) -> None:
        self.dimension = dimension
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    def add(self, ids: npt.NDArray[np.int64], vectors: npt.NDArray[np.float32]) -> None:
        """Add vectors under the given ids."""
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension or len(ids) != len(vectors):
            raise ValueError(f"expected {len(ids)} vectors of dimension {self.dimension}, got {vectors.shape}")
        self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def search(self, vector: npt.NDArray[np.float32], k: int) -> list[Hit]:
        """Return the k best hits for one query vector, best first."""
        k = min(k, self.count)
        if k <= 0:
            return []
        scores, ids = self._index.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), k)
        return [Hit(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def scores(self, vector: npt.NDArray[np.float32], ids: list[int]) -> list[float]:
        """Return the inner product of the query with each stored id."""
        if not ids:
            return []
        stored = np.vstack([self._index.reconstruct(int(i)) for i in ids])
        return [float(x) for x in stored @ np.asarray(vector, dtype=np.float32).reshape(-1)]

    @property
    def count(self) -> int:
        """Return the number of stored vectors."""
        return int(self._index.ntotal)

    def save(self, path: Path) -> None:
        """Write the index to one file."""
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, dimension: int) -> VectorStore:
        """Read an index file, checking it is whole and of the expected dimension."""
        if not path.is_file() or path.stat().st_size == 0:
            raise IndexCorruptError(f"vector file {path} is missing or empty: run `quotebot build`")
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise IndexCorruptError(f"vector file {path} cannot be read: run `quotebot build`") from exc
        if index.d != dimension:
            raise IndexCorruptError(
                f"vector file {path} has dimension {index.d}, the manifest says {dimension}: run `quotebot build`"
            )
        return cls(dimension, index)
