"""`quotebot serve`: log in to Discord and run the bot until it is stopped; its log lines; one-line errors."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord

from ...index import QuotebotError
from ..client.client import QuoteBot
from ..ops.lifecycle import on_signals
from ..ops.logs import JsonFormatter, one_line_logs
from ..ops.settings import Settings

__all__ = ["run_bot", "serve", "setup_logging"]


def setup_logging(log_format: str = "text") -> None:
    """Log discord.py and quotebot at INFO on stderr, once each (not again through the CLI's root handler).

    `log_format` json (QUOTEBOT_LOG_FORMAT): one JSON object per line, for log collectors.
    """
    handler = logging.StreamHandler()
    one_line_logs(handler)
    formatter = JsonFormatter() if log_format == "json" else discord.utils.MISSING  # MISSING: discord.py's text
    discord.utils.setup_logging(handler=handler, formatter=formatter, level=logging.INFO, root=False)
    logging.getLogger("quotebot").setLevel(logging.INFO)
    # The CLI's own printer of the one-time model steps goes: they reach this handler (text or JSON) as any line.
    steps = logging.getLogger("quotebot.index.embed")
    steps.handlers = [h for h in steps.handlers if not getattr(h, "model_steps", False)]
    for name in ("discord", "quotebot"):
        logger = logging.getLogger(name)
        if handler not in logger.handlers:
            logger.addHandler(handler)
        logger.propagate = False


async def serve(settings: Settings, token: str) -> None:
    """Log in and run until the connection is closed (SIGTERM or SIGINT: a clean shutdown, a second: at once)."""
    async with QuoteBot(settings) as bot:
        on_signals(bot)
        await bot.start(token)


def run_bot(settings: Settings) -> int:
    """Run the bot until stopped; raise QuotebotError when the token is missing or rejected."""
    if settings.discord_token is None:
        raise QuotebotError("DISCORD_TOKEN is not set: put your bot token in the environment or .env")
    setup_logging(settings.log_format)
    try:
        asyncio.run(serve(settings, settings.discord_token.get_secret_value()))
    except discord.LoginFailure as exc:
        raise QuotebotError(
            "Discord rejected DISCORD_TOKEN: copy the token again (Developer Portal › your app › Bot › Reset Token)"
        ) from exc
    except (aiohttp.ClientError, discord.GatewayNotFound, discord.DiscordServerError) as exc:
        raise QuotebotError(f"cannot reach Discord ({exc}): check the network, then run it again") from exc
    except discord.PrivilegedIntentsRequired as exc:  # asked for only when quotebot.toml lists Discord channels
        raise QuotebotError(
            "Discord refused the Message Content intent, needed for the answer channels and Discord-sourced "
            "collections you configured: turn it on (Developer Portal › your app › Bot › Privileged Gateway "
            "Intents › Message Content Intent), or remove answer_channels and discord_channels"
        ) from exc
    return 0
