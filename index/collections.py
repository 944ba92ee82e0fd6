"""Named document collections, and which Discord servers and channels may search each one.

Collections are declared in ``quotebot.toml`` at the project root::

    # Every collection: a name, a folder of documents, and who may search it.
    [collections.handbook]
    path = "corpus"              # relative to this file's folder
    # private = false (default): searchable everywhere unless `servers`/`channels` narrow it

    [collections.security]
    path = "teams/security"
    private = true               # quoted only in the servers/channels listed here
    servers = [111111111111111111]
    channels = [222222222222222222, 333333333333333333]
    description = "Security team runbooks"   # optional, shown by /sources
    adopt_from = ["handbook"]    # optional: files in handbook's folders may join this collection by naming it

    [collections.faq]
    discord_channels = [444444444444444444]  # text, announcement or forum channels (their threads included)
    pins_only = false            # optional: only pinned messages
    forum_tags = ["solved"]      # optional: in a forum, only posts with one of these tags (default: every post)
    show_authors = false         # optional (any collection): cite Discord messages' authors by name

A collection of Discord channels (``discord_channels`` instead of ``path``) is read by the running bot into a
mirror folder (``<mirror root>/<name>``, by default ``.quotebot/discord/<name>`` next to this file; the bot
passes its data folder's) and is private to its channels: searchable only in the listed channels and their
threads, widened with ``channels``/``servers``, never in a direct message, and (the engine checks each message's
link) only in the server the message was written in.

Without the file there is one public collection, ``default``, over the corpus folder, and its index stays
directly in the index folder; with the file each collection's index lives in ``<index folder>/<name>``.
Once rules were read from the file, its absence is an error (``required=True``), never a return to that public
default: a file moved aside for a moment must not open the private folders under the corpus folder to everyone.

Access rules, for a question asked in ``server`` (None in a direct message), ``channel`` and, in a thread,
``parent`` (the thread's parent channel; a thread inherits its parent's access, so either id matches):

- public, nothing listed: visible everywhere, direct messages included;
- public with ``servers`` and/or ``channels``: visible only when the server, the channel or the parent is listed;
- private: visible only when the server, the channel or the parent is listed, and never in a direct message;
  a private collection must list at least one server or channel;
- the CLI is no Discord place: ``Collections.for_cli`` gives any collection by name, private ones included.

Moving a file between collections (its front matter or sidecar says ``collection: security``) can only narrow
who reads it, and needs the receiving collection's consent (``Library`` applies it, ``Collection.within`` and
``Collection.adopts`` decide it):

- into a collection at least as private as its folder's (``within``), that lists the folder's collection in
  ``adopt_from``: the file moves;
- into a collection its folder's collection is at least as private as: one warning, it stays in its folder's;
- otherwise (a narrower or unrelated collection that did not consent): one warning, and it is left out of every
  collection, so that it is never quoted more widely than either its folder or its declaration allows.

Discord ids are TOML integers; strings of ASCII digits (``"2222"``) are accepted too and converted, since ids
copied from Discord are often pasted quoted. Booleans, zero, negative numbers and other strings are refused.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .models import StrPath

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_COLLECTION",
    "MIRROR_FOLDER",
    "Collection",
    "Collections",
    "collections_from",
    "default_collections",
    "load_collections",
    "read_config_file",
]

DEFAULT_COLLECTION = "default"
CONFIG_FILE = "quotebot.toml"

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_DIGITS = re.compile(r"[0-9]+")
_TOP_KEYS = ("collections", "answer_channels")  # answer_channels: the bot's (bot/ops/answering.py)
_KEYS = (
    "path",
    "private",
    "servers",
    "channels",
    "description",
    "adopt_from",
    "discord_channels",
    "pins_only",
    "forum_tags",
    "show_authors",
)
MIRROR_FOLDER = Path(".quotebot") / "discord"  # where the bot mirrors Discord channels, next to quotebot.toml


@dataclass(frozen=True, slots=True)
class Collection:
    """A named folder of documents and the Discord places allowed to search it."""

    name: str
    corpus_dir: Path
    private: bool = False
    servers: frozenset[int] = frozenset()
    channels: frozenset[int] = frozenset()
    description: str = ""
    adopt_from: frozenset[str] = frozenset()  # collections whose files may join this one by naming it
    discord_channels: frozenset[int] = frozenset()  # Discord channels the bot mirrors into corpus_dir
    pins_only: bool = False  # of those channels, only pinned messages
    forum_tags: frozenset[str] = frozenset()  # of a forum, only posts with one of these tags (lower case; none: all)
    show_authors: bool = False  # Discord messages (live or exported) cite their author's name

    @property
    def live(self) -> bool:
        """Tell whether the running bot reads this collection from Discord channels."""
        return bool(self.discord_channels)

    def visible_in(self, server: int | None, channel: int | None, parent: int | None = None) -> bool:
        """Tell whether a question asked in this place may be answered from this collection."""
        if self.private and server is None:
            return False
        if not self.servers and not self.channels:
            return not self.private
        if server is not None and server in self.servers:
            return True
        return any(place is not None and place in self.channels for place in (channel, parent))

    def visible_in_server(self, server: int, channels: Iterable[int]) -> bool:
        """Tell whether a question asked somewhere in `server` (any of `channels`, or none listed) may be answered."""
        return self.visible_in(server, None) or any(self.visible_in(server, channel) for channel in channels)

    def within(self, other: Collection) -> bool:
        """Tell whether every place that may search this collection may search `other` too.

        Conservative: a channel listed here counts as covered by `other` only when `other` lists it too,
        since which server a channel belongs to is not known from the file.
        """
        if self.name == other.name or (not other.servers and not other.channels and not other.private):
            return True  # the same collection, or `other` is searchable everywhere
        if not self.servers and not self.channels:
            return False  # searchable everywhere, `other` is not
        if other.private and not self.private:
            return False  # a public collection that lists a channel id may be searched in that DM; a private one never
        return self.servers <= other.servers and self.channels <= other.channels

    def adopts(self, other: Collection) -> bool:
        """Tell whether a file of `other`'s folders may move into this collection by naming it."""
        return self.name == other.name or (other.name in self.adopt_from and self.within(other))


