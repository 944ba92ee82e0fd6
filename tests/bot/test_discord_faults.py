"""Discord failing under the bot: 429s, 5xx, expired interactions, gateway drops, through discord.py's real client.

The bot logs in, syncs and connects to a fake Discord on 127.0.0.1 (tests/bot/discord_http_server.py):
questions arrive as gateway events, and every reply goes through discord.py's own `HTTPClient.request`
(channel messages) or its webhook adapter (interaction responses and follow-ups), whose rate-limit and
5xx retry loops are the code under test. Only their waits are compressed: `asyncio.sleep` in those two
modules returns at once and records how long discord.py meant to wait.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import discord
import discord.http
import discord.webhook.async_
import pytest
import pytest_asyncio
import yarl
from discord.gateway import DiscordWebSocket

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.exts.errors import NOT_SENT
from quotebot.bot.ops.settings import Settings
from quotebot.bot.reply.button_state import store_of
from quotebot.bot.reply.views import AnswerView
from tests.bot.discord_fakes import FakeEngine, FakeLoader
from tests.bot.discord_http_server import (
    APP_ID,
    TOKEN,
    FakeDiscord,
    expired,
    message_json,
    rate_limited,
    server_error,
    user_json,
)

ASKER = 2000
DM = 3000  # the asker's DM channel with the bot
GUILD, CHANNEL = 10, 20
MESSAGES = f"/channels/{DM}/messages"
_TIMESTAMP = "2024-01-01T00:00:00.000000+00:00"
_ids = itertools.count(100_000)

# the tasks in which discord.py runs what an event starts: listeners, slash commands, button callbacks
_HANDLER_TASKS = ("discord.py: on_", "CommandTree-invoker", "discord-ui-view-dispatch-", "discord-ui-dynamic-item-")


class _Clock:
    """discord.py's `asyncio` in its HTTP modules: `sleep` returns at once and records the delay asked."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float, result: Any = None) -> Any:
        self.delays.append(delay)
        await asyncio.sleep(0)
        return result


class Events:
    """Count the gateway events the bot dispatched, and wait for them."""

    NAMES = ("connect", "ready", "resumed", "disconnect", "message", "interaction")

    def __init__(self, bot: QuoteBot) -> None:
        self.counts: Counter[str] = Counter()
        self._changed = asyncio.Condition()
        for name in self.NAMES:
            bot.add_listener(self._recorder(name), f"on_{name}")

    def _recorder(self, name: str) -> Callable[..., Coroutine[Any, Any, None]]:
        async def record(*_: Any) -> None:
            self.counts[name] += 1
            async with self._changed:
                self._changed.notify_all()

        return record

    async def wait(self, name: str, count: int) -> None:
        """Wait until `name` was dispatched `count` times in all."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.counts[name] >= count), 5)


@dataclass
class Online:
    """A QuoteBot logged in and connected to the fake Discord."""

    bot: QuoteBot
    fake: FakeDiscord
    events: Events
    clock: _Clock
    identified: list[bool] = field(default_factory=list)  # discord.py's `initial` flag for each IDENTIFY

    async def deliver(self, event: str, data: dict[str, Any], seen: str) -> None:
        """Send a gateway event, then wait until every handler discord.py started for it has ended."""
        count = self.events.counts[seen] + 1
        await self.fake.dispatch(event, data)
        await self.events.wait(seen, count)
        mine = asyncio.current_task()
        running = [
            t for t in asyncio.all_tasks() if t is not mine and not t.done() and t.get_name().startswith(_HANDLER_TASKS)
        ]
        await asyncio.wait_for(asyncio.gather(*running), 5)  # a handler that raised fails the test here

    async def dm(self, content: str) -> int:
        """Ask the bot in a DM (no mention needed there); return the message id."""
        message_id = next(_ids)
        data = message_json(str(message_id), DM, user_json(ASKER, "asker"), {"content": content})
        await self.deliver("MESSAGE_CREATE", data, "message")
        return message_id

    async def interact(
        self,
        data: dict[str, Any],
        *,
        kind: int = 2,
        message: Any = None,
        interaction_id: int | None = None,
        user: int = ASKER,
        permissions: int = 2048,
    ) -> str:
        """Send an INTERACTION_CREATE in a server channel, as Discord does; return its token.

        `user` and `permissions` (a bit field; 2048 is Send Messages) are the member's who runs it.
        """
        interaction_id = interaction_id or next(_ids)
        token = token_of(interaction_id)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": kind,
            "token": token,
            "version": 1,
            "guild_id": str(GUILD),
            "channel_id": str(CHANNEL),
            "channel": {
                "id": str(CHANNEL),
                "type": 0,
                "guild_id": str(GUILD),
                "name": "general",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
            },
            "member": {
                "user": user_json(user, "asker" if user == ASKER else f"member{user}"),
                "roles": [],
                "joined_at": _TIMESTAMP,
                "deaf": False,
                "mute": False,
                "flags": 0,
                "permissions": str(permissions),
            },
            "data": data,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": "2048",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD)},
            "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        await self.deliver("INTERACTION_CREATE", payload, "interaction")
        return token

    async def ask(self, question: str, *, interaction_id: int | None = None) -> str:
        """Run /ask; return the interaction's token."""
        options = [{"name": "question", "type": 3, "value": question}]
        data = {"id": "777", "name": "ask", "type": 1, "options": options}
        return await self.interact(data, interaction_id=interaction_id)


