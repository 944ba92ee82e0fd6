"""Fit a quote into a Discord limit: escaped, cut between sentences, highlight in bold, differences underlined."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import discord

from ...index.text import Span, split_sentences

__all__ = ["ELLIPSIS", "escape_text", "fit_text", "units"]

ELLIPSIS = "…"

_ESCAPE = re.compile(
    r"(?P<url>(?:https?|steam)://[^\s<`|*~]+[^<.,:;\"'\]\s`|*~])"  # left intact: escaping breaks a link
    r"|(?P<char>[\\*_~|`\[\]])"  # emphasis, spoilers, code and fences, masked links
    r"|(?P<tag><(?=[@#:/]|a:|t:|id:))"  # <@1> <@&1> <#1> <:emoji:1> <t:0> </cmd:1> <id:home>
    r"|^(?P<indent>[ \t]*)(?:(?P<line>[>#+-])|(?P<num>\d+)(?P<dot>[.)])(?=\s))",  # quotes, headings, lists
    re.MULTILINE,
)


def _escape_match(match: re.Match[str]) -> str:
    """Return the escaped form of one markdown-significant match."""
    if match["url"]:
        return match["url"]
    if match["num"] is not None:
        return f"{match['indent']}{match['num']}\\{match['dot']}"
    if match["line"] is not None:
        return f"{match['indent']}\\{match['line']}"
    return "\\" + match.group()


def escape_text(text: str) -> str:
    """Neutralise markdown, masked links and every kind of mention; un-escaping gives the text back."""
    return discord.utils.escape_mentions(_ESCAPE.sub(_escape_match, text))


def units(text: str) -> int:
    """Count UTF-16 code units: never fewer than the characters Discord counts."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class _Marks:
    """How a quote is marked as shown: its best sentence in bold, where it differs from a claim underlined."""

    bold: Span | None = None
    underline: tuple[Span, ...] = ()


def _underlined(text: str, start: int, end: int, underline: tuple[Span, ...]) -> str:
    """Escape text[start:end], the parts inside a difference in `__…__` (a line at a time)."""
    out, cursor = [], start
    for us, ue in sorted(underline):
        us, ue = max(us, cursor), min(ue, end)
        if us >= ue:
            continue
        out += [escape_text(text[cursor:us]), _each_line(text, us, ue, "__", lambda a, b: escape_text(text[a:b]))]
        cursor = ue
    out.append(escape_text(text[cursor:end]))
    return "".join(out)


def _each_line(text: str, start: int, end: int, mark: str, render: Callable[[int, int], str]) -> str:
    """Wrap each line of text[start:end] in `mark` (markup never spans a line break), its spaces outside.

    `render(a, b)` renders text[a:b], a line's text without its spaces.
    """
    lines, at = [], start
    for line in text[start:end].split("\n"):
        a, b = at + len(line) - len(line.lstrip()), at + len(line.rstrip())
        lines.append(f"{text[at:a]}{mark}{render(a, b)}{mark}{text[b : at + len(line)]}" if a < b else line)
        at += len(line) + 1
    return "\n".join(lines)


def _marked(text: str, start: int, end: int, marks: _Marks) -> str:
    """Escape text[start:end], the part inside the highlight in bold and the differences underlined."""
    hs, he = (max(marks.bold[0], start), min(marks.bold[1], end)) if marks.bold else (end, end)
    under = marks.underline
    if hs >= he:
        return _underlined(text, start, end, under)
    bold = _each_line(text, hs, he, "**", lambda a, b: _underlined(text, a, b, under))
    return _underlined(text, start, hs, under) + bold + _underlined(text, he, end, under)


def _window(text: str, spans: list[Span], a: int, b: int, marks: _Marks) -> str:
    """Render sentences a..b-1, with '…' where sentences were left out."""
    head = ELLIPSIS + " " if a > 0 else ""
    tail = " " + ELLIPSIS if b < len(spans) else ""
    return head + _marked(text, spans[a][0], spans[b - 1][1], marks) + tail


def _focus(spans: list[Span], highlight: Span | None) -> int:
    """Return the index of the sentence holding the highlight (0 without one)."""
    if highlight:
        for i, (s, e) in enumerate(spans):
            if s <= highlight[0] < e or highlight[0] < s:
                return i
    return 0


def _cut_words(text: str, spans: list[Span], focus: int, budget: int, marks: _Marks) -> str:
    """Cut one sentence longer than the budget at a word boundary (at a character if it has no spaces)."""
    s, e = spans[focus]
    head = ELLIPSIS + " " if focus > 0 else ""
    cuts = [s + m.start() for m in re.finditer(r"\s+", text[s:e])] or list(range(s + 1, e))

    def render(i: int) -> str:
        return head + _marked(text, s, cuts[i], marks).rstrip() + " " + ELLIPSIS

    lo, hi = 0, len(cuts)  # find the longest prefix that fits: render(i) grows with i
    while lo < hi:
        mid = (lo + hi) // 2
        if units(render(mid)) <= budget:
            lo = mid + 1
        else:
            hi = mid
    return render(lo - 1) if lo > 0 else ELLIPSIS[: max(budget, 0)]


def fit_text(text: str, budget: int, highlight: Span | None = None, underline: tuple[Span, ...] = ()) -> str:
    """Escape text into at most `budget` units, leaving out whole sentences (marked '…') around the highlight.

    What is shown is always a verbatim slice of `text`; a single sentence longer than the budget is the
    only thing ever cut inside a sentence, at a word boundary. `underline`: spans marked `__…__` (a claim's
    differences), as the highlight is in bold.
    """
    spans = split_sentences(text)
    if not spans:
        return ""
    marks = _Marks(highlight, underline)
    if units(whole := _window(text, spans, 0, len(spans), marks)) <= budget:
        return whole
    a = _focus(spans, highlight)
    b = a + 1
    if units(_window(text, spans, a, b, marks)) > budget:
        return _cut_words(text, spans, a, budget, marks)
    grew = True
    while grew:  # add a sentence after, then one before, keeping the best sentence near the middle
        grew = False
        if b < len(spans) and units(_window(text, spans, a, b + 1, marks)) <= budget:
            b, grew = b + 1, True
        if a > 0 and units(_window(text, spans, a - 1, b, marks)) <= budget:
            a, grew = a - 1, True
    return _window(text, spans, a, b, marks)
