"""Render the content of an HTML page as Markdown-like blocks, keeping everything a reader sees as content.

Documentation pages put much of what they say in lists, definition lists, tables and code; a main-text
extractor tuned for news articles dropped most of them (158 of 192 list items of one release-notes page).
Here the page's chrome is removed by what it is, not by how much text it holds: navigation, headers and
footers, sidebars, search boxes, hidden elements, cookie banners, and link lists (menus). What remains, in
the page's main region when it marks one, is rendered block by block:

- headings as ``#`` lines; paragraphs, list items (``-`` / ``1.``, nested by indentation), definition
  terms and their definitions;
- data tables as ``| cell | cell |`` rows; tables used for page layout (cells holding blocks) as the
  blocks of their cells, in reading order;
- ``<pre>`` as a fenced code block, verbatim (line breaks and indentation kept).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

__all__ = ["main_region", "render_blocks", "strip_chrome"]

_DROPPED = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "canvas",
        "iframe",
        "object",
        "embed",
        "form",
        "button",
        "input",
        "select",
        "textarea",
        "nav",
        "aside",
        "footer",
        "dialog",
        "map",
        "area",
        "audio",
        "video",
        "picture",
        "head",
    ]
)
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary", "dialog", "menu"})
# A class or id made of these words marks page chrome ("sphinxsidebar", "cookie-consent", "nav-menu").
_CHROME_WORDS = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|navigation|menu|menubar|sidebar|sphinxsidebar|breadcrumbs?|related|footer|"
    r"toc|gtoc|cookies?|consent|banner|skip|share|social|ads?|advert\w*|popup|modal|picker|search|"
    r"switcher|version_switcher_placeholder|language_switcher_placeholder)(?:$|[-_\s])",
    re.IGNORECASE,
)
_MAIN = (
    "//*[@role='main']",
    "//main",
    "//*[@id='content' or @id='main' or @id='main-content' or @id='apicontent']",
    "//article",
)
_BLOCKS = frozenset(
    [
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "table",
        "pre",
        "blockquote",
        "div",
        "section",
        "article",
        "main",
        "header",
        "figure",
        "figcaption",
        "details",
        "summary",
        "hr",
        "address",
        "center",
        "li",
        "dt",
        "dd",
    ]
)
_CONTAINERS = frozenset({"div", "section", "ul", "ol", "table", "td", "header", "p", "dl", "center"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BREAK = "\x00"  # stands for <br> while the source's own line breaks are collapsed
_ANCHORS = frozenset({"¶", "#", "§", "🔗", "link"})  # the permalink a generator puts in every heading
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0]+")


def _tag(element: Any) -> str:
    """Return an element's tag in lower case ('' for comments and processing instructions)."""
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def _is_chrome(element: Any) -> bool:
    """Tell whether an element is page chrome: its tag, role, hidden state, class or id says so."""
    tag = _tag(element)
    if tag in _DROPPED or not tag:
        return True
    get = element.get
    if get("hidden") is not None or get("aria-hidden") == "true" or get("role") in _CHROME_ROLES:
        return True
    style = (get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    if tag not in _CONTAINERS:  # a link or a span named "toc-backref" may hold a heading's words
        return False
    marks = f"{get('class') or ''} {get('id') or ''}"
    return bool(marks.strip()) and bool(_CHROME_WORDS.search(marks))


def _link_heavy(element: Any) -> bool:
    """Tell whether a list or table is a menu: nearly all of its text is link text, in short items."""
    text = _SPACE.sub(" ", element.text_content()).strip()
    if not text:
        return False
    links = list(element.iter("a"))
    linked = sum(len(_SPACE.sub(" ", a.text_content()).strip()) for a in links)
    # A menu cell of an old layout table holds links and line breaks, no items: each link is one.
    parts = [i for i in element.iter("li", "td") if i is not element] or links
    items = [i for i in parts if _SPACE.sub(" ", i.text_content()).strip()]
    short = items and sum(len(i.text_content().split()) for i in items) / len(items) <= 6
    return linked >= 0.8 * len(text) and bool(short)


def strip_chrome(root: Any) -> None:
    """Remove page chrome from a parsed page, in place (a header inside the main content stays)."""
    for element in list(root.iter()):
        if element.getparent() is None or not _is_chrome(element):
            continue
        if _tag(element) == "header" and _inside_content(element):
            continue
        element.drop_tree()
    for element in list(root.iter("ul", "ol", "table", "td")):
        # A data table's cell that is one link ("| [name](…) | …") is content; a column of links is a menu.
        if _tag(element) == "td" and len(element.findall(".//a")) < 3:
            continue
        if element.getparent() is not None and _link_heavy(element):
            element.drop_tree()


def _inside_content(element: Any) -> bool:
    """Tell whether an element lies inside an article or the main region (its header is the article's)."""
    return any(_tag(a) in ("article", "main") or a.get("role") == "main" for a in element.iterancestors())


def main_region(root: Any) -> Any:
    """Return the element the page marks as its main content, else its body (else the whole tree)."""
    for query in _MAIN:
        found = [e for e in root.xpath(query) if _SPACE.sub("", e.text_content())]
        if found:
            return max(found, key=lambda e: len(e.text_content()))
    body = root.find(".//body")
    return body if body is not None else root


def render_blocks(element: Any) -> str:
    """Render an element's content as blocks separated by one blank line."""
    return "\n\n".join(block for block in _blocks(element) if block.strip())


def _blocks(element: Any) -> Iterator[str]:
    """Yield the blocks of a container: its own runs of inline text, and its block children rendered."""
    run: list[str] = [element.text or ""]
    for child in element:
        tag = _tag(child)
        if tag in _BLOCKS:
            yield _inline_text(run)
            run = []
            yield from _block(child, tag)
        else:
            run.append(_inline(child))
        run.append(child.tail or "")
    yield _inline_text(run)


def _block(element: Any, tag: str) -> Iterator[str]:
    """Yield the rendering of one block element."""
    if tag in _HEADINGS:
        text = _one_line(_inline(element).replace(_BREAK, " "))
        if text:
            yield f"{'#' * _HEADINGS[tag]} {text}"
    elif tag in ("ul", "ol"):
        yield "\n".join(_list_lines(element, 0))
    elif tag == "dl":
        yield "\n".join(_definition_lines(element))
    elif tag == "table":
        yield from _table(element)
    elif tag == "pre":
        yield _fenced(_preformatted(element))
    elif tag == "hr":
        return
    else:  # p, div, section, blockquote, figure, ...: a container of inline text and blocks
        yield from _blocks(element)


def _inline(element: Any) -> str:
    """Return an inline element's text; <br> becomes a line break, a permalink anchor ("¶", "#") nothing."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag.lower() == "br":
        return _BREAK
    if tag.lower() == "a" and element.text_content().strip() in _ANCHORS and len(element) <= 1:
        return ""
    parts = [element.text or ""]
    for child in element:
        parts.append(_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _inline_text(parts: list[str]) -> str:
    """Join a run of inline text into a paragraph: the source's line breaks collapsed, <br> ones kept."""
    lines = ("".join(parts)).split(_BREAK)
    return "\n".join(text for text in (_one_line(line) for line in lines) if text)


def _one_line(text: str) -> str:
    """Collapse all whitespace of a text into single spaces."""
    return _SPACE.sub(" ", text).strip()


def _list_lines(element: Any, depth: int) -> Iterator[str]:
    """Yield one line per list item (its blocks joined), nested lists indented by two spaces per level."""
    ordered = _tag(element) == "ol"
    for number, item in enumerate((c for c in element if _tag(c) == "li"), start=1):
        marker = f"{number}." if ordered else "-"
        nested = [c for c in item if _tag(c) in ("ul", "ol")]
        text = " ".join(_one_line(block) for block in _blocks(_without(item, nested)) if block.strip())
        if text:
            yield f"{'  ' * depth}{marker} {text}"
        for sub in nested:
            yield from _list_lines(sub, depth + 1)


def _without(element: Any, children: list[Any]) -> Any:
    """Return a copy of an element without some of its children (their tails kept)."""
    if not children:
        return element
    from copy import deepcopy

    copy = deepcopy(element)
    for original, duplicate in zip(list(element), list(copy), strict=True):
        if original in children:
            tail = duplicate.tail or ""
            previous = duplicate.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                copy.text = (copy.text or "") + tail
            copy.remove(duplicate)
    return copy


def _definition_lines(element: Any) -> Iterator[str]:
    """Yield a definition list as lines: each term, then its definitions indented under it."""
    for child in element:
        tag = _tag(child)
        text = " ".join(_one_line(block) for block in _blocks(child) if block.strip())
        if text and tag == "dt":
            yield text
        elif text and tag == "dd":
            yield f"  {text}"


def _table(element: Any) -> Iterator[str]:
    """Yield a data table as one block of rows, or a layout table as the blocks of its cells."""
    rows = [r for r in element.iter("tr") if _nearest_table(r) is element]
    cells = [[c for c in row if _tag(c) in ("td", "th")] for row in rows]
    if any(_holds_blocks(c) for row in cells for c in row):  # a table that lays out the page
        for row in cells:
            for cell in row:
                yield from _blocks(cell)
        return
    lines = []
    for row in cells:
        texts = [_one_line(_inline(c).replace(_BREAK, " ")).replace("|", "\\|") for c in row]
        if any(texts):
            lines.append(f"| {' | '.join(texts)} |")
    if lines:
        yield "\n".join(lines)


def _nearest_table(row: Any) -> Any:
    """Return the table a row belongs to (not an outer one)."""
    for ancestor in row.iterancestors():
        if _tag(ancestor) == "table":
            return ancestor
    return None


def _holds_blocks(cell: Any) -> bool:
    """Tell whether a table cell holds blocks (paragraphs, headings, lists, tables): page layout, not data."""
    return any(_tag(e) in _BLOCKS - {"div", "center"} for e in cell.iterdescendants())


def _preformatted(element: Any) -> str:
    """Return a <pre>'s text verbatim; several <code> children (one example, two flavours) on their own lines."""
    parts = [element.text or ""]
    for child in element:
        text = child.text_content() if _tag(child) not in ("input", "button") else ""
        if _tag(child) == "code" and parts and "".join(parts).strip() and not "".join(parts).endswith("\n"):
            parts.append("\n")
        parts.append(text)
        parts.append(child.tail or "")
    return "".join(parts)


def _fenced(code: str) -> str:
    """Return preformatted text as a fenced code block, its lines verbatim (trailing spaces and blank edges dropped)."""
    lines = [line.rstrip() for line in code.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    fence = "~~~" if any(line.lstrip().startswith("```") for line in lines) else "```"
    return "\n".join([fence, *lines, fence]) if lines else ""
