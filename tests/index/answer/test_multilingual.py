"""The second model: built beside the first, read back, routed to by the question's language."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from quotebot.index import BuildOptions, Embedder, MultilingualEmbedder, StaleIndexError
from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.build import build_index, check_index, open_engine
from quotebot.index.store.layout import load_index
from tests.fakes import SEED, FakeEmbedder, FakeMultilingualEmbedder

CHINESE = "数据安全倡议\n\n中国提出了《全球数据安全倡议》。\n\n疫情影响了今年的会议进程。\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    (folder / "shuju.txt").write_text(CHINESE, encoding="utf-8")
    return folder


def test_the_second_models_vectors_are_built_and_read_back(corpus: Path, tmp_path: Path) -> None:
    second = FakeMultilingualEmbedder()
    manifest = build_index(corpus, tmp_path / "index", FakeEmbedder(), BuildOptions(multilingual=second))
    stored = load_index(tmp_path / "index")
    assert manifest.multilingual == "fake-multilingual" and manifest.multilingual_dimension == 48
    assert stored.multilingual is not None
    assert stored.multilingual.chunks.count == len(stored.chunks)
    assert stored.multilingual.sentences.count == stored.sentences.owners.size
    assert "数据安全倡议\n中国提出了《全球数据安全倡议》。" in second.texts  # a chunk is read under its title


def test_an_index_without_them_is_stale_for_settings_that_ask_for_them(corpus: Path, tmp_path: Path) -> None:
    build_index(corpus, tmp_path / "index", FakeEmbedder())
    options = BuildOptions(multilingual=FakeMultilingualEmbedder())
    reason = check_index(corpus, tmp_path / "index", model="fake-bow", options=options)
    assert reason is not None and "multilingual" in reason
    with pytest.raises(StaleIndexError, match="multilingual"):
        open_engine(corpus, tmp_path / "index", FakeEmbedder(), options, rebuild=False)
    assert check_index(corpus, tmp_path / "index", model="fake-bow") is None  # English only: still current


@pytest.mark.parametrize(
    ("question", "multilingual"),
    [
        ("What is the Global Initiative on Data Security?", False),
        ("全球数据安全倡议是什么？", True),
        ("¿Qué es la Iniciativa Global sobre Seguridad de los Datos?", True),
    ],
)
def test_a_question_is_ranked_by_the_model_that_reads_its_language(
    corpus: Path, tmp_path: Path, question: str, multilingual: bool
) -> None:
    second = FakeMultilingualEmbedder()
    engine = open_engine(corpus, tmp_path / "index", FakeEmbedder(), BuildOptions(multilingual=second))
    second.texts.clear()
    ranked = engine.rank(question)
    assert ranked and all(r.multilingual is multilingual for r in ranked)
    assert (question in second.texts) is multilingual  # the English model alone reads an English question


def test_a_chinese_question_quotes_the_chinese_document_verbatim(corpus: Path, tmp_path: Path) -> None:
    engine = open_engine(
        corpus, tmp_path / "index", FakeEmbedder(), BuildOptions(multilingual=FakeMultilingualEmbedder())
    )
    answer = engine.answer("全球数据安全倡议")
    first = answer.passages[0]
    assert first.text == "中国提出了《全球数据安全倡议》。"
    assert CHINESE[first.start : first.end] == first.text
    assert first.highlight is not None


def test_without_a_second_model_every_question_takes_the_english_path(corpus: Path, tmp_path: Path) -> None:
    engine = open_engine(corpus, tmp_path / "index", FakeEmbedder())
    assert not engine.routes_multilingual("全球数据安全倡议是什么？")
    assert all(not r.multilingual for r in engine.rank("全球数据安全倡议是什么？"))


@pytest.fixture(scope="module")
def real_engine(real_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> tuple[QuoteEngine, QuoteEngine]:
    """The seed statement and a Chinese page, as two corpora, indexed with both real models."""
    root = tmp_path_factory.mktemp("multilingual")
    for name in ("en", "zh"):
        (root / name).mkdir()
    shutil.copy(SEED, root / "en" / SEED.name)
    (root / "zh" / "shuju.txt").write_text(CHINESE, encoding="utf-8")
    options = BuildOptions(multilingual=MultilingualEmbedder())
    english = open_engine(root / "en", root / "en-index", real_embedder, options)
    return english, open_engine(root / "zh", root / "zh-index", real_embedder, options)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("中国对信息通信技术产品的后门有什么立场？", "backdoors"),  # Chinese question, English passage
        ("¿Qué dijo China sobre la pandemia y los procesos del OEWG y el GGE?", "pandemic"),
        ("Что Китай говорит о резолюции 73/266?", "73/266"),
        ("全球数据安全倡议是什么？", "全球数据安全倡议"),  # Chinese question, Chinese passage
        ("What initiative on data security did China put forward?", "全球数据安全倡议"),  # English, Chinese passage
    ],
)
def test_a_question_in_another_language_quotes_the_passage_verbatim(
    real_engine: tuple[QuoteEngine, QuoteEngine], question: str, words: str
) -> None:
    engine = real_engine[1] if any("\u4e00" <= c <= "\u9fff" for c in words) else real_engine[0]
    answer = engine.answer(question)
    first = answer.passages[0]
    assert words in first.text
    assert first.source.read_text(encoding="utf-8")[first.start : first.end] == first.text


@pytest.mark.slow
def test_an_english_question_keeps_the_english_path(real_engine: tuple[QuoteEngine, QuoteEngine]) -> None:
    english = real_engine[0]
    ranked = english.rank("What should ICT products and services providers not install?")
    assert not ranked[0].multilingual
    assert "backdoors" in english.stored.chunks[ranked[0].row].text
