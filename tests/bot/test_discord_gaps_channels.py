"""/gaps keeps Discord's privacy per channel, through discord.py's real client against the fake Discord server.

A manager sees a gap only when they can see its channel now (a thread's: its parent's), as discord.py resolves
their permissions from the server's roles and the channel's overwrites; a question asked in a private thread
is kept without its text.
"""

from __future__ import annotations

import json

import pytest

from quotebot.bot.intake.places import Place
from quotebot.index import Answer
from tests.bot.discord_guild import GUILD, GuildDiscord
from tests.bot.discord_http_server import APP_ID, message_json, user_json
from tests.bot.test_discord_channels import FAQ, OTHER, ROLLBACK, Start, channel_settings, discord_server, start
from tests.bot.test_discord_faults import Online

FIXTURES = (start, discord_server, channel_settings)  # used by name below

SECRET = 22  # a channel only SEES may see
THREAD = 23  # a public thread of SECRET
PRIVATE = 24  # a private thread of FAQ
SEES, BLIND = 4000, 4001  # two members with Manage Server; only SEES has an overwrite on SECRET
MANAGE_GUILD, VIEW_CHANNEL = 1 << 5, 1 << 10


@pytest.fixture(autouse=True)
def server(discord_server: GuildDiscord) -> None:
    """Add the private channel, a thread of it, and a private thread of the FAQ channel."""
    secret = discord_server.text_channel(SECRET, "board")
    secret["permission_overwrites"] = [
        {"id": str(GUILD), "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)},  # @everyone may not see it
        {"id": str(SEES), "type": 1, "allow": str(VIEW_CHANNEL), "deny": "0"},
    ]
    discord_server.thread(THREAD, SECRET, "minutes")
    discord_server.thread(PRIVATE, FAQ, "hr case", private=True)
    discord_server.post(FAQ, ROLLBACK)


async def gaps(online: Online, user: int) -> str:
    """Run /gaps as a member with Manage Server; return everything the bot sent for it."""
    token = await online.interact({"id": "778", "name": "gaps", "type": 1, "options": []}, user=user,
                                  permissions=MANAGE_GUILD | 2048)  # fmt: skip
    return json.dumps([r.body for r in online.fake.sent("POST", f"/webhooks/{APP_ID}/{token}")], ensure_ascii=False)


async def test_gaps_shows_a_channels_questions_only_to_members_who_can_see_it(start: Start) -> None:
    online = await start()
    log = online.bot.gaps
    log.unanswered(Answer("Who is on call this week?", False, ()), via="slash", place=Place(GUILD, OTHER))
    log.unanswered(Answer("When is the Initech merger signed?", False, ()), via="slash", place=Place(GUILD, SECRET))
    log.feedback("Who approved the layoffs list?", -1, (), via="mention", answered=True,
                 place=Place(GUILD, THREAD, SECRET))  # fmt: skip
    log.unanswered(Answer("Asked in a channel deleted since?", False, ()), via="slash", place=Place(GUILD, 99))
    log.unanswered(Answer("Asked before channels were kept?", False, ()), via="slash", server=GUILD)

    blind = await gaps(online, BLIND)
    assert "on call" in blind
    assert "Initech" not in blind and "layoffs" not in blind  # a private channel, and a thread of it
    assert "deleted since" not in blind and "before channels" not in blind

    sees = await gaps(online, SEES)
    assert "on call" in sees and "Initech" in sees and "layoffs" in sees
    assert "deleted since" not in sees and "before channels" not in sees


async def test_a_question_asked_in_a_private_thread_is_not_kept_as_text(start: Start) -> None:
    online = await start()
    asked = "<@1000> What did the HR investigation of Bob conclude?"
    data = message_json("880001", PRIVATE, user_json(2000, "asker"), {"content": asked})
    data.update(guild_id=str(GUILD), mentions=[user_json(1000, "quotebot", bot=True)])
    await online.deliver("MESSAGE_CREATE", data, "message")
    assert online.fake.sent("POST", rf"/channels/{PRIVATE}/messages")  # answered, in the thread
    kept = online.bot.gaps.path.read_text(encoding="utf-8") if online.bot.gaps.path.exists() else ""
    assert "investigation" not in kept and "Bob" not in kept
    records = list(online.bot.gaps.records())
    assert [(r["channel"], r["parent"], r["private"], "question" in r) for r in records] == [(PRIVATE, FAQ, True, False)]
    assert "investigation" not in await gaps(online, SEES)
