"""What a Discord-sourced collection costs: the first sync of a 10,000-message channel, and the lag of an edit.

    python scripts/bench_discord.py [--messages 10000] [--model fake]
    python scripts/bench.py --only discord

The bot runs as `quotebot serve` does (discord.py's real client, real index, the default model unless
`--model fake`) against the fake Discord of the test suite (tests/bot/discord_guild.py) on 127.0.0.1, whose
channel holds SQuAD-dev sentences as messages. Reported, against a baseline run in the same process (a
DiscordChatExporter export of the same messages built as a folder, what `quotebot build` does):
- first sync: bot start to READY (history read, paged 100 a request, plus the build), and the history alone
  (read again in full after the edit, no build);
- edit lag: from a MESSAGE_UPDATE on the gateway to /ask quoting the new wording (debounce included);
- send-time check: one extra GET per quoted message;
- shutdown: 10 forum posts in flight, then what SIGTERM does (`lifecycle.shutdown`): seconds to closed, answered;
- a burst of posts in an answer forum (`--burst 200`): how many got an answer, how many the "busy" line,
  how long until the last reply, and the event loop's longest stall meanwhile (against the same bot's
  stall while idle).

The fake Discord and the fake model are the test suite's (tests/bot/discord_guild.py,
tests/bot/discord_http_server.py, tests/fakes.py): `_suite` imports them by file location, registering the
repository's `tests` folder as the `tests` package, so that sys.path is left as it is (scripts/ alone, beside
this script, as for every script here).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import json
import shutil
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import discord
import discord.http
import yarl
from discord.gateway import DiscordWebSocket
from evalkit import ROOT, SQUAD, read_jsonl  # (scripts/evalkit.py, beside this script)

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.client.testing import BUSY, longest_stall
from quotebot.bot.ops import lifecycle
from quotebot.bot.ops.engines import EngineLoader
from quotebot.bot.ops.settings import Settings
from quotebot.index import Embedder, open_library

if TYPE_CHECKING:
    from tests.bot.discord_guild import GuildDiscord

TESTS = ROOT / "tests"


def _suite(name: str) -> ModuleType:
    """Import a module of the test suite (`tests.bot.discord_guild`...), by file location: sys.path is untouched.

    The `tests` package is loaded from TESTS/__init__.py once; its modules' own `from tests... import` lines then
    resolve through the package's folder, as they do under pytest.
    """
    if "tests" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "tests", TESTS / "__init__.py", submodule_search_locations=[str(TESTS)]
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"no test suite at {TESTS}")
        package = importlib.util.module_from_spec(spec)
        sys.modules["tests"] = package
        spec.loader.exec_module(package)
    module = importlib.import_module(name)
    if not Path(module.__file__ or "").resolve().is_relative_to(TESTS):
        raise ImportError(f"{name} is {module.__file__}, not the test suite's at {TESTS}")
    return module


_GUILD = _suite("tests.bot.discord_guild")  # GuildDiscord: the fake server, REST and gateway
_HTTP = _suite("tests.bot.discord_http_server")  # TOKEN, message_json, user_json

WORK = ROOT / ".quotebot" / "bench" / "discord"
CHANNEL = 20
FORUM = 40
QUIET_FORUM = 41  # a forum the bot does not answer in


class _Loader(EngineLoader):
    """The bot's loader, with the test suite's fake model when asked (to time the plumbing alone)."""

    def __init__(self, settings: Settings, fake: bool) -> None:
        super().__init__(settings)
        self.fake = fake

    def embedder(self) -> Embedder:
        if self.fake and self._embedder is None:
            self._embedder = _suite("tests.fakes").FakeEmbedder()
        return super().embedder()


def _sentences(count: int) -> list[str]:
    """Return `count` distinct SQuAD-dev paragraphs' first sentences, to post as messages."""
    seen: list[str] = []
    for row in read_jsonl(SQUAD / "corpus.jsonl"):
        for sentence in str(row["text"]).split(". "):
            if 40 < len(sentence) < 400 and len(seen) < count:
                seen.append(sentence.rstrip(".") + ".")
    return [seen[i % len(seen)] + ("" if i < len(seen) else f" (#{i})") for i in range(count)]


def _settings(folder: Path) -> Settings:
    config = folder / "quotebot.toml"
    answer_forum = f"[[answer_channels]]\nchannel = {FORUM}\n"
    faq = f"[collections.faq]\ndiscord_channels = [{CHANNEL}]\nchannels = [{FORUM}]\n"  # the forum may search it
    config.write_text(f"{faq}\n{answer_forum}", encoding="utf-8")
    return Settings(  # type: ignore[call-arg]
        _env_file=None, config_file=config, data_dir=folder / "data", index_dir=folder / "index"
    )


