"""Checks run before a command (valid question, per-user cooldown) and the words for every refusal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from math import ceil
from typing import Any, TypeVar

import discord
from discord import app_commands

from ..index import QuestionError, QuotebotError
from .limits import RateLimiter, check_question

__all__ = [
    "APOLOGY",
    "QuestionRejected",
    "as_sentence",
    "cooldown_text",
    "describe_error",
    "rate_limited",
    "send_private",
    "tell",
    "valid_question",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

APOLOGY = "Sorry, something went wrong on my side. The error was logged; please try again later."


class QuestionRejected(app_commands.CheckFailure):
    """The question is empty or too long; the message says why."""


def cooldown_text(retry_after: float, rate: int, per: float) -> str:
    """Say, kindly, when the user may ask again."""
    return (
        f"Easy there: you can ask {rate} question{'s' if rate != 1 else ''} every {per:g} seconds. "
        f"Try again in {max(1, ceil(retry_after))} s."
    )


def valid_question() -> Callable[[T], T]:
    """Refuse a command whose `question` option is blank or longer than the bot accepts."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        try:
            check_question(str(getattr(interaction.namespace, "question", "") or ""))
        except QuestionError as exc:
            raise QuestionRejected(str(exc)) from exc
        return True

    return app_commands.check(predicate)


def rate_limited() -> Callable[[T], T]:
    """Count a question against the user's cooldown; refuse it when they ask too often."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        limiter: RateLimiter = interaction.client.limiter
        wait = limiter.retry_after(interaction.user.id)
        if wait:
            raise app_commands.CommandOnCooldown(app_commands.Cooldown(limiter.rate, limiter.per), wait)
        return True

    return app_commands.check(predicate)


def as_sentence(text: str) -> str:
    """Capitalise a one-line library message for chat."""
    return text[:1].upper() + text[1:]


def describe_error(error: app_commands.AppCommandError) -> str | None:
    """Return the message for an error a user can cause or fix, or None for a bug."""
    cause: BaseException = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(cause, QuotebotError | QuestionRejected):
        return as_sentence(str(cause))
    if isinstance(cause, app_commands.CommandOnCooldown):
        return cooldown_text(cause.retry_after, cause.cooldown.rate, cause.cooldown.per)
    if isinstance(cause, app_commands.MissingPermissions):
        needed = ", ".join(p.replace("_", " ").replace("guild", "server").title() for p in cause.missing_permissions)
        return f"You need the {needed} permission to do that."
    if isinstance(cause, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(cause, app_commands.CheckFailure):
        return "You can't use this command here."
    if isinstance(cause, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return "This command was just updated; give Discord a minute to refresh it, then try again."
    if isinstance(cause, app_commands.TransformerError):
        return "I couldn't read one of the options; check them and try again."
    return None


async def send_private(interaction: discord.Interaction[Any], text: str) -> None:
    """Send a short private message in answer to an interaction, whether or not it was deferred (may raise)."""
    none = discord.AllowedMentions.none()
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=none)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=none)


async def tell(interaction: discord.Interaction[Any], text: str) -> None:
    """Send a short private message in answer to an interaction; log, never raise, when Discord refuses it."""
    try:
        await send_private(interaction, text)
    except discord.HTTPException as exc:  # the interaction expired or the channel vanished
        log.warning("could not tell the user %r: %s", text, exc)
