from __future__ import annotations

from pathlib import Path

import pytest

from quotebot.index.collections import (
    CONFIG_FILE,
    DEFAULT_COLLECTION,
    Collection,
    Collections,
    default_collections,
    load_collections,
)
from quotebot.index.errors import ConfigError

SERVER, CHANNEL, PARENT, OTHER_SERVER, OTHER_CHANNEL, THREAD = 11, 22, 33, 44, 55, 66

EXAMPLE = """
[collections.handbook]
path = "corpus"

[collections.security]
path = "teams/security"
private = true
servers = [111111111111111111]
channels = [222222222222222222, "333333333333333333"]
description = "Security team runbooks"
"""


def write_config(tmp_path: Path, text: str, folders: tuple[str, ...] = ("corpus",)) -> Path:
    for folder in folders:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    config = tmp_path / CONFIG_FILE
    config.write_text(text, encoding="utf-8")
    return config


def test_loads_the_example_in_file_order(tmp_path: Path) -> None:
    config = write_config(tmp_path, EXAMPLE, ("corpus", "teams/security"))
    collections = load_collections(config, tmp_path / "elsewhere")
    assert collections.source == config
    assert collections.names() == ["handbook", "security"]
    handbook, security = collections.items
    assert handbook == Collection("handbook", (tmp_path / "corpus").resolve())
    assert security.corpus_dir == (tmp_path / "teams" / "security").resolve()
    assert security.corpus_dir.is_absolute()
    assert security.private
    assert security.servers == frozenset({111111111111111111})
    assert security.channels == frozenset({222222222222222222, 333333333333333333})
    assert security.description == "Security team runbooks"
    assert collections.index_dir(tmp_path / "idx", "security") == tmp_path / "idx" / "security"


def test_missing_file_gives_the_default_collection(tmp_path: Path) -> None:
    collections = load_collections(tmp_path / CONFIG_FILE, Path("corpus"))
    assert collections == default_collections(Path("corpus"))
    assert collections.source is None
    assert collections.names() == [DEFAULT_COLLECTION]
    only = collections.get(DEFAULT_COLLECTION)
    assert only.corpus_dir == Path("corpus").resolve() and not only.private
    assert collections.visible_in(None, None) == [only]
    assert collections.index_dir(tmp_path / "idx", DEFAULT_COLLECTION) == tmp_path / "idx"


def test_get_unknown_lists_known_names(tmp_path: Path) -> None:
    config = write_config(tmp_path, EXAMPLE, ("corpus", "teams/security"))
    collections = load_collections(config, tmp_path)
    with pytest.raises(ConfigError, match=r"'nope'.*handbook, security") as info:
        collections.get("nope")
    assert CONFIG_FILE in str(info.value)
    with pytest.raises(ConfigError, match="default"):
        default_collections(tmp_path).index_dir(tmp_path, "../escape")


def test_for_cli_gives_any_collection_or_all(tmp_path: Path) -> None:
    config = write_config(tmp_path, EXAMPLE, ("corpus", "teams/security"))
    collections = load_collections(config, tmp_path)
    assert collections.for_cli(None) == list(collections.items)
    assert [c.name for c in collections.for_cli("security")] == ["security"]
    with pytest.raises(ConfigError):
        collections.for_cli("nope")


PUBLIC = Collection("public", Path("/p"))
NARROWED = Collection("narrowed", Path("/n"), servers=frozenset({SERVER}), channels=frozenset({PARENT}))
PRIVATE = Collection("private", Path("/s"), private=True, servers=frozenset({SERVER}), channels=frozenset({PARENT}))
PRIVATE_CHANNEL = Collection("private-channel", Path("/c"), private=True, channels=frozenset({PARENT}))

PLACES: dict[str, tuple[int | None, int | None, int | None]] = {
    "dm": (None, CHANNEL, None),
    "listed server": (SERVER, OTHER_CHANNEL, None),
    "listed channel": (OTHER_SERVER, PARENT, None),
    "thread in listed parent": (OTHER_SERVER, THREAD, PARENT),
    "unlisted channel": (OTHER_SERVER, OTHER_CHANNEL, None),
    "thread in unlisted parent": (OTHER_SERVER, THREAD, OTHER_CHANNEL),
    "dm with listed channel id": (None, PARENT, None),
}

