"""Sending to Discord safely: never a ping, and telling Discord's failures from refused payloads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from .replies import Reply

__all__ = ["EXPIRED_CODES", "NONE", "discords_fault", "interaction_expired", "send_kwargs"]

NONE = discord.AllowedMentions.none()

# Discord's error codes for an interaction whose token no longer works: 10062 Unknown interaction (not
# acknowledged within 3 s), 10015 Unknown Webhook and 50027 Invalid Webhook Token (a follow-up sent after
# the token's 15 minutes). Nothing more can be sent on such an interaction, so nobody can be told.
EXPIRED_CODES = frozenset({10062, 10015, 50027})


def interaction_expired(error: BaseException) -> bool:
    """Tell whether Discord refused a response because the interaction had expired."""
    return isinstance(error, discord.HTTPException) and error.code in EXPIRED_CODES


def discords_fault(error: discord.HTTPException) -> bool:
    """Tell whether Discord kept failing (5xx, or a 429 discord.py could not wait out), not refused our payload."""
    return error.status >= 500 or error.status == 429


def send_kwargs(reply: Reply, view: discord.ui.View | None) -> dict[str, Any]:
    """Return the keyword arguments that send a reply, never pinging anyone."""
    kwargs: dict[str, Any] = {"content": reply.content, "embeds": reply.embeds, "allowed_mentions": NONE}
    if view is not None and view.children:
        kwargs["view"] = view
    return kwargs
