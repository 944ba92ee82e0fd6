from __future__ import annotations

from pathlib import Path

import pytest

from quotebot.index import IndexCorruptError, IndexNotFoundError
from quotebot.index.build import BuildOptions, build_index, check_index, open_engine
from quotebot.index.store.layout import load_index
from quotebot.index.store.lexical import LexicalIndex
from tests.fakes import FakeEmbedder


def _build(corpus: Path, index: Path, embedder: FakeEmbedder) -> None:
    build_index(corpus, index, embedder, BuildOptions(chunk_tokens=200))


def test_manifest_records_what_the_index_was_built_from(
    seed_corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    index = tmp_path / "index"
    _build(seed_corpus, index, fake_embedder)
    stored = load_index(index)
    manifest = stored.manifest
    assert manifest.model == "fake-bow" and manifest.dimension == 64
    assert manifest.chunk_count == len(stored.chunks) == stored.vectors.count
    (record,) = manifest.documents
    assert record.doc_id.endswith(".txt") and len(record.sha256) == 64 and record.size > 0
    assert check_index(seed_corpus, index, model="fake-bow") is None


@pytest.mark.parametrize("change", ["edit", "add", "remove", "model", "window"])
def test_staleness_is_detected(seed_corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder, change: str) -> None:
    index = tmp_path / "index"
    _build(seed_corpus, index, fake_embedder)
    model, window = "fake-bow", 200
    seed = next(seed_corpus.iterdir())
    if change == "edit":
        seed.write_text(seed.read_text(encoding="utf-8") + "\nA new closing paragraph.\n", encoding="utf-8")
    elif change == "add":
        (seed_corpus / "new.md").write_text("# New\n\nA new document.\n", encoding="utf-8")
    elif change == "remove":
        (seed_corpus / "extra.txt").write_text("Extra text here.\n", encoding="utf-8")
        _build(seed_corpus, index, fake_embedder)
        (seed_corpus / "extra.txt").unlink()
    elif change == "model":
        model = "other-model"
    else:
        window = 120
    reason = check_index(seed_corpus, index, model=model, options=BuildOptions(chunk_tokens=window))
    assert reason is not None


def test_missing_index_and_corrupt_manifest(seed_corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    index = tmp_path / "index"
    with pytest.raises(IndexNotFoundError):
        load_index(index)
    _build(seed_corpus, index, fake_embedder)
    build = load_index(index).folder
    (build / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="quotebot build"):
        load_index(index)
    assert check_index(seed_corpus, index, model="fake-bow")
    engine = open_engine(seed_corpus, index, fake_embedder)  # a corrupt index is rebuilt, not loaded
    assert engine.stored.manifest.chunk_count > 0


def test_truncated_vector_file_is_reported(seed_corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    index = tmp_path / "index"
    _build(seed_corpus, index, fake_embedder)
    vectors = load_index(index).folder / "titled.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])
    with pytest.raises(IndexCorruptError):
        load_index(index)


def test_a_failed_build_leaves_the_previous_index_answering(
    seed_corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    _build(seed_corpus, index, fake_embedder)
    engine = open_engine(seed_corpus, index, fake_embedder)
    before = engine.answer("What should ICT products and services providers not install?")
    (seed_corpus / "more.txt").write_text("Another Document\n\nFresh text about something else.\n", encoding="utf-8")

    def crash(self: LexicalIndex, folder: Path) -> None:
        (folder / "partial").mkdir(parents=True)
        raise KeyboardInterrupt  # Ctrl-C half-way through writing

    monkeypatch.setattr(LexicalIndex, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        _build(seed_corpus, index, fake_embedder)
    monkeypatch.undo()
    (seed_corpus / "more.txt").unlink()
    after = open_engine(seed_corpus, index, fake_embedder, rebuild=False).answer(before.question)
    assert after == before
    previous = load_index(index).folder.name
    _build(seed_corpus, index, fake_embedder)  # the next build completes and cleans the leftovers
    # leftovers removed; the build before it stays until the next one (an engine may still be verifying from it)
    assert {p.name for p in (index / "builds").iterdir()} == {load_index(index).folder.name, previous}


def test_a_corrupt_data_file_behind_a_good_manifest_is_rebuilt(
    seed_corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    index = tmp_path / "index"
    _build(seed_corpus, index, fake_embedder)
    (load_index(index).folder / "sentence_owners.npy").write_bytes(b"junk")
    reasons: list[str] = []
    engine = open_engine(seed_corpus, index, fake_embedder, BuildOptions(on_rebuild=reasons.append))
    assert reasons and "sentence_owners.npy is missing or damaged" in reasons[0]  # caught before numpy reads it
    assert engine.answer("Should ICT providers install backdoors?").passages
