"""The button store (bot/reply/button_state.py): bounded, one transaction a write, kept across reloads, expiring, and empty
(with one warning) when its file is damaged."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from quotebot.bot.reply.button_state import BUTTONS_FILE, ButtonStore, Entry, new_key


def entry(question: str = "What about backdoors?", asker: int = 7) -> Entry:
    """Return an entry as an answer's view writes it."""
    return Entry(question, "question", 3, "fr", asker, "slash", True, True, (("statement.txt", 2, 0.9),))


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_survives_a_reload_without_the_passages_text(tmp_path: Path) -> None:
    path = tmp_path / BUTTONS_FILE
    ButtonStore(path).put("k1", entry())
    kept = ButtonStore(path).get("k1")  # another process: nothing in memory
    assert kept is not None and kept.created > 0
    assert (kept.question, kept.kind, kept.per_page, kept.lang, kept.asker) == (
        "What about backdoors?",
        "question",
        3,
        "fr",
        7,
    )
    assert (kept.via, kept.share, kept.answered, kept.cited) == ("slash", True, True, (("statement.txt", 2, 0.9),))
    assert ButtonStore(path).get("nope") is None


def test_the_store_keeps_at_most_max_entries_dropping_the_oldest(tmp_path: Path) -> None:
    clock = Clock()
    store = ButtonStore(tmp_path / BUTTONS_FILE, max_entries=3, clock=clock)
    for i in range(5):
        clock.now += 1
        store.put(f"k{i}", entry(f"question {i}"))
    assert store.keys() == ["k2", "k3", "k4"]
    assert store.get("k0") is None and store.get("k4") is not None


def test_an_entry_expires_after_max_age_and_is_then_removed(tmp_path: Path) -> None:
    clock = Clock()
    store = ButtonStore(tmp_path / BUTTONS_FILE, max_age=100, clock=clock)
    store.put("old", entry())
    clock.now += 101
    assert store.get("old") is None  # expired: no longer answered, even before it is removed
    store.put("new", entry())
    assert store.keys() == ["new"]  # and removed by the next write


def test_a_write_that_fails_half_way_leaves_the_store_as_it_was(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ButtonStore(tmp_path / BUTTONS_FILE)
    store.put("kept", entry())
    real = store._connect

    class Failing:
        """A connection whose second statement (the pruning, after the insert) fails."""

        def __init__(self) -> None:
            self.db = real()
            self.statements = 0

        def __getattr__(self, name: str) -> Any:
            return getattr(self.db, name)

        def __enter__(self) -> Any:
            return self.db.__enter__()

        def __exit__(self, *exc: Any) -> Any:
            return self.db.__exit__(*exc)

        def execute(self, sql: str, *args: Any) -> Any:
            self.statements += 1
            if self.statements == 2:
                raise sqlite3.OperationalError("disk I/O error")
            return self.db.execute(sql, *args)

    monkeypatch.setattr(store, "_connect", Failing)
    with caplog.at_level(logging.ERROR):
        store.put("lost", entry())
        store.put("lost too", entry())
    monkeypatch.setattr(store, "_connect", real)
    assert store.keys() == ["kept"]  # the insert was rolled back with the failed pruning
    assert [r.levelno for r in caplog.records] == [logging.ERROR]  # said once, not for every answer


def test_a_damaged_file_gives_one_warning_and_an_empty_store(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / BUTTONS_FILE
    path.write_bytes(b"this is not a database, " * 100)
    with caplog.at_level(logging.WARNING):
        store = ButtonStore(path)
    [warning] = caplog.records
    assert warning.levelno == logging.WARNING and "damaged" in warning.getMessage()
    assert store.keys() == [] and store.get("k1") is None
    store.put("k1", entry())  # and it works again
    assert ButtonStore(path).get("k1") is not None


def test_the_answers_in_memory_are_bounded_least_recently_used_first(tmp_path: Path) -> None:
    store = ButtonStore(tmp_path / BUTTONS_FILE, live_entries=2)
    a, b, c = object(), object(), object()
    store.remember("a", a)
    store.remember("b", b)
    assert store.recall("a") is a  # used: "b" is now the least recent
    store.remember("c", c)
    assert (store.recall("a"), store.recall("b"), store.recall("c")) == (a, None, c)


def test_keys_are_opaque_and_fit_a_custom_id() -> None:
    keys = {new_key() for _ in range(100)}
    assert len(keys) == 100 and all(len(k) == 12 and k.replace("-", "").replace("_", "").isalnum() for k in keys)
    assert len(f"quotebot:share:{new_key()}:99") <= 100  # Discord's limit
