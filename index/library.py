"""Several collections, each with its own index, answered together for the places allowed to search them.

A file belongs to the collection of the deepest configured folder holding it, unless its sidecar or
front matter names another configured collection (`collection: security`), which then adopts it.
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

__all__ = ["BuildOptions", "Library", "build_collections", "check_collections", "collection_files", "open_library"]

log = logging.getLogger(__name__)

T = TypeVar("T")


def _home(path: Path, collections: Collections) -> str | None:
    """Return the collection whose folder holds `path` most closely."""
    holders = [c for c in collections.items if path.is_relative_to(c.corpus_dir)]
    return max(holders, key=lambda c: len(c.corpus_dir.parts)).name if holders else None


def collection_files(collections: Collections, name: str) -> list[Path] | None:
    """List the files of one collection (None with a single collection: all of its folder, the fast path)."""
    return _files_of(_assign(collections), name)


def _assign(collections: Collections) -> dict[str, list[Path]] | None:
    """Sort every file into its collection, reading each file's declaration once (None: a single collection)."""
    if collections.source is None and len(collections.items) == 1:
        return None
    known = set(collections.names())
    assigned: dict[str, list[Path]] = {}
    for collection in collections.items:
        if not collection.corpus_dir.is_dir():
            continue
        for path in corpus_files(collection.corpus_dir):
            home = _home(path, collections)
            if home != collection.name:
                continue  # listed once, under its deepest folder
            declared = declared_collection(path)
            if declared is not None and declared not in known:
                log.warning("%s names collection %r, which is not configured: it stays in %r", path, declared, home)
                declared = None
            assigned.setdefault(declared or home, []).append(path)
    return assigned


def _files_of(assigned: dict[str, list[Path]] | None, name: str) -> list[Path] | None:
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

    assigned = _assign(collections)  # once for every collection: it reads each file's sidecar and head

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

    assigned = _assign(collections)

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
