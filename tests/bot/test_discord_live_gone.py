"""Discord channels as a live collection: what is gone from Discord is gone from the bot, by every route.

Through discord.py's real client and the fake Discord server (tests/bot/discord_guild.py), as in
test_discord_channels_events.py: a message deleted or edited while the bot was away, a listed channel deleted,
or one the bot may no longer read, leaves the mirror, the answers and /sources; a pin in a private thread or an
untagged forum post is never mirrored; the send-time check fails closed; and quotebot.toml applied while running
(`LiveSources.apply`) stops mirroring what it no longer lists.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import quotebot.bot.sources.recheck as recheck_module
from quotebot.bot.sources.recheck import Recheck
from quotebot.index import load_collections
from tests.bot.discord_guild import GUILD, READ, GuildDiscord
from tests.bot.discord_http_server import Canned, rate_limited, server_error
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
from tests.bot.test_discord_channels_events import (
    ASKED,
    FORUM,
    QUESTION_TAG,
    SOLVED,
    SOLVED_TAG,
    THREAD,
    WINDOW,
    link,
    mirrored,
    not_found,
    settle_handlers,
)
from tests.bot.test_discord_faults import Online

FIXTURES = (start, discord_server, channel_settings)  # pytest finds them by these names in this module

NEWS = 23  # a second listed channel
UNDO = "The rollback runs with make undo and takes ten minutes."
ROLLBACK_Q, WINDOW_Q = "How does the rollback run?", "When does the rollback window close?"
EVENTS = ("guild_channel_delete", "guild_channel_update", "guild_role_update", "guild_remove", "guild_join")


def two_channels(root: Path, extra: str = "") -> Path:
    """Write a quotebot.toml whose collection lists FAQ and NEWS; return its path."""
    config = root / "quotebot.toml"
    config.write_text(f"[collections.faq]\ndiscord_channels = [{FAQ}, {NEWS}]\n{extra}", encoding="utf-8")
    return config


@pytest.fixture
def news(discord_server: GuildDiscord, tmp_path: Path) -> GuildDiscord:
    """The fake server with a NEWS channel, listed with FAQ; a thread under NEWS; the rollback message in NEWS."""
    discord_server.text_channel(NEWS, "news")
    two_channels(tmp_path)
    discord_server.post(FAQ, ONCALL)
    discord_server.post(NEWS, ROLLBACK)
    discord_server.thread(THREAD, NEWS, "Deploys")
    discord_server.post(THREAD, WINDOW)
    return discord_server


async def online_at(start: Start) -> Online:
    """Start a bot and count the channel events this module waits for."""
    online = await start()
    for name in EVENTS:
        online.bot.add_listener(online.events._recorder(name), f"on_{name}")
    return online


async def stop(online: Online) -> None:
    """Close a bot once its catch-up sync ended (what a restart does)."""
    await settle_handlers()
    await online.bot.close()


async def listing(online: Online) -> str:
    """Return what /sources lists."""
    await online.bot.settled()
    token = await online.interact({"id": "780", "name": "sources", "type": 1})
    [callback] = online.fake.sent("POST", rf"/interactions/\d+/{token}/callback")
    return json.dumps(callback.body["data"]["embeds"], ensure_ascii=False)


def data_of(root: Path) -> str:
    """Return every export of every mirror on disk, as one string."""
    return "".join(p.read_text(encoding="utf-8") for p in sorted((root / "data" / "discord").rglob("*.json")))


# -- gone while the bot was away ----------------------------------------------------------------------------


async def test_a_message_and_a_thread_deleted_while_away_are_gone_after_a_restart(
    start: Start, discord_server: GuildDiscord, tmp_path: Path
) -> None:
    doomed = discord_server.post(FAQ, ROLLBACK)
    discord_server.post(FAQ, ONCALL)
    discord_server.thread(THREAD, FAQ, "Deploys")
    discord_server.post(THREAD, WINDOW)
    first = await start()
    assert "make rollback" in await ask(first, ROLLBACK_Q) and "window closes" in await ask(first, WINDOW_Q)
    await stop(first)

    del discord_server.history[FAQ][int(doomed["id"])]  # no event: the bot was not connected
    del discord_server.channels[THREAD], discord_server.history[THREAD]
    second = await start()
    listed = await listing(second)
    assert "1 message" in listed and "2 messages" not in listed and "Deploys" not in listed
    assert "make rollback" not in mirrored(tmp_path) and "window closes" not in mirrored(tmp_path)
    assert "make rollback" not in await ask(second, ROLLBACK_Q) and "window closes" not in await ask(second, WINDOW_Q)
    assert not_found(discord_server, FAQ) == []  # known gone from the sync: the send-time check never met it


async def test_a_message_edited_while_away_is_quoted_in_its_new_wording_after_a_restart(
    start: Start, discord_server: GuildDiscord, tmp_path: Path
) -> None:
    message = discord_server.post(FAQ, ROLLBACK)
    discord_server.post(FAQ, ONCALL)
    first = await start()
    assert "make rollback" in await ask(first, ROLLBACK_Q)
    await stop(first)

    edited = {**message, "content": UNDO, "edited_timestamp": "2024-03-04T12:00:00+00:00"}
    discord_server.history[FAQ][int(message["id"])] = edited
    second = await start()
    assert "make undo" in mirrored(tmp_path) and "make rollback" not in mirrored(tmp_path)
    reply = await ask(second, ROLLBACK_Q)  # the first answer already: no old wording to find and drop
    assert "make undo" in reply and "make rollback" not in reply and link(FAQ, message) in reply


# -- a listed channel deleted or unreadable -----------------------------------------------------------------


async def test_a_listed_channel_deleted_while_running_is_dropped_with_its_threads(
    start: Start, news: GuildDiscord, tmp_path: Path
) -> None:
    online = await online_at(start)
    assert "make rollback" in await ask(online, ROLLBACK_Q) and "window closes" in await ask(online, WINDOW_Q)

    gone = {**news.channels.pop(NEWS), "guild_id": str(GUILD)}
    del news.history[NEWS], news.channels[THREAD], news.history[THREAD]
    await online.deliver("CHANNEL_DELETE", gone, "guild_channel_delete")
    listed = await listing(online)
    assert "#news" not in listed and "Deploys" not in listed and "#faq" in listed
    assert "make rollback" not in data_of(tmp_path) and "window closes" not in data_of(tmp_path)
    assert "make rollback" not in await ask(online, ROLLBACK_Q) and "window closes" not in await ask(online, WINDOW_Q)
    assert not_found(news, NEWS) == [] and not_found(news, THREAD) == []  # dropped by the event itself


async def test_a_listed_channel_unreadable_at_start_is_dropped_and_read_again_when_it_may(
    start: Start, news: GuildDiscord, tmp_path: Path
) -> None:
    first = await start()
    assert "make rollback" in await ask(first, ROLLBACK_Q)
    await stop(first)

    news.forbidden.add(NEWS)  # View Channel or Read Message History taken from the bot while it was away
    second = await start()
    assert "make rollback" not in data_of(tmp_path) and "window closes" not in data_of(tmp_path)
    assert "#news" not in await listing(second)
    assert "make rollback" not in await ask(second, ROLLBACK_Q) and "window closes" not in await ask(second, WINDOW_Q)
    await stop(second)

    news.forbidden.discard(NEWS)  # given back: the next start reads it again
    third = await start()
    assert "make rollback" in await ask(third, ROLLBACK_Q)


@pytest.mark.parametrize("how", ["channel overwrite", "role", "bot removed from the server"])
async def test_access_revoked_while_running_drops_the_channel_until_it_is_given_back(
    how: str, start: Start, news: GuildDiscord, tmp_path: Path
) -> None:
    news.bot_permissions = READ
    online = await online_at(start)
    assert "make rollback" in await ask(online, ROLLBACK_Q)

    await revoke(online, news, how, revoked=True)
    assert "make rollback" not in data_of(tmp_path) and "window closes" not in data_of(tmp_path)
    assert "#news" not in await listing(online)
    assert "make rollback" not in await ask(online, ROLLBACK_Q) and "window closes" not in await ask(online, WINDOW_Q)

    await revoke(online, news, how, revoked=False)
    assert "make rollback" in await ask(online, ROLLBACK_Q)


async def revoke(online: Online, server: GuildDiscord, how: str, *, revoked: bool) -> None:
    """Take (or give back) the bot's access to NEWS: by an overwrite on the channel, its role, or its membership."""
    if how == "bot removed from the server":
        if revoked:
            await online.deliver("GUILD_DELETE", {"id": str(GUILD)}, "guild_remove")
        else:
            joined = {k: v for k, v in server.guild_create().items() if k != "unavailable"}  # invited back
            await online.deliver("GUILD_CREATE", joined, "guild_join")
    elif how == "role":
        permissions = READ & ~(1 << 16) if revoked else READ  # without Read Message History
        update = {"guild_id": str(GUILD), "role": server.bot_role(permissions)}
        await online.deliver("GUILD_ROLE_UPDATE", update, "guild_role_update")
    else:
        await online.deliver("CHANNEL_UPDATE", server.deny_bot(NEWS, denied=revoked), "guild_channel_update")


