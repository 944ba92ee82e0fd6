"""The lexical index's tokenizer: text to the stems BM25 counts, for indexed texts and questions alike.

Lower-cased words lose their stop words and are stemmed (Snowball English); compound identifiers
("73/266", "covid-19") are kept whole beside their parts, and scripts written without spaces are read
as overlapping character pairs. It is separate from lexical.py because it is a rule shared beyond the
postings: answer/ (ranking, terms) tokenizes questions with it, and the stems every stored index holds
were made by it. lexical.py re-exports `tokenize`, so `from .lexical import tokenize` still works.
"""

from __future__ import annotations

import re

import bm25s.stopwords
import Stemmer

from ..text import UNSPACED

__all__ = ["tokenize"]

_STEMMER = Stemmer.Stemmer("english")
_STOPWORDS = frozenset(bm25s.stopwords.STOPWORDS_EN)
# Words, plus identifiers kept whole ("73/266", "covid-19", "v2.1") beside their parts.
_TOKEN = re.compile(r"\w+(?:[/.\-]\w+)*")

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
