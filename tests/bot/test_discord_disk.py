"""Gone from disk too: a deleted or edited Discord message's text leaves every file the bot keeps.

Through discord.py's real client and the fake Discord server, with a real index (only the embedding model is the
fake one): the mirror drops the message at once, and the index build that still holds it is deleted once the
rebuild without it is answering and `QuoteBot.prune_grace` has passed (0 here).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from quotebot.bot.ops.settings import Settings
from tests.bot.discord_guild import GUILD, GuildDiscord
from tests.bot.test_discord_channels import FAQ, ONCALL, Start, ask, channel_settings, discord_server, start
from tests.bot.test_discord_faults import Online

FIXTURES = (start, discord_server, channel_settings)  # pytest finds them by these names in this module

SECRET = "The staging password is hunter2-falcon until the first of the month."


def holding(root: Path, needle: bytes) -> list[Path]:
    """Return the files under `root` whose bytes contain `needle`."""
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


async def delete(online: Online, fake: GuildDiscord, message: dict[str, object]) -> None:
    """Delete a message on Discord, with the gateway's event."""
    del fake.history[FAQ][int(str(message["id"]))]
    deleted = {"id": message["id"], "channel_id": str(FAQ), "guild_id": str(GUILD)}
    await online.deliver("MESSAGE_DELETE", deleted, "raw_message_delete")


async def edit(online: Online, fake: GuildDiscord, message: dict[str, object]) -> None:
    """Edit a message on Discord (the secret taken out), with the gateway's event."""
    edited = {**message, "content": "The staging password is in the vault now."}
    fake.history[FAQ][int(str(message["id"]))] = edited
    await online.deliver("MESSAGE_UPDATE", edited, "raw_message_edit")


async def forget(online: Online, fake: GuildDiscord, message: dict[str, object]) -> None:
    """Its author runs /forget-me."""
    online.bot.forget(int(str(message["author"]["id"])))  # type: ignore[index]


@pytest.mark.parametrize("withdraw", [delete, edit, forget], ids=["delete", "edit", "forget-me"])
async def test_a_withdrawn_messages_text_leaves_every_file_the_bot_keeps(
    start: Start, discord_server: GuildDiscord, channel_settings: Settings, withdraw: object
) -> None:
    message = discord_server.post(FAQ, SECRET, author=3000)
    discord_server.post(FAQ, ONCALL)
    online = await start()
    online.bot.prune_grace = online.bot.save_delay = 0.0  # the updated index written, the replaced build pruned, at once
    assert "hunter2-falcon" in await ask(online, "What is the staging password?")
    roots = [channel_settings.data_dir, channel_settings.index_dir]
    assert any(holding(root, b"hunter2-falcon") for root in roots)  # the control: the mirror and the index hold it

    await withdraw(online, discord_server, message)  # type: ignore[operator]
    await online.bot.settled()  # the re-index without it is answering
    await asyncio.sleep(0.05)  # the prune, scheduled `prune_grace` after the swap
    await online.bot.settled()
    assert "hunter2-falcon" not in await ask(online, "What is the staging password?")
    assert [p for root in roots for p in holding(root, b"hunter2-falcon")] == []
