"""The lexical side of hybrid retrieval: BM25 (bm25s) over stemmed words, names and numbers."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer

from ..errors import IndexCorruptError
from ..text import UNSPACED

__all__ = ["LexicalIndex", "tokenize"]

_STEMMER = Stemmer.Stemmer("english")
_STOPWORDS = frozenset(bm25s.stopwords.STOPWORDS_EN)
# Words, plus identifiers kept whole ("73/266", "covid-19", "v2.1") beside their parts.
_TOKEN = re.compile(r"\w+(?:[/.\-]\w+)*")

_NAME = re.compile(r"\b(?:[A-Z][\w/-]*|\w*\d[\w/-]*)")


def _quiet_bm25s() -> None:
    """Keep bm25s's INFO lines out of the logs; set when an index is built or loaded, never on import."""
    logging.getLogger("bm25s").setLevel(logging.WARNING)


# Scripts written without spaces between words (text.UNSPACED): a run of them is one "\w+" match, a clause.


def _unspaced_grams(run: str) -> list[str]:
    """Return a run of Chinese, Japanese or Thai characters as its overlapping character pairs.

    Pairs need no dictionary and match most two-character words ("数据", "安全"); a lone character stands alone.
    """
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def _split_unspaced(part: str) -> list[str]:
    """Split a word holding unspaced script into its spaced pieces and character pairs."""
    if not UNSPACED.search(part):
        return [part]
    pieces: list[str] = []
    cursor = 0
    for match in UNSPACED.finditer(part):
        pieces.extend(p for p in [part[cursor : match.start()]] if p)
        pieces.extend(_unspaced_grams(match.group()))
        cursor = match.end()
    pieces.extend(p for p in [part[cursor:]] if p)
    return pieces


def tokenize(text: str) -> list[str]:
    """Lower-case, drop stop words, stem; keep compound identifiers and their parts; pair unspaced script."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(text.lower()):
        word = match.group()
        parts = re.findall(r"\w+", word) if not word.isalnum() else [word]
        if len(parts) > 1:
            tokens.append(word)
        for part in parts:
            pieces = _split_unspaced(part)
            tokens.extend(p for p in pieces if p not in _STOPWORDS and (len(p) > 1 or p.isdigit() or ord(p) > 0x2FFF))
    return list(_STEMMER.stemWords(tokens))


class LexicalIndex:
    """BM25 scores of a query against every stored text."""

    def __init__(self, retriever: bm25s.BM25, count: int) -> None:
        self._retriever = retriever
        self.count = count
        self._prefixes: set[str] | None = None

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        """Index the texts; row i of the scores is texts[i]."""
        _quiet_bm25s()
        retriever = bm25s.BM25()
        retriever.index([tokenize(t) for t in texts], show_progress=False)
        return cls(retriever, len(texts))

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        """Return the BM25 score of the query for every row (zeros when no word is known)."""
        return self.scores_of(tokenize(query))

    def scores_of(self, stems: Sequence[str]) -> npt.NDArray[np.float32]:
        """Return the BM25 score of an already tokenized query for every row.

        The sum of each stem's precomputed scores, as bm25s's `get_scores` adds them, but by one
        `bincount` over the postings instead of its `np.add.at`: half the time on every question.
        """
        spans = self._postings(stems)  # a stem the query repeats counts twice, as in bm25s
        if not spans:
            return np.zeros(self.count, dtype=np.float32)
        indices, data = self._retriever.scores["indices"], self._retriever.scores["data"]
        rows = np.concatenate([indices[a:b] for a, b in spans])
        weights = np.concatenate([data[a:b] for a, b in spans])
        return np.bincount(rows, weights=weights, minlength=self.count).astype(np.float32)

    def matched(self, words: set[str], rows: Sequence[int] | npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Count, for each row, how many of the given stems its text contains (read from the postings)."""
        spans = self._postings(words)
        if not spans:
            return np.zeros(len(rows), dtype=np.int64)
        indices = self._retriever.scores["indices"]
        counts = np.bincount(np.concatenate([indices[a:b] for a, b in spans]), minlength=self.count)
        return np.asarray(counts[np.asarray(rows, dtype=np.int64)], dtype=np.int64)

    def rows_of(self, stem: str) -> npt.NDArray[np.int64]:
        """Return the rows whose text holds a stem (none for an unknown stem), read from the postings."""
        spans = self._postings([stem])
        if not spans:
            return np.zeros(0, dtype=np.int64)
        start, end = spans[0]
        return np.asarray(self._retriever.scores["indices"][start:end], dtype=np.int64)

    def _postings(self, stems: Iterable[str]) -> list[tuple[int, int]]:
        """Return where each indexed stem's postings lie in bm25s's score matrix (columns: stems)."""
        vocab: dict[str, int] = self._retriever.vocab_dict
        indptr = self._retriever.scores["indptr"]
        return [(int(indptr[vocab[s]]), int(indptr[vocab[s] + 1])) for s in stems if s in vocab]

    def _known(self, stem: str) -> bool:
        """Tell whether a stem is indexed, or starts an indexed word ("russia" → "russian")."""
        vocab: dict[str, int] = self._retriever.vocab_dict
        if self._prefixes is None:
            self._prefixes = {w[:n] for w in vocab for n in range(4, len(w) + 1)}
        return stem in vocab or (len(stem) >= 4 and stem in self._prefixes)

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

    def save(self, folder: Path) -> None:
        """Write the index into a folder."""
        self._retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, count: int) -> LexicalIndex:
        """Read an index folder, checking it covers `count` rows."""
        _quiet_bm25s()
        try:
            retriever = bm25s.BM25.load(str(folder), show_progress=False)
        except Exception as exc:  # numpy/json errors of every kind mean the same: unreadable
            raise IndexCorruptError(f"lexical index {folder} cannot be read: run `quotebot build`") from exc
        if int(retriever.scores["num_docs"]) != count:
            raise IndexCorruptError(f"lexical index {folder} does not match the chunk table: run `quotebot build`")
        return cls(retriever, count)
