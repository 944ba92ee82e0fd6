"""Prompts: a model trained with "query: " / "passage: " (e5) gets them, on both backends; others embed as before.

all-MiniLM-L6-v2 (prompt-less) is copied into a folder whose config_sentence_transformers.json declares e5's
prompts, so the prompts path runs on weights the tests already have: its vectors must be the prompt-less model's
vectors of the prefixed texts, the ONNX export must keep the prompts and reproduce them, and the engine must embed
a question as a query and a passage as a passage. The default model, multilingual-e5-small, has those prompts.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from quotebot.index import DEFAULT_MODEL, Embedder
from quotebot.index.build import build_index, open_engine
from quotebot.index.embed.base import SentenceTransformerEmbedder, passage_prompt
from quotebot.index.embed.onnx.embedder import META_FILE, OnnxEmbedder
from quotebot.index.embed.onnx.folder import export_folder, export_loaded, model_folder
from tests.fakes import FakeEmbedder

PROMPTS = {"query": "query: ", "passage": "passage: "}
PLAIN = "all-MiniLM-L6-v2"  # a model without prompts
TEXTS = ["What should ICT providers not do?", "Providers should not install backdoors in their products."]


@pytest.mark.parametrize(
    ("prompts", "expected"),
    [({}, ""), ({"query": "q: "}, ""), ({"passage": "p: "}, "p: "), ({"document": "d: "}, "d: "),
     ({"document": "d: ", "passage": "p: "}, "p: ")],
)  # fmt: skip
def test_the_passage_prompt_is_passage_then_document(prompts: dict[str, str], expected: str) -> None:
    assert passage_prompt(prompts) == expected


class Recording(FakeEmbedder):
    """The fake model, noting which texts were embedded as questions and which as passages."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []
        self.passages: list[str] = []

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.passages.extend(texts)
        return super().embed_batch(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.queries.extend(texts)
        return super().embed_batch(texts)


def test_the_engine_embeds_questions_as_queries_and_passages_as_passages(seed_corpus: Path, tmp_path: Path) -> None:
    embedder = Recording()
    build_index(seed_corpus, tmp_path / "index", embedder=embedder)
    assert embedder.passages and not embedder.queries  # a build embeds passages only
    engine = open_engine(seed_corpus, tmp_path / "index", embedder=embedder)
    embedder.passages.clear()
    engine.answer("What should ICT providers not do?")
    assert "What should ICT providers not do?" in embedder.queries and embedder.passages == []


@pytest.fixture(scope="module")
def plain() -> Embedder:
    """all-MiniLM-L6-v2, which has no prompts."""
    return SentenceTransformerEmbedder(PLAIN)


@pytest.fixture(scope="module")
def prompted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the prompt-less model declaring e5's prompts."""
    source = model_folder(PLAIN)
    assert source is not None
    folder = tmp_path_factory.mktemp("prompted") / "model"
    shutil.copytree(source, folder)
    config = folder / "config_sentence_transformers.json"
    data = json.loads(config.read_text(encoding="utf-8")) if config.exists() else {}
    config.write_text(json.dumps({**data, "prompts": PROMPTS, "default_prompt_name": None}), encoding="utf-8")
    return folder


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


@pytest.mark.slow
def test_a_prompted_model_embeds_queries_and_passages_after_their_prompts(prompted: Path, plain: Embedder) -> None:
    model = SentenceTransformerEmbedder(str(prompted))
    assert model.prompts == PROMPTS
    as_query = plain.embed_batch([f"query: {t}" for t in TEXTS])
    as_passage = plain.embed_batch([f"passage: {t}" for t in TEXTS])
    assert cosines(model.embed_queries(TEXTS), as_query).min() > 0.9999
    assert cosines(model.embed_batch(TEXTS), as_passage).min() > 0.9999
    assert cosines(model.embed_batch(TEXTS), plain.embed_batch(TEXTS)).max() < 0.999  # the prompt counts


@pytest.mark.slow
def test_the_onnx_export_keeps_the_prompts_and_reproduces_both(prompted: Path, tmp_path: Path) -> None:
    model = SentenceTransformerEmbedder(str(prompted))
    target = export_loaded(model, prompted, export_folder(tmp_path, str(prompted)))
    assert json.loads((target / META_FILE).read_text(encoding="utf-8"))["prompts"] == PROMPTS
    onnx = OnnxEmbedder(target, name=str(prompted))
    assert cosines(onnx.embed_queries(TEXTS), model.embed_queries(TEXTS)).min() > 0.9999
    assert cosines(onnx.embed_batch(TEXTS), model.embed_batch(TEXTS)).min() > 0.9999


@pytest.mark.slow
def test_a_model_without_prompts_embeds_questions_as_before(plain: Embedder) -> None:
    assert np.array_equal(plain.embed_queries(TEXTS), plain.embed_batch(TEXTS))


@pytest.mark.slow
def test_the_default_model_has_e5s_prompts(real_embedder: SentenceTransformerEmbedder) -> None:
    assert real_embedder.name == DEFAULT_MODEL and PROMPTS.items() <= real_embedder.prompts.items()
