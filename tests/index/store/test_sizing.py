from __future__ import annotations

import pytest

from quotebot.index.store.sizing import FLAT_MAX, check_kind, choose_index_type, index_params


@pytest.mark.parametrize(
    ("n", "kind"),
    [(0, "flat"), (10_000, "flat"), (30_000, "flat"), (30_001, "ivf"), (200_000, "ivf"), (1_000_000, "ivf")],
)
def test_choose_index_type_by_size(n: int, kind: str) -> None:
    assert FLAT_MAX == 30_000
    assert choose_index_type(n) == kind


@pytest.mark.parametrize(
    ("kind", "n", "overrides", "expected"),
    [
        ("flat", 1_000_000, None, {}),
        ("ivf", 1_000_000, None, {"nlist": 4096, "nprobe": 64}),
        ("ivf", 100_000, None, {"nlist": 1024, "nprobe": 64}),
        ("ivf", 5_000, {"nprobe": 3}, {"nlist": 128, "nprobe": 3}),  # at least 39 vectors a list
        ("ivf", 50, None, {"nlist": 1, "nprobe": 1}),
        ("hnsw", 1_000_000, None, {"m": 32, "ef_construction": 200, "ef_search": 384}),
        ("hnsw", 200_000, {"ef_search": 64, "unknown": 9}, {"m": 32, "ef_construction": 200, "ef_search": 64}),
    ],
)
def test_index_params_by_kind_and_size(
    kind: str, n: int, overrides: dict[str, int] | None, expected: dict[str, int]
) -> None:
    assert index_params(kind, n, overrides) == expected


@pytest.mark.parametrize("kind", ["lsh", "", "Flat"])
def test_unknown_kinds_are_refused(kind: str) -> None:
    with pytest.raises(ValueError, match="unknown index kind"):
        check_kind(kind)
    with pytest.raises(ValueError, match="unknown index kind"):
        index_params(kind, 10)