# -- pins only: the checks of every other path -------------------------------------------------------------


@pytest.mark.parametrize("where", ["private thread", "forum post without the tag"])
async def test_a_pin_where_messages_do_not_count_is_never_mirrored(
    where: str, start: Start, discord_server: GuildDiscord, tmp_path: Path
) -> None:
    if where == "private thread":
        write_config(tmp_path, "pins_only = true\n")
        discord_server.post(FAQ, ONCALL, pinned=True)
        discord_server.thread(THREAD, FAQ, "Incident", private=True)
        place, title = THREAD, "Incident"
    else:
        (tmp_path / "quotebot.toml").write_text(
            f'[collections.faq]\ndiscord_channels = [{FORUM}]\nforum_tags = ["solved"]\npins_only = true\n'
            f"channels = [{FAQ}]\n",
            encoding="utf-8",
        )
        discord_server.text_channel(FORUM, "help", kind=15)
        discord_server.thread(SOLVED, FORUM, "On-call", tags=(SOLVED_TAG,))
        discord_server.post(SOLVED, ONCALL, pinned=True)
        discord_server.thread(ASKED, FORUM, "Rollback how?", tags=(QUESTION_TAG,))
        place, title = ASKED, "Rollback how?"
    online = await start()
    discord_server.post(place, ROLLBACK, pinned=True)
    pins = {"guild_id": str(GUILD), "channel_id": str(place), "last_pin_timestamp": "2024-03-05T12:00:00+00:00"}
    await online.deliver("CHANNEL_PINS_UPDATE", pins, "guild_channel_pins_update")
    assert "make rollback" not in await ask(online, ROLLBACK_Q)
    assert "make rollback" not in data_of(tmp_path)
    assert title not in await listing(online)


