"""A fake of Discord on 127.0.0.1: its REST API and its gateway, for driving discord.py's real client.

discord.py's own `HTTPClient.request` (rate limits, 5xx retries), its webhook adapter (interaction
responses and follow-ups) and its gateway (`DiscordWebSocket`, RESUME, re-IDENTIFY) talk to this server
over real sockets. Every REST request is recorded; a test scripts the answers of one route with
`FakeDiscord.script`, makes a route hang with `hang` (a client's time-out), and drives the gateway with
`dispatch`, `drop` and `invalidate_session`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

__all__ = [
    "APP_ID",
    "BOT_ID",
    "TOKEN",
    "Canned",
    "FakeDiscord",
    "Recorded",
    "expired",
    "rate_limited",
    "server_error",
    "user_json",
]

API = "/api/v10"
TOKEN = "fake-token"
BOT_ID = APP_ID = 1000
_TIMESTAMP = "2024-01-01T00:00:00.000000+00:00"


def user_json(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    """Return a user object as Discord sends it."""
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


BOT_USER = user_json(BOT_ID, "quotebot", bot=True)
APPLICATION = {
    "id": str(APP_ID),
    "name": "quotebot",
    "description": "",
    "icon": None,
    "bot_public": True,
    "bot_require_code_grant": False,
    "owner": user_json(1, "owner"),
    "verify_key": "0" * 64,
    "flags": 0,
}


@dataclass(frozen=True)
class Canned:
    """One scripted answer: a status, a JSON body (None: empty) and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    """One REST request the client made, and the status it got."""

    method: str
    path: str  # after /api/v10
    query: dict[str, str]
    body: Any  # the JSON body, None when there was none
    status: int
    reply: Any = None  # the JSON body of the answer

    @property
    def ok(self) -> bool:
        """Tell whether Discord accepted it."""
        return 200 <= self.status < 300


