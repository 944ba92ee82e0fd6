"""The on-disk mirror of a Discord-sourced collection: one DiscordChatExporter-format file per channel or thread.

The bot writes what may be quoted (messages people wrote, with text; only pinned ones under `pins_only`) into
`<mirror folder>/<channel or thread id>.json`, in the export format the library already reads, so a live
channel and an exported archive are indexed, cited and verified alike. Authors are kept by id only (never
names), and the file remembers the newest message id read, so a restart resumes the history there.

Changes are applied in memory at once and written (atomically, one file at a time) by `flush`; `version` counts
the changes, so the bot knows which changes a finished rebuild has seen.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...index import jump_link
from ..ops.storage import write_atomic

__all__ = ["ChannelFile", "Hidden", "Mirror", "Stored", "prune"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Stored:
    """One quotable message, as mirrored."""

    id: int
    content: str
    timestamp: str  # ISO 8601, as Discord sends it
    author: int
    edited: str | None = None
    pinned: bool = False
    reply: bool = False
    name: str = ""  # the author's name, kept only where the collection says show_authors

    def to_json(self) -> dict[str, Any]:
        """Return the message in DiscordChatExporter's shape (the author's name empty unless show_authors)."""
        return {
            "id": str(self.id),
            "type": "Reply" if self.reply else "Default",
            "timestamp": self.timestamp,
            "timestampEdited": self.edited,
            "isPinned": self.pinned,
            "content": self.content,
            "author": {"id": str(self.author), "name": self.name, "isBot": False},
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Stored:
        """Read a message written by `to_json`."""
        return cls(
            int(raw["id"]),
            str(raw["content"]),
            str(raw["timestamp"]),
            int(raw["author"]["id"]),
            raw.get("timestampEdited"),
            bool(raw.get("isPinned")),
            raw.get("type") == "Reply",
            str(raw["author"].get("name") or ""),
        )


@dataclass(slots=True)
class ChannelFile:
    """The mirrored messages of one channel, or of one thread (a forum post), and where its history stops."""

    guild: int
    channel: int
    name: str  # shown as the document's title: "#faq", or "#help › How do I …" for a thread
    after: int = 0  # the newest message id read from its history (resume point)
    synced: str | None = None  # when its history was last read (ISO 8601)
    messages: dict[int, Stored] = field(default_factory=dict)
    parent: int | None = None  # a thread's channel (a forum post's forum), so an unlisted channel's go too

    def url(self, message: int) -> str:
        """Return a message's jump link."""
        return jump_link(self.guild, self.channel, message)

    def to_json(self) -> dict[str, Any]:
        """Return the channel as a DiscordChatExporter export, messages oldest first."""
        return {
            "guild": {"id": str(self.guild), "name": ""},
            "channel": {"id": str(self.channel), "name": self.name},
            "messages": [self.messages[i].to_json() for i in sorted(self.messages)],
        }

    def state(self) -> dict[str, Any]:
        """Return what a restart needs besides the messages: ids, name, resume point, last sync."""
        parent = None if self.parent is None else str(self.parent)
        return {"guild": str(self.guild), "name": self.name, "after": str(self.after), "synced": self.synced,
                "parent": parent}  # fmt: skip

    @classmethod
    def from_state(cls, channel: int, state: dict[str, Any], export: dict[str, Any] | None) -> ChannelFile:
        """Read a channel from its state and its export file (None: no message kept)."""
        messages = [Stored.from_json(m) for m in export["messages"]] if export else []
        file = cls(int(state["guild"]), channel, str(state["name"]), int(state.get("after") or 0), state.get("synced"))
        file.messages = {m.id: m for m in messages}
        file.parent = int(state["parent"]) if state.get("parent") else None
        return file


