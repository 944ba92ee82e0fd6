"""Scale benchmark: exact vs approximate vector search over up to a million realistic passages.

    python scripts/bench_scale.py                  # 1,000,000 passages (several minutes per index kind)
    python scripts/bench_scale.py --n 100000
    python scripts/bench_scale.py --sizes 10000,50000,100000,200000   # exact-search sweep + ivf/hnsw
    python scripts/bench_scale.py --prepare        # only embed (and cache) the real sentences and questions

Vectors are realistic, not random. Embedding a million passages with the model would take hours on
2 CPU cores, so:

1. Real sentences: the SQuAD v1.1 dev paragraphs (read in place from ../shared/eval/squad11_dev,
   never copied) and corpus/*.txt, cut with `index.text.split_sentences`. Each is embedded once with
   the shipped model; vectors are cached under .quotebot/bench/ by a hash of model + texts.
2. Synthetic passages: 2-4 distinct sentences drawn from one document (one SQuAD article), as a real
   paragraph stays on one topic. Its vector is the normalised mean of its sentences' vectors. How
   close that is to embedding the concatenated text is measured on a few thousand of them
   (`mean_cosine` in the output).
3. Queries: real questions, embedded. 1,000 held-out ones from queries.jsonl for every figure; the
   search parameters of `index.store` were chosen on other questions (queries_all.jsonl minus
   queries.jsonl, `--tune`), so the figures are not fitted to the questions they report.

Each index kind is built and measured in its own child process, so each peak memory (VmHWM; see
`_peak_mb` for why not ru_maxrss) is that kind's alone: the n input vectors (n x 384 float32 =
1.5 GB at 1M), the index built from them, and the queries. The index is then saved, the input
freed, and the index loaded back: `serving_rss_mb` is what a process answering from it holds.
Search latency is one query at a time through `VectorStore.search` (k=5, FAISS on one thread), as
the engine asks; recall@5 is against exact (flat) search over the same vectors.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from quotebot.index.embed.base import Embedder
from quotebot.index.store.vectors import INDEX_KINDS, VectorStore, choose_index_type
from quotebot.index.text import split_sentences

ROOT = Path(__file__).resolve().parents[1]

SQUAD = ROOT.parent / "shared" / "eval" / "squad11_dev"
CACHE = ROOT / ".quotebot" / "bench"
K = 5
Matrix = npt.NDArray[np.float32]


# --- real text --------------------------------------------------------------------------------


def real_sentences() -> list[tuple[str, str]]:
    """Return (document, sentence) for every distinct sentence of SQuAD dev and corpus/*.txt."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []

    def keep(doc: str, paragraph: str) -> None:
        for s, e in split_sentences(paragraph):
            sentence = " ".join(paragraph[s:e].split())
            if len(sentence) >= 20 and sentence not in seen:
                seen.add(sentence)
                out.append((doc, sentence))

    with (SQUAD / "corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            keep("squad:" + record["title"], record["text"])
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        for paragraph in path.read_text(encoding="utf-8").split("\n"):
            keep("corpus:" + path.name, paragraph)
    return out


def questions() -> tuple[list[str], list[str]]:
    """Return (held-out, tune) questions: 1,000 of queries.jsonl, and 500 others of queries_all.jsonl."""

    def read(name: str) -> list[str]:
        with (SQUAD / name).open(encoding="utf-8") as handle:
            return [json.loads(line)["question"] for line in handle]

    held = read("queries.jsonl")
    others = sorted(set(read("queries_all.jsonl")) - set(held))
    return random.Random(5).sample(held, 1000), random.Random(6).sample(others, 500)


def make_embedder() -> Embedder:
    """The embedder quotebot builds with (ONNX when it can), its export kept with the bench data."""
    from quotebot.index import make_embedder as make

    return make(cache_dir=CACHE)


class LazyEmbedder:
    """Load the model only when a cache misses, so reruns import no torch."""

    def __init__(self) -> None:
        self._inner: Embedder | None = None

    def get(self) -> Embedder:
        if self._inner is None:
            self._inner = make_embedder()
        return self._inner


def embed_cached(lazy: LazyEmbedder, label: str, texts: Sequence[str], model: str = "all-MiniLM-L6-v2") -> Matrix:
    """Embed texts once; the vectors are kept in .quotebot/bench/ under a hash of model and texts."""
    digest = hashlib.sha256("\0".join([model, *texts]).encode("utf-8")).hexdigest()[:20]
    path = CACHE / f"{label}-{digest}.npy"
    if path.is_file():
        return np.load(path)
    embedder = lazy.get()
    start, parts = time.perf_counter(), []
    for i in range(0, len(texts), 256):
        parts.append(embedder.embed_batch(list(texts[i : i + 256])))
        done = min(i + 256, len(texts))
        rate = done / (time.perf_counter() - start)
        print(f"  {label}: {done}/{len(texts)} embedded ({rate:.0f}/s)", file=sys.stderr, flush=True)
    vectors = np.ascontiguousarray(np.vstack(parts), dtype=np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


# --- synthetic passages -----------------------------------------------------------------------


def passage_members(docs: list[npt.NDArray[np.int64]], n: int, seed: int = 0) -> list[tuple[int, ...]]:
    """Draw n distinct passages: 2-4 distinct sentences of one document, documents weighted by size."""
    rng = np.random.default_rng(seed)
    sizes = np.array([len(d) for d in docs], dtype=np.float64)
    usable = sizes >= 4
    weights = np.where(usable, sizes, 0.0) / sizes[usable].sum()
    seen: set[tuple[int, ...]] = set()
    out: list[tuple[int, ...]] = []
    while len(out) < n:
        want = n - len(out)
        choice = rng.choice(len(docs), size=want + want // 50 + 16, p=weights)
        lengths = rng.integers(2, 5, size=len(choice))
        for doc, length in zip(choice.tolist(), lengths.tolist(), strict=True):
            members = tuple(sorted(rng.choice(docs[doc], size=length, replace=False).tolist()))
            if members not in seen:
                seen.add(members)
                out.append(members)
                if len(out) == n:
                    break
    return out


def passage_vectors(pool: Matrix, members: list[tuple[int, ...]]) -> Matrix:
    """Each passage's vector: the normalised mean of its sentences' vectors (one n x d array, no copies)."""
    out = np.zeros((len(members), pool.shape[1]), dtype=np.float32)
    for length in (2, 3, 4):
        rows = np.array([i for i, m in enumerate(members) if len(m) == length], dtype=np.int64)
        if not rows.size:
            continue
        index = np.array([members[i] for i in rows], dtype=np.int64)
        for start in range(0, len(rows), 50_000):
            part = slice(start, start + 50_000)
            out[rows[part]] = pool[index[part]].sum(axis=1)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


class Data:
    """Everything a benchmark run needs: sentence pool, documents, question vectors."""

    def __init__(self) -> None:
        lazy = LazyEmbedder()
        pairs = real_sentences()
        self.sentences = [s for _, s in pairs]
        by_doc: dict[str, list[int]] = {}
        for i, (doc, _) in enumerate(pairs):
            by_doc.setdefault(doc, []).append(i)
        self.docs = [np.array(v, dtype=np.int64) for v in by_doc.values()]
        self.pool = embed_cached(lazy, "sentences", self.sentences)
        held, tune = questions()
        self.queries = embed_cached(lazy, "questions", held)
        self.tune_queries = embed_cached(lazy, "tune-questions", tune)
        self.lazy = lazy

    def vectors(self, n: int) -> Matrix:
        return passage_vectors(self.pool, passage_members(self.docs, n))

    def mean_cosine(self, count: int = 3000) -> dict[str, float]:
        """How close the mean-of-sentences vector is to embedding the passage's concatenated text."""
        members = passage_members(self.docs, count, seed=99)
        texts = [" ".join(self.sentences[i] for i in m) for m in members]
        real = embed_cached(self.lazy, "passages", texts)
        approx = passage_vectors(self.pool, members)
        cos = np.sum(real * approx, axis=1)
        # For scale: the cosine between a real passage and another, unrelated one.
        other = np.roll(np.arange(count), 1)
        return {
            "passages": count,
            "mean": round(float(cos.mean()), 4),
            "p5": round(float(np.percentile(cos, 5)), 4),
            "min": round(float(cos.min()), 4),
            "mean_to_a_random_other_passage": round(float(np.sum(real * real[other], axis=1).mean()), 4),
        }


# --- measuring ------------------------------------------------------------------------------


def exact_top(vectors: Matrix, queries: Matrix, k: int = K) -> npt.NDArray[np.int64]:
    """Exact top-k ids of each query (ids = rows), by blocked matrix products."""
    out = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), 100):
        scores = queries[start : start + 100] @ vectors.T
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
        out[start : start + 100] = np.take_along_axis(top, order, axis=1)
    return out


def recall(found: list[list[int]], truth: npt.NDArray[np.int64]) -> float:
    """Mean share of the exact top-k that the index returned in its top-k."""
    return float(np.mean([len(set(f) & set(t.tolist())) / len(t) for f, t in zip(found, truth, strict=True)]))


def latencies(store: VectorStore, queries: Matrix) -> tuple[list[list[int]], dict[str, float]]:
    """Search one query at a time; return ids and p50/p95/p99 in milliseconds."""
    for q in queries[:20]:  # warm caches
        store.search(q, K)
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        hits = store.search(q, K)
        times.append((time.perf_counter() - t) * 1000)
        found.append([h.id for h in hits])
    p = np.percentile(times, [50, 95, 99])
    return found, {"p50_ms": round(float(p[0]), 3), "p95_ms": round(float(p[1]), 3), "p99_ms": round(float(p[2]), 3)}


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (VmRSS: now, VmHWM: peak), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _peak_mb() -> float:
    """This process's own peak resident memory, in MiB.

    VmHWM, the high-water mark of this process's memory. `resource.getrusage().ru_maxrss` is not
    used for the children: Linux carries the parent's peak into a child across fork and exec
    (measured: a child spawned after the parent touched 300 MB reports ru_maxrss 312 MB, VmHWM 28 MB).
    """
    return _status_mb("VmHWM")


def _rss_mb() -> float:
    """This process's resident memory now, in MiB."""
    return _status_mb("VmRSS")


def measure_kind(
    kind: str, n: int, queries: Matrix, truth: npt.NDArray[np.int64] | None, params: dict[str, int] | None = None
) -> dict[str, Any]:
    """Build one index kind over n synthetic passages, save, reload, search; measure (in a child process).

    Searches run on the reloaded index, after the input vectors are freed, as a bot would serve it.
    """
    data = Data()
    baseline = _rss_mb()
    vectors = data.vectors(n)
    if truth is None:
        truth = exact_top(vectors, queries)
    t = time.perf_counter()
    store = VectorStore.build(vectors, np.arange(n, dtype=np.int64), kind, params=params)
    build_s = time.perf_counter() - t
    dimension, chosen = vectors.shape[1], store.params
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        path = Path(tmp) / "index.faiss"
        store.save(path)
        size = path.stat().st_size
        del store, vectors
        gc.collect()
        t = time.perf_counter()
        store = VectorStore.load(path, dimension, kind)
        load_s = time.perf_counter() - t
    loaded_rss = _rss_mb()
    found, lat = latencies(store, queries)
    scores_ms, reconstruct_ms = _time_scores(store, queries[0], n)
    trade_off = search_trade_off(store, queries, truth)
    return {
        "kind": kind,
        "n": n,
        "params": chosen,
        "build_s": round(build_s, 2),
        **lat,
        "recall_at_5": round(recall(found, truth), 4),
        "index_bytes": size,
        "load_s": round(load_s, 2),
        "scores_300_ids_ms": round(scores_ms, 3),
        "scores_300_ids_by_reconstruct_ms": round(reconstruct_ms, 3),
        "baseline_rss_mb": baseline,
        "serving_rss_mb": loaded_rss,
        "peak_rss_mb": _peak_mb(),
        "trade_off": trade_off,
    }


def _time_scores(store: VectorStore, query: npt.NDArray[np.float32], n: int) -> tuple[float, float]:
    """Milliseconds to score 300 ids by `scores`, and by one FAISS reconstruct per id (what it replaced)."""
    rows = np.random.default_rng(1).integers(0, n, size=300).tolist()
    store.scores(query, rows)  # the first call maps ids to rows once
    t = time.perf_counter()
    for _ in range(20):
        store.scores(query, rows)
    scores_ms = (time.perf_counter() - t) / 20 * 1000
    t = time.perf_counter()
    for _ in range(5):
        np.vstack([store._index.reconstruct(int(i)) for i in rows]) @ query
    return scores_ms, (time.perf_counter() - t) / 5 * 1000


def search_trade_off(store: VectorStore, queries: Matrix, truth: npt.NDArray[np.int64]) -> list[dict[str, Any]]:
    """Latency and recall@5 of the built index at other search settings (IVF nprobe, HNSW ef_search)."""
    inner = store._inner()
    if store.kind == "ivf":
        name, values, original = "nprobe", [16, 32, 64, 128], int(inner.nprobe)
    elif store.kind == "hnsw":
        name, values, original = "ef_search", [64, 128, 256, 384, 512], int(inner.hnsw.efSearch)
    else:
        return []
    rows = []
    for value in values:
        if name == "nprobe":
            inner.nprobe = value
        else:
            inner.hnsw.efSearch = value
        found, lat = latencies(store, queries)
        rows.append({name: value, **lat, "recall_at_5": round(recall(found, truth), 4)})
    if name == "nprobe":
        inner.nprobe = original
    else:
        inner.hnsw.efSearch = original
    return rows


def _child(conn: Any, args: tuple[Any, ...]) -> None:
    try:
        conn.send(measure_kind(*args))
    except BaseException as exc:  # report, don't hang the parent
        conn.send({"kind": args[0], "error": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()


def in_child(*args: Any) -> dict[str, Any]:
    """Run measure_kind in a fresh process (its peak memory is its own)."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, args))
    proc.start()
    child.close()
    result: dict[str, Any] = parent.recv()
    proc.join()
    return result


def run_million(
    n: int = 1_000_000, kinds: Sequence[str] = INDEX_KINDS, *, queries: int = 1000, check_cosine: bool = True
) -> dict[str, Any]:
    """Build every index kind over n realistic passages; report build time, latency, recall@5, memory."""
    data = Data()
    qs = data.queries[:queries]
    t = time.perf_counter()
    vectors = data.vectors(n)
    generate_s = time.perf_counter() - t
    t = time.perf_counter()
    truth = exact_top(vectors, qs)
    truth_s = time.perf_counter() - t
    del vectors
    report: dict[str, Any] = {
        "n": n,
        "queries": len(qs),
        "sentence_pool": len(data.pool),
        "generate_s": round(generate_s, 1),
        "ground_truth_s": round(truth_s, 1),
        "chosen_kind": choose_index_type(n),
        "kinds": {},
    }
    if check_cosine:
        report["mean_cosine"] = data.mean_cosine()
    for kind in kinds:
        print(f"[{n}] building {kind} ...", file=sys.stderr, flush=True)
        result = in_child(kind, n, qs, truth)
        print(f"[{n}] {json.dumps(result)}", file=sys.stderr, flush=True)
        report["kinds"][kind] = result
    # This process: the vectors once, for the exact answers (ru_maxrss, as the issue asks).
    report["parent_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return report


def sweep(
    sizes: Sequence[int], kinds: Sequence[str] = INDEX_KINDS, tune: bool = False, repeat: int = 1
) -> list[dict[str, Any]]:
    """Exact and approximate search at several sizes (in this process; fine up to a few 100k).

    With `repeat`, the latency of each is measured that many times and the round with the lowest
    p95 is kept: the machine is shared, and the least disturbed round is the closest to the cost.
    """
    data = Data()
    qs = data.tune_queries if tune else data.queries
    rows: list[dict[str, Any]] = []
    for n in sizes:
        vectors = data.vectors(n)
        truth = exact_top(vectors, qs)
        for kind in kinds:
            t = time.perf_counter()
            store = VectorStore.build(vectors, np.arange(n, dtype=np.int64), kind)
            build_s = round(time.perf_counter() - t, 2)
            found, lat = min((latencies(store, qs) for _ in range(repeat)), key=lambda r: r[1]["p95_ms"])
            row = {"n": n, "kind": kind, "params": store.params, "build_s": build_s, **lat}
            rows.append({**row, "recall_at_5": round(recall(found, truth), 4)})
            print(json.dumps(rows[-1]), flush=True)
            del store
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="passages (default 1,000,000)")
    parser.add_argument("--kinds", default=",".join(INDEX_KINDS), help="index kinds to measure")
    parser.add_argument("--sizes", help="comma-separated sizes: a sweep in one process instead of --n")
    parser.add_argument("--tune", action="store_true", help="with --sizes: use the tuning questions")
    parser.add_argument("--repeat", type=int, default=1, help="with --sizes: keep the best of R latency rounds")
    parser.add_argument("--prepare", action="store_true", help="only embed and cache the real texts")
    parser.add_argument("--out", type=Path, help="also write the JSON report here")
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    if args.prepare:
        data = Data()
        print(json.dumps({"sentences": len(data.pool), "mean_cosine": data.mean_cosine()}))
        return 0
    if args.sizes:
        result: Any = sweep([int(s) for s in args.sizes.split(",")], kinds, tune=args.tune, repeat=args.repeat)
    else:
        result = run_million(args.n, kinds)
        print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    raise SystemExit(main())
