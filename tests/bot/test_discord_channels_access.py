"""Discord channels as a live collection: who may read them, who opted out, and what a bad setup says.

Through discord.py's real client and the fake Discord server (tests/bot/discord_guild.py), as in
test_discord_channels.py: a channel's messages reach its own channels only, a member who ran /forget-me is never
quoted or mirrored again, and a refused intent or an unreadable channel is one line that says what to do.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import discord
import discord.http
import pytest
import yarl
from discord.gateway import DiscordWebSocket
from pydantic import SecretStr

import tests.bot.test_discord_faults as faults
from quotebot.bot.cli import serve as serving
from quotebot.bot.client import client
from quotebot.bot.ops.settings import Settings
from quotebot.index import QuotebotError
from tests.bot.discord_guild import GUILD, MESSAGE_CONTENT, GuildDiscord
from tests.bot.discord_http_server import TOKEN
from tests.bot.test_discord_channels import (
    FAQ,
    ONCALL,
    OTHER,
    ROLLBACK,
    FakeModelLoader,
    Start,
    ask,
    channel_settings,
    discord_server,
    quoted,
    start,
    write_config,
)
from tests.bot.test_discord_faults import ASKER, DM, Online

FIXTURES = (start, discord_server, channel_settings)  # pytest finds them by these names in this module

ELSEWHERE, ELSEWHERE_CHANNEL = 99, 50  # another server, and one of its channels
NOBODY_ASKED = 2001  # a member who did not run /forget-me
WINDOW = "The rollback window closes at five on Fridays, before the weekend freeze."


async def ask_in(online: Online, question: str, guild: int, channel: int, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run /ask in another server or channel (Online.interact's place); return what was sent."""
    await online.bot.settled()
    with monkeypatch.context() as place:
        place.setattr(faults, "GUILD", guild)
        place.setattr(faults, "CHANNEL", channel)
        token = await online.ask(question)
    return quoted(online, token)


async def ask_in_dm(online: Online, question: str) -> str:
    """Ask in a DM with the bot; return every message the bot sent there."""
    await online.bot.settled()
    await online.dm(question)
    return json.dumps([r.body for r in online.fake.sent("POST", f"/channels/{DM}/messages")], ensure_ascii=False)


async def test_a_channels_messages_never_reach_another_server_a_dm_or_an_unlisted_channel(
    start: Start, discord_server: GuildDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, f"servers = [{ELSEWHERE}]\n")  # the collection is searched there too: not its messages
    discord_server.post(FAQ, ROLLBACK)
    online = await start()
    question = "How does the rollback run?"
    elsewhere = await ask_in(online, question, ELSEWHERE, ELSEWHERE_CHANNEL, monkeypatch)
    assert "make rollback" not in elsewhere and f"**Question:** {question}" in elsewhere
    assert "make rollback" not in await ask_in(online, question, GUILD, OTHER, monkeypatch)
    in_dm = await ask_in_dm(online, question)
    assert "make rollback" not in in_dm and "No collection can be searched from here" in in_dm
    assert "make rollback" in await ask(online, question)  # in its own channel it is quoted


async def test_forget_me_removes_a_members_channel_messages_and_keeps_their_new_ones_out(
    start: Start, discord_server: GuildDiscord, tmp_path: Path
) -> None:
    discord_server.post(FAQ, ROLLBACK, author=ASKER)
    discord_server.post(FAQ, ONCALL, author=NOBODY_ASKED)
    online = await start()
    assert "make rollback" in await ask(online, "How does the rollback run?")

    token = await online.interact({"id": "778", "name": "forget-me", "type": 1})
    [callback] = discord_server.sent("POST", rf"/interactions/\d+/{token}/callback")
    assert callback.body["data"]["flags"] == 64  # told privately
    assert "make rollback" not in await ask(online, "How does the rollback run?")
    assert "on-call rotation" in await ask(online, "When does the on-call rotation change?")
    assert "make rollback" not in mirrored(tmp_path) and "on-call rotation" in mirrored(tmp_path)

    later = discord_server.post(FAQ, WINDOW, author=ASKER)
    await online.deliver("MESSAGE_CREATE", later, "message")
    assert "window closes" not in await ask(online, "When does the rollback window close?")
    assert "window closes" not in mirrored(tmp_path)

    await online.interact({"id": "779", "name": "remember-me", "type": 1})  # undone: their history is read again
    assert "make rollback" in await ask(online, "How does the rollback run?")
    assert "window closes" in mirrored(tmp_path)


