"""Discord channels as a live collection: bulk deletes, pins, threads, forum tags, the send-time check, resuming.

Each test drives discord.py's real client against the fake Discord server (tests/bot/discord_guild.py) and
reads what /ask sent; the index is real, only the embedding model is the fake one.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.bot.discord_guild import GUILD, GuildDiscord
from tests.bot.discord_http_server import APP_ID
from tests.bot.test_discord_channels import (
    FAQ,
    ONCALL,
    ROLLBACK,
    Start,
    ask,
    channel_settings,
    discord_server,
    start,
    write_config,
)

FIXTURES = (start, discord_server, channel_settings)  # pytest finds them by these names in this module

WINDOW = "The rollback window closes at five on Fridays, before the weekend freeze."
THREAD = 30  # a thread under FAQ
FORUM = 40  # a forum channel: its posts are threads
SOLVED, ASKED = 41, 42  # two posts of the forum
SOLVED_TAG, QUESTION_TAG = 71, 72  # the forum's tags (GuildDiscord.text_channel)


def link(channel: int, message: dict[str, object] | str) -> str:
    """Return the jump link of a message of the fake server."""
    message_id = message["id"] if isinstance(message, dict) else message
    return f"https://discord.com/channels/{GUILD}/{channel}/{message_id}"


def mirrored(root: Path, collection: str = "faq") -> str:
    """Return every export file of a collection's mirror, as one string."""
    folder = root / "data" / "discord" / collection
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.json")))


def not_found(discord_server: GuildDiscord, channel: int) -> list[str]:
    """Return the messages of a channel that the send-time check asked for and found deleted (404)."""
    fetched = discord_server.sent("GET", rf"/channels/{channel}/messages/\d+")
    return [r.path for r in fetched if r.status == 404]


async def test_a_bulk_delete_removes_every_listed_message(
    start: Start, discord_server: GuildDiscord, tmp_path: Path
) -> None:
    first, second = discord_server.post(FAQ, ROLLBACK), discord_server.post(FAQ, WINDOW)
    discord_server.post(FAQ, ONCALL)
    online = await start()
    assert link(FAQ, first) in await ask(online, "How does the rollback run?")
    assert link(FAQ, second) in await ask(online, "When does the rollback window close?")

    for message in (first, second):
        del discord_server.history[FAQ][int(str(message["id"]))]
    bulk = {"ids": [first["id"], second["id"]], "channel_id": str(FAQ), "guild_id": str(GUILD)}
    await online.deliver("MESSAGE_DELETE_BULK", bulk, "raw_bulk_message_delete")
    assert "make rollback" not in await ask(online, "How does the rollback run?")
    assert "window closes" not in await ask(online, "When does the rollback window close?")
    assert "make rollback" not in mirrored(tmp_path) and "window closes" not in mirrored(tmp_path)
    assert "on-call rotation" in mirrored(tmp_path)
    # hidden by the event itself: the send-time check never had to find them gone
    assert not_found(discord_server, FAQ) == []


async def test_pins_only_quotes_pinned_messages_and_follows_pin_updates(
    start: Start, discord_server: GuildDiscord, tmp_path: Path
) -> None:
    write_config(tmp_path, "pins_only = true\n")  # before the bot starts: it reads quotebot.toml then
    discord_server.post(FAQ, ONCALL, pinned=True)
    loose = discord_server.post(FAQ, ROLLBACK)
    online = await start()
    assert "make rollback" not in await ask(online, "How does the rollback run?")
    assert "on-call rotation" in await ask(online, "When does the on-call rotation change?")

    discord_server.history[FAQ][int(str(loose["id"]))]["pinned"] = True
    pins = {"guild_id": str(GUILD), "channel_id": str(FAQ), "last_pin_timestamp": "2024-03-05T12:00:00+00:00"}
    await online.deliver("CHANNEL_PINS_UPDATE", pins, "guild_channel_pins_update")
    reply = await ask(online, "How does the rollback run?")
    assert "make rollback" in reply and link(FAQ, loose) in reply

    discord_server.history[FAQ][int(str(loose["id"]))]["pinned"] = False
    await online.deliver("CHANNEL_PINS_UPDATE", {**pins, "last_pin_timestamp": None}, "guild_channel_pins_update")
    assert "make rollback" not in await ask(online, "How does the rollback run?")


