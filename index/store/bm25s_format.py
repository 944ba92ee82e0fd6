"""The reader of lexical index folders written by earlier releases, which stored a bm25s index.

bm25s keeps only each posting's final score, so reading such a folder means recovering term counts and
row lengths from the scores (and checking them by scoring again). It is separate from lexical.py because
it is read-only compatibility code, run only when an index saved by an older release is opened, and it
knows bm25s's file layout, which the current format does not share; `LexicalIndex.load` calls it for a folder without
lexical.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .bm25 import K1, B, Ints, Postings, idf, length_norms

__all__ = ["read_bm25s"]


def read_bm25s(folder: Path) -> tuple[list[str], Postings, Ints]:
    """Read a bm25s index folder of an earlier release, recovering term counts and lengths from its scores.

    Returns the stems, postings and row lengths a `LexicalIndex` is made of. bm25s keeps only
    idf·tf/(norm+tf) per posting. Per row, r/(1-r) of r = score/idf is tf/norm; summed, it is
    length/norm, and the one average length that makes the lengths average to it is found by
    bisection. Recovered counts are checked by scoring them again: any disagreement raises ValueError.
    """
    params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
    wanted = {"method": "lucene", "idf_method": "lucene", "k1": K1, "b": B}
    if {key: params.get(key) for key in wanted} != wanted:
        raise ValueError(f"a bm25s index of other parameters: {params}")
    vocab: dict[str, int] = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
    data, rows, indptr = (
        np.load(folder / f"{n}.csc.index.npy", allow_pickle=False) for n in ("data", "indices", "indptr")
    )
    count, df = int(params["num_docs"]), np.diff(indptr).astype(np.int64)
    stems = [""] * df.size
    for stem, sid in vocab.items():
        if sid < df.size:  # bm25s's empty token "" sits past its postings
            stems[sid] = stem
    if "" in stems or rows.size != data.size or (rows.size and (rows.min() < 0 or rows.max() >= count)):
        raise ValueError("inconsistent bm25s postings")
    sids = np.repeat(np.arange(df.size), df)
    idfs = np.array([idf(count, d) for d in df.tolist()], dtype=np.float32)
    ratio = data.astype(np.float64) / idfs[sids]
    per_norm = ratio / (1 - ratio)  # tf / norm
    spread = np.bincount(rows, weights=per_norm, minlength=count).astype(np.float64)  # length / norm
    average = _average_length(spread)
    lengths = np.rint(K1 * (1 - B) * spread / (1 - K1 * B * spread / average)).astype(np.int64)
    norms = length_norms(lengths, np.ones(count, dtype=np.bool_), int(lengths.sum()))
    tfs = np.rint(per_norm * norms[rows]).astype(np.float32)
    again = (idfs[sids] * (tfs / (norms[rows] + tfs))).astype(np.float32)
    summed = np.array_equal(np.bincount(rows, weights=tfs, minlength=count), lengths)
    if not summed or not np.allclose(again, data, rtol=1e-5):
        raise ValueError("term counts could not be recovered from the bm25s scores")
    return stems, (indptr.astype(np.int64), rows.astype(np.int32), tfs), lengths


def _average_length(spread: npt.NDArray[np.float64]) -> float:
    """Solve mean(length(avg)) = avg, length(avg) = k1(1-b)·s / (1 - k1·b·s/avg) for each row's s = length/norm.

    The left side falls from infinity (avg just above k1·b·max s) as avg grows, the right side grows: one root.
    """
    if not spread.size or not spread.max() > 0:
        return 1.0

    def excess(average: float) -> float:
        return float(np.mean(K1 * (1 - B) * spread / (1 - K1 * B * spread / average))) - average

    low = high = K1 * B * float(spread.max())
    high = 2 * high
    while excess(high) > 0:
        low, high = high, 2 * high
    for _ in range(200):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        low, high = (middle, high) if excess(middle) > 0 else (low, middle)
    return high