def token_of(interaction_id: int) -> str:
    """Return the token Online.interact gives an interaction."""
    return f"token-{interaction_id}"


def button(message: dict[str, Any], base: str) -> dict[str, Any]:
    """Return the click data of a message's button whose custom id starts with `base` (e.g. quotebot:up)."""
    ids = [c["custom_id"] for row in message.get("components", []) for c in row["components"] if "custom_id" in c]
    [custom_id] = [i for i in ids if i == base or i.startswith(base + ":")]
    return {"custom_id": custom_id, "component_type": 2}


def point_at(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> _Clock:
    """Point discord.py's REST and gateway at the fake Discord; return the clock its HTTP waits now run on."""
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url))
    clock = _Clock()
    monkeypatch.setattr(discord.http, "asyncio", clock)
    monkeypatch.setattr(discord.webhook.async_, "asyncio", clock)
    return clock


async def connect(online: Online) -> asyncio.Task[None]:
    """Start the bot as `quotebot serve` does and wait for READY; return its task (a failed start: raised)."""
    bot = online.bot
    bot._connection.guild_ready_timeout = 0.05  # READY lists no server: don't wait 2 s for GUILD_CREATEs
    runner = asyncio.create_task(bot.start(TOKEN))
    ready = asyncio.ensure_future(online.events.wait("ready", 1))
    await asyncio.wait({ready, runner}, return_when=asyncio.FIRST_COMPLETED)
    if runner.done():  # the login, the sync or the connection failed: say why
        ready.cancel()
        await bot.close()
        runner.result()
    await ready
    return runner


@pytest_asyncio.fixture
async def online(settings: Settings, loader: FakeLoader, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Online]:
    """Start a QuoteBot as `quotebot run` does (load, sync, connect), against the fake Discord."""
    fake = FakeDiscord()
    await fake.start()
    clock = point_at(fake, monkeypatch)
    # no engine given: setup_hook loads it, then syncs the commands, as in production
    bot = QuoteBot(settings, loader=loader)  # type: ignore[arg-type]
    online = Online(bot, fake, Events(bot), clock)

    async def before_identify(shard_id: int | None, *, initial: bool = False) -> None:
        online.identified.append(initial)  # discord.py's default sleeps 5 s before a re-IDENTIFY

    bot._connection.hooks["before_identify"] = before_identify
    runner: asyncio.Task[None] | None = None
    try:
        runner = await connect(online)
        yield online
    finally:
        await bot.close()
        if runner is not None:
            await asyncio.wait_for(runner, 5)
        await fake.close()


