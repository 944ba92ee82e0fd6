"""/gaps: this server's latest unanswered questions and 👎, grouped by similar question; Manage Server only.

Records keep the server and channel they came from and never who asked or voted, so a member sees the gaps
of this server's channels they can see now (a thread's: its parent's), and nobody in them is named. The reply
is private and pings nobody: questions are shown escaped.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from ..intake.checks import send_private
from ..ops.gap_groups import GapGroup, group_gaps
from ..ops.gaps import channel_of, server_of
from ..reply.fitting import ELLIPSIS, escape_text
from ..reply.replies import DESCRIPTION_LIMIT
from ..words.i18n import DEFAULT, Lang, language, number, text
from ..words.translator import described

if TYPE_CHECKING:
    from ..client.client import QuoteBot

__all__ = ["QUESTION_CHARS", "REASONS_SHOWN", "Gaps", "gaps_embed", "setup", "visible_channels"]

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()
QUESTION_CHARS = 300  # of a question, shown before "…"
REASONS_SHOWN = 3  # newest reasons shown under a group
_MORE_ROOM = 40  # room kept in the description for "… and N more"
_COLOUR = 0xE67E22


def _units(value: str) -> int:
    """Count UTF-16 code units: never fewer than the characters Discord counts."""
    return len(value.encode("utf-16-le")) // 2


def _cut(value: str, limit: int) -> str:
    """Cut a line to `limit` characters, marking the cut."""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + ELLIPSIS


def _block(group: GapGroup, lang: Lang) -> str:
    """Render one group: its count and newest wording, then its tallies and newest reasons."""
    when = discord.utils.format_dt(group.latest, "R") if group.latest is not None else "?"
    counts = text("gaps.counts", lang, unanswered=group.unanswered, down=group.down, when=when)
    lines = [f"**{number(group.count, lang)}×** {escape_text(_cut(group.question, QUESTION_CHARS))}", f"-# {counts}"]
    lines += [f"> 💬 {escape_text(_cut(reason, QUESTION_CHARS))}" for reason in group.reasons[:REASONS_SHOWN]]
    return "\n".join(lines)


def gaps_embed(groups: list[GapGroup], *, days: int, lang: Lang = DEFAULT) -> discord.Embed:
    """Show the groups, newest first, as many as fit one embed's description; say how many more there are."""
    blocks: list[str] = []
    used = 0
    for index, group in enumerate(groups):
        block = _block(group, lang)
        cost = _units(block) + 2  # the blank line between groups
        if used + cost > DESCRIPTION_LIMIT - _MORE_ROOM:
            blocks.append(text("gaps.and_more", lang, count=number(len(groups) - index, lang)))
            break
        blocks.append(block)
        used += cost
    embed = discord.Embed(title=text("gaps.title", lang, days=days), description="\n\n".join(blocks), colour=_COLOUR)
    embed.set_footer(text=text("gaps.footer", lang))
    return embed


def _sees(guild: discord.Guild, member: discord.Member, channel_id: int, parent_id: int | None) -> bool:
    """Tell whether a member can see a channel now; a thread is seen through its parent (archived threads leave
    the cache). A channel that no longer exists, or is not this server's, is seen by nobody."""
    channel = guild.get_channel_or_thread(parent_id if parent_id is not None else channel_id)
    if isinstance(channel, discord.Thread):
        channel = channel.parent
    return channel is not None and channel.permissions_for(member).view_channel


def visible_channels(interaction: discord.Interaction[Any], places: set[tuple[int, int | None]]) -> set[int]:
    """Return which of these channels (each with its parent when a thread) the member who ran the command sees."""
    guild, member = interaction.guild, interaction.user
    if guild is None or not isinstance(member, discord.Member):
        return set()
    return {channel for channel, parent in places if _sees(guild, member, channel, parent)}


def _in_a_server(interaction: discord.Interaction[Any]) -> bool:
    """Refuse the command in a DM, whatever Discord let through: a DM has no server records nor admins."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return True


class Gaps(commands.Cog):
    """The /gaps slash command."""

    def __init__(self, bot: QuoteBot) -> None:
        self.bot = bot

    @app_commands.command(name="gaps", description=described("command.gaps"))
    @app_commands.describe(days=described("command.gaps.days"))
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)  # hidden from members without Manage Server...
    @app_commands.checks.has_permissions(manage_guild=True)  # ...and refused here, whatever a server overrides
    @app_commands.check(_in_a_server)
    async def gaps(self, interaction: discord.Interaction[Any], days: app_commands.Range[int, 1, 90] = 30) -> None:
        """Show this server's unanswered questions and 👎, grouped by similar question."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = language(interaction.locale)
        server = interaction.guild_id or 0
        gap_log = self.bot.gaps
        if not gap_log.enabled:
            await send_private(interaction, text("gaps.off", lang))
            return
        since = datetime.now(UTC) - timedelta(days=days)

        def read() -> list[dict[str, Any]]:
            return [r for r in gap_log.records() if server_of(r) == server]

        records = await asyncio.to_thread(read)  # the log can be megabytes: read it off the event loop
        places = {where for r in records if (where := channel_of(r)) is not None}
        channels = visible_channels(interaction, places)  # on the loop: discord.py's cache is not thread-safe
        groups = await asyncio.to_thread(group_gaps, records, server=server, since=since, channels=channels)
        log.info("gaps shown in server %s: %d groups over %d days", server, len(groups), days)
        if not groups:
            await send_private(interaction, text("gaps.none", lang, days=days))
            return
        embed = gaps_embed(groups, days=days, lang=lang)
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NONE)


async def setup(bot: QuoteBot) -> None:
    """Load the /gaps command."""
    await bot.add_cog(Gaps(bot))
