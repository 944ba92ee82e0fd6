"""Find an index's live chunks by the span they quote, and the rest of a passage's paragraphs."""

from __future__ import annotations

from ..models import Passage
from ..store.layout import StoredIndex
from .terms import Terms

__all__ = ["SpanIndex"]


class SpanIndex:
    """The live chunk rows of an index by (doc_id, start, end) and by (doc_id, start), built on first use."""

    def __init__(self, stored: StoredIndex, terms: Terms) -> None:
        self.stored, self.terms = stored, terms
        self._spans: dict[tuple[str, int, int], int] | None = None
        self._starts: dict[tuple[str, int], int] = {}

    def _built(self) -> dict[tuple[str, int, int], int]:
        """Return the rows by span, building both maps once (a race builds the same dicts twice)."""
        if self._spans is None:
            stored = self.stored
            live = [(r, c) for r, c in enumerate(stored.chunks) if stored.is_live(r)]
            self._starts = {(c.doc_id, c.start): r for r, c in live}
            # Last: another thread that sees _spans set must find _starts complete too.
            self._spans = {(c.doc_id, c.start, c.end): r for r, c in live}
        return self._spans

    def exact(self, doc_id: str, start: int, end: int) -> int | None:
        """Return the live chunk that is exactly this span, if any."""
        return self._built().get((doc_id, start, end))

    def starting(self, doc_id: str, start: int) -> int | None:
        """Return the live chunk that starts where this span does, if any."""
        self._built()
        return self._starts.get((doc_id, start))

    def rest_of_paragraphs(self, passage: Passage) -> list[str]:
        """Return the texts of the live chunks of a passage's paragraphs (its own among them).

        Only a document's own text: never a Discord message's (one may be withheld, or of another server).
        """
        row = self.starting(passage.doc_id, passage.start)
        if row is None:
            return []
        chunks, live = self.stored.chunks, self.stored.is_live
        return [
            chunks[r].text
            for r in self.terms.same_document(row).tolist()
            if live(r) and chunks[r].url is None and chunks[r].author is None
            and chunks[r].paragraph <= passage.last_paragraph and passage.paragraph <= chunks[r].last_paragraph
        ]  # fmt: skip
