"""Gone means gone, on the routes a red-team review of issue 25 found open: a forum post untagged while archived, a
follow-up's note and gaps record holding a deleted first question, a thread of a channel no longer answered in,
a deleted forum post, a claim from an opted-out member, a renamed thread's old title on a later page.

Each test drives discord.py's real client against the fake Discord server; each failed before its fix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from quotebot.bot.ops.settings import Settings
from quotebot.bot.reply.replies import MORE_ID
from tests.bot import test_discord_answer_channels as channels_mod
from tests.bot import test_discord_answer_channels_gone as gone
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
)
from tests.bot.test_discord_channels_events import FORUM, QUESTION_TAG, SOLVED_TAG
from tests.bot.test_discord_channels_events import SOLVED as POST
from tests.bot.test_discord_gate import STEPS, after, answer_message, ask_privately, find_source, press

FIXTURES = (start, discord_server, channel_settings)


async def test_an_archived_forum_post_untagged_on_reopening_is_quoted_no_more(
    start: Start, discord_server: GuildDiscord, tmp_path: Path
) -> None:
    (tmp_path / "quotebot.toml").write_text(
        f'[collections.faq]\ndiscord_channels = [{FORUM}]\nforum_tags = ["solved"]\nchannels = [{FAQ}]\n',
        encoding="utf-8",
    )
    discord_server.text_channel(FORUM, "help", kind=15)
    discord_server.thread(POST, FORUM, "Rotation", tags=(SOLVED_TAG,))
    discord_server.post(POST, ONCALL)
    online = await start()
    online.bot.add_listener(online.events._recorder("thread_join"), "on_thread_join")
    assert "on-call rotation" in await ask(online, "When does the on-call rotation change?")  # control

    post = discord_server.channels[POST]
    post["thread_metadata"] = {**post["thread_metadata"], "archived": True}  # solved posts get archived
    await online.deliver("THREAD_UPDATE", dict(post), "thread_update")
    # a moderator takes the "solved" tag off (Discord reopens the post in the same update)
    post["thread_metadata"] = {**post["thread_metadata"], "archived": False}
    post["applied_tags"] = [str(QUESTION_TAG)]
    await online.deliver("THREAD_UPDATE", dict(post), "thread_join")
    await online.bot.settled()
    assert "on-call rotation" not in await ask(online, "When does the on-call rotation change?")


# -- answer channels: what the bot kept of a question deleted since ------------------------------------------------


class TestAnswerChannels:
    """An answer channel and an answer forum (tests/bot/test_discord_answer_channels.py's setup), a secret question."""

    @pytest.fixture
    def channel_settings(self, tmp_path: Path) -> Settings:
        (tmp_path / "corpus").mkdir()
        (tmp_path / "corpus" / "rollback.md").write_text(f"# Rollbacks\n\n{channels_mod.ROLLBACK}\n", "utf-8")
        (tmp_path / "corpus" / "coffee.md").write_text(f"# Office\n\n{channels_mod.COFFEE}\n", "utf-8")
        (tmp_path / "quotebot.toml").write_text(channels_mod.CONFIG, encoding="utf-8")
        return Settings(  # type: ignore[call-arg]
            _env_file=None, config_file=tmp_path / "quotebot.toml", corpus_dir=tmp_path / "corpus",
            data_dir=tmp_path / "data", index_dir=tmp_path / "index", live_debounce=0,
        )  # fmt: skip

    @pytest_asyncio.fixture
    async def discord_server(self) -> Any:
        fake = gone.ThreadDiscord()
        fake.text_channel(channels_mod.ASKS, "ask-here")
        fake.text_channel(channels_mod.FORUM, "help", kind=15)
        await fake.start()
        yield fake
        await fake.close()

    async def _asked_and_followed_up(self, start: Start, discord_server: Any) -> tuple[Any, dict[str, Any], int, Any]:
        online = await start()
        question = await gone.ask(online, discord_server, gone.SECRET)
        thread = int(question["id"])
        await online.fake.dispatch("THREAD_CREATE", {**discord_server.channels[thread], "newly_created": True})
        await online.deliver("MESSAGE_CREATE", channels_mod.message(thread, channels_mod.FOLLOW_UP), "message")
        [*_, followed] = online.fake.sent("POST", rf"/channels/{thread}/messages")
        assert gone.NOTE in followed.body["content"] and "Initech" in followed.body["content"]  # the control
        return online, question, thread, followed

    async def test_a_follow_ups_answer_loses_the_deleted_first_question(
        self, start: Start, discord_server: Any
    ) -> None:
        online, question, thread, followed = await self._asked_and_followed_up(start, discord_server)
        await gone.delete(online, discord_server, question, bulk=False)
        edits = [r.body for r in online.fake.sent("PATCH", rf"/channels/{thread}/messages/{followed.reply['id']}")]
        # the follow-up's answer, posted in the (public) thread, no longer carries the deleted question's words
        assert edits and "Initech" not in json.dumps(edits[-1])

    async def test_a_follow_ups_gaps_record_never_holds_the_first_question(
        self, start: Start, discord_server: Any
    ) -> None:
        online, question, _, _ = await self._asked_and_followed_up(start, discord_server)
        await gone.delete(online, discord_server, question, bulk=False)
        token = await online.interact(
            {"id": "778", "name": "gaps", "type": 1, "options": []}, user=4000, permissions=(1 << 5) | 2048
        )  # a member with Manage Server runs /gaps
        shown = json.dumps([r.body for r in online.fake.sent("POST", f"/webhooks/{APP_ID}/{token}")])
        assert "Initech" not in shown  # not shown to the server's managers
        assert "Initech" not in online.bot.gaps.path.read_text(encoding="utf-8")  # nor kept on disk

    async def test_a_thread_is_renamed_even_once_its_channel_stopped_being_an_answer_channel(
        self, start: Start, discord_server: Any, channel_settings: Settings
    ) -> None:
        online = await start()
        question = await gone.ask(online, discord_server, gone.SECRET)
        thread = int(question["id"])
        await online.fake.dispatch("THREAD_CREATE", {**discord_server.channels[thread], "newly_created": True})
        assert discord_server.channels[thread]["name"] == gone.SECRET  # the thread is named after the question
        # the operator stops answering in that channel (the forum stays an answer channel)
        channel_settings.config_file.write_text(
            f'[collections.docs]\npath = "corpus"\n\n[[answer_channels]]\nchannel = {channels_mod.FORUM}\n', "utf-8"
        )
        await online.bot.reindex()
        await gone.delete(online, discord_server, question, bulk=False)
        assert "Initech" not in discord_server.channels[thread]["name"]  # the deleted words no longer name the thread

    async def test_a_deleted_forum_post_leaves_the_gaps_log_and_the_button_store(
        self, start: Start, discord_server: Any
    ) -> None:
        online = await start()
        post = next(channels_mod._ids)
        thread = discord_server.thread(post, channels_mod.FORUM, "Initech merger")
        await online.fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        starter = {**channels_mod.message(post, gone.SECRET), "id": str(post)}  # a post's first message: its id
        discord_server.history[post][post] = starter
        await online.deliver("MESSAGE_CREATE", starter, "message")
        assert online.fake.sent("POST", rf"/channels/{post}/messages")  # answered inside the post
        gaps, buttons = online.bot.gaps.path, online.bot.settings.data_dir / "buttons.sqlite3"
        assert "Initech" in gaps.read_text(encoding="utf-8") and b"Initech" in buttons.read_bytes()  # control

        del discord_server.channels[post], discord_server.history[post]  # its author (or a moderator) deletes the post
        gone_post = {"id": str(post), "guild_id": str(GUILD), "parent_id": str(channels_mod.FORUM), "type": 11}
        await online.deliver("THREAD_DELETE", gone_post, "raw_thread_delete")
        await online.bot.get_cog("Purge").catch_up()  # type: ignore[union-attr]  # what the next start does
        token = await online.interact({"id": "778", "name": "gaps", "type": 1, "options": []}, user=4000,
                                      permissions=(1 << 5) | 2048)  # fmt: skip
        shown = json.dumps([r.body for r in online.fake.sent("POST", f"/webhooks/{APP_ID}/{token}")])
        assert "Initech" not in shown  # neither the deleted post's title nor its words, for the managers
        assert "Initech" not in gaps.read_text(encoding="utf-8") and b"Initech" not in buttons.read_bytes()


# -- /forget-me: a claim taken from an opted-out member's message ------------------------------------------------


MANAGER = 4001


async def test_a_claim_from_an_opted_out_members_message_is_not_kept_in_gaps(
    start: Start, discord_server: GuildDiscord
) -> None:
    discord_server.post(FAQ, ROLLBACK)
    discord_server.post(FAQ, ONCALL)
    online = await start()
    await online.interact({"id": "779", "name": "forget-me", "type": 1, "options": []}, user=4000)
    assert online.bot.forgotten.ids == {"4000"}
    words = "Initech signs the merger with Globex before the board meeting on Thursday."
    target = discord_server.post(FAQ, words, author=4000)
    await find_source(online, target)  # another member checks the opted-out member's message: nothing bears on it
    token = await online.interact({"id": "778", "name": "gaps", "type": 1, "options": []}, user=MANAGER,
                                  permissions=(1 << 5) | 2048)  # fmt: skip
    shown = json.dumps([r.body for r in online.fake.sent("POST", f"/webhooks/{APP_ID}/{token}")])
    assert "Initech" not in shown  # their words: they asked to be forgotten


# -- a thread renamed to take a secret out of its title -------------------------------------------------------------


THREAD = 30
TITLE = "Incident: CFO laptop stolen at the airport"


async def test_a_later_page_cites_a_renamed_thread_by_its_new_title(start: Start, discord_server: GuildDiscord) -> None:
    discord_server.thread(THREAD, FAQ, TITLE)
    for step in STEPS:
        discord_server.post(THREAD, step)
    online = await start()
    message = answer_message(online, await ask_privately(online))
    assert "CFO laptop" in json.dumps(message)  # page 1 cites the thread by its title
    renamed = {**discord_server.channels[THREAD], "name": "Incident"}
    discord_server.channels[THREAD] = renamed
    await online.deliver("THREAD_UPDATE", renamed, "thread_update")
    await online.bot.settled()
    assert "CFO laptop" not in await ask(online, STEPS[0])  # control: a new answer cites the new title
    paged = after(online, await press(online, message, MORE_ID))
    assert "rollback" in paged  # page 2 is shown...
    assert "CFO laptop" not in paged  # ...under the title the thread has now
