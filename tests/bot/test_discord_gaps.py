"""/gaps and the 👎 reason form, through discord.py's real client against the fake Discord.

Interactions arrive as gateway events and every answer goes through discord.py's webhook adapter, so what
is checked is the JSON Discord would get: ephemeral flags, allowed_mentions, the modal (callback type 9)
and the modal submit (interaction type 5). A second group drives the command tree with FakeInteraction.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import discord
from discord import app_commands

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.client.testing import run_command, slash
from quotebot.bot.exts.gaps import gaps_embed
from quotebot.bot.intake.places import Place
from quotebot.bot.ops.gap_groups import GapGroup
from quotebot.index import Answer
from tests.bot import test_discord_faults
from tests.bot.discord_fakes import FakeEngine
from tests.bot.discord_guild import GuildDiscord
from tests.bot.discord_http_server import APP_ID, Recorded
from tests.bot.test_discord_faults import CHANNEL, DM, GUILD, Online

online = test_discord_faults.online  # the fixture: the bot logged in to the fake Discord

OTHER = 99  # another server the bot is in
ADMIN, MEMBER = 4000, 4001
MANAGE_GUILD, SEND_MESSAGES = discord.Permissions(manage_guild=True), discord.Permissions(send_messages=True)
NONE = {"parse": []}
EPHEMERAL = 64
MODAL = 9  # the interaction callback type that opens a form


async def interact(
    online: Online,
    data: dict[str, Any],
    *,
    kind: int = 2,
    user: int = ADMIN,
    permissions: discord.Permissions = MANAGE_GUILD,
    message: Any = None,
) -> str:
    """Send an INTERACTION_CREATE from a member of server GUILD with these permissions; return its token."""
    return await online.interact(data, kind=kind, user=user, permissions=permissions.value, message=message)


def sent_on(online: Online, token: str) -> list[Recorded]:
    """Return every request made on an interaction: its callback, then its follow-ups."""
    return [r for r in online.fake.requests if f"/{token}" in r.path]


def callback(online: Online, token: str) -> dict[str, Any]:
    """Return the body of the interaction's one callback."""
    [answer] = online.fake.sent("POST", rf"/interactions/\d+/{token}/callback")
    assert answer.ok
    body: dict[str, Any] = answer.body
    return body


def pings_nobody(requests: list[Recorded]) -> bool:
    """Tell whether every message sent (content or embeds) forbade every mention."""
    messages = [r.body.get("data", r.body) for r in requests if isinstance(r.body, dict)]
    shown = [m for m in messages if m.get("content") or m.get("embeds")]
    return bool(shown) and all(m.get("allowed_mentions") == NONE for m in shown)


async def in_server(online: Online) -> None:
    """Put server GUILD and its channel CHANNEL in the bot's cache, as Discord's GUILD_CREATE does: /gaps shows a
    record only when the member can see its channel, which is resolved there."""
    guild = GuildDiscord()
    guild.text_channel(CHANNEL, "general")
    available = asyncio.Event()

    async def seen(_: discord.Guild) -> None:
        available.set()

    online.bot.add_listener(seen, "on_guild_available")
    await online.fake.dispatch("GUILD_CREATE", guild.guild_create())
    await asyncio.wait_for(available.wait(), 5)


def write_records(bot: QuoteBot) -> None:
    """Write both servers' gaps, a DM's and the terminal's, as the bot and the CLI do."""
    here, there = Place(GUILD, CHANNEL), Place(OTHER, 98)
    bot.gaps.unanswered(Answer("Where is the vault? @everyone <@&1>", False, ()), via="slash", place=here)
    bot.gaps.unanswered(Answer("where is the VAULT", False, ()), via="mention", place=here)
    bot.gaps.feedback("How do visitors **park**?", -1, (), via="slash", answered=True, place=here)
    bot.gaps.unanswered(Answer("Secret plans of the other server?", False, ()), via="slash", place=there)
    bot.gaps.feedback("Their own vote?", -1, (), via="slash", answered=True, place=there)
    bot.gaps.unanswered(Answer("Asked in a DM?", False, ()), via="dm", place=Place(None, DM))
    bot.gaps.unanswered(Answer("Asked on a terminal?", False, ()), via="cli")


async def test_gaps_shows_its_own_servers_records_privately_and_pings_nobody(online: Online) -> None:
    await in_server(online)
    write_records(online.bot)
    token = await interact(online, {"id": "778", "name": "gaps", "type": 1, "options": []})
    assert callback(online, token)["type"] == 5  # deferred first...
    assert callback(online, token)["data"]["flags"] == EPHEMERAL  # ...privately
    [reply] = online.fake.sent("POST", f"/webhooks/{APP_ID}/{token}")
    assert reply.ok and reply.body["flags"] == EPHEMERAL and reply.body["allowed_mentions"] == NONE
    [embed] = reply.body["embeds"]
    shown = json.dumps(embed, ensure_ascii=False)
    assert "VAULT" in shown and "park" in shown
    assert not re.search(r"other server|Their own|DM\?|terminal", shown)
    description = embed["description"]
    assert description.startswith("**1×** How do visitors \\*\\*park\\*\\*?")  # newest group first, escaped
    assert "**2×** where is the VAULT" in description  # the two vault questions, grouped
    assert "@everyone" not in description and "<@&1>" not in description
    assert pings_nobody(sent_on(online, token))


