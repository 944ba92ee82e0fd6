"""The gate: what a reply kept from earlier (More passages' pages, Share, a Find source claim) is checked again.

Each test drives discord.py's real client against the fake Discord server (tests/bot/discord_guild.py), with a
Discord-sourced collection over the FAQ channel and a real index (only the embedding model is the fake one): a
member asks privately, something is withdrawn (a delete with or without its event, an edit, /forget-me, an
unreadable message), then the asker pages or shares, and nothing withdrawn may be in what the bot sends.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import tests.bot.test_discord_faults as faults
from quotebot.bot.ops.settings import Settings
from quotebot.bot.reply.replies import DOWN_ID, MORE_ID
from quotebot.bot.reply.views import SHARE_ID
from quotebot.bot.words.i18n import text
from quotebot.index import Library, load_collections, open_library
from tests.bot.discord_fakes import FakeEngine
from tests.bot.discord_guild import GUILD, GuildDiscord
from tests.bot.discord_http_server import APP_ID, Canned, message_json, user_json
from tests.bot.test_discord_channels import (
    FAQ,
    OTHER,
    Start,
    channel_settings,
    discord_server,
    start,
    write_config,
)
from tests.bot.test_discord_faults import Online, online
from tests.fakes import FakeEmbedder

FIXTURES = (start, discord_server, channel_settings, online)  # pytest finds them by these names in this module

EPHEMERAL = 64
QUESTION = "How does the rollback of the billing service run?"
STEPS = [  # each message answers the question a little: the answer has several pages of one passage
    "The rollback of the billing service runs with make rollback and takes ten minutes.",
    "The billing service rollback runs from the deploy host, with make rollback as root.",
    "Before the billing service rollback runs, announce it in the billing channel.",
    "After the rollback of the billing service runs, check the invoices dashboard.",
]


async def ask_privately(online: Online, question: str = QUESTION, results: int = 1) -> str:
    """Run /ask privately in the FAQ channel with `results` passages a page; return the interaction's token."""
    await online.bot.settled()
    options: list[dict[str, Any]] = [
        {"name": "question", "type": 3, "value": question},
        {"name": "results", "type": 4, "value": results},
        {"name": "private", "type": 5, "value": True},
    ]
    return await online.interact({"id": "777", "name": "ask", "type": 1, "options": options})


def answer_message(online: Online, token: str) -> dict[str, Any]:
    """Return the message that carried the answer of an interaction (its first follow-up), as Discord keeps it."""
    [sent] = faults.followups(online.fake, token)
    message: dict[str, Any] = sent.reply
    return message


def links_in(body: object) -> set[str]:
    """Return the message ids of the FAQ channel a body links to."""
    shown = json.dumps(body, ensure_ascii=False)
    return set(re.findall(rf"https://discord\.com/channels/{GUILD}/{FAQ}/(\d+)", shown))


async def press(online: Online, message: dict[str, Any], base: str) -> str:
    """Click a button of `message` as the asker; return the click's token."""
    return await online.interact(faults.button(message, base), kind=3, message=message)


def after(online: Online, token: str) -> str:
    """Return everything the bot sent in answer to one click (callback, follow-ups, edits), as one string."""
    sent = [r.body for r in online.fake.sent("POST", rf"/interactions/\d+/{token}/callback")]
    sent += [r.body for r in online.fake.sent("POST", f"/webhooks/{APP_ID}/{token}")]
    sent += [r.body for r in online.fake.sent("PATCH", f"/webhooks/{APP_ID}/{token}/messages/.*")]
    return json.dumps(sent, ensure_ascii=False)


async def withdraw_by_delete_event(online: Online, fake: GuildDiscord, ids: list[int]) -> None:
    """Delete the messages on Discord, with the gateway's delete events."""
    for message_id in ids:
        del fake.history[FAQ][message_id]
        deleted = {"id": str(message_id), "channel_id": str(FAQ), "guild_id": str(GUILD)}
        await online.deliver("MESSAGE_DELETE", deleted, "raw_message_delete")


