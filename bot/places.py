"""Where a question was asked on Discord: the server, channel and thread parent that decide what it may search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

__all__ = ["Place", "place_of_interaction", "place_of_message"]


@dataclass(frozen=True, slots=True)
class Place:
    """A server (None in a direct message), a channel, and the parent channel when it is a thread."""

    server: int | None
    channel: int | None
    parent: int | None = None


def _parent(channel: object) -> int | None:
    """Return a thread's parent channel id (a thread inherits its parent's access), else None."""
    return channel.parent_id if isinstance(channel, discord.Thread) else None


def place_of_interaction(interaction: discord.Interaction[Any]) -> Place:
    """Return where a slash command or context menu was used."""
    return Place(interaction.guild_id, interaction.channel_id, _parent(interaction.channel))


def place_of_message(message: discord.Message) -> Place:
    """Return where a message (a mention or a DM) was sent."""
    return Place(message.guild.id if message.guild else None, message.channel.id, _parent(message.channel))