async def test_a_thread_is_read_on_start_quoted_with_its_own_link_and_forgotten_when_deleted(
    start: Start, discord_server: GuildDiscord, tmp_path: Path
) -> None:
    discord_server.post(FAQ, ONCALL)
    discord_server.thread(THREAD, FAQ, "Deploys")
    in_thread = discord_server.post(THREAD, ROLLBACK)
    online = await start()
    reply = await ask(online, "How does the rollback run?")
    assert "make rollback" in reply and link(THREAD, in_thread) in reply
    assert "faq › Deploys" in mirrored(tmp_path)  # the thread's document is titled after its parent and name

    del discord_server.channels[THREAD], discord_server.history[THREAD]
    gone = {"id": str(THREAD), "guild_id": str(GUILD), "parent_id": str(FAQ), "type": 11}
    await online.deliver("THREAD_DELETE", gone, "raw_thread_delete")
    assert "make rollback" not in await ask(online, "How does the rollback run?")
    assert "make rollback" not in mirrored(tmp_path)
    assert not_found(discord_server, THREAD) == []


async def test_a_private_thread_is_never_read_nor_quoted_in_its_channel(
    start: Start, discord_server: GuildDiscord, tmp_path: Path
) -> None:
    discord_server.post(FAQ, ONCALL)
    discord_server.thread(THREAD, FAQ, "Incident", private=True)  # visible to the bot (Manage Threads), not to all
    secret = discord_server.post(THREAD, ROLLBACK)
    online = await start()
    assert "make rollback" not in await ask(online, "How does the rollback run?")
    await online.deliver("MESSAGE_CREATE", {**discord_server.post(THREAD, ROLLBACK + " Again."), "guild_id": str(GUILD)},
                         "message")  # fmt: skip
    assert "make rollback" not in await ask(online, "How does the rollback run?")
    assert "make rollback" not in mirrored(tmp_path) and secret["id"] not in mirrored(tmp_path)
    assert discord_server.sent("GET", rf"/channels/{THREAD}/messages") == []  # its history is never even read


async def test_a_forum_with_forum_tags_quotes_only_tagged_posts(
    start: Start, discord_server: GuildDiscord, tmp_path: Path
) -> None:
    (tmp_path / "quotebot.toml").write_text(
        f'[collections.faq]\ndiscord_channels = [{FORUM}]\nforum_tags = ["solved"]\nchannels = [{FAQ}]\n',
        encoding="utf-8",
    )
    discord_server.text_channel(FORUM, "help", kind=15)
    discord_server.thread(SOLVED, FORUM, "Rollback", tags=(SOLVED_TAG,))
    discord_server.post(SOLVED, ONCALL)
    asked = discord_server.thread(ASKED, FORUM, "Rollback how?", tags=(QUESTION_TAG,))
    discord_server.post(ASKED, ROLLBACK)
    online = await start()
    assert "on-call rotation" in await ask(online, "When does the on-call rotation change?")
    assert "make rollback" not in await ask(online, "How does the rollback run?")
    assert "make rollback" not in mirrored(tmp_path)
    assert discord_server.sent("GET", rf"/channels/{ASKED}/messages") == []  # not even read on start

    tagged = {**asked, "applied_tags": [str(QUESTION_TAG), str(SOLVED_TAG)]}
    discord_server.channels[ASKED] = tagged
    await online.deliver("THREAD_UPDATE", tagged, "thread_update")
    reply = await ask(online, "How does the rollback run?")
    assert "make rollback" in reply and "help › Rollback how?" in mirrored(tmp_path)
    assert "help › Rollback" in mirrored(tmp_path)  # titled after its forum from the start


async def test_a_message_deleted_without_an_event_is_checked_before_sending_and_left_out(
    start: Start, discord_server: GuildDiscord, tmp_path: Path
) -> None:
    discord_server.post(FAQ, ONCALL)
    doomed = discord_server.post(FAQ, ROLLBACK)
    online = await start()
    del discord_server.history[FAQ][int(str(doomed["id"]))]  # deleted while the bot was not told (no event)
    reply = await ask(online, "How does the rollback run?")
    assert "make rollback" not in reply and link(FAQ, doomed) not in reply
    assert "**Question:** How does the rollback run?" in reply  # answered, without it
    assert not_found(discord_server, FAQ) == [f"/channels/{FAQ}/messages/{doomed['id']}"]  # re-fetched before sending
    assert "make rollback" not in await ask(online, "How does the rollback run?")
    assert len(not_found(discord_server, FAQ)) == 1  # known gone: not fetched again
    assert "make rollback" not in mirrored(tmp_path)


