"""Open and rebuild the bot's engine, loading the embedding model once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from bot.settings import Settings
from index import Answer, Embedder, QuoteEngine, StoredIndex, build_index, make_embedder, open_engine
from index.builder import Progress

__all__ = ["Engine", "EngineLoader", "EngineSource"]

log = logging.getLogger("quotebot.loader")


class Engine(Protocol):
    """What the bot needs of a QuoteEngine (tests pass a fake with the same shape)."""

    @property
    def corpus_dir(self) -> Path: ...

    @property
    def stored(self) -> StoredIndex: ...

    def answer(self, question: str, top_k: int = 3, *, claim: bool = False) -> Answer: ...


class EngineSource(Protocol):
    """Something that opens an engine (blocking) and rebuilds one from the corpus (blocking)."""

    def open(self) -> Engine: ...

    def rebuild(self) -> Engine: ...


class EngineLoader:
    """Open the engine for the configured corpus and index; both calls block, so run them in a thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._embedder: Embedder | None = None

    def embedder(self) -> Embedder:
        """Return the embedding model, loading it on first use."""
        if self._embedder is None:
            s = self.settings
            # The ONNX export is cached in the index folder, next to the vectors it made.
            self._embedder = make_embedder(s.model, backend=s.backend, cache_dir=s.index_dir, device=s.device)
        return self._embedder

    def open(self, *, progress: Progress | None = None, on_rebuild: Callable[[str], None] | None = None) -> QuoteEngine:
        """Load the index, building it first when it is missing or stale (logged unless told otherwise)."""
        return open_engine(
            self.settings.corpus_dir,
            self.settings.index_dir,
            self.embedder(),
            chunk_tokens=self.settings.chunk_tokens,
            index_type=self.settings.index_type,
            progress=progress,
            on_rebuild=on_rebuild or (lambda reason: log.info("building the index (%s)", reason)),
        )

    def rebuild(self) -> Engine:
        """Build a new index from the corpus and return an engine on it; the old build answers until then."""
        embedder = self.embedder()
        s = self.settings
        build_index(s.corpus_dir, s.index_dir, embedder, chunk_tokens=s.chunk_tokens, index_type=s.index_type)
        return open_engine(s.corpus_dir, s.index_dir, embedder, chunk_tokens=s.chunk_tokens, rebuild=False)
