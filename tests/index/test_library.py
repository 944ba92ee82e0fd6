"""Tests for several collections: which files each holds, and answers merged across those a place may search."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from index import CorpusError, QuestionError
from index.collections import Collections, default_collections, load_collections
from index.library import Library, build_collections, collection_files, open_library
from tests.conftest import FakeEmbedder

CONFIG = """
[collections.handbook]
path = "docs"

[collections.security]
path = "docs/security"
private = true
channels = [20]
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Collections:
    _write(tmp_path / "docs/office.txt", "Visitors park in the north lot next to the office building.")
    _write(tmp_path / "docs/security/vault.txt", "Security staff park in the locked basement bay below the vault.")
    _write(tmp_path / "docs/adopted.md", "---\ncollection: security\n---\nThe alarm code changes every Monday.")
    _write(tmp_path / "docs/sidecar.txt", "Badges are renewed each January at the front desk.")
    _write(tmp_path / "docs/sidecar.txt.meta.toml", 'collection = "security"\n')
    _write(tmp_path / "docs/stray.txt", "The canteen serves lunch from noon until two.")
    _write(tmp_path / "docs/stray.txt.meta.toml", 'collection = "nowhere"\n')
    return load_collections(_write(tmp_path / "quotebot.toml", CONFIG), tmp_path / "docs")


def _names(files: list[Path] | None) -> list[str]:
    assert files is not None
    return sorted(p.name for p in files)


def test_each_file_belongs_to_its_deepest_folder_unless_it_names_another(
    project: Collections, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        handbook = collection_files(project, "handbook")
    assert _names(handbook) == ["office.txt", "stray.txt"]
    assert _names(collection_files(project, "security")) == ["adopted.md", "sidecar.txt", "vault.txt"]
    assert any("'nowhere'" in r.getMessage() and "stray.txt" in r.getMessage() for r in caplog.records)


def test_a_single_default_collection_takes_its_whole_folder(tmp_path: Path) -> None:
    assert collection_files(default_collections(tmp_path), "default") is None


@pytest.fixture
def library(project: Collections, tmp_path: Path) -> Library:
    embedder = FakeEmbedder()
    build_collections(project, tmp_path / "index", embedder, project.items)
    return open_library(project, tmp_path / "index", embedder, project.items, rebuild=False)


def test_each_collection_has_its_own_index_folder(library: Library, tmp_path: Path) -> None:
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == ["handbook", "security"]
    assert {n: e.stored.manifest.chunk_count for n, e in library.engines.items()} == {"handbook": 2, "security": 3}


@pytest.mark.parametrize(
    ("names", "collections"),
    [(["handbook"], {"handbook"}), (["security"], {"security"}), (None, {"handbook", "security"})],
)
def test_answers_come_only_from_the_collections_named(
    library: Library, names: list[str] | None, collections: set[str]
) -> None:
    answer = library.answer("Where do staff and visitors park?", top_k=5, names=names)
    assert answer.passages and {p.collection for p in answer.passages} <= collections
    if names is None:
        assert answer.passages == tuple(sorted(answer.passages, key=lambda p: -p.score))


def test_a_place_that_may_search_nothing_is_refused_in_one_line(library: Library) -> None:
    with pytest.raises(QuestionError, match="no collection can be searched from here"):
        library.answer("Where do staff park?", names=[])


def test_a_file_adopted_from_another_folder_is_quoted_verbatim(library: Library, tmp_path: Path) -> None:
    passage = library.answer("When does the alarm code change?", names=["security"]).passages[0]
    assert passage.doc_id == "../adopted.md" and passage.source.resolve() == (tmp_path / "docs/adopted.md").resolve()
    assert passage.source.read_text(encoding="utf-8")[passage.start : passage.end] == passage.text


def test_the_shipped_example_config_is_valid() -> None:
    from tests.conftest import ROOT

    example = load_collections(ROOT / "quotebot.example.toml", ROOT / "corpus")
    assert example.names() == ["handbook"] and example.get("handbook").corpus_dir == (ROOT / "corpus").resolve()


def test_a_collection_without_documents_is_left_out_and_the_others_answer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _write(tmp_path / "docs/office.txt", "Visitors park in the north lot next to the office building.")
    (tmp_path / "empty").mkdir()
    config = '[collections.main]\npath = "docs"\n\n[collections.team]\npath = "empty"\nprivate = true\nchannels = [1]\n'
    project = load_collections(_write(tmp_path / "quotebot.toml", config), tmp_path / "docs")
    embedder = FakeEmbedder()
    with caplog.at_level(logging.WARNING):
        built = build_collections(project, tmp_path / "index", embedder, project.items)
        library = open_library(project, tmp_path / "index", embedder, project.items)
    assert list(built) == ["main"] and list(library.engines) == ["main"]
    left_out = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert len(left_out) == 2 and "collection 'team' has no readable document" in left_out[0]
    assert library.answer("Where do visitors park?").passages[0].collection == "main"
    with pytest.raises(CorpusError, match=r"collection 'team' has no readable document .* fix its path in"):
        build_collections(project, tmp_path / "index", embedder, [project.get("team")])
