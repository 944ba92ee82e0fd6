"""Open and rebuild the bot's engine, loading the embedding model once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from bot.settings import Settings
from index import Answer, Embedder, StoredIndex, make_embedder
from index.builder import Progress
from index.collections import Collection, Collections, load_collections
from index.library import BuildOptions, Library, open_library, rebuild_library

__all__ = ["Engine", "EngineLoader", "EngineSource", "Scope"]

Scope = Callable[[Collection], bool]  # which collections a rebuild may be asked for (e.g. those a server sees)

log = logging.getLogger("quotebot.loader")


class Engine(Protocol):
    """What the bot needs of a QuoteEngine (tests pass a fake with the same shape)."""

    @property
    def corpus_dir(self) -> Path: ...

    @property
    def stored(self) -> StoredIndex: ...

    @property
    def collections(self) -> Collections: ...

    def answer(
        self, question: str, top_k: int = 3, *, claim: bool = False, names: Sequence[str] | None = None
    ) -> Answer: ...


class EngineSource(Protocol):
    """Something that opens an engine (blocking) and rebuilds one from the corpus (blocking)."""

    def open(self) -> Engine: ...

    def rebuild(self, scope: Scope | None = None) -> Engine: ...


class EngineLoader:
    """Open the engines of the configured collections; both calls block, so run them in a thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._embedder: Embedder | None = None
        self._collections: Collections | None = None

    def embedder(self) -> Embedder:
        """Return the embedding model, loading it on first use."""
        if self._embedder is None:
            s = self.settings
            # The ONNX export is cached in the index folder, next to the vectors it made.
            self._embedder = make_embedder(s.model, backend=s.backend, cache_dir=s.index_dir, device=s.device)
        return self._embedder

    def collections(self) -> Collections:
        """Return the collections of quotebot.toml (one, over the corpus folder, without it)."""
        if self._collections is None:
            self._collections = load_collections(self.settings.config_file, self.settings.corpus_dir)
        return self._collections

    def options(
        self, progress: Progress | None = None, on_rebuild: Callable[[str], None] | None = None
    ) -> BuildOptions:
        """Return the build options the settings ask for."""
        s = self.settings
        return BuildOptions(s.chunk_tokens, s.index_type, progress, on_rebuild, int(s.max_file_mb * 2**20))

    def open(
        self,
        *,
        progress: Progress | None = None,
        on_rebuild: Callable[[str], None] | None = None,
        collection: str | None = None,
    ) -> Library:
        """Load the indexes (one collection's, or all), building missing or stale ones first (logged)."""
        collections = self.collections()
        noted = on_rebuild or (lambda reason: log.info("building the index (%s)", reason))
        chosen = collections.for_cli(collection)
        return open_library(
            collections, self.settings.index_dir, self.embedder(), chosen, self.options(progress, noted)
        )

    def rebuild(self, scope: Scope | None = None) -> Engine:
        """Re-read quotebot.toml, build the collections in `scope` (default: all) anew, and open every collection.

        The new access rules come with the new engines, in one object: nothing is swapped until both are ready.
        An invalid quotebot.toml raises ConfigError and changes nothing, so the running engine keeps answering.
        A collection outside `scope` is rebuilt only when its index no longer matches the corpus or the config.
        """
        collections = load_collections(self.settings.config_file, self.settings.corpus_dir)
        chosen = [c for c in collections.items if scope is None or scope(c)]
        library, _ = rebuild_library(collections, self.settings.index_dir, self.embedder(), chosen, self.options())
        self._collections = collections
        return library
