"""Answer channels: where the bot answers without a mention, how, and the follow-ups in their threads.

Declared in ``quotebot.toml`` (fixed by whoever runs the bot)::

    [[answer_channels]]
    channel = 444444444444444444   # a text or forum channel
    mode = "questions"             # text channel: "questions" (messages ending in ?) or "all"
    reply = "thread"               # text channel: "thread" (one started on the message) or "reply"

or by ``/config answer-channel`` (members with Manage Server), kept in ``<data folder>/answer_channels.json``
across restarts. A forum channel answers each new post inside the post, whatever the mode. The file's entries
win over the command's: an admin of a server cannot change what the operator fixed. They are read with the rest of
quotebot.toml (bot/ops/engines.py `read_config`) and replaced whole when it is applied again (`adopt`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from ...index import ConfigError, QuotebotError, read_config_file
from .storage import write_atomic

if TYPE_CHECKING:  # read with quotebot.toml by the CLI too (bot/ops/engines.py), which never loads discord.py
    import discord

__all__ = [
    "ANSWER_CHANNELS_FILE",
    "AnswerChannel",
    "AnswerChannels",
    "asks",
    "fixed_answer_channels",
    "from_config",
    "with_context",
]

log = logging.getLogger(__name__)

ANSWER_CHANNELS_FILE = "answer_channels.json"
Mode = Literal["questions", "all"]
ReplyStyle = Literal["thread", "reply"]
_MODES, _REPLIES = ("questions", "all"), ("thread", "reply")
_ASKS = re.compile(r"[?\uff1f\u061f]\W*$")  # "?" of Latin, CJK and Arabic scripts, then closing marks
CONTEXT_CHARS = 300  # the longest first question carried into a follow-up


@dataclass(frozen=True, slots=True)
class AnswerChannel:
    """A channel where every question (or every message) is answered without a mention."""

    channel: int
    mode: Mode = "questions"
    reply: ReplyStyle = "thread"
    server: int | None = None  # set by /config (its server); None for the file's entries
    fixed: bool = False  # declared in quotebot.toml: /config cannot change it


def asks(content: str, mode: Mode) -> bool:
    """Tell whether a message asks something the channel's mode answers."""
    if not content.strip():
        return False
    return mode == "all" or bool(_ASKS.search(content.strip()))


def with_context(follow_up: str, first: str) -> str:
    """Return the follow-up searched together with the thread's first question (cut to CONTEXT_CHARS)."""
    context = first if len(first) <= CONTEXT_CHARS else first[:CONTEXT_CHARS].rsplit(" ", 1)[0]
    return f"{follow_up}\n{context}"


class AnswerChannels:
    """The answer channels of quotebot.toml and of /config, by channel id."""

    def __init__(self, fixed: Iterable[AnswerChannel], data_dir: Path) -> None:
        self.path = data_dir / ANSWER_CHANNELS_FILE
        self._fixed = {c.channel: c for c in fixed}
        self._set = {c.channel: c for c in self._read()}

    def __bool__(self) -> bool:
        return bool(self._fixed or self._set)

    def get(self, channel: int | None) -> AnswerChannel | None:
        """Return the answer channel with this id, if it is one."""
        if channel is None:
            return None
        return self._fixed.get(channel) or self._set.get(channel)

    def in_server(self, server: int, channels: set[int]) -> list[AnswerChannel]:
        """List a server's answer channels (those set there by /config, and the file's among `channels`)."""
        fixed = [c for c in self._fixed.values() if c.channel in channels]
        return fixed + [c for c in self._set.values() if c.server == server and c.channel not in self._fixed]

    def adopt(self, fixed: Iterable[AnswerChannel]) -> None:
        """Replace quotebot.toml's channels with those of the config applied now (/config's stay as they are)."""
        self._fixed = {c.channel: c for c in fixed}

    def put(self, entry: AnswerChannel) -> None:
        """Make (or change) an answer channel from /config; raise QuotebotError for one the file fixes."""
        if entry.channel in self._fixed:
            raise QuotebotError("this channel is set in quotebot.toml: ask whoever runs the bot to change it there")
        self._write({**self._set, entry.channel: entry})

    def remove(self, channel: int) -> bool:
        """Stop answering in a channel set by /config; False when it was not one."""
        if channel in self._fixed:
            raise QuotebotError("this channel is set in quotebot.toml: ask whoever runs the bot to change it there")
        if channel not in self._set:
            return False
        self._write({c: e for c, e in self._set.items() if c != channel})
        return True

    def _read(self) -> list[AnswerChannel]:
        """Read /config's channels; a damaged file is one error line and no channel (the file stays for repair)."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else []
            return [_entry(item) for item in raw]
        except (OSError, ValueError, TypeError, KeyError) as exc:
            log.error("%s is damaged (%s): no /config answer channel until it is fixed or removed", self.path, exc)
            return []

    def _write(self, entries: dict[int, AnswerChannel]) -> None:
        """Write the channels atomically, then use them."""
        write_atomic(self.path, json.dumps([asdict(e) for e in entries.values()]))
        self._set = entries


def _entry(item: dict[str, object]) -> AnswerChannel:
    """Read one stored entry, refusing anything but what /config writes."""
    mode, reply = item.get("mode", "questions"), item.get("reply", "thread")
    if mode not in _MODES or reply not in _REPLIES:
        raise ValueError(f"bad mode {mode!r} or reply {reply!r}")
    server = item.get("server")
    return AnswerChannel(
        int(cast(int, item["channel"])),
        cast(Mode, mode),
        cast(ReplyStyle, reply),
        None if server is None else int(cast(int, server)),
    )


def from_config(path: Path) -> tuple[AnswerChannel, ...]:
    """Read `[[answer_channels]]` of quotebot.toml (none without the file); a bad file or entry: ConfigError."""
    return fixed_answer_channels(path, read_config_file(path))


def fixed_answer_channels(path: Path, data: Mapping[str, object] | None) -> tuple[AnswerChannel, ...]:
    """Validate `[[answer_channels]]` of a parsed quotebot.toml (`data`; None: no file, no channel)."""
    tables = [] if data is None else data.get("answer_channels", [])
    where = f"{path}: [[answer_channels]]"
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{where} must be a list of tables: write [[answer_channels]] then channel = <id>")
    return tuple(_parse(where, table) for table in tables)


def _parse(where: str, table: dict[str, object]) -> AnswerChannel:
    """Validate one `[[answer_channels]]` table."""
    unknown = [k for k in table if k not in ("channel", "mode", "reply")]
    if unknown:
        raise ConfigError(f"{where} unknown key {unknown[0]!r}: use channel, mode and reply")
    channel = table.get("channel")
    if isinstance(channel, str) and channel.isdigit():
        channel = int(channel)
    if isinstance(channel, bool) or not isinstance(channel, int) or channel <= 0:
        raise ConfigError(f"{where} `channel` must be a channel id, got {channel!r}: e.g. channel = 1234567890")
    mode, reply = table.get("mode", "questions"), table.get("reply", "thread")
    if mode not in _MODES:
        raise ConfigError(f'{where} `mode` must be "questions" or "all", got {mode!r}')
    if reply not in _REPLIES:
        raise ConfigError(f'{where} `reply` must be "thread" or "reply", got {reply!r}')
    return AnswerChannel(channel, cast(Mode, mode), cast(ReplyStyle, reply), fixed=True)


def addresses_others(message: discord.Message, me: int) -> bool:
    """Tell whether a message mentions someone other than the bot (a role, everyone): it is not for the bot."""
    return message.mention_everyone or bool(message.role_mentions) or any(u.id != me for u in message.mentions)
