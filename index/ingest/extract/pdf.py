"""PDFs through pypdf: running headers, footers and page numbers dropped, hyphens and paragraphs rejoined."""

from __future__ import annotations

import io
import math
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from statistics import median
from typing import Any

from ...errors import DocumentFormatError
from ._common import Extracted, clean_meta, iso_date, one_line

__all__ = ["DEFAULT_BUDGET", "PdfBudget", "extract_pdf"]


_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u00a0\u2000-\u200a\u202f\u3000]")
_PAGE_NUMBER = re.compile(
    r"(?:(?:page|p\.|pg\.?|seite|página)\s*)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?(?:\s*(?:/|of|sur|de|von)\s*\d{1,4})?"
    r"|(?-i:(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3}))",  # lower-case roman numbers of front matter
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?:…][\"'”’)\]]*$|[\"”]$")
_LIST_ITEM = re.compile(r"(?:[•▪◦●■\-–*]|\d{1,3}[.)]|\([a-z0-9]{1,3}\))\s")
_HYPHEN_END = re.compile(r"([^\W\d_]+)[-‐]$")
_HYPHENATED = re.compile(r"[^\W\d_]+(?:[-‐][^\W\d_]+)+")
# "9 asn1_der_coding . . . . . . 17": a table-of-contents entry (dot leaders, then a page number), never an answer.
_TOC_ENTRY = re.compile(r"(?:\.\s?){4,}\s*\d{1,4}\s*$")
_ZONE = 3  # how many lines at the top and at the bottom of a page may be running headers or footers
_CLOCK_EVERY = 1024  # content operators between two looks at the clock: one look costs more than an operator