def _baseline(folder: Path, fake: GuildDiscord, embedder: Embedder) -> float:
    """Build the same messages from an export file in a folder; return the seconds."""
    corpus = folder / "export"
    corpus.mkdir(parents=True)
    author = {"name": "", "isBot": False}
    messages = [
        {**m, "type": "Default", "isPinned": False, "author": {**author, "id": m["author"]["id"]}}
        for m in fake.history[CHANNEL].values()
    ]
    export = {"guild": {"id": "10"}, "channel": {"id": str(CHANNEL), "name": "faq"}, "messages": messages}
    (corpus / "faq.json").write_text(json.dumps(export), encoding="utf-8")
    started = time.perf_counter()
    open_library(corpus, folder / "export-index", embedder=embedder)
    return time.perf_counter() - started


async def _run(count: int, fake_model: bool, burst: int) -> dict[str, Any]:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    server = _GUILD.GuildDiscord()
    server.text_channel(CHANNEL, "faq")
    server.text_channel(FORUM, "help", kind=15)
    sentences = _sentences(count)
    for sentence in sentences:
        server.post(CHANNEL, sentence)
    await server.start()
    discord.http.Route.BASE = server.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)
    settings = _settings(WORK)
    loader = _Loader(settings, fake_model)
    baseline = _baseline(WORK, server, loader.embedder())
    bot = QuoteBot(settings, loader=loader, sync_commands=False)
    bot._connection.guild_ready_timeout = 0.05
    started = time.perf_counter()
    runner = asyncio.create_task(bot.start(_HTTP.TOKEN))
    while not bot.is_ready():
        if runner.done():
            runner.result()  # the start failed: say why
        await asyncio.sleep(0.01)
    first_sync = time.perf_counter() - started
    pages = len(server.sent("GET", rf"/channels/{CHANNEL}/messages"))
    await server.dispatch("GUILD_CREATE", server.guild_create())
    await bot.settled()
    lag = await _edit_lag(bot, server)
    bot.live.rewind()
    started = time.perf_counter()
    await bot.live.sync_all()  # the whole history again: what reading costs without the build
    history = time.perf_counter() - started
    burst_figures = await _burst(bot, server, sentences, burst) if burst else {}
    stop_figures = await _stop_with_questions_in_flight(bot, server, sentences, 10)
    await runner  # closed by the shutdown above
    await server.close()
    return {
        "messages": count,
        "model": "fake" if fake_model else settings.model,
        "history_pages": pages,
        "first_sync_s": round(first_sync, 2),
        "export_build_s": round(baseline, 2),
        "first_sync_vs_export_build": round(first_sync / baseline, 2),
        "history_read_s": round(history, 2),
        "history_read_vs_export_build": round(history / baseline, 3),
        "edit_lag_s": round(lag, 2),
        "edit_lag_vs_export_build": round(lag / baseline, 3),
        "debounce_s": settings.live_debounce,
        **burst_figures,
        **stop_figures,
    }


