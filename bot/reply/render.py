"""Render answers for the terminal, as Markdown, and as the `--json` object."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

from ...index import Answer, Citation, Difference, Passage
from ...index.text import Span, iter_lines, one_line_title, printable, strip_span
from ..words.i18n import DEFAULT, Lang, text

__all__ = [
    "PROJECT_ROOT",
    "also_in",
    "answer_to_json",
    "answer_to_markdown",
    "answer_to_text",
    "citation",
    "citation_to_json",
    "difference_line",
    "difference_spans",
    "display_source",
    "escape_markdown",
    "json_line",
    "match_key",
    "match_label",
    "passage_to_json",
    "place_parts",
    "strength",
    "terminal_safe",
]

# The checkout this package runs from (editable install); sources inside it print relative to it.
PROJECT_ROOT = Path(__file__).resolve().parents[1]

_BOLD, _UNDERLINE, _RESET = "\033[1m", "\033[4m", "\033[0m"
_SHOWN_VALUE = 80  # characters of a claim's or a quote's words a difference line repeats at most
_NO_ANSWER = "I couldn't find an answer to this in the corpus."
_NO_CLAIM = "No passage in the corpus addresses this claim."
_CLAIM_HEADING = "Passages that bear on the claim:"


def display_source(path: Path, root: Path = PROJECT_ROOT) -> str:
    """Return the path relative to the repository root when inside it, else absolute; never escaped.

    The file itself is not resolved: a symbolic link is cited by its own name, never by its target's, which
    may lie in another collection's folder.
    """
    shown = path.absolute().parent.resolve() / path.name
    try:
        return shown.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(shown)


def strength(passage: Passage) -> float:
    """Return the one number a reader sees of a passage: its confidence (0.5: where answers start, in any language).

    A passage made before passages carried their confidence (a share kept from then) shows its fused score.
    """
    return passage.score if passage.confidence is None else passage.confidence


def match_key(value: float) -> str:
    """Return the catalog key of a passage's strength (`strength`): strong, fair or weak match."""
    if value >= 0.8:
        return "match.strong"
    if value >= 0.5:
        return "match.fair"
    return "match.weak"


def match_label(value: float, lang: Lang = DEFAULT) -> str:
    """Describe a passage's strength in words a reader understands, in `lang`."""
    return text(match_key(value), lang)


