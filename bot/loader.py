"""Open and rebuild the bot's engine, loading the embedding model once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from bot.settings import Settings
from index import Answer, Embedder, StoredIndex, make_embedder
from index.builder import Progress
from index.collections import Collections, load_collections
from index.library import BuildOptions, Library, build_collections, open_library

__all__ = ["Engine", "EngineLoader", "EngineSource"]

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

    def rebuild(self) -> Engine: ...


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

    def rebuild(self) -> Engine:
        """Build every collection's index anew and return engines on them; the old builds answer until then."""
        collections, embedder = self.collections(), self.embedder()
        chosen, options = list(collections.items), self.options()
        built = build_collections(collections, self.settings.index_dir, embedder, chosen, options)
        fresh = [collections.get(name) for name in built]  # a collection without documents was left out
        return open_library(collections, self.settings.index_dir, embedder, fresh, options, rebuild=False)
