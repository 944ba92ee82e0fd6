"""Split a document into paragraphs and retrievable chunks with exact character offsets.

A paragraph ends at a blank line, or at a single line break when the next line does not
continue the sentence (files with one paragraph per line, like scraped pages). Page
furniture (navigation, "Print", bare salutations, the title and date lines) is never a
chunk. A lead-in that ends with a colon is joined with the paragraph after it (and, on
request, carried as embedding context into the enumerated paragraphs that follow). Paragraphs longer than
the window are cut into consecutive windows at sentence boundaries. A quote is never cut inside a sentence,
with one exception: a "sentence" longer than MAX_CHUNK_CHARS (text without sentence ends, a blob) is cut
into windows at word boundaries, so no chunk is longer than that, whatever the token counter says.

Markdown (and HTML, extracted as Markdown) is chunked by its blocks instead: headings are no
chunk but the section path of the chunks under them, and code blocks and tables stay whole (unless
longer than MAX_CHUNK_CHARS: then they are cut at line breaks). PDF chunks carry the page they start
on, and count their paragraphs within that page.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from ..models import Anchor, Chunk, Document
from ..text import Span, approximate_tokens, iter_lines, split_sentences, strip_span, word_count
from .extract import page_at
from .markdown import markdown_blocks, section_label
from .metadata import Metadata, front_matter, is_date_line, is_furniture, read_metadata
from .windows import cut_long, line_windows

__all__ = [
    "CHUNKER_VERSION",
    "MAX_CHUNK_CHARS",
    "Paragraph",
    "anchored",
    "approximate_tokens",
    "asked",
    "chunk_document",
    "chunk_paragraphs",
    "is_question_line",
    "markdown_chunks",
    "number_by_page",
    "read_layout",
    "split_paragraphs",
]

# Bump whenever chunk boundaries or search texts change: a stored index then reads as stale.
CHUNKER_VERSION = 8  # 3: Markdown blocks and sections, PDF pages; 4: whitespace-only Markdown lines are blank;
# 5: passages capped at 4,000 characters; a "sentence" longer than that cut at word boundaries;
# 6: the paragraph before a list, table or code block is quoted with it; breadcrumbs are one-line trails;
# 7: the lexical index reads Chinese, Japanese and Thai as character pairs; Discord exports, a chunk per message;
# 8: the blocks after a question line read it as context, as they read a heading

# A chunk is quoted whole in one Discord embed (a description holds 4,096 characters). The cap holds whatever
# the token counter says: the approximate one counts a megabyte of letters without a space as one token.
MAX_CHUNK_CHARS = 4000

TokenCounter = Callable[[str], int]

_QUESTION_LINE = re.compile(r"[?？][*_\s]*$")  # a question mark, perhaps inside bold or italics

_LIST_MARKER = re.compile(r"^\s*(?:[-*+•]\s|\d{1,3}[.)]\s|\(?[a-zA-Z][.)]\s|#{1,6}\s|>|\|)")
_ENUMERATION = re.compile(
    r"^\s*(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|finally|lastly|last|"
    r"[-*+•]|\d{1,3}[.)]|\(?[a-zA-Z]\))[\s,:]",
    re.IGNORECASE,
)
_INTRODUCED = frozenset({"list", "code", "table"})  # blocks that belong with the paragraph introducing them
_SENTENCE_END = re.compile(r"[.!?:;。！？”\"')\]]$")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph span of the source and whether it is body text."""

    start: int
    end: int
    body: bool


def _continues(previous: str, line: str, wrapped: bool) -> bool:
    """Tell whether `line` continues the paragraph of `previous` (a soft line break)."""
    if _LIST_MARKER.match(line) or is_furniture(previous) or is_furniture(line):
        return False
    first = line.lstrip()[:1]
    if first.islower():
        return True  # a sentence never starts in lower case
    return wrapped and not _SENTENCE_END.search(previous.rstrip())


def _is_wrapped(text: str, lines: Sequence[Span]) -> bool:
    """Tell whether the file is hard-wrapped prose (lines cut near a fixed width)."""
    lengths = [e - s for s, e in lines if text[s:e].strip()]
    if len(lengths) < 3:
        return False
    return max(lengths) <= 100


def split_paragraphs(text: str, skip_until: int = 0) -> list[Span]:
    """Return the paragraph spans of `text` after offset `skip_until`, stripped of outer whitespace."""
    lines = [(s, e) for s, e in iter_lines(text) if s >= skip_until]
    wrapped = _is_wrapped(text, lines)
    spans: list[Span] = []
    current: Span | None = None
    last = (0, 0)  # the paragraph's last line: splitting the whole paragraph again per line was quadratic
    for s, e in lines:
        s, e = strip_span(text, s, e)
        if s == e:
            if current:
                spans.append(current)
            current = None
        elif current and _continues(text[last[0] : last[1]].splitlines()[-1], text[s:e], wrapped):
            current = (current[0], e)
        else:
            if current:
                spans.append(current)
            current = (s, e)
        last = (s, e)
    if current:
        spans.append(current)
    return spans


