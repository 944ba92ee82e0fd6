"""The corpus watched while the bot (or `quotebot chat`) runs: a burst of file changes, one rebuild.

watchfiles reports changes under the collections' folders (inotify; polling with `QUOTEBOT_WATCH_POLL=true`
for file systems without notifications, e.g. network shares), grouped: it waits until the folder has been
quiet for `debounce` before reporting, and what changes during a rebuild is reported once it ends. Each
report names the collections whose folders changed (every one when quotebot.toml itself changed); the
caller rebuilds those off the loop and swaps the engine when the new index is complete, as /reindex does.
Discord-sourced collections are not watched here: their mirrors follow the gateway (bot/live.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import watchfiles

from ..index import Collection, Collections, QuotebotError
from .engines import Engine, EngineSource
from .settings import Settings

__all__ = [
    "Changed",
    "WatchedEngine",
    "changed_collections",
    "scope_of",
    "watch_changes",
    "watch_changes_sync",
    "watched_paths",
]

log = logging.getLogger(__name__)

Changed = set[str] | None  # the collections to rebuild; None: all of them (quotebot.toml changed)
# watchfiles reports a burst once no change came for `step` ms (our quiet time), or after `debounce` ms of
# changes without such a pause: a burst that long is reported in minute-long parts.
_LONGEST_BURST_MS = 60_000


def watched_paths(collections: Collections) -> list[Path]:
    """Return the folders to watch (each collection's, Discord mirrors left out) and quotebot.toml."""
    folders = {c.corpus_dir for c in collections.items if not c.live and c.corpus_dir.is_dir()}
    paths = sorted(folders)
    if collections.source is not None and collections.source.exists():
        paths.append(collections.source)
    return paths


def changed_collections(collections: Collections, paths: Iterable[Path]) -> Changed:
    """Name the collections whose folders hold a changed path (the deepest folder's); None if the config changed."""
    names: set[str] = set()
    for path in paths:
        if collections.source is not None and path == collections.source:
            return None
        holders = [c for c in collections.items if not c.live and path.is_relative_to(c.corpus_dir)]
        if holders:
            names.add(max(holders, key=lambda c: len(c.corpus_dir.parts)).name)
    return names


def _paths(changes: set[tuple[watchfiles.Change, str]]) -> list[Path]:
    return [Path(p) for _, p in changes]


def _options(debounce: float, poll: bool) -> dict[str, Any]:
    """Return watchfiles' options: a burst is reported after `debounce` seconds of quiet."""
    return {"debounce": _LONGEST_BURST_MS, "step": int(debounce * 1000), "force_polling": poll, "recursive": True}


async def watch_changes(current: Callable[[], Collections], *, debounce: float, poll: bool) -> AsyncIterator[Changed]:
    """Yield, after each burst of changes, the collections that changed (the loop is never blocked).

    `current()` gives the collections in force: after quotebot.toml changed (None yielded, and the caller
    rebuilt), the folders they name are watched anew.
    """
    while paths := watched_paths(collections := current()):
        log.info("watching %d folder(s) for changes%s", len(paths), " (polling)" if poll else "")
        async for changes in watchfiles.awatch(*paths, **_options(debounce, poll)):
            changed = changed_collections(collections, _paths(changes))
            if changed is None or changed:
                yield changed
            if changed is None:
                break
        else:
            return


def watch_changes_sync(
    current: Callable[[], Collections], *, debounce: float, poll: bool, stop: threading.Event
) -> Iterator[Changed]:
    """Do what `watch_changes` does in a thread of its own, until `stop` is set."""
    while paths := watched_paths(collections := current()):
        for changes in watchfiles.watch(*paths, **_options(debounce, poll), stop_event=stop):
            changed = changed_collections(collections, _paths(changes))
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

        def current() -> Collections:
            return self.engine.collections  # the rules of the engine answering now

        for changed in watch_changes_sync(current, debounce=s.watch_debounce, poll=s.watch_poll, stop=self._stop):
            try:
                self.engine = self.loader.rebuild(scope_of(changed))  # one reference assignment: the swap
            except QuotebotError as exc:
                log.warning("files changed but the index was not rebuilt: %s", exc)
