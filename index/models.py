"""Small frozen value objects passed between the modules of the library."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

StrPath = str | os.PathLike[str]  # a path as every public function takes it: a string or a Path

__all__ = [
    "EXTRACTED_KINDS",
    "Anchor",
    "Answer",
    "Chunk",
    "Citation",
    "Difference",
    "Document",
    "Passage",
    "Source",
    "StrPath",
    "paragraph_label",
]

# Formats whose text is extracted from the file: the index stores that text, and quotes are slices of it.
EXTRACTED_KINDS = frozenset({"html", "pdf", "discord"})


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where one part of a document starts, and its own link and date (a Discord message in an export)."""

    start: int  # offset in the document's text
    url: str  # the jump link to the message
    date: str | None  # ISO YYYY-MM-DD
    author: str | None = None  # the author's Discord id, so a member's /forget-me can find it
    name: str | None = None  # the author's name, cited only where the collection says `show_authors = true`


@dataclass(frozen=True, slots=True)
class Document:
    """One source file of the corpus, decoded, with its metadata."""

    doc_id: str  # path relative to the corpus folder, with forward slashes
    path: Path  # absolute path of the file on disk
    text: str  # the decoded text; every offset in the library indexes this string
    title: str
    date: str | None  # ISO date (YYYY-MM-DD) when one was found
    size: int  # bytes on disk
    sha256: str
    mtime_ns: int
    kind: str = "text"  # "text", "markdown", or an extracted format: "html", "pdf"
    url: str | None = None  # where readers find the document (front matter, sidecar, canonical link)
    pages: tuple[int, ...] = ()  # PDF: the offset in `text` where each page starts
    meta_sha256: str | None = None  # of the sidecar `.meta.toml`, when there is one
    anchors: tuple[Anchor, ...] = ()  # Discord export: where each message starts, with its link and date

    @property
    def extracted(self) -> bool:
        """Tell whether `text` was extracted from the file (HTML, PDF) rather than read as it is."""
        return self.kind in EXTRACTED_KINDS


@dataclass(frozen=True, slots=True)
class Chunk:
    """A retrievable unit: one paragraph (or a window of one), an exact slice of its document."""

    doc_id: str
    paragraph: int  # 1-based, as a reader counts the document's paragraphs
    last_paragraph: int  # equals `paragraph` unless a lead-in was joined with what follows it
    start: int
    end: int
    text: str  # == document.text[start:end]
    context: str = ""  # carried into the embedding and the lexical index, never quoted
    page: int | None = None  # PDF: the page the chunk starts on; `paragraph` then counts within that page
    section: str | None = None  # Markdown/HTML: the heading path, e.g. "Data security › Principles"
    url: str | None = None  # its own link (a Discord message's jump link), before the document's
    date: str | None = None  # its own date (a Discord message's), before the document's
    author: str | None = None  # its Discord author's id: withheld once they ask to be forgotten

    @property
    def search_text(self) -> str:
        """Return the text that is embedded and indexed lexically."""
        return f"{self.context}\n{self.text}" if self.context else self.text


def paragraph_label(first: int, last: int, page: int | None = None) -> str:
    """Return the paragraph citation, e.g. '¶ 7', '¶ 7–8' or 'p. 3, ¶ 2'."""
    paragraphs = f"¶ {first}–{last}" if last != first else f"¶ {first}"
    return f"p. {page}, {paragraphs}" if page is not None else paragraphs


@dataclass(frozen=True, slots=True)
class Citation:
    """Another place the same (or nearly the same) passage is found."""

    doc_id: str
    source: Path  # absolute path of the source file
    title: str
    date: str | None
    paragraph: int
    last_paragraph: int
    start: int
    end: int
    page: int | None = None
    section: str | None = None
    url: str | None = None  # a link to the passage itself when the document has a URL

    @property
    def paragraph_label(self) -> str:
        """Return the paragraph citation, e.g. '¶ 7', '¶ 7–8' or 'p. 3, ¶ 2'."""
        return paragraph_label(self.paragraph, self.last_paragraph, self.page)


@dataclass(frozen=True, slots=True)
class Difference:
    """Where a quote states another value than a claim does (a span of the quote), or does not mention it."""

    kind: str  # "number", "ordinal", "date", "name" or "negation"
    claim: str  # the claim's words it differs from ("" when the quote negates what the claim states)
    claim_start: int  # offsets into the claim
    claim_end: int
    start: int | None = None  # offsets into the quote's text; None: the quote does not mention the claim's value
    end: int | None = None

    @property
    def mentioned(self) -> bool:
        """Tell whether the quote states something here (a span of it), not only leaves the claim's value out."""
        return self.start is not None


@dataclass(frozen=True, slots=True)
class Passage:
    """A verified quote returned to the user."""

    text: str
    doc_id: str
    source: Path  # absolute path of the source file
    title: str
    date: str | None
    paragraph: int
    last_paragraph: int
    start: int
    end: int
    score: float
    highlight: tuple[int, int] | None = None  # the best-matching sentence, offsets into `text`
    also_in: tuple[Citation, ...] = ()  # duplicates collapsed into this passage, best first
    page: int | None = None  # PDF: the page the passage starts on
    section: str | None = None  # Markdown/HTML: the heading path, joined with " › "
    url: str | None = None  # a link to the passage itself (a text fragment) when the document has a URL
    collection: str | None = None  # the collection it was found in, when several are searched
    # The calibrated chance that this passage answers the question, on its own evidence (None: not measured).
    # Scores of separately built indexes are not on one scale; this is, so collections merge on it.
    confidence: float | None = None
    # Fact-check mode: where the quote states another value than the claim (`index.answer.claims`), claim order.
    differences: tuple[Difference, ...] = ()

    @property
    def citation(self) -> Citation:
        """Return where this passage is found."""
        return Citation(
            self.doc_id,
            self.source,
            self.title,
            self.date,
            self.paragraph,
            self.last_paragraph,
            self.start,
            self.end,
            self.page,
            self.section,
            self.url,
        )

    @property
    def paragraph_label(self) -> str:
        """Return the paragraph citation, e.g. '¶ 7', '¶ 7–8' or 'p. 3, ¶ 2'."""
        return paragraph_label(self.paragraph, self.last_paragraph, self.page)


@dataclass(frozen=True, slots=True)
class Answer:
    """The result of a question: whether the corpus answers it, and the passages, best first.

    When `answered` is false the passages are only the closest ones, never an answer.
    """

    question: str
    answered: bool
    passages: tuple[Passage, ...] = field(default_factory=tuple)
    stale: bool = False  # a source file changed since indexing; its passages were withheld
    confidence: float | None = None  # calibrated probability that the best passage answers, in [0, 1]
    left_out: int = 0  # passages a front end's check at sending time took out (withdrawn, or not confirmable then)


@dataclass(frozen=True, slots=True)
class Source:
    """One indexed document, as a list of what can be searched shows it."""

    doc_id: str
    path: Path  # where the file is (a link by its own name, never its target's)
    title: str
    date: str | None
    paragraphs: int  # the highest paragraph number cited in it
    passages: int  # how many chunks of it the index holds
    collection: str | None = None  # named when quotebot.toml defines collections
    server: int | None = None  # a Discord channel's or export's server (from its jump links): listed there only
