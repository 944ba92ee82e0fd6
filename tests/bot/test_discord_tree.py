"""The bot's command tree builds and serializes without a network; intents, mentions and syncing."""

from __future__ import annotations

import json
from typing import Any

import discord

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.ops.settings import Settings
from tests.bot.discord_fakes import FakeLoader


def commands_by_name(bot: QuoteBot) -> dict[str, dict[str, Any]]:
    """Return every command's JSON, as sent to Discord on sync, by name."""
    return {c.name: c.to_dict(bot.tree) for c in bot.tree.get_commands()}


async def test_tree_builds_and_serializes(bot: QuoteBot) -> None:
    payload = commands_by_name(bot)
    json.dumps(payload)
    assert set(payload) == {"ask", "sources", "reindex", "forget-me", "remember-me", "gaps", "config", "Find source"}
    assert payload["Find source"]["type"] == discord.AppCommandType.message.value
    for command in payload.values():
        assert all(option["description"] not in ("", "…") for option in command.get("options", []))


async def test_ask_options(bot: QuoteBot) -> None:
    ask = commands_by_name(bot)["ask"]
    assert ask["description"] == "Answer a question with verbatim quotes from the corpus."
    options = {o["name"]: o for o in ask["options"]}
    assert (options["question"]["type"], options["question"]["required"]) == (3, True)
    assert (options["question"]["min_length"], options["question"]["max_length"]) == (1, 1000)
    assert (options["results"]["min_value"], options["results"]["max_value"], options["results"]["required"]) == (
        1,
        5,
        False,
    )
    assert (options["private"]["type"], options["private"]["required"]) == (5, False)


async def test_config_is_for_server_managers_in_servers(bot: QuoteBot) -> None:
    config = commands_by_name(bot)["config"]
    assert int(config["default_member_permissions"]) == discord.Permissions(manage_guild=True).value
    assert config["contexts"] == [0]  # guild only
    assert {o["name"] for o in config["options"]} == {"answer-channel", "answer-channel-off"}


async def test_reindex_is_for_server_managers_in_servers(bot: QuoteBot) -> None:
    reindex = commands_by_name(bot)["reindex"]
    assert int(reindex["default_member_permissions"]) == discord.Permissions(manage_guild=True).value
    assert reindex["contexts"] == [0]  # guild only


def test_client_asks_for_no_privileged_intent_and_pings_nobody(settings: Settings) -> None:
    client = QuoteBot(settings, loader=FakeLoader(), sync_commands=False)
    assert not (client.intents.message_content or client.intents.members or client.intents.presences)
    assert client.intents.guild_messages and client.intents.dm_messages
    assert client.allowed_mentions is not None and client.allowed_mentions.to_dict() == {"parse": []}


class SyncSpy:
    """Stand in for CommandTree.sync and record the guild synced to."""

    def __init__(self) -> None:
        self.guilds: list[int | None] = []

    async def __call__(self, *, guild: discord.abc.Snowflake | None = None) -> list[Any]:
        self.guilds.append(guild.id if guild else None)
        return []


async def start(settings: Settings, loader: FakeLoader) -> tuple[QuoteBot, SyncSpy]:
    """Run a bot's setup hook with syncing recorded, loading the engine through the loader."""
    client = QuoteBot(settings, loader=loader)
    spy = SyncSpy()
    client.tree.sync = spy  # type: ignore[method-assign]
    await client._async_setup_hook()
    await client.setup_hook()
    return client, spy


async def test_setup_syncs_to_the_dev_guild_when_set(settings: Settings, loader: FakeLoader) -> None:
    client, spy = await start(settings.model_copy(update={"dev_guild": 42}), loader)
    assert spy.guilds == [42]
    assert {c.name for c in client.tree.get_commands(guild=discord.Object(42))} >= {"ask", "sources", "reindex"}
    assert loader.opened == 1 and client.engine is loader.engine
    await client.close()


async def test_setup_syncs_globally_otherwise(settings: Settings, loader: FakeLoader) -> None:
    client, spy = await start(settings, loader)
    assert spy.guilds == [None]
    await client.close()
