"""Render answers for the terminal and as the `--json` object."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from index import Answer, Passage

__all__ = ["PROJECT_ROOT", "answer_to_json", "answer_to_text", "display_source", "match_label"]

# The checkout this package runs from (editable install); sources inside it print relative to it.
PROJECT_ROOT = Path(__file__).resolve().parents[1]

_BOLD, _RESET = "\033[1m", "\033[0m"


def display_source(path: Path, root: Path = PROJECT_ROOT) -> str:
    """Return the path relative to the repository root when inside it, else absolute."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def match_label(score: float) -> str:
    """Describe a fused score in words a reader understands."""
    if score >= 0.8:
        return "strong match"
    if score >= 0.5:
        return "fair match"
    return "weak match"


def passage_to_json(passage: Passage, root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """Return the JSON form of a passage."""
    return {
        "text": passage.text,
        "source": display_source(passage.source, root),
        "title": passage.title,
        "date": passage.date,
        "paragraph": passage.paragraph,
        "start": passage.start,
        "end": passage.end,
        "score": passage.score,
    }


def answer_to_json(answer: Answer, root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """Return the `--json` object of an answer."""
    return {
        "question": answer.question,
        "answered": answer.answered,
        "passages": [passage_to_json(p, root) for p in answer.passages],
    }


def _quote(passage: Passage, bold: bool) -> str:
    """Block-quote a passage, its best sentence in bold on a terminal."""
    text = passage.text
    if bold and passage.highlight:
        s, e = passage.highlight
        text = f"{text[:s]}{_BOLD}{text[s:e]}{_RESET}{text[e:]}"
    return "\n".join("> " + line if line.strip() else ">" for line in text.splitlines())


def citation(passage: Passage, root: Path = PROJECT_ROOT) -> str:
    """Return the one-line citation: title, date, paragraph, file."""
    parts = [passage.title]
    if passage.date:
        parts.append(passage.date)
    parts += [passage.paragraph_label, display_source(passage.source, root)]
    return "— " + ", ".join(parts)


def answer_to_text(answer: Answer, *, bold: bool = False, root: Path = PROJECT_ROOT) -> str:
    """Render an answer for people: quotes, citations, and a clear line when there is none."""
    if not answer.answered:
        lines = ["I couldn't find an answer to this in the corpus."]
        if answer.passages:
            closest = answer.passages[0]
            lines += ["", "Closest passage (not an answer):", _quote(closest, False), citation(closest, root)]
        return "\n".join(lines)
    blocks = [
        f"{_quote(p, bold)}\n{citation(p, root)} · {match_label(p.score)} ({p.score:.2f})" for p in answer.passages
    ]
    return "\n\n".join(blocks)
