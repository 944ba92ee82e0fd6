"""A library: the collections of quotebot.toml (or one folder, a library of one), each with its own index.

`open_library` is the front door: it opens (building when missing or stale) the index of each collection, and
`Library.answer` merges the answers of the collections a place may search. Which file joins which collection is
`index.placement`'s business; how one index is built, `index.build`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from .answer.engine import SECOND_PASSAGE_SHARE, QuoteEngine
from .build import DEFAULTS, BuildOptions, StrPath, build_index, check_index, open_engine
from .collections import Collection, Collections, default_collections
from .embed.base import DEFAULT_MODEL, Embedder
from .embed.factory import make_embedder
from .errors import CorpusError, OtherCorpusError, QuestionError, QuotebotError
from .ingest.extract import parse_jump_link
from .ingest.files import SUFFIXES, corpus_files, doc_id_of
from .models import Answer, Passage, Source
from .placement import Assigned, assign, files_of
from .store.layout import read_manifest
from .store.manifest import Manifest
from .update import saved, updated

__all__ = [
    "Library",
    "build_library",
    "check_library",
    "open_library",
    "preflight",
    "save_library",
    "update_library",
]

log = logging.getLogger(__name__)

T = TypeVar("T")


class Library:
    """The engines of one or several collections; answers merge the collections a question may search."""

    def __init__(
        self, collections: Collections, engines: Mapping[str, QuoteEngine], *, empty: CorpusError | None = None
    ) -> None:
        self.collections = collections
        self.engines = dict(engines)
        self._empty = empty  # why there is no engine at all (Discord channels with nothing read yet)

    def answer(
        self,
        question: str,
        top_k: int = 3,
        *,
        claim: bool = False,
        names: Sequence[str] | None = None,
        server: int | None = None,
    ) -> Answer:
        """Answer from the named collections (default: all opened), the best passages of all first.

        `server`: the Discord server asking (0 for a DM); Discord messages are quoted in their own server only.
        """
        chosen = [n for n in (self.engines if names is None else names) if n in self.engines]
        if not self.engines and self._empty is not None:
            raise self._empty
        if not chosen:
            raise QuestionError("no collection can be searched from here: ask an admin to map this channel to one")
        tag = len(self.collections.items) > 1  # name the collection only when there is a choice
        answers = []
        for name in chosen:
            answer = self.engines[name].answer(question, top_k, claim=claim, server=server)
            passages = tuple(replace(p, collection=name) for p in answer.passages) if tag else answer.passages
            answers.append(replace(answer, passages=passages))
        return answers[0] if len(answers) == 1 else _merge(question, answers, top_k)

    def quotable(
        self, passages: Sequence[Passage], *, names: Sequence[str] | None = None, server: int | None = None
    ) -> tuple[Passage, ...]:
        """Return the passages that the named collections (default: all) would still quote now, in order.

        Each is checked as a new answer checks it: its collection searchable here, its span still indexed with
        the same words, verbatim in its file, its author not withheld, its message not hidden, from `server`.
        A passage that fails is left out; a duplicate's citation that fails is dropped from `also_in`.
        """
        allowed = [n for n in (self.engines if names is None else names) if n in self.engines]
        kept = []
        for passage in passages:
            # A passage names its collection when several are configured; else any allowed one may hold it.
            where = allowed if passage.collection is None else [n for n in allowed if n == passage.collection]
            engines = [self.engines[n] for n in where]
            p = passage
            engine = next((e for e in engines if e.quotable(p.doc_id, p.start, p.end, p.text, server)), None)
            if engine is None:
                continue
            also = tuple(
                replace(c, title=engine.title_of(c.doc_id) or c.title)
                for c in p.also_in
                if engine.quotable(c.doc_id, c.start, c.end, None, server)
            )
            # the title as it is now: a thread renamed since is never cited by its old name
            kept.append(replace(p, title=engine.title_of(p.doc_id) or p.title, also_in=also))
        return tuple(kept)

    def withhold(self, authors: frozenset[str], messages: frozenset[str] = frozenset()) -> None:
        """Never quote what these Discord authors (ids) wrote, nor these messages (jump links), from now on."""
        for engine in self.engines.values():
            engine.withheld = frozenset(authors)
            engine.hidden = frozenset(messages)

    def sources(self, names: Sequence[str] | None = None) -> list[Source]:
        """List the documents of the named collections (default: all opened), in index order."""
        named = self.collections.source is not None  # collections are named when quotebot.toml defines them
        chosen = [n for n in self.engines if names is None or n in names]
        return [s for n in chosen for s in _sources(self.engines[n], n if named else None)]


def _sources(engine: QuoteEngine, collection: str | None) -> list[Source]:
    """List one index's documents with their paragraph (the highest ¶ cited) and passage counts, and server.

    A Discord channel (a mirror or an export) has its server in its messages' jump links: its title and name
    are its server's to see, as its messages are.
    """
    paragraphs: dict[str, int] = {}
    passages: dict[str, int] = {}
    servers: dict[str, int] = {}
    stored = engine.stored
    for chunk in (c for row, c in enumerate(stored.chunks) if stored.is_live(row)):
        paragraphs[chunk.doc_id] = max(paragraphs.get(chunk.doc_id, 0), chunk.last_paragraph)
        passages[chunk.doc_id] = passages.get(chunk.doc_id, 0) + 1
        if chunk.url and chunk.doc_id not in servers and (ids := parse_jump_link(chunk.url)) is not None:
            servers[chunk.doc_id] = ids[0]
    return [
        Source(
            d.doc_id,
            engine.corpus_dir / d.doc_id,
            d.title or d.doc_id,
            d.date,
            paragraphs.get(d.doc_id, 0),
            passages.get(d.doc_id, 0),
            collection,
            servers.get(d.doc_id),
        )
        for d in engine.stored.manifest.documents
    ]


def _merge(question: str, answers: list[Answer], top_k: int) -> Answer:
    """Merge several collections' answers on one scale, the calibrated confidence, with one collection's rule.

    The fused scores of separately built indexes are not comparable (each reads its own corpus's BM25 and
    noise floor), so the most confident answer leads. Another answering collection's passage follows only
    when its own confidence is at least SECOND_PASSAGE_SHARE of the first's, as a later passage of one
    collection must score near the first. Without an answering collection, the most confident miss is shown.
    """
    answered = [a for a in answers if a.answered]
    best = max(answered or answers, key=lambda a: a.confidence or 0.0)
    if not answered:
        return replace(best, stale=any(a.stale for a in answers))
    bar = SECOND_PASSAGE_SHARE * (best.confidence or 0.0)
    others = [p for a in answered if a is not best for p in a.passages if (p.confidence or 0.0) >= bar]
    later = sorted([*best.passages[1:], *others], key=lambda p: -(p.confidence or 0.0))
    passages = (*best.passages[:1], *later)  # the answer's confidence is its first passage's: it stays first
    return Answer(question, True, passages[:top_k], any(a.stale for a in answers), best.confidence)


def _left_out(collections: Collections, collection: Collection, error: CorpusError, chosen: int) -> CorpusError:
    """Warn that a collection without documents is left out; return the error to raise when none is left."""
    if collections.source is None:
        return error  # the single default collection: the message already names the folder and --corpus
    problem = CorpusError(
        f"collection {collection.name!r} has no message to quote yet from its Discord channels: "
        "it joins once the bot has read one (check the channel ids and the bot's access if that never happens)"
        if collection.live
        else f"collection {collection.name!r} has no readable document in {collection.corpus_dir}: "
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


def _collections_of(corpus: StrPath | Collections) -> Collections:
    """Return the collections of quotebot.toml as given, or a library of one over a folder."""
    return corpus if isinstance(corpus, Collections) else default_collections(Path(corpus))


def _chosen(collections: Collections, names: Sequence[str] | None) -> list[Collection]:
    """Return the named collections (every one by default); an unknown name is a ConfigError listing the known."""
    return list(collections.items) if names is None else [collections.get(name) for name in names]


def open_library(
    corpus: StrPath | Collections,
    index_dir: StrPath,
    *,
    embedder: Embedder | Callable[[], Embedder] | None = None,
    names: Sequence[str] | None = None,
    fresh: Sequence[str] = (),
    options: BuildOptions = DEFAULTS,
    rebuild: bool = True,
) -> Library:
    """Open a library: a folder of documents (a library of one) or the collections of quotebot.toml.

    Each index is built first when missing or stale (unless `rebuild` is False: then StaleIndexError). `names`
    picks the collections to open (default: all); `fresh` names collections to build anew first, whatever their
    state (what /reindex does). The files are sorted into collections once, so a changed quotebot.toml takes
    effect in every collection at once. A collection with no document yet is left out with a warning. The
    embedder defaults to `make_embedder()` with its ONNX export kept in the index folder; a function that
    loads one is called only after `preflight`, so a wrong path fails before the model loads.
    """
    collections, index_dir = _collections_of(corpus), Path(index_dir)
    chosen = _chosen(collections, names)
    preflight(collections, index_dir, options)  # before the model loads: a wrong path costs nothing
    embedder = _model(embedder, index_dir)
    assigned = assign(collections)
    rebuilt = _chosen(collections, fresh)
    built = _build(collections, assigned, index_dir, embedder, rebuilt, options) if rebuilt else {}
    chosen = [c for c in chosen if c.name in built or c not in rebuilt]  # not those just left out, empty
    return Library(collections, _open(collections, assigned, index_dir, embedder, chosen, options, rebuild=rebuild))


def _model(embedder: Embedder | Callable[[], Embedder] | None, index_dir: Path) -> Embedder:
    """Return the model: the one given, the one a loader gives once the paths are checked, or the default."""
    if isinstance(embedder, Embedder):
        return embedder
    return embedder() if embedder is not None else make_embedder(cache_dir=index_dir)


def preflight(collections: Collections, index_dir: Path, options: BuildOptions = DEFAULTS) -> None:
    """Refuse, before any work, a missing folder of documents, and an index folder built from another one.

    Only a library of one folder (no quotebot.toml) is checked for the second: its index folder is named by
    the caller (`--index`, default `.quotebot/index`), so `ask --corpus OTHER` would otherwise replace the
    index of the folder it was built from. A collection of quotebot.toml has its own index folder, by name.
    """
    if collections.source is not None:
        return
    (collection,) = collections.items
    if not corpus_files(collection.corpus_dir):  # CorpusError, in one line, when the folder does not exist
        raise CorpusError(
            f"corpus folder {collection.corpus_dir} has no readable document ({', '.join(SUFFIXES)}): "
            "add documents, or pass --corpus DIR"
        )
    folder = collections.index_dir(index_dir, collection.name)
    try:
        built_from = read_manifest(folder).corpus
    except QuotebotError:
        return  # no index yet, or one that cannot be read: building it replaces nothing of use
    here = str(collection.corpus_dir.resolve())
    if built_from is not None and built_from != here and not options.replace_other:
        raise OtherCorpusError(
            f"{folder} holds the index of {built_from}, not of {here}: pass --index DIR to keep both, "
            "or --replace-index to rebuild it from this folder"
        )


def _open(
    collections: Collections,
    assigned: Assigned,
    index_dir: Path,
    embedder: Embedder,
    chosen: Sequence[Collection],
    options: BuildOptions,
    *,
    rebuild: bool,
) -> dict[str, QuoteEngine]:
    """Open the chosen collections' engines over an assignment of files already made."""

    def one(collection: Collection) -> QuoteEngine:
        def noted(reason: str) -> None:
            if options.on_rebuild:
                options.on_rebuild(f"{collection.name}: {reason}" if collections.source else reason)

        folder = collections.index_dir(index_dir, collection.name)
        told = replace(options, on_rebuild=noted, show_authors=collection.show_authors)
        files = files_of(assigned, collection.name)
        return open_engine(collection.corpus_dir, folder, embedder, told, files=files, rebuild=rebuild)

    return _each(collections, chosen, one)


