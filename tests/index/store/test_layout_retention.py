"""How long deleted text stays on disk: the previous build goes at the prune after a rebuild, never the one in use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quotebot.index import CorpusError
from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.build import BuildOptions, build_index, open_engine, prune_previous
from quotebot.index.store.layout import prune_builds, remove_builds
from quotebot.index.store.lock import build_lock
from tests.fakes import FakeEmbedder

KEPT = "The release train leaves every Tuesday at ten."
DELETED = "The vault door code is 4417 until the audit."
OPTIONS = BuildOptions(chunk_tokens=200)


def export(*contents: str) -> str:
    """Return a DiscordChatExporter export of a channel holding these messages, as the bot's mirror writes it."""
    messages = [
        {
            "id": str(900 + i),
            "type": "Default",
            "timestamp": f"2024-03-0{i + 1}T12:00:00+00:00",
            "content": content,
            "author": {"id": "7", "name": "", "isBot": False},
        }
        for i, content in enumerate(contents)
    ]
    return json.dumps({"guild": {"id": "10"}, "channel": {"id": "20", "name": "faq"}, "messages": messages})


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "20.json").write_text(export(KEPT, DELETED), encoding="utf-8")
    (folder / "secret.txt").write_text(f"{DELETED}\n", encoding="utf-8")
    return folder


def on_disk(index: Path, text: str) -> list[Path]:
    """Return the files under the index folder that hold `text`."""
    return [p for p in index.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def builds(index: Path) -> set[str]:
    return {p.name for p in (index / "builds").iterdir()}


def rebuilt_without_the_message(corpus: Path, index: Path, embedder: FakeEmbedder) -> QuoteEngine:
    """Delete the message and the file, rebuild as the bot does after a delete, and open the new build."""
    (corpus / "20.json").write_text(export(KEPT), encoding="utf-8")
    (corpus / "secret.txt").unlink()
    build_index(corpus, index, embedder, OPTIONS)
    return open_engine(corpus, index, embedder, OPTIONS)


def test_the_previous_build_and_the_deleted_text_in_it_are_gone_after_the_prune(
    corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    index = tmp_path / "index"
    old = open_engine(corpus, index, fake_embedder, OPTIONS)
    new = rebuilt_without_the_message(corpus, index, fake_embedder)
    assert old.stored.folder.is_dir() and on_disk(index, DELETED)  # kept for the old engine's last replies

    assert prune_previous([new]) == [old.stored.folder]
    assert not old.stored.folder.exists() and builds(index) == {new.stored.folder.name}
    assert on_disk(index, DELETED) == on_disk(index, "4417") == []  # no index file holds the text, nor a word of it
    answer = new.answer("When does the release train leave?")  # the build in use still verifies its quotes
    assert answer.passages and answer.passages[0].text == KEPT


def test_a_prune_never_removes_the_build_an_engine_answers_from(
    corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    index = tmp_path / "index"
    answering = open_engine(corpus, index, fake_embedder, OPTIONS)
    current = rebuilt_without_the_message(corpus, index, fake_embedder)  # e.g. `quotebot build` by another process
    assert prune_previous([answering]) == []  # its own build and the current one both stay
    assert builds(index) == {answering.stored.folder.name, current.stored.folder.name}
    assert prune_builds(index) == [answering.stored.folder]  # not named: only the current build stays
    assert builds(index) == {current.stored.folder.name}


def test_nothing_is_removed_while_a_build_runs_and_leftovers_go_at_the_next_prune(
    corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    index = tmp_path / "index"
    old = open_engine(corpus, index, fake_embedder, OPTIONS)
    new = rebuilt_without_the_message(corpus, index, fake_embedder)
    leftover = index / "builds" / ".tmp-20240101T000000-deadbeef"  # a build killed half-way
    leftover.mkdir()
    (leftover / "chunks.jsonl").write_text(json.dumps({"text": DELETED}), encoding="utf-8")
    with build_lock(index):  # a build of this folder runs: it is about to name a new build current
        assert prune_previous([new]) == []
    assert old.stored.folder.is_dir() and leftover.is_dir()
    assert sorted(prune_previous([new])) == sorted([old.stored.folder, leftover])
    assert on_disk(index, DELETED) == []


def test_a_prune_of_a_folder_without_a_build_removes_nothing(tmp_path: Path) -> None:
    assert prune_builds(tmp_path / "never-built") == []
    (tmp_path / "index" / "builds" / "20240101T000000-0badf00d").mkdir(parents=True)  # CURRENT missing
    assert prune_builds(tmp_path / "index") == []
    assert builds(tmp_path / "index") == {"20240101T000000-0badf00d"}


def test_a_collection_left_with_no_document_leaves_no_build_behind(
    corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    index = tmp_path / "index"
    open_engine(corpus, index, fake_embedder, OPTIONS)
    for path in corpus.iterdir():  # every message deleted: the mirror's file goes, as the bot removes it
        path.unlink()
    with pytest.raises(CorpusError):
        build_index(corpus, index, fake_embedder, OPTIONS)
    assert on_disk(index, DELETED)  # the last build still holds every message

    assert len(remove_builds(index)) == 1
    assert on_disk(index, DELETED) == on_disk(index, "4417") == [] and builds(index) == set()
    assert not (index / "CURRENT").exists() and (index / "cache").is_dir()  # the vectors stay, by hash
