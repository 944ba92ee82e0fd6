"""Build what the bot posts for an answer: escaped, verbatim quotes that fit Discord's limits.

Pure functions, no network: the cogs send a `Reply`, and `quotebot ask --format discord --json`
prints `reply_payload(reply)`, so the corpus owner sees exactly what the bot would post. The bot's own words
(labels, refusals, footers, buttons) are in the asker's language; the quotes and citations never change.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from pathlib import Path
from typing import Any, Literal

import discord

from ...index import Answer, Passage
from ...index.text import displayable
from ..words.i18n import DEFAULT, Lang, decimal, plural_key, text
from .fitting import escape_text, fit_text, units
from .render import PROJECT_ROOT, difference_line, difference_spans, match_key, match_label, place_parts, strength

__all__ = [
    "CONTENT_LIMIT",
    "DESCRIPTION_LIMIT",
    "DOWN_ID",
    "EMBED_TOTAL_LIMIT",
    "FIELD_LIMIT",
    "MAX_PAGES",
    "MORE_ID",
    "UP_ID",
    "Kind",
    "Reply",
    "build_reply",
    "button_id",
    "escape_text",
    "fetch_count",
    "fit_text",
    "reply_buttons",
    "reply_payload",
    "shown_passages",
]

# Discord's limits, in characters (counted here as UTF-16 units, which is never less).
CONTENT_LIMIT = 2000
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
MAX_PAGES = 3  # pages the "More passages" button can reach
QUOTE = ">>> "  # block-quotes everything after it, blank lines included
_ALSO_IN_MIN = 160  # the "Also in" field's least budget; a quarter of the message's budget is shared out above it
_MORE_ROOM = 20  # room kept for "… and N more"
_URL_LIMIT = 2048  # Discord rejects a longer embed URL; such a passage keeps its citation without the link

MORE_ID, UP_ID, DOWN_ID = "quotebot:more", "quotebot:up", "quotebot:down"

Kind = Literal["question", "claim"]

_COLOURS = {"match.strong": 0x2ECC71, "match.fair": 0xF1C40F, "match.weak": 0x95A5A6}
_NOT_AN_ANSWER_COLOUR = 0x4F545C
_SMALL = "-# "  # Discord's subtext: the stale-sources note is set small


@dataclass(frozen=True)
class Reply:
    """One page of an answer as a Discord message."""

    content: str | None
    embeds: list[discord.Embed]
    page: int = 0
    page_count: int = 1
    feedback: bool = False  # show the 👍 / 👎 buttons
    lang: Lang = DEFAULT  # the language of the bot's own words, buttons included

    @property
    def has_more(self) -> bool:
        """Tell whether a next page exists."""
        return self.page + 1 < self.page_count


def fetch_count(per_page: int) -> int:
    """Return how many passages to ask the engine for, so that every page can be served."""
    return per_page * MAX_PAGES


def _source_field(passage: Passage, root: Path) -> str:
    """Return the citation: the title in bold, then date, paragraph and file."""
    raw = " · ".join(place_parts(passage, root, title=False))
    details = fit_text(raw, FIELD_LIMIT // 2)
    title = fit_text(passage.title or passage.doc_id, FIELD_LIMIT - units(details) - 6)
    return f"**{title}**\n{details}"


def _also_in_field(passage: Passage, root: Path, budget: int, lang: Lang) -> str:
    """Return the other places the passage is found, one a line, as many as fit `budget` ('… and N more')."""
    lines: list[str] = []
    count = len(passage.also_in)
    for i, cited in enumerate(passage.also_in):
        raw = " · ".join(place_parts(cited, root))
        line = fit_text(raw, min(FIELD_LIMIT // 4, budget - _MORE_ROOM))
        rest = [text("reply.and_more", lang, count=count - i - 1)] if i + 1 < count else []
        if units("\n".join([*lines, line, *rest])) > budget:  # the previous round checked this marker fits
            return "\n".join([*lines, text("reply.and_more", lang, count=count - i)])
        lines.append(line)
    return "\n".join(lines)


def _footer(passage: Passage, *, answered: bool, number: int, total: int, lang: Lang) -> str:
    """Return the footer: the passage's strength in words and its one number, its place or 'not an answer'."""
    value = strength(passage)
    parts = [f"{match_label(value, lang)} ({decimal(value, lang)})"]
    where = text("reply.passage_of", lang, number=number, total=total) if answered else None
    parts.append(where or text("reply.not_an_answer", lang))
    differs = [f"≠ {difference_line(d, passage.text, lang)}" for d in passage.differences] if answered else []
    return "\n".join([" · ".join(parts), *differs])


