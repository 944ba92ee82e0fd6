"""Collections on Discord: a real Library over a public and a private collection, asked from different places.

The private collection's text must reach only the channels quotebot.toml maps to it (and their threads),
never a public channel or a direct message; a place that can search nothing gets one clear line.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
import pytest_asyncio

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.client.testing import FakeInteraction, run_command, slash
from quotebot.bot.ops.settings import Settings
from quotebot.bot.reply.listing import index_summary
from quotebot.index.collections import load_collections
from quotebot.index.library import Library, open_library
from tests.bot.discord_fakes import FakeLoader
from tests.fakes import FakeEmbedder

SERVER, PUBLIC_CHANNEL, PRIVATE_CHANNEL, THREAD = 10, 20, 30, 40
QUESTION = "Where do staff park?"
HANDBOOK = "The office opens at nine. Staff park in the visitor car park; parking passes are issued by reception."
SECURITY = "Security staff park in the locked basement bay; the door code changes weekly."
SECRETS = ("basement", "door code", "Security runbook", "basement.md")  # any of these in a reply is a leak
REFUSAL = "No collection can be searched from here: ask an admin to map this channel to one"


def make_library(root: Path, *, private_channel: int = PRIVATE_CHANNEL, public: bool = True) -> Library:
    """Write a project (a public `handbook` unless `public` is False, a private `security`) and open it."""
    toml = []
    if public:
        (root / "handbook").mkdir()
        (root / "handbook" / "office.md").write_text(f"# Office guide\n\n{HANDBOOK}\n", encoding="utf-8")
        toml.append('[collections.handbook]\npath = "handbook"\n')
    (root / "security").mkdir()
    (root / "security" / "basement.md").write_text(f"# Security runbook\n\n{SECURITY}\n", encoding="utf-8")
    toml.append(f'[collections.security]\npath = "security"\nprivate = true\nchannels = [{private_channel}]\n')
    (root / "quotebot.toml").write_text("\n".join(toml), encoding="utf-8")
    collections = load_collections(root / "quotebot.toml", root / "corpus")
    return open_library(collections, root / "index", embedder=FakeEmbedder())


@pytest.fixture
def engine(tmp_path: Path) -> Library:  # overrides conftest's FakeEngine: the `bot` fixture answers from it
    """Return a real Library over handbook (public) and security (private to PRIVATE_CHANNEL)."""
    return make_library(tmp_path)


def asked(bot: QuoteBot, name: str, channel: int, *, thread: bool = False, **options: Any) -> FakeInteraction:
    """Build /name in SERVER's `channel`, or in a thread whose parent is `channel`."""
    interaction = slash(bot, name, **options)
    interaction.guild_id, interaction.channel_id = SERVER, channel
    if thread:
        place = discord.Thread.__new__(discord.Thread)  # a real Thread, as places.py checks: only its parent matters
        place.id, place.parent_id = THREAD, channel
        interaction.channel_id, interaction.channel = THREAD, place
    return interaction


def shown(sent: dict[str, Any]) -> str:
    """Return everything a sent message shows: its content and its embeds."""
    return json.dumps([sent.get("content"), *[e.to_dict() for e in sent.get("embeds", [])]], ensure_ascii=False)


async def ask(bot: QuoteBot, channel: int, *, thread: bool = False) -> dict[str, Any]:
    """Run /ask QUESTION from a place and return the follow-up it sent."""
    interaction = asked(bot, "ask", channel, thread=thread, question=QUESTION)
    await run_command(bot, interaction)
    assert interaction.calls.names() == ["defer", "followup.send"]
    return interaction.calls.of("followup.send")[0]


async def test_the_same_question_gets_different_passages_by_channel(bot: QuoteBot) -> None:
    public, private = await ask(bot, PUBLIC_CHANNEL), await ask(bot, PRIVATE_CHANNEL)
    assert "visitor car park" in shown(public) and "visitor car park" in shown(private)
    assert "basement" in shown(private)
    assert not any(secret in shown(public) for secret in SECRETS)
    assert {p.collection for p in public["view"].answer.passages} == {"handbook"}  # later pages too
    assert {p.collection for p in private["view"].answer.passages} == {"handbook", "security"}


@pytest.mark.parametrize(("parent", "sees_private"), [(PRIVATE_CHANNEL, True), (PUBLIC_CHANNEL, False)])
async def test_a_thread_inherits_its_parent_channels_access(bot: QuoteBot, parent: int, sees_private: bool) -> None:
    sent = await ask(bot, parent, thread=True)
    assert ("basement" in shown(sent)) is sees_private
    assert "visitor car park" in shown(sent)


