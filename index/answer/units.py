"""Quote units: the smallest run of a section's consecutive blocks that holds the sentence that answers.

A chunk is one block (a paragraph, a list, a code block, a lead-in with what it introduces). The block that
matches a question best is often not the one that answers it: a FAQ's question line, whose answer is the next
paragraph; a lead-in chain ("On A:" / code / "On B:" / code / "To get the same results, use g"); the motivation
for a setting, whose name is in the next paragraph. So at answer time the best block's neighbours in its section
are scored too, and the quote grows to the smallest run of blocks that holds the best of them:

* a block that introduces what follows (it ends with a colon or a question mark, or it is a short line with no
  sentence end, like a bold question or a `<dt>` term) is quoted with the best block after it;
* any other block is quoted with a neighbour that scores at least its own score less `margin`.

A unit never leaves its section, its page or the blocks the index holds (consecutive paragraphs, nothing
skipped between them), never joins Discord messages (each has its author and link), and holds at most
`UnitRule.blocks` blocks and `UnitRule.chars` characters: what a reader takes in at once. It is still one
slice of the source, checked like any quote.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..models import Chunk, Passage
from ..store.layout import StoredIndex
from ..store.manifest import DocumentRecord
from ..text import split_sentences, word_count
from .links import deep_link

__all__ = ["Neighbours", "Unit", "UnitRule", "choose_unit", "introduces", "unit_passage"]

_SENTENCE_END = re.compile(r"[.!。！…]['\"”’)\]]*$")


@dataclass(frozen=True, slots=True)
class UnitRule:
    """How far a quote may grow around its best block (fitted by scripts/fit_units.py on teamdocs_dev)."""

    margin: float = 0.08  # a neighbour joins when it scores at least the block's score less this
    chars: int = 1200  # the longest unit, in characters of the source
    blocks: int = 4  # the most blocks in a unit
    ahead: int = 3  # blocks after the best one considered
    back: int = 2  # blocks before it considered


@dataclass(frozen=True, slots=True)
class Unit:
    """A run of consecutive chunk rows quoted as one passage, and the row whose sentence answers."""

    rows: tuple[int, ...]
    answering: int

    @property
    def grown(self) -> bool:
        """Tell whether the unit holds more than one block."""
        return len(self.rows) > 1


def introduces(text: str) -> bool:
    """Tell whether a block introduces what follows: a lead-in, a question line, a short line with no sentence end."""
    stripped = text.strip()
    if stripped.endswith((":", "?", "：", "？")):
        return True
    return "\n" not in stripped and word_count(stripped) <= 12 and not _SENTENCE_END.search(stripped)


def _adjacent(a: Chunk, b: Chunk) -> bool:
    """Tell whether block b follows block a in one section of one page, nothing between them left out."""
    return (
        a.doc_id == b.doc_id
        and a.section == b.section
        and a.page == b.page
        and a.url is None
        and b.url is None
        and b.start >= a.end
        and b.paragraph <= a.last_paragraph + 1
    )


class Neighbours:
    """Each live chunk's previous and next block in its document, where the two are adjacent (`_adjacent`).

    A document's blocks are linked the first time one of them is asked about: an index updated in place gets a
    new engine per change, and linking all 100,000 rows up front would fall on its first answer.
    """

    def __init__(self, stored: StoredIndex, rows_of: Callable[[int], Iterable[int]] | None = None) -> None:
        self._chunks = stored.chunks
        self._live = stored.is_live
        # The rows of a row's document (any order; removed ones included): Terms knows them, else a scan.
        self._rows_of = rows_of or self._scan
        self._previous: dict[int, int] = {}
        self._next: dict[int, int] = {}
        self._linked: set[str] = set()

    def _scan(self, row: int) -> list[int]:
        """Return the rows of `row`'s document, read from the whole chunk table."""
        doc = self._chunks[row].doc_id
        return [r for r, chunk in enumerate(self._chunks) if chunk.doc_id == doc]

    def _link(self, row: int) -> None:
        """Link the blocks of `row`'s document, once (two threads doing it at once write the same links)."""
        doc = self._chunks[row].doc_id
        if doc in self._linked:
            return
        chunks = self._chunks
        rows = sorted((r for r in self._rows_of(row) if self._live(r)), key=lambda r: (chunks[r].start, chunks[r].end))
        for a, b in itertools.pairwise(rows):
            if _adjacent(chunks[a], chunks[b]):
                self._next[a], self._previous[b] = b, a
        self._linked.add(doc)

    def around(self, row: int, rule: UnitRule) -> tuple[list[int], list[int]]:
        """Return the blocks before `row` (nearest first) and after it that a unit of `rule` could reach."""
        self._link(row)
        first, last = self._chunks[row].start, self._chunks[row].end
        before: list[int] = []
        at = row
        while len(before) < rule.back and (at := self._previous.get(at, -1)) >= 0:
            if last - self._chunks[at].start > rule.chars:
                break
            before.append(at)
        after: list[int] = []
        at = row
        while len(after) < rule.ahead and (at := self._next.get(at, -1)) >= 0:
            if self._chunks[at].end - first > rule.chars:
                break
            after.append(at)
        return before, after

    def run(self, start_row: int, end: int, most: int) -> list[int] | None:
        """Return the consecutive blocks from `start_row` to the one ending at `end`, or None when none do."""
        self._link(start_row)
        rows = [start_row]
        while self._chunks[rows[-1]].end < end and len(rows) < most:
            following = self._next.get(rows[-1])
            if following is None:
                return None
            rows.append(following)
        return rows if self._chunks[rows[-1]].end == end else None