def problems(caplog: pytest.LogCaptureFixture, level: int = logging.WARNING) -> list[logging.LogRecord]:
    """Return the records at `level` or above, but discord.py's own notes on the rate limits it handled."""
    return [
        r
        for r in caplog.records
        if r.levelno >= level and not r.getMessage().startswith(("We are being rate", "Global"))
    ]


# -- channel messages (a DM question, replied to by the mentions cog) through HTTPClient.request ---------


@pytest.mark.parametrize("is_global", [False, True])
async def test_a_rate_limited_reply_is_sent_once_after_waiting(
    online: Online, engine: FakeEngine, caplog: pytest.LogCaptureFixture, is_global: bool
) -> None:
    online.fake.script("POST", MESSAGES, rate_limited(0.25, is_global=is_global))
    with caplog.at_level(logging.INFO):
        asked = await online.dm("What about backdoors?")
    posts = online.fake.sent("POST", MESSAGES)
    assert [p.status for p in posts] == [429, 200]  # retried by discord.py, once
    assert posts[0].body == posts[1].body  # the very same reply
    assert posts[1].body["content"] == "**Question:** What about backdoors?"
    assert posts[1].body["message_reference"]["message_id"] == asked
    assert online.clock.delays == [0.25]  # discord.py waited out the retry_after Discord gave
    assert engine.calls == [("What about backdoors?", 9)]  # answered once, not again for the retry
    limited = [r.getMessage() for r in caplog.records if r.name == "discord.http" and r.levelno == logging.WARNING]
    assert limited[0].startswith("We are being rate limited. POST")
    assert any(m.startswith("Global rate limit has been hit") for m in limited) is is_global
    assert problems(caplog) == []


