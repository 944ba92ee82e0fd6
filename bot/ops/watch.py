"""The corpus watched while the bot (or `quotebot chat`) runs: a burst of file changes, one rebuild.

watchfiles reports changes under the collections' folders (inotify; polling with `QUOTEBOT_WATCH_POLL=true`
for file systems without notifications, e.g. network shares), grouped: it waits until the folder has been
quiet for `debounce` before reporting, and what changes during a rebuild is reported once it ends. Each
report names the collections whose folders changed (every one when quotebot.toml itself changed); the
caller rebuilds those off the loop and swaps the engine when the new index is complete, as /reindex does.
Discord-sourced collections are not watched here: their mirrors follow the gateway (bot/sources/live.py).

quotebot.toml is also looked at every second, since a notification is lost when the file is replaced or comes
back between two watches. While it is missing, the rules read from it stay in force (the rebuild refuses a
missing file as an invalid one) and only its folder is watched, for its return, which rebuilds everything.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import watchfiles

from ...index import Collection, QuotebotError
from .engines import Engine, EngineSource
from .settings import Settings

__all__ = [
    "Changed",
    "Watched",
    "WatchedEngine",
    "changed_collections",
    "scope_of",
    "watch_changes",
    "watch_changes_sync",
    "watched_paths",
]

log = logging.getLogger(__name__)

Changed = set[str] | None  # the collections to rebuild; None: all of them (quotebot.toml changed)
Stamp = tuple[int, int, int] | None  # what tells one version of a file from the next; None: no file
# watchfiles reports a burst once no change came for `step` ms (our quiet time), or after `debounce` ms of
# changes without such a pause: a burst that long is reported in minute-long parts.
_LONGEST_BURST_MS = 60_000
# How often quotebot.toml is looked at besides its notifications: a notification is lost when the file is
# replaced (an editor's save, `git stash pop`) or comes back between a look and the next watch.
_CONFIG_LOOK_MS = 1_000


class Watched(Protocol):
    """What the watcher follows: the collections' folders and the quotebot.toml they came from (Collections, Config)."""

    @property
    def items(self) -> tuple[Collection, ...]: ...

    @property
    def source(self) -> Path | None: ...


def watched_paths(collections: Watched) -> list[Path]:
    """Return the folders to watch (each collection's, Discord mirrors left out) and quotebot.toml."""
    folders = {c.corpus_dir for c in collections.items if not c.live and c.corpus_dir.is_dir()}
    paths = sorted(folders)
    if collections.source is not None and collections.source.exists():
        paths.append(collections.source)
    return paths


def changed_collections(collections: Watched, paths: Iterable[Path]) -> Changed:
    """Name the collections whose folders hold a changed path (the deepest folder's); None if the config changed."""
    names: set[str] = set()
    source = _absolute(collections.source) if collections.source is not None else None
    for path in map(_absolute, paths):  # watchfiles reports paths as given (polling) or made absolute (inotify)
        if path == source:
            return None
        holders = [c for c in collections.items if not c.live and path.is_relative_to(c.corpus_dir)]
        if holders:
            names.add(max(holders, key=lambda c: len(c.corpus_dir.parts)).name)
    return names


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _stamp(path: Path | None) -> Stamp:
    """Return the file's identity, time and size (None without the file)."""
    try:
        found = path.stat() if path is not None else None
    except OSError:
        return None
    return None if found is None else (found.st_ino, found.st_mtime_ns, found.st_size)


def _plan(watched: Watched, debounce: float, poll: bool) -> tuple[list[Path], dict[str, Any]]:
    """Return the paths to watch and watchfiles' options (a burst is reported after `debounce` seconds of quiet).

    While quotebot.toml is missing (the rules it set stay in force), only its folder is watched, for its return:
    a watch on the file itself ends with the file, and nothing else can be rebuilt without it.
    """
    options: dict[str, Any] = {"debounce": _LONGEST_BURST_MS, "step": int(debounce * 1000), "force_polling": poll}
    options |= {"rust_timeout": _CONFIG_LOOK_MS, "yield_on_timeout": True}
    source = watched.source
    if source is None or source.exists():
        return watched_paths(watched), options | {"recursive": True}
    config = _absolute(source)
    return [source.parent], options | {"recursive": False, "watch_filter": lambda _, p: _absolute(Path(p)) == config}