def choose_unit(
    row: int,
    neighbours: Neighbours,
    chunks: Sequence[Chunk],
    scored: Mapping[int, float],
    rule: UnitRule,
) -> Unit:
    """Return the smallest unit around `row` that holds its best-scoring neighbour (`scored`: fused, per row)."""
    before, after = neighbours.around(row, rule)
    if not before and not after:
        return Unit((row,), row)
    if introduces(chunks[row].text) and after:
        answering = max(after, key=lambda r: scored[r])  # what it introduces answers, whatever it scores
    else:
        best = max([*before, *after], key=lambda r: scored[r])
        answering = best if scored[best] >= scored[row] - rule.margin else row
    if answering == row:
        return Unit((row,), row)
    side = after if answering in after else before
    reach = side[: side.index(answering) + 1]
    rows = sorted([row, *reach], key=lambda r: chunks[r].start)
    if len(rows) > rule.blocks:
        return Unit((row,), row)
    return Unit(tuple(rows), answering)


def unit_passage(
    chunks: Sequence[Chunk],
    unit: Unit,
    sentence: int,
    text: str,
    record: DocumentRecord,
    corpus_dir: Path,
    score: float,
    confidence: float | None = None,
) -> Passage:
    """Return the passage quoting a unit (`text`: the source from its first block to its last, checked verbatim).

    `sentence` is the answering block's best sentence: it is the one highlighted, wherever it is in the unit.
    """
    first, last, answering = chunks[unit.rows[0]], chunks[unit.rows[-1]], chunks[unit.answering]
    spans = split_sentences(answering.text)
    shift = answering.start - first.start
    return Passage(
        text=text,
        doc_id=first.doc_id,
        source=corpus_dir / first.doc_id,
        title=record.title,
        date=first.date or record.date,
        paragraph=first.paragraph,
        last_paragraph=last.last_paragraph,
        start=first.start,
        end=last.end,
        score=score,
        highlight=(spans[sentence][0] + shift, spans[sentence][1] + shift) if sentence < len(spans) else None,
        page=first.page,
        section=first.section,
        url=first.url or deep_link(record.url, text, page=first.page),
        confidence=confidence,
    )