async def test_a_message_reworded_without_an_event_is_never_sent_in_its_old_wording(
    start: Start, discord_server: GuildDiscord
) -> None:
    discord_server.post(FAQ, ONCALL)
    message = discord_server.post(FAQ, ROLLBACK)
    online = await start()
    reworded = {**message, "content": "The rollback runs with make undo and takes ten minutes."}
    discord_server.history[FAQ][int(str(message["id"]))] = reworded  # edited while the bot was not told
    reply = await ask(online, "How does the rollback run?")
    assert "make rollback" not in reply
    fetched = discord_server.sent("GET", rf"/channels/{FAQ}/messages/{message['id']}")
    assert [r.status for r in fetched] == [200]  # re-fetched before sending: its wording changed
    reply = await ask(online, "How does the rollback run?")  # after the re-index: the new wording
    assert "make undo" in reply and "make rollback" not in reply and link(FAQ, message) in reply


async def test_a_restart_reads_the_whole_history_again(start: Start, discord_server: GuildDiscord) -> None:
    discord_server.post(FAQ, ONCALL)
    discord_server.post(FAQ, "Deployed build 42.", author=4242, bot=True)  # read, though never kept
    first = await start()
    await settle_handlers()
    await first.bot.close()
    read_before = len(discord_server.sent("GET", rf"/channels/{FAQ}/messages"))

    later = discord_server.post(FAQ, ROLLBACK)  # written while the bot was away
    second = await start()
    [reread, *_] = discord_server.sent("GET", rf"/channels/{FAQ}/messages")[read_before:]
    assert reread.query == {"limit": "100", "after": "0"}  # whole: what was deleted while away must be noticed
    reply = await ask(second, "How does the rollback run?")
    assert "make rollback" in reply and link(FAQ, later) in reply
    assert "on-call rotation" in await ask(second, "When does the on-call rotation change?")


async def settle_handlers() -> None:
    """Wait until the event handlers discord.py started (the catch-up sync on READY) have ended."""
    mine = asyncio.current_task()
    running = [t for t in asyncio.all_tasks() if t is not mine and t.get_name().startswith("discord.py: on_")]
    await asyncio.wait_for(asyncio.gather(*running), 5)


HOSTILE = (
    "@everyone <@123456789012345678> **the rollback** runs with `make rollback` and [click](https://evil.example)."
)
CHECKLIST = ("The deploy checklist: " + " ".join(f"step{i} verify the canary" for i in range(200)))[:3999] + "."


async def test_hostile_and_long_messages_are_quoted_escaped_and_without_pinging(
    start: Start, discord_server: GuildDiscord
) -> None:
    discord_server.post(FAQ, HOSTILE)
    discord_server.post(FAQ, CHECKLIST)
    assert len(CHECKLIST) == 4000  # Discord's longest message
    online = await start()
    for question, shown in (
        ("How does the rollback run?", "make rollback"),
        ("How do I verify the canary?", "canary"),
    ):
        await online.bot.settled()
        token = await online.ask(question)
        bodies = [r.body for r in discord_server.sent("POST", f"/webhooks/{APP_ID}/{token}")]
        assert bodies and all(b["allowed_mentions"]["parse"] == [] for b in bodies)  # nobody pinged
        embeds = [e for b in bodies for e in b.get("embeds", [])]
        assert shown in json.dumps(embeds)
        assert all(len(b.get("content") or "") <= 2000 for b in bodies)
        assert all(len(e["description"]) <= 4096 for e in embeds)  # cut to Discord's limits, not refused
    [hostile] = [e for e in embeds_of(discord_server, "make rollback")]
    assert "\\*\\*the rollback\\*\\*" in hostile["description"]  # the Markdown is shown, not applied
    assert "@everyone" not in hostile["description"].replace("@\u200beveryone", "")


def embeds_of(discord_server: GuildDiscord, text: str) -> list[dict[str, object]]:
    """Return the embeds the bot sent that quote `text`."""
    sent = discord_server.sent("POST", rf"/webhooks/{APP_ID}/.+")
    return [e for r in sent for e in (r.body or {}).get("embeds", []) if text in e.get("description", "")]
