"""Discord channels as live collections: read their history, follow their events, hide what is gone.

`LiveSources` keeps one `Mirror` per Discord-sourced collection of quotebot.toml. Each sync (start, each READY)
reads each listed channel's whole history (discord.py pages it, 100 messages a request, within Discord's rate
limits), its threads, a forum's posts (with one of `forum_tags` when set), or only the pins under `pins_only`, and
keeps only what Discord still returns. The cog in `exts/channels.py` feeds it the gateway's events. What must not
be quoted any more (deleted, the old wording of an edited one, unpinned, a channel dropped) is hidden from the
engine at once, until the rebuild of its collection that read the mirror without it (`version`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import discord

from ...index import Collection, Collections
from .mirror import Hidden, Mirror, Stored, prune
from .recheck import Recheck, recheck

__all__ = ["LiveSources", "Recheck", "stored_message"]

log = logging.getLogger(__name__)

_QUOTED = (discord.MessageType.default, discord.MessageType.reply)
Readable = discord.TextChannel | discord.Thread
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


def _settings(collection: Collection) -> tuple[object, ...]:
    """Return what decides which messages a collection mirrors (a change means reading it again)."""
    return collection.discord_channels, collection.pins_only, collection.forum_tags, collection.show_authors


class LiveSources:
    """The Discord-sourced collections: their mirrors, what is hidden, and how to read a channel."""

    def __init__(self, client: discord.Client, collections: Collections, mirror_root: Path) -> None:
        self.client = client
        self.root = mirror_root
        self.collections: dict[str, Collection] = {}
        self.mirrors: dict[str, Mirror] = {}
        self.withheld = Hidden()  # deleted, reworded, unpinned: until the rebuild that read the mirror without them
        self.dropped: set[int] = set()  # channels and threads whose files were dropped: their links are left out
        self.warned: set[str] = set()  # what a sync warned about: said once a run, not again on each READY
        self._syncing = asyncio.Lock()  # one history read at a time (start, READY, /remember-me, apply)
        self._deleted: set[int] = set()  # deleted during a sync: a page read before the delete must not revive it
        self.apply(collections)

    def __bool__(self) -> bool:
        return bool(self.collections)

    def hidden(self) -> frozenset[str]:
        """Return every link the engine must not quote now (the same set until it changes)."""
        return self.withheld.links()

    def hide(self, name: str, links: Iterable[str]) -> None:
        """Hide links until a rebuild of `name` has read the mirror as it is now (deleted, reworded, unpinned)."""
        self.withheld.add(name, self.mirrors[name].version, links)

    def release(self, name: str, version: int) -> None:
        """Show again what a rebuild of `name` that read mirror `version` has indexed in its new state."""
        self.withheld.release(name, version)

    # -- the configuration ----------------------------------------------------------------------------

    def apply(self, collections: Collections) -> set[str]:
        """Adopt a new quotebot.toml: return the collections to read again (new, or its channels, pins or tags changed).

        A collection gone from the file (or no longer Discord channels) leaves the disk; a channel taken out of its
        list is dropped, and its later messages are not mirrored; one that turned `pins_only` on keeps only pins.
        """
        new = {c.name: c for c in collections.items if c.live}
        for name in [n for n in self.mirrors if n not in new]:
            self._remove(name)
        again = set()
        for name, collection in new.items():
            old = self.collections.get(name)
            if name not in self.mirrors:
                self.mirrors[name] = Mirror(self.root / name)
                self.mirrors[name].load()
            if old is None or _settings(old) != _settings(collection):
                again.add(name)
            if old is not None and collection.pins_only and not old.pins_only:
                self.hide(name, self.mirrors[name].remove_unpinned())
            for channel in self.mirrors[name].unlisted(collection.discord_channels):
                log.info("channel %s left collection %r in quotebot.toml: its messages are not kept", channel, name)
                self._drop(name, channel)
        self.collections = new
        prune(self.root, self.mirrors)  # also those removed while the bot was stopped
        return again

    def _remove(self, name: str) -> None:
        """Forget a collection no longer Discord-sourced: its mirror leaves the disk, its links are left out."""
        mirror = self.mirrors.pop(name)
        self.dropped.update(mirror.files)
        mirror.remove_all()  # the old index's files are gone: it can no longer verify, so quote, their passages
        self.withheld.release(name, 0, every=True)

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

    def _drop(self, name: str, channel: int) -> bool:
        """Drop a channel's file and its threads' files, hiding their links; tell whether any was held."""
        mirror = self.mirrors.get(name)
        if mirror is None:
            return False  # its collection left quotebot.toml meanwhile: its whole mirror is gone already
        held = [c for c in (channel, *mirror.threads(channel)) if c in mirror.files]
        for gone in held:
            self.dropped.add(gone)
            self.hide(name, mirror.drop(gone))
        return bool(held)

    # -- reading history ----------------------------------------------------------------------------

    async def sync(self, names: Iterable[str] | None = None) -> set[str]:
        """Reconcile the named collections (default all) with Discord; return those whose mirror changed."""
        async with self._syncing:
            changed = set()
            try:
                for name in sorted(self.collections if names is None else set(names) & set(self.collections)):
                    if name not in self.mirrors:
                        continue  # apply() removed it meanwhile
                    before = self.mirrors[name].version
                    for channel_id in sorted(self.collections[name].discord_channels):
                        if name in self.collections:
                            await self.sync_channel(self.collections[name], channel_id)
                    if self._changed_since(name, before):
                        changed.add(name)
            finally:
                self._deleted.clear()
            return changed

    async def sync_all(self) -> set[str]:
        """Reconcile every collection with Discord; return the collections that changed."""
        return await self.sync()

    def _changed_since(self, name: str, before: int) -> str | None:
        """Return `name` when its mirror changed since version `before`, else None."""
        return name if name in self.mirrors and self.mirrors[name].version != before else None

    async def sync_channel(self, collection: Collection, channel_id: int) -> None:
        """Read one listed channel and its threads; a channel the bot cannot read is dropped, with one warning."""
        where = f"channel {channel_id} of collection {collection.name!r}"
        try:
            channel = self.client.get_channel(channel_id) or await self.client.fetch_channel(channel_id)
            if isinstance(channel, discord.TextChannel):  # announcement channels are TextChannels too
                await self.read(collection, channel)
            elif not isinstance(channel, discord.ForumChannel):
                kind = getattr(channel, "type", "channel")
                self.warn(f"{where} is a {kind}: list text, announcement or forum channels")
                return
            seen = set()
            async for thread in _threads(channel):
                seen.add(thread.id)
                await self.read_thread(collection, thread, channel)
            mirror = self.mirrors.get(collection.name)
            for thread_id in mirror.threads(channel_id) if mirror else ():
                if thread_id not in seen:  # deleted while the bot was away
                    self._drop(collection.name, thread_id)
        except discord.NotFound:
            self._drop(collection.name, channel_id)
            self.warn(f"{where} is unknown or not in a server the bot is in: check the id in quotebot.toml")
        except discord.Forbidden:
            self._drop(collection.name, channel_id)  # not quotable any more, across restarts too
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
        if self.collections.get(name) is None:
            return None  # taken out of quotebot.toml while the sync ran
        before = self.mirrors[name].version
        if not self.counts(thread, collection, parent):
            self._drop(name, thread.id)
            return self._changed_since(name, before)
        try:
            await self.read(collection, thread, parent)
        except (discord.Forbidden, discord.NotFound) as exc:  # unreadable, or deleted meanwhile: not quoted
            self._drop(name, thread.id)
            if isinstance(exc, discord.Forbidden):
                where = f"thread {thread.id} of collection {name!r}"
                self.warn(f"{where} cannot be read: give the bot Read Message History")
        return self._changed_since(name, before)

    async def read_pins(self, channel: Readable) -> str | None:
        """Re-read a pins-only channel's pins (a pin was added or removed); name the collection if changed."""
        parent = channel.parent_id if isinstance(channel, discord.Thread) else None
        collection = self.collection_of(channel.id, parent)
        if collection is None or not collection.pins_only:
            return None
        if isinstance(channel, discord.Thread):  # the checks of every other path: private, untagged post
            return await self.read_thread(collection, channel)
        before = self.mirrors[collection.name].version
        await self.read(collection, channel)
        return self._changed_since(collection.name, before)

    async def read(self, collection: Collection, channel: Readable, parent: Parent = None) -> None:
        """Read a channel's whole history (or its pins, under `pins_only`); keep only what Discord returned."""
        name, listed = collection.name, channel.parent_id if isinstance(channel, discord.Thread) else channel.id
        mirror, me, forgotten = self.mirrors[name], self.me, self.forgotten()
        owner = listed if listed != channel.id else None
        mirror.channel(channel.guild.id, channel.id, title_of(channel, parent), owner)
        started = discord.utils.time_snowflake(discord.utils.utcnow())  # newer ones come by the gateway
        pins = collection.pins_only
        read = channel.pins(limit=None) if pins else channel.history(limit=None, oldest_first=True)
        seen = set()
        async for message in read:
            current = self.collections.get(name)
            if current is None or listed not in current.discord_channels:
                return  # taken out of quotebot.toml meanwhile: apply() dropped it, nothing more is kept
            seen.add(message.id)
            if message.id not in self._deleted:
                self.store(name, channel.id, message, me, forgotten)
            if not pins:
                mirror.read_up_to(channel.id, message.id)
        file = mirror.files.get(channel.id)
        if file is not None:
            self.hide(name, mirror.remove(channel.id, [i for i in file.messages if i not in seen and i < started]))
            mirror.mark_synced(channel.id, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def store(self, name: str, channel: int, message: discord.Message, me: int, forgotten: Iterable[int]) -> None:
        """Mirror one message (hiding its older wording), or remove it when it no longer counts."""
        collection, mirror = self.collections[name], self.mirrors[name]
        kept = None
        if message.pinned or not collection.pins_only:
            kept = stored_message(message, me, forgotten, names=collection.show_authors)
        if kept is None:
            held = message.id in mirror.files[channel].messages
            self.hide(name, mirror.remove(channel, [message.id]) if held else [])
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
        if collection is None or message.guild is None or not isinstance(channel, discord.TextChannel | discord.Thread):
            return None
        if isinstance(channel, discord.Thread) and not self.counts(channel, collection):
            return None
        name = collection.name
        mirror = self.mirrors[name]
        before = mirror.version
        mirror.channel(message.guild.id, channel.id, title_of(channel), parent)
        self.store(name, channel.id, message, self.me, self.forgotten())
        mirror.read_up_to(channel.id, message.id)
        return self._changed_since(name, before)

    def on_delete(self, guild: int | None, channel: int, ids: Iterable[int]) -> str | None:
        """Drop deleted messages from the mirror, hidden until the rebuild; a channel no mirror holds is ignored."""
        name = self.owner_of(channel)
        if name is None:
            return None  # nothing of it is mirrored, so no index holds it (a folder's exports are not live)
        ids = list(ids)  # read twice
        if self._syncing.locked():
            self._deleted.update(ids)
        held = [i for i in ids if i in self.mirrors[name].files[channel].messages]
        self.hide(name, self.mirrors[name].remove(channel, held))
        return name if held else None

    def on_thread_gone(self, thread: int) -> str | None:
        """Drop a deleted thread's file, its links hidden until the rebuild."""
        name = self.owner_of(thread)
        return name if name is not None and self._drop(name, thread) else None

    def on_channel_gone(self, channel: int) -> str | None:
        """Drop a deleted channel's file and its threads' files, their links hidden until the rebuild."""
        collection = self.collection_of(channel)
        name = collection.name if collection is not None else self.owner_of(channel)
        return name if name is not None and self._drop(name, channel) else None

    def on_guild_gone(self, guild: int) -> set[str]:
        """Drop every channel and thread of a server the bot left, or that was deleted; return what changed."""
        held = [(n, c) for n, m in self.mirrors.items() for c, f in m.files.items() if f.guild == guild]
        return {name for name, channel in held if self._drop(name, channel)}

    async def check_access(self, channels: Iterable[discord.abc.GuildChannel]) -> set[str]:
        """Drop the listed channels the bot can no longer read; read again those it can read again."""
        changed: set[str] = set()
        for channel in channels:
            collection = self.collection_of(channel.id)
            if collection is None or not isinstance(channel, discord.TextChannel | discord.ForumChannel):
                continue
            if channel.guild.me is None:
                continue  # the bot's roles are unknown: the next sync finds out
            allowed = channel.permissions_for(channel.guild.me)
            name = collection.name
            if not (allowed.view_channel and allowed.read_message_history):
                if self._drop(name, channel.id):
                    changed.add(name)
            elif channel.id not in self.mirrors[name].files:  # access came back (or it was never read)
                changed |= await self.sync([name])
        return changed

    # -- the send-time check (bot/sources/recheck.py) -------------------------------------------------------

    async def recheck(self, quoted: Iterable[tuple[str, str]]) -> Recheck:
        """(link, quoted text) pairs; fetch each live message once, all at once, RECHECK_SECONDS cap."""
        return await recheck(self, quoted)

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
