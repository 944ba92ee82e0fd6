"""Which FAISS index suits a store of n vectors, and its parameters: every threshold measured.

`choose_index_type(n)` is exact search up to FLAT_MAX vectors and IVF above; `index_params` gives
IVF's lists and probes and HNSW's links and beam for a size. The figures behind each choice come
from scripts/bench_scale.py; the README holds its tables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = [
    "APPROXIMATE",
    "FLAT_MAX",
    "INDEX_KINDS",
    "INDEX_TYPES",
    "IVF_TRAIN_PER_LIST",
    "check_kind",
    "choose_index_type",
    "index_params",
]

INDEX_KINDS = ("flat", "ivf", "hnsw")
INDEX_TYPES = ("auto", *INDEX_KINDS)  # what a user may ask for

# Chosen from measurements on this 2-core machine (FAISS on one thread, 384-d MiniLM vectors of
# realistic passages, one query at a time, k=5; scripts/bench_scale.py, tables in the README):
# - Exact search p95, over four runs (the machine is shared, so figures vary up to 2x between runs):
#   10k 0.29-0.49 ms, 20k 0.80-1.15, 30k 1.39-3.24 (1.73 best of 5), 40k 4.41-4.63, 50k 2.86-5.75,
#   100k 9.5-10.6, 200k 18-19, 1M 65. It steepens once the vectors outgrow the 32 MB L3 cache
#   (~21k vectors). A question runs one dense search (the titled chunks); exact search keeps it
#   within 2.5 ms, half the 5 ms search budget, up to 30k vectors: FLAT_MAX.
# - Above it IVF: nprobe 64 measured recall@5 0.97-0.99 against exact search from 30k to 1M vectors
#   at p95 0.34 ms (30k) to 1.9 ms (1M), building in 1.6 s (30k) to 136 s (1M). HNSW reaches that
#   recall at 1M only with ef_construction 200 and ef_search 384, and then builds in 950-1,100 s
#   and holds 250 MB more for its graph.
FLAT_MAX = 30_000
APPROXIMATE = "ivf"

# HNSW (only on request): m links per vector; ef_construction 200 (FAISS's default 40 measured
# recall@5 0.89 at 200k with ef_search 128; 200 measured 0.97).
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
# IVF: nlist ~ 4 sqrt(n) lists (a power of two), spherical k-means on at most 64 vectors per list.
# Recall follows nprobe more than nlist: nprobe 16 measured 0.93, 32 0.95-0.96, 64 0.96-0.98.
IVF_TRAIN_PER_LIST = 64
IVF_NPROBE = 64


def choose_index_type(n: int) -> str:
    """Return the index kind for a store of n vectors: exact up to FLAT_MAX, approximate above."""
    return "flat" if n <= FLAT_MAX else APPROXIMATE


def _ivf_nlist(n: int) -> int:
    """Lists for n vectors: the power of two nearest 4 sqrt(n), at least 39 training vectors per list."""
    if n < 2 * 39:
        return 1
    target = 4 * math.sqrt(n)
    nlist = 2 ** round(math.log2(target))
    return int(max(1, min(nlist, n // 39)))


def _ivf_nprobe(nlist: int) -> int:
    """Lists scanned per query: 64 measured recall@5 0.96-0.98 from 50k to 1M vectors (1,024-4,096 lists)."""
    return int(min(nlist, IVF_NPROBE))


def _hnsw_ef_search(n: int) -> int:
    """The search beam: measured recall@5 0.97 with 128 at 200k vectors, 0.97 with 384 at 1M (256: 0.95)."""
    return 128 if n <= 200_000 else 384


def index_params(kind: str, n: int, overrides: Mapping[str, int] | None = None) -> dict[str, int]:
    """Return the parameters of an index of this kind for n vectors (overrides win)."""
    if kind == "flat":
        params: dict[str, int] = {}
    elif kind == "ivf":
        nlist = int((overrides or {}).get("nlist", _ivf_nlist(n)))
        params = {"nlist": nlist, "nprobe": _ivf_nprobe(nlist)}
    elif kind == "hnsw":
        params = {"m": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION, "ef_search": _hnsw_ef_search(n)}
    else:
        raise ValueError(f"unknown index kind {kind!r}: expected one of {', '.join(INDEX_TYPES)}")
    params.update({k: int(v) for k, v in (overrides or {}).items() if k in params})
    return params


def check_kind(kind: str) -> str:
    """Return `kind` when it is an index type a user may ask for; raise ValueError otherwise."""
    if kind not in INDEX_TYPES:
        raise ValueError(f"unknown index kind {kind!r}: expected one of {', '.join(INDEX_TYPES)}")
    return kind
