"""The text extracted from an HTML or PDF file, and what the file says about itself."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

from ...models import Anchor

__all__ = ["Extracted", "clean_meta", "iso_date", "one_line", "page_at"]


@dataclass(frozen=True, slots=True)
class Extracted:
    """The text of an HTML or PDF file as quotebot indexes it, with what the file says about itself."""

    text: str  # every offset of the index points into this string; it is stored with the index
    title: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD
    url: str | None = None  # canonical URL (HTML: <link rel=canonical> or og:url)
    pages: tuple[int, ...] = ()  # PDF only: the offset in `text` where each page starts; pages[0] == 0
    markdown: bool = False  # True when `text` uses Markdown headings ("# ", "## ") the chunker should read as sections
    anchors: tuple[Anchor, ...] = ()  # Discord export: where each message starts, its jump link and date


def page_at(pages: tuple[int, ...], offset: int) -> int | None:
    """Return the 1-based page holding `offset` (None when there are no pages)."""
    if not pages:
        return None
    # Empty pages share the offset of the next page with text; bisect_right picks the last of them.
    return max(bisect_right(pages, offset), 1)


def one_line(exc: BaseException) -> str:
    """Return an exception as a short single line for an error message."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def iso_date(value: object) -> str | None:
    """Return the YYYY-MM-DD prefix of `value` when it is a valid date."""
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", str(value or ""))
    if not match:
        return None
    try:
        return date(*map(int, match.groups())).isoformat()
    except ValueError:
        return None


def clean_meta(value: object) -> str | None:
    """Return a metadata string with its whitespace collapsed, or None when empty."""
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None
