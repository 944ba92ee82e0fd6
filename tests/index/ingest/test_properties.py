"""Property tests of chunking: any text, however hostile, chunks into exact, ordered, disjoint slices that lose nothing."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from quotebot.index.build import chunk_document
from quotebot.index.ingest.chunker import MAX_CHUNK_CHARS, approximate_tokens, body_paragraphs, read_layout
from quotebot.index.ingest.markdown import markdown_blocks
from quotebot.index.ingest.metadata import is_furniture
from quotebot.index.models import Chunk, Document
from quotebot.index.text import Span, split_sentences

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
_IGNORABLE = "\u200b\ufeff"  # what strip_span removes besides str.isspace()

# Nasty inputs, each also an explicit @example of the property tests below.
LONG_LINE = "word " * 2_500 + "end"  # 12k characters, no line break, no sentence end
LONG_SENTENCES = "Short sentence here. " * 600  # 12k characters of sentences on one line
NASTY = [
    "",
    "\x00",
    "\x00\x00 NUL inside. \x00 Another one.\n\nNext \x00 paragraph here.",
    "\u200b\u200c\u200d\ufeff",
    "\ufeff\u200bTitle With Zero Widths\u200d\n\n\u200bBody starts here. It goes on.\u200b\n",
    "مرحبا بالعالم. هذه فقرة عربية طويلة بما فيه الكفاية.\n\nשלום עולם. זוהי פסקה בעברית.\n",
    "e\u0301e\u0301e\u0301 combining marks\u0308. Ta\u0301ble of n\u0303.\r\n\r\nA\u20dd\u20dd circled. More text.",
    "Mixed line ends.\r\nSecond line here.\rThird line here.\nFourth line.\r\n\r\rFifth para.\n\r\n",
    LONG_LINE,
    LONG_SENTENCES,
    "no newlines at all just a run of words without any end punctuation whatsoever",
    "# Heading\n\n```\ncode\n\n# not a heading\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- item one\n- item two\n",
    "Lead in:\n\n- first item\n- second item\n\nClosing sentence of it.",
    "```\nunclosed fence\n\n\nstill code",
    "---\ntitle: T\ndate: 2020-01-02\n---\n\nBody after front matter. Yes.\n",
    "title: Bare\nBody right after a bare front matter line.",
    "\n\n\n   \t\n\r\n",
    "\u202egnp.exe reversed. \u202dOverride again.",
    "a\u2028b\u2029c\x85d\x0be\x0cf\x1cg. Unicode line separators are not line breaks here.",
]

# --- strategies -----------------------------------------------------------------------------------------

_ARABIC = st.text(st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), min_size=1, max_size=30)
_HEBREW = st.text(st.characters(min_codepoint=0x0590, max_codepoint=0x05FF), min_size=1, max_size=30)
_COMBINING = st.builds(
    lambda base, marks: base + marks,
    st.text(st.characters(min_codepoint=0x61, max_codepoint=0x7A), min_size=1, max_size=5),
    st.text(st.characters(min_codepoint=0x0300, max_codepoint=0x036F), min_size=1, max_size=4),
)
_INVISIBLE = st.text(st.sampled_from(["\u200b", "\u200c", "\u200d", "\ufeff", "\x00", "\u202e", "\u202d"]), max_size=4)
_MARKDOWN = st.sampled_from(
    [
        "# Title",
        "## Section two",
        "### ",
        "#",
        "```",
        "```python",
        "~~~",
        "| a | b |",
        "|---|---|",
        "a | b",
        "- item",
        "* item",
        "+ item",
        "1. item",
        "2) item",
        "> quoted line",
        "---",
        "===",
        "***",
        "<!-- comment",
        "-->",
        "    indented code",
        "\tTabbed line",
        "Lead in:",
        "Home > News > Item",
        "Print | Share",
        "Thank you, Mr. Chair.",
        "30 October 2020",
        "2020-10-30",
        "title: Front",
        "Copyright 2020",
    ]
)
_PROSE_LINE = st.from_regex(r"[A-Z][a-z]{2,8}( [a-z]{2,8}){2,12}[.!?:]", fullmatch=True)
_SEPARATOR = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\r\r", "\n \t\n"])
_PIECE = st.one_of(
    st.text(max_size=80),  # any Unicode (no surrogates), controls and NUL included
    _ARABIC,
    _HEBREW,
    _COMBINING,
    _INVISIBLE,
    _MARKDOWN,
    _PROSE_LINE,
    st.builds(lambda s, n: (s + " ") * n, _PROSE_LINE, st.integers(1, 400)),  # very long lines
    st.just(""),
)
_LINE = st.lists(_PIECE, min_size=1, max_size=4).map(" ".join)


@st.composite
def texts(draw: st.DrawFn) -> str:
    """Return a document text: lines of mixed pieces joined by mixed line breaks, or one line with none."""
    lines = draw(st.lists(_LINE, max_size=14))
    if draw(st.booleans()) or not lines:
        seps = draw(st.lists(_SEPARATOR, min_size=len(lines), max_size=len(lines)))
        return "".join(line + sep for line, sep in zip(lines, seps, strict=True))
    return " ".join(lines)  # no line break at all


def document(text: str, kind: str, title: str = "Untitled") -> Document:
    """Return a Document for `text` as the loader would make it (no file behind it)."""
    return Document(
        doc_id=f"x.{'md' if kind == 'markdown' else 'txt'}",
        path=Path("x.md" if kind == "markdown" else "x.txt"),
        text=text,
        title=title,
        date=None,
        size=len(text.encode("utf-8", "surrogatepass")),
        sha256="0" * 64,
        mtime_ns=0,
        kind=kind,
    )


def considered_spans(doc: Document) -> list[Span]:
    """Return the body spans the chunker means to quote: paragraphs (text) or blocks less furniture (Markdown)."""
    text = doc.text
    markdown = doc.kind == "markdown"
    _, _, meta = read_layout(text, markdown)
    if not markdown:
        return body_paragraphs(text, meta.body_start, set(meta.reserved))
    return [
        (b.start, b.end)
        for b in markdown_blocks(text, meta.body_start)
        if (b.start, b.end) not in meta.reserved and (b.whole or not is_furniture(text[b.start : b.end]))
    ]


def _ignorable(char: str) -> bool:
    return char.isspace() or char in _IGNORABLE


def check_chunks(doc: Document, chunks: list[Chunk]) -> None:
    """Assert every invariant a list of chunks of `doc` must hold."""
    text = doc.text
    previous_end, previous_paragraph = 0, 1
    for chunk in chunks:
        assert chunk.doc_id == doc.doc_id
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert chunk.text == text[chunk.start : chunk.end]  # verbatim
        assert not _ignorable(chunk.text[0]) and not _ignorable(chunk.text[-1])  # stripped, as strip_span does
        assert chunk.start >= previous_end  # in document order, never overlapping
        assert 1 <= previous_paragraph <= chunk.paragraph <= chunk.last_paragraph
        previous_end, previous_paragraph = chunk.end, chunk.paragraph
    covered = bytearray(len(text) + 1)
    for chunk in chunks:
        covered[chunk.start : chunk.end] = b"\x01" * (chunk.end - chunk.start)
    for start, end in considered_spans(doc):
        lost = [i for i in range(start, end) if not covered[i] and not _ignorable(text[i])]
        assert not lost, f"characters {lost[:5]} of body span {(start, end)} are in no chunk: {text[start:end][:80]!r}"


# --- properties -----------------------------------------------------------------------------------------


@SETTINGS
@given(text=texts(), kind=st.sampled_from(["text", "markdown"]), tokens=st.integers(1, 300))
@example(text="", kind="text", tokens=200)
@example(text=LONG_LINE, kind="text", tokens=5)
@example(text=LONG_SENTENCES, kind="markdown", tokens=30)
def test_chunks_are_exact_ordered_disjoint_slices_that_cover_the_body(text: str, kind: str, tokens: int) -> None:
    doc = document(text, kind)
    check_chunks(doc, chunk_document(doc, chunk_tokens=tokens, count_tokens=approximate_tokens))


def test_nasty_regressions() -> None:
    """The listed nasty inputs, in both kinds and at several window sizes (explicit, not sampled)."""
    for text in NASTY:
        for kind in ("text", "markdown"):
            for tokens in (1, 20, 200):
                doc = document(text, kind)
                check_chunks(doc, chunk_document(doc, chunk_tokens=tokens, count_tokens=approximate_tokens))


@SETTINGS
@given(text=texts(), title=st.text(max_size=40))
def test_any_title_is_fine_for_markdown_sections(text: str, title: str) -> None:
    doc = document(text, "markdown", title)
    check_chunks(doc, chunk_document(doc, chunk_tokens=50, count_tokens=approximate_tokens))


# Plain prose: "Sentence. Sentence." paragraphs between blank lines, nothing that reads as furniture.
_FURNITURE_WORDS = {
    "home",
    "top",
    "menu",
    "print",
    "share",
    "email",
    "search",
    "tweet",
    "copyright",
    "thank",
    "thanks",
    "you",
    "mr",
    "mrs",
    "ms",
    "dear",
    "chair",
    "president",
}
_WORD = st.from_regex(r"[a-z]{3,9}", fullmatch=True).filter(lambda w: w not in _FURNITURE_WORDS)
_UNICODE_WORD = st.one_of(
    _WORD,
    st.sampled_from(["données", "Übersicht", "данные", "数据安全", "مرحبا", "שלום", "naïve", "e\u0301te\u0301"]),
)
_SENTENCE = st.builds(
    lambda words, end: " ".join(words).capitalize() + end,
    st.lists(_UNICODE_WORD, min_size=3, max_size=15),
    st.sampled_from([".", "!", "?", "."]),
)
_PARAGRAPH = st.lists(_SENTENCE, min_size=1, max_size=12).map(" ".join)
_PROSE_BREAK = st.sampled_from(["\n\n", "\r\n\r\n", "\r\r", "\n\n\n", "\n \n"])


@st.composite
def prose(draw: st.DrawFn) -> str:
    """Return prose paragraphs separated by blank lines of any line-break style."""
    paragraphs = draw(st.lists(_PARAGRAPH, min_size=1, max_size=8))
    breaks = draw(st.lists(_PROSE_BREAK, min_size=len(paragraphs), max_size=len(paragraphs)))
    return "".join(p + b for p, b in zip(paragraphs, breaks, strict=True))


@SETTINGS
@given(text=prose(), kind=st.sampled_from(["text", "markdown"]), tokens=st.integers(1, 120))
@example(text="First sentence here now. " * 500 + "\n\nLast one here too.", kind="text", tokens=10)
def test_every_word_of_plain_prose_is_in_some_chunk(text: str, kind: str, tokens: int) -> None:
    doc = document(text, kind)
    chunks = chunk_document(doc, chunk_tokens=tokens, count_tokens=approximate_tokens)
    check_chunks(doc, chunks)
    found = {word for chunk in chunks for word in re.findall(r"\w{3,}", chunk.text)}
    assert set(re.findall(r"\w{3,}", text)) <= found
    paragraphs = [p for p in re.split(r"(?:\r\n|\r|\n)[ \t]*(?:\r\n|\r|\n)", text) if p.strip()]
    assert max(c.last_paragraph for c in chunks) == len(paragraphs)  # one number per paragraph, none skipped


def test_whitespace_only_line_separates_markdown_paragraphs() -> None:
    """Found by the prose property: a line of spaces or tabs is blank in Markdown, as in CommonMark."""
    for blank in (" ", "\t", "  \t ", "\u200b"):
        text = f"Ftm phd données!\n{blank}\nEvn kra données?\n"
        chunks = chunk_document(document(text, "markdown"), chunk_tokens=200, count_tokens=approximate_tokens)
        assert [(c.paragraph, c.text) for c in chunks] == [(1, "Ftm phd données!"), (2, "Evn kra données?")]


# Words, spaces and line breaks, runs of thousands of characters without a space, an occasional full stop.
_CAPPED_PIECE = st.one_of(
    _WORD,
    _WORD,
    st.sampled_from([" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u200b"]),
    st.builds(lambda char, n: char * n, st.sampled_from(["x", "数", "é", "e\u0301", "a+"]), st.integers(500, 6_000)),
    st.builds(lambda word, n: (word + " ") * n, _WORD, st.integers(100, 1_500)),  # a long line of words
    st.sampled_from([". ", ".", "! ", "\n\n", "\n```\n"]),
)
_CAPPED_TEXT = st.lists(_CAPPED_PIECE, min_size=1, max_size=40).map(" ".join)
_COUNTERS = {"approximate": approximate_tokens, "a token per 3 characters": lambda text: len(text) // 3}


@settings(SETTINGS, max_examples=80)
@given(
    text=_CAPPED_TEXT,
    kind=st.sampled_from(["text", "markdown"]),
    counter=st.sampled_from(sorted(_COUNTERS)),
    tokens=st.integers(1, 300),
)
@example(
    text="Title\n\nA run follows " + "x" * 9_000 + " and words after it.",
    kind="text",
    counter="approximate",
    tokens=200,
)
@example(text=("word " * 2_000).strip(), kind="markdown", counter="a token per 3 characters", tokens=50)
def test_no_chunk_is_longer_than_the_cap(text: str, kind: str, counter: str, tokens: int) -> None:
    doc = document(text, kind)
    count = _COUNTERS[counter]
    chunks = chunk_document(doc, chunk_tokens=tokens, count_tokens=count)
    check_chunks(doc, chunks)  # exact, stripped, ordered, disjoint, nothing lost
    assert all(len(chunk.text) <= MAX_CHUNK_CHARS for chunk in chunks)
    if kind == "text":  # no code block or table: a window over the token limit is one whole sentence
        over = [c for c in chunks if count(c.text) > tokens]
        assert all(len(split_sentences(c.text)) == 1 for c in over)
