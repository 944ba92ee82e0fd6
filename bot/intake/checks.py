"""Checks run before a command (valid question, per-user cooldown) and the words for every refusal, in any language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from math import ceil
from typing import Any, TypeVar

import discord
from discord import app_commands

from ...index import QuestionError, QuotebotError
from ..words.i18n import DEFAULT, Lang, LocalizedError, decimal, has_text, plural_key, text
from .limits import RateLimiter, check_question

__all__ = [
    "APOLOGY",
    "QuestionRejected",
    "as_sentence",
    "cooldown_text",
    "describe_error",
    "error_text",
    "rate_limited",
    "send_private",
    "tell",
    "valid_question",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

APOLOGY = text("error.apology")  # in English; members get text("error.apology", their locale)


class QuestionRejected(app_commands.CheckFailure):
    """The question is empty or too long; `error` says why."""

    def __init__(self, error: QuestionError) -> None:
        super().__init__(str(error))
        self.error = error


def cooldown_text(retry_after: float, rate: int, per: float, lang: Lang = DEFAULT) -> str:
    """Say, kindly, when the user may ask again."""
    wait = max(1, ceil(retry_after))
    return text(plural_key("limit.cooldown", rate), lang, rate=rate, per=decimal(per, lang, "g"), wait=wait)


def valid_question() -> Callable[[T], T]:
    """Refuse a command whose `question` option is blank or longer than the bot accepts."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        try:
            asked = str(getattr(interaction.namespace, "question", "") or "")
            settings = getattr(interaction.client, "settings", None)  # the bot's; a bare client has none
            check_question(asked, example=settings.example_question if settings else None)
        except QuestionError as exc:
            raise QuestionRejected(exc) from exc
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


def error_text(error: QuotebotError, lang: Lang = DEFAULT) -> str:
    """Return a known error's one line for a member: the bot's own words in `lang`, a library's as they are."""
    if isinstance(error, LocalizedError):
        return as_sentence(error.localized(lang))
    return as_sentence(str(error))  # the library's messages (a missing index, a bad config) are in English


def _permission(name: str, lang: Lang) -> str:
    """Name a Discord permission as members see it, e.g. manage_guild: "Manage Server"."""
    key = f"permission.{name}"
    return text(key, lang) if has_text(key) else name.replace("_", " ").replace("guild", "server").title()


def describe_error(error: app_commands.AppCommandError, lang: Lang = DEFAULT) -> str | None:
    """Return the message, in `lang`, for an error a user can cause or fix, or None for a bug."""
    cause: BaseException = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(cause, QuestionRejected):
        cause = cause.error
    if isinstance(cause, QuotebotError):
        return error_text(cause, lang)
    if isinstance(cause, app_commands.CommandOnCooldown):
        return cooldown_text(cause.retry_after, cause.cooldown.rate, cause.cooldown.per, lang)
    if isinstance(cause, app_commands.MissingPermissions):
        needed = ", ".join(_permission(p, lang) for p in cause.missing_permissions)
        return text("error.permission", lang, permission=needed)
    if isinstance(cause, app_commands.NoPrivateMessage):
        return text("error.server_only", lang)
    if isinstance(cause, app_commands.CheckFailure):
        return text("error.not_here", lang)
    if isinstance(cause, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return text("error.updated", lang)
    if isinstance(cause, app_commands.TransformerError):
        return text("error.bad_option", lang)
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
