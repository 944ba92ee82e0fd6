"""A bot that runs for months: the corpus watched, and a clean shutdown on SIGTERM or SIGINT.

Shutdown: the first signal stops the bot taking questions (each new one is told, in the asker's language,
to ask again in a minute), waits up to `QUOTEBOT_SHUTDOWN_GRACE` seconds for the answers in flight (the
handler tasks discord.py started: commands, mentions, answer channels, button clicks), flushes the logs,
then closes the gateway; `quotebot serve` then exits 0. The gaps log and the opt-out list are written as
each record comes (nothing is buffered); a rebuild in progress is left to its lock and atomic write. A
second signal exits at once (status 1).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from typing import Protocol

from ...index import QuotebotError
from ..words.i18n import LocalizedError
from .engines import Config, Engine, Scope
from .settings import Settings
from .watch import scope_of, watch_changes

__all__ = ["HANDLER_TASKS", "Running", "ShuttingDownError", "in_flight", "on_signals", "shutdown", "start_watching"]

log = logging.getLogger(__name__)

# the names of the tasks in which discord.py runs what an event starts: listeners, slash commands, clicks, forms
HANDLER_TASKS = ("discord.py: on_", "CommandTree-invoker", "discord-ui-view-dispatch-", "discord-ui-modal-dispatch-")


class Running(Protocol):
    """What shutting down and watching use of the bot (`QuoteBot`, bot/client/client.py), which imports this."""

    closing: bool
    finishing: set[asyncio.Task[object]]

    @property
    def settings(self) -> Settings: ...

    @property
    def config(self) -> Config: ...

    async def rebuild(self, scope: Scope | None = None, *, update: bool = False) -> Engine: ...

    async def close(self) -> None: ...


class ShuttingDownError(LocalizedError):
    """The bot is restarting: the question is not taken."""

    def __init__(self) -> None:
        super().__init__("limit.restarting")


def in_flight() -> list[asyncio.Task[object]]:
    """Return the handler tasks running now (but the caller's own)."""
    mine = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not mine and not t.done() and t.get_name().startswith(HANDLER_TASKS)]


async def shutdown(bot: Running, grace: float) -> None:
    """Stop taking questions, let those in flight finish (at most `grace` seconds), flush the logs, close."""
    if bot.closing:
        return
    running = in_flight()
    bot.finishing = set(running)  # these were asked before the signal: they are answered, the later ones told
    bot.closing = True
    started = time.perf_counter()
    log.info("shutting down: %d answer(s) in flight, waiting up to %.0f s", len(running), grace)
    if running:
        _, late = await asyncio.wait(running, timeout=grace)
        if late:
            log.warning("shutting down with %d answer(s) unfinished after %.0f s", len(late), grace)
    for handler in logging.getLogger("quotebot").handlers + logging.getLogger().handlers:
        handler.flush()
    await bot.close()
    log.info("shut down in %.1f s", time.perf_counter() - started)


def on_signals(bot: Running) -> None:
    """Shut down cleanly on the first SIGTERM or SIGINT, and exit at once on the second."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()  # a reference, so the shutdown task is not collected mid-way

    def received(signum: int) -> None:
        if bot.closing:
            log.warning("second %s: exiting now", signal.Signals(signum).name)
            os._exit(1)
        log.info("%s received", signal.Signals(signum).name)
        task = loop.create_task(shutdown(bot, bot.settings.shutdown_grace), name="shutdown")
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, received, signum)


def start_watching(bot: Running) -> asyncio.Task[None] | None:
    """Start re-indexing collections whose files change (unless QUOTEBOT_WATCH=false); return the task."""
    if not bot.settings.watch:
        return None
    return asyncio.get_running_loop().create_task(_watch(bot), name="watch corpus")


async def _watch(bot: Running) -> None:
    """Rebuild what changed after each burst, one rebuild at a time; a failed one leaves the old index answering."""
    s = bot.settings
    async for changed in watch_changes(lambda: bot.config, debounce=s.watch_debounce, poll=s.watch_poll):
        what = "quotebot.toml" if changed is None else ", ".join(sorted(changed))
        started = time.perf_counter()
        try:
            await bot.rebuild(scope_of(changed), update=True)
        except QuotebotError as exc:  # a broken or missing quotebot.toml: the previous index and rules keep answering
            log.warning("files changed (%s) but the index was not rebuilt: %s", what, exc)
            continue
        except Exception:  # a bug: logged with its traceback, and the watcher goes on (later changes still apply)
            log.exception("files changed (%s) but the rebuild failed", what)
            continue
        log.info("files changed (%s): re-indexed in %.1f s", what, time.perf_counter() - started)
