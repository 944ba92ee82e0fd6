"""Collapse duplicate passages of a ranked list into one, citing every place the text is found.

Three things make two passages duplicates:

* the same text once case, whitespace and punctuation are ignored, in any documents (a statement
  published twice, a copy with different line wrapping or quotes);
* spans of the same document that overlap over more than half of the shorter one (overlapping
  windows, or a lead-in chunk and the paragraph it introduces);
* near-identical text: the word sequences match with a `difflib` ratio of at least 0.9, and the
  words that differ are neither negations nor numbers.

Every passage is compared with the passages kept so far, never with the duplicates folded into
them, so a chain of small differences cannot end in a passage unlike the one shown. The lists are
top-k results (tens of passages), so the pairwise O(n²) comparison costs nothing that matters.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from difflib import SequenceMatcher
from functools import lru_cache

from ..models import Passage

__all__ = ["MIN_OVERLAP", "MIN_SIMILARITY", "collapse_duplicates", "is_duplicate"]

# Share of the shorter span two spans of one document must share: "most of it".
MIN_OVERLAP = 0.5

# difflib's ratio over word sequences, 2·matched / (len(a) + len(b)). Order matters, unlike a token-set
# Jaccard, so a reworded passage that says something else is kept apart; one changed word in twenty
# scores 0.95, one in ten 0.90 (kept together), two in ten 0.80 (kept apart). Short passages are kept
# apart by a single word: "States should act" vs "States should react" scores 0.67.
MIN_SIMILARITY = 0.9

_WORD = re.compile(r"\w+")
# Words whose change turns a statement around: near-identical passages differing in one are not merged.
_NEGATIONS = frozenset({"not", "no", "never", "nor", "neither", "none", "nothing", "without", "cannot", "t"})


@lru_cache(maxsize=256)  # a passage meets every kept one in turn: split each text once, not once per pair
def _words(text: str) -> tuple[str, ...]:
    """Return the text's words, case-folded, without punctuation."""
    return tuple(_WORD.findall(text.casefold()))


@lru_cache(maxsize=256)
def _bag(text: str) -> Counter[str]:
    """Return how often each word occurs in the text (for the ratio's cheap upper bound)."""
    return Counter(_words(text))


def _overlaps(a: Passage, b: Passage) -> bool:
    """Tell whether two spans of one document share most of the shorter one."""
    if a.doc_id != b.doc_id:
        return False
    shorter = min(a.end - a.start, b.end - b.start)
    shared = min(a.end, b.end) - max(a.start, b.start)
    return shorter > 0 and shared > MIN_OVERLAP * shorter


def _changes_meaning(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Tell whether the words in one text but not the other include a negation or a number."""
    differ = set(a) ^ set(b)
    return any(word in _NEGATIONS or any(c.isdigit() for c in word) for word in differ)


def _near_identical(text_a: str, text_b: str) -> bool:
    """Tell whether two texts' word sequences differ in a few words that do not change the meaning."""
    a, b = _words(text_a), _words(text_b)
    # The bounds real_quick_ratio and quick_ratio give, checked before SequenceMatcher indexes `b`.
    if 2 * min(len(a), len(b)) < MIN_SIMILARITY * (len(a) + len(b)):
        return False
    if 2 * sum((_bag(text_a) & _bag(text_b)).values()) < MIN_SIMILARITY * (len(a) + len(b)):
        return False
    matcher = SequenceMatcher(None, a, b, autojunk=False)  # autojunk would ignore common words in long texts
    return matcher.ratio() >= MIN_SIMILARITY and not _changes_meaning(a, b)


def is_duplicate(a: Passage, b: Passage) -> bool:
    """Tell whether two passages should be shown once: same text, overlapping spans, or near-identical."""
    if a.text == b.text or _overlaps(a, b):
        return True
    words_a, words_b = _words(a.text), _words(b.text)
    if not words_a or not words_b:
        return False
    return words_a == words_b or _near_identical(a.text, b.text)


def _fold(kept: Passage, duplicate: Passage) -> Passage:
    """Return `kept` also citing `duplicate` and the places it cites, each place once."""
    seen = {(kept.doc_id, kept.start, kept.end)} | {(c.doc_id, c.start, c.end) for c in kept.also_in}
    also_in = list(kept.also_in)
    for citation in (duplicate.citation, *duplicate.also_in):
        key = (citation.doc_id, citation.start, citation.end)
        if key not in seen:
            seen.add(key)
            also_in.append(citation)
    return replace(kept, also_in=tuple(also_in))


def collapse_duplicates(passages: Sequence[Passage]) -> list[Passage]:
    """Keep the first of each group of duplicates, in rank order, citing the later ones in its `also_in`."""
    kept: list[Passage] = []
    for passage in passages:
        for i, head in enumerate(kept):
            if is_duplicate(head, passage):
                kept[i] = _fold(head, passage)
                break
        else:
            kept.append(passage)
    return kept
