"""The knowledge-gaps log: unanswered questions and 👍 / 👎 feedback, one JSON object per line.

It holds what users typed (never who typed it), so it can be switched off (QUOTEBOT_GAPS_LOG=false),
is capped in size (QUOTEBOT_GAPS_MAX_MB: past it, the oldest half is dropped), and `quotebot gaps
--clear` empties it. Each record keeps the server it came from (0 for a DM, null from the command line)
and the channel (and a thread's parent), so /gaps shows a record only to a member who can see that channel
now; older records have no channel, and /gaps shows them to nobody. What is asked in a private thread is
recorded without its text. A record holding a Discord message's words names that message (`source`): when
the message is deleted, `purge_source` drops the record. A 👎 may get a one-line reason: a "reason" record
naming its feedback record's id.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...index import Answer, Passage, QuotebotError
from ...index.text import displayable, one_line_title

if TYPE_CHECKING:  # the command line reads the log without loading discord.py
    from ..intake.places import Place

__all__ = [
    "GAPS_FILE",
    "REASON_LIMIT",
    "GapLog",
    "channel_of",
    "format_gap",
    "server_of",
    "vote_of",
]

GAPS_FILE = "gaps.jsonl"
DEFAULT_MAX_BYTES = 5 << 20
REASON_LIMIT = 200  # characters kept of a 👎's reason

log = logging.getLogger(__name__)


def _cited(passages: Sequence[Passage]) -> list[dict[str, Any]]:
    """Return the passages as short references (file and paragraph), never their text."""
    return [{"doc_id": p.doc_id, "paragraph": p.paragraph, "score": p.score} for p in passages]


def _origin(place: Place | None, server: int | None, source: int | None) -> dict[str, Any]:
    """Return where a record came from: server (0: a DM; null: the command line), channel, parent, source."""
    if place is None:
        fields: dict[str, Any] = {"server": server}  # `server` alone: a caller from before channels were kept
    else:
        fields = {"server": place.server or 0, "channel": place.channel}
        if place.parent is not None:
            fields["parent"] = place.parent
        if place.private:
            fields["private"] = True  # a private thread: its members' words are not kept
    if source is not None:
        fields["source"] = source
    return fields


def _said(words: str, place: Place | None) -> dict[str, str]:
    """Return what a member typed as a record's `question`, or nothing when it was typed in a private thread."""
    return {} if place is not None and place.private else {"question": displayable(words)}