async def withdraw_unseen(online: Online, fake: GuildDiscord, ids: list[int]) -> None:
    """Delete the messages on Discord while the bot hears nothing of it (offline, or the event lost)."""
    for message_id in ids:
        del fake.history[FAQ][message_id]


async def reword_by_edit_event(online: Online, fake: GuildDiscord, ids: list[int]) -> None:
    """Edit the messages (a pasted secret taken out), with the gateway's update events, and let the re-index run."""
    for message_id in ids:
        edited = {**fake.history[FAQ][message_id], "content": f"Removed by its author ({message_id})."}
        fake.history[FAQ][message_id] = edited
        await online.deliver("MESSAGE_UPDATE", edited, "raw_message_edit")
    await online.bot.settled()  # the re-index read the new wording: the old one is no longer hidden, only gone


async def reword_unseen(online: Online, fake: GuildDiscord, ids: list[int]) -> None:
    """Edit the messages while the bot hears nothing of it."""
    for message_id in ids:
        fake.history[FAQ][message_id] = {**fake.history[FAQ][message_id], "content": "Removed by its author."}


async def author_forgotten(online: Online, fake: GuildDiscord, ids: list[int]) -> None:
    """Their author runs /forget-me."""
    authors = {int(fake.history[FAQ][i]["author"]["id"]) for i in ids}
    for author in authors:
        online.bot.forget(author)


async def unreadable(online: Online, fake: GuildDiscord, ids: list[int]) -> None:
    """Discord refuses to give the messages again (the bot lost Read Message History there)."""
    missing = Canned(403, {"message": "Missing Access", "code": 50001})
    for message_id in ids:
        fake.script("GET", f"/channels/{FAQ}/messages/{message_id}", *[missing] * 5)


async def unpinned(online: Online, fake: GuildDiscord, ids: list[int]) -> None:
    """Unpin the messages of a pins-only collection, with the gateway's pins event."""
    for message_id in ids:
        fake.history[FAQ][message_id]["pinned"] = False
    pins = {"guild_id": str(GUILD), "channel_id": str(FAQ), "last_pin_timestamp": None}
    await online.deliver("CHANNEL_PINS_UPDATE", pins, "guild_channel_pins_update")


async def channel_taken_out(online: Online, fake: GuildDiscord, ids: list[int]) -> None:
    """Take the channel out of quotebot.toml (another one listed instead), then /reindex."""
    write_config(online.bot.settings.config_file.parent).write_text(
        f"[collections.faq]\ndiscord_channels = [{OTHER}]\n", encoding="utf-8"
    )
    await online.bot.reindex()
    await online.bot.settled()


async def nothing(online: Online, fake: GuildDiscord, ids: list[int]) -> None:
    """Withdraw nothing: the control, showing what each test would see."""


Withdraw = Callable[[Online, GuildDiscord, list[int]], Awaitable[None]]
WAYS: dict[str, Withdraw] = {
    "delete event": withdraw_by_delete_event,
    "deleted unseen": withdraw_unseen,
    "edit event": reword_by_edit_event,
    "edited unseen": reword_unseen,
    "forget-me": author_forgotten,
    "unreadable": unreadable,
    "unpin": unpinned,
    "channel taken out of quotebot.toml": channel_taken_out,
}


async def posted(fake: GuildDiscord, settings: Settings | None = None, way: str = "") -> dict[str, int]:
    """Post the steps (pinned), the first by member 2000 and the others by member 3000; return their ids by text.

    For the "unpin" way the collection quotes pinned messages only (`pins_only`).
    """
    if settings is not None and way == "unpin":
        write_config(settings.config_file.parent, "pins_only = true\n")
    ids = {}
    for number, step in enumerate(STEPS):
        ids[step] = int(fake.post(FAQ, step, author=2000 if number == 0 else 3000, pinned=True)["id"])
    return ids