@dataclass(frozen=True, slots=True)
class Collections:
    """Every configured collection, in file order."""

    items: tuple[Collection, ...]
    source: Path | None

    def names(self) -> list[str]:
        """List the collection names in file order."""
        return [c.name for c in self.items]

    def get(self, name: str) -> Collection:
        """Return the collection called `name`, or raise ConfigError listing the known names."""
        for collection in self.items:
            if collection.name == name:
                return collection
        known = ", ".join(self.names())
        where = f"in {self.source}" if self.source is not None else f"(no {CONFIG_FILE})"
        raise ConfigError(f"unknown collection {name!r} {where}: use one of {known}")

    def visible_in(self, server: int | None, channel: int | None, parent: int | None = None) -> list[Collection]:
        """List the collections a question asked in this place may be answered from."""
        return [c for c in self.items if c.visible_in(server, channel, parent)]

    def for_cli(self, name: str | None) -> list[Collection]:
        """List the collection called `name` (private ones too), or all of them when `name` is None."""
        return list(self.items) if name is None else [self.get(name)]

    def index_dir(self, root: Path, name: str) -> Path:
        """Return where the index of collection `name` lives under the index folder `root`."""
        collection = self.get(name)
        return root if self.source is None else root / collection.name


def default_collections(corpus_dir: Path) -> Collections:
    """One public collection named "default" over `corpus_dir`, available everywhere."""
    return Collections((Collection(DEFAULT_COLLECTION, corpus_dir.expanduser().resolve()),), None)


def load_collections(
    path: StrPath, default_corpus: StrPath, mirror_root: StrPath | None = None, *, required: bool = False
) -> Collections:
    """Read quotebot.toml when it exists, else the default single collection (paths: str or os.PathLike).

    `mirror_root`: the folder under which Discord-sourced collections are mirrored (default: next to the file).
    `required`: the rules in force came from this file, so a missing file raises ConfigError (see read_config_file).
    """
    path, corpus = Path(path), Path(default_corpus)
    mirrors = None if mirror_root is None else Path(mirror_root)
    return collections_from(path, read_config_file(path, required=required), corpus, mirrors)


