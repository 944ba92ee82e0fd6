"""/gaps' grouping: one server's unanswered questions and 👎, by similar question, for a member's channels."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ...index.text import one_line_title
from .gaps import channel_of, server_of, vote_of

__all__ = ["SIMILAR", "GapGroup", "group_gaps", "question_words", "record_time", "similarity"]

SIMILAR = 0.6  # least Jaccard similarity of two questions' word sets for /gaps to group them


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


def _shown_in(record: dict[str, Any], channels: Container[int] | None) -> bool:
    """Tell whether a record may be shown to a member who sees `channels` (None: no channel is checked)."""
    if channels is None:
        return True
    where = channel_of(record)
    return where is not None and where[0] in channels and record.get("private") is not True


def _is_gap(record: dict[str, Any]) -> bool:
    """Tell whether a record is an unanswered question or a 👎."""
    kind = record.get("kind")
    return kind == "unanswered" or (kind == "feedback" and vote_of(record) < 0)


def group_gaps(
    records: Iterable[dict[str, Any]],
    *,
    server: int,
    since: datetime | None = None,
    threshold: float = SIMILAR,
    channels: Container[int] | None = None,
) -> list[GapGroup]:
    """Group one server's unanswered questions and 👎 (written at or after `since`) by similar question.

    Only records carrying `server` count: never another server's, a DM's (0), the command line's or those
    older than the field. With `channels` (the channels the member may see now), only records from one of
    them count: never one older than channels, nor one from a private thread (it holds no text). Records are
    taken newest first (the log is in the order written); each joins the
    group whose newest question is most similar (the first such group on a tie), or starts a new one. The
    groups come newest first, and so does each one's list of reasons.
    """
    if server <= 0:
        return []
    mine = [r for r in records if server_of(r) == server and _shown_in(r, channels)]
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
