"""The files of a vector store: a FAISS index file and its parameter file, read back and checked.

Each index file `x.faiss` has a parameter file `x.faiss.json` holding the kind, dimension, count, search
parameters and masked ids (FAISS does not keep every one of them). This module writes that file, and
reads both, refusing a missing, truncated, other-dimension or unknown index with the caller's error.
It is separate from vectors.py because it is about what lies on disk, not about searching: nothing here
runs once a store is open, and `VectorStore.save` and `VectorStore.load` are its only callers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import faiss

from .sizing import INDEX_KINDS

__all__ = ["kind_of", "params_file", "read_checked", "read_params", "stored_params", "write_params"]

PARAMS_VERSION = 1


def write_params(path: Path, meta: dict[str, Any]) -> None:
    """Write an index file's parameter file, the format's version first."""
    params_file(path).write_text(json.dumps({"version": PARAMS_VERSION, **meta}) + "\n", encoding="utf-8")


def read_checked(path: Path, dimension: int, corrupt: Any) -> tuple[Any, dict[str, Any] | None]:
    """Read an index file and its parameter file, refusing a missing, truncated or other-dimension one."""
    if not path.is_file() or path.stat().st_size == 0:
        raise corrupt("is missing or empty")
    meta = read_params(path, corrupt)
    if meta is not None:
        if meta["dimension"] != dimension:
            raise corrupt(f"has dimension {meta['dimension']}, the manifest says {dimension}")
        if path.stat().st_size < meta["count"] * (dimension * 4 + 8):  # the vectors and their ids
            raise corrupt("is truncated")
    try:
        index = faiss.read_index(str(path))
    except (RuntimeError, MemoryError) as exc:
        raise corrupt("cannot be read") from exc
    if index.d != dimension:
        raise corrupt(f"has dimension {index.d}, the manifest says {dimension}")
    return index, meta


def stored_params(kind: str, inner: Any, corrupt: Any) -> dict[str, int]:
    """Read the parameters a loaded index of this kind carries (an IVF one gets its direct map back)."""
    if kind == "ivf":
        if int(inner.ntotal) and not inner.is_trained:
            raise corrupt("holds vectors in an untrained IVF index")
        if inner.is_trained and inner.direct_map.no():
            inner.make_direct_map(True)
        return {"nlist": int(inner.nlist), "nprobe": int(inner.nprobe)}
    if kind == "hnsw":
        graph = inner.hnsw
        return {
            "m": int(graph.nb_neighbors(1)),
            "ef_construction": int(graph.efConstruction),
            "ef_search": int(graph.efSearch),
        }
    return {}


def kind_of(index: Any) -> str | None:
    """Name the kind of a loaded index, or None when it is not one this store writes."""
    if not isinstance(index, faiss.IndexIDMap2) or index.metric_type != faiss.METRIC_INNER_PRODUCT:
        return None
    inner = faiss.downcast_index(index.index)
    if int(inner.ntotal) != int(index.ntotal) or int(index.id_map.size()) != int(index.ntotal):
        return None
    if isinstance(inner, faiss.IndexHNSWFlat):
        return "hnsw"
    if isinstance(inner, faiss.IndexIVFFlat):
        return "ivf"
    if isinstance(inner, faiss.IndexFlatIP):
        return "flat"
    return None


def params_file(path: Path) -> Path:
    """Return the parameter file beside an index file: `x.faiss` → `x.faiss.json`."""
    return path.with_name(path.name + ".json")


def read_params(path: Path, corrupt: Any) -> dict[str, Any] | None:
    """Read `path`.json; None when absent (an index written before parameter files: a flat one)."""
    side = params_file(path)
    if not side.exists():
        return None
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
        ok = (
            isinstance(meta, dict)
            and meta.get("kind") in INDEX_KINDS
            and isinstance(meta.get("dimension"), int)
            and isinstance(meta.get("count"), int)
            and isinstance(meta.get("params"), dict)
            and all(isinstance(v, int) and v > 0 for v in meta["params"].values())
            and isinstance(meta.get("removed", []), list)
            and all(isinstance(i, int) for i in meta.get("removed", []))
        )
    except (OSError, ValueError) as exc:
        raise corrupt("has an unreadable parameter file " + side.name) from exc
    if not ok:
        raise corrupt("has a malformed parameter file " + side.name)
    result: dict[str, Any] = meta
    return result
