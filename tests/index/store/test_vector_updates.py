"""VectorStore.remove and compacted, for every kind: removed ids are gone from search, count, ids and files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from quotebot.index import IndexCorruptError
from quotebot.index.store.vectors import INDEX_KINDS, VectorStore

DIM = 32
N = 3000


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    """N unit vectors in 60 clusters, and 100 queries drawn like them."""
    rng = np.random.default_rng(11)
    centers = rng.standard_normal((60, DIM))
    points = _unit(centers[rng.integers(0, 60, size=N + 100)] + 0.9 * rng.standard_normal((N + 100, DIM)))
    return points[:N], points[N:]


@pytest.fixture(scope="module")
def removed() -> np.ndarray:
    return np.random.default_rng(12).choice(N, size=N // 5, replace=False)  # a fifth of the ids


def _exact(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    return ids[np.argsort(-(vectors @ query), kind="stable")[:k]].tolist()


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_removed_ids_leave_search_count_ids_and_scores(
    data: tuple[np.ndarray, np.ndarray], removed: np.ndarray, kind: str
) -> None:
    vectors, queries = data
    store = VectorStore.build(vectors, kind=kind)
    store.remove(removed)
    kept = np.setdiff1d(np.arange(N), removed)
    assert store.count == kept.size
    assert sorted(store.ids().tolist()) == kept.tolist()
    gone = set(removed.tolist())
    recall = []
    for query in queries:
        hits = [h.id for h in store.search(query, 10)]
        assert len(hits) == 10 and not gone & set(hits)
        recall.append(len(set(hits) & set(_exact(vectors[kept], kept, query, 10))) / 10)
    assert np.mean(recall) >= (1.0 if kind == "flat" else 0.9)
    with pytest.raises(KeyError):
        store.scores(queries[0], [int(kept[0]), int(removed[0])])
    asked = kept[[0, 5, 0]]
    np.testing.assert_allclose(store.scores(queries[0], asked), vectors[asked] @ queries[0], atol=1e-5)


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_an_unknown_or_removed_id_is_refused_and_nothing_is_removed(kind: str) -> None:
    vectors = _unit(np.random.default_rng(1).standard_normal((400, DIM)))
    store = VectorStore.build(vectors, kind=kind)
    store.remove([3])
    for bad in ([5, 999], [3], [-1]):
        with pytest.raises(KeyError):
            store.remove(bad)
    assert store.count == 399 and store.search(vectors[5], 1)[0].id == 5
    store.remove([])
    assert store.count == 399


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_save_load_keeps_removals_and_a_loaded_store_takes_adds(
    data: tuple[np.ndarray, np.ndarray], removed: np.ndarray, tmp_path: Path, kind: str
) -> None:
    vectors, queries = data
    store = VectorStore.build(vectors[:2000], kind=kind)
    store.remove(removed[removed < 2000])
    store.save(tmp_path / "v.faiss")
    loaded = VectorStore.load(tmp_path / "v.faiss", DIM, kind)
    assert (loaded.kind, loaded.params, loaded.count) == (kind, store.params, store.count)
    for query in queries[:30]:
        assert loaded.search(query, 10) == store.search(query, 10)
    new_ids = np.arange(10_000, 10_000 + 1000, dtype=np.int64)
    loaded.add(new_ids, vectors[2000:])
    assert loaded.count == store.count + 1000
    for i in (0, 500, 999):
        assert loaded.search(vectors[2000 + i], 1)[0].id == 10_000 + i
    assert loaded.scores(queries[0], [10_500]).tolist() == pytest.approx([float(vectors[2500] @ queries[0])], abs=1e-5)


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_compacted_holds_the_live_vectors_under_the_same_ids(
    data: tuple[np.ndarray, np.ndarray], removed: np.ndarray, kind: str
) -> None:
    vectors, queries = data
    store = VectorStore.build(vectors, kind=kind)
    assert store.compacted() is store  # nothing removed: nothing to do
    store.remove(removed)
    compact = store.compacted()
    assert (compact.kind, compact.params, compact.count) == (kind, store.params, store.count)
    assert compact.ids().tolist() == store.ids().tolist()
    asked = store.ids()[:50]
    np.testing.assert_allclose(compact.scores(queries[0], asked), store.scores(queries[0], asked), atol=1e-6)
    if kind != "hnsw":  # same vectors in the same lists; HNSW's graph is built again, as approximate as before
        for query in queries[:30]:
            assert [h.id for h in compact.search(query, 10)] == [h.id for h in store.search(query, 10)]
    compact.add(removed[:3], vectors[removed[:3]])  # the removed ids may come back now
    assert compact.search(vectors[removed[0]], 1)[0].id == removed[0]


@pytest.mark.parametrize(("kind", "readd"), [("flat", True), ("ivf", False), ("hnsw", False)])
def test_adding_a_removed_id_before_compaction(kind: str, readd: bool) -> None:
    vectors = _unit(np.random.default_rng(2).standard_normal((500, DIM)))
    store = VectorStore.build(vectors, kind=kind)
    store.remove([7])
    again = np.array([7], dtype=np.int64)
    if readd:  # a flat store dropped the vector: the id is free
        store.add(again, vectors[8:9])
        assert store.search(vectors[8], 2)[1].id in (7, 8)
    else:  # IVF and HNSW still hold the masked vector under that id
        with pytest.raises(ValueError, match="compacted"):
            store.add(again, vectors[8:9])


def _edit_params(path: Path, **changes: object) -> None:
    side = path.with_name(path.name + ".json")
    side.write_text(json.dumps({**json.loads(side.read_text()), **changes}))


@pytest.mark.parametrize(
    ("kind", "removed", "message"),
    [
        ("hnsw", [5000], "masks ids it does not hold"),
        ("flat", [3], "masks ids it does not hold"),  # a flat store drops vectors: never masks
        ("ivf", ["3"], "malformed parameter file"),
        ("hnsw", 3, "malformed parameter file"),
    ],
)
def test_a_damaged_removal_list_raises_index_corrupt_error(
    tmp_path: Path, kind: str, removed: object, message: str
) -> None:
    path = tmp_path / "v.faiss"
    VectorStore.build(_unit(np.random.default_rng(3).standard_normal((300, DIM))), kind=kind).save(path)
    _edit_params(path, removed=removed)
    with pytest.raises(IndexCorruptError, match=message):
        VectorStore.load(path, DIM)


def test_a_parameter_file_written_before_removals_loads(tmp_path: Path) -> None:
    path = tmp_path / "v.faiss"
    vectors = _unit(np.random.default_rng(4).standard_normal((300, DIM)))
    VectorStore.build(vectors, kind="hnsw").save(path)
    side = path.with_name(path.name + ".json")
    meta = json.loads(side.read_text())
    del meta["removed"]
    side.write_text(json.dumps(meta))
    store = VectorStore.load(path, DIM, "hnsw")
    assert store.count == 300 and store.search(vectors[9], 1)[0].id == 9
