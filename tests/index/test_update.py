"""Updates without rebuilds: a few changed files applied to an open index in place, then written as a build."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.build import BuildOptions, check_index, open_engine
from quotebot.index.collections import load_collections
from quotebot.index.library import Library, open_library, save_library, update_library
from quotebot.index.store.layout import load_index
from quotebot.index.update import saved, updated
from tests.fakes import FakeEmbedder
from tests.index.test_build_views import Reader

PARROT = "# Parrots\n\nThe lighthouse keeper's parrot speaks {n} languages.\n\nIt eats sunflower seeds at noon.\n"
QUESTIONS = [
    "How many languages does the parrot speak?",
    "What does the parrot eat?",
    "Should ICT providers install backdoors in their products?",
    "What did China say about the Global Initiative on Data Security?",
    "Which river flows past the old mill?",
]


class RecordingEmbedder(FakeEmbedder):
    """The fake model, remembering every text it embedded."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().embed_batch(texts)


@pytest.fixture
def corpus(seed_corpus: Path) -> Path:
    (seed_corpus / "parrot.md").write_text(PARROT.format(n="three"), encoding="utf-8")
    (seed_corpus / "mill.txt").write_text("The old mill stands by the Wye. Its wheel turned until 1950.\n")
    return seed_corpus


@pytest.fixture
def engine(corpus: Path, tmp_path: Path) -> QuoteEngine:
    return open_engine(corpus, tmp_path / "index", RecordingEmbedder())


def _best(engine: QuoteEngine, question: str) -> str:
    return engine.answer(question).passages[0].text


def test_an_edited_file_is_quoted_in_its_new_wording_embedding_only_its_new_chunk(
    engine: QuoteEngine, corpus: Path
) -> None:
    assert "three" in _best(engine, QUESTIONS[0])
    model = engine.embedder
    assert isinstance(model, RecordingEmbedder)
    model.texts.clear()
    (corpus / "parrot.md").write_text(PARROT.format(n="seven"), encoding="utf-8")

    new = updated(engine)

    assert new is not None and new is not engine
    assert "seven" in _best(new, QUESTIONS[0])
    assert model.texts and all("seeds" not in t and "Wye" not in t for t in model.texts)  # the unchanged: not again
    assert all("three" not in p.text for q in QUESTIONS for p in new.answer(q, 5).passages)
    assert new.stored.live is not None and new.stored.live_count == engine.stored.live_count
    # The version it came from shares the stores and still answers, without the removed row
    assert all("three" not in p.text for p in engine.answer(QUESTIONS[0], 5).passages)


def test_nothing_changed_returns_the_same_engine(engine: QuoteEngine) -> None:
    assert updated(engine) is engine


def test_a_removed_file_is_never_quoted_again_nor_listed(corpus: Path, tmp_path: Path) -> None:
    library = open_library(corpus, tmp_path / "index", embedder=FakeEmbedder())
    (corpus / "mill.txt").unlink()

    new = update_library(library, list(library.engines))

    assert new is not None
    assert all("Wye" not in p.text for p in new.answer(QUESTIONS[4], 5).passages)
    assert "mill.txt" not in {s.doc_id for s in new.sources()}
    assert "mill.txt" in {s.doc_id for s in library.sources()}  # the version before still lists it


def _edit(rng: random.Random, corpus: Path, step: int) -> None:
    """Add, reword or delete a small file at random."""
    files = sorted(p for p in corpus.glob("note*.md"))
    what = rng.choice(["add", "edit", "delete"] if files else ["add"])
    path = corpus / f"note{step}.md" if what == "add" else rng.choice(files)
    if what == "delete":
        path.unlink()
        return
    words = rng.sample(["ferry", "glacier", "harbour", "orchard", "quarry", "violin", "walnut", "zeppelin"], 3)
    path.write_text(f"# Note {step}\n\nThe {words[0]} is near the {words[1]}.\n\nA {words[2]} came in {step}.\n")


def _answers(engine: QuoteEngine, questions: list[str]) -> list[list[tuple[str, float]]]:
    return [[(p.text, p.score) for p in engine.answer(q, 3).passages] for q in questions]


@pytest.mark.parametrize("model", [FakeEmbedder, Reader], ids=["separate views", "late views (the default model)"])
def test_updates_then_saved_answer_as_a_fresh_build_of_the_same_files(
    corpus: Path, tmp_path: Path, model: type[FakeEmbedder]
) -> None:
    rng = random.Random(11)
    engine = open_engine(corpus, tmp_path / "index", model())
    assert engine.ranking.views == ("late" if model is Reader else "separate")
    for step in range(12):
        _edit(rng, corpus, step)
        new = updated(engine)
        assert new is not None
        engine = new
    questions = [*QUESTIONS, "Where is the glacier?", "When did the walnut come?", "What is near the ferry?"]
    fresh = open_engine(corpus, tmp_path / "fresh", model())
    assert _answers(engine, questions) == _answers(fresh, questions)  # in memory, removed rows and all
    written = saved(engine)
    assert _answers(written, questions) == _answers(fresh, questions)
    assert len(written.stored.chunks) == len(fresh.stored.chunks) and written.stored.live is None
    assert check_index(corpus, tmp_path / "index", model=model().name) is None  # a restart loads it as is
    assert load_index(tmp_path / "index").folder == written.stored.folder
    assert engine.stored.folder.is_dir()  # the build the updated version answered from stays until pruned