@pytest.mark.parametrize("way", [*WAYS, "nothing"])
async def test_a_later_page_never_shows_what_was_withdrawn_since_the_answer(
    start: Start, discord_server: GuildDiscord, channel_settings: Settings, way: str
) -> None:
    ids = await posted(discord_server, channel_settings, way)
    online = await start()
    message = answer_message(online, await ask_privately(online))
    first = links_in(message["embeds"])
    later = [i for i in ids.values() if str(i) not in first]  # what pages 2 and 3 would show
    assert len(first) == 1 and len(later) == 3
    await WAYS.get(way, nothing)(online, discord_server, later)
    sent = after(online, await press(online, message, MORE_ID))
    withdrawn = [step for step, i in ids.items() if i in later]
    if way == "nothing":
        assert any(step in sent for step in withdrawn)  # the control: page 2 quotes one of them
        return
    assert not any(step in sent for step in withdrawn) and not links_in(sent) & {str(i) for i in later}
    assert text("gate.none") in sent  # the asker is told, privately, that the page is gone


async def test_a_page_says_how_many_passages_it_left_out(start: Start, discord_server: GuildDiscord) -> None:
    ids = await posted(discord_server)
    online = await start()
    message = answer_message(online, await ask_privately(online))
    order = [p.url.rsplit("/", 1)[1] for p in online.bot.engine.answer(QUESTION, 3, server=GUILD).passages]
    assert order[0] in links_in(message["embeds"])
    await unreadable(online, discord_server, [int(order[1])])  # page 2's message cannot be fetched again
    sent = after(online, await press(online, message, MORE_ID))
    assert order[2] in links_in(sent) and order[1] not in links_in(sent)  # page 3's passage moved up, fetched
    assert text("reply.left_out.one", count=1) in sent
    texts = {str(i): step for step, i in ids.items()}
    assert texts[order[1]] not in sent


@pytest.mark.parametrize("way", [*WAYS, "nothing"])
async def test_share_never_posts_what_was_withdrawn_since_the_answer(
    start: Start, discord_server: GuildDiscord, channel_settings: Settings, way: str
) -> None:
    ids = await posted(discord_server, channel_settings, way)
    online = await start()
    message = answer_message(online, await ask_privately(online, results=3))
    shown = [i for i in ids.values() if str(i) in links_in(message["embeds"])]
    assert len(shown) == 3
    victim = [i for i in shown if discord_server.history[FAQ][i]["author"]["id"] == "3000"][:1]
    await WAYS.get(way, nothing)(online, discord_server, victim)
    clicked = await press(online, message, SHARE_ID)
    public = [b for b in public_posts(online)]
    if way == "nothing":
        assert len(public) == 1 and "shared by" in json.dumps(public)  # the control: it is posted
        return
    refusal = "share.hidden" if way.startswith("channel taken out") else "share.changed"  # no longer visible here
    assert public == [] and text(refusal) in after(online, clicked)
    step = next(s for s, i in ids.items() if i == victim[0])
    assert step not in json.dumps(public)


def public_posts(online: Online) -> list[dict[str, Any]]:
    """Return every message the bot posted publicly in answer to a click (a callback or a follow-up)."""
    bodies = [r.body["data"] for r in online.fake.sent("POST", r"/interactions/\d+/[^/]+/callback") if r.ok
              and r.body["type"] == 4]
    bodies += [r.body for r in online.fake.sent("POST", rf"/webhooks/{APP_ID}/[^/]+") if r.ok]
    return [b for b in bodies if not b.get("flags", 0) & EPHEMERAL and "shared by" in json.dumps(b)]


CLAIM = "The billing service rollback runs with make rollback and takes ten minutes."


async def find_source(online: Online, target: dict[str, Any]) -> str:
    """Run Apps › Find source on a message, from the channel /ask runs in; return the interaction's token."""
    data = {
        "id": "888",
        "name": "Find source",
        "type": 3,
        "target_id": target["id"],
        "resolved": {"messages": {target["id"]: target}},
    }
    return await online.interact(data)