EVERYWHERE = frozenset(PLACES)
LISTED = frozenset({"listed server", "listed channel", "thread in listed parent"})
MATRIX = [  # collection, the places it is visible in
    (PUBLIC, EVERYWHERE),
    (NARROWED, LISTED | {"dm with listed channel id"}),
    (PRIVATE, LISTED),
    (PRIVATE_CHANNEL, LISTED - {"listed server"}),
]


@pytest.mark.parametrize(
    ("collection", "place", "expected"),
    [(c, place, place in visible) for c, visible in MATRIX for place in PLACES],
    ids=[f"{c.name}-{place}" for c, _ in MATRIX for place in PLACES],
)
def test_access_matrix(collection: Collection, place: str, expected: bool) -> None:
    assert collection.visible_in(*PLACES[place]) is expected


def test_collections_visible_in_keeps_file_order() -> None:
    collections = Collections((PRIVATE, PUBLIC, NARROWED), Path(CONFIG_FILE))
    assert collections.visible_in(None, CHANNEL) == [PUBLIC]
    assert collections.visible_in(SERVER, CHANNEL) == [PRIVATE, PUBLIC, NARROWED]
    assert collections.visible_in(OTHER_SERVER, OTHER_CHANNEL) == [PUBLIC]


ONE = '[collections.a]\npath = "corpus"\n'

ERRORS = [
    ("syntax", '[collections.a]\npath = "corpus"\nprivate = yes\n', ["line 3", "TOML"]),
    ("no collections", 'title = "x"\n', ["title", "collections"]),
    ("empty collections", "[collections]\n", ["[collections.*]"]),
    ("bad name", '[collections.Bad]\npath = "corpus"\n', ["collections.Bad", "name"]),
    ("name too long", f'[collections.{"a" * 41}]\npath = "corpus"\n', ["name"]),
    ("not a table", 'collections.a = "corpus"\n', ["collections.a", "table"]),
    ("path missing", "[collections.a]\nprivate = false\n", ["collections.a", "`path`"]),
    ("path not a string", "[collections.a]\npath = 3\n", ["collections.a", "`path`"]),
    ("path not a folder", '[collections.a]\npath = "missing"\n', ["collections.a", "`path`", "missing", "create it"]),
    ("same folder", ONE + '[collections.b]\npath = "./corpus"\n', ["collections.a", "collections.b", "`path`"]),
    ("private not bool", ONE + 'private = "yes"\nchannels = [1]\n', ["collections.a", "`private`"]),
    ("private lists nothing", ONE + "private = true\n", ["collections.a", "private", "channels = [...]"]),
    ("private empty lists", ONE + "private = true\nservers = []\nchannels = []\n", ["collections.a", "private"]),
    ("ids not a list", ONE + "channels = 5\n", ["collections.a", "`channels`", "list"]),
    ("negative id", ONE + "servers = [-5]\n", ["collections.a", "`servers`"]),
    ("zero id", ONE + "servers = [0]\n", ["collections.a", "`servers`"]),
    ("bool id", ONE + "servers = [true]\n", ["collections.a", "`servers`"]),
    ("word id", ONE + 'channels = ["general"]\n', ["collections.a", "`channels`", "general"]),
    ("float id", ONE + "channels = [1.5]\n", ["collections.a", "`channels`"]),
    ("description not a string", ONE + "description = 3\n", ["collections.a", "`description`"]),
    ("typo key", ONE + "chanels = [1]\n", ["collections.a", "chanels", "channels", "servers"]),
    ("unknown top-level key", ONE.replace("[", "bot = 1\n[", 1), ["'bot'", "collections"]),
]


@pytest.mark.parametrize(("text", "needles"), [(t, n) for _, t, n in ERRORS], ids=[e[0] for e in ERRORS])
def test_validation_errors_name_file_and_key(tmp_path: Path, text: str, needles: list[str]) -> None:
    config = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_collections(config, tmp_path)
    message = str(info.value)
    assert "\n" not in message
    assert CONFIG_FILE in message
    for needle in needles:
        assert needle in message


def test_unreadable_files_are_config_errors(tmp_path: Path) -> None:
    config = tmp_path / CONFIG_FILE
    config.write_bytes(b'[collections.a]\npath = "caf\xe9"\n')
    with pytest.raises(ConfigError, match=CONFIG_FILE):
        load_collections(config, tmp_path)
    config.unlink()
    config.mkdir()
    with pytest.raises(ConfigError, match=CONFIG_FILE):
        load_collections(config, tmp_path)