def update_library(library: Library, names: Sequence[str], options: BuildOptions = DEFAULTS) -> Library | None:
    """Return the library with the named collections' changed files applied in place (index.update), at once.

    None when one of them must be built anew (another model or option, too many rows changed, no document
    left, not opened): the caller builds them as `open_library(fresh=names)` does. `save_library` writes the
    result to disk; until then a restart finds those indexes stale.
    """
    assigned = assign(library.collections)
    engines = dict(library.engines)
    # A file a sidecar moved into another collection changed that collection too, though not its folder.
    moved = [n for n, e in engines.items() if n not in names and _holds_other_files(e, assigned, library, n)]
    for name in [*names, *moved]:
        if name not in engines:
            return None
        collection = library.collections.get(name)
        told = replace(options, show_authors=collection.show_authors)
        engine = updated(engines[name], told, files_of(assigned, name), collection.corpus_dir)
        if engine is None:
            return None
        engines[name] = engine
    return Library(library.collections, engines)


def _holds_other_files(engine: QuoteEngine, assigned: Assigned, library: Library, name: str) -> bool:
    """Tell whether a collection's files are no longer those its index was built from (sidecars moved some)."""
    files = files_of(assigned, name)
    if files is None:
        return False  # one collection, its whole folder: any change there is in scope
    manifest = engine.stored.manifest
    known = {d.doc_id for d in manifest.documents} | manifest.skipped.keys()
    folder = library.collections.get(name).corpus_dir
    return {doc_id_of(path, folder) for path in files} != known


