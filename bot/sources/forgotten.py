"""The members who asked never to be quoted (/forget-me): a list of Discord ids, kept across restarts.

Written atomically (a new file, then a rename), so a crash never leaves half a list. An unreadable list stops
the bot with one line rather than starting without it: starting would quote people who asked not to be.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from ...index import QuotebotError
from ..ops.storage import write_atomic

__all__ = ["FORGOTTEN_FILE", "Forgotten"]

FORGOTTEN_FILE = "forgotten.json"


class Forgotten:
    """The opted-out members' ids, read once and rewritten on each change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._ids = self._read()

    def _read(self) -> frozenset[str]:
        """Read the list; a missing file is an empty one, a damaged one an error that says what to do."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return frozenset()
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise QuotebotError(
                f"cannot read the opt-out list {self.path} ({type(exc).__name__}): restore it from a backup; "
                "the bot will not start without it"
            ) from exc
        ids = raw.get("members") if isinstance(raw, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) and i.isdigit() for i in ids):
            raise QuotebotError(f"the opt-out list {self.path} is malformed: restore it from a backup")
        return frozenset(ids)

    @property
    def ids(self) -> frozenset[str]:
        """Return the ids of the members who asked not to be quoted."""
        return self._ids

    def forget(self, member: int) -> bool:
        """Add a member; return False when they were on the list already."""
        return self._change(self._ids | {str(member)})

    def remember(self, member: int) -> bool:
        """Remove a member; return False when they were not on the list."""
        return self._change(self._ids - {str(member)})

    def _change(self, ids: frozenset[str]) -> bool:
        """Write the new list, then keep it; return whether it differs from the old one."""
        with self._lock:
            if ids == self._ids:
                return False
            write_atomic(self.path, json.dumps({"members": sorted(ids)}))
            self._ids = ids
            return True