async def test_sources_lists_what_the_channel_can_search_naming_each_collection(bot: QuoteBot) -> None:
    def listed(channel: int) -> list[str]:
        sent = interactions[channel].calls.of("send_message")[0]
        return str(sent["embeds"][0].description).split("\n\n")

    interactions = {channel: asked(bot, "sources", channel) for channel in (PUBLIC_CHANNEL, PRIVATE_CHANNEL)}
    for interaction in interactions.values():
        await run_command(bot, interaction)
    [public] = listed(PUBLIC_CHANNEL)
    assert public.startswith("**Office guide**\nhandbook · ") and public.endswith("office.md")
    assert not any(secret in public for secret in SECRETS)
    handbook, security = listed(PRIVATE_CHANNEL)
    assert handbook == public
    assert security.startswith("**Security runbook**\nsecurity · ") and security.endswith("basement.md")


async def test_a_place_that_can_search_nothing_gets_one_clear_line(bot: QuoteBot, tmp_path: Path) -> None:
    (tmp_path / "only-private").mkdir()
    bot._engine = make_library(tmp_path / "only-private", public=False)
    sent = await ask(bot, PUBLIC_CHANNEL)
    assert sent["content"] == REFUSAL and sent["ephemeral"] is True
    assert sent.get("embeds", []) == [] and "view" not in sent
    sources = asked(bot, "sources", PUBLIC_CHANNEL)
    await run_command(bot, sources)
    assert sources.calls.of("send_message")[0]["content"].startswith("Nothing can be searched from here")
    mapped = await ask(bot, PRIVATE_CHANNEL)
    assert "basement" in shown(mapped)  # the refusal is about the place, not the project


@pytest_asyncio.fixture
async def live(settings: Settings, tmp_path: Path) -> AsyncIterator[QuoteBot]:
    """A bot wired to dpytest whose security collection is private to dpytest's first channel."""
    loader = FakeLoader()  # its fake engine is replaced below, once dpytest has made the channel ids
    client = QuoteBot(settings, loader=loader, engine=loader.engine, sync_commands=False)
    await client._async_setup_hook()
    await client.setup_hook()
    state = client._connection
    state._intents.members = True  # see test_discord_mentions.live: a limit of dpytest, not of the bot
    state.member_cache_flags = discord.MemberCacheFlags.from_intents(state._intents)
    dpytest.configure(client)
    client._connection.loop = asyncio.get_running_loop()
    client._engine = make_library(tmp_path, private_channel=dpytest.get_config().channels[0].id)
    yield client
    await dpytest.empty_queue()
    client.ws = None  # type: ignore[assignment]
    await client.close()


def reply_text(message: discord.Message) -> str:
    """Return what a reply shows: its content and its embeds."""
    return json.dumps([message.content, *[e.to_dict() for e in message.embeds]], ensure_ascii=False)


async def test_a_direct_message_never_gets_the_private_collection(live: QuoteBot) -> None:
    config = dpytest.get_config()
    assert live.user is not None
    await dpytest.message(f"<@{live.user.id}> {QUESTION}", channel=config.channels[0])
    assert "basement" in reply_text(dpytest.get_message())  # mapped channel: the private text is there
    member = config.members[0]
    await dpytest.message(QUESTION, channel=await member.create_dm(), member=member)
    dm = reply_text(dpytest.get_message())
    assert "visitor car park" in dm and not any(secret in dm for secret in SECRETS)


def test_the_reindex_summary_counts_every_collection(engine: Library) -> None:
    # one document and one paragraph in each collection; the first collection alone would say "1 … 1"
    assert index_summary(engine) == "2 passages from 2 documents"


async def test_a_symlink_never_carries_a_private_file_into_a_public_channel(bot: QuoteBot, tmp_path: Path) -> None:
    root = tmp_path / "nested"
    (root / "docs" / "security").mkdir(parents=True)
    (root / "docs" / "office.md").write_text(f"# Office guide\n\n{HANDBOOK}\n", encoding="utf-8")
    (root / "docs" / "security" / "vault.md").write_text(f"# Security runbook\n\n{SECURITY}\n", encoding="utf-8")
    (root / "docs" / "handy-notes.md").symlink_to(root / "docs" / "security" / "vault.md")  # written by a docs/ author
    config = f'[collections.handbook]\npath = "docs"\n\n[collections.security]\npath = "docs/security"\nprivate = true\nchannels = [{PRIVATE_CHANNEL}]\n'
    (root / "quotebot.toml").write_text(config, encoding="utf-8")
    collections = load_collections(root / "quotebot.toml", root / "docs")
    bot._engine = open_library(collections, root / "index", embedder=FakeEmbedder())
    public, private = await ask(bot, PUBLIC_CHANNEL), await ask(bot, PRIVATE_CHANNEL)
    assert not any(secret in shown(public) for secret in (*SECRETS, "vault", "handy-notes"))
    assert {p.collection for p in public["view"].answer.passages} == {"handbook"}
    assert "basement" in shown(private) and "handy-notes" not in shown(private)
    sources = asked(bot, "sources", PUBLIC_CHANNEL)
    await run_command(bot, sources)
    assert "handy-notes" not in str(sources.calls.of("send_message")[0]["embeds"][0].description)
