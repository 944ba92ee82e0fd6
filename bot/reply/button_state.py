"""What a click on an answer's buttons needs after a restart, kept in a small SQLite file in the data folder.

An answer's buttons carry an opaque key in their custom ids (`quotebot:more:<key>:<page>`); the key names one
row here: the question, how it was asked (kind, passages per page, language, via), the asker's Discord id (only
they may page or share), whether Share was offered, and references to the passages fetched (file, paragraph,
score, as the gaps log keeps them: never their text), and where it was posted: server, channel and message (a
click carrying the key on any other message is refused). Rows older than MAX_AGE go, and past MAX_ENTRIES the
oldest; a click on a button whose row is gone answers one private line. A row holding a Discord message's words
names that message (`source`: an answer channel's question, a Find source claim); when it is deleted,
`purge_source` drops the row, and deleted rows are overwritten with zeros (secure_delete), so their text is in
no file afterwards. Each write is one SQLite transaction; a damaged file is dropped with one warning, and the
buttons on older messages then say they expired.

The answers this process posted are also kept in memory (at most LIVE_ENTRIES): a click on them uses them as
they are, as before restarts were survived.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from ..words.i18n import LANGUAGES, Lang

__all__ = ["BUTTONS_FILE", "LIVE_ENTRIES", "MAX_AGE", "MAX_ENTRIES", "ButtonStore", "Entry", "attach", "store_of"]

log = logging.getLogger(__name__)

BUTTONS_FILE = "buttons.sqlite3"
MAX_ENTRIES = 5000  # answers whose buttons survive a restart; past it the oldest stop working
MAX_AGE = 7 * 24 * 3600.0  # seconds an answer's buttons survive a restart (a week)
LIVE_ENTRIES = 500  # answers kept in memory as posted

Cited = tuple[str, int, float]  # a passage's file, paragraph and score

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    created REAL NOT NULL,
    question TEXT NOT NULL,
    kind TEXT NOT NULL,
    per_page INTEGER NOT NULL,
    lang TEXT NOT NULL,
    asker INTEGER NOT NULL,
    via TEXT NOT NULL,
    share INTEGER NOT NULL,
    answered INTEGER NOT NULL,
    cited TEXT NOT NULL,
    server INTEGER,
    channel INTEGER,
    message INTEGER,
    source INTEGER,
    context INTEGER
);
CREATE INDEX IF NOT EXISTS answers_created ON answers (created);
"""
# columns added after the first release: a file may lack them
_PLACE = ("server", "channel", "message", "source", "context")
_COLUMNS = "key, created, question, kind, per_page, lang, asker, via, share, answered, cited, " + ", ".join(_PLACE)


@dataclass(frozen=True, slots=True)
class Entry:
    """What a click on an answer's buttons needs when the answer itself is no longer in memory."""

    question: str
    kind: Literal["question", "claim"]
    per_page: int
    lang: Lang
    asker: int  # the asker's Discord id: only they may page or share
    via: str
    share: bool  # "Share in channel" was offered
    answered: bool
    cited: tuple[Cited, ...]  # the passages fetched, as references: file, paragraph, score
    created: float = 0.0  # seconds since the epoch; 0: now, when stored
    server: int | None = None  # where the answer was posted (None: a DM, or a row from an older release)
    channel: int | None = None
    message: int | None = None  # the answer's message, once posted: a click carrying the key elsewhere is refused
    source: int | None = None  # the Discord message whose words `question` holds (answer channel, claim)
    context: int | None = None  # the first question a follow-up was searched with (its words are in the answer)


def new_key() -> str:
    """Return a fresh opaque key: 12 URL-safe characters, unguessable."""
    return secrets.token_urlsafe(9)