class Mirror:
    """The channel files of one collection, in memory, written to its folder by `flush`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[int, ChannelFile] = {}
        self.version = 0  # bumped by every change
        self._dirty: set[int] = set()
        self._dropped: set[int] = set()
        self._state = False  # a resume point or sync time changed: the state file only, nothing to re-index
        self.removed = False  # its collection left quotebot.toml: nothing is written any more

    @property
    def state_file(self) -> Path:
        """Return the file of resume points, next to the folder (the folder holds only exports: it is indexed)."""
        return self.folder.with_name(self.folder.name + ".state.json")

    def load(self) -> None:
        """Read what a previous run wrote; a damaged file is left out with a warning (its history is read again)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            states = json.loads(self.state_file.read_text(encoding="utf-8")) if self.state_file.exists() else {}
        except (OSError, ValueError) as exc:
            log.warning("mirror state %s is damaged (%s): every channel's history is read again", self.state_file, exc)
            states = {}
        for key, state in states.items() if isinstance(states, dict) else ():
            path = self.folder / f"{key}.json"
            try:
                export = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
                self.files[int(key)] = ChannelFile.from_state(int(key), state, export)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("mirror file %s is damaged (%s): its channel's history is read again", path, exc)
                path.unlink(missing_ok=True)

    def channel(self, guild: int, channel: int, name: str, parent: int | None = None) -> ChannelFile:
        """Return a channel's (or a thread's, under `parent`) file, created empty when new; named as in Discord."""
        current = self.files.get(channel)
        if current is None:
            current = self.files[channel] = ChannelFile(guild, channel, name, parent=parent)
            self._touch(channel)
        elif current.name != name:
            current.name = name
            self._touch(channel)
        return current

    def put(self, channel: int, message: Stored) -> list[str]:
        """Store a new or edited message; return the link to hide when its older wording was indexed."""
        file = self.files[channel]
        old = file.messages.get(message.id)
        file.after = max(file.after, message.id)
        if old == message:
            return []
        file.messages[message.id] = message
        self._touch(channel)
        return [file.url(message.id)] if old is not None and old.content != message.content else []

    def read_up_to(self, channel: int, message: int) -> None:
        """Record that a channel's history was read up to `message` (a message that is not kept, e.g. a bot's)."""
        file = self.files[channel]
        if message > file.after:
            file.after = message
            self._state = True

    def remove(self, channel: int, ids: Iterable[int]) -> list[str]:
        """Remove messages (deleted, emptied, unpinned); return their links (including those never kept)."""
        ids = list(ids)  # read twice below: a one-shot iterator must not come back empty the second time
        file = self.files.get(channel)
        if file is None:
            return []
        links = [file.url(i) for i in ids]
        for message in ids:
            if file.messages.pop(message, None) is not None:
                self._touch(channel)
        return links

    def drop(self, channel: int) -> list[str]:
        """Forget a channel or thread (deleted, or no longer listed); return the links of its messages."""
        file = self.files.pop(channel, None)
        if file is None:
            return []
        self._dropped.add(channel)
        self._dirty.discard(channel)
        self.version += 1
        return [file.url(i) for i in file.messages]

    def keep_listed(self, listed: frozenset[int]) -> list[int]:
        """Drop the channels (and threads of channels) no longer listed; return their ids."""
        dropped = self.unlisted(listed)
        for channel in dropped:
            self.drop(channel)
        return dropped

    def unlisted(self, listed: frozenset[int]) -> list[int]:
        """Return the channels (and threads of channels) held that are not listed."""
        return [c for c, f in self.files.items() if c not in listed and f.parent not in listed]

    def threads(self, channel: int) -> list[int]:
        """Return the threads (forum posts) held under a channel."""
        return [c for c, f in self.files.items() if f.parent == channel]

    def remove_all(self) -> None:
        """Delete the mirror from disk (its folder and state file) and stop writing it: its collection is gone."""
        self.files.clear()
        self._dirty.clear()
        self._dropped.clear()
        self.removed = True
        self.version += 1
        shutil.rmtree(self.folder, ignore_errors=True)
        self.state_file.unlink(missing_ok=True)

    def remove_unpinned(self) -> list[str]:
        """Remove every message not pinned (as last read); return their links (the collection turned pins_only on)."""
        return [
            link
            for channel, file in list(self.files.items())
            for link in self.remove(channel, [i for i, m in file.messages.items() if not m.pinned])
        ]

    def keep_only(self, channel: int, ids: set[int]) -> list[str]:
        """Keep only these messages of a channel (its pins); return the links of the others."""
        file = self.files.get(channel)
        if file is None:
            return []
        return self.remove(channel, [i for i in list(file.messages) if i not in ids])

    def mark_synced(self, channel: int, when: str) -> None:
        """Record when a channel's history was last read (shown by /sources)."""
        file = self.files.get(channel)
        if file is not None:
            file.synced = when
            self._state = True  # not a change of what is quoted: a sync that found nothing new re-indexes nothing

    def counts(self) -> dict[int, int]:
        """Return the number of mirrored messages per channel or thread."""
        return {c: len(f.messages) for c, f in self.files.items()}

    @property
    def dirty(self) -> bool:
        """Tell whether some change is not written yet."""
        return bool(self._dirty or self._dropped or self._state)

    def flush(self) -> int:
        """Write the changed files (atomically) and remove the dropped ones; return the version written."""
        if self.removed:
            return self.version  # a rebuild still running for a removed collection must not write it back
        for channel in sorted(self._dropped):
            (self.folder / f"{channel}.json").unlink(missing_ok=True)
        for channel in sorted(self._dirty):
            file, path = self.files[channel], self.folder / f"{channel}.json"
            if file.messages:
                # the temporary file beside the mirror folder, never in it: a build reading it must not see it
                write_atomic(path, json.dumps(file.to_json(), ensure_ascii=False), temp_dir=self.folder.parent)
            else:
                path.unlink(missing_ok=True)  # an export without messages is no document
        if self._dirty or self._dropped or self._state:
            states = {str(c): f.state() for c, f in self.files.items()}
            write_atomic(self.state_file, json.dumps(states))
        self._dirty.clear()
        self._dropped.clear()
        self._state = False
        return self.version

    def _touch(self, channel: int) -> None:
        self._dirty.add(channel)
        self._dropped.discard(channel)
        self.version += 1