def _skeleton(
    passage: Passage, *, answered: bool, footer: str, also_budget: int, root: Path, lang: Lang
) -> discord.Embed:
    """Build a passage's embed without its quote: colour, citation fields and score footer."""
    if answered:
        embed = discord.Embed(colour=_COLOURS[match_key(strength(passage))])
    else:
        embed = discord.Embed(colour=_NOT_AN_ANSWER_COLOUR, title=text("reply.closest_title", lang))
    if passage.url and len(passage.url) <= _URL_LIMIT:
        embed.url = passage.url  # the title becomes a link that scrolls the page to the quote
        embed.title = embed.title or text("reply.open_source", lang)
    embed.add_field(name=text("reply.source", lang), value=_source_field(passage, root), inline=False)
    if passage.also_in:
        also = _also_in_field(passage, root, also_budget, lang)
        embed.add_field(name=text("reply.also_in", lang), value=also, inline=False)
    return embed.set_footer(text=footer)


def _embedunits(embed: discord.Embed) -> int:
    """Count an embed's characters the way Discord's 6,000 limit does, in UTF-16 units."""
    parts = [embed.title, embed.description, embed.footer.text, embed.author.name]
    parts += [f"{field.name}{field.value}" for field in embed.fields]
    return sum(units(p) for p in parts if p)


