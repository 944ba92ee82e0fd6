"""VectorStore: exact and approximate kinds behind one interface, files, scores, the size rule."""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np
import pytest

from quotebot.index import IndexCorruptError, QuotebotError
from quotebot.index.build import BuildOptions, build_index, open_engine
from quotebot.index.store.layout import load_index
from quotebot.index.store.vectors import INDEX_KINDS, VectorStore, index_params
from tests.fakes import FakeEmbedder

DIM = 48
QUESTIONS = [
    "Should ICT products and services providers install backdoors in their products?",
    "What does China oppose in cyberspace?",
    "Which resolution did China vote against?",
    "What should the United Nations do about information security?",
]


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def clustered() -> tuple[np.ndarray, np.ndarray]:
    """20,000 unit vectors in 300 overlapping clusters, and 200 queries drawn like them (not stored).

    The overlap is such that the shipped parameters pass and weak ones fail: measured recall@5 IVF
    nprobe 64: 0.989, nprobe 8: 0.927; HNSW ef_search 128: 0.999, ef_search 8: 0.867.
    """
    rng = np.random.default_rng(7)
    centers = rng.standard_normal((300, DIM))
    labels = rng.integers(0, 300, size=20_200)
    points = _unit(centers[labels] + 1.2 * rng.standard_normal((20_200, DIM)))
    return points[:20_000], points[20_000:]


@pytest.fixture(scope="module")
def stores(clustered: tuple[np.ndarray, np.ndarray]) -> dict[str, VectorStore]:
    vectors, _ = clustered
    return {kind: VectorStore.build(vectors, kind=kind) for kind in INDEX_KINDS}


def _top(store: VectorStore, queries: np.ndarray, k: int = 5) -> list[list[int]]:
    return [[h.id for h in store.search(q, k)] for q in queries]


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_approximate_kinds_recall_at_5_against_exact(
    stores: dict[str, VectorStore], clustered: tuple[np.ndarray, np.ndarray], kind: str
) -> None:
    _, queries = clustered
    exact, approximate = _top(stores["flat"], queries), _top(stores[kind], queries)
    recall = np.mean([len(set(a) & set(e)) / 5 for a, e in zip(approximate, exact, strict=True)])
    assert stores[kind].kind == kind
    assert recall >= 0.95


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_save_load_round_trip_keeps_kind_parameters_and_results(
    stores: dict[str, VectorStore], clustered: tuple[np.ndarray, np.ndarray], tmp_path: Path, kind: str
) -> None:
    _, queries = clustered
    store = stores[kind]
    store.save(tmp_path / "v.faiss")
    loaded = VectorStore.load(tmp_path / "v.faiss", DIM, kind)
    assert (loaded.kind, loaded.params, loaded.count) == (kind, store.params, store.count)
    for q in queries[:50]:
        assert loaded.search(q, 10) == store.search(q, 10)
    ids = [5, 19_999, 0, 5]
    assert loaded.scores(queries[0], ids).tolist() == store.scores(queries[0], ids).tolist()


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_search_parameters_come_back_from_the_parameter_file(
    clustered: tuple[np.ndarray, np.ndarray], tmp_path: Path, kind: str
) -> None:
    vectors, _ = clustered
    wanted = {"flat": {}, "ivf": {"nlist": 64, "nprobe": 3}, "hnsw": {"m": 16, "ef_search": 21}}[kind]
    store = VectorStore.build(vectors[:3000], kind=kind, params=wanted)
    assert wanted.items() <= store.params.items()
    store.save(tmp_path / "v.faiss")
    loaded = VectorStore.load(tmp_path / "v.faiss", DIM)
    assert loaded.params == store.params
    inner = faiss.downcast_index(loaded._index.index)
    if kind == "ivf":
        assert inner.nprobe == 3
    elif kind == "hnsw":
        assert inner.hnsw.efSearch == 21


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_scores_are_the_dot_products_of_any_ids(kind: str) -> None:
    rng = np.random.default_rng(3)
    vectors = _unit(rng.standard_normal((2000, DIM)))
    ids = 1_000 + 7 * rng.permutation(2000)  # neither 0..n-1 nor sorted
    store = VectorStore.build(vectors, ids, kind)
    query = _unit(rng.standard_normal((1, DIM)))[0]
    by_id = dict(zip(ids.tolist(), range(2000), strict=True))
    for asked in (ids[[5, 900, 3]].tolist(), ids[::-1].tolist(), [int(ids[4])] * 3 + [int(ids[0])], []):
        expected = [float(vectors[by_id[i]] @ query) for i in asked]
        assert store.scores(query, asked).tolist() == pytest.approx(expected, abs=1e-5)
    by_array, by_list = store.scores(query, ids[[7, 7, 1]]), store.scores(query, ids[[7, 7, 1]].tolist())
    assert by_array.dtype == np.float32 and by_array.tolist() == by_list.tolist()  # arrays too
    with pytest.raises(KeyError):
        store.scores(query, [999])


