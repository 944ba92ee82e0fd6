"""The lexical side of hybrid retrieval: BM25 over stemmed words, names and numbers, updatable in place.

The index keeps postings (rows and term counts per stem) and each row's length, and computes BM25 at
query time for the query's stems only, so a row can be added or removed without touching the others:
IDF and the average length are read from live counts when a question comes. The formula is bm25s's
default ("lucene": k1 1.5, b 0.75), to the float, so scores equal those of the bm25s index used before.
The tokenizer (tokens.py), the formula (bm25.py) and the reader of bm25s folders (bm25s_format.py) live
beside it.
"""

from __future__ import annotations

import json
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..errors import IndexCorruptError
from .bm25 import K1, B, Floats, Ints, Postings, idf, length_norms
from .bm25s_format import read_bm25s
from .tokens import tokenize  # re-exported: answer/, scripts and tests import it from here

__all__ = ["LexicalIndex", "tokenize"]

_NAME = re.compile(r"\b(?:[A-Z][\w/-]*|\w*\d[\w/-]*)")

_FORMAT = {"format": "quotebot-bm25", "version": 1, "method": "lucene", "k1": K1, "b": B}

Rows = npt.NDArray[np.int64]
_EMPTY = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


def _count(
    texts: Sequence[str], vocab: dict[str, int], stems: list[str], first: int
) -> tuple[Ints, Ints, Floats, Ints]:
    """Tokenize texts (row `first` on) into postings: stem ids, rows, term counts; and each text's length.

    New stems join `vocab` and `stems` (id order).
    """
    sids, rows, tfs, lengths = [], [], [], []
    for row, text in enumerate(texts, first):
        tokens = tokenize(text)
        lengths.append(len(tokens))
        for stem, n in Counter(tokens).items():
            if stem not in vocab:
                vocab[stem] = len(stems)
                stems.append(stem)
            sids.append(vocab[stem])
            rows.append(row)
            tfs.append(n)
    return np.array(sids, np.int64), np.array(rows, np.int64), np.array(tfs, np.float32), np.array(lengths, np.int64)


def _stem_major(sids: Ints, rows: Ints, tfs: Floats, stems: int, *, sort: bool) -> Postings:
    """Lay postings out stem by stem (sort: a stable sort, so rows given ascending stay so within a stem)."""
    order = np.argsort(sids, kind="stable") if sort else slice(None)
    indptr = np.zeros(stems + 1, dtype=np.int64)
    np.cumsum(np.bincount(sids, minlength=stems), out=indptr[1:])
    return indptr, rows[order].astype(np.int32), np.asarray(tfs[order], dtype=np.float32)


