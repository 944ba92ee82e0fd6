"""Where a question's words are found (passage, document), how much a passage can stand alone, numbers asked for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from quotebot.index.answer.terms import QUESTION_WORDS, Terms, number_missing, substance
from quotebot.index.build import build_index
from quotebot.index.store.layout import StoredIndex, load_index
from quotebot.index.store.lexical import tokenize
from tests.fakes import FakeEmbedder

ALPHA = """# Alpha client

Alpha sends requests over HTTP for you.

## Timeouts

Pass timeout=5 to give up after five seconds.
"""
BETA = """# Beta client

Beta is a client for message queues.

## Limits

Set the timeout parameter on each call to bound how long it waits.
"""


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> StoredIndex:
    root: Path = tmp_path_factory.mktemp("terms")
    (root / "corpus").mkdir()
    (root / "corpus" / "alpha.md").write_text(ALPHA, encoding="utf-8")
    (root / "corpus" / "beta.md").write_text(BETA, encoding="utf-8")
    build_index(root / "corpus", root / "index", FakeEmbedder(), cache=False)
    return load_index(root / "index")


def _row(stored: StoredIndex, words: str) -> int:
    return next(i for i, chunk in enumerate(stored.chunks) if words in chunk.text)


def test_a_name_found_only_in_another_document_counts_against_a_passage(stored: StoredIndex) -> None:
    alpha, beta = _row(stored, "timeout=5"), _row(stored, "timeout parameter")
    found = Terms(stored).coverage(tokenize("What timeout does Alpha use?"), np.array([alpha, beta]))
    # Beta's passage says "timeout" but neither it nor its document says "Alpha".
    assert found.document[0] == pytest.approx(1.0)
    assert found.document[1] < found.document[0]
    assert found.missing_document[0] == 0.0 and found.missing_document[1] > 0.0
    assert found.missing_passage[1] >= found.missing_document[1]


def test_a_word_the_corpus_never_uses_weighs_most(stored: StoredIndex) -> None:
    row = np.array([_row(stored, "timeout=5")])
    found = Terms(stored).coverage(tokenize("timeout zeppelin"), row)
    assert found.missing_passage[0] == pytest.approx(1.0)
    assert 0.0 < found.passage[0] < 0.5  # the unseen word carries more weight than the known one


def test_question_words_alone_cover_everything(stored: StoredIndex) -> None:
    rows = np.arange(len(stored.chunks))
    found = Terms(stored).coverage(tokenize("How do I do it, please?"), rows)
    assert (found.passage == 1.0).all() and (found.missing_document == 0.0).all()
    assert {"how", "pleas"} <= QUESTION_WORDS


@pytest.mark.parametrize(
    ("text", "stands_alone"),
    [
        ("Pass timeout=5 to give up after five seconds when the server does not answer.", True),
        ("- Reads XML files.\n- Writes HTML pages.", True),
        ("| Code | Meaning |\n| 0 | Success |\n| 2 | Usage error |\n| 3 | Config file missing |", True),
        ("| Code |\n| 0 |", False),
        ("Proceedings of the Annual Meeting, Melbourne, Australia, 1996.", False),
        ("Figure 3", False),
        ("Installation On Windows And Mac", False),
    ],
)
def test_substance_tells_an_answer_from_a_fragment(text: str, stands_alone: bool) -> None:
    assert (substance(text) >= 0.6) is stands_alone


@pytest.mark.parametrize(
    ("question", "passage", "missing"),
    [
        ("How many retries does it make?", "It retries until the server answers.", 1.0),
        ("How many retries does it make?", "It retries 3 times.", 0.0),
        ("How many retries does it make?", "It retries three times.", 0.0),
        ("Which version added streaming?", "Streaming was added in 2.1.", 0.0),
        ("Why does it retry?", "It retries until the server answers.", 0.0),
        ("How many PBKDF2 iterations are advised?", "Call pbkdf2 with a bfloat16 key.", 1.0),
        ("Which version added streaming?", "Streaming came with v2.", 0.0),
    ],
)
def test_a_passage_without_the_number_asked_for_is_flagged(question: str, passage: str, missing: float) -> None:
    assert number_missing(question, passage) == missing


def test_the_per_chunk_values_match_the_plain_functions_and_repeat(stored: StoredIndex) -> None:
    terms = Terms(stored)
    rows = np.array([2, 0, 2, 1, 0])[: len(stored.chunks) + 2] % len(stored.chunks)
    texts = [stored.chunks[row].text for row in rows.tolist()]
    for question in ("How many seconds does Alpha wait?", "Why does Beta wait?"):
        expected = [number_missing(question, text) for text in texts]
        assert terms.number_missing(question, rows).tolist() == expected
        assert terms.number_missing(question, rows).tolist() == expected  # from the per-chunk memory
    assert terms.substance(rows).tolist() == [substance(text) for text in texts]
    assert terms.substance(rows).tolist() == [substance(text) for text in texts]


def test_a_long_passage_has_full_substance_whatever_its_capitals() -> None:
    assert substance(" ".join(["Word"] * 40)) == 1.0
    assert substance(" ".join(["Word"] * 39)) < 1.0