def test_scores_follow_later_adds_and_contiguous_ids() -> None:
    rng = np.random.default_rng(4)
    vectors = _unit(rng.standard_normal((3000, DIM)))
    query = vectors[0]
    for kind in INDEX_KINDS:
        store = VectorStore(DIM, kind)
        store.add(np.arange(2000, dtype=np.int64), vectors[:2000])
        assert store.scores(query, [1999]).tolist() == pytest.approx([float(vectors[1999] @ query)], abs=1e-5)
        # FAISS may move its array to grow it: what the first scores() kept of it must not be read again
        store.add(np.arange(2000, 3000, dtype=np.int64), vectors[2000:])  # an IVF index keeps its lists
        asked = [2999, 0, 1500, 2999]
        assert store.scores(query, asked).tolist() == pytest.approx((vectors[asked] @ query).tolist(), abs=1e-5)
        assert store.search(query, 1)[0].id == 0


def test_auto_store_decides_its_kind_on_the_first_add() -> None:
    store = VectorStore(DIM, "auto")
    assert store.kind == "auto" and store.count == 0 and store.search(np.ones(DIM, np.float32), 3) == []
    store.add(np.arange(10, dtype=np.int64), _unit(np.random.default_rng(1).standard_normal((10, DIM))))
    assert store.kind == "flat"
    with pytest.raises(ValueError, match="unknown index kind"):
        VectorStore(DIM, "lsh")


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_parameters_follow_the_size_of_the_first_add(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    import quotebot.index.store.sizing

    monkeypatch.setattr(quotebot.index.store.sizing, "_hnsw_ef_search", lambda n: n)  # make the size visible
    store = VectorStore(DIM, kind)
    assert store.params == {}
    store.add(np.arange(300, dtype=np.int64), _unit(np.random.default_rng(8).standard_normal((300, DIM))))
    assert store.params == index_params(kind, 300)
    if kind == "hnsw":
        assert store.params["ef_search"] == 300 and store._inner().hnsw.efSearch == 300


def test_an_empty_ivf_store_saves_loads_and_trains_on_its_first_add(tmp_path: Path) -> None:
    VectorStore(DIM, "ivf").save(tmp_path / "e.faiss")
    store = VectorStore.load(tmp_path / "e.faiss", DIM, "ivf")
    assert store.kind == "ivf" and store.count == 0
    vectors = _unit(np.random.default_rng(2).standard_normal((500, DIM)))
    store.add(np.arange(500, dtype=np.int64), vectors)
    assert store.search(vectors[7], 1)[0].id == 7


# --- damaged and mismatched files -----------------------------------------------------------


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    vectors = _unit(np.random.default_rng(5).standard_normal((400, DIM)))
    path = tmp_path / "v.faiss"
    VectorStore.build(vectors, kind="hnsw").save(path)
    return path


def _edit_params(path: Path, **changes: object) -> None:
    side = path.with_name(path.name + ".json")
    side.write_text(json.dumps({**json.loads(side.read_text()), **changes}))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "truncated|cannot be read"),
        (lambda p: p.write_bytes(p.read_bytes()[:100]), "truncated"),
        (lambda p: p.write_bytes(b"\x00" * 100_000), "cannot be read"),
        (lambda p: p.unlink(), "missing"),
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.with_name(p.name + ".json").write_text("{nope"), "parameter file"),
        (lambda p: p.with_name(p.name + ".json").write_text('{"kind": "flat"}'), "parameter file"),
        (lambda p: _edit_params(p, kind="flat"), "parameter file disagrees"),
        (lambda p: _edit_params(p, count=10), "parameter file disagrees"),
        (lambda p: _edit_params(p, dimension=DIM + 1), "dimension"),
        (lambda p: _edit_params(p, params={"ef_search": 0}), "parameter file"),
    ],
)
def test_a_damaged_file_raises_index_corrupt_error(saved: Path, damage, message: str) -> None:
    damage(saved)
    with pytest.raises(IndexCorruptError, match=message) as info:
        VectorStore.load(saved, DIM)
    assert "\n" not in str(info.value) and "quotebot build" in str(info.value)


