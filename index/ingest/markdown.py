"""Split Markdown into body blocks (paragraphs, lists, quotes, code, tables) under their heading paths.

Headings are structure, not blocks: every block carries the path of headings above it. Code blocks
and tables are whole: a chunk must never cut them. Offsets are exact: every block is a slice
`text[start:end]` of the source with no surrounding whitespace, in document order, never overlapping.

Lists: consecutive item lines (any marker) with their indented or lazy continuation lines are one
block. Across blank lines the list goes on only when the next non-blank line is indented deeper than
the first item (a nested item, a continuation paragraph, nested code) or is an item with the same
marker (the same bullet, or the same ordered delimiter); a different marker after a blank line starts
a new list. A fence indented inside a list stays in the list, blank and `#` lines included, until it
closes or a line less indented than its list ends it (as in CommonMark).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import Span, iter_lines, strip_span

__all__ = ["Block", "markdown_blocks", "section_label"]

_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_EMPHASIS = re.compile(r"`+|(?<!\w)[*_]+|[*_]+(?!\w)")  # markers, not the `_` inside snake_case
_FENCE = re.compile(r"([ \t]*)(`{3,}|~{3,})(.*)$")
_FENCE_CLOSE = re.compile(r"([ \t]*)(`{3,}|~{3,})[ \t]*$")
_COMMENT = re.compile(r" {0,3}<!--")
_RULE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_QUOTE = re.compile(r" {0,3}>")
_PIPE_ROW = re.compile(r" {0,3}\|")
_DELIMITER_ROW = re.compile(r" {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_ITEM = re.compile(r"([ \t]*)([-*+]|(\d{1,9})[.)])(?=[ \t]|$)")
_INVISIBLE = "\u200b\ufeff"


@dataclass(frozen=True, slots=True)
class Block:
    """One block of a Markdown document: a paragraph, list item group, code block or table, under its headings."""

    start: int
    end: int  # text[start:end] is the block, stripped of surrounding whitespace and blank lines
    kind: str  # "paragraph" | "code" | "table" | "list" | "quote"
    section: tuple[str, ...]  # heading path, outermost first; () before any heading
    whole: bool  # code and tables: never split, never windowed


def markdown_blocks(text: str, skip_until: int = 0) -> list[Block]:
    """Return the body blocks of a Markdown text after `skip_until`, each with its heading path."""
    # A line that straddles `skip_until` is read from `skip_until` on: nothing before it exists.
    lines = [(max(s, skip_until), e) for s, e in iter_lines(text) if e >= skip_until]
    return _Parser(text, lines).run()


def section_label(section: tuple[str, ...]) -> str | None:
    """Join a heading path with " › " (None for an empty path)."""
    return " › ".join(section) if section else None


def _indent(line: str) -> int:
    """Return the columns of a line's leading whitespace, tabs stopping every 4 columns."""
    return len(line[: len(line) - len(line.lstrip(" \t"))].expandtabs(4))


def _is_blank(line: str) -> bool:
    """Tell whether a line holds nothing but whitespace (zero-width characters included)."""
    start, end = strip_span(line, 0, len(line))
    return start == end


def _fence(line: str) -> tuple[str, int] | None:
    """Return the character and length of the code fence a line opens, or None."""
    match = _FENCE.match(line)
    if not match or (match[2][0] == "`" and "`" in match[3]):
        return None  # a backtick fence's info string cannot hold a backtick: that is inline code
    return match[2][0], len(match[2])


def _marker(line: str) -> str | None:
    """Return the kind of list marker a line starts with (the bullet, or "." / ")" when ordered), or None."""
    match = _ITEM.match(line)
    if not match or _RULE.match(line):
        return None
    return match[2][-1]


def _interrupts_paragraph_as_item(line: str) -> bool:
    """Tell whether a list item line may interrupt a paragraph (CommonMark: a bullet, or an ordered 1)."""
    match = _ITEM.match(line)
    if not match or _indent(line) > 3 or not line[match.end() :].strip():
        return False
    return match[3] is None or int(match[3]) == 1  # "2019. was a year" stays wrapped prose


def _starts_block(line: str) -> bool:
    """Tell whether a line opens a heading, fence, comment, rule or quote (what ends any block)."""
    fence = _fence(line) is not None and _indent(line) <= 3
    return fence or any(p.match(line) for p in (_ATX, _COMMENT, _RULE, _QUOTE))


def _clean_heading(raw: str) -> str:
    """Return a heading's label: no closing #s, no emphasis markers, single spaces."""
    return " ".join(_EMPHASIS.sub("", _CLOSING_HASHES.sub("", raw.strip())).split())