CLAIM_WAYS: dict[str, Callable[[Online, GuildDiscord, dict[str, Any]], Awaitable[None]]] = {
    "delete event": lambda online, fake, m: withdraw_claim(online, fake, m, event=True),
    "deleted unseen": lambda online, fake, m: withdraw_claim(online, fake, m, event=False),
    "edited unseen": lambda online, fake, m: reword_claim(fake, m),
    "forget-me": lambda online, fake, m: forget_author(online, m),
    "unreadable": lambda online, fake, m: unreadable_claim(fake, m),
}


async def withdraw_claim(online: Online, fake: GuildDiscord, message: dict[str, Any], *, event: bool) -> None:
    """Delete the claim's message, with or without the gateway's event."""
    del fake.history[OTHER][int(message["id"])]
    if event:
        deleted = {"id": message["id"], "channel_id": str(OTHER), "guild_id": str(GUILD)}
        await online.deliver("MESSAGE_DELETE", deleted, "raw_message_delete")


async def reword_claim(fake: GuildDiscord, message: dict[str, Any]) -> None:
    """Edit the claim's message without the bot hearing of it."""
    fake.history[OTHER][int(message["id"])] = {**message, "content": "Never mind."}


async def forget_author(online: Online, message: dict[str, Any]) -> None:
    """The claim's author runs /forget-me."""
    online.bot.forget(int(message["author"]["id"]))


async def unreadable_claim(fake: GuildDiscord, message: dict[str, Any]) -> None:
    """Discord refuses to give the claim's message again."""
    missing = Canned(403, {"message": "Missing Access", "code": 50001})
    fake.script("GET", f"/channels/{OTHER}/messages/{message['id']}", *[missing] * 5)


@pytest.mark.parametrize("way", [*CLAIM_WAYS, "nothing"])
async def test_a_claim_whose_message_was_withdrawn_is_not_shown_again_nor_shared(
    start: Start, discord_server: GuildDiscord, way: str
) -> None:
    await posted(discord_server)
    for number in range(4):  # enough passages for a second page of three
        discord_server.post(FAQ, f"The billing service rollback note {number}: make rollback logs to /var/log/{number}.")
    online = await start()
    claim = discord_server.post(OTHER, CLAIM, author=4000)
    message = answer_message(online, await find_source(online, claim))
    assert CLAIM in json.dumps(message)  # the asker sees the claim they picked
    if way in CLAIM_WAYS:
        await CLAIM_WAYS[way](online, discord_server, claim)
    shared = await press(online, message, SHARE_ID)
    if way == "nothing":
        assert len(public_posts(online)) == 1 and CLAIM in json.dumps(public_posts(online))  # the control
        return
    told = after(online, shared)
    assert public_posts(online) == [] and CLAIM not in told
    # a delete the bot heard of purges the stored answer at once (bot/exts/purge.py): its buttons are then gone
    assert text("button.gone" if way == "delete event" else "share.changed") in told


CLAIM_ANSWERS: dict[str, list[Canned]] = {  # what Discord answers when the claim's message is fetched again
    "deleted": [Canned(404, {"message": "Unknown Message", "code": 10008})],
    "edited": [],  # filled in by the test: the message with other words
    "unreadable": [Canned(403, {"message": "Missing Access", "code": 50001})] * 5,
    "forget-me": [],  # the message as it was; its author opted out
    "nothing": [],
}


