"""Saved web pages: their content rendered as Markdown (`layout`), with title, date (trafilatura's metadata) and URL."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from ...errors import DocumentFormatError
from ._common import Extracted, clean_meta, iso_date, one_line
from .layout import main_region, render_blocks, strip_chrome

__all__ = ["extract_html"]


_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _decode_html(data: bytes) -> str | bytes:
    """Return the page as text when its encoding is certain, else the bytes for trafilatura to sniff."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    head = data[:8192]
    # Text never holds control bytes other than tab, newline, form feed and carriage return.
    if sum(byte < 9 or 13 < byte < 32 for byte in head) > len(head) // 100 or head.lstrip().startswith(b"%PDF-"):
        raise DocumentFormatError("binary data, not an HTML page")
    if not re.search(rb"<\s*[A-Za-z!?]", head):
        raise DocumentFormatError("no HTML tag at the start: not an HTML page (save it as .txt)")
    return data  # trafilatura reads the <meta charset> and guesses the rest


def extract_html(data: bytes) -> Extracted:
    """Return the content of a saved web page as Markdown, with its title, date and canonical URL."""
    source = _decode_html(data)
    try:
        tree = _parse(source)
        strip_chrome(tree)
        text = render_blocks(main_region(tree))
        date, url = _page_meta(source)
    except DocumentFormatError:
        raise
    except Exception as exc:  # lxml raises many types on malformed input
        raise DocumentFormatError(f"not a readable HTML page ({one_line(exc)})") from exc
    if not text:
        raise DocumentFormatError("no main text found in the HTML")
    return Extracted(text, _page_title(source), date, url, markdown=True)


def _parse(source: str | bytes) -> Any:
    """Parse a page with lxml; bytes that are UTF-8 are read as such, others by their <meta charset>."""
    from lxml import html as lxml_html

    if isinstance(source, bytes):
        with contextlib.suppress(UnicodeDecodeError):
            source = source.decode("utf-8")
    if isinstance(source, str):
        source = re.sub(r"^\s*<\?xml[^>]*\?>", "", source)  # lxml refuses a str that declares its encoding
        return lxml_html.document_fromstring(source.encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8"))
    return lxml_html.document_fromstring(source)


def _page_meta(source: str | bytes) -> tuple[str | None, str | None]:
    """Return the page's date (ISO) and canonical URL, as trafilatura reads them from its metadata."""
    from trafilatura.metadata import extract_metadata

    text = source if isinstance(source, str) else source.decode("utf-8", errors="replace")
    meta = extract_metadata(text, date_config={"extensive_search": False, "original_date": True})
    return iso_date(getattr(meta, "date", None)), clean_meta(getattr(meta, "url", None))


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
