"""/reindex re-reads quotebot.toml, applies new access rules with the new index, and stays within its server.

A real EngineLoader and Library over files (with the fake embedder), driven through discord.py's command tree.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import discord
import pytest
import pytest_asyncio

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.client.testing import FakeInteraction, run_command, slash
from quotebot.bot.exts.reindex import CONFIG_INVALID
from quotebot.bot.ops.engines import EngineLoader
from quotebot.bot.ops.settings import Settings
from quotebot.index.store.layout import load_index
from tests.fakes import FakeEmbedder

SERVER, PUBLIC, PRIVATE, OTHER_SERVER = 10, 20, 30, 99
SECRET = "The vault door code is 4417 and it changes every Monday."
HANDBOOK = '[collections.handbook]\npath = "docs"\n'
SECURITY = '\n[collections.security]\npath = "docs/security"\nprivate = true\nchannels = [30]\n'


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A handbook over docs/, where a secret still lies in docs/security with no private collection yet."""
    _write(tmp_path / "docs/office.txt", "Visitors park in the north lot next to the office building.")
    _write(tmp_path / "docs/security/vault.txt", SECRET)
    _write(tmp_path / "quotebot.toml", HANDBOOK)
    return tmp_path


@pytest_asyncio.fixture
async def bot(project: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[QuoteBot]:
    """A bot whose loader reads the project's quotebot.toml and builds real indexes with the fake embedder."""
    monkeypatch.setattr(EngineLoader, "embedder", lambda self: FakeEmbedder())
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        config_file=project / "quotebot.toml",
        corpus_dir=project / "docs",
        index_dir=project / "index",
        data_dir=project / "data",
        watch=False,  # these tests change files and quotebot.toml and then run /reindex: nothing else rebuilds
    )
    loader = EngineLoader(settings)
    client = QuoteBot(settings, loader=loader, engine=loader.open(), sync_commands=False)
    await client._async_setup_hook()
    await client.setup_hook()
    yield client
    await client.close()


def _in(interaction: FakeInteraction, server: int, channel: int, guild_channels: tuple[int, ...] = ()) -> None:
    """Place an interaction in a server and channel; `guild_channels` are the server's other channels."""
    interaction.guild_id, interaction.channel_id = server, channel
    interaction.guild = SimpleNamespace(channels=[SimpleNamespace(id=c) for c in guild_channels])


async def ask(bot: QuoteBot, channel: int, server: int = SERVER) -> str:
    """Ask about the vault from a channel; return everything the reply shows and all its pages hold."""
    interaction = slash(bot, "ask", question="What is the vault door code?", user_id=channel)
    _in(interaction, server, channel)
    await run_command(bot, interaction)
    sent = interaction.calls.of("followup.send")[0]
    passages = [p.text for p in sent["view"].answer.passages] if "view" in sent else []
    return json.dumps([sent.get("content"), *[e.to_dict() for e in sent.get("embeds", [])], passages])


async def reindex(bot: QuoteBot, server: int = SERVER, channel: int = PUBLIC, *others: int) -> str:
    """Run /reindex as a member with Manage Server; return its private reply."""
    interaction = slash(bot, "reindex", user_id=7)
    interaction.permissions = discord.Permissions(manage_guild=True)
    _in(interaction, server, channel, others)
    await run_command(bot, interaction)
    [sent] = interaction.calls.of("followup.send")
    assert sent["ephemeral"] is True
    return str(sent["content"])


async def test_reindex_applies_a_new_private_collection_at_once(bot: QuoteBot, project: Path) -> None:
    assert "4417" in await ask(bot, PUBLIC)  # the admin notices the secret is public
    (project / "quotebot.toml").write_text(HANDBOOK + SECURITY, encoding="utf-8")
    assert (await reindex(bot)).startswith("Reindexed 1 passages from 1 document")  # handbook: what server 10 sees
    assert "4417" not in await ask(bot, PUBLIC)
    assert "4417" in await ask(bot, PRIVATE)


async def test_reindex_applies_a_channel_removed_from_a_collection(bot: QuoteBot, project: Path) -> None:
    (project / "quotebot.toml").write_text(HANDBOOK + SECURITY, encoding="utf-8")
    await reindex(bot)
    assert "4417" in await ask(bot, PRIVATE)
    (project / "quotebot.toml").write_text(HANDBOOK + SECURITY.replace("[30]", "[31]"), encoding="utf-8")
    await reindex(bot)
    assert "4417" not in await ask(bot, PRIVATE)


@pytest.mark.parametrize("broken", ["[collections.handbook\n", HANDBOOK + SECURITY.replace("channels = [30]\n", "")])
async def test_an_invalid_config_changes_nothing_and_says_so(
    bot: QuoteBot, project: Path, broken: str, caplog: pytest.LogCaptureFixture
) -> None:
    (project / "quotebot.toml").write_text(HANDBOOK + SECURITY, encoding="utf-8")
    await reindex(bot)
    before = bot.engine
    (project / "quotebot.toml").write_text(broken, encoding="utf-8")
    assert await reindex(bot) == CONFIG_INVALID
    assert bot.engine is before and "4417" not in await ask(bot, PUBLIC) and "4417" in await ask(bot, PRIVATE)
    assert any("quotebot.toml" in r.getMessage() for r in caplog.records if r.name == "quotebot.bot.exts.reindex")


TWO_SERVERS = """\
[collections.alpha]
path = "alpha"
private = true
servers = [10]

[collections.beta]
path = "beta"
private = true
servers = [99]
"""


@pytest.fixture
def two_servers(project: Path) -> Path:
    """Two private collections, one per server; beta holds three documents."""
    _write(project / "alpha/a.txt", "Alpha team notes: the build server restarts at midnight.")
    for number in range(3):
        _write(project / f"beta/b{number}.txt", f"Beta team note number {number} about the release train.")
    _write(project / "quotebot.toml", TWO_SERVERS)
    return project


def _build_of(project: Path, name: str) -> str:
    return load_index(project / "index" / name).folder.name


async def test_reindex_rebuilds_and_counts_only_what_its_server_can_search(bot: QuoteBot, two_servers: Path) -> None:
    await reindex(bot, OTHER_SERVER)  # the config now has both collections: build them once
    alpha, beta = _build_of(two_servers, "alpha"), _build_of(two_servers, "beta")
    assert (await reindex(bot, SERVER)).startswith("Reindexed 1 passages from 1 document in ")
    assert _build_of(two_servers, "alpha") != alpha  # rebuilt
    assert _build_of(two_servers, "beta") == beta  # another server's, and current: left alone
    assert (await reindex(bot, OTHER_SERVER)).startswith("Reindexed 3 passages from 3 documents in ")
    assert _build_of(two_servers, "alpha") != alpha


async def test_a_server_that_can_search_nothing_rebuilds_nothing(bot: QuoteBot, two_servers: Path) -> None:
    await reindex(bot, OTHER_SERVER)
    builds = {name: _build_of(two_servers, name) for name in ("alpha", "beta")}
    assert "can search no collection" in await reindex(bot, 55)
    assert {name: _build_of(two_servers, name) for name in builds} == builds


async def test_a_collection_mapped_to_one_channel_counts_in_that_channels_server(bot: QuoteBot, project: Path) -> None:
    (project / "quotebot.toml").write_text(HANDBOOK + SECURITY, encoding="utf-8")
    assert (await reindex(bot, SERVER, PUBLIC)).startswith("Reindexed 1 passages")  # channel 30 is not in it
    assert (await reindex(bot, SERVER, PUBLIC, PRIVATE)).startswith("Reindexed 2 passages from 2 documents")