@dataclass(slots=True)
class _Line:
    """One line of a PDF page, with the baseline position and size of its first text (when known)."""

    text: str
    x: float | None = None
    y: float | None = None
    size: float | None = None
    sizes: dict[float, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Layout:
    """What lines of the document look like: typical length in characters and baseline spacing."""

    width: float
    spacing: float | None
    hyphenated: frozenset[str]


@dataclass(frozen=True, slots=True)
class PdfBudget:
    """How much work the text of one PDF may cost before the file is skipped as a likely bomb."""

    # Decoded page content that pypdf may parse, summed over the pages (a stream shared by N pages
    # counts N times, as pypdf parses it N times), per byte of the file. Real PDFs decode to 0.6-3.4x
    # their size (the ten PDFs of the evaluation corpus and /usr/share/doc; 3.2x for fpdf2 text
    # without embedded fonts): text streams compress only 3-6x and fonts and images fill most files.
    # 100x is a wide margin that no legitimate file needs, and it is checked before each page is
    # parsed, because a parse cannot be interrupted.
    content_bytes_per_file_byte: float = 100.0
    # The floor only matters below 5 KiB, where real files decode to tens of KB. It is what a tiny
    # bomb can make pypdf parse: 512 KiB is ~75,000 text operators, about a second, and stops a 2 KB
    # file with 420 KB of operators on each of its pages after one page.
    min_content_bytes: int = 512 << 10
    # Wall time for one file, for what the content budget does not see (the forms a page draws, big
    # files with big pages). Real PDFs take 10-65 ms a page here: 120 s leaves room for a manual of
    # thousands of pages on a busy machine, and a file skipped once stays skipped until it changes.
    seconds: float = 120.0
    # One page's content is parsed in one go, which no deadline can interrupt: 16 MB is ~2 million operators,
    # some 20 s of parsing, far beyond any page of text (a dense page is tens of KB).
    page_content_bytes: int = 16 << 20


DEFAULT_BUDGET = PdfBudget()


class _OverBudget(Exception):
    """A PDF ran out of budget: stop its whole extraction, not just the current page."""


class _Meter:
    """The work spent on one PDF so far; raise _OverBudget as soon as the budget is spent."""

    def __init__(self, budget: PdfBudget, size: int) -> None:
        self.budget, self.size = budget, size
        self.limit = max(budget.min_content_bytes, budget.content_bytes_per_file_byte * size)
        self.deadline = time.monotonic() + budget.seconds
        self.content = 0
        self.operators = 0
        self.expired = False

    def admit(self, page: Any) -> None:
        """Count a page's content before pypdf parses it; raise when the file is over budget."""
        self.check_clock()
        length = _content_length(page)
        self.content += length
        if self.content > self.limit or length > self.budget.page_content_bytes:
            raise _OverBudget(
                f"PDF text extraction over budget: {self.content / 2**20:.1f} MB of page content for a "
                f"{self.size / 2**10:.0f} KB file (a content stream shared by many pages?); "
                "re-save it with a PDF printer to index it"
            )

    def tick(self, _operator: object, _operands: object, _cm: object, _tm: object) -> None:
        """Count one content operator (pypdf's visitor_operand_before), looking at the clock now and then."""
        self.operators += 1
        if self.expired or self.operators % _CLOCK_EVERY == 0:
            self.check_clock()

    def check_clock(self) -> None:
        """Raise when the file's time is up; once up, on every call."""
        # Sticky because pypdf catches what a form XObject raises and goes on with the page: the next
        # operator after the form must raise again.
        if self.expired or time.monotonic() >= self.deadline:
            self.expired = True
            raise _OverBudget(
                f"PDF text extraction took over {self.budget.seconds:g} s (huge or many pages?); "
                "split the PDF to index it"
            )


def _content_length(page: Any) -> int:
    """Return the decoded length of a page's content streams; 0 when it has none or they cannot be read."""
    try:
        contents = page.get_contents()  # None, or one ContentStream joining an array of streams
        return 0 if contents is None else len(contents.get_data())
    except Exception:  # a broken stream fails again in extract_text, and costs only its page
        return 0


def extract_pdf(data: bytes, *, budget: PdfBudget = DEFAULT_BUDGET) -> Extracted:
    """Return the cleaned text of a PDF with page offsets, its /Title and its creation date.

    Raise DocumentFormatError when the file is not a readable PDF, has no text, or costs more
    than `budget` (a file built to stall the build).
    """
    import pypdf

    if b"%PDF-" not in data[:1024]:
        raise DocumentFormatError("not a PDF (no %PDF- header)")
    meter = _Meter(budget, len(data))
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        _decrypt(reader)
        pages = [_read_page(page, meter) for page in reader.pages]
        title, created = _pdf_info(reader)
    except DocumentFormatError:
        raise
    except _OverBudget as exc:
        raise DocumentFormatError(str(exc)) from None
    except Exception as exc:  # pypdf raises many types on truncated or corrupt files
        reason = one_line(exc) if b"%%EOF" in data[-2048:] else "EOF marker not found: truncated?"
        raise DocumentFormatError(f"not a readable PDF ({reason})") from exc
    if not any(pages):
        raise DocumentFormatError("no text could be extracted (scanned images?)")
    text, offsets = _assemble(_drop_furniture(pages))
    return Extracted(text, title, created, pages=offsets)


def _decrypt(reader: Any) -> None:
    """Open an encrypted PDF with the empty password, or say why it cannot be read."""
    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("")
    except Exception as exc:  # AES needs the optional `cryptography` package
        raise DocumentFormatError(f"encrypted PDF that cannot be opened ({one_line(exc)})") from exc
    if not opened:
        raise DocumentFormatError("encrypted PDF: it needs a password")


def _pdf_info(reader: Any) -> tuple[str | None, str | None]:
    """Return the document's /Title and /CreationDate (ISO), each None when absent or unreadable."""
    try:
        info = reader.metadata
    except Exception:  # a broken info dictionary must not cost the text
        return None, None
    if info is None:
        return None, None
    title = clean_meta(info.get("/Title"))
    if title and re.search(r"\.(?:docx?|pdf|indd|odt|rtf|tex)$|^untitled$", title, re.IGNORECASE):
        title = None  # a file name left by the authoring tool says nothing
    raw = str(info.get("/CreationDate") or "")
    match = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", raw)
    created = iso_date("-".join(match.groups())) if match else None
    return title, created


def _read_page(page: Any, meter: _Meter) -> list[_Line]:
    """Return the non-empty lines of a page with the position of each; [] when the page fails."""
    meter.admit(page)
    lines = [_Line("")]

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], _font: object, size: float) -> None:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scaled = round(abs(size) * math.hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]), 1)
        for index, part in enumerate(text.split("\n")):
            if index:
                lines.append(_Line(""))
            line = lines[-1]
            if part.strip():
                if line.y is None:
                    line.x, line.y = x, y
                line.sizes[scaled] = line.sizes.get(scaled, 0) + len(part)
            line.text += part

    try:
        page.extract_text(visitor_text=visit, visitor_operand_before=meter.tick)
    except _OverBudget:
        raise  # the whole file is over budget, not just this page
    except Exception:  # one page with a broken font or stream loses only its own text
        return []
    for line in lines:
        text = _CONTROL.sub(" ", line.text.translate(_LIGATURES))
        line.text = " ".join(re.sub("\u00ad(?!\\s*$)", "", text).split())  # a soft hyphen only shows at a line end
        line.size = max(line.sizes, key=line.sizes.__getitem__) if line.sizes else None
    return [line for line in lines if line.text]


def _furniture_key(line: _Line) -> tuple[str, int | None]:
    """Return what a running header shares on every page: its text with numbers replaced, and its height."""
    # The height keeps body lines that differ only in numbers from reading as a repeated header.
    return re.sub(r"\d+", "#", line.text.casefold()), None if line.y is None else round(line.y)


def _zone(lines: list[_Line]) -> set[int]:
    """Return the indexes of the lines that may be headers or footers: first, last, highest, lowest."""
    indexes = set(range(min(_ZONE, len(lines)))) | set(range(max(len(lines) - _ZONE, 0), len(lines)))
    placed = sorted((i for i, line in enumerate(lines) if line.y is not None), key=lambda i: lines[i].y or 0.0)
    return indexes | set(placed[:2]) | set(placed[-2:])


