"""How much of a question's weight of words a passage holds, and its document: evidence against near misses.

A question that names something ("a per-request timeout with library A") is answered from the wrong place
when the best passage, from library B's page, says "timeout" but never "A". The signal is where the
question's words are found, weighted by how rare each is in the corpus (IDF): in the passage (with its
title and headings), or anywhere in its document. A rare word missing from both weighs most.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..store.layout import StoredIndex
from ..store.lexical import tokenize

__all__ = ["QUESTION_WORDS", "Coverage", "Terms", "has_number", "number_missing", "substance", "wants_number"]

Floats = npt.NDArray[np.float64]

# How a chat question is asked, not what it is about: in a corpus of manuals "why" and "my" are rare, so
# without this list they would weigh as much as the name of what the question asks about.
QUESTION_WORDS = frozenset(
    tokenize(
        "what how why which who whom whose when where do does did done doing can could should would will shall "
        "may might must i me my mine myself you your yours we us our they them their he she it its is am are was "
        "were be been being have has had get gets got getting want wants need needs just like ok okay stuff thing "
        "things way ways anyway really actually also still even there here anything something someone anyone "
        "possible able use using used tell know go goes going make makes please thanks hi hey"
    )
)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Where a query's content words are found, per candidate (IDF-weighted shares; the rarest missing word)."""

    passage: Floats  # share of the words' weight in the passage, with its title and headings
    document: Floats  # share anywhere in the passage's document
    missing_passage: Floats  # rarity (IDF over its maximum) of the rarest word the passage lacks; 0: none
    missing_document: Floats  # ... that its document lacks


class Terms:
    """The corpus statistics the coverage signals need: each chunk's document, and each stem's rarity."""

    def __init__(self, stored: StoredIndex) -> None:
        self._lexical = stored.lexical
        self._sentences = stored.sentences.lexical
        self._sentence_count = len(stored.sentences.owners)
        names: dict[str, int] = {}
        for chunk in stored.chunks:
            names.setdefault(chunk.doc_id, len(names))  # any stable number per document
        self._document = np.array([names[chunk.doc_id] for chunk in stored.chunks], dtype=np.int64)
        self._documents = len(names)
        self._rows = len(stored.chunks)  # an index updated since shares its lexical index: rows past these are not ours
        self._count = max(stored.live_count, 1)  # removed rows count nowhere, as in the lexical index
        self._texts = [chunk.text for chunk in stored.chunks]
        # Per chunk, filled as chunks become candidates: a warm engine reads them, a cold `ask` pays for ~60.
        # Two threads filling the same entry write the same value: no lock needed.
        self._substance = np.full(len(stored.chunks), np.nan)
        self._number = np.full(len(stored.chunks), -1, dtype=np.int8)

    def same_document(self, row: int) -> npt.NDArray[np.int64]:
        """Return the rows of this version's chunk table in the document of `row` (removed ones included)."""
        return np.flatnonzero(self._document == self._document[row])

    def _idf(self, frequency: int) -> float:
        """Return a stem's BM25-style inverse document frequency (over chunks; unseen stems weigh most)."""
        return math.log(1.0 + (self._count - frequency + 0.5) / (frequency + 0.5))

    def in_sentences(self, stems: Sequence[str], sentences: npt.NDArray[np.int64]) -> Floats:
        """Return, per sentence id, the IDF-weighted share of the query's content words it holds (with its headings)."""
        distinct = list(dict.fromkeys(s for s in stems if s not in QUESTION_WORDS))
        if not distinct or not sentences.size:
            return np.ones(len(sentences))
        weights = np.array([self._idf(self._holders(stem).size) for stem in distinct])
        found = np.array([_member(sentences, self._sentence_holders(stem), self._sentence_count) for stem in distinct])
        return np.asarray(weights @ found / (float(weights.sum()) or 1.0), dtype=np.float64)

    def coverage(self, stems: Sequence[str], rows: npt.NDArray[np.int64]) -> Coverage:
        """Return, per candidate row, where the query's content words are found (`Coverage`)."""
        distinct = list(dict.fromkeys(s for s in stems if s not in QUESTION_WORDS))
        if not distinct or not rows.size:
            return Coverage(np.ones(len(rows)), np.ones(len(rows)), np.zeros(len(rows)), np.zeros(len(rows)))
        weights = np.zeros(len(distinct))
        in_passage = np.zeros((len(distinct), len(rows)), dtype=bool)
        in_document = np.zeros((len(distinct), len(rows)), dtype=bool)
        candidate_documents = self._document[rows]
        for i, stem in enumerate(distinct):
            holders = self._holders(stem)
            weights[i] = self._idf(holders.size)
            if holders.size:
                in_passage[i] = _member(rows, holders, self._rows)
                in_document[i] = _member(candidate_documents, self._document[holders], self._documents)
        total = float(weights.sum()) or 1.0
        rarity = weights[:, None] / self._idf(0)  # 1 for a word the corpus never uses
        return Coverage(
            weights @ in_passage / total,
            weights @ in_document / total,
            np.max(np.where(in_passage, 0.0, rarity), axis=0),
            np.max(np.where(in_document, 0.0, rarity), axis=0),
        )

    def _holders(self, stem: str) -> npt.NDArray[np.int64]:
        """Return this version's rows that hold a stem (ascending)."""
        return _below(self._lexical.rows_of(stem), self._rows)

    def _sentence_holders(self, stem: str) -> npt.NDArray[np.int64]:
        """Return this version's sentences that hold a stem (ascending)."""
        return _below(self._sentences.rows_of(stem), self._sentence_count)

    def substance(self, rows: npt.NDArray[np.int64]) -> Floats:
        """Return `substance` of each row's text (computed once per chunk)."""
        todo = rows[np.isnan(self._substance[rows])]
        for row in todo.tolist():
            self._substance[row] = substance(self._texts[row])
        return np.asarray(self._substance[rows], dtype=np.float64)

    def number_missing(self, question: str, rows: npt.NDArray[np.int64]) -> Floats:
        """Return `number_missing` for each row (whether a chunk holds a number is read once per chunk)."""
        if not wants_number(question):
            return np.zeros(len(rows))
        todo = rows[self._number[rows] < 0]
        for row in todo.tolist():
            self._number[row] = int(has_number(self._texts[row]))
        return np.asarray(self._number[rows] == 0, dtype=np.float64)