def read_config_file(path: StrPath, *, required: bool = False) -> dict[str, object] | None:
    """Parse quotebot.toml; None when there is none, or ConfigError when it is `required` (or unreadable, invalid)."""
    try:
        return _read_toml(Path(path))
    except FileNotFoundError:
        if not required:
            return None
        missing = f"{path} is missing: restore it; the collections and rules in force stay until then"
        raise ConfigError(missing) from None


def collections_from(
    path: StrPath, data: dict[str, object] | None, default_corpus: StrPath, mirror_root: StrPath | None = None
) -> Collections:
    """Validate the collections of a parsed quotebot.toml (`data`; None: no file, the default collection)."""
    path, default_corpus = Path(path), Path(default_corpus)
    mirror_root = None if mirror_root is None else Path(mirror_root)
    if data is None or ("collections" not in data and "answer_channels" in data):
        return default_collections(default_corpus)  # no file, or one that only sets the bot's answer channels
    tables = _collection_tables(path, data)
    root = (mirror_root or path.parent / MIRROR_FOLDER).expanduser().resolve()
    items = tuple(_parse_collection(path, name, table, root) for name, table in tables.items())
    _check_distinct_folders(path, items)
    _check_distinct_channels(path, items)
    _check_adopt_from(path, items)
    return Collections(items, path)