WIDE = Collection("wide", Path("/w"))
SERVER_WIDE = Collection("server-wide", Path("/sw"), servers=frozenset({SERVER}))
TEAM = Collection("team", Path("/t"), private=True, servers=frozenset({SERVER}))
TEAM_CHANNEL = Collection("team-channel", Path("/tc"), private=True, channels=frozenset({PARENT}))
OTHER_TEAM = Collection("other-team", Path("/o"), private=True, channels=frozenset({OTHER_CHANNEL}))
LISTED_PUBLIC = Collection("listed-public", Path("/lp"), channels=frozenset({PARENT}))

WITHIN = [  # (narrower, wider, every place that may search the first may search the second)
    (WIDE, WIDE, True),
    (TEAM, WIDE, True),
    (WIDE, TEAM, False),
    (TEAM, SERVER_WIDE, True),
    (SERVER_WIDE, TEAM, False),  # a private collection is never searched in a DM; a public one may be
    (TEAM_CHANNEL, TEAM, False),  # which server a channel is in is not known from the file: not proven
    (TEAM_CHANNEL, OTHER_TEAM, False),
    (TEAM_CHANNEL, LISTED_PUBLIC, True),
    (LISTED_PUBLIC, TEAM_CHANNEL, False),
    (TEAM_CHANNEL, TEAM_CHANNEL, True),
]


@pytest.mark.parametrize(("narrow", "wide", "expected"), WITHIN, ids=[f"{a.name}-in-{b.name}" for a, b, _ in WITHIN])
def test_within_holds_only_when_every_place_of_one_may_search_the_other(
    narrow: Collection, wide: Collection, expected: bool
) -> None:
    assert narrow.within(wide) is expected
    if expected:  # checked against the access matrix's places
        for place in PLACES.values():
            assert not narrow.visible_in(*place) or wide.visible_in(*place)


def test_a_collection_adopts_only_what_it_names_and_only_from_wider_ones() -> None:
    adopting = Collection("team", Path("/t"), private=True, servers=frozenset({SERVER}), adopt_from=frozenset({"wide"}))
    assert adopting.adopts(WIDE) and adopting.adopts(adopting)
    assert not adopting.adopts(SERVER_WIDE)  # not named
    assert not TEAM.adopts(WIDE)  # consent is never implied


@pytest.mark.parametrize("server_channels", [[CHANNEL], [PARENT], [CHANNEL, OTHER_CHANNEL]])
def test_visible_in_server_counts_any_of_its_channels(server_channels: list[int]) -> None:
    assert WIDE.visible_in_server(OTHER_SERVER, server_channels)
    assert TEAM.visible_in_server(SERVER, server_channels) and not TEAM.visible_in_server(OTHER_SERVER, server_channels)
    assert TEAM_CHANNEL.visible_in_server(OTHER_SERVER, server_channels) is (PARENT in server_channels)


ADOPT = ONE + '\n[collections.b]\npath = "b"\nprivate = true\nchannels = [1]\n'
ADOPT_ERRORS = [
    ("adopt_from unknown", ADOPT + 'adopt_from = ["nope"]\n', ["collections.b", "adopt_from", "'nope'", "use one of a, b"]),
    ("adopt_from not a list", ADOPT + 'adopt_from = "a"\n', ["collections.b", "adopt_from", "list"]),
    ("adopt_from a number", ADOPT + "adopt_from = [1]\n", ["collections.b", "adopt_from"]),
    ("adopt_from a narrower one", ONE + 'adopt_from = ["b"]\n' + ADOPT[len(ONE) :], ["collections.a", "'b'", "more readers"]),
]


@pytest.mark.parametrize(("text", "needles"), [(t, n) for _, t, n in ADOPT_ERRORS], ids=[e[0] for e in ADOPT_ERRORS])
def test_adopt_from_errors_name_file_and_key(tmp_path: Path, text: str, needles: list[str]) -> None:
    config = write_config(tmp_path, text, ("corpus", "b"))
    with pytest.raises(ConfigError) as info:
        load_collections(config, tmp_path)
    assert "\n" not in str(info.value) and all(needle in str(info.value) for needle in needles)


def test_adopt_from_is_read(tmp_path: Path) -> None:
    config = write_config(tmp_path, ADOPT + 'adopt_from = ["a"]\n', ("corpus", "b"))
    assert load_collections(config, tmp_path).get("b").adopt_from == frozenset({"a"})