def _allot(needs: list[int], total: int, cap: int) -> list[int]:
    """Share a budget: needs below the fair share are met in full, the others split what is left."""
    allot = [0] * len(needs)
    left = total
    order = sorted(range(len(needs)), key=needs.__getitem__)
    for done, i in enumerate(order):
        allot[i] = min(needs[i], cap, left // (len(order) - done))
        left -= allot[i]
    return allot


def _embeds(
    passages: tuple[Passage, ...],
    *,
    answered: bool,
    first: int,
    total: int,
    root: Path,
    lang: Lang,
) -> list[discord.Embed]:
    """Build one embed per passage, sharing the message's character budget between the quotes."""
    also_budget = max(_ALSO_IN_MIN, min(FIELD_LIMIT, EMBED_TOTAL_LIMIT // (4 * max(len(passages), 1))))
    embeds = []
    for number, p in enumerate(passages, start=first + 1):
        footer = _footer(p, answered=answered, number=number, total=total, lang=lang)
        embeds.append(_skeleton(p, answered=answered, footer=footer, also_budget=also_budget, root=root, lang=lang))
    room = EMBED_TOTAL_LIMIT - sum(_embedunits(e) for e in embeds)
    needs = [units(QUOTE + fit_text(p.text, 1 << 30, p.highlight, difference_spans(p))) for p in passages]
    for embed, passage, budget in zip(embeds, passages, _allot(needs, room, DESCRIPTION_LIMIT), strict=True):
        shown = fit_text(passage.text, budget - len(QUOTE), passage.highlight, difference_spans(passage))
        embed.description = QUOTE + shown
    return embeds


def _content(answer: Answer, kind: Kind, lang: Lang, note: str | None = None) -> str:
    """Echo the question (escaped), then say when the corpus has no answer or sources changed, then the note."""
    lines = []
    if not answer.answered:
        lines.append(text(f"reply.{'closest' if answer.passages else 'not_found'}.{kind}", lang))
    if answer.stale:
        lines.append(_SMALL + text("reply.stale", lang))
    if answer.left_out:  # the gate took passages out when sending (bot/reply/gate.py): say so, never silently
        lines.append(_SMALL + text(plural_key("reply.left_out", answer.left_out), lang, count=answer.left_out))
    if note:
        lines.append(_SMALL + note)
    label = f"**{text(f'reply.{kind}', lang)}** "
    room = CONTENT_LIMIT - units(label) - sum(units(line) + 1 for line in lines)
    return "\n".join([label + fit_text(displayable(answer.question), room), *lines])


def _page_count(answer: Answer, per_page: int) -> int:
    """Return the pages an answer has; an unanswered question has one page of closest passages."""
    if not answer.answered:
        return 1
    return max(1, min(MAX_PAGES, ceil(len(answer.passages) / per_page)))


def shown_passages(answer: Answer, page: int, per_page: int) -> tuple[Passage, ...]:
    """Return the passages on a page of the answer."""
    return answer.passages[page * per_page : (page + 1) * per_page]


def build_reply(
    answer: Answer,
    *,
    page: int = 0,
    per_page: int = 3,
    kind: Kind = "question",
    root: Path = PROJECT_ROOT,
    lang: Lang = DEFAULT,
    note: str | None = None,
) -> Reply:
    """Build page `page` of an answer, the bot's words in `lang`; an unanswered question gets its closest passages.

    `note`: one more line of the bot's own, set small under the question (already escaped: it is shown as given).
    """
    per_page = max(1, min(per_page, EMBEDS_PER_MESSAGE))
    pages = _page_count(answer, per_page)
    page = max(0, min(page, pages - 1))
    shown = shown_passages(answer, page, per_page)
    total = min(len(answer.passages), pages * per_page)
    first = page * per_page
    embeds = _embeds(shown, answered=answer.answered, first=first, total=total, root=root, lang=lang)
    return Reply(_content(answer, kind, lang, note), embeds, page, pages, feedback=bool(shown), lang=lang)


def button_id(base: str, key: str | None, page: int) -> str:
    """Return a button's custom id: `base` alone (a preview), or with the answer's key and the page shown."""
    return base if key is None else f"{base}:{key}:{page}"


def reply_buttons(reply: Reply, key: str | None = None) -> list[discord.ui.Button[Any]]:
    """Return the buttons under a reply: "More passages" when it has pages, then 👍 / 👎.

    `key`: the posted answer's key (see bot/reply/button_state.py), carried in each custom id with the page shown.
    """
    grey = discord.ButtonStyle.secondary
    buttons: list[discord.ui.Button[Any]] = []
    if reply.page_count > 1:
        more: discord.ui.Button[Any] = discord.ui.Button(
            label=text("button.more", reply.lang),
            custom_id=button_id(MORE_ID, key, reply.page),
            style=grey,
            disabled=not reply.has_more,
        )
        buttons.append(more)
    if reply.feedback:
        buttons.append(discord.ui.Button(emoji="👍", custom_id=button_id(UP_ID, key, reply.page), style=grey))
        buttons.append(discord.ui.Button(emoji="👎", custom_id=button_id(DOWN_ID, key, reply.page), style=grey))
    return buttons


def reply_payload(reply: Reply) -> dict[str, Any]:
    """Return the JSON body the bot sends for a reply (what `--format discord --json` prints)."""
    buttons = reply_buttons(reply)
    components = [{"type": 1, "components": [b.to_component_dict() for b in buttons]}] if buttons else []
    return {
        "content": reply.content,
        "embeds": [e.to_dict() for e in reply.embeds],
        "allowed_mentions": discord.AllowedMentions.none().to_dict(),
        "components": components,
    }
