"""*Share in channel*: a private answer posted once in its channel, never where a quoted collection would leak.

Through discord.py's real client and the fake Discord server (test_discord_faults.Online): /ask and the clicks
arrive as gateway events, and what the bot posts goes through discord.py's webhook adapter, so every assertion
is on the JSON Discord would have received.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import discord
import pytest

import tests.bot.test_discord_faults as faults
from quotebot.bot.client.client import QuoteBot
from quotebot.bot.client.testing import FakeInteraction, run_command, slash
from quotebot.bot.reply.views import SHARE_ID, AnswerView
from quotebot.bot.words.i18n import text
from quotebot.index import Answer
from tests.bot.discord_fakes import FakeEngine, passage
from tests.bot.discord_http_server import APP_ID, Canned, Recorded, user_json
from tests.bot.test_discord_collections import PRIVATE_CHANNEL, make_library
from tests.bot.test_discord_commands import click, run_menu
from tests.bot.test_discord_faults import CHANNEL, Online, online

FIXTURES = (online,)  # pytest finds it by this name in this module

EPHEMERAL = 64
NONE = {"parse": []}


async def ask(online: Online, question: str, *, private: bool) -> str:
    """Run /ask in CHANNEL, privately or not; return the interaction's token."""
    options: list[dict[str, Any]] = [{"name": "question", "type": 3, "value": question}]
    if private:
        options.append({"name": "private", "type": 5, "value": True})
    return await online.interact({"id": "777", "name": "ask", "type": 1, "options": options})


def answer_of(online: Online, token: str) -> Recorded:
    """Return the follow-up that carried the answer of an interaction."""
    [sent] = faults.followups(online.fake, token)
    return sent


def custom_ids(body: dict[str, Any]) -> list[tuple[str, bool]]:
    """Return each button of a message body: its custom id without the answer's key and page, and whether it is
    greyed out."""
    buttons = [b for row in body.get("components", []) for b in row["components"]]
    return [(":".join(b["custom_id"].split(":")[:2]), b.get("disabled", False)) for b in buttons]


async def press(online: Online, token: str) -> dict[str, Any]:
    """Click Share under the answer of `token`; return the callback body Discord got for that click."""
    message = answer_of(online, token).reply
    clicked = await online.interact(faults.button(message, SHARE_ID), kind=3, message=message)
    [callback] = online.fake.sent("POST", rf"/interactions/\d+/{clicked}/callback")
    body: dict[str, Any] = callback.body
    return body


def public_posts(online: Online) -> list[dict[str, Any]]:
    """Return every message the bot made public in the channel in answer to a click (not private, not a defer)."""
    bodies = [r.body for r in online.fake.sent("POST", r"/interactions/\d+/[^/]+/callback") if r.ok]
    return [b["data"] for b in bodies if b["type"] == 4 and not b["data"].get("flags", 0) & EPHEMERAL]


def shown(data: dict[str, Any]) -> str:
    """Return what a message shows: its content and its embeds."""
    return json.dumps([data.get("content"), *data.get("embeds", [])], ensure_ascii=False)


async def test_a_private_answer_carries_share_and_a_public_one_does_not(online: Online) -> None:
    private = answer_of(online, await ask(online, "What about backdoors?", private=True))
    public = answer_of(online, await ask(online, "What about backdoors?", private=False))
    assert private.body["flags"] == EPHEMERAL
    assert (SHARE_ID, False) in custom_ids(private.body)
    assert not public.body.get("flags") and SHARE_ID not in [c for c, _ in custom_ids(public.body)]
    assert custom_ids(private.body)[:-1] == custom_ids(public.body)  # the same buttons, then Share


async def test_share_posts_the_page_once_shared_by_name_and_pings_nobody(online: Online) -> None:
    token = await ask(online, "What about backdoors?", private=True)
    private = answer_of(online, token).body
    first = await press(online, token)
    [posted] = public_posts(online)
    assert first == {"type": 4, "data": posted}
    assert posted["allowed_mentions"] == NONE and "<@" not in shown(posted)
    assert posted["content"] == "**Question:** What about backdoors?\n-# shared by asker"
    assert [e["description"] for e in posted["embeds"]] == [e["description"] for e in private["embeds"]]
    assert "components" not in posted or posted["components"] == []  # a copy: its buttons stay on the private one
    # the private answer's Share button is greyed out, through the /ask interaction's own webhook
    [edit] = online.fake.sent("PATCH", rf"/webhooks/{APP_ID}/{token}/messages/\d+")
    assert (SHARE_ID, True) in custom_ids(edit.body)

    again = await press(online, token)  # a second click (a race, or the stale button): nothing more is posted
    assert again["data"]["flags"] == EPHEMERAL and again["data"]["content"] == text("share.already")
    assert len(public_posts(online)) == 1