def _read_toml(path: Path) -> dict[str, object]:
    """Parse the config file, turning every read or syntax problem into a ConfigError (but a missing file)."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise  # not an unreadable file: read_config_file decides what a missing one means
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}: fix the syntax there") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: save it as UTF-8") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc}): fix its permissions or path") from exc


def _collection_tables(path: Path, data: dict[str, object]) -> dict[str, dict[str, object]]:
    """Return the `[collections.*]` tables by name, checking the top level and each name."""
    unknown = [key for key in data if key not in _TOP_KEYS]
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key {unknown[0]!r}: use only {', '.join(_TOP_KEYS)}")
    section = data.get("collections")
    if not isinstance(section, dict) or not section:
        raise ConfigError(
            f'{path}: no [collections.*] table: add one, e.g. [collections.handbook] with path = "corpus"'
        )
    tables: dict[str, dict[str, object]] = {}
    for name, table in section.items():
        if not _NAME.fullmatch(name):
            raise ConfigError(
                f"{path}: [collections.{name}] bad collection name: use 1-40 of a-z, 0-9, '_' and '-', "
                "starting with a letter or digit"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: collections.{name} must be a table: write [collections.{name}] with path = ...")
        tables[name] = table
    return tables


def _parse_collection(path: Path, name: str, table: dict[str, object], mirror_root: Path) -> Collection:
    """Validate one `[collections.<name>]` table and build its Collection."""
    where = f"{path}: [collections.{name}]"
    unknown = [key for key in table if key not in _KEYS]
    if unknown:
        raise ConfigError(f"{where} unknown key {unknown[0]!r}: use one of {', '.join(_KEYS)}")
    private = _parse_bool(where, table, "private")
    description = table.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(f"{where} `description` must be a string, got {description!r}: quote it")
    adopt_from = _parse_names(where, table.get("adopt_from", []))
    servers = _parse_ids(where, "servers", table.get("servers", []))
    channels = _parse_ids(where, "channels", table.get("channels", []))
    if private and not servers and not channels:
        raise ConfigError(
            f"{where} collection {name!r} is private but lists no servers or channels: "
            "add `channels = [...]` or `servers = [...]`, or set `private = false`"
        )
    show_authors = _parse_bool(where, table, "show_authors")
    live = _parse_discord(where, table)
    if live is None:
        corpus_dir = _parse_path(path, where, table.get("path"))
        return Collection(
            name, corpus_dir, private, servers, channels, description, adopt_from, show_authors=show_authors
        )
    discord_channels, pins_only, forum_tags = live
    # Mirrored under the bot's folder; private to its channels (and their threads), never in a DM.
    return Collection(
        name,
        mirror_root / name,
        True,
        servers,
        channels | discord_channels,
        description,
        adopt_from,
        discord_channels,
        pins_only,
        forum_tags,
        show_authors,
    )


def _parse_bool(where: str, table: dict[str, object], key: str) -> bool:
    """Read a true/false key (false when absent)."""
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{where} `{key}` must be true or false, got {value!r}: fix `{key}`")
    return value


def _parse_discord(where: str, table: dict[str, object]) -> tuple[frozenset[int], bool, frozenset[str]] | None:
    """Read a collection's Discord keys (channels, pins_only, forum_tags); None when it is a folder."""
    if "discord_channels" not in table:
        for key in ("pins_only", "forum_tags"):
            if key in table:
                raise ConfigError(
                    f"{where} `{key}` needs `discord_channels = [...]`: add the channel ids, or remove it"
                )
        return None
    if "path" in table:
        raise ConfigError(
            f"{where} has both `path` and `discord_channels`: a collection reads a folder or Discord channels, "
            "not both; make two collections"
        )
    channels = _parse_ids(where, "discord_channels", table["discord_channels"])
    if not channels:
        raise ConfigError(f"{where} `discord_channels` is empty: list at least one channel id, or remove the key")
    pins_only = _parse_bool(where, table, "pins_only")
    tags = table.get("forum_tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise ConfigError(f'{where} `forum_tags` must be a list of tag names, got {tags!r}: e.g. ["solved"]')
    return channels, pins_only, frozenset(t.strip().casefold() for t in tags)


def _parse_path(path: Path, where: str, value: object) -> Path:
    """Resolve a collection's `path` against the config file's folder and check it is a directory."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f'{where} `path` must be a folder name in quotes, got {value!r}: add path = "corpus"')
    corpus_dir = (path.parent / Path(value).expanduser()).resolve()
    if not corpus_dir.is_dir():
        raise ConfigError(f"{where} `path` {value!r} is not a folder ({corpus_dir}): create it or fix `path`")
    return corpus_dir


def _parse_ids(where: str, key: str, value: object) -> frozenset[int]:
    """Read a list of Discord ids: positive integers, or strings of digits."""
    if not isinstance(value, list):
        raise ConfigError(f"{where} `{key}` must be a list of Discord ids, got {value!r}: write {key} = [{value!r}]")
    ids: set[int] = set()
    for item in value:
        if isinstance(item, str) and _DIGITS.fullmatch(item):
            item = int(item)
        if isinstance(item, bool) or not isinstance(item, int) or item <= 0:
            raise ConfigError(
                f"{where} `{key}` holds {item!r}, not a Discord id: use positive integers, e.g. {key} = [1234567890]"
            )
        ids.add(item)
    return frozenset(ids)


def _parse_names(where: str, value: object) -> frozenset[str]:
    """Read `adopt_from`: a list of collection names (checked against the file's collections afterwards)."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f'{where} `adopt_from` must be a list of collection names, got {value!r}: e.g. ["handbook"]')
    return frozenset(value)


def _check_adopt_from(path: Path, items: tuple[Collection, ...]) -> None:
    """Refuse an `adopt_from` that names an unknown collection, or one less private than the adopting one."""
    by_name = {c.name: c for c in items}
    for collection in items:
        for name in sorted(collection.adopt_from):
            where = f"{path}: [collections.{collection.name}] `adopt_from`"
            if name not in by_name:
                known = ", ".join(by_name)
                raise ConfigError(f"{where} names {name!r}, which is not a collection here: use one of {known}")
            if not collection.within(by_name[name]):
                raise ConfigError(
                    f"{where} names {name!r}, but {collection.name!r} is searchable in places {name!r} is not, "
                    f"so its files would reach more readers: remove {name!r}, or narrow {collection.name!r}"
                )


def _check_distinct_channels(path: Path, items: tuple[Collection, ...]) -> None:
    """Refuse a Discord channel listed by two collections: each event must change the one mirror that holds it."""
    seen: dict[int, str] = {}
    for collection in items:
        for channel in sorted(collection.discord_channels):
            other = seen.setdefault(channel, collection.name)
            if other != collection.name:
                raise ConfigError(
                    f"{path}: [collections.{other}] and [collections.{collection.name}] both list channel {channel} "
                    "in `discord_channels`: list it in one, and let other places search that one with `channels`"
                )


def _check_distinct_folders(path: Path, items: tuple[Collection, ...]) -> None:
    """Refuse two collections over the same folder."""
    seen: dict[Path, str] = {}
    for collection in items:
        other = seen.setdefault(collection.corpus_dir, collection.name)
        if other != collection.name:
            raise ConfigError(
                f"{path}: [collections.{other}] and [collections.{collection.name}] share `path` "
                f"{collection.corpus_dir}: give each collection its own folder"
            )
