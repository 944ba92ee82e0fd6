"""The bot's engine: the protocol the bot calls, and the loader that opens and rebuilds it (the model loaded once)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from ..index import (
    Answer,
    BuildOptions,
    Collection,
    Collections,
    CorpusError,
    Embedder,
    Library,
    MultilingualEmbedder,
    Source,
    load_collections,
    make_embedder,
    open_library,
)
from .settings import Settings

__all__ = ["Engine", "EngineLoader", "EngineSource", "Scope"]

log = logging.getLogger(__name__)

Scope = Callable[[Collection], bool]  # which collections a rebuild may be asked for (e.g. those a server sees)
Progress = Callable[[int, int], None]  # (texts embedded, total)


class Engine(Protocol):
    """What the bot calls on a library (tests pass a fake with the same shape)."""

    @property
    def collections(self) -> Collections: ...

    def answer(
        self,
        question: str,
        top_k: int = 3,
        *,
        claim: bool = False,
        names: Sequence[str] | None = None,
        server: int | None = None,
    ) -> Answer: ...

    def sources(self, names: Sequence[str] | None = None) -> list[Source]: ...

    def withhold(self, authors: frozenset[str], messages: frozenset[str] = frozenset()) -> None: ...


class EngineSource(Protocol):
    """Something that opens an engine (blocking) and rebuilds one from the corpus (blocking)."""

    def collections(self) -> Collections: ...

    def open(self) -> Engine: ...

    def rebuild(self, scope: Scope | None = None) -> Engine: ...

    def refresh(self, current: Engine, names: Sequence[str]) -> Engine: ...


class EngineLoader:
    """Open the library of the configured collections; both calls block, so run them in a thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._embedder: Embedder | None = None
        self._multilingual: Embedder | None = None
        self._collections: Collections | None = None

    def embedder(self) -> Embedder:
        """Return the embedding model, loading it on first use."""
        if self._embedder is None:
            s = self.settings
            # The ONNX export is cached in the index folder, next to the vectors it made.
            cache = s.model_cache_dir or s.index_dir
            self._embedder = make_embedder(s.model, backend=s.backend, cache_dir=cache, device=s.device)
        return self._embedder

    def collections(self) -> Collections:
        """Return the collections of quotebot.toml (one, over the corpus folder, without it)."""
        if self._collections is None:
            self._collections = self._read_config()
        return self._collections

    def _read_config(self) -> Collections:
        """Read quotebot.toml, Discord-sourced collections mirrored under the data folder."""
        s = self.settings
        return load_collections(s.config_file, s.corpus_dir, s.data_dir / "discord")

    def options(
        self, progress: Progress | None = None, on_rebuild: Callable[[str], None] | None = None
    ) -> BuildOptions:
        """Return the build options the settings ask for."""
        s = self.settings
        if s.multilingual and self._multilingual is None:
            self._multilingual = MultilingualEmbedder(threads=s.workers)  # loads its weights on first use only
        second = self._multilingual if s.multilingual else None
        return BuildOptions(s.chunk_tokens, s.index_type, progress, on_rebuild, int(s.max_file_mb * 2**20), second)

    def open(
        self,
        *,
        progress: Progress | None = None,
        on_rebuild: Callable[[str], None] | None = None,
        collection: str | None = None,
    ) -> Engine:
        """Load the indexes (one collection's, or all), building missing or stale ones first (logged)."""
        noted = on_rebuild or (lambda reason: log.info("building the index (%s)", reason))
        names = None if collection is None else [collection]
        collections = self.collections()
        options = self.options(progress, noted)
        try:
            return open_library(
                collections, self.settings.index_dir, embedder=self.embedder(), names=names, options=options
            )
        except CorpusError as exc:
            if not all(c.live for c in collections.items):
                raise  # a folder without documents: say so, as always
            # Only Discord channels with nothing read yet: start without them; each joins on its first message.
            return Library(collections, {}, empty=exc)

    def rebuild(self, scope: Scope | None = None) -> Engine:
        """Re-read quotebot.toml, build the collections in `scope` (default: all) anew, and open every collection.

        The new access rules come with the new engines, in one object: nothing is swapped until both are ready.
        An invalid quotebot.toml raises ConfigError and changes nothing, so the running engine keeps answering.
        A collection outside `scope` is rebuilt only when its index no longer matches the corpus or the config.
        """
        collections = self._read_config()
        fresh = [c.name for c in collections.items if scope is None or scope(c)]
        library = open_library(
            collections, self.settings.index_dir, embedder=self.embedder(), fresh=fresh, options=self.options()
        )
        self._collections = collections
        return library

    def refresh(self, current: Engine, names: Sequence[str]) -> Engine:
        """Rebuild the named collections (Discord mirrors that changed) and return `current` with them swapped in.

        Only their folders are read (not every collection's, on each Discord change). A collection left with no
        document (every message deleted) is dropped from the result, never kept old.
        """
        collections = self.collections()
        changed = Collections(tuple(c for c in collections.items if c.name in names), collections.source)
        empty: CorpusError | None = None
        try:
            library = open_library(
                changed, self.settings.index_dir, embedder=self.embedder(), fresh=names, options=self.options()
            )
            engines = library.engines
        except CorpusError as exc:
            engines, empty = {}, exc
        kept = {n: e for n, e in current.engines.items() if n not in names} if isinstance(current, Library) else {}
        return Library(collections, {**kept, **engines}, empty=empty)
