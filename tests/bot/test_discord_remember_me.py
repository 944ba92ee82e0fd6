"""/remember-me asked again and again: the listed channels' history is read at most twice, and each member may ask
once a minute (refused in one private line meanwhile).

Through discord.py's real client and the fake Discord server (tests/bot/discord_guild.py), which records every
history request; the index is real, only the embedding model is the fake one.
"""

from __future__ import annotations

from tests.bot.discord_guild import GuildDiscord
from tests.bot.test_discord_channels import FAQ, ONCALL, ROLLBACK, Start, ask, channel_settings, discord_server, start
from tests.bot.test_discord_faults import Online

FIXTURES = (start, discord_server, channel_settings)  # pytest finds them by these names in this module

MEMBERS = range(3000, 3010)
EPHEMERAL = 64


def history_reads(discord_server: GuildDiscord) -> int:
    """Count the requests for a page of FAQ's history (one page holds all of it here: one request, one read)."""
    return len(discord_server.sent("GET", rf"/channels/{FAQ}/messages"))


async def command(online: Online, name: str, member: int) -> str:
    """Run /forget-me or /remember-me as `member`; return the private line it answered."""
    token = await online.interact({"id": "790", "name": name, "type": 1}, user=member)
    [callback] = online.fake.sent("POST", rf"/interactions/\d+/{token}/callback")
    assert callback.body["data"]["flags"] & EPHEMERAL
    return str(callback.body["data"]["content"])


async def test_ten_members_forgotten_and_remembered_in_a_row_cost_at_most_two_history_reads(
    start: Start, discord_server: GuildDiscord
) -> None:
    discord_server.post(FAQ, ONCALL)
    discord_server.post(FAQ, ROLLBACK, author=MEMBERS[0])
    online = await start()
    before = history_reads(discord_server)
    discord_server.hang("GET", f"/channels/{FAQ}/messages")  # a long history: the first read is still running
    for member in MEMBERS:
        assert "will not be quoted again" in await command(online, "forget-me", member)
        assert (await command(online, "remember-me", member)).startswith("Done")
    discord_server.release()
    await online.bot.settled()
    assert 1 <= history_reads(discord_server) - before <= 2  # one read running, one more for all who asked meanwhile
    assert "make rollback" in await ask(online, "How does the rollback run?")  # the last read brought them back


async def test_remember_me_again_within_a_minute_is_refused_in_one_private_line(
    start: Start, discord_server: GuildDiscord
) -> None:
    discord_server.post(FAQ, ROLLBACK, author=MEMBERS[0])
    online = await start()
    member = MEMBERS[0]
    await command(online, "forget-me", member)
    assert (await command(online, "remember-me", member)).startswith("Done")
    await command(online, "forget-me", member)  # never refused: stopping being quoted is always at once
    refused = await command(online, "remember-me", member)
    assert refused.startswith("You ran /remember-me a moment ago") and "Try again in" in refused and "\n" not in refused
    await online.bot.settled()
    assert "make rollback" not in await ask(online, "How does the rollback run?")  # still forgotten
    assert (await command(online, "remember-me", MEMBERS[1])).startswith("You had not asked")  # others: not limited
