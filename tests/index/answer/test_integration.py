"""The real model and real FAISS on the seed document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quotebot.index import Embedder
from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.build import build_index, open_engine
from tests.fakes import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine(real_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> QuoteEngine:
    index = tmp_path_factory.mktemp("seed-index")
    build_index(ROOT / "corpus", index, real_embedder)
    return open_engine(ROOT / "corpus", index, real_embedder, rebuild=False)


@pytest.mark.parametrize(
    ("question", "paragraph"),
    [
        ("Which companies should not build backdoors into their products?", 2),
        ("Why did China oppose bringing back the GGE under resolution 73/266?", 6),
        ("Why were this year's UN cyber processes delayed?", 4),
        ("What should be the starting point of future UN talks, according to China?", 7),
        ("Does Beijing back the Russian draft resolution?", 11),
        ("At which forums is China ready to discuss its data initiative?", 3),
    ],
)
def test_paraphrased_questions_land_on_the_right_paragraph(engine: QuoteEngine, question: str, paragraph: int) -> None:
    answer = engine.answer(question, top_k=3)
    assert answer.answered
    best = answer.passages[0]
    assert best.paragraph <= paragraph <= best.last_paragraph


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of Australia?",
        "How do I bake sourdough bread?",
        "Who won the 2018 FIFA World Cup?",
        "How big can GDPR fines get?",
    ],
)
def test_out_of_domain_questions_are_unanswered(engine: QuoteEngine, question: str) -> None:
    assert not engine.answer(question).answered


def test_every_passage_is_verbatim(engine: QuoteEngine) -> None:
    questions = [json.loads(line)["question"] for line in (ROOT / "tests/data/seed_questions.jsonl").open()]
    for question in questions[::5]:
        for passage in engine.answer(question, top_k=5).passages:
            text = Path(passage.source).read_text(encoding="utf-8")
            assert text[passage.start : passage.end] == passage.text
