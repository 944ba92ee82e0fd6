"""Discord channel archives: a DiscordChatExporter JSON export read as one document, a message a paragraph.

The export (`guild`, `channel`, `messages[]` with `id`, `type`, `timestamp`, `isPinned`, `content`,
`author{id, name, isBot}`) becomes text made of the messages' contents, verbatim, one blank line apart, in the
export's order (a message with blank lines of its own is several paragraphs, never joined to the next
message); each message's start is an `Anchor` with its jump link
(`https://discord.com/channels/<guild>/<channel>/<message>`) and its date, which the passages cut from it
cite, and its author's id, so a member who asks to be forgotten is never quoted again. Left out: bots'
messages, system messages (joins, pins, boosts…) and messages with no text (attachments or embeds only).
The author's name (nickname, else name) is kept on the anchor but cited only where the collection says
`show_authors = true`: by default a quote cites the message, not who wrote it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ...errors import DocumentFormatError
from ...models import Anchor
from ._common import Extracted, clean_meta, iso_date, one_line

__all__ = ["extract_discord_export", "jump_link", "looks_like_discord_export", "parse_jump_link"]

_SNOWFLAKE = re.compile(r"\d{1,20}")  # Discord ids are 64-bit integers
_JUMP = re.compile(r"https://discord\.com/channels/(\d{1,20})/(\d{1,20})/(\d{1,20})")
_QUOTED = {"Default", "Reply"}  # message types people write; the others are Discord's own notices
_MAX_MESSAGE = 4000  # Discord's longest message (Nitro); a longer "content" is not a real export


def jump_link(guild: int | str, channel: int | str, message: int | str) -> str:
    """Return the link that opens a Discord message (what a passage cut from it cites)."""
    return f"https://discord.com/channels/{guild}/{channel}/{message}"


def parse_jump_link(url: str | None) -> tuple[int, int, int] | None:
    """Return (guild, channel, message) of a message's jump link, else None."""
    match = _JUMP.fullmatch(url or "")
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def looks_like_discord_export(head: bytes) -> bool:
    """Tell whether the start of a .json file reads as a DiscordChatExporter export."""
    text = head[:4096].decode("utf-8", errors="ignore")
    return text.lstrip().startswith("{") and all(f'"{key}"' in text for key in ("guild", "channel"))


def extract_discord_export(data: bytes) -> Extracted:
    """Return an export's messages as text, one paragraph each, with an anchor per message."""
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise DocumentFormatError(f"not a readable DiscordChatExporter export ({one_line(exc)})") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("messages"), list):
        raise DocumentFormatError("not a DiscordChatExporter export: no guild, channel and messages list")
    guild, channel = _ids(raw)
    parts: list[str] = []
    anchors: list[Anchor] = []
    offset = 0
    for message in raw["messages"]:
        quoted = _quoted(message)
        if quoted is None:
            continue
        message_id, content, day, author, name = quoted
        anchors.append(Anchor(offset, jump_link(guild, channel, message_id), day, author, name))
        parts.append(content)
        offset += len(content) + 2
    if not parts:
        raise DocumentFormatError("the export holds no message with text written by a person")
    name = clean_meta(_field(raw, "channel", "name")) or channel
    days = [a.date for a in anchors if a.date]
    return Extracted("\n\n".join(parts), f"#{name}", max(days) if days else None, None, anchors=tuple(anchors))


def _field(raw: dict[str, Any], part: str, key: str) -> Any:
    """Return raw[part][key], or None when the part is not an object."""
    value = raw.get(part)
    return value.get(key) if isinstance(value, dict) else None


def _ids(raw: dict[str, Any]) -> tuple[str, str]:
    """Return the export's guild and channel ids; refuse anything but Discord ids (they go into links)."""
    guild, channel = str(_field(raw, "guild", "id") or ""), str(_field(raw, "channel", "id") or "")
    if not (_SNOWFLAKE.fullmatch(guild) and _SNOWFLAKE.fullmatch(channel)):
        raise DocumentFormatError("not a DiscordChatExporter export: its guild or channel id is not a Discord id")
    return guild, channel


def _quoted(message: Any) -> tuple[str, str, str | None, str | None, str | None] | None:
    """Return a message's id, text, date, author id and name when it is one a person wrote with text, else None."""
    if not isinstance(message, dict) or message.get("type", "Default") not in _QUOTED:
        return None
    author = message.get("author")
    if isinstance(author, dict) and author.get("isBot") is True:
        return None
    message_id, content = str(message.get("id") or ""), message.get("content")
    if not _SNOWFLAKE.fullmatch(message_id) or not isinstance(content, str) or len(content) > _MAX_MESSAGE:
        return None
    content = content.strip()  # a slice of the message still: what is quoted is what its author wrote
    if not content:
        return None  # attachments or embeds only: nothing to quote
    author_id = str(author.get("id") or "") if isinstance(author, dict) else ""
    name = (author.get("nickname") or author.get("name")) if isinstance(author, dict) else None
    return (
        message_id,
        content,
        iso_date(message.get("timestamp")),
        author_id if _SNOWFLAKE.fullmatch(author_id) else None,
        clean_meta(name) if isinstance(name, str) else None,  # shown only where a collection says show_authors
    )