async def test_a_name_with_markdown_and_mentions_is_shown_escaped(
    online: Online, monkeypatch: pytest.MonkeyPatch
) -> None:
    def named(user_id: int, name: str, **kwargs: Any) -> dict[str, Any]:
        return {**user_json(user_id, name, **kwargs), "global_name": "**@everyone** <@1>"}

    token = await ask(online, "What about backdoors?", private=True)
    monkeypatch.setattr(faults, "user_json", named)  # the clicker's display name
    await press(online, token)
    [posted] = public_posts(online)
    assert posted["content"].endswith("-# shared by \\*\\*@\u200beveryone\\*\\* \\<@1>")  # shown as typed
    assert posted["allowed_mentions"] == NONE
    assert "@everyone" not in posted["content"] and not re.search(r"(?<!\\)<@", posted["content"])


async def test_a_collection_no_longer_visible_in_the_channel_is_never_shared(online: Online, tmp_path: Path) -> None:
    (tmp_path / "mapped").mkdir()
    (tmp_path / "elsewhere").mkdir()
    mapped = make_library(tmp_path / "mapped", private_channel=CHANNEL)  # security: this channel's
    online.bot._engine = mapped
    token = await ask(online, "Where do staff park?", private=True)
    assert "basement" in json.dumps(answer_of(online, token).body)  # asked where it may be seen: quoted privately

    online.bot._engine = make_library(tmp_path / "elsewhere", private_channel=PRIVATE_CHANNEL)  # /reindex: moved
    refused = await press(online, token)
    assert refused["data"]["flags"] == EPHEMERAL and refused["data"]["content"] == text("share.hidden")
    assert public_posts(online) == []
    assert online.fake.sent("PATCH", rf"/webhooks/{APP_ID}/{token}/messages/\d+") == []  # the button stays

    online.bot._engine = mapped  # mapped here again: now it may go
    await press(online, token)
    [posted] = public_posts(online)
    assert "basement" in shown(posted) and posted["allowed_mentions"] == NONE


async def test_a_quoted_message_hidden_since_the_answer_is_not_reposted(
    online: Online, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = f"https://discord.com/channels/{faults.GUILD}/{CHANNEL}/31"
    engine.respond = lambda q, k: Answer(q, True, (replace(passage(), url=link),))
    token = await ask(online, "What about backdoors?", private=True)
    engine.withhold(frozenset(), frozenset({link}))  # deleted or reworded since: the bot told the engine
    refused = await press(online, token)
    assert refused["data"]["content"] == text("share.changed") and public_posts(online) == []


async def test_a_channel_the_bot_cannot_post_in_gets_one_private_line_and_the_share_can_be_tried_again(
    online: Online,
) -> None:
    token = await ask(online, "What about backdoors?", private=True)
    clicked = faults.token_of(click_id := next(faults._ids))
    missing = Canned(403, {"message": "Missing Permissions", "code": 50013})
    online.fake.script("POST", f"/interactions/{click_id}/{clicked}/callback", missing)
    message = answer_of(online, token).reply
    await online.interact(faults.button(message, SHARE_ID), kind=3, message=message, interaction_id=click_id)
    refused, told = online.fake.sent("POST", rf"/interactions/\d+/{clicked}/callback")
    assert refused.status == 403 and told.ok
    assert told.body["data"]["content"] == text("share.cannot_post") and told.body["data"]["flags"] == EPHEMERAL
    assert public_posts(online) == []
    await press(online, token)  # not posted, so not "already shared"
    assert len(public_posts(online)) == 1


# -- without the fake server: Find source, a DM, another member ---------------------------------------


def shares(sent: dict[str, Any]) -> list[discord.ui.Item[Any]]:
    """Return the Share buttons of a sent answer's view."""
    view = sent.get("view")
    ids = [] if view is None else [str(getattr(b, "custom_id", "")) for b in view.children]
    return [b for b, i in zip(view.children, ids, strict=True) if i.startswith(SHARE_ID + ":")] if view else []


async def test_find_source_offers_share_and_a_dm_does_not(bot: QuoteBot) -> None:
    menu = FakeInteraction(bot)
    await run_menu(bot, menu, "States should prevent backdoors.")
    assert len(shares(menu.calls.of("followup.send")[0])) == 1
    in_dm = slash(bot, "ask", question="Q?", private=True)
    in_dm.guild_id = None
    await run_command(bot, in_dm)
    sent = in_dm.calls.of("followup.send")[0]
    assert sent["ephemeral"] is True and isinstance(sent["view"], AnswerView) and shares(sent) == []


async def test_only_the_asker_can_share(bot: QuoteBot) -> None:
    asked = slash(bot, "ask", question="Q?", private=True)
    await run_command(bot, asked)
    view = asked.calls.of("followup.send")[0]["view"]
    other = FakeInteraction(bot, user_id=2)
    await click(view, SHARE_ID, other)
    [(name, sent)] = other.calls
    assert (name, sent["content"], sent["ephemeral"]) == ("send_message", text("share.not_yours"), True)
    assert view.shared is False
