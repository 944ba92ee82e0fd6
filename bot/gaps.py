"""The knowledge-gaps log: unanswered questions and 👍 / 👎 feedback, one JSON object per line.

It holds what users typed (never who typed it), so it can be switched off (QUOTEBOT_GAPS_LOG=false),
is capped in size (QUOTEBOT_GAPS_MAX_MB: past it, the oldest half is dropped), and `quotebot gaps
--clear` empties it. Each record keeps the server it came from (0 for a DM, null from the command line;
older records have none), so /gaps shows a server its own records only. A 👎 may get a one-line reason:
a "reason" record naming its feedback record's id.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..index import Answer, Passage, QuotebotError
from ..index.text import displayable, one_line_title

__all__ = [
    "GAPS_FILE",
    "REASON_LIMIT",
    "SIMILAR",
    "GapGroup",
    "GapLog",
    "format_gap",
    "group_gaps",
    "question_words",
    "record_time",
    "server_of",
    "similarity",
]

GAPS_FILE = "gaps.jsonl"
DEFAULT_MAX_BYTES = 5 << 20
REASON_LIMIT = 200  # characters kept of a 👎's reason
SIMILAR = 0.6  # least Jaccard similarity of two questions' word sets for /gaps to group them

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

    def unanswered(self, answer: Answer, *, via: str, server: int | None = None) -> None:
        """Record a question the corpus did not answer, with the closest passages, and the server it came from."""
        closest = _cited(answer.passages)
        question = displayable(answer.question)  # what users typed is shown to admins on a terminal later
        self._append({"kind": "unanswered", "via": via, "server": server, "question": question, "closest": closest})

    def feedback(
        self,
        question: str,
        vote: int,
        passages: Sequence[Passage],
        *,
        via: str,
        answered: bool,
        server: int | None = None,
    ) -> str:
        """Record a 👍 (+1) or 👎 (-1) on the passages shown for a question; return the record's id (for a reason)."""
        cited = _cited(passages)
        record_id = secrets.token_hex(8)  # links a reason to its vote; says nothing of who voted
        record = {"kind": "feedback", "id": record_id, "via": via, "server": server, "question": displayable(question)}
        self._append({**record, "vote": vote, "answered": answered, "passages": cited})
        return record_id

    def reason(self, feedback_id: str, reason: str, *, server: int | None = None) -> bool:
        """Record the one-line reason given for a 👎; a blank reason records nothing. Return whether one was kept."""
        line = one_line_title(reason)[:REASON_LIMIT]
        if not line:
            return False
        self._append({"kind": "reason", "feedback": feedback_id, "server": server, "reason": line})
        return True

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


def server_of(record: dict[str, Any]) -> int | None:
    """Return the server a record came from (0: a DM), or None: the command line, or a record older than servers."""
    server = record.get("server")
    return server if isinstance(server, int) and not isinstance(server, bool) else None


def _where(record: dict[str, Any]) -> str:
    """Say where a record came from, for the command line: "  [server 42]", "  [DM]", or nothing."""
    server = server_of(record)
    if server is None:
        return ""
    return "  [DM]" if server == 0 else f"  [server {server}]"


def format_gap(record: dict[str, Any]) -> str:
    """Render a record as one line for people, ending with its server when it has one."""
    when = one_line_title(str(record.get("time", "?"))[:16].replace("T", " "))
    question = one_line_title(str(record.get("question", "")))  # older records were written unfiltered
    if record.get("kind") == "feedback":
        vote = "👍" if _vote(record) > 0 else "👎"
        cited = ", ".join(f"{p.get('doc_id')} ¶ {p.get('paragraph')}" for p in _passages(record))
        return f"{when}  {vote} feedback    “{question}” → {one_line_title(cited) or 'no passage'}{_where(record)}"
    if record.get("kind") == "reason":
        reason = one_line_title(str(record.get("reason", "")))
        linked = one_line_title(str(record.get("feedback", "?")))
        return f"{when}  👎 reason      “{reason}” (on feedback {linked}){_where(record)}"
    via = one_line_title(str(record.get("via", "?")))
    return f"{when}  unanswered     “{question}” (via {via}){_where(record)}"


def _vote(record: dict[str, Any]) -> int:
    """Return a feedback record's vote, 0 when damaged."""
    vote = record.get("vote")
    return vote if isinstance(vote, int) and not isinstance(vote, bool) else 0


def _passages(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a feedback record's cited passages, tolerating a hand-edited or damaged record."""
    passages = record.get("passages")
    return [p for p in passages if isinstance(p, dict)] if isinstance(passages, list) else []


# -- /gaps: a server's unanswered questions and 👎, grouped by similar question ---------------------------


@dataclass
class GapGroup:
    """Similar questions one server's members asked: how often unanswered or 👎, and the reasons given."""

    question: str  # the newest wording
    words: frozenset[str]
    latest: datetime | None  # when the newest of them was recorded
    unanswered: int = 0
    down: int = 0
    reasons: list[str] = field(default_factory=list)  # newest first

    @property
    def count(self) -> int:
        """Return how many records the group holds."""
        return self.unanswered + self.down


def question_words(question: str) -> frozenset[str]:
    """Return a question's words, case and punctuation ignored: what similar questions share."""
    return frozenset(re.findall(r"\w+", question.casefold()))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Return the Jaccard similarity of two word sets (two empty sets are alike)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def record_time(record: dict[str, Any]) -> datetime | None:
    """Return when a record was written, or None when its time is missing or unreadable."""
    try:
        when = datetime.fromisoformat(str(record["time"]))
    except (KeyError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _is_gap(record: dict[str, Any]) -> bool:
    """Tell whether a record is an unanswered question or a 👎."""
    kind = record.get("kind")
    return kind == "unanswered" or (kind == "feedback" and _vote(record) < 0)


def group_gaps(
    records: Iterable[dict[str, Any]],
    *,
    server: int,
    since: datetime | None = None,
    threshold: float = SIMILAR,
) -> list[GapGroup]:
    """Group one server's unanswered questions and 👎 (written at or after `since`) by similar question.

    Only records carrying `server` count: never another server's, a DM's (0), the command line's or those
    older than the field. Records are taken newest first (the log is in the order written); each joins the
    group whose newest question is most similar (the first such group on a tie), or starts a new one. The
    groups come newest first, and so does each one's list of reasons.
    """
    if server <= 0:
        return []
    mine = [r for r in records if server_of(r) == server]
    reasons: dict[str, list[str]] = {}
    for record in mine:
        linked, reason = record.get("feedback"), record.get("reason")
        if record.get("kind") == "reason" and isinstance(linked, str) and isinstance(reason, str):
            reasons.setdefault(linked, []).append(one_line_title(reason))
    groups: list[GapGroup] = []
    for record in reversed(mine):
        if not _is_gap(record):
            continue
        when = record_time(record)
        if since is not None and (when is None or when < since):
            continue
        question = one_line_title(str(record.get("question", "")))
        words = question_words(question)
        best: GapGroup | None = None
        best_score = threshold
        for group in groups:
            score = similarity(words, group.words)
            if score >= best_score and (best is None or score > best_score):
                best, best_score = group, score
        if best is None:
            best = GapGroup(question, words, when)
            groups.append(best)
        if record.get("kind") == "unanswered":
            best.unanswered += 1
        else:
            best.down += 1
            record_id = record.get("id")
            if isinstance(record_id, str):
                best.reasons.extend(r for r in reversed(reasons.get(record_id, [])) if r)
    return groups