# -- the send-time check fails closed -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [
        [Canned(403, {"message": "Missing Access", "code": 50001})],
        [rate_limited(1.0)] * 5,  # discord.py retries a 429 (its waits return at once here), then gives up
        [server_error(500)] * 5,
        None,  # no answer: the check's time limit
    ],
    ids=["403", "429", "500", "time-out"],
)
async def test_a_quoted_message_that_cannot_be_fetched_again_is_left_out_and_unverified(
    answers: list[Canned] | None,
    start: Start,
    discord_server: GuildDiscord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = discord_server.post(FAQ, ROLLBACK)
    online = await start()
    await online.bot.settled()
    path, quoted = f"/channels/{FAQ}/messages/{message['id']}", (link(FAQ, message), "make rollback")
    if answers is None:
        monkeypatch.setattr(recheck_module, "RECHECK_SECONDS", 0.05)
        discord_server.hang("GET", path)
    else:
        discord_server.script("GET", path, *answers)
    found = await online.bot.live.recheck([quoted])
    assert found == Recheck(frozenset(), frozenset({quoted[0]}), frozenset({quoted[0]}))
    assert "make rollback" in mirrored(tmp_path)  # not known gone: kept, and shown once Discord answers again
    discord_server.release()
    assert await online.bot.live.recheck([quoted]) == Recheck(frozenset(), frozenset(), frozenset())


async def test_the_send_time_check_leaves_out_what_is_gone_or_no_longer_says_the_quote(
    start: Start, news: GuildDiscord, tmp_path: Path
) -> None:
    deleted, reworded, extended = (news.post(FAQ, f"{ROLLBACK} Case {i}.") for i in range(3))
    online = await start()
    await online.bot.settled()
    del news.history[FAQ][int(deleted["id"])]
    news.history[FAQ][int(reworded["id"])] = {**reworded, "content": UNDO}
    news.history[FAQ][int(extended["id"])] = {**extended, "content": f"{extended['content']} Then call on-call."}
    export = f"https://discord.com/channels/{GUILD}/77/{deleted['id']}"  # an export's channel: not live
    quoted = [(link(FAQ, m), "make rollback") for m in (deleted, reworded, extended)] + [(export, "make rollback")]

    found = await online.bot.live.recheck(quoted)
    assert found.left_out == {link(FAQ, deleted), link(FAQ, reworded)} and found.unverified == frozenset()
    assert found.changed == {"faq"}
    assert news.sent("GET", r"/channels/77/messages/\d+") == []  # never fetched
    online.bot.schedule_refresh(*found.changed)  # as the gate does
    await online.bot.settled()
    assert "make undo" in mirrored(tmp_path) and "Then call on-call" in mirrored(tmp_path)
    assert f"{ROLLBACK} Case 0" not in mirrored(tmp_path)

    online.bot.live.apply(load_collections(write_config(tmp_path), tmp_path / "corpus", tmp_path / "data/discord"))
    dropped = (link(NEWS, news.history[NEWS][max(news.history[NEWS])]), "make rollback")  # NEWS no longer listed
    again = await online.bot.live.recheck([dropped])
    assert again.left_out == {dropped[0]} and news.sent("GET", rf"/channels/{NEWS}/messages/\d+") == []


async def test_an_unpinned_message_is_left_out_by_the_send_time_check_under_pins_only(
    start: Start, discord_server: GuildDiscord, tmp_path: Path
) -> None:
    write_config(tmp_path, "pins_only = true\n")
    pinned = discord_server.post(FAQ, ROLLBACK, pinned=True)
    online = await start()
    await online.bot.settled()
    discord_server.history[FAQ][int(pinned["id"])]["pinned"] = False  # unpinned without the event reaching us
    found = await online.bot.live.recheck([(link(FAQ, pinned), "make rollback")])
    assert found.left_out == {link(FAQ, pinned)} and found.changed == {"faq"} and not found.unverified
    online.bot.schedule_refresh(*found.changed)
    await online.bot.settled()
    assert "make rollback" not in mirrored(tmp_path)


# -- quotebot.toml applied while running ----------------------------------------------------------------------


async def apply(online: Online, config: Path, root: Path) -> set[str]:
    """Adopt a new quotebot.toml as the config reload does: apply, read again, re-index what changed."""
    live = online.bot.live
    again = live.apply(load_collections(config, root / "corpus", root / "data" / "discord"))
    online.bot.schedule_refresh(*again)  # what it hid now is hidden from the engine at once
    online.bot.schedule_refresh(*await live.sync(again))
    return again


async def test_a_channel_taken_out_of_the_config_is_no_longer_mirrored_old_or_new(
    start: Start, news: GuildDiscord, tmp_path: Path
) -> None:
    online = await start()
    assert "make rollback" in await ask(online, ROLLBACK_Q)

    assert await apply(online, write_config(tmp_path), tmp_path) == {"faq"}  # FAQ only
    assert "make rollback" not in await ask(online, ROLLBACK_Q) and "window closes" not in await ask(online, WINDOW_Q)
    listed = await listing(online)
    assert "#news" not in listed and "Deploys" not in listed and "#faq" in listed
    assert "make rollback" not in data_of(tmp_path) and "window closes" not in data_of(tmp_path)
    later = news.post(NEWS, "The rollback runs with make revert, since the last release.")
    await online.deliver("MESSAGE_CREATE", later, "message")
    assert "make revert" not in await ask(online, ROLLBACK_Q) and "make revert" not in data_of(tmp_path)
    assert "on-call rotation" in await ask(online, "When does the on-call rotation change?")


async def test_pins_only_turned_on_drops_the_unpinned_messages(
    start: Start, discord_server: GuildDiscord, tmp_path: Path
) -> None:
    discord_server.post(FAQ, ONCALL, pinned=True)
    discord_server.post(FAQ, ROLLBACK)
    online = await start()
    assert "make rollback" in await ask(online, ROLLBACK_Q)

    assert await apply(online, write_config(tmp_path, "pins_only = true\n"), tmp_path) == {"faq"}
    assert "make rollback" not in await ask(online, ROLLBACK_Q)
    assert "on-call rotation" in await ask(online, "When does the on-call rotation change?")
    assert "make rollback" not in mirrored(tmp_path) and "on-call rotation" in mirrored(tmp_path)
    assert "1 message" in await listing(online)


async def test_a_collection_taken_out_of_the_config_leaves_the_disk(
    start: Start, news: GuildDiscord, tmp_path: Path
) -> None:
    config = tmp_path / "quotebot.toml"
    config.write_text(
        f"[collections.faq]\ndiscord_channels = [{FAQ}]\n\n"
        f"[collections.news]\ndiscord_channels = [{NEWS}]\nchannels = [{FAQ}, {NEWS}]\n",  # asked in FAQ
        encoding="utf-8",
    )
    online = await start()
    assert "make rollback" in await ask(online, ROLLBACK_Q)
    folder = tmp_path / "data" / "discord"
    assert (folder / "news").is_dir() and (folder / "news.state.json").is_file()

    assert await apply(online, write_config(tmp_path), tmp_path) == set()  # faq as it was
    assert not (folder / "news").exists() and not (folder / "news.state.json").exists()
    assert "make rollback" not in await ask(online, ROLLBACK_Q)
    await online.deliver("MESSAGE_CREATE", news.post(NEWS, ROLLBACK + " Again."), "message")
    assert not (folder / "news").exists() and "make rollback" not in data_of(tmp_path)