@pytest.mark.parametrize("way", CLAIM_ANSWERS)
async def test_a_later_page_of_a_claim_never_shows_its_withdrawn_message_nor_logs_it(
    online: Online, engine: FakeEngine, way: str
) -> None:
    target = message_json("4321", faults.CHANNEL, user_json(4000, "claimant"), {"content": CLAIM})
    target["guild_id"] = str(faults.GUILD)
    message = answer_message(online, await find_source(online, target))
    assert CLAIM in json.dumps(message) and len(engine.calls) == 1
    same = Canned(200, target)
    answers = {"edited": [Canned(200, {**target, "content": "Never mind."})], "forget-me": [same], "nothing": [same]}
    online.fake.script("GET", f"/channels/{faults.CHANNEL}/messages/4321", *(answers.get(way) or CLAIM_ANSWERS[way]))
    if way == "forget-me":
        online.bot.forget(4000)
    paged = after(online, await press(online, message, MORE_ID))
    if way == "nothing":
        assert CLAIM in paged and "passage 4 of" in paged  # the control: page 2, with its claim
        return
    assert CLAIM not in paged and text("gate.claim_gone") in paged and "passage 4 of" in paged
    online.fake.script("GET", f"/channels/{faults.CHANNEL}/messages/4321", *(answers.get(way) or CLAIM_ANSWERS[way]))
    await press(online, message, DOWN_ID)
    assert CLAIM not in online.bot.gaps.path.read_text(encoding="utf-8")  # the 👎 is kept, not the claim's words


async def test_a_key_carried_on_another_message_pages_nothing(online: Online) -> None:
    private = answer_message(online, await ask_privately(online, "What about backdoors?", results=3))
    public = answer_message(online, await online.ask("Anything else?"))
    forged = {**public, "components": private["components"]}  # the private answer's buttons, on the public message
    clicked = await press(online, forged, MORE_ID)
    assert text("button.gone") in after(online, clicked)
    assert online.fake.sent("PATCH", rf"/webhooks/{APP_ID}/.*/messages/{public['id']}") == []
    assert "Passage number 4" not in after(online, clicked)  # the private answer's page 2 went nowhere
    control = await press(online, private, MORE_ID)
    assert "Passage number 4" in after(online, control)  # from its own message, the asker pages as before


def runbook_library(root: Path, channel: int) -> Library:
    """Open a library whose `security` runbook (several passages on parking) is private to `channel`."""
    (root / "security").mkdir(parents=True, exist_ok=True)
    paragraphs = [f"Security staff park in basement bay {n}, next to the vault door {n}." for n in range(1, 7)]
    (root / "security" / "parking.md").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    config = root / "quotebot.toml"
    config.write_text(f'[collections.security]\npath = "security"\nprivate = true\nchannels = [{channel}]\n', "utf-8")
    return open_library(load_collections(config, root / "corpus"), root / "index", embedder=FakeEmbedder())


async def test_a_later_page_of_a_collection_made_private_elsewhere_since_is_not_shown(
    online: Online, tmp_path: Path
) -> None:
    online.bot._engine = runbook_library(tmp_path / "before", faults.CHANNEL)
    message = answer_message(online, await ask_privately(online, "Where do security staff park?", results=1))
    assert "basement bay" in json.dumps(message)
    control = runbook_library(tmp_path / "control", faults.CHANNEL)
    online.bot._engine = control  # rebuilt, same rules: page 2 is shown
    assert "basement bay" in after(online, await press(online, message, MORE_ID))
    online.bot._engine = runbook_library(tmp_path / "after", faults.CHANNEL + 1)  # /reindex: private elsewhere now
    paged = after(online, await press(online, message, MORE_ID))  # page 3
    assert "basement bay" not in paged and text("gate.none") in paged


async def test_no_log_line_holds_a_quote_a_withdrawn_text_or_who_asked(
    start: Start, discord_server: GuildDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="quotebot")
    caplog.set_level(logging.INFO, logger="discord")
    ids = await posted(discord_server)
    online = await start()
    message = answer_message(online, await ask_privately(online))
    later = [i for i in ids.values() if str(i) not in links_in(message["embeds"])]
    await unreadable(online, discord_server, later[:1])  # a failed fetch is logged: without the text
    await withdraw_by_delete_event(online, discord_server, later[1:2])
    online.bot.forget(3000)
    await press(online, message, MORE_ID)
    await press(online, message, SHARE_ID)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "passage" in logged or "answered" in logged  # the control: the bot did log its answers
    for words in (*STEPS, QUESTION):
        assert words not in logged
    for who in ("2000", "3000", str(faults.ASKER)):
        assert who not in logged
