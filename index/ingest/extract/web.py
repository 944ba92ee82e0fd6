"""Saved web pages: the main text through trafilatura, rendered as Markdown, with title, date and URL."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from typing import Any

from ...errors import DocumentFormatError
from ._common import Extracted, clean_meta, iso_date, one_line

__all__ = ["extract_html"]


_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_LB = "\x00"  # stands for <lb/> while source whitespace is collapsed


def _decode_html(data: bytes) -> str | bytes:
    """Return the page as text when its encoding is certain, else the bytes for trafilatura to sniff."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    head = data[:8192]
    # Text never holds control bytes other than tab, newline, form feed and carriage return.
    if sum(byte < 9 or 13 < byte < 32 for byte in head) > len(head) // 100:
        raise DocumentFormatError("binary data, not an HTML page")
    return data  # trafilatura reads the <meta charset> and guesses the rest


def extract_html(data: bytes) -> Extracted:
    """Return the main text of a saved web page as Markdown, with its title, date and canonical URL."""
    import trafilatura

    source = _decode_html(data)
    try:
        # Given a string or bytes and no URL, trafilatura parses locally and never fetches anything.
        document = trafilatura.bare_extraction(
            source,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            include_formatting=True,
            with_metadata=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
        body = getattr(document, "body", None)
        text = _render_blocks(body) if body is not None else ""
    except DocumentFormatError:
        raise
    except Exception as exc:  # lxml and trafilatura raise many types on malformed input
        raise DocumentFormatError(f"not a readable HTML page ({one_line(exc)})") from exc
    if not text:
        raise DocumentFormatError("no main text found in the HTML")
    # The page's own og:title or <title> first: trafilatura's guess can be a heading of a hidden dialog
    # ("Keyboard shortcuts" for every page of an mdBook site).
    title = _page_title(source) or clean_meta(getattr(document, "title", None))
    url = clean_meta(getattr(document, "url", None))
    return Extracted(text, title, iso_date(getattr(document, "date", None)), url, markdown=True)


_SITE_SUFFIX = re.compile(r"^(?P<head>.+?)\s+[-|–—·]\s+[^-|–—·]+$")


def _page_title(source: str | bytes) -> str | None:
    """Return the page's og:title, else its <title> less a trailing site name ("Page - Site"), else None."""
    from lxml import html as lxml_html

    if isinstance(source, bytes):
        # Most pages are UTF-8, declared or not; lxml alone would read an undeclared one as Latin-1.
        # Bytes that are not UTF-8 stay bytes, and lxml follows the page's <meta charset>.
        with contextlib.suppress(UnicodeDecodeError):
            source = source.decode("utf-8")
    try:
        if isinstance(source, str):
            parser = lxml_html.HTMLParser(encoding="utf-8")
            tree = lxml_html.document_fromstring(source.encode("utf-8"), parser=parser)
        else:
            tree = lxml_html.document_fromstring(source)
        og = tree.xpath('string(//meta[@property="og:title"]/@content)')
        title = clean_meta(og) or clean_meta(tree.findtext(".//title"))
    except Exception:  # lxml raises several types on broken markup; the caller falls back to trafilatura's
        return None
    if title is None:
        return None
    match = _SITE_SUFFIX.match(title)
    return match["head"] if match and not og else title


def _render_blocks(body: Any) -> str:
    """Render trafilatura's output tree as blocks separated by one blank line."""
    blocks = (_render_block(element) for element in body)
    return "\n\n".join(block for block in blocks if block)


def _render_block(element: Any) -> str:
    """Render one block element (heading, paragraph, list, table, quote) as text."""
    tag = element.tag
    if tag == "head":
        rend = str(element.get("rend") or "")
        level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
        heading = _inline(element).replace("\n", " ")
        return f"{'#' * level} {heading}" if heading else ""
    if tag == "list":
        return "\n".join(_list_lines(element, 0))
    if tag == "table":
        rows = [_cells(row) for row in element.iterchildren("row")]
        return "\n".join(f"| {' | '.join(cells)} |" for cells in rows if any(cells))
    return _inline(element, keep_newlines=tag in ("code", "quote"))


def _cells(row: Any) -> list[str]:
    """Return the texts of a table row's cells, each on one line."""
    return [_inline(cell).replace("\n", " ") for cell in row.iterchildren("cell")]


def _list_lines(element: Any, depth: int) -> Iterable[str]:
    """Yield one line per list item, nested lists indented by two spaces per level."""
    ordered = element.get("rend") == "ol"
    for number, item in enumerate(element.iterchildren("item"), start=1):
        marker = f"{number}." if ordered else "-"
        text = _inline(item).replace("\n", " ")
        if text:
            yield f"{'  ' * depth}{marker} {text}"
        for sub in item.iterchildren("list"):
            yield from _list_lines(sub, depth + 1)


def _inline(element: Any, keep_newlines: bool = False) -> str:
    """Return the text of an element without markup; <lb/> becomes a line break."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append(_LB)
        elif child.tag != "list":  # nested lists are rendered as their own lines
            parts.append(_inline(child, keep_newlines))
        parts.append(child.tail or "")
    text = "".join(parts)
    text = re.sub(r"[ \t\r\f\v]+" if keep_newlines else r"\s+", " ", text).replace(_LB, "\n")
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())
