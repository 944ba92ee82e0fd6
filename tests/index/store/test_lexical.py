"""Tests for the BM25 index's word-level helpers."""

from __future__ import annotations

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


@pytest.mark.parametrize(
    "question",
    ["Which resolution was adopted by vote?", "data data security", "73/266", "unrelated zebra", "vote zebra vote"],
)
def test_scores_are_bm25s_own_scores(lexical: LexicalIndex, question: str) -> None:
    stems = tokenize(question)
    retriever = lexical._retriever
    ids = retriever.get_tokens_ids(stems)
    expected = retriever.get_scores(ids).tolist() if ids else [0.0] * len(TEXTS)  # bm25s refuses a query of none
    assert lexical.scores_of(stems).tolist() == pytest.approx(expected, rel=1e-6)
    assert lexical.scores(question).dtype.name == "float32"
