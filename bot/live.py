"""Discord channels as live collections: read their history, follow their events, hide what is gone.

`LiveSources` keeps one `Mirror` per Discord-sourced collection of quotebot.toml. It reads each listed channel's
history on start (discord.py pages it, 100 messages a request, within Discord's rate limits; a restart resumes
after the newest message read), the threads of a text channel and the posts of a forum (only those with one of
`forum_tags` when set), or only the pins under `pins_only`. The cog in `exts/channels.py` feeds it the gateway's
events. What must not be quoted any more (a deleted message, the old wording of an edited one, an unpinned one)
is hidden from the engine at once, before any rebuild: deleted ones for good, the others until a rebuild has
read the change (`version`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import discord

from ..index import Collection, Collections, jump_link, parse_jump_link
from .mirror import Mirror, Stored

__all__ = ["LiveSources", "stored_message"]

log = logging.getLogger(__name__)

_QUOTED = (discord.MessageType.default, discord.MessageType.reply)
Readable = discord.TextChannel | discord.Thread
RECHECK_SECONDS = 3.0  # how long a reply waits to re-fetch a quoted message before trusting the mirror
Parent = discord.TextChannel | discord.ForumChannel | None  # a thread's parent, when the caller has it


def stored_message(
    message: discord.Message, me: int, forgotten: Iterable[int], *, names: bool = False
) -> Stored | None:
    """Return a message as mirrored, or None when it is never indexed (bots, notices, no text, opted out).

    The author's name is kept only with `names` (the collection's `show_authors`); the id always, for /forget-me.
    """
    author = message.author
    if author.bot or author.id == me or message.webhook_id is not None or message.type not in _QUOTED:
        return None
    if author.id in set(forgotten) or not message.content.strip():
        return None  # opted out; or attachments / embeds only: nothing to quote
    edited = message.edited_at.isoformat() if message.edited_at else None
    reply = message.type is discord.MessageType.reply
    created, name = message.created_at.isoformat(), author.display_name if names else ""
    return Stored(message.id, message.content, created, author.id, edited, message.pinned, reply, name)


class LiveSources:
    """The Discord-sourced collections: their mirrors, what is hidden, and how to read a channel."""

    def __init__(self, client: discord.Client, collections: Collections, mirror_root: Path) -> None:
        self.client = client
        self.collections = {c.name: c for c in collections.items if c.live}
        self.mirrors = {name: Mirror(mirror_root / name) for name in self.collections}
        self.gone: set[str] = set()  # deleted messages' links: never quoted again
        self.pending: dict[str, tuple[str, int]] = {}  # link -> (collection, mirror version that shows it again)
        self.warned: set[str] = set()  # what a sync warned about: said once a run, not again on each READY
        for name, mirror in self.mirrors.items():
            mirror.load()
            for channel in mirror.keep_listed(self.collections[name].discord_channels):
                log.info(
                    "channel %s left collection %r in quotebot.toml: its messages are no longer kept", channel, name
                )

    def __bool__(self) -> bool:
        return bool(self.collections)

    def hidden(self) -> frozenset[str]:
        """Return every link the engine must not quote now."""
        return frozenset(self.gone | self.pending.keys())

    def hide(self, name: str, links: Iterable[str], *, forever: bool = False) -> None:
        """Hide links now: for good (deleted), or until a rebuild of `name` has read the mirror as it is now."""
        version = self.mirrors[name].version
        for link in links:
            if forever:
                self.gone.add(link)
                self.pending.pop(link, None)
            elif link not in self.gone:
                self.pending[link] = (name, version)

    def release(self, name: str, version: int) -> None:
        """Show again what a rebuild of `name` that read mirror `version` has indexed in its new state."""
        self.pending = {k: v for k, v in self.pending.items() if not (v[0] == name and v[1] <= version)}

    # -- where a channel belongs --------------------------------------------------------------------

    def collection_of(self, channel: int, parent: int | None = None) -> Collection | None:
        """Return the collection that lists this channel (or a thread's parent), if any."""
        for collection in self.collections.values():
            if channel in collection.discord_channels or (parent is not None and parent in collection.discord_channels):
                return collection
        return None

    def owner_of(self, channel: int) -> str | None:
        """Return the collection whose mirror holds this channel or thread."""
        return next((n for n, m in self.mirrors.items() if channel in m.files), None)

    def counts(self, thread: discord.Thread, collection: Collection, parent: Parent = None) -> bool:
        """Tell whether a thread's messages count: a public thread, or a forum post with one of `forum_tags`."""
        if thread.type is discord.ChannelType.private_thread:
            return False  # its members chose a smaller audience than the channel the collection is quoted in
        forum = parent or thread.parent  # on start nothing is cached yet: the caller passes the parent it fetched
        if not collection.forum_tags or not isinstance(forum, discord.ForumChannel):
            return True
        tags = (forum.get_tag(i) for i in thread._applied_tags)  # `applied_tags` reads the (uncached) parent
        return any(tag is not None and tag.name.casefold() in collection.forum_tags for tag in tags)

    # -- reading history ----------------------------------------------------------------------------

    async def sync_all(self) -> set[str]:
        """Read every listed channel's history (resuming); return the collections that changed."""
        changed = set()
        for name, collection in self.collections.items():
            before = self.mirrors[name].version
            for channel_id in sorted(collection.discord_channels):
                await self.sync_channel(collection, channel_id)
            if self._changed_since(name, before):
                changed.add(name)
        return changed

    def _changed_since(self, name: str, before: int) -> str | None:
        """Return `name` when its mirror changed since version `before`, else None."""
        return name if self.mirrors[name].version != before else None

    async def sync_channel(self, collection: Collection, channel_id: int) -> None:
        """Read one listed channel and its threads; a channel the bot cannot read is one warning line."""
        where = f"channel {channel_id} of collection {collection.name!r}"
        try:
            channel = self.client.get_channel(channel_id) or await self.client.fetch_channel(channel_id)
            if isinstance(channel, discord.TextChannel):  # announcement channels are TextChannels too
                await self.read(collection, channel)
            elif not isinstance(channel, discord.ForumChannel):
                kind = getattr(channel, "type", "channel")
                self.warn(f"{where} is a {kind}: list text, announcement or forum channels")
                return
            async for thread in _threads(channel):
                await self.read_thread(collection, thread, channel)
        except discord.NotFound:
            self.warn(f"{where} is unknown or not in a server the bot is in: check the id in quotebot.toml")
        except discord.Forbidden:
            self.warn(
                f"{where} cannot be read: give the bot View Channel and Read Message History there (server settings)"
            )

    def warn(self, line: str) -> None:
        """Log a warning line once a run: every sync (on start, on each READY) meets the same channel again."""
        if line not in self.warned:
            self.warned.add(line)
            log.warning("%s", line)

    async def read_thread(self, collection: Collection, thread: discord.Thread, parent: Parent = None) -> str | None:
        """Read a thread or forum post that counts, forget one that no longer does; name the collection if changed."""
        name = collection.name
        before = self.mirrors[name].version
        if not self.counts(thread, collection, parent):
            self.hide(name, self.mirrors[name].drop(thread.id))
            return self._changed_since(name, before)
        try:
            await self.read(collection, thread, parent)
        except discord.Forbidden:
            self.warn(f"thread {thread.id} of collection {name!r} cannot be read: give the bot Read Message History")
        return self._changed_since(name, before)

    async def read_pins(self, channel: Readable) -> str | None:
        """Re-read a pins-only channel's pins (a pin was added or removed); name the collection if changed."""
        parent = channel.parent_id if isinstance(channel, discord.Thread) else None
        collection = self.collection_of(channel.id, parent)
        if collection is None or not collection.pins_only:
            return None
        before = self.mirrors[collection.name].version
        await self.read(collection, channel)
        return self._changed_since(collection.name, before)

    async def read(self, collection: Collection, channel: Readable, parent: Parent = None) -> None:
        """Read a channel's history after the newest message read before (or its pins, under `pins_only`)."""
        mirror, me = self.mirrors[collection.name], self.me
        owner = channel.parent_id if isinstance(channel, discord.Thread) else None
        file = mirror.channel(channel.guild.id, channel.id, title_of(channel, parent), owner)
        forgotten = self.forgotten()
        if collection.pins_only:
            pins = [m async for m in channel.pins(limit=None)]
            self.hide(collection.name, mirror.keep_only(channel.id, {m.id for m in pins}))
            for message in pins:
                self.store(collection.name, channel.id, message, me, forgotten)
        else:
            after = discord.Object(file.after) if file.after else None
            async for read in channel.history(limit=None, after=after, oldest_first=True):
                self.store(collection.name, channel.id, read, me, forgotten)
                mirror.read_up_to(channel.id, read.id)
        mirror.mark_synced(channel.id, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def store(self, name: str, channel: int, message: discord.Message, me: int, forgotten: Iterable[int]) -> None:
        """Mirror one message (hiding its older wording), or remove it when it no longer counts."""
        kept = stored_message(message, me, forgotten, names=self.collections[name].show_authors)
        mirror = self.mirrors[name]
        if kept is None:
            self.hide(name, mirror.remove(channel, [message.id]))
        else:
            self.hide(name, mirror.put(channel, kept))

    @property
    def me(self) -> int:
        """Return the bot's own user id (its replies are never indexed)."""
        return self.client.user.id if self.client.user else 0

    def forgotten(self) -> frozenset[int]:
        """Return the members who asked to be forgotten (the bot's list)."""
        forgotten = getattr(self.client, "forgotten", None)
        return frozenset(int(i) for i in forgotten.ids) if forgotten is not None else frozenset()

    # -- gateway events (the cog calls these; each returns the collection that changed, if any) ------

    def on_message(self, message: discord.Message) -> str | None:
        """Mirror a new or edited message of a listed channel (or thread) that counts."""
        channel = message.channel
        parent = channel.parent_id if isinstance(channel, discord.Thread) else None
        collection = self.collection_of(channel.id, parent)
        if collection is None or message.guild is None:
            return None
        name = collection.name
        mirror = self.mirrors[name]
        before = mirror.version
        if collection.pins_only and not message.pinned:
            self.hide(name, mirror.remove(channel.id, [message.id]))
            return self._changed_since(name, before)
        if isinstance(channel, discord.Thread) and not self.counts(channel, collection):
            return None
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            return None
        mirror.channel(message.guild.id, channel.id, title_of(channel), parent)
        self.store(name, channel.id, message, self.me, self.forgotten())
        mirror.read_up_to(channel.id, message.id)
        return self._changed_since(name, before)

    def on_delete(self, guild: int | None, channel: int, ids: Iterable[int]) -> str | None:
        """Hide deleted messages for good (whether or not they were mirrored) and drop them from the mirror."""
        ids = list(ids)  # read twice
        links = [jump_link(guild or 0, channel, i) for i in ids]
        name = self.owner_of(channel)
        if name is None:
            self.gone.update(links)
            return None
        self.hide(name, links, forever=True)
        self.mirrors[name].remove(channel, ids)
        return name

    def on_thread_gone(self, thread: int) -> str | None:
        """Hide a deleted thread's messages for good and drop its file."""
        name = self.owner_of(thread)
        if name is None:
            return None
        self.hide(name, self.mirrors[name].drop(thread), forever=True)
        return name

    # -- the send-time check ------------------------------------------------------------------------

    async def recheck(self, links: Iterable[str]) -> set[str]:
        """Fetch the quoted messages of live channels again, at once; hide those deleted or reworded.

        Return the collections whose mirror that changed (to be re-indexed).
        """
        found = await asyncio.gather(*(self._recheck(link) for link in dict.fromkeys(links)))
        return {name for name in found if name}

    async def _recheck(self, link: str) -> str | None:
        """Fetch one quoted message again; hide it when deleted or reworded (its collection's name), else None."""
        ids = parse_jump_link(link)
        name = self.owner_of(ids[1]) if ids else None
        if ids is None or name is None or link in self.gone:
            return None
        guild, channel, message = ids
        fetch = self.client.get_partial_messageable(channel, guild_id=guild).fetch_message(message)
        try:
            current = await asyncio.wait_for(fetch, RECHECK_SECONDS)
        except discord.NotFound:
            self.hide(name, [link], forever=True)
            self.mirrors[name].remove(channel, [message])
            return name
        except (discord.HTTPException, TimeoutError) as exc:  # Discord slow or refusing: the mirror's copy stands
            log.warning("could not re-check a quoted message before sending (%s); the mirror's copy stands", exc)
            return None
        kept = self.mirrors[name].files[channel].messages.get(message)
        if kept is not None and current.content == kept.content:
            return None
        if kept is not None:  # reworded: mirror the new wording (quoted after the re-index)
            self.store(name, channel, current, self.me, self.forgotten())
        self.hide(name, [link])  # no longer kept (unpinned, emptied): the index drops it on the re-index
        return name

    def rewind(self) -> None:
        """Make the next sync read every channel's whole history again (e.g. a member asked to be remembered)."""
        for mirror in self.mirrors.values():
            for file in mirror.files.values():
                file.after = 0

    def forget(self, member: int) -> set[str]:
        """Remove a member's messages from every mirror; return the collections that changed."""
        changed = set()
        for name, mirror in self.mirrors.items():
            for channel, file in mirror.files.items():
                theirs = [i for i, m in file.messages.items() if m.author == member]
                if theirs:
                    self.hide(name, mirror.remove(channel, theirs))
                    changed.add(name)
        return changed


def title_of(channel: Readable, parent: Parent = None) -> str:
    """Return the document title of a channel ('#faq') or a thread ('#help › Post title')."""
    if isinstance(channel, discord.Thread):
        parent = parent or channel.parent
        return f"{parent.name if parent else channel.parent_id} › {channel.name}"
    return channel.name


async def _threads(channel: discord.TextChannel | discord.ForumChannel) -> AsyncIterator[discord.Thread]:
    """Yield a channel's active threads (from the server) and its public archived ones, each once."""
    seen: set[int] = set()
    for thread in await channel.guild.active_threads():
        if thread.parent_id == channel.id and thread.id not in seen:
            seen.add(thread.id)
            yield thread
    async for thread in channel.archived_threads(limit=None):
        if thread.id not in seen:
            seen.add(thread.id)
            yield thread