class _Parser:
    """Walk the lines once, emitting blocks and keeping the path of open headings."""

    def __init__(self, text: str, lines: list[Span]) -> None:
        self.text = text
        self.lines = lines
        # Match against lines without a leading BOM or zero-width space; offsets still come from `lines`.
        self.strs = [text[s:e].lstrip(_INVISIBLE) for s, e in lines]
        # A blank line is one that strips to nothing: strip_span moves its start up to its end, so compare
        # the two (checking end == 0 counted only "" as blank, and "  " or "\t" lines merged paragraphs).
        self.empty = [_is_blank(line) for line in self.strs]
        self.blocks: list[Block] = []
        self.headings: list[tuple[int, str]] = []

    def run(self) -> list[Block]:
        """Return the blocks of all lines."""
        i = 0
        while i < len(self.lines):
            i = self.step(i)
        return self.blocks

    def step(self, i: int) -> int:
        """Consume the construct that starts at line `i`; return the index of the line after it."""
        line = self.strs[i]
        if self.empty[i] or _RULE.match(line):
            return i + 1
        if heading := _ATX.match(line):
            self.enter(len(heading[1]), heading[2] or "")
            return i + 1
        if (fence := _fence(line)) and _indent(line) <= 3:
            return self.emit(i, self.fence_end(i, fence, None), "code")
        if _COMMENT.match(line):
            return self.comment_end(i)
        if _QUOTE.match(line):
            j = i + 1
            while j < len(self.lines) and _QUOTE.match(self.strs[j]):
                j += 1
            return self.emit(i, j, "quote")
        if _marker(line) and _indent(line) <= 3:
            return self.emit(i, self.list_end(i), "list")
        if self.table_start(i):
            return self.emit(i, self.table_end(i), "table")
        return self.paragraph(i)

    def emit(self, first: int, stop: int, kind: str) -> int:
        """Record lines `first` to `stop` (exclusive) as a block, stripped; return `stop`."""
        s, e = strip_span(self.text, self.lines[first][0], self.lines[stop - 1][1])
        if s < e:
            section = tuple(title for _, title in self.headings)
            self.blocks.append(Block(s, e, kind, section, kind in ("code", "table")))
        return stop

    def enter(self, level: int, raw: str) -> None:
        """Open a heading: it replaces the path from its level down."""
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        title = _clean_heading(raw)
        if title:  # an empty heading ("#") only closes the deeper sections
            self.headings.append((level, title))

    def fence_end(self, i: int, fence: tuple[str, int], outer: int | None) -> int:
        """Return the line after the fence opened at `i`; a fence nested in a list at `outer` ends with it."""
        char, length = fence
        for j in range(i + 1, len(self.lines)):
            line = self.strs[j]
            if outer is not None and not self.empty[j] and _indent(line) <= outer:
                return j
            close = _FENCE_CLOSE.match(line)
            if close and close[2][0] == char and len(close[2]) >= length and (outer is not None or _indent(line) <= 3):
                return j + 1
        return len(self.lines)  # unclosed: the code runs to the end of the text

    def comment_end(self, i: int) -> int:
        """Return the line after the HTML comment opened at `i`."""
        if "-->" in self.strs[i][self.strs[i].find("<!--") + 4 :]:
            return i + 1
        for j in range(i + 1, len(self.lines)):
            if "-->" in self.strs[j]:
                return j + 1
        return i + 1  # unclosed: drop only its line rather than lose the rest of the document

    def list_end(self, i: int) -> int:
        """Return the line after the list whose first item is line `i`."""
        top, kind = _indent(self.strs[i]), _marker(self.strs[i])
        j = stop = i + 1
        while j < len(self.lines):
            line = self.strs[j]
            if self.empty[j]:
                j += 1
                continue
            if _ATX.match(line):
                break  # a heading is always structure, even indented under an item
            deeper = _indent(line) > top
            if self.empty[j - 1] and not deeper and _marker(line) != kind:
                break
            if deeper and (fence := _fence(line)):
                j = stop = self.fence_end(j, fence, top)
                continue
            if not deeper and not _marker(line) and (_starts_block(line) or self.table_start(j)):
                break
            j = stop = j + 1
        return stop

    def table_start(self, i: int) -> bool:
        """Tell whether line `i` starts a table: a pipe row, or a header row over a `---|---` delimiter row."""
        line = self.strs[i]
        if _PIPE_ROW.match(line):
            return True
        if "|" not in line or _indent(line) > 3 or i + 1 >= len(self.lines):
            return False
        below = self.strs[i + 1]
        return "|" in below and bool(_DELIMITER_ROW.match(below))

    def table_end(self, i: int) -> int:
        """Return the line after the table that starts at line `i`: its rows all hold a pipe."""
        j = i + 1 if _PIPE_ROW.match(self.strs[i]) else i + 2
        while j < len(self.lines) and not self.empty[j]:
            line = self.strs[j]
            if not _PIPE_ROW.match(line) and ("|" not in line or _starts_block(line) or _marker(line)):
                break
            j += 1
        return j

    def paragraph(self, i: int) -> int:
        """Consume the paragraph at line `i`, or the setext heading its last line turns out to be."""
        j = i + 1
        while j < len(self.lines):
            line = self.strs[j]
            if _SETEXT.match(line):
                # Only the underlined line is the heading: the lines above it stay a paragraph.
                if j - 1 > i:
                    self.emit(i, j - 1, "paragraph")
                self.enter(1 if "=" in line else 2, self.strs[j - 1])
                return j + 1
            if self.empty[j] or _starts_block(line) or _interrupts_paragraph_as_item(line) or self.table_start(j):
                break
            j += 1
        return self.emit(i, j, "paragraph")
