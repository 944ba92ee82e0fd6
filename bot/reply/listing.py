"""The corpus as the bot lists it: one row per document, paginated into embeds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from math import ceil
from typing import Any

import discord

from ..ops.engines import Engine
from ..sources.mirror import Mirror
from ..words.i18n import DEFAULT, Lang, plural_key, text
from .replies import Reply, fit_text

__all__ = [
    "NEXT_ID",
    "PREV_ID",
    "SOURCES_PER_PAGE",
    "SourceRow",
    "index_summary",
    "source_rows",
    "sources_buttons",
    "sources_reply",
]

SOURCES_PER_PAGE = 10
PREV_ID, NEXT_ID = "quotebot:sources:prev", "quotebot:sources:next"
_TITLE_ROOM, _DETAILS_ROOM = 180, 160  # 10 rows of at most 345 characters fit a 4,096 description


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One document of the corpus: what /sources shows."""

    title: str
    date: str | None
    paragraphs: int
    file: str
    collection: str | None = None  # named when quotebot.toml defines collections
    messages: int | None = None  # a Discord channel's: how many messages are quotable (instead of paragraphs)
    synced: str | None = None  # a Discord channel's: when its history was last read (instead of the file)


def source_rows(
    engine: Engine,
    *,
    names: Sequence[str] | None = None,
    mirrors: Mapping[str, Mirror] | None = None,
    server: int | None,
) -> list[SourceRow]:
    """List the documents of the collections in `names` (default: all) that `server` may see, with their counts.

    A Discord channel or thread (a live mirror, or an export in a folder) is listed in its own server only, as
    its messages are quoted: never in another server that a collection's `servers` widens it to, never in a
    DM (`server` None). A file is shown by its path in its collection's folder, never by a path on the host.
    A channel mirrored from Discord (`mirrors`, by collection) shows its message count and last sync instead.
    """
    rows = []
    for s in engine.sources(names):
        if s.server is not None and s.server != server:
            continue
        row = SourceRow(s.title, s.date, s.paragraphs, s.doc_id, s.collection)
        mirror = (mirrors or {}).get(s.collection or "")
        channel = mirror.files.get(int(s.path.stem)) if mirror and s.path.stem.isdigit() else None
        if channel is not None:
            row = replace(row, messages=len(channel.messages), synced=channel.synced, file="")
        rows.append(row)
    return rows


def _row_text(row: SourceRow, lang: Lang) -> str:
    """Render a row: the title in bold, then date, paragraphs and file, all escaped (only the count is translated)."""
    if row.messages is not None:
        count = text(plural_key("sources.messages", row.messages), lang, count=row.messages)
        synced = text("sources.synced", lang, when=row.synced) if row.synced else ""
        details = " · ".join(x for x in (row.collection, row.date, count, synced) if x)
        return f"**{fit_text(row.title, _TITLE_ROOM)}**\n{fit_text(details, _DETAILS_ROOM)}"
    paragraphs = text(plural_key("sources.paragraphs", row.paragraphs), lang, count=row.paragraphs)
    details = " · ".join(x for x in (row.collection, row.date, paragraphs, row.file) if x)
    return f"**{fit_text(row.title, _TITLE_ROOM)}**\n{fit_text(details, _DETAILS_ROOM)}"


def sources_reply(
    rows: list[SourceRow], page: int = 0, per_page: int = SOURCES_PER_PAGE, *, lang: Lang = DEFAULT
) -> Reply:
    """Build one page of the document list, its fixed words in `lang`."""
    if not rows:
        return Reply(text("sources.none", lang), [], lang=lang)
    pages = ceil(len(rows) / per_page)
    page = max(0, min(page, pages - 1))
    shown = rows[page * per_page : (page + 1) * per_page]
    title = text(plural_key("sources.title", len(rows)), lang, count=len(rows))
    embed = discord.Embed(title=title, description="\n\n".join(_row_text(row, lang) for row in shown))
    if pages > 1:
        embed.set_footer(text=text("sources.page", lang, page=page + 1, pages=pages))
    return Reply(None, [embed], page, pages, lang=lang)


def sources_buttons(reply: Reply) -> list[discord.ui.Button[Any]]:
    """Return the previous / next buttons of a multi-page list (none for one page).

    Their custom ids carry all a click needs, so they work after a restart too: the list's language and the page
    shown (`quotebot:sources:next:fr:0`); the rows are listed again, as the clicker's channel may see them now.
    """
    if reply.page_count <= 1:
        return []
    grey = discord.ButtonStyle.secondary
    previous, following = text("button.previous", reply.lang), text("button.next", reply.lang)
    back, forth = (f"{base}:{reply.lang}:{reply.page}" for base in (PREV_ID, NEXT_ID))
    return [
        discord.ui.Button(label=previous, emoji="◀️", custom_id=back, style=grey, disabled=reply.page == 0),
        discord.ui.Button(label=following, emoji="▶️", custom_id=forth, style=grey, disabled=not reply.has_more),
    ]


def index_summary(engine: Engine, names: Sequence[str] | None = None, lang: Lang = DEFAULT) -> str:
    """Say what the indexes of the collections in `names` (default: all) hold, e.g. '12 passages from 1 document'."""
    sources = engine.sources(names)
    passages, documents = sum(s.passages for s in sources), len(sources)
    return text(plural_key("reindex.summary", documents), lang, passages=passages, documents=documents)
