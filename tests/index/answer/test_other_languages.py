"""Questions in other languages: one model reads them all, ranked by its ranking's `foreign` part, quoted verbatim."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from quotebot.index import DEFAULT_MODEL, Embedder
from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.build import open_engine
from tests.fakes import SEED, FakeEmbedder

CHINESE = "数据安全倡议\n\n中国提出了《全球数据安全倡议》。\n\n疫情影响了今年的会议进程。\n"


class OneModel(FakeEmbedder):
    """The fake under the default model's name: its index ranks by the shipped ranking, foreign part included."""

    name = DEFAULT_MODEL


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    (folder / "shuju.txt").write_text(CHINESE, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("question", "foreign"),
    [
        ("What is the Global Initiative on Data Security?", False),
        ("全球数据安全倡议是什么？", True),
        ("¿Qué es la Iniciativa Global sobre Seguridad de los Datos?", True),
    ],
)
def test_a_question_is_ranked_by_the_part_of_the_ranking_fitted_for_its_language(
    corpus: Path, tmp_path: Path, question: str, foreign: bool
) -> None:
    model = OneModel()
    engine = open_engine(corpus, tmp_path / "index", model)
    assert engine.ranking.foreign is not None and engine.routes_foreign(question) is foreign
    ranked = engine.rank(question)
    assert ranked and all(r.foreign is foreign for r in ranked)
    assert engine.ranking_for(foreign) is (engine.ranking.foreign if foreign else engine.ranking)


def test_a_chinese_question_quotes_the_chinese_document_verbatim(corpus: Path, tmp_path: Path) -> None:
    engine = open_engine(corpus, tmp_path / "index", FakeEmbedder())
    answer = engine.answer("全球数据安全倡议")
    first = answer.passages[0]
    assert first.text == "中国提出了《全球数据安全倡议》。"
    assert CHINESE[first.start : first.end] == first.text
    assert first.highlight is not None


def test_without_a_foreign_ranking_every_question_takes_the_english_path(corpus: Path, tmp_path: Path) -> None:
    engine = open_engine(corpus, tmp_path / "index", FakeEmbedder())  # all-MiniLM-L6-v2's ranking: no foreign part
    assert engine.ranking.foreign is None
    assert not engine.routes_foreign("全球数据安全倡议是什么？")
    assert all(not r.foreign for r in engine.rank("全球数据安全倡议是什么？"))


@pytest.fixture(scope="module")
def real_engine(real_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> tuple[QuoteEngine, QuoteEngine]:
    """The seed statement and a Chinese page, as two corpora, indexed with the real model."""
    root = tmp_path_factory.mktemp("other-languages")
    for name in ("en", "zh"):
        (root / name).mkdir()
    shutil.copy(SEED, root / "en" / SEED.name)
    (root / "zh" / "shuju.txt").write_text(CHINESE, encoding="utf-8")
    english = open_engine(root / "en", root / "en-index", real_embedder)
    return english, open_engine(root / "zh", root / "zh-index", real_embedder)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "words", "within"),
    [
        # Chinese question, English passage: multilingual-e5-small ranks ¶ 6 first and the backdoor paragraph
        # second (USE multilingual v3, removed in issue 26, ranked it first; asked "中国对信息通信技术产品的后门有什么
        # 立场？", e5 ranks it fourth, below the three passages quoted).
        ("中国认为信息通信技术产品不应该安装什么？", "backdoors", 3),
        ("¿Qué dijo China sobre la pandemia y los procesos del OEWG y el GGE?", "pandemic", 1),
        ("Что Китай говорит о резолюции 73/266?", "73/266", 1),
        ("全球数据安全倡议是什么？", "全球数据安全倡议", 1),  # Chinese question, Chinese passage
        ("What initiative on data security did China put forward?", "全球数据安全倡议", 1),  # English, Chinese passage
    ],
)
def test_a_question_in_another_language_quotes_the_passage_verbatim(
    real_engine: tuple[QuoteEngine, QuoteEngine], question: str, words: str, within: int
) -> None:
    engine = real_engine[1] if any("\u4e00" <= c <= "\u9fff" for c in words) else real_engine[0]
    answer = engine.answer(question)
    assert any(words in p.text for p in answer.passages[:within])
    for passage in answer.passages:
        assert passage.source.read_text(encoding="utf-8")[passage.start : passage.end] == passage.text


@pytest.mark.slow
def test_an_english_question_keeps_the_english_path(real_engine: tuple[QuoteEngine, QuoteEngine]) -> None:
    english = real_engine[0]
    ranked = english.rank("What should ICT products and services providers not install?")
    assert not ranked[0].foreign
    assert "backdoors" in english.stored.chunks[ranked[0].row].text