def citation_to_json(cited: Citation, root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """Return the JSON form of another place a passage is found."""
    return {
        "source": display_source(cited.source, root),
        "title": cited.title,
        "date": cited.date,
        "paragraph": cited.paragraph,
        "page": cited.page,
        "section": cited.section,
        "url": cited.url,
        "start": cited.start,
        "end": cited.end,
    }


def passage_to_json(passage: Passage, root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """Return the JSON form of a passage."""
    return {
        "text": passage.text,
        "source": display_source(passage.source, root),
        "title": passage.title,
        "date": passage.date,
        "paragraph": passage.paragraph,
        "page": passage.page,
        "section": passage.section,
        "url": passage.url,
        "collection": passage.collection,
        "start": passage.start,
        "end": passage.end,
        "score": passage.score,
        "confidence": passage.confidence,
        "highlight": list(passage.highlight) if passage.highlight else None,
        "differences": [difference_to_json(d, passage.text) for d in passage.differences],
        "also_in": [citation_to_json(c, root) for c in passage.also_in],
    }


def difference_to_json(difference: Difference, quote: str) -> dict[str, Any]:
    """Return the JSON form of a difference: offsets into the quote (null: not mentioned), and the claim's words."""
    d = difference
    shown = quote[d.start : d.end] if d.start is not None and d.end is not None else None
    return {
        "kind": d.kind,
        "start": d.start,
        "end": d.end,
        "text": shown,
        "claim": d.claim,
        "claim_start": d.claim_start,
        "claim_end": d.claim_end,
    }


def difference_spans(passage: Passage) -> tuple[Span, ...]:
    """Return the spans of a quote where it states another value than the claim (to be marked as shown)."""
    return tuple((d.start, d.end) for d in passage.differences if d.start is not None and d.end is not None)


def difference_line(difference: Difference, quote: str, lang: Lang = DEFAULT) -> str:
    """Say in the bot's words where a quote differs from the claim: "states a different date: “2002”, where…"."""
    d = difference
    claim = one_line_title(d.claim)[:_SHOWN_VALUE]
    if d.start is None or d.end is None:
        key = "claim.unnegated" if d.kind == "negation" else "claim.absent"
        return text(key, lang, claim=claim)
    shown = one_line_title(quote[d.start : d.end])[:_SHOWN_VALUE]
    if d.kind == "negation":
        return text("claim.negated" if not d.claim else "claim.unnegated", lang, quote=shown, claim=claim)
    return text(f"claim.{d.kind}", lang, quote=shown, claim=claim)


def json_line(value: Any, *, indent: int | None = None) -> str:
    """Dump a value as JSON (UTF-8 kept readable) with every unprintable character escaped.

    JSON escapes C0 controls itself but leaves DEL, the C1 controls (0x9b is a terminal's CSI), line separators
    and bidi overrides raw. They can only stand inside strings, where an escape keeps the value and the line safe.
    """
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    if text.replace("\n", "").isprintable():
        return text
    return "".join(c if c.isprintable() or c == "\n" else json.dumps(c)[1:-1] for c in text)


def answer_to_json(answer: Answer, root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """Return the `--json` object of an answer."""
    return {
        "question": answer.question,
        "answered": answer.answered,
        "confidence": None if answer.confidence is None else round(answer.confidence, 3),
        "passages": [passage_to_json(p, root) for p in answer.passages],
    }


# Control characters a quote may hold (the text is quoted verbatim) are shown as their escapes on a terminal,
# never sent to it: "\x1b[2J" in a document must not clear the reader's screen. Tabs and line breaks stay.
_TERMINAL_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """Show the control characters of a quote as escapes ("\\x1b"), keeping its tabs and line breaks."""
    return _TERMINAL_UNSAFE.sub(lambda m: repr(m.group())[1:-1], text)


def _quote(passage: Passage, bold: bool) -> str:
    """Block-quote a passage, on a terminal its best sentence in bold and where it differs from a claim underlined."""
    if not bold:
        shown = terminal_safe(passage.text)
    else:
        shown = _styled(passage.text, passage.highlight, difference_spans(passage))
    return "\n".join("> " + line if line.strip() else ">" for line in shown.splitlines())


def _styled(quote: str, highlight: Span | None, underline: tuple[Span, ...]) -> str:
    """Return a quote with ANSI bold over the highlight and underline over the differences, every run reset."""
    cuts = sorted({0, len(quote), *(highlight or ()), *(x for span in underline for x in span)})
    out = []
    for a, b in itertools.pairwise(cuts):
        style = _BOLD if highlight and highlight[0] <= a < highlight[1] else ""
        style += _UNDERLINE if any(s <= a < e for s, e in underline) else ""
        piece = terminal_safe(quote[a:b])
        out.append(f"{style}{piece}{_RESET}" if style else piece)
    return "".join(out)


JUMP_PREFIX = "https://discord.com/channels/"


def place_parts(
    cited: Passage | Citation, root: Path = PROJECT_ROOT, *, title: bool = True, host: bool = False
) -> list[str]:
    """Return where a passage is found, the empty parts left out: title, date, section, page and ¶, file.

    The file is its path in its collection's folder: a reader never sees where the corpus lies on the host.
    With `host` (the operator's own terminal), it is the path they can open: under `root` when inside it, else
    absolute. Each part is one line without control characters: a heading or a file name can't drive a terminal.
    """
    parts = [cited.title if title else None, cited.date, cited.section, cited.paragraph_label]
    # A Discord message cites its jump link; the export file it was read from means nothing to its readers.
    message = (cited.url or "").startswith(JUMP_PREFIX)
    file = display_source(cited.source, root) if host else cited.doc_id
    return [one_line_title(p) for p in [*parts, None if message else printable(file)] if p]


def _place(cited: Passage | Citation, root: Path) -> str:
    """Return where a passage is found for the operator: title, date, section, page and paragraph, file, link."""
    return ", ".join(place_parts(cited, root, host=True) + ([cited.url] if cited.url else []))


def citation(passage: Passage, root: Path = PROJECT_ROOT) -> str:
    """Return the one-line citation: title, date, paragraph, file."""
    return "— " + _place(passage, root)


def also_in(passage: Passage, root: Path = PROJECT_ROOT) -> str | None:
    """Return the line citing the other places the passage is found, or None when there are none."""
    if not passage.also_in:
        return None
    return "also in: " + "; ".join(_place(c, root) for c in passage.also_in)


def _score(passage: Passage) -> str:
    """Return the one number shown after a citation, in words and figures: 'strong match (0.94)'."""
    value = strength(passage)
    return f"{match_label(value)} ({value:.2f})"


def _layout(answer: Answer, blocks: list[str], claim: bool) -> list[str]:
    """Arrange the rendered passages under the heading or the no-answer line."""
    if not answer.answered:
        head = _NO_CLAIM if claim else _NO_ANSWER
        closest = [f"Closest passage (not an answer):\n{blocks[0]}"] if blocks else []
        return [head, *closest]
    return [*([_CLAIM_HEADING] if claim else []), *blocks]


def _text_block(passage: Passage, *, bold: bool, scored: bool, root: Path) -> str:
    """Render one passage for the terminal: quote, citation line, also-in line."""
    cite = citation(passage, root) + (f" · {_score(passage)}" if scored else "")
    also = also_in(passage, root)
    differs = ["  ≠ " + terminal_safe(difference_line(d, passage.text)) for d in passage.differences]
    return "\n".join([_quote(passage, bold), cite, *(["  " + also] if also else []), *differs])


def answer_to_text(answer: Answer, *, bold: bool = False, root: Path = PROJECT_ROOT, claim: bool = False) -> str:
    """Render an answer for people: quotes, citations, and a clear line when there is none."""
    shown = answer.passages if answer.answered else answer.passages[:1]
    blocks = [_text_block(p, bold=bold and answer.answered, scored=answer.answered, root=root) for p in shown]
    return "\n\n".join(_layout(answer, blocks, claim))


# Markdown: characters that mean markup anywhere, and the ones that do only at the start of a line.
_MD_INLINE = re.compile(r"[\\`*_\[\]<>|~&$]")
_MD_LINE_START = re.compile(r"^(?:(?P<mark>[#+=-])|(?P<num>\d+)(?P<dot>[.)]))")


def _md_line_start(match: re.Match[str]) -> str:
    """Return the escaped form of a line-start heading, list or setext marker."""
    if match["num"] is not None:
        return f"{match['num']}\\{match['dot']}"
    return "\\" + match["mark"]


def escape_markdown(text: str, *, line_start: bool = True) -> str:
    """Backslash-escape Markdown markup in one line of text; un-escaping gives the text back."""
    text = _MD_INLINE.sub(lambda m: "\\" + m.group(), text)
    return _MD_LINE_START.sub(_md_line_start, text) if line_start else text


def _md_line(text: str, start: int, end: int, highlight: Span | None) -> str:
    """Escape one line of a quote (its indentation dropped: Markdown would read it as code), the highlight bold."""
    start, end = strip_span(text, start, end)
    hs, he = strip_span(text, max(highlight[0], start), min(highlight[1], end)) if highlight else (end, end)
    if hs >= he:
        return terminal_safe(escape_markdown(text[start:end]))
    bold = "**" + escape_markdown(text[hs:he], line_start=hs == start) + "**"
    return terminal_safe(escape_markdown(text[start:hs]) + bold + escape_markdown(text[he:end], line_start=False))


def _md_quote(passage: Passage, *, bold: bool) -> str:
    """Block-quote a passage in Markdown, its best sentence in `**…**` when `bold`."""
    highlight = passage.highlight if bold else None
    lines = [_md_line(passage.text, s, e, highlight) for s, e in iter_lines(passage.text)]
    return "\n".join("> " + line if line else ">" for line in lines)


def _md_block(passage: Passage, *, scored: bool, root: Path) -> str:
    """Render one passage in Markdown: quote, then citation and also-in lines (a hard break between them)."""
    cite = escape_markdown(citation(passage, root), line_start=False) + (f" · {_score(passage)}" if scored else "")
    also = also_in(passage, root)
    lines = [cite, escape_markdown(also, line_start=False)] if also else [cite]
    lines += ["≠ " + terminal_safe(escape_markdown(difference_line(d, passage.text), line_start=False))
              for d in passage.differences]  # fmt: skip
    return _md_quote(passage, bold=scored) + "\n\n" + "  \n".join(lines)


def answer_to_markdown(answer: Answer, *, root: Path = PROJECT_ROOT, claim: bool = False) -> str:
    """Render an answer as Markdown: `>` quotes with the best sentence in bold, citations below each."""
    shown = answer.passages if answer.answered else answer.passages[:1]
    blocks = [_md_block(p, scored=answer.answered, root=root) for p in shown]
    return "\n\n".join(_layout(answer, blocks, claim))