def test_an_index_built_otherwise_or_a_large_change_is_built_anew(corpus: Path, tmp_path: Path) -> None:
    engine = open_engine(corpus, tmp_path / "index", FakeEmbedder())
    (corpus / "mill.txt").write_text("The old mill stands by the Usk.\n")
    assert updated(engine, BuildOptions(chunk_tokens=120)) is None  # another window size: a build's business
    for n in range(30):  # more new rows than a quarter of the index, and over the floor of rows any change may touch
        (corpus / f"bulk{n}.txt").write_text("\n\n".join(f"Line {n}-{i} about item {i}." for i in range(40)))
    assert updated(engine) is None


def test_only_the_newest_version_is_updated(engine: QuoteEngine, corpus: Path) -> None:
    (corpus / "parrot.md").write_text(PARROT.format(n="five"), encoding="utf-8")
    assert updated(engine) is not None
    (corpus / "parrot.md").write_text(PARROT.format(n="nine"), encoding="utf-8")
    assert updated(engine) is None  # an older version: its rows are no longer the stores' last ones


def test_every_file_removed_is_left_to_the_build_which_says_so(engine: QuoteEngine, corpus: Path) -> None:
    for path in corpus.iterdir():
        path.unlink()
    assert updated(engine) is None


def test_questions_on_both_versions_while_updates_run_never_fail(engine: QuoteEngine, corpus: Path) -> None:
    errors: list[BaseException] = []
    stop = threading.Event()
    versions = [engine]

    def ask() -> None:
        while not stop.is_set():
            for version in list(versions):
                try:
                    version.answer(QUESTIONS[0])
                except BaseException as exc:
                    errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for n in range(15):
            (corpus / "parrot.md").write_text(PARROT.format(n=n), encoding="utf-8")
            new = updated(versions[-1])
            assert new is not None
            versions.append(new)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert "14" in _best(versions[-1], QUESTIONS[0])


def test_a_library_saved_after_an_update_is_what_the_next_start_opens(corpus: Path, tmp_path: Path) -> None:
    library = open_library(corpus, tmp_path / "index", embedder=FakeEmbedder())
    (corpus / "parrot.md").write_text(PARROT.format(n="eleven"), encoding="utf-8")
    updated_library = update_library(library, list(library.engines))
    assert isinstance(updated_library, Library)

    written = save_library(updated_library)

    reopened = open_library(corpus, tmp_path / "index", embedder=FakeEmbedder(), rebuild=False)
    assert "eleven" in written.answer(QUESTIONS[0]).passages[0].text
    assert "eleven" in reopened.answer(QUESTIONS[0]).passages[0].text


class Counting(FakeEmbedder):
    """The fake model, counting the texts whose tokens it counted one at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.counted: list[str] = []
        self.batched: list[str] = []

    def count_tokens(self, text: str) -> int:
        self.counted.append(text)
        return super().count_tokens(text)

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        self.batched.extend(texts)
        return [FakeEmbedder.count_tokens(self, t) for t in texts]


def test_an_update_counts_the_tokens_of_paragraphs_it_never_met_only(corpus: Path, tmp_path: Path) -> None:
    engine = open_engine(corpus, tmp_path / "index", Counting())
    model = engine.embedder
    assert isinstance(model, Counting)
    for n in ("four", "five"):
        model.counted.clear()
        (corpus / "parrot.md").write_text(PARROT.format(n=n), encoding="utf-8")
        new = updated(engine)
        assert new is not None
        engine = new
        # The unchanged paragraph's count was recorded by the build (chunk_tokens), and remembered since.
        assert model.counted == ["The lighthouse keeper's parrot speaks " + n + " languages."]
        assert model.batched == []


def test_an_index_without_recorded_counts_counts_a_touched_document_in_one_batch(corpus: Path, tmp_path: Path) -> None:
    engine = open_engine(corpus, tmp_path / "index", Counting())
    model = engine.embedder
    assert isinstance(model, Counting) and engine.stored.chunk_tokens is not None
    engine = engine.revised(replace(engine.stored, chunk_tokens=None))  # as a build by the previous release
    model.counted.clear()
    (corpus / "parrot.md").write_text(PARROT.format(n="six"), encoding="utf-8")
    assert updated(engine) is not None
    assert "It eats sunflower seeds at noon." in model.batched
    assert model.counted == ["The lighthouse keeper's parrot speaks six languages."]


def test_a_file_a_sidecar_moves_to_another_collection_leaves_one_and_joins_the_other(tmp_path: Path) -> None:
    (tmp_path / "docs" / "security").mkdir(parents=True)
    (tmp_path / "docs" / "office.txt").write_text("Visitors park in the north lot next to the office building.\n")
    (tmp_path / "docs" / "security" / "vault.txt").write_text("Security staff park in the basement bay.\n")
    (tmp_path / "docs" / "alarm.txt").write_text("The alarm code changes every Monday at dawn.\n")
    config = tmp_path / "quotebot.toml"
    config.write_text(
        '[collections.handbook]\npath = "docs"\n\n'
        '[collections.security]\npath = "docs/security"\nprivate = true\nchannels = [20]\nadopt_from = ["handbook"]\n'
    )
    collections = load_collections(config, tmp_path / "docs")
    library = open_library(collections, tmp_path / "index", embedder=FakeEmbedder())
    question = "When does the alarm code change?"
    assert "alarm" in library.answer(question, names=["handbook"]).passages[0].text

    (tmp_path / "docs" / "alarm.txt.meta.toml").write_text('collection = "security"\n')  # seen in handbook's folder
    new = update_library(library, ["handbook"])

    assert new is not None
    assert all("alarm" not in p.text for p in new.answer(question, 5, names=["handbook"]).passages)
    assert "alarm" in new.answer(question, names=["security"]).passages[0].text
    assert "alarm.txt" not in {s.doc_id for s in new.sources(["handbook"])}