def rate_limited(retry_after: float, *, is_global: bool = False) -> Canned:
    """Return a 429 as Discord's edge sends it: the JSON body, the `Via` header, the bucket headers."""
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
    headers = {
        "Via": "1.1 google",  # without it discord.py takes the 429 for a Cloudflare ban and gives up
        "Retry-After": str(max(1, round(retry_after))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset-After": str(retry_after),
        "X-RateLimit-Scope": "global" if is_global else "user",
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    return Canned(429, body, headers)


def server_error(status: int = 500) -> Canned:
    """Return a 5xx with Discord's JSON error body."""
    return Canned(status, {"message": f"{status}: Internal Server Error", "code": 0})


def expired(code: int = 10062) -> Canned:
    """Return the 404 of an interaction (10062) or interaction webhook (10015) whose token expired."""
    message = {10062: "Unknown interaction", 10015: "Unknown Webhook"}.get(code, "Not Found")
    return Canned(404, {"message": message, "code": code})


def message_json(message_id: str, channel_id: int, author: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Return a message object as Discord sends it, made from a send payload (content, embeds, components, reply)."""
    data: dict[str, Any] = {
        "id": message_id,
        "channel_id": str(channel_id),
        "author": author,
        "content": body.get("content") or "",
        "timestamp": _TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "pinned": False,
        "type": 19 if body.get("message_reference") else 0,
        "flags": body.get("flags") or 0,
    }
    if reference := body.get("message_reference"):
        data["message_reference"] = {"channel_id": str(channel_id), **reference}
    return data


class FakeDiscord:
    """Discord's REST API and gateway for one bot, on an ephemeral port of 127.0.0.1."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._scripts: dict[tuple[str, str], deque[Canned]] = {}
        self._hung: dict[tuple[str, str], asyncio.Event] = {}  # routes that answer only once released
        self._ids = itertools.count(5000)
        self._runner: web.AppRunner | None = None
        self.port = 0
        # the gateway
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.sessions = 0
        self._seq = 0
        self._socket: web.WebSocketResponse | None = None
        self._changed = asyncio.Condition()

    # -- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        """Stop listening and close the open connections."""
        self.release()
        if self._socket is not None and not self._socket.closed:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        """Return the base URL to give discord.http.Route.BASE."""
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        """Return the gateway URL (also sent as READY's resume_gateway_url)."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- REST --------------------------------------------------------------------------------------------

    def script(self, method: str, path: str, *answers: Canned) -> None:
        """Answer the next requests to `path` (after /api/v10) with `answers`, in order, then normally."""
        self._scripts.setdefault((method, path), deque()).extend(answers)

    def hang(self, method: str, path: str) -> None:
        """Keep the requests to `path` (after /api/v10) waiting, unanswered, until `release` (or `close`)."""
        self._hung.setdefault((method, path), asyncio.Event())

    def release(self) -> None:
        """Answer the requests that `hang` kept waiting, as usual, and every later one at once."""
        for event in self._hung.values():
            event.set()
        self._hung.clear()

    def sent(self, method: str, pattern: str) -> list[Recorded]:
        """Return the recorded requests whose method matches and whose path fully matches the regex."""
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until a request or gateway frame makes `condition` true."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(condition), timeout)

    async def _changed_now(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        raw = await request.read()
        body = json.loads(raw) if raw and request.content_type == "application/json" else None
        if (hung := self._hung.get((request.method, path))) is not None:
            await hung.wait()
        queue = self._scripts.get((request.method, path))
        canned = queue.popleft() if queue else self._default(request.method, path, body, dict(request.query))
        self.requests.append(Recorded(request.method, path, dict(request.query), body, canned.status, canned.body))
        await self._changed_now()
        headers = {"Via": "1.1 google", **_bucket_headers(path), **canned.headers}
        if canned.body is None:
            return web.Response(status=canned.status, headers=headers)
        # exactly "application/json", as Discord sends it: discord.py compares the header verbatim
        headers["Content-Type"] = "application/json"
        return web.Response(body=json.dumps(canned.body).encode(), status=canned.status, headers=headers)

    def _default(self, method: str, path: str, body: Any, query: dict[str, str]) -> Canned:
        """Answer as Discord does when nothing goes wrong."""
        if (method, path) == ("GET", "/users/@me"):
            return Canned(200, BOT_USER)
        if (method, path) == ("GET", "/oauth2/applications/@me"):
            return Canned(200, APPLICATION)
        if method == "PUT" and re.fullmatch(r"/applications/\d+(/guilds/\d+)?/commands", path):
            return Canned(200, [])
        if method == "POST" and re.fullmatch(r"/channels/\d+/typing", path):
            return Canned(204)
        if (match := re.fullmatch(r"/channels/(\d+)/messages(?:/(\d+))?", path)) and method in ("POST", "PATCH"):
            return Canned(200, self.message(int(match[1]), body or {}, message_id=match[2]))
        if match := re.fullmatch(r"/interactions/(\d+)/[^/]+/callback", path):
            return Canned(200, _callback(int(match[1]), body or {}))
        if match := re.fullmatch(r"/webhooks/\d+/[^/]+(?:/messages/(@original|\d+))?", path):
            if method == "POST" and query.get("wait") not in ("1", "true"):
                return Canned(204)
            return Canned(200, self.message(20, body or {}, webhook=True))
        return Canned(404, {"message": "404: Not Found", "code": 0})

    def message(
        self, channel_id: int, body: dict[str, Any], *, message_id: str | None = None, webhook: bool = False
    ) -> dict[str, Any]:
        """Return the message Discord creates from a send payload: what was sent, with an id and an author."""
        data = message_json(message_id or str(next(self._ids)), channel_id, BOT_USER, body)
        if webhook:
            data["webhook_id"] = str(APP_ID)
        return data

    # -- the gateway -------------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        """Speak the gateway: HELLO, then READY on IDENTIFY, RESUMED on RESUME, ACK on heartbeats."""
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 45_000}, "s": None, "t": None})
        async for frame in socket:
            if frame.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            if payload["op"] == 1:
                await socket.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif payload["op"] == 2:
                self.identifies.append(payload["d"])
                self.sessions += 1
                ready = {
                    "v": 10,
                    "user": BOT_USER,
                    "guilds": [],
                    "session_id": f"session-{self.sessions}",
                    "resume_gateway_url": self.gateway_url,
                    "application": {"id": str(APP_ID), "flags": 0},
                    "private_channels": [],
                    "relationships": [],
                }
                await self._send(socket, "READY", ready)
            elif payload["op"] == 6:
                self.resumes.append(payload["d"])
                await self._send(socket, "RESUMED", {})
            await self._changed_now()
        return socket

    async def _send(self, socket: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        await socket.send_json({"op": 0, "t": event, "s": self._seq, "d": data})

    @property
    def sequence(self) -> int:
        """Return the sequence number of the last event sent."""
        return self._seq

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send one event to the connected bot."""
        assert self._socket is not None and not self._socket.closed, "no gateway connection"
        await self._send(self._socket, event, data)

    async def drop(self, code: int = 4000) -> None:
        """Close the connection the way a gateway restart does: the bot should RESUME on its own."""
        assert self._socket is not None
        await self._socket.close(code=code, message=b"unknown error")

    async def invalidate_session(self) -> None:
        """Send INVALID_SESSION (not resumable): the bot should IDENTIFY again and get a second READY."""
        assert self._socket is not None
        await self._socket.send_json({"op": 9, "d": False, "s": None, "t": None})


def _bucket_headers(path: str) -> dict[str, str]:
    """Return the rate limit headers of a request that left the bucket with room."""
    return {
        "X-RateLimit-Bucket": f"bucket{abs(hash(re.sub(r'/[0-9]+', '/id', path))) % 10_000}",
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "4",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
    }


def _callback(interaction_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Return the answer to an interaction callback (discord.py asks `with_response`)."""
    kind = int(body.get("type", 5))
    return {
        "interaction": {
            "id": str(interaction_id),
            "type": 2,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool((body.get("data") or {}).get("flags", 0) & 64),
        },
        "resource": {"type": kind},
    }