def _below(rows: npt.NDArray[np.int64], limit: int) -> npt.NDArray[np.int64]:
    """Return the ascending rows under `limit`: those of this version (an index updated since shares its BM25)."""
    return rows if not rows.size or rows[-1] < limit else rows[rows < limit]


def _member(values: npt.NDArray[np.int64], members: npt.NDArray[np.int64], size: int) -> npt.NDArray[np.bool_]:
    """Return which values (ids below `size`) are among `members`: a mask lookup, cheaper than np.isin's sort."""
    mask = np.zeros(size, dtype=bool)
    mask[members] = True
    return np.asarray(mask[values], dtype=bool)


_WORD = re.compile(r"[^\W\d_]{2,}")
_STRUCTURED = re.compile(r"^\s*(?:[-*+•]\s|\d{1,3}[.)]\s|\||```|~~~)", re.MULTILINE)
_ENDS_SENTENCE = re.compile(r"[.!?:;)\]\"'”’]\s*$")


def substance(text: str) -> float:
    """Rate in [0, 1] how much a passage can stand alone as an answer: 1 for a sentence or a list of some length.

    A bare heading, a figure caption, a reference or table-of-contents line ("Proceedings of …, Melbourne,
    Australia, 1996.") is short, title-cased or both, and once answered a question about Australia at 0.88.
    """
    words = _WORD.findall(text)
    if len(words) >= 40:
        return 1.0  # long enough whatever its shape: the share of capitals need not be counted
    if not words:
        return 0.0
    capitals = sum(word[0].isupper() for word in words) / len(words)
    structured = bool(_STRUCTURED.search(text))
    sentence_like = structured or (bool(_ENDS_SENTENCE.search(text)) and capitals < 0.6)
    return min(1.0, len(words) / (8 if sentence_like else 40))


# "how many days", "which version", "what's the max value": the answer is a number; a passage without one
# does not give it, however close its words ("how many PBKDF2 iterations does the manual recommend?").
_WANTS_NUMBER = re.compile(
    r"\b(?:how\s+(?:many|much|long|far|often|old|big|large|fast)|(?:which|what)\s+(?:version|release|year|"
    r"number|port|size|percentage)|max(?:imum)?|min(?:imum)?|limit|since\s+when)\b",
    re.IGNORECASE,
)
# A number standing alone ("3", "2.1", "v1.4", "C++20"), not a digit inside a name ("PBKDF2", "bfloat16").
_NUMBER = re.compile(
    r"(?<!\w)\d|\bv\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million)\b",
    re.I,
)


def wants_number(question: str) -> bool:
    """Tell whether a question asks for a number (how many, which version, the maximum)."""
    return bool(_WANTS_NUMBER.search(question))


def has_number(text: str) -> bool:
    """Tell whether a text holds a number standing alone (digits, or a number word)."""
    return bool(_NUMBER.search(text))


def number_missing(question: str, passage: str) -> float:
    """Return 1.0 when the question asks for a number (how many, which version) and the passage holds none."""
    return float(wants_number(question) and not has_number(passage))
