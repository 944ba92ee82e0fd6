"""The knowledge-gaps log: unanswered questions and 👍 / 👎 feedback, one JSON object per line.

It holds what users typed (never who typed it), so it can be switched off (QUOTEBOT_GAPS_LOG=false),
is capped in size (QUOTEBOT_GAPS_MAX_MB: past it, the oldest half is dropped), and `quotebot gaps
--clear` empties it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..index import Answer, Passage, QuotebotError
from ..index.text import displayable, one_line_title

__all__ = ["GAPS_FILE", "GapLog", "format_gap"]

GAPS_FILE = "gaps.jsonl"
DEFAULT_MAX_BYTES = 5 << 20

log = logging.getLogger(__name__)


def _cited(passages: Sequence[Passage]) -> list[dict[str, Any]]:
    """Return the passages as short references (file and paragraph), never their text."""
    return [{"doc_id": p.doc_id, "paragraph": p.paragraph, "score": p.score} for p in passages]


class GapLog:
    """Append records to a JSONL file (unless switched off), capped in size; reading skips broken lines."""

    def __init__(self, path: Path, *, enabled: bool = True, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = path
        self.enabled = enabled
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def _append(self, record: dict[str, Any]) -> None:
        """Write one record as a line; a failure is logged, never raised at a user."""
        if not self.enabled:
            return
        record = {"time": datetime.now(UTC).isoformat(timespec="seconds"), **record}
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                if self.path.stat().st_size > self.max_bytes:
                    self._shrink()
        except OSError as exc:
            log.error("cannot write the gaps log %s: %s", self.path, exc)

    def _shrink(self) -> None:
        """Keep the newest records that fit half the cap, replacing the file atomically."""
        lines = self.path.read_bytes().splitlines(keepends=True)
        kept: list[bytes] = []
        size = 0
        for line in reversed(lines):
            size += len(line)
            if size > self.max_bytes // 2:
                break
            kept.append(line)
        partial = self.path.with_name(self.path.name + ".tmp")
        partial.write_bytes(b"".join(reversed(kept)))
        os.replace(partial, self.path)

    def clear(self) -> int:
        """Empty the log; return how many records it held."""
        with self._lock:
            count = sum(1 for _ in self.records())
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise QuotebotError(f"cannot remove the gaps log {self.path}: {exc}; remove it by hand") from exc
        return count

    def unanswered(self, answer: Answer, *, via: str) -> None:
        """Record a question the corpus did not answer, with the closest passages."""
        closest = _cited(answer.passages)
        question = displayable(answer.question)  # what users typed is shown to admins on a terminal later
        self._append({"kind": "unanswered", "via": via, "question": question, "closest": closest})

    def feedback(self, question: str, vote: int, passages: Sequence[Passage], *, via: str, answered: bool) -> None:
        """Record a 👍 (+1) or 👎 (-1) on the passages shown for a question."""
        cited = _cited(passages)
        record = {"kind": "feedback", "via": via, "question": displayable(question), "vote": vote, "answered": answered}
        self._append({**record, "passages": cited})

    def records(self) -> Iterator[dict[str, Any]]:
        """Yield the records in the order written; a missing log yields nothing."""
        try:
            handle = self.path.open(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise QuotebotError(f"cannot read the gaps log {self.path}: {exc}") from exc
        with handle:
            for number, line in enumerate(handle, 1):
                try:
                    record = json.loads(line)
                except ValueError:
                    log.warning("skipped line %d of %s: not JSON", number, self.path)
                    continue
                if isinstance(record, dict):
                    yield record


def format_gap(record: dict[str, Any]) -> str:
    """Render a record as one line for people."""
    when = one_line_title(str(record.get("time", "?"))[:16].replace("T", " "))
    question = one_line_title(str(record.get("question", "")))  # older records were written unfiltered
    if record.get("kind") == "feedback":
        vote = "👍" if record.get("vote", 0) > 0 else "👎"
        cited = ", ".join(f"{p.get('doc_id')} ¶ {p.get('paragraph')}" for p in _passages(record))
        return f"{when}  {vote} feedback    “{question}” → {one_line_title(cited) or 'no passage'}"
    return f"{when}  unanswered     “{question}” (via {one_line_title(str(record.get('via', '?')))})"


def _passages(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a feedback record's cited passages, tolerating a hand-edited or damaged record."""
    passages = record.get("passages")
    return [p for p in passages if isinstance(p, dict)] if isinstance(passages, list) else []