def _drop_furniture(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Remove running headers, footers, page numbers and table-of-contents entries from every page."""
    pages = [[line for line in lines if not _TOC_ENTRY.search(line.text)] for lines in pages]
    seen: defaultdict[tuple[str, int | None], dict[int, str]] = defaultdict(dict)
    zones = [_zone(lines) for lines in pages]
    for number, (lines, zone) in enumerate(zip(pages, zones, strict=True)):
        for index in zone:
            seen[_furniture_key(lines[index])].setdefault(number, lines[index].text)
    threshold = max(2, math.ceil(len(pages) / 2))
    running = {key for key, hits in seen.items() if len(hits) >= threshold or _tracks_page(hits)}
    return [
        [
            line
            for index, line in enumerate(lines)
            if index not in zone or not (_PAGE_NUMBER.fullmatch(line.text) or _furniture_key(line) in running)
        ]
        for lines, zone in zip(pages, zones, strict=True)
    ]


def _tracks_page(hits: dict[int, str]) -> bool:
    """Tell whether a repeated line carries a number that follows the page ("Chapter 2 ... 17")."""
    if len(hits) < 2:
        return False
    numbers = {page: [int(n) for n in re.findall(r"\d+", text)] for page, text in hits.items()}
    width = min(len(found) for found in numbers.values())
    return any(len({found[i] - page for page, found in numbers.items()}) == 1 for i in range(width))


def _layout(pages: list[list[_Line]]) -> _Layout:
    """Measure the typical line length and baseline spacing of the document."""
    lengths = sorted(len(line.text) for lines in pages for line in lines)
    width = float(lengths[int(0.8 * (len(lengths) - 1))]) if lengths else 0.0
    gaps = [
        a.y - b.y
        for lines in pages
        for a, b in pairwise(lines)
        if a.y is not None and b.y is not None and a.size and 0 < a.y - b.y <= 2.5 * a.size
    ]
    words = {word.casefold() for lines in pages for line in lines for word in _HYPHENATED.findall(line.text)}
    return _Layout(width, median(gaps) if gaps else None, frozenset(words))


def _breaks(a: _Line, b: _Line, layout: _Layout, same_page: bool) -> bool:
    """Tell whether a paragraph ends between line `a` and the next line `b`."""
    if a.size and b.size and abs(a.size - b.size) > 0.15 * max(a.size, b.size):
        return True  # a change of type size marks a heading
    if _LIST_ITEM.match(b.text):
        return True
    ends = bool(_SENTENCE_END.search(a.text))
    if same_page and a.y is not None and b.y is not None and layout.spacing and a.size:
        drop = a.y - b.y
        if drop < -a.size:
            same_page = False  # the text moved up: a new column reads like a new page
        elif drop > 1.25 * layout.spacing:
            return True
        elif ends and a.x is not None and b.x is not None and b.x - a.x > a.size:
            return True  # the next line is indented: a first line
    first = b.text[0]
    if first.islower() or _HYPHEN_END.search(a.text):
        return False  # a sentence never starts in lower case, and a hyphenated word goes on
    if len(a.text) < 0.6 * layout.width and (first.isupper() or first.isdigit()):
        return True  # a short line followed by a capital: a heading, or the end of a paragraph
    return ends and (not same_page or len(a.text) < 0.85 * layout.width)


def _joint(a: str, b: str, hyphenated: frozenset[str]) -> tuple[int, str]:
    """Return how many characters to cut from the end of `a` and what to put before `b`."""
    if a.endswith("\u00ad"):
        return 1, ""  # a soft hyphen only ever marks a break
    match = _HYPHEN_END.search(a)
    if match:
        if not b[0].islower():
            return 0, ""  # "COVID-" + "19", "Franco-" + "German": the hyphen is part of the word
        following = re.match(r"[^\W\d_]+", b)
        compound = f"{match.group(1)}-{following.group(0) if following else ''}".casefold()
        return (0, "") if compound in hyphenated else (1, "")  # "well-known" seen elsewhere keeps its hyphen
    if a.endswith("—"):
        return 0, ""
    return 0, " "


def _assemble(pages: list[list[_Line]]) -> tuple[str, tuple[int, ...]]:
    """Join the lines of all pages into paragraphs; return the text and the offset of each page."""
    layout = _layout(pages)
    parts: list[str] = []
    starts: dict[int, int] = {}
    position = 0
    previous: _Line | None = None
    previous_page = -1
    for number, lines in enumerate(pages):
        for line in lines:
            cut, joint = 0, ""
            if previous is not None:
                if _breaks(previous, line, layout, number == previous_page):
                    joint = "\n\n"
                else:
                    cut, joint = _joint(previous.text, line.text, layout.hyphenated)
            if cut:
                parts[-1] = parts[-1][:-cut]
                position -= cut
            starts.setdefault(number, position + len(joint))
            parts.append(joint + line.text)
            position += len(joint) + len(line.text)
            previous, previous_page = line, number
    offsets: list[int] = []
    following = position
    for number in reversed(range(len(pages))):
        following = starts.get(number, following)
        offsets.append(following)
    return "".join(parts), tuple(reversed(offsets))
