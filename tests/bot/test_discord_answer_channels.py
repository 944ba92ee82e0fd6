"""Answer channels and forums, through discord.py's real client and the fake Discord server.

A forum post and a question in an answer channel each get exactly one answer in the right place (inside the
post; in a thread started on the question), with 👀 while the bot works; non-questions, bots and messages to
someone else get none; a follow-up in the thread is searched with the thread's first question. The index is
real (FAISS, BM25, the chunker) over a small folder; only the embedding model is the fake one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from quotebot.bot.exts import answer_channels
from quotebot.bot.intake.limits import BusyError, GlobalLimitError
from quotebot.bot.intake.places import Place
from quotebot.bot.ops.answering import asks, with_context
from quotebot.bot.ops.settings import Settings
from quotebot.index import Answer, open_library
from tests.bot.discord_guild import GUILD, GuildDiscord
from tests.bot.discord_http_server import message_json, user_json
from tests.bot.test_discord_channels import Start, discord_server, start
from tests.bot.test_discord_faults import Online
from tests.fakes import FakeEmbedder

FIXTURES = (start, discord_server)  # used by name below

ASKS = 20  # an answer text channel (Online.interact's channel)
QUIET = 21  # a text channel that is not one
FORUM = 40  # an answer forum
ASKER, OTHER = 2000, 2002
ROLLBACK = "The rollback procedure was introduced in 2019, after the March outage; it runs with make rollback."
COFFEE = "The coffee machine rota started in 2021 and changes every week."
FIRST = "How does the rollback procedure run?"
FOLLOW_UP = "And when did that start?"
CONFIG = f"""\
[collections.docs]
path = "corpus"

[[answer_channels]]
channel = {ASKS}

[[answer_channels]]
channel = {FORUM}
"""
_ids = iter(range(700_000, 800_000))


@pytest.fixture
def channel_settings(tmp_path: Path) -> Settings:
    """Settings over a two-document folder, with an answer channel and an answer forum in quotebot.toml."""
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "rollback.md").write_text(f"# Rollbacks\n\n{ROLLBACK}\n", encoding="utf-8")
    (tmp_path / "corpus" / "coffee.md").write_text(f"# Office\n\n{COFFEE}\n", encoding="utf-8")
    (tmp_path / "quotebot.toml").write_text(CONFIG, encoding="utf-8")
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        config_file=tmp_path / "quotebot.toml",
        corpus_dir=tmp_path / "corpus",
        data_dir=tmp_path / "data",
        index_dir=tmp_path / "index",
        live_debounce=0,
    )


@pytest.fixture(autouse=True)
def channels(discord_server: GuildDiscord) -> None:
    discord_server.text_channel(FORUM, "help", kind=15)


def message(channel: int, content: str, *, author: int = ASKER, bot: bool = False, **extra: Any) -> dict[str, Any]:
    """Return a new message's MESSAGE_CREATE payload."""
    data = message_json(str(next(_ids)), channel, user_json(author, f"member{author}", bot=bot), {"content": content})
    return {**data, "guild_id": str(GUILD), **extra}


def posts_in(online: Online, channel: int) -> list[dict[str, Any]]:
    """Return the messages the bot posted in a channel or thread."""
    return [r.body for r in online.fake.sent("POST", rf"/channels/{channel}/messages")]


def reactions(online: Online, method: str) -> list[str]:
    return [r.path for r in online.fake.sent(method, r"/channels/\d+/messages/\d+/reactions/.+/@me")]


async def test_a_forum_post_gets_one_answer_inside_the_post_with_eyes_meanwhile(
    start: Start, discord_server: GuildDiscord
) -> None:
    online = await start()
    post = next(_ids)
    thread = discord_server.thread(post, FORUM, "Rollbacks")
    await online.fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
    starter = message_json(str(post), post, user_json(ASKER, "asker"), {"content": FIRST})
    await online.deliver("MESSAGE_CREATE", {**starter, "guild_id": str(GUILD)}, "message")
    [answer] = posts_in(online, post)
    assert "make rollback" in json.dumps(answer) and int(answer["message_reference"]["message_id"]) == post
    assert answer["allowed_mentions"]["parse"] == []
    assert len(reactions(online, "PUT")) == 1 and len(reactions(online, "DELETE")) == 1  # 👀 added, then removed


async def test_a_question_in_an_answer_channel_gets_one_answer_in_a_thread_started_on_it(
    start: Start, discord_server: GuildDiscord
) -> None:
    online = await start()
    question = message(ASKS, FIRST)
    await online.deliver("MESSAGE_CREATE", question, "message")
    [started] = online.fake.sent("POST", rf"/channels/{ASKS}/messages/{question['id']}/threads")
    assert started.body["name"] == FIRST
    [answer] = posts_in(online, int(question["id"]))  # the thread shares the question's id
    assert "make rollback" in json.dumps(answer)
    assert posts_in(online, ASKS) == []  # nothing in the channel itself


