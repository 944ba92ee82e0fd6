"""Text primitives with exact character offsets: lines and sentences."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

__all__ = [
    "UNSPACED",
    "Span",
    "approximate_tokens",
    "displayable",
    "has_words",
    "heading_path",
    "iter_lines",
    "one_line_title",
    "printable",
    "sentence_under_title",
    "shown_name",
    "split_sentences",
    "strip_span",
    "under_title",
    "word_count",
]

Span = tuple[int, int]

_NEWLINE = re.compile(r"\r\n|\r|\n")

# A run of Thai, Japanese kana or Chinese characters: scripts written without spaces between words.
UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def word_count(text: str) -> int:
    """Count words; in scripts written without spaces, two characters count as one word."""
    unspaced = sum(len(run) for run in UNSPACED.findall(text))
    return len(UNSPACED.sub("", text).split()) + (unspaced + 1) // 2


# Words that end with a period without ending a sentence ("Mr. Chair", "e.g. this").
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "sr",
        "jr",
        "vs",
        "etc",
        "eg",
        "ie",
        "no",
        "nos",
        "vol",
        "pp",
        "p",
        "fig",
        "art",
        "para",
        "sec",
        "ch",
        "ed",
        "eds",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "gov",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "rev",
        "hon",
        "amb",
        "approx",
        "est",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
    ]
)
# A sentence ends at . ! ? (or their CJK forms) plus closing quotes/brackets.
_END = re.compile(r"[.!?…]+[\"'”’»)\]]*|[。！？]+[」』”’)]*")
_NEXT_STARTS = re.compile(r"\s+[\"'“‘«(\[]*[\w¿¡]")


def iter_lines(text: str) -> Iterator[Span]:
    """Yield (start, end) of every line, without its line break (CRLF, CR or LF)."""
    pos = 0
    for match in _NEWLINE.finditer(text):
        yield pos, match.start()
        pos = match.end()
    yield pos, len(text)


def strip_span(text: str, start: int, end: int) -> Span:
    """Shrink a span so it neither starts nor ends with whitespace (NBSP and zero-width included)."""
    while start < end and (text[start].isspace() or text[start] in "\u200b\ufeff"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in "\u200b\ufeff"):
        end -= 1
    return start, end


def _is_abbreviation(text: str, dot: int) -> bool:
    """Tell whether the period at `dot` closes an abbreviation or an initial rather than a sentence."""
    word_start = dot
    while word_start > 0 and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:dot].lower()
    if not word:
        return False
    return word in _ABBREVIATIONS or word.rstrip(".") in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Split text[start:end] into sentence spans that cover all its non-space text, in order."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    cursor = start
    for match in _END.finditer(text, start, end):
        stop = match.end()
        is_cjk = match.group()[0] in "。！？"
        if not is_cjk:
            if stop < end and not _NEXT_STARTS.match(text, stop, end):
                continue  # "3.5", "73/266.x", a period inside a token
            if match.group()[0] == "." and len(match.group()) == 1 and _is_abbreviation(text, match.start()):
                continue
        s, e = strip_span(text, cursor, stop)
        if s < e:
            spans.append((s, e))
        cursor = stop
    s, e = strip_span(text, cursor, end)
    if s < e:
        spans.append((s, e))
    return spans


def approximate_tokens(text: str) -> int:
    """Estimate word-pieces without a tokenizer: words and punctuation, with a margin for sub-words."""
    return int(len(re.findall(r"\w+|[^\w\s]", text)) * 1.3)


def under_title(title: str, text: str) -> str:
    """Return a chunk's or sentence's text under its document title, as embedded and indexed lexically."""
    return f"{title}\n{text}"


def heading_path(title: str, section: str | None) -> str:
    """Return a document's title with a chunk's section path under it ("Manual › Install › Windows")."""
    return f"{title} › {section}" if section else title


def sentence_under_title(title: str, sentence: str) -> str:
    """Return a sentence under its document title, as embedded ("Super Bowl 50: It was played on …")."""
    return f"{title}: {sentence}"


# C0/C1 controls (but tab and newline) and the bidi embeddings, overrides and isolates: echoed back raw,
# they colour a terminal ("\x1b[31m") or flip the text around them ("\u202egnp.exe").
_UNSHOWN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def displayable(text: str) -> str:
    """Drop control and bidi-override characters from text echoed back to a user (never from a quote)."""
    return _UNSHOWN.sub("", text)


def one_line_title(text: str) -> str:
    """Return a title or date as one clean line: control and bidi-override characters dropped, spaces collapsed."""
    return " ".join(displayable(text).split())


def printable(text: str) -> str:
    """Escape every unprintable character (newlines, escapes, bidi controls) as Python would: one safe line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shown_name(name: object) -> str:
    """Return a file name for a log line or an error: as it is, or repr-quoted when it holds unprintable characters.

    A name can then never start a new line or drive the terminal: "x\nquotebot: error: …" stays visibly one name.
    """
    text = str(name)
    return text if text.isprintable() else repr(text)


def has_words(text: str) -> bool:
    """Tell whether text holds a letter or a digit (any script): something a search can match.

    Spaces, zero-width, control and bidi characters show nothing, and punctuation or emoji alone name
    nothing to look for: with only those, "?!.,;:" was "answered" with a passage at confidence 0.73.
    """
    return any(unicodedata.category(char)[0] in "LN" for char in text)