async def _edit_lag(bot: QuoteBot, server: GuildDiscord) -> float:
    """Edit one message on the gateway; return the seconds until an answer quotes its new wording."""
    target = sorted(server.history[CHANNEL])[len(server.history[CHANNEL]) // 2]
    new = "The lighthouse keeper's parrot speaks eleven languages fluently."
    edited = {**server.history[CHANNEL][target], "content": new}
    server.history[CHANNEL][target] = edited
    started = time.perf_counter()
    await server.dispatch("MESSAGE_UPDATE", edited)
    while True:
        answer = await bot.answer("How many languages does the parrot speak?", per_page=3, via="bench")
        if answer.answered and answer.passages[0].text == new:
            return time.perf_counter() - started
        if time.perf_counter() - started > 300:
            raise RuntimeError("the edit was never quoted")
        await asyncio.sleep(0.05)


async def _burst(bot: QuoteBot, server: GuildDiscord, sentences: list[str], posts: int) -> dict[str, Any]:
    """Open `posts` forum posts at once in the answer forum; count answers and busy lines, time the loop.

    The fake server shares the bot's event loop, so the same flood into a forum the bot does not answer in
    (it only parses the events) is timed first: the baseline of the stall.
    """
    idle, _ = await longest_stall(lambda: asyncio.sleep(1.0))
    server.text_channel(QUIET_FORUM, "chat", kind=15)
    ignored, _ = await longest_stall(lambda: _flood(server, QUIET_FORUM, 980_000, sentences, posts))
    before = len(server.requests)
    first = 990_000
    started = time.perf_counter()

    async def flood() -> None:
        await _flood(server, FORUM, first, sentences, posts)
        while _replies(server, before, first, posts) < posts and time.perf_counter() - started < 600:
            await asyncio.sleep(0.05)

    stall, _ = await longest_stall(flood)
    replies = [r for r in server.requests[before:] if r.method == "POST" and _in_forum(r.path, first, posts)]
    lines = [str((r.body or {}).get("content") or "") for r in replies if not (r.body or {}).get("embeds")]
    busy = sum(1 for line in lines if line == BUSY)
    return {
        "burst_posts": posts,
        "burst_answered": len(replies) - len(lines),  # quotes, or the closest passages when nothing answers
        "burst_busy": busy,
        "burst_other_lines": len(lines) - busy,  # the global rate limit, cooldowns
        "burst_unreplied": posts - len(replies),
        "burst_last_reply_s": round(time.perf_counter() - started, 2),
        "burst_loop_stall_ms": round(stall * 1000, 1),
        "same_flood_not_answered_stall_ms": round(ignored * 1000, 1),
        "idle_loop_stall_ms": round(idle * 1000, 1),
    }


async def _flood(server: GuildDiscord, forum: int, first: int, sentences: list[str], posts: int) -> None:
    """Open `posts` posts in a forum as fast as the gateway sends them."""
    for i in range(posts):
        post, question = first + i, _question(sentences[i * 7 % len(sentences)])
        thread = server.thread(post, forum, question[:90])
        await server.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        starter = _HTTP.message_json(str(post), post, _HTTP.user_json(3000 + i, f"member{i}"), {"content": question})
        await server.dispatch("MESSAGE_CREATE", {**starter, "guild_id": "10"})
    await asyncio.sleep(1.0)  # let the bot take them in


async def _stop_with_questions_in_flight(
    bot: QuoteBot, server: GuildDiscord, sentences: list[str], posts: int
) -> dict[str, Any]:
    """Open `posts` forum posts, then shut down as SIGTERM does once they are all in flight; time it."""
    before, first = len(server.requests), 970_000
    for i in range(posts):
        post, question = first + i, _question(sentences[(i * 11 + 3) % len(sentences)])
        thread = server.thread(post, FORUM, question[:90])
        await server.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        starter = _HTTP.message_json(str(post), post, _HTTP.user_json(5000 + i, f"late{i}"), {"content": question})
        await server.dispatch("MESSAGE_CREATE", {**starter, "guild_id": "10"})
    while len(lifecycle.in_flight()) < posts and _replies(server, before, first, posts) == 0:
        await asyncio.sleep(0.001)
    in_flight = len(lifecycle.in_flight())
    started = time.perf_counter()
    await lifecycle.shutdown(bot, bot.settings.shutdown_grace)
    replies = [r for r in server.requests[before:] if r.method == "POST" and _in_forum(r.path, first, posts)]
    return {
        "shutdown_in_flight": in_flight,
        "shutdown_s": round(time.perf_counter() - started, 3),
        "shutdown_answered": sum(1 for r in replies if (r.body or {}).get("embeds")),
        "shutdown_told_to_come_back": sum(1 for r in replies if not (r.body or {}).get("embeds")),
    }


def _question(sentence: str) -> str:
    """Turn a corpus sentence into a question about it (its first words, asked)."""
    return "What about " + " ".join(sentence.split()[:8]).rstrip(".,;:") + "?"


def _in_forum(path: str, first: int, posts: int) -> bool:
    parts = path.split("/")
    inside = len(parts) == 4 and parts[1] == "channels" and parts[3] == "messages"
    return inside and first <= int(parts[2]) < first + posts


def _replies(server: GuildDiscord, before: int, first: int, posts: int) -> int:
    return sum(1 for r in server.requests[before:] if r.method == "POST" and _in_forum(r.path, first, posts))


def run(count: int = 10_000, fake_model: bool = False, burst: int = 200) -> dict[str, Any]:
    """Run the benchmark; return its figures."""
    return asyncio.run(_run(count, fake_model, burst))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--model", choices=["default", "fake"], default="default")
    parser.add_argument("--burst", type=int, default=200, help="forum posts opened at once (0: skip)")
    args = parser.parse_args()
    print(json.dumps(run(args.messages, args.model == "fake", args.burst), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