def prune(root: Path, keep: Iterable[str]) -> None:
    """Delete the mirrors under `root` (folder and state file) of the collections not in `keep`."""
    keep = set(keep)
    for path in root.iterdir() if root.is_dir() else ():
        name = path.name.removesuffix(".state.json") if path.is_file() else path.name
        if name not in keep and (path.is_dir() or path.name.endswith(".state.json")):
            Mirror(root / name).remove_all()


class Hidden:
    """Links the engine must not quote until the rebuild of their collection that read its mirror without them."""

    def __init__(self) -> None:
        self.pending: dict[str, tuple[str, int]] = {}  # link -> (collection, mirror version that no longer has it)
        self._links: frozenset[str] | None = frozenset()  # cached until `pending` changes

    def links(self) -> frozenset[str]:
        """Return the hidden links (the same set until it changes: no copy for each message)."""
        if self._links is None:
            self._links = frozenset(self.pending)
        return self._links

    def add(self, name: str, version: int, links: Iterable[str]) -> None:
        """Hide links until a rebuild of `name` has read its mirror at `version` or later."""
        for link in links:
            self.pending[link] = (name, version)
            self._links = None

    def release(self, name: str, version: int, *, every: bool = False) -> None:
        """Show again what a rebuild of `name` that read mirror `version` indexed anew (`every`: the collection's)."""
        kept = {k: v for k, v in self.pending.items() if not (v[0] == name and (every or v[1] <= version))}
        if len(kept) != len(self.pending):
            self.pending, self._links = kept, None