@pytest.mark.parametrize("status", [500, 502, 504, 524])
async def test_one_server_error_is_retried_into_one_reply(
    online: Online, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    online.fake.script("POST", MESSAGES, server_error(status))
    with caplog.at_level(logging.INFO):
        await online.dm("What about sovereignty?")
    assert [p.status for p in online.fake.sent("POST", MESSAGES)] == [status, 200]
    assert online.clock.delays == [1]  # discord.py's first backoff
    assert problems(caplog) == []


@pytest.mark.parametrize(
    ("status", "tries", "waits"),
    [(500, 5, [1, 3, 5, 7, 9]), (503, 1, [])],  # discord.py retries 500/502/504/524 only, with backoff
)
async def test_a_reply_discord_keeps_failing_is_logged_once_and_not_duplicated(
    online: Online, engine: FakeEngine, caplog: pytest.LogCaptureFixture, status: int, tries: int, waits: list[int]
) -> None:
    online.fake.script("POST", MESSAGES, *[server_error(status)] * tries)
    with caplog.at_level(logging.INFO):
        asked = await online.dm("What about sovereignty?")
    posts = online.fake.sent("POST", MESSAGES)
    assert [p.status for p in posts] == [status] * tries  # discord.py's tries, then DiscordServerError
    assert all(p.body == posts[0].body for p in posts)  # the answer only: no apology sent after it
    assert online.clock.delays == waits
    [logged] = problems(caplog)  # once, by us: the handler did not crash ("Ignoring exception in on_message")
    assert (logged.name, logged.levelno, logged.exc_info) == ("quotebot.bot.exts.mentions", logging.ERROR, None)
    assert logged.getMessage().startswith(f"could not reply to message {asked} in channel {DM}: {status}")

    await online.dm("And now?")  # Discord is back: the next question is answered as usual
    assert [p.status for p in online.fake.sent("POST", MESSAGES)][tries:] == [200]
    assert len(engine.calls) == 2


async def test_a_refused_short_line_is_logged_once(online: Online, caplog: pytest.LogCaptureFixture) -> None:
    online.bot.limiter.rate = 1
    await online.dm("First?")
    online.fake.script("POST", MESSAGES, *[server_error()] * 5)
    with caplog.at_level(logging.INFO):
        await online.dm("Second, too soon?")  # the cooldown line fails to send: logged, not raised
    assert [p.status for p in online.fake.sent("POST", MESSAGES)] == [200] + [500] * 5
    [logged] = problems(caplog)
    assert logged.name == "quotebot.bot.exts.mentions" and "could not reply" in logged.getMessage()


# -- interactions (/ask, a button) through discord.py's webhook adapter --------------------------------


def callbacks(fake: FakeDiscord, token: str) -> list[int]:
    """Return the statuses of the interaction's responses."""
    return [r.status for r in fake.sent("POST", rf"/interactions/\d+/{token}/callback")]


def followups(fake: FakeDiscord, token: str) -> list[Any]:
    """Return the follow-up messages sent on the interaction's webhook."""
    return fake.sent("POST", f"/webhooks/{APP_ID}/{token}")


async def test_ask_answers_through_the_real_interaction_path(online: Online, engine: FakeEngine) -> None:
    token = await online.ask("What about backdoors?")
    assert callbacks(online.fake, token) == [200]
    [sent] = followups(online.fake, token)
    assert sent.status == 200 and sent.query["wait"] == "1"
    assert sent.body["content"] == "**Question:** What about backdoors?"
    assert engine.calls == [("What about backdoors?", 9)]


async def test_an_interaction_that_expired_before_the_defer_is_logged_once(
    online: Online, engine: FakeEngine, caplog: pytest.LogCaptureFixture
) -> None:
    expiring = next(_ids)
    online.fake.script("POST", f"/interactions/{expiring}/{token_of(expiring)}/callback", expired(10062))
    with caplog.at_level(logging.INFO):
        token = await online.ask("What about backdoors?", interaction_id=expiring)
    assert callbacks(online.fake, token) == [404]  # the defer, and nothing after it
    assert followups(online.fake, token) == []
    assert engine.calls == []
    [logged] = problems(caplog)
    assert (logged.name, logged.levelno, logged.exc_info) == ("quotebot.bot.exts.errors", logging.WARNING, None)
    assert "expired before it was answered" in logged.getMessage() and "10062" in logged.getMessage()

    again = await online.ask("What about sovereignty?")  # the bot keeps answering
    assert callbacks(online.fake, again) == [200] and [f.status for f in followups(online.fake, again)] == [200]
    assert len(engine.calls) == 1


async def test_an_interaction_that_expired_before_the_answer_is_logged_once(
    online: Online, engine: FakeEngine, caplog: pytest.LogCaptureFixture
) -> None:
    slow = next(_ids)
    online.fake.script("POST", f"/webhooks/{APP_ID}/{token_of(slow)}", expired(10015))  # the 15-minute token is gone
    with caplog.at_level(logging.INFO):
        token = await online.ask("What about backdoors?", interaction_id=slow)
    assert callbacks(online.fake, token) == [200]
    assert [f.status for f in followups(online.fake, token)] == [404]  # the answer, and no apology after it
    [logged] = problems(caplog)
    assert (logged.name, logged.levelno, logged.exc_info) == ("quotebot.bot.exts.errors", logging.WARNING, None)
    assert "10015" in logged.getMessage()


async def test_an_answer_discord_keeps_failing_gets_one_short_apology(
    online: Online, caplog: pytest.LogCaptureFixture
) -> None:
    failing = next(_ids)
    online.fake.script("POST", f"/webhooks/{APP_ID}/{token_of(failing)}", *[server_error(502)] * 5)
    with caplog.at_level(logging.INFO):
        token = await online.ask("What about backdoors?", interaction_id=failing)
    sent = followups(online.fake, token)
    assert [f.status for f in sent] == [502] * 5 + [200]  # the answer, tried five times; then the apology
    assert all(f.body["content"] == "**Question:** What about backdoors?" for f in sent[:5])
    assert sent[5].body["content"] == NOT_SENT and sent[5].body["flags"] == 64  # private
    assert online.clock.delays == [1, 3, 5, 7, 9]
    [logged] = problems(caplog)
    assert (logged.name, logged.levelno, logged.exc_info) == ("quotebot.bot.exts.errors", logging.WARNING, None)
    assert logged.getMessage().endswith("told them")


async def test_when_the_apology_fails_too_it_is_logged_once(online: Online, caplog: pytest.LogCaptureFixture) -> None:
    failing = next(_ids)
    online.fake.script("POST", f"/webhooks/{APP_ID}/{token_of(failing)}", *[server_error(500)] * 10)
    with caplog.at_level(logging.INFO):
        token = await online.ask("What about backdoors?", interaction_id=failing)
    sent = followups(online.fake, token)
    assert [f.body["content"] for f in sent] == ["**Question:** What about backdoors?"] * 5 + [NOT_SENT] * 5
    [logged] = problems(caplog)
    assert (logged.name, logged.levelno, logged.exc_info) == ("quotebot.bot.exts.errors", logging.ERROR, None)
    assert "nor tell them" in logged.getMessage()


async def test_a_button_click_that_expired_is_logged_once(
    online: Online, engine: FakeEngine, caplog: pytest.LogCaptureFixture
) -> None:
    token = await online.ask("What about backdoors?")
    answer = followups(online.fake, token)[0].reply  # the message the buttons are on
    click = next(_ids)
    online.fake.script("POST", f"/interactions/{click}/{token_of(click)}/callback", expired(10062))
    with caplog.at_level(logging.INFO):
        await online.interact(button(answer, "quotebot:up"), kind=3, message=answer, interaction_id=click)
    assert callbacks(online.fake, token_of(click)) == [404]  # the thanks, and no apology after it
    [logged] = problems(caplog)
    assert (logged.name, logged.levelno, logged.exc_info) == ("quotebot.bot.reply.items", logging.WARNING, None)
    assert "expired" in logged.getMessage()


# -- the gateway: a dropped connection RESUMEs, an invalidated session IDENTIFYs again -------------------


async def test_state_survives_a_resume_and_a_second_ready(
    online: Online, loader: FakeLoader, engine: FakeEngine, caplog: pytest.LogCaptureFixture
) -> None:
    bot, fake, events = online.bot, online.fake, online.events
    bot.limiter.rate = 3  # three questions per user: the third after the reconnects still counts the first
    limiter, tree_commands = bot.limiter, sorted(c.name for c in bot.tree.get_commands())
    await online.dm("Before?")
    before = button(fake.sent("POST", MESSAGES)[-1].reply, "quotebot:more")["custom_id"].split(":")[2]
    assert isinstance(store_of(bot.gaps).recall(before), AnswerView)  # type: ignore[union-attr]

    with caplog.at_level(logging.INFO):
        await fake.drop(4000)  # the gateway restarts: discord.py reconnects and RESUMEs on its own
        await events.wait("resumed", 1)
    assert fake.resumes == [{"seq": fake.sequence - 1, "session_id": "session-1", "token": TOKEN}]
    await online.dm("After the resume?")

    await fake.invalidate_session()  # not resumable: discord.py IDENTIFYs again and gets a second READY
    await events.wait("ready", 2)
    await online.dm("After the second ready?")
    await online.dm("One too many?")

    assert (events.counts["disconnect"], events.counts["resumed"], events.counts["ready"]) == (2, 1, 2)
    assert online.identified == [True, False] and len(fake.identifies) == 2
    # setup_hook ran once: the engine was loaded once and the commands synced once
    answering: Any = bot.engine
    assert loader.opened == 1 and answering is engine
    assert len(fake.sent("PUT", rf"/applications/{APP_ID}/commands")) == 1
    assert sorted(c.name for c in bot.tree.get_commands()) == tree_commands
    assert len(bot.extra_events["on_message"]) == 3  # the mentions and answer-channels cogs, Events: not added again
    # every question answered once, by the same engine; the per-user limiter kept its count
    assert [q for q, _ in engine.calls] == ["Before?", "After the resume?", "After the second ready?"]
    replies = [p.body["content"] for p in fake.sent("POST", MESSAGES)]
    assert replies[:3] == [f"**Question:** {q}" for q in ("Before?", "After the resume?", "After the second ready?")]
    assert len(replies) == 4 and replies[3].startswith("Easy there: you can ask 3 questions")
    assert bot.limiter is limiter
    assert isinstance(store_of(bot.gaps).recall(before), AnswerView)  # type: ignore[union-attr]  # buttons still work
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