def _fits(text: str, start: int, end: int, max_tokens: int, count: TokenCounter) -> bool:
    """Tell whether text[start:end] is short enough for one chunk (counting its tokens only when it may be)."""
    return end - start <= MAX_CHUNK_CHARS and count(text[start:end]) <= max_tokens


def _windows(text: str, start: int, end: int, max_tokens: int, count: TokenCounter) -> list[Span]:
    """Cut text[start:end] into consecutive windows of whole sentences under `max_tokens` and MAX_CHUNK_CHARS."""
    if _fits(text, start, end, max_tokens, count):
        return [(start, end)]
    windows: list[Span] = []
    for s, e, alone in _sentence_windows(text, start, end, max_tokens, count):
        if alone and e - s > MAX_CHUNK_CHARS:  # no sentence end for 4,000 characters: no sentence to keep whole
            windows.extend(cut_long(text, s, e, MAX_CHUNK_CHARS, max_tokens, count))
        else:
            windows.append((s, e))  # a sentence over the token window but not the cap stays whole, as always
    return windows


def _sentence_windows(
    text: str, start: int, end: int, max_tokens: int, count: TokenCounter
) -> list[tuple[int, int, bool]]:
    """Pack whole sentences into windows; flag those of one sentence, which nothing measured and may be over."""
    windows: list[tuple[int, int, bool]] = []
    win_start: int | None = None
    win_end = start
    alone = True
    for s, e in split_sentences(text, start, end):
        if win_start is not None and not _fits(text, win_start, e, max_tokens, count):
            windows.append((win_start, win_end, alone))
            win_start = None
        alone = win_start is None
        if win_start is None:
            win_start = s
        win_end = e
    if win_start is not None:
        windows.append((win_start, win_end, alone))
    return windows


def chunk_paragraphs(
    doc_id: str,
    text: str,
    paragraphs: Sequence[Span],
    *,
    max_tokens: int = 200,
    count_tokens: TokenCounter | None = None,
    carry_lead_in: bool = False,
    whole: Collection[Span] = (),
    introduces: Collection[Span] = (),
    join_lead_ins: bool = True,
) -> list[Chunk]:
    """Turn body paragraph spans (in order) into chunks: lead-ins joined, long ones windowed (unless `whole`).

    A lead-in is a paragraph ending with a colon, or one of `introduces` (the sentence before a list, a table
    or a code block, however it ends): it is quoted together with the paragraph after it.
    """
    count = count_tokens or approximate_tokens
    chunks: list[Chunk] = []
    lead_in = ""
    index = 0
    while index < len(paragraphs):
        start, end = paragraphs[index]
        number = last = index + 1
        body = text[start:end]
        context = lead_in if carry_lead_in and lead_in and _ENUMERATION.match(body) else ""
        if not context:
            lead_in = ""
        lead = body.rstrip().endswith(":") or (start, end) in introduces
        if join_lead_ins and lead and index + 1 < len(paragraphs):
            lead_in = body  # carried into the enumerated paragraphs after the one it joins
            end = paragraphs[index + 1][1]
            last = number + 1
            index += 1
        keep = paragraphs[number - 1] in whole or paragraphs[index] in whole  # a lead-in joins a whole block whole
        for w_start, w_end in _whole(text, start, end) if keep else _windows(text, start, end, max_tokens, count):
            chunks.append(Chunk(doc_id, number, last, w_start, w_end, text[w_start:w_end], context))
        index += 1
    return chunks


def _whole(text: str, start: int, end: int) -> list[Span]:
    """Keep a code block or table whole, or cut it at line breaks when it is longer than a chunk may be."""
    # Only the character cap applies, not the token window: a reader needs the block whole wherever it can be
    # (the embedder truncates a long one, as it always has).
    return [(start, end)] if end - start <= MAX_CHUNK_CHARS else line_windows(text, start, end, MAX_CHUNK_CHARS)


def body_paragraphs(text: str, skip_until: int, reserved: set[Span]) -> list[Span]:
    """Return the paragraphs a reader counts: all but furniture, dates and the reserved spans."""
    return [
        (s, e)
        for s, e in split_paragraphs(text, skip_until)
        if (s, e) not in reserved and not is_furniture(text[s:e]) and not is_date_line(text[s:e])
    ]


def read_layout(text: str, markdown: bool) -> tuple[str | None, str | None, Metadata]:
    """Return the front-matter title and date, and the metadata found in the first paragraphs."""
    title, date, body_start = front_matter(text)
    return title, date, read_metadata(text, split_paragraphs(text, body_start), markdown, body_start)


