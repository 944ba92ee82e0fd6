"""LexicalIndex updates: rows added and removed score as a fresh build of the live texts; files, old and new."""

from __future__ import annotations

import json
import random
from pathlib import Path

import bm25s
import numpy as np
import pytest

from quotebot.index import IndexCorruptError
from quotebot.index.store.lexical import LexicalIndex, tokenize

_VOCABULARY = (  # stems sharing a start ("russia", "russian"), names, numbers, unspaced script, stop words
    "data security china vote resolution global rules nation state cyber attack peace treaty law "
    "russia russian russians united nations council 73/266 covid-19 v2.1 2015年 数据安全 the of and is "
    "information initiative backdoor products providers committee assembly general"
)
WORDS = _VOCABULARY.split()
QUESTIONS = [
    "Which resolution did China vote against?",
    "data data security",
    "Russia and the Russians",
    "73/266 covid-19",
    "数据安全",
    "zebra",
    "the",
    "What about Committee rules and Nations?",
]


def _texts(rng: random.Random, n: int, longest: int = 40) -> list[str]:
    """Return n texts of 0..longest random words (empty texts and repeated words included)."""
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, longest))) for _ in range(n)]


class Live:
    """What an updated index should hold: the live texts by row id, in row order."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = dict(enumerate(texts))

    def add(self, rows: np.ndarray, texts: list[str]) -> None:
        self.texts.update(zip(rows.tolist(), texts, strict=True))

    def remove(self, rows: list[int]) -> None:
        for row in rows:
            self.texts.pop(row, None)

    @property
    def rows(self) -> np.ndarray:
        return np.array(sorted(self.texts), dtype=np.int64)


def _assert_as_fresh(updated: LexicalIndex, live: Live) -> None:
    """Check every public reading of the updated index against a fresh build of its live texts."""
    rows = live.rows
    fresh = LexicalIndex.build([live.texts[r] for r in rows.tolist()])
    assert (updated.live, fresh.count) == (rows.size, rows.size)
    assert updated.live_rows().tolist() == rows.tolist()
    removed = np.setdiff1d(np.arange(updated.count), rows)
    for question in QUESTIONS:
        stems = tokenize(question)
        scores = updated.scores_of(stems)
        assert scores.shape == (updated.count,) and scores.dtype == np.float32
        np.testing.assert_allclose(scores[rows], fresh.scores_of(stems), rtol=1e-6, atol=0)
        assert not scores[removed].any()
        assert updated.matched(set(stems), rows).tolist() == fresh.matched(set(stems), np.arange(rows.size)).tolist()
        assert not updated.matched(set(stems), removed).any()
        for stem in stems:
            assert rows[fresh.rows_of(stem)].tolist() == updated.rows_of(stem).tolist()
        assert updated.unknown_words(question) == fresh.unknown_words(question)
        assert updated.unknown_names(question) == fresh.unknown_names(question)


def _step(index: LexicalIndex, live: Live, rng: random.Random, tmp_path: Path) -> LexicalIndex:
    """Apply one random change (add, remove, both, compaction or a save/load) and return the index."""
    action = rng.choice(["add", "remove", "remove", "edit", "compact", "files"])
    if action in ("remove", "edit") and live.texts:
        gone = rng.sample(sorted(live.texts), k=min(len(live.texts), rng.randint(1, 4)))
        index.remove(gone)
        live.remove(gone)
    if action in ("add", "edit"):
        texts = _texts(rng, rng.randint(0, 5))
        live.add(index.add(texts), texts)
    if action == "compact":
        index = index.compacted()
        assert index.pending == 0
    if action == "files":
        index.save(tmp_path / "step")
        index = LexicalIndex.load(tmp_path / "step", index.count)
    return index


@pytest.mark.parametrize(("seed", "start", "steps"), [(0, 12, 25), (1, 0, 20), (2, 40, 30), (3, 3, 40), (4, 25, 25)])
def test_any_sequence_of_updates_scores_as_a_fresh_build_of_the_live_texts(
    tmp_path: Path, seed: int, start: int, steps: int
) -> None:
    rng = random.Random(seed)
    texts = _texts(rng, start)
    index, live = LexicalIndex.build(texts), Live(texts)
    for _ in range(steps):
        index = _step(index, live, rng, tmp_path)
        _assert_as_fresh(index, live)


@pytest.mark.parametrize(
    ("removed", "added"),
    [
        ([], ["china vote"]),
        ([0], []),
        ([0, 1, 2, 3], ["russian data", ""]),  # every row of the first build gone
        ([2, 2, 2], ["数据安全 73/266"]),  # repeats count once
        ([1, 3], ["", "", ""]),  # texts without a word
    ],
)
def test_a_change_touches_only_its_rows(removed: list[int], added: list[str]) -> None:
    texts = ["China voted against 73/266.", "Data security rules", "Russian data", "the global initiative"]
    index, live = LexicalIndex.build(texts), Live(texts)
    index.remove(removed)
    live.remove(removed)
    rows = index.add(added)
    live.add(rows, added)
    assert rows.tolist() == list(range(4, 4 + len(added)))  # appended: row ids are never reused
    assert index.count == 4 + len(added)
    _assert_as_fresh(index, live)


def test_removing_twice_is_harmless_and_unknown_rows_are_refused() -> None:
    index = LexicalIndex.build(["a data row", "a china row"])
    index.remove([1])
    index.remove([1])
    assert (index.count, index.live) == (2, 1)
    with pytest.raises(IndexError):
        index.remove([2])
    with pytest.raises(IndexError):
        index.remove([-1])


def test_a_word_held_only_by_removed_rows_is_unknown_again() -> None:
    index = LexicalIndex.build(["Russian diplomats met.", "Data security rules."])
    assert index.unknown_names("Did Russia vote?") == []  # "russia" starts the indexed "russian"
    index.remove([0])
    assert index.unknown_names("Did Russia vote?") == ["Russia"]
    assert index.unknown_words("russian diplomats") == ["diplomat", "russian"]
    index.add(["The Russian delegation."])
    assert index.unknown_names("Did Russia vote?") == []
    assert index.unknown_words("russian diplomats") == ["diplomat"]


def test_subset_renumbers_the_live_rows_as_a_fresh_build() -> None:
    rng = random.Random(9)
    index = LexicalIndex.build(_texts(rng, 30))
    index.remove([0, 7, 29])
    extra = _texts(rng, 5)
    index.add(extra)
    kept = index.live_rows()
    subset = index.subset(kept)
    assert (subset.count, subset.live, subset.pending) == (kept.size, kept.size, 0)
    for question in QUESTIONS:
        np.testing.assert_array_equal(subset.scores(question), index.scores(question)[kept])
    for bad in ([7], [3, 2], [5, 5], [index.count]):
        with pytest.raises(ValueError):
            index.subset(bad)


def test_an_empty_index_takes_rows() -> None:
    index = LexicalIndex.build([])
    assert index.count == 0 and index.scores("data").size == 0 and index.unknown_words("data") == ["data"]
    live = Live([])
    live.add(index.add(["data security", "china"]), ["data security", "china"])
    _assert_as_fresh(index, live)


# --- files --------------------------------------------------------------------------------------


def test_save_and_load_keep_removed_rows_and_pending_additions(tmp_path: Path) -> None:
    rng = random.Random(5)
    texts = _texts(rng, 20)
    index, live = LexicalIndex.build(texts), Live(texts)
    index.remove([3, 4])
    live.remove([3, 4])
    added = _texts(rng, 3)
    live.add(index.add(added), added)
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical", 23)
    assert (loaded.count, loaded.live, loaded.pending) == (23, 21, 0)
    _assert_as_fresh(loaded, live)
    live.add(loaded.add(["data china"]), ["data china"])  # a loaded index takes rows too
    _assert_as_fresh(loaded, live)
    with pytest.raises(IndexCorruptError, match="does not match the chunk table"):
        LexicalIndex.load(tmp_path / "lexical", 21)


def _edit_meta(folder: Path, **changes: object) -> None:
    path = folder / "lexical.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


@pytest.mark.parametrize(
    "damage",
    [
        lambda f: (f / "postings.npz").unlink(),
        lambda f: (f / "postings.npz").write_bytes(b"\x00" * 100),
        lambda f: (f / "lexical.json").write_text("{nope"),
        lambda f: _edit_meta(f, version=99),
        lambda f: _edit_meta(f, k1=1.2),
        lambda f: _edit_meta(f, count=99),
        lambda f: _edit_meta(f, stems=["data"]),
        lambda f: _edit_meta(f, stems=["data"] * 20),
    ],
)
def test_a_damaged_folder_raises_index_corrupt_error(tmp_path: Path, damage) -> None:
    folder = tmp_path / "lexical"
    index = LexicalIndex.build(["china data", "data security rules", "russian"])
    index.remove([0])
    index.save(folder)
    damage(folder)
    with pytest.raises(IndexCorruptError, match="quotebot build") as info:
        LexicalIndex.load(folder, 3)
    assert "\n" not in str(info.value)


# --- the previous release: bm25s --------------------------------------------------------------


def _bm25s(texts: list[str]) -> bm25s.BM25:
    retriever = bm25s.BM25()
    retriever.index([tokenize(t) for t in texts], show_progress=False)
    return retriever


def _before(retriever: bm25s.BM25, stems: list[str]) -> np.ndarray:
    """Score as the previous release did: bm25s's precomputed scores summed by one bincount."""
    vocab, scores = retriever.vocab_dict, retriever.scores
    spans = [(scores["indptr"][vocab[s]], scores["indptr"][vocab[s] + 1]) for s in stems if s in vocab]
    rows = np.concatenate([scores["indices"][a:b] for a, b in spans] or [np.zeros(0, np.int64)])
    weights = np.concatenate([scores["data"][a:b] for a, b in spans] or [np.zeros(0, np.float32)])
    return np.bincount(rows, weights=weights, minlength=scores["num_docs"]).astype(np.float32)


