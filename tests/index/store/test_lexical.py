"""Tests for the BM25 index's word-level helpers."""

from __future__ import annotations

import bm25s
import pytest

from quotebot.index.store.lexical import LexicalIndex, tokenize

TEXTS = [
    "Resolution 73/266 was adopted by vote.",
    "Data security needs global rules.",
    "Nothing here is about voting or data.",
]


@pytest.fixture(scope="module")
def lexical() -> LexicalIndex:
    return LexicalIndex.build(TEXTS)


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        ("Which resolution was adopted by vote?", [0, 1, 2]),
        ("global data security rules", [2, 1, 0]),
        ("What about 73/266?", [0, 1]),
        ("unrelated zebra", [0, 1, 2]),
        ("", [0]),
    ],
)
def test_matched_counts_the_question_words_each_row_contains(
    lexical: LexicalIndex, question: str, rows: list[int]
) -> None:
    words = set(tokenize(question))
    expected = [len(words & set(tokenize(TEXTS[r]))) for r in rows]
    assert lexical.matched(words, rows).tolist() == expected


def test_matched_keeps_the_order_and_repeats_of_the_rows_asked(lexical: LexicalIndex) -> None:
    assert lexical.matched({"data"}, [2, 0, 2]).tolist() == [1, 0, 1]


@pytest.fixture(scope="module")
def retriever() -> bm25s.BM25:
    """bm25s's own index of the same texts: the previous release's lexical index, and the reference."""
    reference = bm25s.BM25()
    reference.index([tokenize(t) for t in TEXTS], show_progress=False)
    return reference


@pytest.mark.parametrize(
    "question",
    ["Which resolution was adopted by vote?", "data data security", "73/266", "unrelated zebra", "vote zebra vote"],
)
def test_scores_are_bm25s_own_scores(lexical: LexicalIndex, retriever: bm25s.BM25, question: str) -> None:
    stems = tokenize(question)
    ids = retriever.get_tokens_ids(stems)
    expected = retriever.get_scores(ids).tolist() if ids else [0.0] * len(TEXTS)  # bm25s refuses a query of none
    assert lexical.scores_of(stems).tolist() == pytest.approx(expected, rel=1e-6)
    assert lexical.scores(question).dtype.name == "float32"


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("数据安全", ["数据", "据安", "安全"]),
        ("安", ["安"]),
        ("GDI数据", ["gdi", "数据"]),
        ("ภาษาไทย", ["ภา", "าษ", "ษา", "าไ", "ไท", "ทย"]),
        ("2015年", ["2015", "年"]),
        ("What is the Global Initiative?", ["what", "global", "initi"]),  # English as before
    ],
)
def test_unspaced_scripts_are_read_as_character_pairs(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_a_chinese_question_finds_its_chinese_paragraph_by_pairs() -> None:
    index = LexicalIndex.build(["中国提出了全球数据安全倡议。", "疫情影响了今年的会议进程。"])
    scores = index.scores("全球数据安全倡议是什么？")
    assert scores[0] > 0 and scores[1] == 0