def _int(value: object) -> int | None:
    """Return an id written in a record, or None (a bool is no id)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class GapLog:
    """Append records to a JSONL file (unless switched off), capped in size; reading skips broken lines."""

    def __init__(self, path: Path, *, enabled: bool = True, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = path
        self.enabled = enabled
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._sources: set[int] | None = None  # the `source` ids written, read once on first need

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
                source = _int(record.get("source"))
                if source is not None and self._sources is not None:
                    self._sources.add(source)
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
            self._sources = set()
        return count

    def holds(self, ids: Iterable[int]) -> bool:
        """Tell whether a record names one of these messages as its source (cheap: the ids are kept in memory)."""
        with self._lock:
            known = self._known()
            return any(i in known for i in ids)

    def _known(self) -> set[int]:
        """Return the source ids in the log, reading it the first time (the lock is held)."""
        if self._sources is None:
            self._sources = {s for r in self.records() if (s := _int(r.get("source"))) is not None}
        return self._sources

    def asked(self) -> set[tuple[int | None, int, int]]:
        """Return (server, channel, message) of each Discord message whose words a record holds (checked at start)."""
        found = set()
        for record in self.records():
            source, channel = _int(record.get("source")), _int(record.get("channel"))
            if source is not None and channel is not None:
                found.add((_int(record.get("server")) or None, channel, source))
        return found

    def purge_source(self, ids: Iterable[int]) -> int:
        """Drop every record whose source message is one of `ids`, and the reasons given on them; return how many.

        The file is rewritten whole and swapped in atomically: the deleted words are in no file afterwards.
        """
        wanted = set(ids)
        with self._lock:
            if not wanted & self._known():
                return 0
            records = [(line, _parsed(line)) for line in self.path.read_bytes().splitlines(keepends=True)]
            gone = {r.get("id") for _, r in records if _int(r.get("source")) in wanted}
            kept = [line for line, r in records if _int(r.get("source")) not in wanted and not _reason_on(r, gone)]
            try:
                partial = self.path.with_name(self.path.name + ".tmp")
                partial.write_bytes(b"".join(kept))
                os.replace(partial, self.path)
            except OSError as exc:
                log.error("cannot rewrite the gaps log %s: %s", self.path, exc)
                return 0
            self._sources = None  # read again when next needed
        return len(records) - len(kept)

    def unanswered(
        self,
        answer: Answer,
        *,
        via: str,
        place: Place | None = None,
        source: int | None = None,
        server: int | None = None,
    ) -> None:
        """Record a question the corpus did not answer, with the closest passages, where it was asked (`place`: None
        on the command line) and the message that asked it (`source`); `server` alone: deprecated, use `place`."""
        closest = _cited(answer.passages)
        said = _said(answer.question, place)  # cleaned: what users typed is shown to admins on a terminal later
        self._append({"kind": "unanswered", "via": via, **_origin(place, server, source), **said, "closest": closest})

    def feedback(
        self,
        question: str,
        vote: int,
        passages: Sequence[Passage],
        *,
        via: str,
        answered: bool,
        place: Place | None = None,
        source: int | None = None,
        server: int | None = None,
    ) -> str:
        """Record a 👍 (+1) or 👎 (-1) on the passages shown for a question; return the record's id (for a reason).
        `place`, `source` and `server` as for `unanswered`."""
        cited = _cited(passages)
        record_id = secrets.token_hex(8)  # links a reason to its vote; says nothing of who voted
        record = {"kind": "feedback", "id": record_id, "via": via, **_origin(place, server, source)}
        self._append({**record, **_said(question, place), "vote": vote, "answered": answered, "passages": cited})
        return record_id

    def reason(self, feedback_id: str, reason: str, *, place: Place | None = None, server: int | None = None) -> bool:
        """Record the one-line reason given for a 👎 (nothing when blank or given in a private thread); return whether
        one was kept. `server` alone: deprecated, use `place`."""
        line = one_line_title(reason)[:REASON_LIMIT]
        if not line or (place is not None and place.private):
            return False
        self._append({"kind": "reason", "feedback": feedback_id, **_origin(place, server, None), "reason": line})
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


def _parsed(line: bytes) -> dict[str, Any]:
    """Return a line's record, or an empty one when the line is damaged."""
    try:
        record = json.loads(line)
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def _reason_on(record: dict[str, Any], feedback_ids: set[Any]) -> bool:
    """Tell whether a record is the reason given on one of these feedback records."""
    return record.get("kind") == "reason" and record.get("feedback") in feedback_ids


def server_of(record: dict[str, Any]) -> int | None:
    """Return the server a record came from (0: a DM), or None: the command line, or a record older than servers."""
    return _int(record.get("server"))


def channel_of(record: dict[str, Any]) -> tuple[int, int | None] | None:
    """Return the channel a record came from and its parent when a thread; None for a record older than channels."""
    channel = _int(record.get("channel"))
    return None if channel is None else (channel, _int(record.get("parent")))


def _where(record: dict[str, Any]) -> str:
    """Say where a record came from, for the command line: "  [server 42, channel 7]", "  [DM]", or nothing."""
    server, where = server_of(record), channel_of(record)
    if server is None:
        return ""
    channel = f", channel {where[0]}" if where is not None else ""
    return "  [DM]" if server == 0 else f"  [server {server}{channel}]"


def format_gap(record: dict[str, Any]) -> str:
    """Render a record as one line for people, ending with its server when it has one."""
    when = one_line_title(str(record.get("time", "?"))[:16].replace("T", " "))
    question = one_line_title(str(record.get("question", "")))  # older records were written unfiltered
    if record.get("private") is True:
        question = "(asked in a private thread: not kept)"
    if record.get("kind") == "feedback":
        vote = "👍" if vote_of(record) > 0 else "👎"
        cited = ", ".join(f"{p.get('doc_id')} ¶ {p.get('paragraph')}" for p in _passages(record))
        return f"{when}  {vote} feedback    “{question}” → {one_line_title(cited) or 'no passage'}{_where(record)}"
    if record.get("kind") == "reason":
        reason = one_line_title(str(record.get("reason", "")))
        linked = one_line_title(str(record.get("feedback", "?")))
        return f"{when}  👎 reason      “{reason}” (on feedback {linked}){_where(record)}"
    via = one_line_title(str(record.get("via", "?")))
    return f"{when}  unanswered     “{question}” (via {via}){_where(record)}"


def vote_of(record: dict[str, Any]) -> int:
    """Return a feedback record's vote, 0 when damaged."""
    vote = record.get("vote")
    return vote if isinstance(vote, int) and not isinstance(vote, bool) else 0


def _passages(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a feedback record's cited passages, tolerating a hand-edited or damaged record."""
    passages = record.get("passages")
    return [p for p in passages if isinstance(p, dict)] if isinstance(passages, list) else []