class _Look:
    """Decide what a batch of changes means, noticing a quotebot.toml changed while nothing watched it."""

    def __init__(self, watched: Watched) -> None:
        self.seen = _stamp(watched.source)  # the file as it was when the rules in force were read (or near)

    def changed(self, watched: Watched, changes: set[tuple[watchfiles.Change, str]]) -> Changed:
        """Return what to rebuild (empty: nothing); None, the config, also when its file differs from the last seen."""
        changed = changed_collections(watched, (Path(p) for _, p in changes)) if changes else set()
        now = _stamp(watched.source)
        if changed is None or now != self.seen:
            self.seen = now  # the version (or absence) the rebuild reads
            return None
        return changed


async def watch_changes(current: Callable[[], Watched], *, debounce: float, poll: bool) -> AsyncIterator[Changed]:
    """Yield, after each burst of changes, the collections that changed (the loop is never blocked).

    `current()` gives what is in force: after quotebot.toml changed (None yielded, and the caller rebuilt, or
    failed to), the folders it names are watched anew, or the file's folder while the file is missing.
    """
    look = _Look(current())
    while True:
        paths, options = _plan(watched := current(), debounce, poll)
        if not paths:
            return
        log.info("watching %d path(s) for changes%s", len(paths), " (polling)" if poll else "")
        async for changes in watchfiles.awatch(*paths, **options):
            changed = look.changed(watched, changes)
            if changed is None or changed:
                yield changed
            if changed is None:
                break
        else:
            return


def watch_changes_sync(
    current: Callable[[], Watched], *, debounce: float, poll: bool, stop: threading.Event
) -> Iterator[Changed]:
    """Do what `watch_changes` does in a thread of its own, until `stop` is set."""
    look = _Look(current())
    while not stop.is_set():
        paths, options = _plan(watched := current(), debounce, poll)
        if not paths:
            return
        log.info("watching %d path(s) for changes%s", len(paths), " (polling)" if poll else "")
        for changes in watchfiles.watch(*paths, **options, stop_event=stop):
            changed = look.changed(watched, changes)
            if changed is None or changed:
                yield changed
            if changed is None:
                break
        else:
            return


def scope_of(changed: Changed) -> Callable[[Collection], bool] | None:
    """Return the rebuild scope for a report: the changed collections, or None (all)."""
    if changed is None:
        return None
    names = frozenset(changed)
    return lambda collection: collection.name in names


class WatchedEngine:
    """The terminal's engine, swapped by a watcher thread when the corpus changes (`quotebot chat`).

    Used as a context manager: entering starts the thread (unless QUOTEBOT_WATCH=false) and returns a
    function giving the engine that answers now; leaving stops the thread.
    """

    def __init__(self, loader: EngineSource, engine: Engine, settings: Settings) -> None:
        self.loader, self.engine, self.settings = loader, engine, settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Callable[[], Engine]:
        if self.settings.watch:
            self._thread = threading.Thread(target=self._run, name="quotebot-watch", daemon=True)
            self._thread.start()
        return lambda: self.engine

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        """Rebuild what changed after each burst (one at a time); the old engine answers until the new one is whole."""
        s = self.settings

        def current() -> Watched:
            return self.engine.collections  # the rules of the engine answering now

        for changed in watch_changes_sync(current, debounce=s.watch_debounce, poll=s.watch_poll, stop=self._stop):
            try:  # each a reference assignment: the swap; changed files are applied in place, then written
                self.engine = self.loader.rebuild(scope_of(changed), current=self.engine)
                self.engine = self.loader.save(self.engine)
            except (QuotebotError, OSError) as exc:
                log.warning("files changed but the index was not rebuilt: %s", exc)
