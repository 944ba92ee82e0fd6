"""The button store binds an answer to where it was posted and forgets a deleted message's words (bot/reply/button_state.py):
a file from the release before keeps working, and a purged question is in no byte of the file afterwards."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from quotebot.bot.reply.button_state import BUTTONS_FILE, ButtonStore, Entry

QUESTION = "Is the merger with Initech signed?"
LONG = "Which clauses of the Initech merger agreement " + "and its annexes " * 400 + "cover the staff?"  # overflow pages

# the table as the release before this one wrote it
_OLD_SCHEMA = """
CREATE TABLE answers (
    key TEXT PRIMARY KEY, created REAL NOT NULL, question TEXT NOT NULL, kind TEXT NOT NULL,
    per_page INTEGER NOT NULL, lang TEXT NOT NULL, asker INTEGER NOT NULL, via TEXT NOT NULL,
    share INTEGER NOT NULL, answered INTEGER NOT NULL, cited TEXT NOT NULL
);
CREATE INDEX answers_created ON answers (created);
"""


def entry(question: str = QUESTION, **where: int) -> Entry:
    return Entry(question, "question", 3, "en", 7, "answer-channel", False, True, (("a.md", 1, 0.5),), **where)


def old_file(path: Path, now: float) -> None:
    """Write a store as the release before did, on an SQLite built without secure_delete: one live row, and the
    words of one deleted (expired) left in a free page."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA secure_delete=OFF")
        with db:
            db.executescript(_OLD_SCHEMA)
            row = "INSERT INTO answers VALUES (?, ?, ?, 'question', 3, 'en', 7, 'slash', 0, 1, '[]')"
            db.execute(row, ("old", now, "Kept from before?"))
            db.execute(row, ("gone", now, "Deleted long ago about the merger?"))
        with db:
            db.execute("DELETE FROM answers WHERE key = 'gone'")


def test_a_file_from_the_release_before_gains_the_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / BUTTONS_FILE
    old_file(path, time.time())
    assert b"merger" in path.read_bytes()  # the old release left a deleted row's words in a free page
    store = ButtonStore(path)
    kept = store.get("old")
    assert kept is not None and kept.question == "Kept from before?"
    assert (kept.server, kept.channel, kept.message, kept.source) == (None, None, None, None)
    assert b"merger" not in path.read_bytes()  # vacuumed once, on the way
    store.put("new", entry(server=10, channel=20, source=30))
    store.bind("new", 40)
    new = ButtonStore(path).get("new")
    assert new is not None and (new.server, new.channel, new.message, new.source) == (10, 20, 40, 30)


def test_bind_records_the_message_and_the_source_it_is_given(tmp_path: Path) -> None:
    store = ButtonStore(tmp_path / BUTTONS_FILE)
    store.put("k", entry(server=10, channel=20))
    store.bind("k", 41)
    bound = store.get("k")
    assert bound is not None and (bound.message, bound.source) == (41, None)
    store.bind("k", 41, source=30)
    assert not store.holds([31]) and store.holds([30])
    bound = store.get("k")
    assert bound is not None and (bound.message, bound.source) == (41, 30)
    store.bind("unknown", 42)  # a row that expired meanwhile: nothing to bind, no error
    assert store.get("unknown") is None


@pytest.mark.parametrize("question", [QUESTION, LONG], ids=["short", "overflowing"])
def test_a_deleted_sources_rows_are_purged_and_gone_from_the_file(tmp_path: Path, question: str) -> None:
    path = tmp_path / BUTTONS_FILE
    store = ButtonStore(path)
    store.put("asked", entry(question, server=10, channel=20, source=500))
    store.put("other", entry("Where is the coffee?", server=10, channel=20, source=501))
    store.put("slash", entry("Asked with /ask?"))
    live = object()
    store.remember("asked", live)
    assert store.recall("asked") is live and b"Initech" in path.read_bytes()
    assert store.purge_source([999]) == 0  # unknown: nothing is written
    assert store.purge_source([500, 999]) == 1
    assert store.get("asked") is None and store.recall("asked") is None  # on disk and in memory
    assert store.keys() == ["other", "slash"]
    assert b"Initech" not in path.read_bytes() and b"merger" not in path.read_bytes()
    with closing(store._connect()) as db:  # overwritten, whatever the SQLite build's default
        assert db.execute("PRAGMA secure_delete").fetchone() == (1,)
    reopened = ButtonStore(path)  # another process: the ids are read from the file
    assert reopened.holds([501]) and not reopened.holds([500])
    assert reopened.purge_source([501]) == 1 and b"coffee" not in path.read_bytes()
