"""The BM25 formula the lexical index scores with: bm25s's "lucene" variant (k1 1.5, b 0.75), to the float.

It holds the parameters, the IDF, the per-row length norms and the array types of the postings. It is
separate from lexical.py because two modules need it: the index (lexical.py), which scores with it, and
the reader of earlier releases' bm25s folders (bm25s_format.py), which inverts it to recover term counts;
kept here, neither of them imports the other at import time.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["K1", "B", "Floats", "Ints", "Postings", "idf", "length_norms"]

K1, B = 1.5, 0.75  # bm25s's defaults, which every index so far was built with

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float32]
Postings = tuple[Ints, npt.NDArray[np.int32], Floats]  # indptr by stem id, rows, term counts


def idf(live: int, df: int) -> np.float32:
    """Return bm25s's "lucene" IDF, rounded to float32 as bm25s stores it (math.log, as bm25s calls it)."""
    return np.float32(math.log(1 + (live - df + 0.5) / (df + 0.5)))


def length_norms(lengths: Ints, alive: npt.NDArray[np.bool_], total: int) -> npt.NDArray[np.float64]:
    """Return k1·(1 - b + b·len/avg) per row, in bm25s's order of operations; infinite for a removed row.

    An infinite norm makes tf / (norm + tf) zero, so removed rows score 0 without a pass over the result.
    """
    live = int(alive.sum())
    average = total / live if total else 1.0  # no postings when no row has a word: any average will do
    norms = K1 * ((1 - B) + B * lengths.astype(np.float64) / average)
    norms[~alive] = np.inf
    return norms