class ButtonStore:
    """The rows of answers' buttons on disk, bounded in count and age, and the answers posted by this process."""

    def __init__(
        self,
        path: Path,
        *,
        max_entries: int = MAX_ENTRIES,
        max_age: float = MAX_AGE,
        live_entries: int = LIVE_ENTRIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path, self.max_entries, self.max_age, self.clock = path, max_entries, max_age, clock
        self.live_entries = live_entries
        self._live: OrderedDict[str, object] = OrderedDict()
        self._broken = False  # a write failed: said once in the log, not for every answer
        self._sources: set[int] | None = None  # the `source` ids kept, read on first need
        self._open()

    def _connect(self) -> sqlite3.Connection:
        """Open the file (one connection per operation: nothing stays open between clicks)."""
        db = sqlite3.connect(self.path, timeout=5)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA secure_delete=ON")  # a row deleted (purged, expired) is overwritten, not just unlinked
        return db

    def _open(self) -> None:
        """Create the table (adding the columns a file from an older release lacks); a damaged file is removed with
        one warning, and the store starts empty."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as db:
                with db:
                    db.executescript(_SCHEMA)
                    db.execute("SELECT count(*) FROM answers").fetchone()
                _migrate(db)
        except sqlite3.DatabaseError as exc:
            log.warning("the button store %s is damaged (%s): starting empty", self.path, exc)
            try:
                self.path.unlink(missing_ok=True)
                with closing(self._connect()) as db, db:
                    db.executescript(_SCHEMA)
            except (OSError, sqlite3.Error) as again:
                self._fail(again)
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        """Log a failed write once: the answer is still sent, only its buttons won't survive a restart."""
        if not self._broken:
            log.error("cannot write the button store %s: %s; buttons will not survive a restart", self.path, exc)
        self._broken = True

    def put(self, key: str, entry: Entry) -> None:
        """Keep an entry (its `created` set to now), dropping the expired ones and the oldest past the bound."""
        now = self.clock()
        row = (
            key, now, entry.question, entry.kind, entry.per_page, entry.lang, entry.asker, entry.via,
            int(entry.share), int(entry.answered), json.dumps([list(c) for c in entry.cited], ensure_ascii=False),
            entry.server, entry.channel, entry.message, entry.source, entry.context,
        )  # fmt: skip
        marks = ",".join("?" * len(row))
        try:
            with closing(self._connect()) as db, db:  # one transaction: all of it, or nothing
                db.execute(f"INSERT OR REPLACE INTO answers ({_COLUMNS}) VALUES ({marks})", row)
                db.execute("DELETE FROM answers WHERE created < ?", (now - self.max_age,))
                db.execute(
                    "DELETE FROM answers WHERE key NOT IN (SELECT key FROM answers ORDER BY created DESC LIMIT ?)",
                    (self.max_entries,),
                )
        except (OSError, sqlite3.Error) as exc:
            self._fail(exc)
            return
        if self._sources is not None:
            self._sources.update(i for i in (entry.source, entry.context) if i is not None)

    def bind(self, key: str, message: int, *, source: int | None = None) -> None:
        """Record the message an answer's buttons were posted on (and, when given, the message it quotes the words
        of); a click carrying the key on another message is then refused."""
        try:
            with closing(self._connect()) as db, db:
                db.execute("UPDATE answers SET message = ? WHERE key = ?", (message, key))
                if source is not None:
                    db.execute("UPDATE answers SET source = ? WHERE key = ?", (source, key))
        except (OSError, sqlite3.Error) as exc:
            self._fail(exc)
            return
        if source is not None and self._sources is not None:
            self._sources.add(source)

    def holds(self, ids: Iterable[int]) -> bool:
        """Tell whether a row quotes one of these messages (cheap: the ids are kept in memory)."""
        known = self._known()
        return any(i in known for i in ids)

    def _known(self) -> set[int]:
        """Return the source ids on disk, reading them the first time."""
        if self._sources is None:
            try:
                with closing(self._connect()) as db:
                    rows = db.execute(
                        "SELECT source FROM answers WHERE source IS NOT NULL "
                        "UNION SELECT context FROM answers WHERE context IS NOT NULL"
                    ).fetchall()
            except (OSError, sqlite3.Error) as exc:
                log.warning("cannot read the button store %s: %s", self.path, exc)
                return set()  # not kept: read again next time
            self._sources = {int(s) for (s,) in rows}
        return self._sources

    def asked(self) -> list[tuple[int | None, int, int]]:
        """Return (server, channel, message) of each message whose words a kept answer holds (to check at start)."""
        query = "SELECT DISTINCT server, channel, source FROM answers WHERE source IS NOT NULL AND channel IS NOT NULL"
        try:
            with closing(self._connect()) as db:
                rows = db.execute(query).fetchall()
        except (OSError, sqlite3.Error) as exc:
            log.warning("cannot read the button store %s: %s", self.path, exc)
            return []
        return [(None if s is None else int(s), int(channel), int(source)) for s, channel, source in rows]

    def posted_for(self, ids: Iterable[int]) -> list[tuple[int, int, Lang]]:
        """Return the answers posted to these messages' words: (channel, answer message, language) of each."""
        wanted = sorted(set(ids) & self._known())
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        query = (
            f"SELECT channel, message, lang FROM answers WHERE (source IN ({marks}) OR context IN ({marks})) "
            "AND message IS NOT NULL"
        )
        try:
            with closing(self._connect()) as db:
                rows = db.execute(query, wanted * 2).fetchall()
        except (OSError, sqlite3.Error) as exc:
            log.warning("cannot read the button store %s: %s", self.path, exc)
            return []
        return [(int(c), int(m), cast(Lang, lang)) for c, m, lang in rows if c is not None and lang in LANGUAGES]

    def purge_source(self, ids: Iterable[int]) -> int:
        """Drop every row quoting one of these messages (deleted on Discord), on disk and in memory; return how many.

        Their buttons then answer that the answer is gone; secure_delete leaves none of their text in the file.
        """
        wanted = sorted(set(ids) & self._known())
        if not wanted:
            return 0
        marks = ",".join("?" * len(wanted))
        try:
            with closing(self._connect()) as db, db:
                where = f"source IN ({marks}) OR context IN ({marks})"  # the question, or the one it followed up
                keys = [k for (k,) in db.execute(f"SELECT key FROM answers WHERE {where}", wanted * 2)]
                db.execute(f"DELETE FROM answers WHERE {where}", wanted * 2)
        except (OSError, sqlite3.Error) as exc:
            log.error("cannot drop deleted messages' answers from the button store %s: %s", self.path, exc)
            return 0
        for key in keys:
            self._live.pop(key, None)  # what this process posted goes too: a click then finds nothing
        self._sources = None
        return len(keys)

    def get(self, key: str) -> Entry | None:
        """Return the entry of a key; None when it expired, was dropped, or cannot be read."""
        try:
            with closing(self._connect()) as db:
                row = db.execute(f"SELECT {_COLUMNS} FROM answers WHERE key = ?", (key,)).fetchone()
        except (OSError, sqlite3.Error) as exc:
            log.warning("cannot read the button store %s: %s", self.path, exc)
            return None
        if row is None or row[1] < self.clock() - self.max_age:
            return None
        try:
            return _entry(row)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("skipped a damaged row of the button store %s: %s", self.path, exc)
            return None

    def keys(self) -> list[str]:
        """Return the keys kept on disk, oldest first (tests, and what SECURITY.md describes)."""
        try:
            with closing(self._connect()) as db:
                return [k for (k,) in db.execute("SELECT key FROM answers ORDER BY created")]
        except (OSError, sqlite3.Error):
            return []

    def remember(self, key: str, answer: object) -> None:
        """Keep what this process posted under `key`, in memory, the least recently used going past the bound."""
        self._live[key] = answer
        self._live.move_to_end(key)
        while len(self._live) > self.live_entries:
            self._live.popitem(last=False)

    def recall(self, key: str) -> object | None:
        """Return what this process posted under `key`, if still in memory."""
        found = self._live.get(key)
        if found is not None:
            self._live.move_to_end(key)
        return found


def _migrate(db: sqlite3.Connection) -> None:
    """Add the columns a file written by an older release lacks, then VACUUM it once: rows it deleted before
    secure_delete was on may still lie in its free pages."""
    have = {name for _, name, *_ in db.execute("PRAGMA table_info(answers)")}
    missing = [column for column in _PLACE if column not in have]
    if not missing:
        return
    with db:
        for column in missing:
            db.execute(f"ALTER TABLE answers ADD COLUMN {column} INTEGER")
    db.execute("VACUUM")  # outside a transaction, as SQLite requires
    log.info("the button store gained columns %s", ", ".join(missing))


def _id(value: object) -> int | None:
    """Return an id column's value, or None."""
    return None if value is None else int(cast(int, value))


def _entry(row: tuple[object, ...]) -> Entry:
    """Rebuild an entry from its row; raise ValueError when a field is not what was written."""
    _, created, question, kind, per_page, lang, asker, via, share, answered, cited, *place = row
    if kind not in ("question", "claim") or lang not in LANGUAGES:
        raise ValueError(f"unknown kind {kind!r} or language {lang!r}")
    refs = tuple((str(d), int(p), float(s)) for d, p, s in json.loads(str(cited)))
    server, channel, message, source, context = (_id(v) for v in place)
    return Entry(
        str(question), kind, int(cast(int, per_page)), lang,
        int(cast(int, asker)), str(via), bool(share), bool(answered), refs, float(cast(float, created)),
        server, channel, message, source, context,
    )  # fmt: skip


# The store of each running bot, found through an object every answer's buttons are given (the bot's gaps log):
# the commands that post answers need not know where the store lives.
_STORES: weakref.WeakKeyDictionary[object, ButtonStore] = weakref.WeakKeyDictionary()


def attach(owner: object, store: ButtonStore) -> None:
    """Make `store` the one found through `owner`."""
    _STORES[owner] = store


def store_of(owner: object) -> ButtonStore | None:
    """Return the store attached to `owner`, or None (a bot that never started: buttons work in memory only)."""
    try:
        return _STORES.get(owner)
    except TypeError:  # not weak-referenceable: nothing was attached to it
        return None
