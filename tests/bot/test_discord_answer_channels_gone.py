"""A question deleted from an answer channel is gone from everything the bot kept of it, and an edited one is
shown as it reads now, through discord.py's real client and the fake Discord server.

Deleted (one delete, or a moderator's bulk delete): the thread the bot named after it gets a neutral name
(reopened for that when archived), a follow-up in it is searched alone with no note, and neither gaps.jsonl
nor buttons.sqlite3 holds its words any more. Edited: the thread is renamed, a follow-up's note shows the new
wording, and the stored answer to the old wording is dropped. Its author ran /forget-me: no note shows it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import pytest_asyncio

from tests.bot.discord_guild import GUILD, GuildDiscord
from tests.bot.discord_http_server import BOT_ID, Canned
from tests.bot.test_discord_answer_channels import (
    ASKER,
    ASKS,
    FIRST,
    FOLLOW_UP,
    OTHER,
    channel_settings,
    message,
    posts_in,
)
from tests.bot.test_discord_channels import Start, start
from tests.bot.test_discord_faults import Online

FIXTURES = (start, channel_settings)  # used by name below

SECRET = "Is the Initech merger signed before the board meeting?"  # the corpus does not answer it
EDITED = "How does the rollback procedure run, step by step?"
NOTE = "Searched together with"


class ThreadDiscord(GuildDiscord):
    """Discord where the bot owns the threads it starts, and a thread's name and archived flag can be changed."""

    def _default(self, method: str, path: str, body: Any, query: dict[str, str]) -> Canned:
        if method == "POST" and (match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads", path)):
            thread = self.thread(int(match[2]), int(match[1]), str((body or {}).get("name", "thread")))
            thread["owner_id"] = str(BOT_ID)  # the thread's creator: the bot
            return Canned(201, dict(thread))
        if method == "PATCH" and (match := re.fullmatch(r"/channels/(\d+)", path)) and int(match[1]) in self.channels:
            thread = self.channels[int(match[1])]
            thread["name"] = (body or {}).get("name", thread["name"])
            if "archived" in (body or {}):
                thread["thread_metadata"] = {**thread["thread_metadata"], "archived": body["archived"]}
            return Canned(200, dict(thread))
        return super()._default(method, path, body, query)


@pytest_asyncio.fixture
async def discord_server() -> Any:
    fake = ThreadDiscord()
    fake.text_channel(ASKS, "ask-here")
    await fake.start()
    yield fake
    await fake.close()


async def ask(online: Online, fake: ThreadDiscord, content: str) -> dict[str, Any]:
    """Ask in the answer channel (the message is in its history, as on Discord); return the message."""
    question = message(ASKS, content)
    fake.history[ASKS][int(question["id"])] = question
    await online.deliver("MESSAGE_CREATE", question, "message")
    return question


async def follow_up(online: Online, thread: int, author: int = ASKER) -> dict[str, Any]:
    """Send the follow-up in the thread; return the bot's answer to it."""
    await online.deliver("MESSAGE_CREATE", message(thread, FOLLOW_UP, author=author), "message")
    return posts_in(online, thread)[-1]


async def delete(online: Online, fake: ThreadDiscord, question: dict[str, Any], *, bulk: bool) -> None:
    """Delete the question on Discord and tell the bot, as one delete or a moderator's bulk delete."""
    del fake.history[ASKS][int(question["id"])]
    where = {"channel_id": str(ASKS), "guild_id": str(GUILD)}
    if bulk:
        await online.deliver("MESSAGE_DELETE_BULK", {"ids": [question["id"], "1"], **where}, "raw_bulk_message_delete")
    else:
        await online.deliver("MESSAGE_DELETE", {"id": question["id"], **where}, "raw_message_delete")


@pytest.mark.parametrize(
    ("bulk", "cached"), [(False, True), (True, True), (False, False)], ids=["delete", "bulk", "archived-uncached"]
)
async def test_a_deleted_question_leaves_no_trace_in_the_thread_the_log_or_the_store(
    start: Start, discord_server: ThreadDiscord, bulk: bool, cached: bool
) -> None:
    online = await start()
    question = await ask(online, discord_server, SECRET)
    thread = int(question["id"])  # a thread started on a message shares its id
    [started] = online.fake.sent("POST", rf"/channels/{ASKS}/messages/{thread}/threads")
    assert started.body["name"] == SECRET
    if cached:
        await online.fake.dispatch("THREAD_CREATE", {**discord_server.channels[thread], "newly_created": True})
    else:  # archived meanwhile, or started before a restart: the bot looks the thread up
        discord_server.channels[thread]["thread_metadata"]["archived"] = True
    gaps, buttons = online.bot.gaps.path, online.bot.settings.data_dir / "buttons.sqlite3"
    assert "Initech" in gaps.read_text(encoding="utf-8") and b"Initech" in buttons.read_bytes()

    [answered] = online.fake.sent("POST", rf"/channels/{thread}/messages")
    assert "Initech" in answered.body["content"]  # the answer echoes the question...
    await delete(online, discord_server, question, bulk=bulk)
    [unquoted] = [r.body for r in online.fake.sent("PATCH", rf"/channels/{thread}/messages/{answered.reply['id']}")]
    assert "Initech" not in str(unquoted) and unquoted["components"] == []  # ...no more, and its buttons are gone
    renames = [r.body for r in online.fake.sent("PATCH", rf"/channels/{thread}")]
    assert renames[0]["name"] == "Question (deleted)" and "Initech" not in str(renames)
    assert discord_server.channels[thread]["thread_metadata"]["archived"] is not cached  # archived again
    assert "Initech" not in gaps.read_text(encoding="utf-8") and b"Initech" not in buttons.read_bytes()

    if not cached:
        await online.fake.dispatch("THREAD_CREATE", {**discord_server.channels[thread], "newly_created": True})
    answer = await follow_up(online, thread)
    assert NOTE not in answer["content"] and "Initech" not in str(answer)  # searched alone


async def test_an_edited_question_names_the_thread_and_the_follow_ups_note_in_its_new_wording(
    start: Start, discord_server: ThreadDiscord
) -> None:
    online = await start()
    question = await ask(online, discord_server, FIRST)
    thread = int(question["id"])
    assert b"procedure run?" in (online.bot.settings.data_dir / "buttons.sqlite3").read_bytes()
    await online.fake.dispatch("THREAD_CREATE", {**discord_server.channels[thread], "newly_created": True})
    edited = {**question, "content": EDITED, "edited_timestamp": "2024-03-03T12:00:00.000000+00:00"}
    discord_server.history[ASKS][thread] = edited
    await online.deliver("MESSAGE_UPDATE", edited, "raw_message_edit")
    assert [r.body["name"] for r in online.fake.sent("PATCH", rf"/channels/{thread}")] == [EDITED]  # renamed too
    assert b"procedure run?" not in (online.bot.settings.data_dir / "buttons.sqlite3").read_bytes()  # old wording
    answer = await follow_up(online, thread)
    assert f"{NOTE} the thread's first question: “{EDITED}”" in answer["content"]
    assert "procedure run?" not in answer["content"]  # the old wording is never shown again


async def test_a_follow_up_note_never_shows_the_first_question_of_a_member_who_ran_forget_me(
    start: Start, discord_server: ThreadDiscord
) -> None:
    online = await start()
    question = await ask(online, discord_server, FIRST)
    thread = int(question["id"])
    await online.fake.dispatch("THREAD_CREATE", {**discord_server.channels[thread], "newly_created": True})
    await online.interact({"id": "779", "name": "forget-me", "type": 1, "options": []}, user=ASKER)
    assert online.bot.forgotten.ids == {str(ASKER)}
    answer = await follow_up(online, thread, author=OTHER)
    assert NOTE not in answer["content"] and FIRST not in answer["content"]


async def test_a_question_deleted_while_the_bot_was_away_is_taken_back_after_a_restart(
    start: Start, discord_server: ThreadDiscord
) -> None:
    first = await start()
    question = await ask(first, discord_server, SECRET)
    thread = int(question["id"])
    [answered] = first.fake.sent("POST", rf"/channels/{thread}/messages")
    await first.bot.close()
    gaps, buttons = first.bot.gaps.path, first.bot.settings.data_dir / "buttons.sqlite3"
    assert "Initech" in gaps.read_text(encoding="utf-8") and b"Initech" in buttons.read_bytes()

    del discord_server.history[ASKS][thread]  # deleted while the bot was away: no event will come
    second = await start()
    purge = second.bot.get_cog("Purge")
    await purge.catch_up()  # type: ignore[union-attr]  # what READY starts in the background, awaited here
    renames = [r.body["name"] for r in second.fake.sent("PATCH", rf"/channels/{thread}") if "name" in r.body]
    assert renames and set(renames) == {"Question (deleted)"}  # (READY's own run may have renamed it first)
    unquoted = [r.body for r in second.fake.sent("PATCH", rf"/channels/{thread}/messages/{answered.reply['id']}")]
    assert unquoted and "Initech" not in str(unquoted)
    assert "Initech" not in gaps.read_text(encoding="utf-8") and b"Initech" not in buttons.read_bytes()