def save_library(library: Library) -> Library:
    """Write every index updated in place as a build of its own; return the library over those builds."""
    return Library(library.collections, {name: saved(engine) for name, engine in library.engines.items()})


def build_library(
    corpus: StrPath | Collections,
    index_dir: StrPath,
    *,
    embedder: Embedder | Callable[[], Embedder] | None = None,
    names: Sequence[str] | None = None,
    options: BuildOptions = DEFAULTS,
) -> dict[str, Manifest]:
    """Build the named collections' indexes (default: all) one after the other; one without documents is left out."""
    collections, index_dir = _collections_of(corpus), Path(index_dir)
    chosen = _chosen(collections, names)
    preflight(collections, index_dir, options)
    embedder = _model(embedder, index_dir)
    return _build(collections, assign(collections), index_dir, embedder, chosen, options)


def _build(
    collections: Collections,
    assigned: Assigned,
    index_dir: Path,
    embedder: Embedder,
    chosen: Sequence[Collection],
    options: BuildOptions,
) -> dict[str, Manifest]:
    """Build the chosen collections' indexes over an assignment of files already made."""

    def one(collection: Collection) -> Manifest:
        folder = collections.index_dir(index_dir, collection.name)
        told = replace(options, show_authors=collection.show_authors)
        return build_index(collection.corpus_dir, folder, embedder, told, files=files_of(assigned, collection.name))

    return _each(collections, chosen, one)


def check_library(
    corpus: StrPath | Collections,
    index_dir: StrPath,
    *,
    model: str = DEFAULT_MODEL,
    names: Sequence[str] | None = None,
    options: BuildOptions = DEFAULTS,
) -> dict[str, str | None]:
    """Say, per named collection (default: all), why its index is stale (None when it is current)."""
    collections, index_dir = _collections_of(corpus), Path(index_dir)
    assigned = assign(collections)
    return {
        c.name: check_index(
            c.corpus_dir,
            collections.index_dir(index_dir, c.name),
            model=model,
            options=replace(options, show_authors=c.show_authors),
            files=files_of(assigned, c.name),
        )
        for c in _chosen(collections, names)
    }
