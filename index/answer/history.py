"""Changelogs and release notes: they name every feature, so they match "how do I" questions they do not answer.

A passage is history when its document or one of its headings says so (a CHANGELOG or NEWS file, "Release
notes", "What's New", "Changes in 2.0", a heading that is a version number). For a question that does not ask
about versions or changes, its fused score is lowered by `HISTORY_PENALTY` (a share of it), so the reference
text of the same feature comes first; a question that does ("when did X change", "which release added Y",
"new in 3.11") ranks history as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

import numpy as np
import numpy.typing as npt

from ..models import Chunk
from ..store.manifest import DocumentRecord

__all__ = ["HISTORY_PENALTY", "History", "asks_history", "is_history"]

# The share of a history passage's fused score taken off for a question not about history (scripts/units.py).
HISTORY_PENALTY = 0.1

# A file or title that is history ("CHANGELOG.md", "NEWS", "What's New in Python 3.11", "Release notes").
_HISTORY_NAME = re.compile(
    r"change[\s_-]*log|\bchanges\b|\bnews\b|release[\s_-]*(?:notes|history)|what['’]?s[\s_-]*new|\bhistory\b",
    re.IGNORECASE,
)
# A heading that starts a history section ("Changes", "Changes in 2.0", "Breaking changes", "Release notes");
# "Callbacks when an attribute changes" is not one.
_HISTORY_HEADING = re.compile(
    r"^\W*(?:(?:major\s+)?(?:breaking\s+)?changes\b|change[\s_-]*log|news\b|release[\s_-]*(?:notes|history)"
    r"|releases?\b|what['’]?s[\s_-]*new|version[\s_-]*history|history\s+of\s+changes|migrat)",
    re.IGNORECASE,
)
# A heading that is a version: "1.2.3", "v2.0", "Version 3.1 (2020-01-01)", "rsync 3.2.7", "0.9 - 2020-01-01";
# "v1.13.4 CDN URLs" is not one.
_VERSION_HEADING = re.compile(
    r"^\W*(?:[A-Za-z][\w+-]*\s+)?(?:v(?:ersion)?\.?\s*|release\s+)?\d+(?:\.\d+)+[a-z0-9.+-]*\s*(?:$|[(\[:,–—-])",
    re.IGNORECASE,
)
_ASKS = re.compile(
    r"\b(?:versions?|releases?|released|chang(?:e|ed|es|elog)|since|added|introduced|deprecated|removed|new in"
    r"|history|upgrade|upgrading|migrat\w*|when)\b|\d+\.\d+",
    re.IGNORECASE,
)


def is_history(title: str, doc_id: str, section: str | None) -> bool:
    """Tell whether a passage is in a changelog or release notes: its file, its title or one of its headings."""
    if _HISTORY_NAME.search(PurePosixPath(doc_id).stem) or _HISTORY_NAME.search(title):
        return True
    headings = section.split(" › ") if section else []
    return any(_HISTORY_HEADING.match(h) or _VERSION_HEADING.match(h) for h in headings)


def asks_history(question: str) -> bool:
    """Tell whether a question asks about versions or changes (then history answers it as well as any text)."""
    return _ASKS.search(question) is not None


class History:
    """Which chunks of an index are history, found as they become candidates and remembered per row."""

    def __init__(self, chunks: Sequence[Chunk], records: Mapping[str, DocumentRecord]) -> None:
        self._chunks = chunks
        self._records = records  # the engine's, by document id: each title read when its row is first asked
        self._known: dict[int, bool] = {}

    def of(self, rows: Sequence[int]) -> npt.NDArray[np.bool_]:
        """Tell, per chunk row, whether it is in a changelog or release notes."""
        known = self._known
        for row in rows:
            if row not in known:  # two threads filling the same row write the same value
                chunk = self._chunks[row]
                record = self._records.get(chunk.doc_id)
                known[row] = is_history(record.title if record else "", chunk.doc_id, chunk.section)
        return np.fromiter((known[row] for row in rows), dtype=bool, count=len(rows))
