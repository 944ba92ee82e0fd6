"""Cut an over-long stretch of text into bounded windows with exact offsets.

A sentence longer than the window, a paragraph without a sentence end, or a code block longer than a
chunk may be cut: at whitespace (a word boundary) wherever a window holds some, at a character boundary
only inside a run without any (base64, CJK without spaces). Every window is a stripped slice; together
they are consecutive and cover all the non-space text. Tokens are counted on at most `max_chars`
characters at a time, never on the whole of a long stretch: a tokenizer fed megabytes takes seconds and
gigabytes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterator

from ..text import Span, strip_span

__all__ = ["cut_long", "line_windows"]

TokenCounter = Callable[[str], int]

# Where a window may end: whitespace, and the zero-width characters strip_span strips (a word separator in Thai).
_GAP = re.compile(r"[\s\u200b\ufeff]")
_LAST_GAP = re.compile(r"(?s:.*)[\s\u200b\ufeff]")  # greedy: backtracks from the end to the last gap
_NEWLINE = re.compile(r"\r\n|\r|\n")  # the line breaks of text.iter_lines
_CHARS_PER_TOKEN = 4.0  # the first guess in a stretch too long to count; later windows guess from the one before
_FILL = 0.9  # guess a little under the limit: an overshoot costs a second count
_REACH = 64  # how far a cut inside a word looks for a token boundary ("e.g|.", "don|'t") before cutting anywhere


def cut_long(text: str, start: int, end: int, max_chars: int, max_tokens: int, count: TokenCounter) -> list[Span]:
    """Cut text[start:end] into consecutive windows of at most `max_chars` and `max_tokens`, at word boundaries."""
    start, end = strip_span(text, start, end)
    # A stretch short enough to count is cut into equal windows (halves, not a window and a scrap); a longer
    # one, into windows a little under the limit, each guessed from the one before.
    left = count(text[start:end]) if end - start <= max_chars else None
    per_token = _CHARS_PER_TOKEN
    windows: list[Span] = []
    while start < end:
        if left is None:
            guess = int(per_token * max_tokens * _FILL)
        else:  # an equal share of the rest, in as few windows as fit
            guess = math.ceil((end - start) / math.ceil(max(left, 1) / (max_tokens * _FILL)))
        guess = max(1, min(guess, int(max_chars * _FILL)))  # room for a fence or a word after it
        if end - start <= min(max_chars, guess / _FILL):
            guess = end - start  # the rest is barely longer: one window, not one and a scrap
        stop, tokens = _next_window(text, start, end, guess, max_chars, max_tokens, count)
        windows.append((start, stop))
        per_token = (stop - start) / max(tokens, 1)
        left = None if left is None else left - tokens
        start = strip_span(text, stop, end)[0]
    return windows


def _next_window(
    text: str, start: int, end: int, guess: int, max_chars: int, max_tokens: int, count: TokenCounter
) -> tuple[int, int]:
    """Return the end of the window from `start` and its tokens: `guess` long, shrunk until it fits."""
    stop = _snap(text, start, min(end, start + guess), min(end, start + max_chars), end)
    tokens = count(text[start:stop])
    # Shrink in proportion to the overshoot; every pass ends strictly earlier, so this stops at one character.
    while tokens > max_tokens and stop - start > 1:
        shorter = min(stop - start - 1, int((stop - start) * max_tokens / tokens * _FILL))
        stop = _snap(text, start, start + max(1, shorter), stop - 1, end)
        tokens = count(text[start:stop])
    return stop, tokens


def _snap(text: str, start: int, stop: int, limit: int, end: int) -> int:
    """Return the (stripped) end of a window from `start` near `stop`: after its last whole word, never past `limit`."""
    if stop >= end:
        return end
    last = _LAST_GAP.match(text, start + 1, stop + 1)
    if last:
        return strip_span(text, start, last.end() - 1)[1]
    # No gap before `stop`: the window is one word, whole when it ends by `limit`, else cut inside it.
    first = _GAP.search(text, stop, min(limit + 1, end))
    if first:
        return strip_span(text, start, first.start())[1]
    if limit == end:
        return end
    return _character_cut(text, start, stop, limit)


def _character_cut(text: str, start: int, stop: int, limit: int) -> int:
    """Return where to cut inside a word near `stop`: at a token boundary close by, else before any non-mark."""
    for cut in range(stop, max(start, stop - _REACH), -1):
        if _token_boundary(text, cut):
            return cut
    for cut in range(stop + 1, min(limit, stop + _REACH) + 1):
        if _token_boundary(text, cut):
            return cut
    while stop > start + 1 and _joins(text[stop]):
        stop -= 1  # a combining mark, joiner or low surrogate stays with the character before it
    return stop


def _token_boundary(text: str, cut: int) -> bool:
    """Tell whether `cut` lies between a word character and a punctuation mark (either way round)."""
    return _wordlike(text[cut - 1]) != _wordlike(text[cut]) and not _joins(text[cut])


def _wordlike(char: str) -> bool:
    """Tell whether a character is part of a word, as a regex word character (its combining marks too)."""
    return char.isalnum() or char == "_" or _joins(char)


def _joins(char: str) -> bool:
    """Tell whether a character belongs to the one before it (a combining mark, a ZWJ, a low surrogate)."""
    return unicodedata.category(char) in ("Mn", "Mc", "Me") or char == "\u200d" or "\udc00" <= char <= "\udfff"


def line_windows(text: str, start: int, end: int, max_chars: int) -> list[Span]:
    """Cut text[start:end] into windows of whole lines of at most `max_chars`; a longer line is cut at its spaces."""
    windows: list[Span] = []
    window: Span | None = None
    for s, e in _lines(text, start, end):
        if s == e:
            continue  # a blank line: a window may end before it or start after it
        if window and e - window[0] <= max_chars:
            window = (window[0], e)
            continue
        pieces = [(s, e)] if e - s <= max_chars else cut_long(text, s, e, max_chars, max_chars, len)
        if window and pieces[0][1] - window[0] <= max_chars:
            pieces[0] = (window[0], pieces[0][1])  # "```js" before a long line: a window of its own is noise
        elif window:
            windows.append(window)
        windows.extend(pieces[:-1])
        window = pieces[-1]  # the lines after a long line's last piece may join it
    if window:
        windows.append(window)
    return windows


def _lines(text: str, start: int, end: int) -> Iterator[Span]:
    """Yield every line of text[start:end], stripped (blank ones empty), as text.iter_lines breaks them."""
    for match in _NEWLINE.finditer(text, start, end):
        yield strip_span(text, start, match.start())
        start = match.end()
    yield strip_span(text, start, end)
