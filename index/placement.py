"""Which collection each file joins: its deepest folder's, another it names when that is allowed, or none.

A file's sidecar or front matter may name another collection (`collection: security`); the rules of
`index.collections` decide whether it moves, stays, or is left out, so that a declaration only ever narrows who
may read a file. A symbolic link brings its target's text only into a collection at least as private as the
target's own (folder and declaration).
"""

from __future__ import annotations

import logging
from pathlib import Path

from .collections import Collection, Collections
from .ingest.files import corpus_files, declared_collection
from .text import shown_name

__all__ = ["Assigned", "assign", "collection_files", "files_of"]

log = logging.getLogger(__name__)

Assigned = dict[str, list[Path]] | None  # each collection's files; None: the single default collection, all of it


def _home(path: Path, collections: Collections) -> Collection | None:
    """Return the collection whose folder holds `path` most closely."""
    holders = [c for c in collections.items if path.is_relative_to(c.corpus_dir)]
    return max(holders, key=lambda c: len(c.corpus_dir.parts)) if holders else None


def collection_files(collections: Collections, name: str) -> list[Path] | None:
    """List the files of one collection (None with a single collection: all of its folder, the fast path)."""
    return files_of(assign(collections), name)


def assign(collections: Collections) -> Assigned:
    """Sort every file into its collection, reading each file's declaration once (None: a single collection)."""
    if collections.source is None and len(collections.items) == 1:
        return None
    assigned: dict[str, list[Path]] = {}
    for collection in collections.items:
        if not collection.corpus_dir.is_dir():
            continue
        for path in corpus_files(collection.corpus_dir):
            if _home(path, collections) != collection:
                continue  # listed once, under its deepest folder
            destination = _destination(path, collection, collections, warn=True)
            refusal = _link_refusal(path, destination, collections) if destination and path.is_symlink() else None
            if refusal:
                log.warning("skipped %s: %s", shown_name(path), refusal)
            elif destination is not None:
                assigned.setdefault(destination.name, []).append(path)
    return assigned


def _destination(path: Path, home: Collection, collections: Collections, *, warn: bool) -> Collection | None:
    """Return the collection a file joins: its folder's, the one it names when allowed, or None (left out)."""
    named = declared_collection(path)
    if named is None or named == home.name:
        return home
    say = log.warning if warn else log.debug
    known = {c.name: c for c in collections.items}
    if named not in known:
        say("%s names collection %r, which is not configured: it stays in %r", shown_name(path), named, home.name)
        return home
    target = known[named]
    if target.adopts(home):
        return target
    if home.within(target):  # a move to wider readers: refused, and the folder's narrower rule holds
        say(
            "%s names collection %r, which is searchable in places %r is not: it stays in %r",
            shown_name(path),
            named,
            home.name,
            home.name,
        )
        return home
    say(
        '%s names collection %r, which does not adopt files from %r (add adopt_from = ["%s"] to [collections.%s] '
        "in %s): it is left out of every collection until then",
        shown_name(path),
        named,
        home.name,
        home.name,
        named,
        shown_name(collections.source),
    )
    return None


def _link_refusal(link: Path, destination: Collection, collections: Collections) -> str | None:
    """Say why a symbolic link may not bring its target's text into `destination`, or None when it may."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return None  # a dangling link or a loop: reading it fails, and says so
    holder = _home(target, collections)
    if holder is None:
        return "a link to a file outside every collection's folder (copy the file in instead)"
    declared = _destination(target, holder, collections, warn=False)
    for origin in (holder, declared):
        if origin is None or not destination.within(origin):
            return (
                f"a link to a file of a collection searchable in fewer places than {destination.name!r} "
                "(a link never widens who may read a text: copy what may be public instead)"
            )
    return None


def files_of(assigned: Assigned, name: str) -> list[Path] | None:
    """Return one collection's files from `assign`'s result."""
    return None if assigned is None else assigned.get(name, [])