@pytest.mark.parametrize(("seed", "n", "longest"), [(0, 50, 40), (1, 300, 12), (2, 7, 400), (3, 200, 80)])
def test_scores_equal_the_previous_release_to_the_bit(seed: int, n: int, longest: int) -> None:
    texts = _texts(random.Random(seed), n, longest)
    index, retriever = LexicalIndex.build(texts), _bm25s(texts)
    for question in QUESTIONS:
        stems = tokenize(question)
        np.testing.assert_array_equal(index.scores_of(stems), _before(retriever, stems))


@pytest.mark.parametrize(("seed", "n", "longest"), [(0, 50, 40), (1, 300, 12), (2, 7, 400), (3, 1, 3)])
def test_an_index_saved_by_the_previous_release_loads_and_updates(
    tmp_path: Path, seed: int, n: int, longest: int
) -> None:
    rng = random.Random(seed)
    texts = _texts(rng, n, longest)
    texts[0] = "china china china china china china china china china data"  # a word repeated in a short text
    _bm25s(texts).save(str(tmp_path / "old"), show_progress=False)
    loaded, live = LexicalIndex.load(tmp_path / "old", n), Live(texts)
    _assert_as_fresh(loaded, live)
    loaded.remove([0])
    live.remove([0])
    added = _texts(rng, 4, longest)
    live.add(loaded.add(added), added)
    _assert_as_fresh(loaded, live)


@pytest.mark.parametrize(
    ("file", "damage"),
    [
        ("data.csc.index.npy", lambda d: d * 1.01),  # scores no term counts explain
        ("data.csc.index.npy", lambda d: d[:-1]),
        ("indices.csc.index.npy", lambda d: d + 1000),
    ],
)
def test_a_previous_release_index_that_does_not_add_up_raises_index_corrupt_error(
    tmp_path: Path, file: str, damage
) -> None:
    _bm25s(_texts(random.Random(0), 30)).save(str(tmp_path / "old"), show_progress=False)
    path = tmp_path / "old" / file
    np.save(path, damage(np.load(path)))
    with pytest.raises(IndexCorruptError, match="cannot be read: run `quotebot build`"):
        LexicalIndex.load(tmp_path / "old", 30)