@pytest.mark.parametrize(
    ("channel", "content", "extra", "why"),
    [
        (ASKS, "The deploy went fine today.", {}, "not a question"),
        (QUIET, FIRST, {}, "not an answer channel"),
        (ASKS, f"<@{OTHER}> {FIRST}", {"mentions": [user_json(OTHER, "other")]}, "a question to someone else"),
        (ASKS, f"@everyone {FIRST}", {"mention_everyone": True}, "a question to everyone"),
    ],
)
async def test_messages_that_are_not_for_the_bot_get_nothing(
    start: Start, channel: int, content: str, extra: dict[str, Any], why: str
) -> None:
    online = await start()
    await online.deliver("MESSAGE_CREATE", message(channel, content, **extra), "message")
    assert online.fake.sent("POST", r"/channels/\d+/messages.*") == [], why
    assert reactions(online, "PUT") == [], why


async def test_bots_get_nothing(start: Start) -> None:
    online = await start()
    await online.deliver("MESSAGE_CREATE", message(ASKS, FIRST, author=4242, bot=True), "message")
    assert online.fake.sent("POST", r"/channels/\d+/messages.*") == []


async def test_a_follow_up_is_searched_with_the_threads_first_question(
    start: Start, discord_server: GuildDiscord, channel_settings: Settings
) -> None:
    # the case: the follow-up alone finds the wrong passage, with the first question the right one
    library = open_library(channel_settings.corpus_dir, channel_settings.index_dir / "check", embedder=FakeEmbedder())
    assert library.answer(FOLLOW_UP).passages[0].text == COFFEE
    assert library.answer(with_context(FOLLOW_UP, FIRST)).passages[0].text == ROLLBACK

    online = await start()
    question = message(ASKS, FIRST)
    await online.deliver("MESSAGE_CREATE", question, "message")
    thread = discord_server.channels[int(question["id"])]
    await online.fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
    await online.deliver("MESSAGE_CREATE", message(int(question["id"]), FOLLOW_UP), "message")
    _, second = posts_in(online, int(question["id"]))
    shown = json.dumps(second, ensure_ascii=False)
    assert "make rollback" in shown and "coffee" not in shown
    assert FIRST in second["content"] and FOLLOW_UP in second["content"]  # it says which question it took


@pytest.mark.parametrize(
    ("content", "mode", "expected"),
    [
        ("How does it run?", "questions", True),
        ("它怎么运行？", "questions", True),
        ("كيف يعمل؟", "questions", True),
        ("It runs nightly.", "questions", False),
        ("It runs nightly.", "all", True),
        ("   ", "all", False),
    ],
)
def test_which_messages_ask(content: str, mode: Any, expected: bool) -> None:
    assert asks(content, mode) is expected


async def test_a_mention_in_an_answer_channel_is_answered_once_and_the_intent_is_asked_for(
    start: Start, discord_server: GuildDiscord
) -> None:
    online = await start()
    assert online.bot.intents.message_content and discord_server.identifies[0]["intents"] & (1 << 15)
    asked = message(ASKS, "<@1000> rollback procedure", mentions=[user_json(1000, "quotebot", bot=True)])
    await online.deliver("MESSAGE_CREATE", asked, "message")
    assert len(online.fake.sent("POST", r"/channels/\d+/messages/\d+/threads")) == 1
    assert len(online.fake.sent("POST", r"/channels/\d+/messages")) == 1  # in the thread; the mentions cog stays out


async def configure(online: Online, name: str, options: list[dict[str, Any]], *, manager: bool) -> str:
    """Run /config <name> as a member with (or without) Manage Server; return what the bot sent for it."""
    picked = next(o["value"] for o in options if o["name"] == "channel")
    resolved = {picked: {**online.fake.channels[int(picked)], "permissions": "2048"}}  # as Discord resolves it
    data = {"id": "781", "name": "config", "type": 1, "options": [{"name": name, "type": 1, "options": options}],
            "resolved": {"channels": resolved}}  # fmt: skip
    token = await online.interact(data, permissions=2048 | 32 if manager else 2048)  # 32: Manage Server
    sent = online.fake.sent("POST", rf"/interactions/\d+/{token}/callback")
    sent += online.fake.sent("POST", rf"/webhooks/\d+/{token}")
    return json.dumps([r.body for r in sent], ensure_ascii=False)