async def test_gaps_refuses_a_member_without_manage_server(online: Online) -> None:
    write_records(online.bot)
    data = {"id": "778", "name": "gaps", "type": 1, "options": []}
    token = await interact(online, data, user=MEMBER, permissions=SEND_MESSAGES)
    body = callback(online, token)
    assert body["type"] == 4 and body["data"]["flags"] == EPHEMERAL
    assert body["data"]["content"] == "You need the Manage Server permission to do that."
    assert online.fake.sent("POST", f"/webhooks/{APP_ID}/{token}") == []  # no list follows
    assert pings_nobody(sent_on(online, token))


async def test_thumbs_down_opens_a_reason_form_whose_answer_is_kept_without_the_user(
    online: Online, engine: FakeEngine
) -> None:
    await in_server(online)
    options = [{"name": "question", "type": 3, "value": "What about backdoors?"}]
    asked = await interact(online, {"id": "777", "name": "ask", "type": 1, "options": options}, user=MEMBER)
    answer = online.fake.sent("POST", f"/webhooks/{APP_ID}/{asked}")[0].reply  # the message the buttons are on
    down = test_discord_faults.button(answer, "quotebot:down")
    clicked = await interact(online, down, kind=3, user=MEMBER, permissions=SEND_MESSAGES, message=answer)
    form = callback(online, clicked)
    assert form["type"] == MODAL
    assert form["data"]["title"] == "What was missing?"
    [row] = form["data"]["components"]
    [field] = row["components"]
    assert (field["type"], field["style"], field["required"], field["max_length"]) == (4, 1, False, 200)
    [vote] = [r for r in online.bot.gaps.records() if r["kind"] == "feedback"]  # the vote is kept at once
    assert (vote["vote"], vote["server"]) == (-1, GUILD)

    typed = "It quotes the wrong policy @everyone"
    submit = {
        "custom_id": form["data"]["custom_id"],
        "components": [{"type": 1, "components": [{"type": 4, "custom_id": field["custom_id"], "value": typed}]}],
    }
    submitted = await interact(online, submit, kind=5, user=MEMBER, permissions=SEND_MESSAGES, message=answer)
    thanks = callback(online, submitted)
    assert thanks["type"] == 4 and thanks["data"]["flags"] == EPHEMERAL
    assert thanks["data"]["content"] == "Thanks, your feedback was noted."
    assert pings_nobody(sent_on(online, submitted))
    reasons = [r for r in online.bot.gaps.records() if r["kind"] == "reason"]
    assert reasons == [
        {
            "time": reasons[0]["time"],
            "kind": "reason",
            "feedback": vote["id"],
            "server": GUILD,
            "channel": CHANNEL,
            "reason": typed,
        }
    ]
    log_text = online.bot.gaps.path.read_text(encoding="utf-8")
    assert str(MEMBER) not in log_text and "member" not in log_text  # neither the voter's id nor name

    shown = await interact(online, {"id": "778", "name": "gaps", "type": 1, "options": []})
    [reply] = online.fake.sent("POST", f"/webhooks/{APP_ID}/{shown}")
    description = reply.body["embeds"][0]["description"]
    assert "What about backdoors?" in description and "> 💬 It quotes the wrong policy @\u200beveryone" in description


async def test_thumbs_up_still_thanks_without_a_form(online: Online) -> None:
    options = [{"name": "question", "type": 3, "value": "What about backdoors?"}]
    asked = await interact(online, {"id": "777", "name": "ask", "type": 1, "options": options}, user=MEMBER)
    answer = online.fake.sent("POST", f"/webhooks/{APP_ID}/{asked}")[0].reply
    up = test_discord_faults.button(answer, "quotebot:up")
    clicked = await interact(online, up, kind=3, user=MEMBER, permissions=SEND_MESSAGES, message=answer)
    assert callback(online, clicked)["type"] == 4
    assert [(r["kind"], r["vote"], r["server"]) for r in online.bot.gaps.records()] == [("feedback", 1, GUILD)]


# -- the command tree, with FakeInteraction -----------------------------------------------------------


async def test_gaps_is_hidden_from_members_and_refused_in_a_dm(bot: QuoteBot) -> None:
    command = bot.tree.get_command("gaps")
    assert isinstance(command, app_commands.Command)
    assert command.default_permissions == MANAGE_GUILD and command.guild_only
    dm = slash(bot, "gaps")
    dm.permissions, dm.guild_id = MANAGE_GUILD, None
    await run_command(bot, dm)
    assert dm.calls.of("send_message")[0]["content"] == "This command only works in a server."


async def test_gaps_says_when_nothing_is_missing_and_when_the_log_is_off(bot: QuoteBot) -> None:
    bot.gaps.unanswered(Answer("Elsewhere?", False, ()), via="slash", server=OTHER)
    empty = slash(bot, "gaps", days=7)
    empty.permissions = MANAGE_GUILD
    await run_command(bot, empty)
    assert empty.calls.names() == ["defer", "followup.send"]
    assert empty.calls.of("followup.send")[0]["content"] == (
        "No unanswered questions or 👎 in this server in the last 7 days."
    )
    bot.gaps.enabled = False
    off = slash(bot, "gaps")
    off.permissions = MANAGE_GUILD
    await run_command(bot, off)
    assert "switched off" in off.calls.of("followup.send")[0]["content"]


def test_a_long_list_fits_one_embed_and_says_how_many_more() -> None:
    groups = [GapGroup(f"Question {i} " + "word " * 80, frozenset({str(i)}), None, unanswered=1) for i in range(60)]
    embed = gaps_embed(groups, days=30)
    assert len(embed.description or "") <= 4096 and len(embed) <= 6000
    shown = (embed.description or "").count("**1×**")
    assert 0 < shown < 60 and (embed.description or "").endswith(f"… and {60 - shown} more")
