"""Link to a passage inside its document: a URL text fragment (`#:~:text=…`), or a PDF page.

A browser that follows `https://example.org/page#:~:text=start,end` scrolls to the first range of
the page's text that begins with `start` and ends with `end`, and highlights it. The fragment is
built from the passage's words only (Markdown marks and list bullets are not on the rendered page),
and every character outside the unreserved set is percent-encoded; `-`, `,` and `&` are syntax in
a text directive, so they are encoded too.
"""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["deep_link", "text_fragment"]

# Words as a browser renders them: Markdown emphasis, code ticks, table pipes and list bullets dropped.
_MARKUP = re.compile(r"[*_`|#>]+|^\s*(?:[-+•]|\d{1,3}[.)])\s+", re.MULTILINE)
_RULE = re.compile(r"[-:=~]+")  # table delimiter rows and rules: never rendered as text
_EDGE_WORDS = 4  # words at each end of a long quote: enough to be unique on a page, short enough to survive edits
_WHOLE_WORDS = 10  # up to this many words, the fragment is the whole quote


def _encode(words: list[str]) -> str:
    """Percent-encode words for a text directive, including the `-`, `,` and `&` it uses as syntax."""
    return quote(" ".join(words), safe="").replace("-", "%2D")


def text_fragment(text: str) -> str:
    """Return the `:~:text=` directive that finds `text` on a rendered page (empty when it has no words)."""
    words = [w for w in _MARKUP.sub(" ", text).split() if not _RULE.fullmatch(w)]
    if not words:
        return ""
    if len(words) <= _WHOLE_WORDS:
        return ":~:text=" + _encode(words)
    return ":~:text=" + _encode(words[:_EDGE_WORDS]) + "," + _encode(words[-_EDGE_WORDS:])


def deep_link(url: str | None, text: str, *, page: int | None = None) -> str | None:
    """Return a link to the passage in the document at `url`, or None when the document has no URL.

    PDFs get `#page=N` (viewers honour it; text fragments do not work inside PDFs); other pages get
    a text fragment appended to any fragment the URL already has.
    """
    if not url:
        return None
    if page is not None:
        return f"{url.split('#', 1)[0]}#page={page}"
    directive = text_fragment(text)
    if not directive:
        return url
    return f"{url}{directive}" if "#" in url else f"{url}#{directive}"