async def test_config_sets_and_removes_an_answer_channel_for_managers_only(start: Start) -> None:
    online = await start()
    channel = [{"name": "channel", "type": 7, "value": str(QUIET)}, {"name": "mode", "type": 3, "value": "all"}]
    refused = await configure(online, "answer-channel", channel, manager=False)
    assert online.bot.answer_channels.get(QUIET) is None and "64" in refused  # refused, privately
    reply = await configure(online, "answer-channel", channel, manager=True)
    assert "without a mention" in reply and '"flags": 64' in reply
    assert online.bot.answer_channels.get(QUIET) is not None  # kept in data/answer_channels.json
    await online.deliver("MESSAGE_CREATE", message(QUIET, "rollback procedure"), "message")  # mode all: no "?"
    assert len(online.fake.sent("POST", r"/channels/\d+/messages")) == 1
    assert "no longer answer" in await configure(online, "answer-channel-off", channel[:1], manager=True)
    fixed = [{"name": "channel", "type": 7, "value": str(ASKS)}]  # the file fixes this one
    assert "quotebot.toml" in await configure(online, "answer-channel-off", fixed, manager=True)


async def test_a_mention_in_a_thread_the_bot_answered_in_is_a_follow_up(
    start: Start, discord_server: GuildDiscord
) -> None:
    online = await start()
    thread = discord_server.thread(next(_ids), QUIET, "Ops")  # a thread outside answer channels
    await online.fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
    me = [user_json(1000, "quotebot", bot=True)]
    first = message(int(thread["id"]), f"<@1000> {FIRST}", mentions=me)
    await online.deliver("MESSAGE_CREATE", first, "message")
    await online.deliver("MESSAGE_CREATE", message(int(thread["id"]), "no mention, no answer?"), "message")
    await online.deliver("MESSAGE_CREATE", message(int(thread["id"]), f"<@1000> {FOLLOW_UP}", mentions=me), "message")
    answered = posts_in(online, int(thread["id"]))
    assert len(answered) == 2 and FIRST in answered[1]["content"]  # the second was searched with the first
    assert "make rollback" in json.dumps(answered[1])


async def test_a_forum_post_with_a_title_and_only_an_image_is_answered_from_its_title(
    start: Start, discord_server: GuildDiscord
) -> None:
    online = await start()
    post = next(_ids)
    thread = discord_server.thread(post, FORUM, FIRST)
    await online.fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
    starter = message_json(str(post), post, user_json(ASKER, "asker"), {"content": ""})
    await online.deliver("MESSAGE_CREATE", {**starter, "guild_id": str(GUILD)}, "message")
    [answer] = posts_in(online, post)
    assert "make rollback" in json.dumps(answer)


class _Crowded:
    """A bot whose queue is full for the first `busy` questions (then answers), and whose rate is spent once."""

    def __init__(self, busy: int) -> None:
        self.busy, self.calls = busy, 0

    async def answer(self, question: str, **_: Any) -> Answer:
        self.calls += 1
        if self.calls == 1:
            raise GlobalLimitError(2.0)
        if self.calls <= self.busy + 1:
            raise BusyError()
        return Answer(question, True)


async def test_a_post_waits_for_the_queue_and_the_global_rate_instead_of_being_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:  # a clock that moves only when the cog waits
        waits.append(seconds)

    monkeypatch.setattr(answer_channels.asyncio, "sleep", sleep)
    monkeypatch.setattr(answer_channels, "clock", lambda: sum(waits))
    cog = answer_channels.AnswerChannels(_Crowded(busy=3))  # type: ignore[arg-type]
    answer = await cog._patiently("How does the rollback run?", Place(GUILD, ASKS))
    assert answer.answered and waits == [2.0, 0.5, 1.0, 2.0]  # the rate's own wait, then backing off
    cog = answer_channels.AnswerChannels(_Crowded(busy=10_000))  # type: ignore[arg-type]
    with pytest.raises(BusyError):  # past PATIENCE, the post is told the bot is busy
        await cog._patiently("How does the rollback run?", Place(GUILD, ASKS))


async def test_a_member_over_the_cooldown_gets_an_hourglass_not_a_reply(
    start: Start, channel_settings: Settings
) -> None:
    online = await start(channel_settings.model_copy(update={"cooldown_rate": 1}))
    await online.deliver("MESSAGE_CREATE", message(ASKS, FIRST), "message")
    await online.deliver("MESSAGE_CREATE", message(ASKS, "And the window?"), "message")
    assert len(online.fake.sent("POST", r"/channels/\d+/messages")) == 1  # the first question's answer only
    assert online.fake.sent("POST", rf"/channels/{ASKS}/messages") == []  # no cooldown line in the channel
    assert [p.split("/")[-2] for p in reactions(online, "PUT")] == ["👀", "👀", "⏳"]