def markdown_chunks(document: Document, meta: Metadata, *, max_tokens: int, count_tokens: TokenCounter) -> list[Chunk]:
    """Chunk a Markdown text by its blocks: headings become each chunk's section, code and tables stay whole."""
    text = document.text
    blocks = [
        b
        for b in markdown_blocks(text, meta.body_start)
        if (b.start, b.end) not in meta.reserved and (b.whole or not is_furniture(text[b.start : b.end]))
    ]
    spans = [(b.start, b.end) for b in blocks]
    whole = {(b.start, b.end) for b in blocks if b.whole}
    # "Exit codes combine bitwise. This gives these possibilities." means nothing without the list after it.
    introduces = {
        (b.start, b.end)
        for b, after in pairwise(blocks)
        if b.kind == "paragraph" and after.kind in _INTRODUCED and after.section == b.section
    }
    chunks = chunk_paragraphs(
        document.doc_id,
        text,
        spans,
        max_tokens=max_tokens,
        count_tokens=count_tokens,
        whole=whole,
        introduces=introduces,
    )
    title = " ".join(document.title.split()).casefold()
    labelled = []
    for chunk in chunks:
        path = blocks[chunk.paragraph - 1].section
        if path and " ".join(path[0].split()).casefold() == title:
            path = path[1:]  # the document's own title heads every path; the citation names it already
        label = section_label(path)
        # The heading path is context for retrieval ("Principles" under "Data security"), never quoted.
        context = chunk.context or (label or "")
        labelled.append(replace(chunk, section=label, context=context))
    return labelled


def anchored(chunks: Sequence[Chunk], anchors: Sequence[Anchor], *, names: bool = False) -> list[Chunk]:
    """Give each chunk the link, date and author id of the part it starts in (a Discord message of an export).

    With `names`, the author's name becomes the chunk's section, so that the citation shows it.
    """
    starts = [a.start for a in anchors]
    out = []
    for chunk in chunks:
        at = bisect_right(starts, chunk.start) - 1
        anchor = anchors[at] if at >= 0 else None
        if anchor is not None:
            section = anchor.name if names and anchor.name else None
            chunk = replace(chunk, url=anchor.url, date=anchor.date, author=anchor.author, section=section)
        out.append(chunk)
    return out


def number_by_page(chunks: Sequence[Chunk], pages: tuple[int, ...]) -> list[Chunk]:
    """Give each chunk its page, and count its paragraphs within that page, as a reader of the PDF would."""
    first_on_page: dict[int, int] = {}  # page -> the document-wide number of its first paragraph
    numbered = []
    for chunk in chunks:
        page = page_at(pages, chunk.start) or 1
        base = first_on_page.setdefault(page, chunk.paragraph)
        numbered.append(
            replace(
                chunk, page=page, paragraph=chunk.paragraph - base + 1, last_paragraph=chunk.last_paragraph - base + 1
            )
        )
    return numbered


def chunk_document(
    document: Document, *, chunk_tokens: int, count_tokens: Callable[[str], int], authors: bool = False
) -> list[Chunk]:
    """Cut one document into chunks (body paragraphs only, furniture left out); `authors`: cite Discord authors."""
    text = document.text
    if document.kind == "discord":  # one message, one paragraph or more, never joined with the next
        paragraphs = body_paragraphs(text, 0, set())
        chunks = chunk_paragraphs(
            document.doc_id, text, paragraphs, max_tokens=chunk_tokens, count_tokens=count_tokens, join_lead_ins=False
        )
        return anchored(chunks, document.anchors, names=authors)
    markdown = document.kind in ("markdown", "html")  # HTML is extracted as Markdown, headings included
    _, _, meta = read_layout(text, markdown)
    if markdown:
        return asked(markdown_chunks(document, meta, max_tokens=chunk_tokens, count_tokens=count_tokens))
    paragraphs = body_paragraphs(text, meta.body_start, set(meta.reserved))
    chunks = chunk_paragraphs(document.doc_id, text, paragraphs, max_tokens=chunk_tokens, count_tokens=count_tokens)
    return asked(number_by_page(chunks, document.pages) if document.pages else chunks)


def is_question_line(text: str) -> bool:
    """Tell whether a block is a question written as a line of its own (a FAQ's "2.9. Can I use X?", a bold one)."""
    stripped = text.strip()
    return "\n" not in stripped and _QUESTION_LINE.search(stripped) is not None and word_count(stripped) <= 30


def asked(chunks: Sequence[Chunk], reach: int = 3) -> list[Chunk]:
    """Give the blocks after a question line the question as context, as a heading would be (never quoted).

    A FAQ often writes its questions as paragraphs (a PDF's numbered line, a bold line, a `<dt>`): the answer
    under one then reads it as it reads a heading, for up to `reach` blocks, until the next question or section.
    """
    out: list[Chunk] = []
    question, left, section = "", 0, None
    for chunk in chunks:
        if chunk.section != section:
            question, left, section = "", 0, chunk.section
        last = chunk.text.strip().rsplit("\n\n", 1)[-1]  # a question may end a block joined with the one before
        if is_question_line(last):
            question, left = last.strip(), reach
        elif question and left:
            left -= 1
            chunk = replace(chunk, context=f"{chunk.context}\n{question}" if chunk.context else question)
        out.append(chunk)
    return out