def mirrored(root: Path) -> str:
    """Return every file of the FAQ collection's mirror, as one string."""
    return "".join(p.read_text(encoding="utf-8") for p in sorted((root / "data" / "discord" / "faq").glob("*.json")))


async def test_a_refused_message_content_intent_stops_the_start(start: Start, discord_server: GuildDiscord) -> None:
    discord_server.refuse_message_content = True
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await start()
    assert discord_server.identifies[0]["intents"] & MESSAGE_CONTENT


def test_run_bot_says_which_intent_to_turn_on_in_one_line(
    channel_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = GuildDiscord()
    fake.text_channel(FAQ, "faq")
    fake.refuse_message_content = True
    serve = serving.serve

    async def against_the_fake(settings: Settings, token: str) -> None:
        await fake.start()
        monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
        monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url))
        try:
            await serve(settings, token)  # the real one: QuoteBot(settings), then bot.start(token)
        finally:
            await fake.close()

    monkeypatch.setattr(serving, "serve", against_the_fake)
    monkeypatch.setattr(client, "EngineLoader", FakeModelLoader)
    monkeypatch.setattr(serving, "setup_logging", lambda *_: None)  # keep the test's log capture as it is
    settings = channel_settings.model_copy(update={"discord_token": SecretStr(TOKEN)})
    with pytest.raises(QuotebotError) as refused:
        serving.run_bot(settings)
    message = str(refused.value)
    assert "Privileged Gateway Intents" in message and "Message Content" in message and "\n" not in message
    assert isinstance(refused.value.__cause__, discord.PrivilegedIntentsRequired)
    assert fake.identifies and fake.identifies[0]["intents"] & MESSAGE_CONTENT


async def test_message_content_is_asked_for_only_when_a_collection_lists_channels(
    start: Start, discord_server: GuildDiscord, channel_settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "runbook.md").write_text(f"# Runbook\n\n{ROLLBACK}\n", encoding="utf-8")
    (tmp_path / "folder.toml").write_text('[collections.docs]\npath = "docs"\n', encoding="utf-8")
    folder_only = channel_settings.model_copy(update={"config_file": tmp_path / "folder.toml"})
    online = await start(folder_only)
    assert not discord_server.identifies[0]["intents"] & MESSAGE_CONTENT
    assert "make rollback" in await ask(online, "How does the rollback run?")
    assert discord_server.sent("GET", r"/channels/\d+/messages") == []  # no channel read
    await online.bot.close()

    await start()  # quotebot.toml lists a channel
    assert discord_server.identifies[1]["intents"] & MESSAGE_CONTENT


async def test_an_unknown_and_an_unreadable_channel_are_one_warning_each(
    start: Start, discord_server: GuildDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    unknown, secret = 404404, 22
    (tmp_path / "quotebot.toml").write_text(
        f"[collections.faq]\ndiscord_channels = [{FAQ}, {unknown}, {secret}]\n", encoding="utf-8"
    )
    discord_server.text_channel(secret, "secret")
    discord_server.forbidden.add(secret)
    discord_server.post(FAQ, ROLLBACK)
    with caplog.at_level(logging.WARNING):
        online = await start()
        assert "make rollback" in await ask(online, "How does the rollback run?")  # the readable channel works
        await settle(online)
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len([w for w in warned if str(unknown) in w]) == 1, warned
    assert len([w for w in warned if str(secret) in w]) == 1, warned
    assert all("\n" not in w for w in warned)


async def settle(online: Online) -> None:
    """Wait until the handlers discord.py started (the catch-up sync on READY) and the re-indexes are done."""
    mine = asyncio.current_task()
    running = [t for t in asyncio.all_tasks() if t is not mine and t.get_name().startswith("discord.py: on_")]
    await asyncio.wait_for(asyncio.gather(*running), 5)
    await online.bot.settled()
