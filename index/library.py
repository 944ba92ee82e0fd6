"""Several collections, each with its own index, answered together for the places allowed to search them.

A file belongs to the collection of the deepest configured folder holding it. Its sidecar or front matter may
name another collection (`collection: security`); the rules of `index.collections` decide whether it moves,
stays, or is left out, so that a declaration only ever narrows who may read a file. A symbolic link brings
its target's text only into a collection at least as private as the target's own (folder and declaration).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from index.builder import DEFAULT_CHUNK_TOKENS, Progress, build_index, check_index
from index.collections import Collection, Collections
from index.embedder import Embedder
from index.engine import QuoteEngine, open_engine
from index.errors import CorpusError, QuestionError
from index.loader import MAX_FILE_BYTES, corpus_files, declared_collection
from index.manifest import Manifest
from index.models import Answer
from index.storage import StoredIndex
from index.text import shown_name

__all__ = [
    "BuildOptions",
    "Library",
    "build_collections",
    "check_collections",
    "collection_files",
    "open_library",
    "rebuild_library",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
Assigned = dict[str, list[Path]] | None  # each collection's files; None: the single default collection, all of it


def _home(path: Path, collections: Collections) -> Collection | None:
    """Return the collection whose folder holds `path` most closely."""
    holders = [c for c in collections.items if path.is_relative_to(c.corpus_dir)]
    return max(holders, key=lambda c: len(c.corpus_dir.parts)) if holders else None


def collection_files(collections: Collections, name: str) -> list[Path] | None:
    """List the files of one collection (None with a single collection: all of its folder, the fast path)."""
    return _files_of(_assign(collections), name)


def _assign(collections: Collections) -> Assigned:
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
            shown_name(path), named, home.name, home.name,
        )
        return home
    say(
        '%s names collection %r, which does not adopt files from %r (add adopt_from = ["%s"] to [collections.%s] '
        "in %s): it is left out of every collection until then",
        shown_name(path), named, home.name, home.name, named, shown_name(collections.source),
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


def _files_of(assigned: Assigned, name: str) -> list[Path] | None:
    """Return one collection's files from `_assign`'s result."""
    return None if assigned is None else assigned.get(name, [])


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How every collection's index is built and opened."""

    chunk_tokens: int = DEFAULT_CHUNK_TOKENS
    index_type: str = "auto"
    progress: Progress | None = None
    on_rebuild: Callable[[str], None] | None = None
    max_file_bytes: int = MAX_FILE_BYTES


class Library:
    """The engines of several collections; answers merge the collections a question may search."""

    def __init__(self, collections: Collections, engines: Mapping[str, QuoteEngine]) -> None:
        self.collections = collections
        self.engines = dict(engines)
        first = next(iter(self.engines.values()))
        self.corpus_dir = first.corpus_dir  # the first collection's: what single-collection callers read
        self.stored: StoredIndex = first.stored

    def answer(
        self, question: str, top_k: int = 3, *, claim: bool = False, names: Sequence[str] | None = None
    ) -> Answer:
        """Answer from the named collections (default: all opened), the best passages of all first."""
        chosen = [n for n in (self.engines if names is None else names) if n in self.engines]
        if not chosen:
            raise QuestionError("no collection can be searched from here: ask an admin to map this channel to one")
        tag = len(self.collections.items) > 1  # name the collection only when there is a choice
        answers = []
        for name in chosen:
            answer = self.engines[name].answer(question, top_k, claim=claim)
            passages = tuple(replace(p, collection=name) for p in answer.passages) if tag else answer.passages
            answers.append(replace(answer, passages=passages))
        return answers[0] if len(answers) == 1 else _merge(question, answers, top_k)


def _merge(question: str, answers: list[Answer], top_k: int) -> Answer:
    """Merge several collections' answers: the answering ones' passages by score, else the most confident miss."""
    answered = [a for a in answers if a.answered]
    pool = answered or [max(answers, key=lambda a: a.confidence or 0.0)]
    passages = sorted((p for a in pool for p in a.passages), key=lambda p: -p.score)[:top_k]
    confidence = max((a.confidence for a in pool if a.confidence is not None), default=None)
    return Answer(question, bool(answered), tuple(passages), any(a.stale for a in answers), confidence)


def _left_out(collections: Collections, collection: Collection, error: CorpusError, chosen: int) -> CorpusError:
    """Warn that a collection without documents is left out; return the error to raise when none is left."""
    if collections.source is None:
        return error  # the single default collection: the message already names the folder and --corpus
    problem = CorpusError(
        f"collection {collection.name!r} has no readable document in {collection.corpus_dir}: "
        f"add documents there, or fix its path in {collections.source}"
    )
    if chosen > 1:
        log.warning("%s; it is left out until then", problem)
    return problem


