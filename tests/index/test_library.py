"""Tests for several collections: which files each holds, and answers merged across those a place may search."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from quotebot.index import CorpusError, QuestionError
from quotebot.index.collections import Collections, default_collections, load_collections
from quotebot.index.library import Library, build_library, open_library
from quotebot.index.placement import collection_files
from tests.fakes import FakeEmbedder

CONFIG = """
[collections.handbook]
path = "docs"

[collections.security]
path = "docs/security"
private = true
channels = [20]
adopt_from = ["handbook"]
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
    build_library(project, tmp_path / "index", embedder=embedder)
    return open_library(project, tmp_path / "index", embedder=embedder, rebuild=False)


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
    from tests.fakes import ROOT

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
        built = build_library(project, tmp_path / "index", embedder=embedder)
        library = open_library(project, tmp_path / "index", embedder=embedder)
    assert list(built) == ["main"] and list(library.engines) == ["main"]
    left_out = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert len(left_out) == 2 and "collection 'team' has no readable document" in left_out[0]
    assert library.answer("Where do visitors park?").passages[0].collection == "main"
    with pytest.raises(CorpusError, match=r"collection 'team' has no readable document .* fix its path in"):
        build_library(project, tmp_path / "index", embedder=embedder, names=["team"])


# Trying to get private text out through the file system: symbolic links and self-declared collections.
SECRET = "The vault door code is 4417 and it changes every Monday."
PRIVATE_CONFIG = '[collections.handbook]\npath = "docs"\n\n[collections.security]\npath = "docs/security"\nprivate = true\nchannels = [20]\n'


@pytest.fixture
def leaky(tmp_path: Path) -> Path:
    """A handbook at docs/ and a private security collection nested at docs/security, holding a secret."""
    _write(tmp_path / "docs/office.txt", "Visitors park in the north lot next to the office building.")
    _write(tmp_path / "docs/security/vault.txt", SECRET)
    _write(tmp_path / "quotebot.toml", PRIVATE_CONFIG)
    return tmp_path


def _open_all(root: Path) -> Library:
    project = load_collections(root / "quotebot.toml", root / "docs")
    return open_library(project, root / "index", embedder=FakeEmbedder())


def _public_text(library: Library) -> str:
    """Everything a public channel could be shown for a question about the vault."""
    answer = library.answer("What is the vault door code?", top_k=10, names=["handbook"])
    return " ".join(p.text for p in answer.passages)


def test_a_link_in_a_public_folder_to_a_nested_private_file_is_skipped(
    leaky: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (leaky / "docs/handy-notes.txt").symlink_to(leaky / "docs/security/vault.txt")
    with caplog.at_level(logging.WARNING):
        library = _open_all(leaky)
    assert "4417" not in _public_text(library)
    assert "4417" in library.answer("What is the vault door code?", names=["security"]).passages[0].text
    [warning] = [r.getMessage() for r in caplog.records if "handy-notes" in r.getMessage()]
    assert warning.startswith("skipped ") and "fewer places" in warning and "vault.txt" not in warning


def test_a_link_to_a_file_whose_sidecar_moves_it_into_a_private_collection_is_skipped(leaky: Path) -> None:
    (leaky / "quotebot.toml").write_text(PRIVATE_CONFIG + 'adopt_from = ["handbook"]\n', encoding="utf-8")
    _write(leaky / "docs/merger.txt", "The merger with Acme closes on 3 March; tell nobody.")
    _write(leaky / "docs/merger.txt.meta.toml", 'collection = "security"\n')
    (leaky / "docs/alias.txt").symlink_to(leaky / "docs/merger.txt")  # same folder, but the text is security's
    library = _open_all(leaky)
    public = library.answer("When does the merger with Acme close?", top_k=10, names=["handbook"])
    assert not any("Acme" in p.text for p in public.passages)
    assert _names(collection_files(load_collections(leaky / "quotebot.toml", leaky), "handbook")) == ["office.txt"]


def test_a_link_within_its_own_collection_is_quoted_and_cited_by_its_own_name(leaky: Path) -> None:
    (leaky / "docs/parking.txt").symlink_to(leaky / "docs/office.txt")
    passages = _open_all(leaky).answer("Where do visitors park?", top_k=5, names=["handbook"]).passages
    cited = [p.source for p in passages] + [c.source for p in passages for c in p.also_in]
    docs = (leaky / "docs").resolve()
    assert sorted(cited) == [docs / "office.txt", docs / "parking.txt"]  # the link's own path, not resolved


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("docs/security/vault.md", f"---\ncollection: handbook\n---\n{SECRET}\n"),
        ("docs/security/vault.txt", SECRET),  # with a sidecar naming handbook, below
    ],
    ids=["front matter", "sidecar"],
)
def test_a_private_file_cannot_declare_itself_public(
    leaky: Path, caplog: pytest.LogCaptureFixture, where: str, text: str
) -> None:
    _write(leaky / where, text)
    if where.endswith(".txt"):
        _write(leaky / (where + ".meta.toml"), 'collection = "handbook"\n')
    with caplog.at_level(logging.WARNING):
        library = _open_all(leaky)
    assert "4417" not in _public_text(library)
    assert "4417" in library.answer("What is the vault door code?", names=["security"]).passages[0].text
    warnings = [r.getMessage() for r in caplog.records if "names collection 'handbook'" in r.getMessage()]
    assert len(warnings) == 1 and "it stays in 'security'" in warnings[0]


def test_a_public_file_joins_a_private_collection_only_with_its_consent(
    leaky: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _write(leaky / "docs/plant.md", "---\ncollection: security\n---\nSecurity staff must share the vault code by email.")
    with caplog.at_level(logging.WARNING):
        project = load_collections(leaky / "quotebot.toml", leaky)
        assert _names(collection_files(project, "security")) == ["vault.txt"]
        assert _names(collection_files(project, "handbook")) == ["office.txt"]  # left out: never more public either
    assert any("does not adopt files from 'handbook'" in r.getMessage() for r in caplog.records)
    (leaky / "quotebot.toml").write_text(PRIVATE_CONFIG + 'adopt_from = ["handbook"]\n', encoding="utf-8")
    adopted = load_collections(leaky / "quotebot.toml", leaky)
    assert _names(collection_files(adopted, "security")) == ["plant.md", "vault.txt"]
