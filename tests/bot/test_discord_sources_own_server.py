"""/sources lists a Discord channel, thread or export in its own server only: never in another server, nor a DM.

Through discord.py's real client and the fake Discord (as test_discord_channels_access.py): the `faq` collection
mirrors channel 20 and its thread "Incident: CFO laptop stolen at the airport", and `servers = [99]` widens it to
another server; the public `archive` folder holds eleven notes and a DiscordChatExporter export of this server's
#cfo-laptop-stolen channel. The titles are the server's to see, as the messages are: both pages of the list
(the second one by its button) are checked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import tests.bot.test_discord_faults as faults
from quotebot.bot.ops.settings import Settings
from tests.bot.discord_guild import GUILD, GuildDiscord
from tests.bot.discord_http_server import APP_ID, BOT_USER, message_json, user_json
from tests.bot.test_discord_channels import FAQ, ONCALL, ROLLBACK, Start, channel_settings, discord_server, start
from tests.bot.test_discord_faults import ASKER, DM, Online, button, token_of

FIXTURES = (start, discord_server, channel_settings)  # pytest finds them by these names in this module

ELSEWHERE, ELSEWHERE_CHANNEL = 99, 50
THREAD = 30
INCIDENT = "Incident: CFO laptop stolen at the airport"
SECRETS = ("CFO", "cfo-laptop", "#faq")  # the thread's title, the export's channel, the mirrored channel


def export() -> str:
    """Return an export of this server's #cfo-laptop-stolen channel, as DiscordChatExporter writes it."""
    message = {
        "id": "700001",
        "type": "Default",
        "timestamp": "2024-03-01T10:00:00+00:00",
        "content": "The laptop was reported to the airport police at nine.",
        "author": {"id": "2000", "name": "member", "isBot": False},
    }
    channel = {"id": "60", "name": "cfo-laptop-stolen"}
    return json.dumps({"guild": {"id": str(GUILD), "name": "team"}, "channel": channel, "messages": [message]})


@pytest.fixture
def setup(tmp_path: Path, discord_server: GuildDiscord, channel_settings: Settings) -> None:
    """Write quotebot.toml (over the one channel_settings wrote), the archive folder, the server's messages."""
    (tmp_path / "quotebot.toml").write_text(
        f'[collections.faq]\ndiscord_channels = [{FAQ}]\nservers = [{ELSEWHERE}]\n\n[collections.archive]\npath = "archive"\n',
        encoding="utf-8",
    )
    archive = tmp_path / "archive"
    archive.mkdir()
    for i in range(11):
        (archive / f"note-{i:02}.txt").write_text(f"Note {i} about the coffee machine on floor {i}.\n", encoding="utf-8")
    (archive / "zz-incident.json").write_text(export(), encoding="utf-8")
    discord_server.post(FAQ, ONCALL)
    discord_server.thread(THREAD, FAQ, INCIDENT)
    discord_server.post(THREAD, ROLLBACK)


def shown(online: Online, token: str) -> dict[str, Any]:
    """Return the message a /sources command or a click made (its interaction callback's data)."""
    [callback] = online.fake.sent("POST", rf"/interactions/\d+/{token}/callback")
    return callback.body["data"]  # type: ignore[no-any-return]


async def every_page(online: Online, interact: Any, channel: int) -> str:
    """Run /sources, then click "next" until the last page; return every page's rows as one string."""
    data = shown(online, await interact({"id": "780", "name": "sources", "type": 1}))
    pages = [data["embeds"][0]["description"]]
    while data.get("components") and not data["components"][0]["components"][1].get("disabled"):
        message = message_json("6001", channel, BOT_USER, data)
        data = shown(online, await interact(button(message, "quotebot:sources:next"), kind=3, message=message))
        pages.append(data["embeds"][0]["description"])
    return "\n".join(pages).replace("\\", "")  # Markdown escapes taken out: "\\#faq" is "#faq"


async def in_server(online: Online, guild: int, channel: int, monkeypatch: pytest.MonkeyPatch) -> str:
    """List the sources as a member of `guild` sees them in `channel`."""
    await online.bot.settled()
    with monkeypatch.context() as place:
        place.setattr(faults, "GUILD", guild)
        place.setattr(faults, "CHANNEL", channel)
        return await every_page(online, online.interact, channel)


async def in_dm(online: Online) -> str:
    """List the sources in a DM with the bot."""
    await online.bot.settled()

    async def interact(data: dict[str, Any], *, kind: int = 2, message: Any = None) -> str:
        interaction_id = next(faults._ids)
        payload = {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": kind,
            "token": token_of(interaction_id),
            "version": 1,
            "channel_id": str(DM),
            "channel": {"id": str(DM), "type": 1, "recipients": [user_json(ASKER, "asker")]},
            "user": user_json(ASKER, "asker"),
            "data": data,
            "locale": "en-US",
            "app_permissions": "2048",
            "entitlements": [],
            "authorizing_integration_owners": {"1": str(ASKER)},
            "context": 1,
            "attachment_size_limit": 8 * 1024 * 1024,
            **({"message": message} if message is not None else {}),
        }
        await online.deliver("INTERACTION_CREATE", payload, "interaction")
        return token_of(interaction_id)

    return await every_page(online, interact, DM)


@pytest.mark.usefixtures("setup")
async def test_another_server_never_sees_this_servers_channel_thread_or_export_names(
    start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    online = await start()
    own = await in_server(online, GUILD, FAQ, monkeypatch)
    assert all(secret in own for secret in SECRETS), own  # listed in their own server
    elsewhere = await in_server(online, ELSEWHERE, ELSEWHERE_CHANNEL, monkeypatch)
    assert "Note 10" in elsewhere  # the list has its second page there too
    assert not any(secret in elsewhere for secret in SECRETS), elsewhere


@pytest.mark.usefixtures("setup")
async def test_a_dm_never_sees_a_discord_channels_name(start: Start) -> None:
    online = await start()
    listed = await in_dm(online)
    assert "Note 10" in listed  # the public folder is listed in a DM
    assert not any(secret in listed for secret in SECRETS), listed