def test_mismatched_dimension_kind_or_metric_raise_index_corrupt_error(saved: Path, tmp_path: Path) -> None:
    with pytest.raises(IndexCorruptError, match="dimension"):
        VectorStore.load(saved, DIM * 2)
    with pytest.raises(IndexCorruptError, match="manifest says flat"):
        VectorStore.load(saved, DIM, "flat")
    l2 = tmp_path / "l2.faiss"
    faiss.write_index(faiss.IndexIDMap2(faiss.IndexFlatL2(DIM)), str(l2))
    with pytest.raises(IndexCorruptError, match="known kind"):
        VectorStore.load(l2, DIM)


def test_an_index_written_before_parameter_files_loads_as_flat(tmp_path: Path) -> None:
    vectors = _unit(np.random.default_rng(6).standard_normal((50, DIM)))
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(DIM))
    index.add_with_ids(vectors, np.arange(50, dtype=np.int64))
    faiss.write_index(index, str(tmp_path / "old.faiss"))
    store = VectorStore.load(tmp_path / "old.faiss", DIM)
    assert store.kind == "flat" and store.count == 50 and store.search(vectors[3], 1)[0].id == 3


# --- the builder ------------------------------------------------------------------------------


def test_build_index_records_kinds_and_hnsw_answers_like_flat(seed_corpus: Path, tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    engines = {}
    for kind in ("flat", "hnsw", "ivf"):
        build_index(seed_corpus, tmp_path / kind, embedder, BuildOptions(index_type=kind))
        stored = load_index(tmp_path / kind)
        assert set(stored.manifest.index_types.values()) == {kind}
        assert stored.vectors.kind == stored.sentences.titled.kind == kind
        engines[kind] = open_engine(seed_corpus, tmp_path / kind, embedder, rebuild=False)
    for question in QUESTIONS:
        flat = engines["flat"].answer(question)
        for kind in ("hnsw", "ivf"):
            other = engines[kind].answer(question)
            assert [(p.start, p.end) for p in other.passages] == [(p.start, p.end) for p in flat.passages]
            assert other.confidence == flat.confidence


def test_auto_makes_only_the_searched_store_approximate(
    seed_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("quotebot.index.store.sizing.FLAT_MAX", 5)  # the seed's chunks and sentences are all "large"
    manifest = build_index(seed_corpus, tmp_path / "index", FakeEmbedder())
    assert manifest.index_types == {"vectors": "flat", "titled": "ivf", "sentences": "flat", "sentences_titled": "flat"}
    engine = open_engine(seed_corpus, tmp_path / "index", FakeEmbedder(), rebuild=False)
    assert engine.answer(QUESTIONS[0]).passages


def test_build_index_auto_picks_flat_for_a_small_corpus_and_refuses_unknown_kinds(
    seed_corpus: Path, tmp_path: Path
) -> None:
    manifest = build_index(seed_corpus, tmp_path / "index", FakeEmbedder())
    assert manifest.index_types == dict.fromkeys(("vectors", "titled", "sentences", "sentences_titled"), "flat")
    with pytest.raises(QuotebotError, match="unknown index type"):
        build_index(seed_corpus, tmp_path / "other", FakeEmbedder(), BuildOptions(index_type="annoy"))
