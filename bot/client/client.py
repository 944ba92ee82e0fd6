"""The Discord client: holds the engine, loads the cogs, syncs the slash commands, runs until stopped."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Mapping
from dataclasses import replace

import discord
from discord.ext import commands

from ...index import Answer, IndexStateError, Library, QuotebotError, prune_previous
from .. import exts
from ..intake.limits import AnswerPool, BusyError, GlobalLimiter, GlobalLimitError, RateLimiter, ReindexBusyError
from ..intake.places import Place
from ..ops.answering import AnswerChannels
from ..ops.engines import Config, Engine, EngineLoader, EngineSource, Scope, load_config
from ..ops.gaps import GAPS_FILE, GapLog
from ..ops.health import HEARTBEAT_FILE, Heartbeat, vitals_of
from ..ops.lifecycle import ShuttingDownError, start_watching
from ..ops.logs import log_answer
from ..ops.settings import Settings
from ..reply.gate import clear_live
from ..reply.replies import fetch_count
from ..reply.views import register_buttons
from ..sources.forgotten import FORGOTTEN_FILE, Forgotten
from ..sources.live import LiveSources
from ..sources.mirror import Mirror
from ..words.i18n import LocalizedError
from ..words.translator import CatalogTranslator

__all__ = ["EXTENSIONS", "IndexLoadingError", "QuoteBot"]

log = logging.getLogger(__name__)

EXTENSIONS = tuple(  # one cog per feature, loaded by name
    f"{exts.__name__}.{name}"
    for name in (
        "errors",
        "ask",
        "mentions",
        "find_source",
        "sources",
        "reindex",
        "privacy",
        "channels",
        "answer_channels",
        "gaps",
        "purge",
    )
)


class IndexLoadingError(LocalizedError, IndexStateError):
    """A question came before the engine finished loading."""

    def __init__(self) -> None:
        super().__init__("error.loading")


class QuoteBot(commands.Bot):
    """quotebot on Discord: slash commands, a context menu and mentions, answered from one engine."""

    # Seconds a replaced index build stays on disk after the swap: an answer in flight may still check its quotes
    # against it. Then it is deleted, with the text of deleted or edited messages and files it holds.
    prune_grace = 30.0
    # Seconds after an index is updated in place (index.update) before it is written to disk as a build of its own:
    # a burst of changes is written once, and the text it removed leaves the disk soon after (prune_grace).
    save_delay = 10.0

    def __init__(
        self,
        settings: Settings,
        *,
        loader: EngineSource | None = None,
        engine: Engine | None = None,
        sync_commands: bool = True,
    ) -> None:
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # text only: no voice libraries
        self.config: Config = load_config(settings)  # swapped whole with each engine built for a newer one
        self.loader: EngineSource = loader or EngineLoader(settings, self.config)
        intents = discord.Intents.default()  # mentions and DMs carry their content without a privileged intent
        self.answer_channels = AnswerChannels(self.config.answer_channels, settings.data_dir)
        # Reading other people's messages needs Message Content: asked for only when a collection is channels,
        # or the bot answers without a mention somewhere (answer channels and forums). Fixed for the connection.
        intents.message_content = self.config.reads_messages or bool(self.answer_channels)
        super().__init__(
            command_prefix=commands.when_mentioned,  # required by commands.Bot; no prefix commands exist
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
        )
        self.settings = settings
        self.live = LiveSources(self, self.config.collections, settings.data_dir / "discord")
        self._refreshes: dict[str, asyncio.Task[None]] = {}
        self._syncs: set[asyncio.Task[None]] = set()  # history re-reads in progress (after /remember-me, a reload)
        self._rereading: asyncio.Task[None] | None = None  # /remember-me's re-read of every listed channel...
        self._reread_again = False  # ...and one more when asked meanwhile, however many asked
        self._engine = engine
        self.sync_commands = sync_commands
        self.gaps = GapLog(
            settings.data_dir / GAPS_FILE, enabled=settings.gaps_log, max_bytes=int(settings.gaps_max_mb * 2**20)
        )
        self.limiter = RateLimiter(settings.cooldown_rate, settings.cooldown_per)  # per user: checked by the cogs
        self.global_limiter = GlobalLimiter(settings.global_rate, settings.global_per)
        self.pool = AnswerPool(settings.workers, settings.queue_size)
        self._reindexing = asyncio.Lock()
        self._saving: asyncio.Task[None] | None = None  # writing the indexes updated in place, after save_delay
        self._watching: asyncio.Task[None] | None = None  # the corpus watcher (bot/ops/watch.py)
        self.closing = False  # a shutdown began: questions are told to come back (bot/ops/lifecycle.py)
        self.finishing: set[asyncio.Task[object]] = set()  # the handlers in flight when it began: they finish
        self.forgotten = Forgotten(settings.data_dir / FORGOTTEN_FILE)  # read now: never answer without it
        self.heartbeat = Heartbeat(  # for `quotebot health`: started by setup_hook, stopped by close
            settings.data_dir / HEARTBEAT_FILE, lambda: vitals_of(self, engine_loaded=self._engine is not None)
        )
        if engine is not None:
            self._withhold(engine)

    @property
    def engine(self) -> Engine:
        """Return the engine that answers now."""
        if self._engine is None:
            raise IndexLoadingError()
        return self._engine

    async def setup_hook(self) -> None:
        """Load the engine off the event loop, load the cogs, then sync the slash commands with their translations."""
        self.heartbeat.start()  # first: `quotebot health` says "engine not loaded" while the index loads
        await self.tree.set_translator(CatalogTranslator())  # before syncing: the sync sends every description
        if self._engine is None:
            started = time.perf_counter()
            if self.live:
                await self.live.sync_all()  # before the index is opened, so it opens with the channels' text
            versions = self._flush(self.live.mirrors)
            engine = await asyncio.to_thread(self.loader.open)
            self._swap(engine, versions)
            log.info("index loaded in %.1f s", time.perf_counter() - started)
        register_buttons(self)  # before any message: clicks on buttons posted before a restart are routed too
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.sync_commands:
            await self.sync_tree()
        self._watching = start_watching(self)  # after the first engine: a change is re-indexed against it

    async def sync_tree(self) -> None:
        """Sync the commands to the dev guild when one is set (instant), else globally (up to an hour)."""
        if self.settings.dev_guild:
            guild = discord.Object(id=self.settings.dev_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), self.settings.dev_guild)
        else:
            synced = await self.tree.sync()
            log.info("synced %d commands globally", len(synced))

    async def on_message(self, message: discord.Message, /) -> None:
        """Leave messages to the mentions cog: this bot has no prefix commands."""

    def searchable(self, place: Place | None, engine: Engine | None = None) -> list[str] | None:
        """Name the collections a question asked in `place` may quote (None: every one, e.g. for tests).

        Pass the engine that will answer: its access rules are the ones that came with its indexes.
        """
        if place is None:
            return None
        rules = (engine or self.engine).collections
        return [c.name for c in rules.visible_in(place.server, place.channel, place.parent)]

    async def answer(
        self,
        question: str,
        *,
        per_page: int,
        via: str,
        claim: bool = False,
        place: Place | None = None,
        source: int | None = None,
        logged: str | None = None,
    ) -> Answer:
        """Answer (a claim with `claim`) in a worker thread, fetching every page at once; log it when unanswered.

        `source`: the Discord message whose words were asked (an answer channel's question, a claim's message):
        the gaps log notes it, so that deleting that message removes them there too. `logged`: the words the gaps
        log keeps of an unanswered question (default: the question; "": none, no record).

        Only the collections visible in `place` are searched: a private collection's passages never
        reach a channel that quotebot.toml does not map to it. A full queue raises BusyError and the
        bot's global rate GlobalLimitError (both one-line QuotebotErrors); a refused question is not
        counted against the global rate.
        """
        if self.closing and asyncio.current_task() not in self.finishing:
            raise ShuttingDownError()  # asked after the signal: told to come back (those before it are answered)
        engine = self.engine  # once: a /reindex swapping in new access rules mid-question must not mix the two
        names = self.searchable(place, engine)
        if self.pool.full:
            raise BusyError()
        wait = self.global_limiter.retry_after()
        if wait:
            raise GlobalLimitError(wait)
        # A message from a Discord export is quoted in its own server only: never in another, never in a DM (0).
        server = None if place is None else (place.server or 0)
        started = time.perf_counter()
        count = fetch_count(per_page)
        answer = await self.pool.submit(engine.answer, question, count, claim=claim, names=names, server=server)
        if self.live:
            # The first page's Discord messages are fetched again: one deleted, reworded or unreadable since the
            # index was built is left out (the reply says so), and the messages that move onto the page are fetched.
            kept, dropped = await clear_live(self, answer.passages, page=0, per_page=per_page)
            answer = replace(answer, answered=answer.answered and bool(kept), passages=kept, left_out=dropped)
        if not answer.answered and logged != "":
            recorded = answer if logged is None else replace(answer, question=logged)
            self.gaps.unanswered(recorded, via=via, place=place, source=source)
        log_answer(  # one line per answer: never who asked; the question only with QUOTEBOT_LOG_QUESTIONS
            log,
            server=server,
            via=via,
            outcome="answered" if answer.answered else "declined",
            confidence=answer.confidence,
            latency_ms=(time.perf_counter() - started) * 1000,
            passages=len(answer.passages),
            question=question if self.settings.log_questions else None,
        )
        return answer

    async def close(self) -> None:
        """Close the connection, write what Discord changed in the mirrors, then let the answer threads end."""
        await super().close()
        await self.heartbeat.stop()  # its last beat says "stopped"
        if self._watching is not None:
            self._watching.cancel()
        for task in [*self._refreshes.values(), self._saving]:
            if task is not None:  # a rebuild thread in progress finishes on its own; the next start indexes the mirror
                task.cancel()
        self._flush(self.live.mirrors)  # a delete seen during the pause before a re-index must survive a restart
        self.pool.close()

    async def reindex(self, scope: Scope | None = None) -> Engine:
        """Re-read the config and build a new engine off the loop; swap it in once complete, with its access rules.

        `scope` picks the collections to rebuild (default: all). The old engine answers meanwhile, and keeps
        answering when the config is invalid or missing (the ConfigError reaches the caller).
        """
        if self._reindexing.locked():
            raise ReindexBusyError()
        return await self.rebuild(scope)

    async def rebuild(self, scope: Scope | None = None, *, update: bool = False) -> Engine:
        """Do what /reindex does, after the rebuild in progress if there is one (the corpus watcher's way).

        quotebot.toml is read whole (a ConfigError changes nothing); the Discord sources adopt it before the build
        (what left it is out of the mirrors, hidden); the engine and the config are swapped in together. A failed
        build leaves the previous config in force, the Discord sources' part of it included. With `update` (the
        watcher's), changed files are applied to the indexes in place when they can be, and written later.
        """
        async with self._reindexing:
            required = self.config.source is not None  # rules read from a file: its absence is no new config
            config = await asyncio.to_thread(load_config, self.settings, required=required)
            again = self._adopt_live(config)
            try:
                versions = self._flush(self.live.mirrors)
                current = self._engine if update else None
                engine = await asyncio.to_thread(self.loader.rebuild, scope, config, current=current)
            except Exception:
                self._track(self._sync(self._adopt_live(self.config)))  # the config in force stays whole
                raise
            self._swap(engine, versions, config)
            if update:
                self._save_later()
        self._track(self._sync(again))
        channels = f"{exts.__name__}.channels"
        if self.live and self.get_cog("Channels") is None and channels in self.extensions:
            await self.reload_extension(channels)  # the first Discord collection: follow its events
        return engine

    def _adopt_live(self, config: Config) -> set[str]:
        """Make the Discord sources follow `config`, hiding at once what left it; read again what it added."""
        again = self.live.apply(config.collections)
        if self._engine is not None:
            self._withhold(self._engine)
        return again

    def schedule_refresh(self, *names: str) -> None:
        """Hide what a Discord change made unquotable now, and re-index those collections after a short pause."""
        if self._engine is not None:
            self._withhold(self._engine)
        for name in names:
            task = self._refreshes.get(name)
            if task is None or task.done():
                self._refreshes[name] = asyncio.create_task(self._refresh_later(name), name=f"refresh {name}")

    async def _refresh_later(self, name: str) -> None:
        """Wait for a burst of changes to settle, rebuild one Discord-sourced collection and swap it in; again
        while changes arrived during the rebuild."""
        try:
            while True:
                await asyncio.sleep(self.settings.live_debounce)
                async with self._reindexing:
                    mirror = self.live.mirrors.get(name)
                    if mirror is None:
                        break  # its collection left quotebot.toml meanwhile: the engine of that config has none
                    versions = self._flush({name: mirror})
                    engine = await asyncio.to_thread(self.loader.refresh, self.engine, [name])
                    self._swap(engine, versions)
                    self._save_later()
                if mirror.version == versions[name]:
                    break
        except QuotebotError as exc:
            log.warning("could not re-index collection %r after a Discord change: %s", name, exc)
        finally:
            self._refreshes.pop(name, None)

    def _save_later(self) -> None:
        """Write the indexes updated in place to disk `save_delay` seconds from now (once for a burst)."""
        if self._saving is None or self._saving.done():
            self._saving = asyncio.create_task(self._save(), name="save updated indexes")

    async def _save(self) -> None:
        """Write the indexes updated in place as builds; swap in the engine over them (nothing swaps meanwhile)."""
        await asyncio.sleep(self.save_delay)
        async with self._reindexing:
            engine = self.engine
            try:
                saved = await asyncio.to_thread(self.loader.save, engine)
            except (QuotebotError, OSError) as exc:  # the updated index keeps answering; a restart builds it again
                log.warning("could not write the updated index to disk: %s", exc)
                return
            if saved is not engine:
                self._swap(saved, {})

    async def settled(self) -> None:
        """Wait until every scheduled re-index of a Discord change is done (tests, shutdown)."""
        while self._refreshes or self._syncs or self._writing():
            saving = [self._saving] if self._saving is not None and self._writing() else []
            await asyncio.gather(*self._syncs, *self._refreshes.values(), *saving, return_exceptions=True)

    def _writing(self) -> bool:
        """Tell whether indexes updated in place are being written now (with no delay: settled() waits for it)."""
        return self._saving is not None and not self._saving.done() and self.save_delay <= 0

    def _flush(self, mirrors: Mapping[str, Mirror]) -> dict[str, int]:
        """Write the mirrors' pending changes; return the version each rebuild will have read."""
        return {name: mirror.flush() for name, mirror in mirrors.items()}

    def _swap(self, engine: Engine, versions: Mapping[str, int], config: Config | None = None) -> None:
        """Make `engine` (and the `config` it was built for) the one that answers, hiding what it must not quote."""
        for name, version in versions.items():
            self.live.release(name, version)
        self._withhold(engine)  # before it answers anything
        if config is not None:
            if config.reads_messages and not self.intents.message_content and not self.config.reads_messages:
                log.warning(
                    "quotebot.toml now lists Discord channels or answer channels, which need the Message Content "
                    "intent: restart the bot to read their messages (the intent is chosen when it connects)"
                )
            self.answer_channels.adopt(config.answer_channels)
            self.config = config
        self._engine = engine  # one reference assignment: every later question sees the new index and rules
        if isinstance(engine, Library):  # the builds it replaced hold text as it was: deleted from disk soon
            asyncio.get_running_loop().call_later(self.prune_grace, self._prune, engine)

    def _prune(self, engine: Library) -> None:
        """Delete the index builds `engine` does not answer from (an answer in flight had `prune_grace` to end)."""
        if self._engine is not engine:
            return  # swapped again since: that swap prunes, keeping what its engine answers from
        self._track(self._prune_now(engine))

    async def _prune_now(self, engine: Library) -> None:
        """Delete, off the loop, the builds `engine` does not answer from; log how many."""
        removed = await asyncio.to_thread(prune_previous, engine.engines.values())
        if removed:
            log.info("deleted %d replaced index build(s) from disk", len(removed))

    def _withhold(self, engine: Engine) -> None:
        """Tell an engine the opted-out members and the Discord messages that are gone or changed."""
        engine.withhold(self.forgotten.ids, self.live.hidden())

    def forget(self, member: int) -> bool:
        """Stop quoting a member's Discord messages, everywhere, from the next answer on; False if already so."""
        changed = self.forgotten.forget(member)
        self.schedule_refresh(*self.live.forget(member))
        return changed

    def remember(self, member: int) -> bool:
        """Let a member's Discord messages be quoted again; False if they had not asked to be forgotten."""
        changed = self.forgotten.remember(member)
        if self._engine is not None:
            self._withhold(self._engine)
        if changed and self.live:
            self._reread_again = True  # their messages left the mirrors: read the channels' history again
            if self._rereading is None or self._rereading.done():
                self._rereading = self._track(self._reread())
        return changed

    async def _reread(self) -> None:
        """Read every listed channel's history again, and once more while asked meanwhile (however many asked)."""
        while self._reread_again:
            self._reread_again = False
            await self._sync(None)

    async def _sync(self, names: set[str] | None) -> None:
        """Reconcile the named collections (default: all; none: nothing) with Discord and re-index what changed."""
        if names is None or names:
            self.schedule_refresh(*await self.live.sync(names))

    def _track(self, work: Coroutine[object, object, None]) -> asyncio.Task[None]:
        """Run a history read as a task that settled() waits for."""
        task = asyncio.get_running_loop().create_task(work, name="resync")
        self._syncs.add(task)
        task.add_done_callback(self._syncs.discard)
        return task
