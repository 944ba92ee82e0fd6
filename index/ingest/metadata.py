"""Recognise document metadata and page furniture: front matter, titles, dates, navigation."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date as Date

from ..text import Span, iter_lines, strip_span, word_count

__all__ = [
    "Metadata",
    "front_matter",
    "front_matter_fields",
    "is_date_line",
    "is_furniture",
    "parse_date",
    "read_metadata",
]

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_TIME = r"(?:[ T,]+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?(?:\s*(?:Z|[A-Z]{2,4}|[+-]\d{2}:?\d{2}))?)?"
_PREFIX = r"(?:(?:date|dated|published|posted|updated|issued)\s*:?\s*)?"
_DATE_FORMS = [
    rf"(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}",
    rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\s*,?\s+(?P<y>\d{{4}}){_TIME}",
    rf"{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s+(?P<y>\d{{4}}){_TIME}",
]
_DATE_LINE = [re.compile(rf"^\s*{_PREFIX}{form}\s*$", re.IGNORECASE) for form in _DATE_FORMS]

_FRONT_KEY = re.compile(r"^\s*(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*?)\s*$")
_MD_HEADING = re.compile(r"^\s{0,3}(?P<marks>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
_BREADCRUMB = re.compile(r"\s(?:>|›|»|\||/)\s")
_SALUTATION = re.compile(
    r"^(?:(?:thank\s+you|thanks)(?:\s+(?:very|so)\s+much)?[\s,.]*)?"
    r"(?:(?:mr|mrs|ms|madam|madame|mister|dear|distinguished|honou?rable)\.?\s+)?"
    r"(?:chair(?:man|person|woman)?|co-?chairs?|president|secretary-general|colleagues|delegates|"
    r"excellenc(?:y|ies)|ladies\s+and\s+gentlemen|friends)?[\s,.:;!]*$",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"^(?:print|share|email|e-mail|tweet|suggest to a friend|back to top|top|menu|search|home|"
    r"skip to (?:main )?content|related (?:articles|links|news)|all rights reserved.*|copyright.*|©.*)"
    r"[\s|]*(?:print|share|email)?\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Metadata:
    """What the top of a document says about it, and which spans are not body text."""

    title: str | None
    date: str | None
    body_start: int  # offset after the front matter, 0 when there is none
    reserved: frozenset[Span]  # the title and date paragraphs: metadata, not answers


def parse_date(line: str) -> str | None:
    """Return the ISO date a date-like line names, or None."""
    for pattern in _DATE_LINE:
        match = pattern.match(line)
        if match:
            parts = match.groupdict()
            month = _MONTHS[parts["mon"].lower()] if parts.get("mon") else int(parts["m"])
            try:
                return Date(int(parts["y"]), month, int(parts["d"])).isoformat()
            except ValueError:
                return None
    return None


# A paragraph's verdicts are remembered: an update re-chunks a whole Discord channel (one document of
# thousands of messages) for each edit, and these checks were half of it (index.update).
_REMEMBERED = 1 << 15


@functools.lru_cache(maxsize=_REMEMBERED)
def is_date_line(text: str) -> bool:
    """Tell whether a paragraph is nothing but a date (and maybe a time)."""
    return "\n" not in text.strip() and parse_date(text) is not None


def _is_navigation(text: str) -> bool:
    """Tell whether a paragraph is navigation, boilerplate, a salutation or a separator."""
    stripped = " ".join(text.split())
    if not stripped or _SALUTATION.match(stripped) or _BOILERPLATE.match(stripped):
        return True
    one_line = "\n" not in text.strip() and not re.search(r"[.!?;,]$", stripped)
    if _is_breadcrumb(text.strip()) or (one_line and re.match(r"(?i)^home\b", stripped)):
        return True  # a "Home" menu line, not a sentence about a home folder
    return bool(re.fullmatch(r"[\W\d_]+", stripped))  # rules, separators, page numbers


def _is_breadcrumb(text: str) -> bool:
    """Tell whether a paragraph is a trail of links: one line of short parts between separators.

    Only one line: option lists ("<string> | <URL>"), quotes ("> ") and console code ("> x <- 1") put
    the same separators in many lines of real content, and were dropped whole.
    """
    if "\n" in text or re.search(r"[.!?;,]$", text):
        return False
    parts = _BREADCRUMB.split(text)
    return len(parts) >= 3 and all(len(part.split()) <= 5 for part in parts)


@functools.lru_cache(maxsize=_REMEMBERED)
def is_furniture(text: str) -> bool:
    """Tell whether a paragraph is page furniture that must never be an answer on its own."""
    stripped = " ".join(text.split())
    if _is_navigation(text):
        return True
    # A few words without a sentence ending: a menu entry, a label, a caption fragment.
    ended = re.search(r"[.!?:。！？]$", stripped)
    return word_count(stripped) <= 4 and not ended and not re.match(r"^[-*+•]\s", stripped)


def _front_matter(text: str) -> tuple[dict[str, str], int]:
    """Parse `key: value` lines at the very top (fenced by --- or bare); return them and the body start."""
    lines = list(iter_lines(text))
    fields: dict[str, str] = {}
    fenced = bool(lines) and text[lines[0][0] : lines[0][1]].strip() == "---"
    for number, (s, e) in enumerate(lines[1:] if fenced else lines, start=1 if fenced else 0):
        line = text[s:e]
        if fenced and line.strip() == "---":
            return fields, lines[number + 1][0] if number + 1 < len(lines) else len(text)
        match = _FRONT_KEY.match(line)
        if match and (fenced or match["key"].lower() in ("title", "date", "url")):
            fields[match["key"].lower()] = match["value"].strip().strip("\"'")
        elif not fenced:
            return (fields, s) if fields else ({}, 0)
        if number > 50:
            break
    return ({}, 0) if fenced else (fields, len(text))


def _heading_like(text: str) -> bool:
    """Tell whether a paragraph reads as a title: one line, a few words, no sentence punctuation."""
    one_line = " ".join(text.split())
    ended = re.search(r"[.!?:;,。！？：，]$", one_line)
    return "\n" not in text.strip() and 2 <= word_count(one_line) <= 40 and not ended


def read_metadata(text: str, paragraphs: list[Span], markdown: bool, body_start: int) -> Metadata:
    """Find title and date among the first paragraphs; `paragraphs` start after the front matter."""
    title: str | None = None
    date: str | None = None
    reserved: set[Span] = set()
    seen_body = False  # a title stands before the text, never after its first paragraph
    for s, e in paragraphs[:12]:
        para = text[s:e]
        heading = _MD_HEADING.match(para)
        if title is None and heading and heading["marks"] == "#":
            title = heading["text"].strip()
            reserved.add((s, e))
        elif (
            title is None
            and not seen_body
            and not markdown
            and _heading_like(para)
            and not is_date_line(para)
            and not _is_navigation(para)
        ):
            title = " ".join(para.split())
            reserved.add((s, e))
        elif date is None and is_date_line(para):
            date = parse_date(para)
            reserved.add((s, e))
        elif not is_furniture(para) and not heading:
            seen_body = True
    return Metadata(title, date, body_start, frozenset(reserved))


def front_matter_fields(text: str) -> dict[str, str]:
    """Return the `key: value` fields of the front matter, keys lower-cased (empty when there is none)."""
    return _front_matter(text)[0]


def front_matter(text: str) -> tuple[str | None, str | None, int]:
    """Return (title, ISO date, body start) from the front matter, if any."""
    fields, body_start = _front_matter(text)
    date = fields.get("date")
    iso = parse_date(date) if date else None
    if body_start:
        body_start = strip_span(text, body_start, len(text))[0]
    return fields.get("title") or None, iso or date or None, body_start
