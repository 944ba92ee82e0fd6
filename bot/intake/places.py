"""Where a question was asked on Discord: the server, channel and thread parent that decide what it may search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

__all__ = ["Place", "place_of_interaction", "place_of_message"]


@dataclass(frozen=True, slots=True)
class Place:
    """A server (None in a direct message), a channel, and the parent channel when it is a thread.

    `private`: a private thread, which only its members see: what is asked there is never kept as text.
    """

    server: int | None
    channel: int | None
    parent: int | None = None
    private: bool = False


def _parent(channel: object) -> int | None:
    """Return a thread's parent channel id (a thread inherits its parent's access), else None."""
    return channel.parent_id if isinstance(channel, discord.Thread) else None


def _private(channel: object) -> bool:
    """Tell whether a channel is a private thread (a partial channel says so by its type too)."""
    return getattr(channel, "type", None) == discord.ChannelType.private_thread


def place_of_interaction(interaction: discord.Interaction[Any]) -> Place:
    """Return where a slash command or context menu was used."""
    channel = interaction.channel
    return Place(interaction.guild_id, interaction.channel_id, _parent(channel), _private(channel))


def place_of_message(message: discord.Message) -> Place:
    """Return where a message (a mention or a DM) was sent."""
    channel = message.channel
    return Place(message.guild.id if message.guild else None, channel.id, _parent(channel), _private(channel))
