"""Drive the bot's commands without Discord: interactions that record what the bot sent.

For the tests and scripts/load.py; the bot itself never imports this module. discord.py dispatches an
interaction through its command tree's private `_call`: `run_command` is the one place that calls it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.enums import try_enum

from ..intake.limits import BUSY

__all__ = [
    "Calls",
    "FakeFollowup",
    "FakeInteraction",
    "FakeMessage",
    "FakeResponse",
    "longest_stall",
    "reply_kind",
    "run_command",
    "slash",
]

T = TypeVar("T")


class Calls(list[tuple[str, dict[str, Any]]]):
    """The calls an interaction received, in order: (name, keyword arguments)."""

    def names(self) -> list[str]:
        """Return the call names in order."""
        return [name for name, _ in self]

    def of(self, name: str) -> list[dict[str, Any]]:
        """Return the keyword arguments of every call with this name."""
        return [kwargs for n, kwargs in self if n == name]


class FakeMessage:
    """A sent message whose edits are recorded."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.id = 999

    async def edit(self, **kwargs: Any) -> FakeMessage:
        """Record an edit."""
        self.calls.append(("message.edit", kwargs))
        return self


class FakeResponse:
    """Record InteractionResponse calls; the first one completes the response."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.done = False

    def is_done(self) -> bool:
        """Tell whether a response was sent."""
        return self.done

    async def _record(self, name: str, kwargs: dict[str, Any]) -> None:
        assert not self.done, f"{name} after the interaction was already answered"
        self.calls.append((name, kwargs))
        self.done = True

    async def defer(self, **kwargs: Any) -> None:
        """Record a defer."""
        await self._record("defer", kwargs)

    async def send_message(self, content: str | None = None, **kwargs: Any) -> None:
        """Record a message."""
        await self._record("send_message", {"content": content, **kwargs})

    async def edit_message(self, **kwargs: Any) -> None:
        """Record an edit of the message the component is on."""
        await self._record("edit_message", kwargs)

    async def send_modal(self, modal: discord.ui.Modal) -> None:
        """Record a form opened in answer (a 👎's optional reason)."""
        await self._record("send_modal", {"modal": modal})


class FakeFollowup:
    """Record follow-up messages."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls

    async def send(self, content: str | None = None, **kwargs: Any) -> FakeMessage:
        """Record a follow-up and return its message."""
        self.calls.append(("followup.send", {"content": content, **kwargs}))
        return FakeMessage(self.calls)


class FakeInteraction:
    """Just enough of discord.Interaction for CommandTree._call, the checks and the callbacks."""

    type = discord.InteractionType.application_command

    def __init__(
        self,
        client: discord.Client,
        *,
        user_id: int = 1,
        data: dict[str, Any] | None = None,
        permissions: discord.Permissions | None = None,
        guild_id: int | None = 10,
        channel_id: int | None = 20,
        channel: Any = None,
        locale: str = "en-US",
    ) -> None:
        self.client = client
        self.locale = try_enum(discord.Locale, locale)  # the member's client language; unknown ones kept as-is
        self.channel_id = channel_id
        self.channel = channel  # a discord.Thread to ask from a thread
        self.user = SimpleNamespace(id=user_id, name=f"user{user_id}")
        self.data = data or {}
        self.permissions = permissions or discord.Permissions.none()
        self.guild_id = guild_id
        self.guild = None
        self.message: Any = None  # a click's: the message whose button was pressed
        self._state = None
        self.command_failed = False
        self._cs_command: Any = None
        self._cs_namespace: Any = None
        self.calls = Calls()
        self.response = FakeResponse(self.calls)
        self.followup = FakeFollowup(self.calls)

    @property
    def namespace(self) -> Any:
        """Return the options, as CommandTree._call set them."""
        return self._cs_namespace or SimpleNamespace()

    @property
    def command(self) -> Any:
        """Return the command being run."""
        return self._cs_command

    async def original_response(self) -> FakeMessage:
        """Return the message sent as the response."""
        return FakeMessage(self.calls)

    async def edit_original_response(self, **kwargs: Any) -> FakeMessage:
        """Edit the message the response deferred on (a click's page), recorded as `edit_original_response`."""
        self.calls.append(("edit_original_response", kwargs))
        return FakeMessage(self.calls)


_OPTION_TYPES = {str: 3, int: 4, bool: 5}


def slash(
    client: discord.Client, name: str, *, user_id: int = 1, locale: str = "en-US", **options: Any
) -> FakeInteraction:
    """Build the interaction Discord sends when a user whose client speaks `locale` runs /name with these options."""
    data = {
        "type": 1,
        "name": name,
        "options": [{"name": k, "type": _OPTION_TYPES[type(v)], "value": v} for k, v in options.items()],
    }
    return FakeInteraction(client, user_id=user_id, data=data, locale=locale)


async def run_command(client: discord.Client, interaction: FakeInteraction) -> None:
    """Run the slash command an interaction names, through discord.py's own tree (checks and error handler too)."""
    tree: app_commands.CommandTree[Any] = getattr(client, "tree")  # noqa: B009  (discord.Client has no tree)
    await tree._call(interaction)  # type: ignore[arg-type]


def reply_kind(interaction: FakeInteraction) -> str:
    """Name what the user got from the last message sent: answered, busy, cooldown, global or error."""
    sent = [kwargs for name, kwargs in interaction.calls if name in ("send_message", "followup.send")]
    if not sent:
        return "error"
    last = sent[-1]
    content = str(last.get("content") or "")
    if last.get("embeds") or content.startswith("**Question:**"):
        return "answered"
    if content == BUSY:
        return "busy"
    if content.startswith("Easy there:"):
        return "cooldown"
    if content.startswith("Too many questions right now"):
        return "global"
    return "error"


async def longest_stall(work: Callable[[], Awaitable[T]], tick: float = 0.005) -> tuple[float, T]:
    """Run `work()` while a ticker sleeps `tick` at a time; return the longest extra wait it saw, and the result."""
    stall = 0.0
    done = False

    async def ticker() -> None:
        nonlocal stall
        while not done:
            started = time.perf_counter()
            await asyncio.sleep(tick)
            stall = max(stall, time.perf_counter() - started - tick)

    running = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    try:
        result = await work()
    finally:
        done = True
        await running
    return stall, result