class LexicalIndex:
    """BM25 scores of a query against every stored text; rows can be added and removed without a rebuild.

    Row ids are never reused: `add` appends, `remove` leaves a hole that scores 0 and counts nowhere
    (not in the number of rows, the average length, document frequencies, `matched`, `rows_of` or the
    unknown words), so the live rows score as in a fresh `build` of their texts alone. `compacted`
    folds the added rows into the main postings and drops the removed ones' (row ids kept); `subset`
    renumbers. Questions may be asked from several threads at once, but not while a row is added or removed.
    """

    def __init__(self, stems: list[str], postings: Postings, lengths: Ints) -> None:
        """Hold compact postings: stem s's rows (ascending) and counts at indptr[s]:indptr[s+1]."""
        self._stems = stems
        self._vocab = {stem: i for i, stem in enumerate(stems)}
        self._indptr, self._rows, self._tfs = postings
        self._lengths = lengths
        self._alive = np.ones(lengths.size, dtype=np.bool_)
        self._df = np.diff(self._indptr).astype(np.int64)
        self._total = int(lengths.sum())
        # Added since the last compaction, in machine ints (a tenth of a list's memory): stem -> rows and counts
        self._tail: dict[int, tuple[array[int], array[int]]] = {}
        self._tail_arrays: dict[int, tuple[npt.NDArray[np.int32], Floats]] = {}
        self._tail_stems: dict[int, array[int]] = {}  # added row -> its stems, to undo its counts on remove
        self._norm_cache: npt.NDArray[np.float64] | None = None
        self._weights: dict[int, tuple[npt.NDArray[np.int32], Floats]] = {}  # stem -> rows, weights (_weigh)
        self._prefixes: Counter[str] | None = None  # live stems' prefixes, counted on the first unknown word
        self._pending = 0

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        """Index the texts; row i of the scores is texts[i]."""
        stems: list[str] = []
        sids, rows, tfs, lengths = _count(texts, {}, stems, 0)
        return cls(stems, _stem_major(sids, rows, tfs, len(stems), sort=True), lengths)

    @property
    def count(self) -> int:
        """Return the number of row ids handed out, removed ones included (the chunk table's rows)."""
        return int(self._alive.size)

    @property
    def live(self) -> int:
        """Return the number of rows not removed."""
        return int(np.count_nonzero(self._alive))

    @property
    def pending(self) -> int:
        """Return how many postings wait for `compacted`: those of added rows and of removed rows."""
        return self._pending

    def live_rows(self) -> Rows:
        """Return the rows not removed, ascending."""
        return np.flatnonzero(self._alive).astype(np.int64)

    # --- updates ------------------------------------------------------------------------------

    def add(self, texts: Sequence[str]) -> Rows:
        """Append texts as new rows; return their row ids."""
        first = self.count
        sids, rows, tfs, lengths = _count(texts, self._vocab, self._stems, first)
        self._df = np.concatenate([self._df, np.zeros(len(self._stems) - self._df.size, dtype=np.int64)])
        for sid, row, tf in zip(sids.tolist(), rows.tolist(), tfs.tolist(), strict=True):
            held, counts = self._tail.setdefault(sid, (array("i"), array("i")))
            held.append(row)
            counts.append(int(tf))
            self._tail_stems.setdefault(row, array("i")).append(sid)
            self._tail_arrays.pop(sid, None)
        touched = np.unique(sids)
        appeared = touched[self._df[touched] == 0]
        self._df += np.bincount(sids, minlength=self._df.size)
        self._lengths = np.concatenate([self._lengths, lengths])
        self._alive = np.concatenate([self._alive, np.ones(len(texts), dtype=np.bool_)])
        self._total += int(lengths.sum())
        self._pending += sids.size
        self._changed(appeared, +1)
        return np.arange(first, self.count, dtype=np.int64)

    def remove(self, rows: Sequence[int] | Rows) -> None:
        """Remove rows: they score 0 and count nowhere; rows already removed are ignored."""
        gone = np.unique(np.asarray(rows, dtype=np.int64))
        if gone.size and (gone[0] < 0 or gone[-1] >= self.count):
            raise IndexError(f"row {gone[0] if gone[0] < 0 else gone[-1]} is not in the lexical index")
        gone = gone[self._alive[gone]]
        if not gone.size:
            return
        marked = np.zeros(self.count, dtype=np.bool_)
        marked[gone] = True
        # One pass over the postings finds the rows' stems: no row-major copy of them is kept in memory.
        held = np.flatnonzero(marked[self._rows])
        sids = [np.searchsorted(self._indptr, held, side="right") - 1]
        sids += [np.array(self._tail_stems.get(int(r), array("i")), dtype=np.int64) for r in gone]
        lost = np.concatenate(sids).astype(np.int64)
        self._df -= np.bincount(lost, minlength=self._df.size)
        self._alive[gone] = False
        self._total -= int(self._lengths[gone].sum())
        self._pending += held.size
        touched = np.unique(lost)
        self._changed(touched[self._df[touched] == 0], -1)

    def _changed(self, sids: Ints, sign: int) -> None:
        """Forget the norms; count the prefixes of stems that appeared in (+1) or vanished from (-1) live rows."""
        self._norm_cache = None
        self._weights.clear()
        if self._prefixes is not None:
            for sid in sids.tolist():
                self._count_prefixes(self._stems[sid], sign)

    # --- reading ----------------------------------------------------------------------------

    def scores(self, query: str) -> Floats:
        """Return the BM25 score of the query for every row (zeros when no word is known)."""
        return self.scores_of(tokenize(query))

    def scores_of(self, stems: Sequence[str]) -> Floats:
        """Return the BM25 score of an already tokenized query for every row (0 for a removed row).

        The sum of each stem's weighted postings by one `bincount`; a stem the query repeats counts twice.
        """
        sids = [self._vocab[s] for s in stems if s in self._vocab]
        sids = [sid for sid in sids if self._df[sid]]
        if not sids:
            return np.zeros(self.count, dtype=np.float32)
        # Read the cache once per stem: a question answered on another thread may fill it meanwhile.
        parts = {sid: part for sid in sids if (part := self._weights.get(sid)) is not None}
        parts.update(self._weigh([sid for sid in dict.fromkeys(sids) if sid not in parts]))
        rows = np.concatenate([parts[sid][0] for sid in sids])
        weights = np.concatenate([parts[sid][1] for sid in sids])
        return np.bincount(rows, weights=weights, minlength=self.count).astype(np.float32)

    def _weigh(self, sids: list[int]) -> dict[int, tuple[npt.NDArray[np.int32], Floats]]:
        """Weight the postings of stems not weighed since the last change: idf · tf / (norm + tf), in one pass.

        Rounded to float32, as bm25s stored them. Kept until the next add or remove (at most a float
        per posting): the IDF and average length move with every change.
        """
        if not sids:
            return {}
        live = self.live
        idfs = np.array([idf(live, int(self._df[sid])) for sid in sids], dtype=np.float32)
        parts = [self._postings(sid) for sid in sids]
        rows, tfs = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        sizes = [p[0].size for p in parts]
        weights = (np.repeat(idfs, sizes) * (tfs / (self._norms()[rows] + tfs))).astype(np.float32)
        bounds = np.cumsum([0, *sizes]).tolist()
        spans = zip(sids, parts, bounds[:-1], bounds[1:], strict=True)
        weighed = {sid: (part[0], weights[a:b]) for sid, part, a, b in spans}
        self._weights.update(weighed)
        return weighed

    def matched(self, words: set[str], rows: Sequence[int] | Rows) -> Rows:
        """Count, for each row, how many of the given stems its text contains (0 for a removed row)."""
        sids = [self._vocab[s] for s in words if s in self._vocab]
        if not sids:
            return np.zeros(len(rows), dtype=np.int64)
        counts = np.bincount(np.concatenate([self._postings(sid)[0] for sid in sids]), minlength=self.count)
        asked = np.asarray(rows, dtype=np.int64)
        return np.asarray(counts[asked] * self._alive[asked], dtype=np.int64)

    def rows_of(self, stem: str) -> Rows:
        """Return the live rows whose text holds a stem, ascending (none for an unknown stem)."""
        sid = self._vocab.get(stem)
        if sid is None or not self._df[sid]:
            return np.zeros(0, dtype=np.int64)
        rows = self._postings(sid)[0].astype(np.int64)
        return rows if rows.size == self._df[sid] else rows[self._alive[rows]]

    def _postings(self, sid: int) -> tuple[npt.NDArray[np.int32], Floats]:
        """Return a stem's rows and term counts: the compact ones, then those added since (removed included)."""
        base = _EMPTY
        if sid + 1 < self._indptr.size:
            start, end = self._indptr[sid], self._indptr[sid + 1]
            base = (self._rows[start:end], self._tfs[start:end])
        if sid not in self._tail:
            return base
        added = self._postings_added(sid)
        return (np.concatenate([base[0], added[0]]), np.concatenate([base[1], added[1]])) if base[0].size else added

    def _norms(self) -> npt.NDArray[np.float64]:
        """Return the rows' length norms, computed once after each change (the average length moves)."""
        if self._norm_cache is None:
            self._norm_cache = length_norms(self._lengths, self._alive, self._total)
        return self._norm_cache

    # --- compaction ---------------------------------------------------------------------------

    def compacted(self) -> LexicalIndex:
        """Return the same index (same row ids, same scores) with added rows folded in and removed ones' dropped."""
        new_of = np.where(self._alive, np.arange(self.count), -1)
        index = self._moved(new_of, np.where(self._alive, self._lengths, 0))
        index._alive[~self._alive] = False
        return index

    def subset(self, rows: Sequence[int] | Rows) -> LexicalIndex:
        """Return an index of just these live rows (ascending), row i being rows[i]: as `build` of their texts."""
        kept = np.asarray(rows, dtype=np.int64)
        if kept.size and (np.any(np.diff(kept) <= 0) or kept[0] < 0 or kept[-1] >= self.count):
            raise ValueError("subset rows must be ascending, distinct and in the index")
        if not self._alive[kept].all():
            raise ValueError("subset rows must not be removed ones")
        new_of = np.full(self.count, -1, dtype=np.int64)
        new_of[kept] = np.arange(kept.size)
        return self._moved(new_of, self._lengths[kept])

    def _moved(self, new_of: Ints, lengths: Ints) -> LexicalIndex:
        """Return a compact index with row r at new_of[r] (dropped where -1), keeping only stems still held."""
        base = np.repeat(np.arange(self._indptr.size - 1, dtype=np.int64), np.diff(self._indptr))
        added = [(sid, *self._postings_added(sid)) for sid in self._tail]
        sids = np.concatenate([base, *(np.full(r.size, sid, dtype=np.int64) for sid, r, _ in added)])
        rows = new_of[np.concatenate([self._rows, *(r for _, r, _ in added)])]
        tfs = np.concatenate([self._tfs, *(t for _, _, t in added)])
        kept = rows >= 0
        sids, rows, tfs = sids[kept], rows[kept], tfs[kept]
        used = np.flatnonzero(np.bincount(sids, minlength=len(self._stems)))
        renumbered = np.zeros(len(self._stems), dtype=np.int64)
        renumbered[used] = np.arange(used.size)
        postings = _stem_major(renumbered[sids], rows, tfs, used.size, sort=bool(added))  # base alone is in order
        return LexicalIndex([self._stems[i] for i in used.tolist()], postings, lengths.astype(np.int64))

    def _postings_added(self, sid: int) -> tuple[npt.NDArray[np.int32], Floats]:
        """Return a stem's rows and term counts added since the last compaction."""
        if sid not in self._tail_arrays:
            rows, counts = self._tail[sid]
            # Copies (np.array): a view would pin the arrays' buffers, and the next add could not grow them.
            self._tail_arrays[sid] = (np.array(rows, dtype=np.int32), np.array(counts, dtype=np.float32))
        return self._tail_arrays[sid]

    # --- files ------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the index (compacted: the same rows, removed ones included) into a folder."""
        index = self.compacted()
        folder.mkdir(parents=True, exist_ok=True)
        removed = np.flatnonzero(~index._alive).astype(np.int64)
        np.savez(
            folder / "postings.npz",
            indptr=index._indptr,
            rows=index._rows,
            tfs=index._tfs,
            lengths=index._lengths,
            removed=removed,
        )
        meta = {**_FORMAT, "count": index.count, "stems": index._stems}
        (folder / "lexical.json").write_text(json.dumps(meta, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, count: int) -> LexicalIndex:
        """Read an index folder (this format, or bm25s's of earlier releases), checking it covers `count` rows."""
        try:
            index = cls._read(folder) if (folder / "lexical.json").exists() else cls(*read_bm25s(folder))
        except Exception as exc:  # numpy/json errors of every kind mean the same: unreadable
            raise IndexCorruptError(f"lexical index {folder} cannot be read: run `quotebot build`") from exc
        if index.count != count:
            raise IndexCorruptError(f"lexical index {folder} does not match the chunk table: run `quotebot build`")
        return index

    @classmethod
    def _read(cls, folder: Path) -> LexicalIndex:
        """Read this module's format, raising ValueError on any inconsistency."""
        meta = json.loads((folder / "lexical.json").read_text(encoding="utf-8"))
        stems, count = meta["stems"], int(meta["count"])
        if {k: meta.get(k) for k in _FORMAT} != _FORMAT or len(set(stems)) != len(stems):
            raise ValueError("not a lexical index of this version")
        with np.load(folder / "postings.npz", allow_pickle=False) as arrays:
            indptr, rows, tfs, lengths, removed = (arrays[k] for k in ("indptr", "rows", "tfs", "lengths", "removed"))
        ok = indptr.size == len(stems) + 1 and indptr[0] == 0 and indptr[-1] == rows.size == tfs.size
        ok = ok and lengths.size == count and bool(np.all(np.diff(indptr) >= 0))
        if not ok or any(a.size and (a.min() < 0 or a.max() >= count) for a in (rows, removed)):
            raise ValueError("inconsistent postings")
        index = cls(stems, (indptr.astype(np.int64), rows.astype(np.int32), tfs.astype(np.float32)), lengths)
        index._alive[removed] = False
        if not index._alive[index._rows].all() or lengths[~index._alive].any():
            raise ValueError("removed rows hold postings")
        return index

    # --- unknown words -------------------------------------------------------------------------

    def _known(self, stem: str) -> bool:
        """Tell whether a stem is in a live row, or starts a word that is ("russia" → "russian")."""
        sid = self._vocab.get(stem)
        if sid is not None and self._df[sid]:
            return True
        if self._prefixes is None:  # counted whole before it is shown: questions read at once (index.store.guard)
            prefixes: Counter[str] = Counter()
            for live in np.flatnonzero(self._df).tolist():
                word = self._stems[live]
                prefixes.update({word[:n]: 1 for n in range(4, len(word) + 1)})
            self._prefixes = prefixes
        return len(stem) >= 4 and self._prefixes[stem] > 0

    def _count_prefixes(self, word: str, sign: int) -> None:
        """Count (or stop counting) a live stem's prefixes of four letters or more."""
        assert self._prefixes is not None
        self._prefixes.update({word[:n]: sign for n in range(4, len(word) + 1)})

    def unknown_words(self, text: str) -> list[str]:
        """Return the distinct content words (stems) of a text that occur nowhere in the indexed texts."""
        return self.unknown_stems(tokenize(text))

    def unknown_stems(self, stems: Iterable[str]) -> list[str]:
        """Return the distinct stems of an already tokenized text that occur nowhere in the indexed texts."""
        return sorted({stem for stem in stems if not self._known(stem)})

    def unknown_names(self, text: str) -> list[str]:
        """Return the names and numbers in a question that occur nowhere in the indexed texts.

        A name is a capitalised word not opening the question, an acronym, or a token with a
        digit. A stem known as the start of an indexed word counts as known ("Russia" → "russian").
        """
        unknown = []
        for match in _NAME.finditer(text):
            word = match.group()
            if match.start() == 0 and not (word.isupper() and len(word) > 1) and not any(c.isdigit() for c in word):
                continue  # the first word is capitalised anyway
            stems = tokenize(word)
            if stems and not any(self._known(s) for s in stems):
                unknown.append(word)
        return unknown
