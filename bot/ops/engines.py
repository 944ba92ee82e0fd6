"""The bot's engine and its config: the protocol the bot calls, quotebot.toml read whole (`Config`), and the loader
that opens and rebuilds the engine for a config (the model loaded once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ...index import (
    Answer,
    BuildOptions,
    Collection,
    Collections,
    CorpusError,
    Embedder,
    Library,
    Passage,
    Source,
    collections_from,
    make_embedder,
    open_library,
    read_config_file,
    remove_builds,
    save_library,
    update_library,
)
from .answering import AnswerChannel, fixed_answer_channels
from .settings import Settings

__all__ = ["Config", "Engine", "EngineLoader", "EngineSource", "Scope", "load_config"]

log = logging.getLogger(__name__)

Scope = Callable[[Collection], bool]  # which collections a rebuild may be asked for (e.g. those a server sees)
Progress = Callable[[int, int], None]  # (texts embedded, total)


@dataclass(frozen=True, slots=True)
class Config:
    """quotebot.toml as read at one moment, applied whole: the collections (with their Discord settings) and the
    answer channels it fixes. Start, the watcher and /reindex each read one and swap it in with its engine."""

    collections: Collections
    answer_channels: tuple[AnswerChannel, ...] = ()
    source: Path | None = None  # the file it was read from; None: there was none (the one public collection)

    @property
    def items(self) -> tuple[Collection, ...]:
        """Return the collections, in file order (what the corpus watcher follows, with `source`)."""
        return self.collections.items

    @property
    def reads_messages(self) -> bool:
        """Tell whether it needs Discord's Message Content intent: channels to mirror, or answer channels."""
        return any(c.live for c in self.collections.items) or bool(self.answer_channels)


def load_config(settings: Settings, *, required: bool = False) -> Config:
    """Read and validate quotebot.toml in one reading (Discord-sourced collections mirrored under the data folder).

    Without the file: the one public collection over the corpus folder, unless `required` (the rules in force came
    from a file): then a missing file is a ConfigError like an invalid one, and the rules in force stay.
    """
    path = settings.config_file
    data = read_config_file(path, required=required)
    collections = collections_from(path, data, settings.corpus_dir, settings.data_dir / "discord")
    return Config(collections, fixed_answer_channels(path, data), None if data is None else path)


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

    def quotable(
        self, passages: Sequence[Passage], *, names: Sequence[str] | None = None, server: int | None = None
    ) -> tuple[Passage, ...]: ...


class EngineSource(Protocol):
    """Something that opens an engine (blocking) and rebuilds one from the corpus for a config (blocking)."""

    def open(self) -> Engine: ...

    def rebuild(
        self, scope: Scope | None = None, config: Config | None = None, *, current: Engine | None = None
    ) -> Engine: ...

    def refresh(self, current: Engine, names: Sequence[str]) -> Engine: ...

    def save(self, current: Engine) -> Engine: ...


class EngineLoader:
    """Open the library of the configured collections; both calls block, so run them in a thread."""

    def __init__(self, settings: Settings, config: Config | None = None) -> None:
        self.settings = settings
        self._embedder: Embedder | None = None
        self._config = config  # the config in force: read on first use, then the one the last rebuild built

    def embedder(self) -> Embedder:
        """Return the embedding model, loading it on first use."""
        if self._embedder is None:
            s = self.settings
            # The ONNX export is cached in the index folder, next to the vectors it made.
            cache = s.model_cache_dir or s.index_dir
            self._embedder = make_embedder(s.model, backend=s.backend, cache_dir=cache, device=s.device)
        return self._embedder

    def config(self) -> Config:
        """Return the config in force (quotebot.toml read on first use; one collection over the corpus without it)."""
        if self._config is None:
            self._config = load_config(self.settings)
        return self._config

    def collections(self) -> Collections:
        """Return the collections of the config in force."""
        return self.config().collections

    def read_config(self) -> Config:
        """Read quotebot.toml again; once the rules in force came from it, a missing file is a ConfigError."""
        return load_config(self.settings, required=self.config().source is not None)

    def options(
        self, progress: Progress | None = None, on_rebuild: Callable[[str], None] | None = None
    ) -> BuildOptions:
        """Return the build options the settings ask for."""
        s = self.settings
        size = int(s.max_file_mb * 2**20)
        return BuildOptions(s.chunk_tokens, s.index_type, progress, on_rebuild, size, replace_other=s.replace_index)

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
        return self._library(self.collections(), names=names, options=self.options(progress, noted))

    def rebuild(
        self, scope: Scope | None = None, config: Config | None = None, *, current: Engine | None = None
    ) -> Engine:
        """Build the collections in `scope` (default: all) of `config` (default: quotebot.toml read again) anew,
        and open every collection; `config` is the one in force from then on.

        The new access rules come with the new engines, in one object: nothing is swapped until both are ready.
        An invalid (or missing, see read_config) quotebot.toml raises ConfigError and changes nothing, so the
        running engine keeps answering. A collection outside `scope` is rebuilt only when its index no longer
        matches the corpus or the config. With `current` (the engine answering: the corpus watcher's way) and
        the same collections as it has, the changed files are applied to its indexes in place when they can be
        (index.update; `save` writes them later).
        """
        config = config or self.read_config()
        fresh = [c.name for c in config.collections.items if scope is None or scope(c)]
        if isinstance(current, Library) and scope is not None and current.collections == config.collections:
            updated = update_library(current, fresh, self.options())
            if updated is not None:
                self._config = config
                return updated
        library = self._library(config.collections, fresh=fresh, options=self.options())
        self._config = config
        return library

    def _library(
        self,
        collections: Collections,
        *,
        options: BuildOptions,
        names: Sequence[str] | None = None,
        fresh: Sequence[str] = (),
    ) -> Engine:
        """Open a library (as open_library); only Discord channels with nothing read yet: a library without them."""
        index, embedder = self.settings.index_dir, self.embedder  # loaded once the paths are checked
        try:
            return open_library(collections, index, embedder=embedder, names=names, fresh=fresh, options=options)
        except CorpusError as exc:
            if not all(c.live for c in collections.items):
                raise  # a folder without documents: say so, as always
            # Only Discord channels with nothing read yet: start without them; each joins on its first message.
            return Library(collections, {}, empty=exc)

    def refresh(self, current: Engine, names: Sequence[str]) -> Engine:
        """Rebuild the named collections (Discord mirrors that changed) and return `current` with them swapped in.

        Only their folders are read (not every collection's, on each Discord change). A collection left with no
        document (every message deleted) is dropped from the result, never kept old.
        """
        collections = current.collections  # the rules of the engine answering now, whatever was read since
        if isinstance(current, Library) and (updated := update_library(current, names, self.options())) is not None:
            return updated  # the changed messages applied in place (index.update): `save` writes them later
        changed = Collections(tuple(c for c in collections.items if c.name in names), collections.source)
        empty: CorpusError | None = None
        try:
            library = open_library(
                changed, self.settings.index_dir, embedder=self.embedder(), fresh=names, options=self.options()
            )
            engines = library.engines
        except CorpusError as exc:
            engines, empty = {}, exc
        for name in set(names) - engines.keys():  # left with no message: its last build holds their text
            remove_builds(collections.index_dir(self.settings.index_dir, name))
        kept = {n: e for n, e in current.engines.items() if n not in names} if isinstance(current, Library) else {}
        return Library(collections, {**kept, **engines}, empty=empty)

    def save(self, current: Engine) -> Engine:
        """Write the indexes updated in place to disk (compacted); return the engine over those builds."""
        return save_library(current) if isinstance(current, Library) else current
