"""The fake Discord with a server in it: channels, forum posts, message history and pins behind the REST API.

`GuildDiscord` extends `FakeDiscord` with the read side of Discord that a Discord-sourced collection uses:
`GET /channels/{id}`, the message history (paged as Discord pages it: the `limit` messages just after
`after`, newest first), one message, the pins, the server's active threads and a channel's archived threads.
A test writes history with `post` and announces the server to the connected bot with `guild_create`; with
`bot_permissions` set, the server also holds the bot as a member with a role of those permissions, so that
discord.py can tell what the bot may read (`channel.permissions_for(guild.me)`); `deny_bot` takes a
channel's View Channel from it, as a channel overwrite does.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from aiohttp import WSMsgType, web

from tests.bot.discord_http_server import BOT_ID, BOT_USER, Canned, FakeDiscord, message_json, user_json

__all__ = ["BOT_ROLE", "GUILD", "MESSAGE_CONTENT", "READ", "GuildDiscord", "Unreadable"]

GUILD = 10
BOT_ROLE = 15  # the bot's own role, when `bot_permissions` is set
MESSAGE_CONTENT = 1 << 15  # the privileged intent a bot reading channels asks for
VIEW_CHANNEL, SEND_MESSAGES, READ_MESSAGE_HISTORY = 1 << 10, 1 << 11, 1 << 16
READ = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY  # what a bot reading and answering in channels needs
_TIMESTAMP = "2024-03-0{day}T12:00:00.000000+00:00"


class Unreadable(Exception):
    """Marks a channel the bot may not read (403 on its history)."""


class GuildDiscord(FakeDiscord):
    """Discord with one server whose channels, threads and messages a test controls."""

    def __init__(self) -> None:
        super().__init__()
        self.channels: dict[int, dict[str, Any]] = {}
        self.history: dict[int, dict[int, dict[str, Any]]] = {}
        self.forbidden: set[int] = set()  # channels whose history answers 403 Missing Access
        self.refuse_message_content = False  # an app whose Message Content intent is off in the Developer Portal
        self.bot_permissions: int | None = None  # set: guild_create lists the bot as a member with this role
        self._message_ids = itertools.count(900_000)

    # -- what the server holds -----------------------------------------------------------------------

    def text_channel(self, channel_id: int, name: str, *, kind: int = 0) -> dict[str, Any]:
        """Add a text (0), announcement (5) or forum (15) channel."""
        data: dict[str, Any] = {
            "id": str(channel_id),
            "type": kind,
            "guild_id": str(GUILD),
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        }
        if kind == 15:
            data["available_tags"] = [
                {"id": "71", "name": "Solved", "moderated": False, "emoji_id": None, "emoji_name": None},
                {"id": "72", "name": "Question", "moderated": False, "emoji_id": None, "emoji_name": None},
            ]
        self.channels[channel_id] = data
        self.history.setdefault(channel_id, {})
        return data

    def thread(
        self, thread_id: int, parent: int, name: str, *, tags: tuple[int, ...] = (), private: bool = False
    ) -> dict[str, Any]:
        """Add a public (or private) thread, or a forum post, under `parent`."""
        data = {
            "id": str(thread_id),
            "type": 12 if private else 11,
            "guild_id": str(GUILD),
            "parent_id": str(parent),
            "owner_id": "2000",
            "name": name,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "applied_tags": [str(t) for t in tags],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": _TIMESTAMP.format(day=1),
                "locked": False,
            },
        }
        self.channels[thread_id] = data
        self.history.setdefault(thread_id, {})
        return data

    def post(
        self,
        channel: int,
        content: str,
        *,
        author: int = 2000,
        bot: bool = False,
        kind: int = 0,
        pinned: bool = False,
        day: int = 2,
    ) -> dict[str, Any]:
        """Write a message into a channel's history; return it as the gateway would send it."""
        message_id = str(next(self._message_ids))
        data = message_json(message_id, channel, user_json(author, f"member{author}", bot=bot), {"content": content})
        data.update(type=kind, pinned=pinned, timestamp=_TIMESTAMP.format(day=day), guild_id=str(GUILD))
        self.history[channel][int(message_id)] = data
        return data

    def guild_create(self) -> dict[str, Any]:
        """Return the GUILD_CREATE payload that puts the server and its channels in the bot's cache."""
        channels = [c for c in self.channels.values() if c["type"] not in (11, 12)]
        threads = [c for c in self.channels.values() if c["type"] in (11, 12)]
        roles, members = self._bot_member()
        return {
            "id": str(GUILD),
            "name": "team",
            "owner_id": "1",
            "roles": [{"id": str(GUILD), "name": "@everyone", "permissions": "1024", "position": 0, "color": 0,
                       "hoist": False, "managed": False, "mentionable": False, "flags": 0}, *roles],
            "channels": channels,
            "threads": threads,
            "members": members,
            "member_count": 2,
            "unavailable": False,
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "joined_at": _TIMESTAMP.format(day=1),
        }  # fmt: skip

    def bot_role(self, permissions: int) -> dict[str, Any]:
        """Return the bot's role with these permissions (a GUILD_ROLE_UPDATE's `role`)."""
        return {"id": str(BOT_ROLE), "name": "quotebot", "permissions": str(permissions), "position": 1, "color": 0,
                "hoist": False, "managed": True, "mentionable": False, "flags": 0}  # fmt: skip

    def deny_bot(self, channel: int, *, denied: bool = True) -> dict[str, Any]:
        """Take View Channel from the bot in a channel (an overwrite), or give it back; return the channel."""
        overwrite = {"id": str(BOT_ID), "type": 1, "allow": "0", "deny": str(VIEW_CHANNEL)}
        self.channels[channel]["permission_overwrites"] = [overwrite] if denied else []
        return self.channels[channel]

    def _bot_member(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Return the bot's role and its member entry when `bot_permissions` is set, else nothing."""
        if self.bot_permissions is None:
            return [], []
        member = {"user": BOT_USER, "roles": [str(BOT_ROLE)], "joined_at": _TIMESTAMP.format(day=1), "deaf": False,
                  "mute": False, "flags": 0}  # fmt: skip
        return [self.bot_role(self.bot_permissions)], [member]

    # -- the gateway -----------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        """Speak the gateway; with `refuse_message_content`, close 4014 on an IDENTIFY that asks for the intent."""
        if not self.refuse_message_content:
            return await super()._gateway(request)
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 45_000}, "s": None, "t": None})
        async for frame in socket:
            payload = json.loads(frame.data) if frame.type is WSMsgType.TEXT else {}
            if payload.get("op") == 2:
                self.identifies.append(payload["d"])
                if payload["d"]["intents"] & MESSAGE_CONTENT:
                    await socket.close(code=4014, message=b"Disallowed intent(s).")
        return socket

    # -- the REST API's read side --------------------------------------------------------------------

    def _default(self, method: str, path: str, body: Any, query: dict[str, str]) -> Canned:
        """Answer the read routes of channels, messages, pins and threads; the rest as FakeDiscord does."""
        if method == "GET":
            answer = self._read(path, query)
            if answer is not None:
                return answer
        if method in ("PUT", "DELETE") and re.fullmatch(r"/channels/\d+/messages/\d+/reactions/[^/]+/@me", path):
            return Canned(204)
        if method == "POST" and (match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads", path)):
            # a thread started on a message shares the message's id
            thread = self.thread(int(match[2]), int(match[1]), str((body or {}).get("name", "thread")))
            return Canned(201, thread)
        return super()._default(method, path, body, query)

    def _read(self, path: str, query: dict[str, str]) -> Canned | None:
        if match := re.fullmatch(r"/channels/(\d+)", path):
            channel = self.channels.get(int(match[1]))
            return Canned(200, channel) if channel else _unknown(10003, "Unknown Channel")
        if match := re.fullmatch(r"/channels/(\d+)/messages/pins", path):
            return self._pins(int(match[1]))
        if match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path):
            found = self.history.get(int(match[1]), {}).get(int(match[2]))
            return Canned(200, found) if found else _unknown(10008, "Unknown Message")
        if match := re.fullmatch(r"/channels/(\d+)/messages", path):
            return self._page(int(match[1]), query)
        if re.fullmatch(rf"/guilds/{GUILD}/threads/active", path):
            active = [c for c in self.channels.values() if c["type"] in (11, 12)]
            return Canned(200, {"threads": active, "members": []})
        if re.fullmatch(r"/channels/(\d+)/threads/archived/public", path):
            return Canned(200, {"threads": [], "members": [], "has_more": False})
        return None

    def _page(self, channel: int, query: dict[str, str]) -> Canned:
        """Return the `limit` messages right after `after`, newest first, as Discord does."""
        if channel in self.forbidden:
            return Canned(403, {"message": "Missing Access", "code": 50001})
        if channel not in self.history:
            return _unknown(10003, "Unknown Channel")
        after, limit = int(query.get("after", 0)), int(query.get("limit", 50))
        newer = sorted(i for i in self.history[channel] if i > after)[:limit]
        return Canned(200, [self.history[channel][i] for i in reversed(newer)])

    def _pins(self, channel: int) -> Canned:
        if channel in self.forbidden:
            return Canned(403, {"message": "Missing Access", "code": 50001})
        pinned = [m for _, m in sorted(self.history.get(channel, {}).items(), reverse=True) if m["pinned"]]
        items = [{"pinned_at": m["timestamp"], "message": m} for m in pinned]
        return Canned(200, {"items": items, "has_more": False})


def _unknown(code: int, message: str) -> Canned:
    return Canned(404, {"message": message, "code": code})