def _each(collections: Collections, chosen: Sequence[Collection], work: Callable[[Collection], T]) -> dict[str, T]:
    """Run `work` for each chosen collection; one without documents is left out with a warning."""
    done: dict[str, T] = {}
    problems = []
    for collection in chosen:
        try:
            done[collection.name] = work(collection)
        except CorpusError as exc:
            problems.append(_left_out(collections, collection, exc, len(chosen)))
    if not done:
        raise problems[0]
    return done


def open_library(
    collections: Collections,
    index_root: Path,
    embedder: Embedder,
    chosen: Sequence[Collection],
    options: BuildOptions = BuildOptions(),
    *,
    rebuild: bool = True,
) -> Library:
    """Open the chosen collections' engines, rebuilding missing or stale indexes (unless told not to).

    A collection with no document yet is left out with a warning, so the others still answer.
    """
    return _open(collections, _assign(collections), index_root, embedder, chosen, options, rebuild=rebuild)


def _open(
    collections: Collections,
    assigned: Assigned,
    index_root: Path,
    embedder: Embedder,
    chosen: Sequence[Collection],
    options: BuildOptions,
    *,
    rebuild: bool,
) -> Library:
    """Open the chosen collections' engines over an assignment of files already made."""

    def one(collection: Collection) -> QuoteEngine:
        def noted(reason: str) -> None:
            if options.on_rebuild:
                options.on_rebuild(f"{collection.name}: {reason}" if collections.source else reason)

        return open_engine(
            collection.corpus_dir,
            collections.index_dir(index_root, collection.name),
            embedder,
            chunk_tokens=options.chunk_tokens,
            rebuild=rebuild,
            progress=options.progress,
            on_rebuild=noted,
            index_type=options.index_type,
            files=_files_of(assigned, collection.name),
            max_file_bytes=options.max_file_bytes,
        )

    return Library(collections, _each(collections, chosen, one))


def build_collections(
    collections: Collections,
    index_root: Path,
    embedder: Embedder,
    chosen: Sequence[Collection],
    options: BuildOptions = BuildOptions(),
) -> dict[str, Manifest]:
    """Build the chosen collections' indexes one after the other; one without documents is left out, warned."""
    return _build(collections, _assign(collections), index_root, embedder, chosen, options)


def _build(
    collections: Collections,
    assigned: Assigned,
    index_root: Path,
    embedder: Embedder,
    chosen: Sequence[Collection],
    options: BuildOptions,
) -> dict[str, Manifest]:
    """Build the chosen collections' indexes over an assignment of files already made."""

    def one(collection: Collection) -> Manifest:
        return build_index(
            collection.corpus_dir,
            collections.index_dir(index_root, collection.name),
            embedder,
            chunk_tokens=options.chunk_tokens,
            progress=options.progress,
            index_type=options.index_type,
            files=_files_of(assigned, collection.name),
            max_file_bytes=options.max_file_bytes,
        )

    return _each(collections, chosen, one)


def rebuild_library(
    collections: Collections,
    index_root: Path,
    embedder: Embedder,
    chosen: Sequence[Collection],
    options: BuildOptions = BuildOptions(),
) -> tuple[Library, dict[str, Manifest]]:
    """Build the chosen collections anew, then open every collection (a missing or stale one is built too).

    What /reindex does: the files are sorted into collections once, so a changed quotebot.toml takes effect
    in every collection at once, including those not chosen whose index no longer matches it.
    """
    assigned = _assign(collections)
    built = _build(collections, assigned, index_root, embedder, chosen, options) if chosen else {}
    others = [c for c in collections.items if c.name in built or c not in chosen]  # not those just left out
    return _open(collections, assigned, index_root, embedder, others, options, rebuild=True), built


def check_collections(
    collections: Collections,
    index_root: Path,
    chosen: Sequence[Collection],
    *,
    model: str,
    chunk_tokens: int,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> dict[str, str | None]:
    """Say, per chosen collection, why its index is stale (None when it is current)."""
    assigned = _assign(collections)
    return {
        c.name: check_index(
            c.corpus_dir,
            collections.index_dir(index_root, c.name),
            model=model,
            chunk_tokens=chunk_tokens,
            files=_files_of(assigned, c.name),
            max_file_bytes=max_file_bytes,
        )
        for c in chosen
    }
