"""Load-test the bot: many questions at once through /ask, on the real model and index, over a fake Discord.

    python scripts/load.py                                     # 200 questions a round, 2 workers, a queue of 32
    python scripts/load.py --questions 500 --workers 4 --queue 64 --json F
    python scripts/load.py --spread 2                          # arrivals spread over 2 s instead of all at once

Each question is an /ask interaction run through the bot's CommandTree: the same checks (question, per-user
cooldown), callback, `QuoteBot.answer` (global rate, bounded worker pool), error handler and reply rendering
as on Discord; only the transport is fake (quotebot.bot.client.testing). The engine is the real `Library` on
the seed corpus plus the SQuAD v1.1 dev articles (../shared/eval/squad11_dev, read in place), embedded by
the real model. Most users ask once; `--repeaters` users ask `--repeat` times a round, to meet the cooldown.
Rounds run back to back, inside one cooldown and one global window, so round 2 also meets the global rate.

Printed per round: answers/s, p50/p95/p99 latency of the answered (arrival to reply sent, queueing
included), answered/busy/cooldown/global counts, the longest event-loop stall (a ticker sleeping 5 ms at a
time; target < 100 ms) and RSS; then the checks: every question got one outcome, no user above the
cooldown rate, no more than the global rate taken, never more engine calls at once than workers, the pool
empty after each round. Everything is written under .quotebot/load/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import shutil
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import evalkit as ev  # (scripts/evalkit.py, beside this script: the SQuAD corpus as eval builds it)

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.client.testing import FakeInteraction, longest_stall, reply_kind, run_command, slash
from quotebot.bot.ops.settings import Settings
from quotebot.index import Answer, BuildOptions, Library, load_collections, make_embedder, open_library

ROOT = Path(__file__).resolve().parents[1]

SQUAD = ev.SQUAD
SEED_QUESTIONS = ROOT / "tests" / "data" / "seed_questions.jsonl"
WORK = ROOT / ".quotebot" / "load"
MODELS = ROOT / ".quotebot" / "bench" / "models"  # the ONNX export scripts/bench.py makes (made here if missing)
EVAL_CACHE = ROOT / ".quotebot" / "eval" / "squad-index" / "cache"  # same SQuAD texts: its vectors serve
TICK = 0.005


def write_corpus(folder: Path, squad: bool) -> int:
    """Write the seed corpus and (with `squad`) one document per SQuAD article, with scripts/evalkit.py's writer."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "corpus").iterdir():
        if path.is_file() and not (folder / path.name).exists():
            shutil.copy(path, folder / path.name)
    if not squad:
        for path in folder.glob("*.txt"):
            if not (ROOT / "corpus" / path.name).exists():
                path.unlink()
        return len(list(folder.iterdir()))
    ev.write_squad_corpus(folder)
    return len(list(folder.iterdir()))


def open_engine(settings: Settings) -> Library:
    """Open (building when missing or stale) the real library on the load corpus, with the real model."""
    collections = load_collections(settings.config_file, settings.corpus_dir)
    index_dir = collections.index_dir(settings.index_dir, collections.items[0].name)
    if EVAL_CACHE.is_dir() and not (index_dir / "cache").exists():
        shutil.copytree(EVAL_CACHE, index_dir / "cache")
    embedder = make_embedder(settings.model, backend=settings.backend, cache_dir=MODELS, device=settings.device)
    options = BuildOptions(settings.chunk_tokens, settings.index_type, None, lambda why: print(f"building: {why}"))
    return open_library(collections, settings.index_dir, embedder=embedder, options=options)


class Gauged:
    """The engine, counting the answers running at once (what the pool must keep at `workers` or fewer)."""

    def __init__(self, inner: Library) -> None:
        self.inner = inner
        self.lock = threading.Lock()
        self.running = self.peak = self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def answer(
        self, question: str, top_k: int = 3, *, claim: bool = False, names: Sequence[str] | None = None
    ) -> Answer:
        """Answer through the real engine, counting."""
        with self.lock:
            self.running += 1
            self.calls += 1
            self.peak = max(self.peak, self.running)
        try:
            return self.inner.answer(question, top_k, claim=claim, names=names)
        finally:
            with self.lock:
                self.running -= 1


def questions(squad: bool) -> list[str]:
    """Return the questions to ask: the seed questions, then SQuAD ones when SQuAD is indexed."""
    asked = [str(r["question"]) for r in ev.read_jsonl(SEED_QUESTIONS)]
    if squad:
        asked += [str(r["question"]) for r in ev.read_jsonl(SQUAD / "queries.jsonl")[:500]]
    return asked


def rss_mb() -> tuple[float, float]:
    """Return the current and the peak resident memory, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    current = peak
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    return current, peak


def _pct(ordered: list[float], q: float) -> float:
    """Return the q-quantile of sorted samples, in ms (nearest rank)."""
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


async def one_round(bot: QuoteBot, plan: list[tuple[int, str]], spread: float, seed: int) -> dict[str, Any]:
    """Fire the planned (user, question) pairs through /ask; return the figures of the round."""
    rng = random.Random(seed)
    offsets = sorted(rng.uniform(0, spread) for _ in plan) if spread else [0.0] * len(plan)

    async def ask(user: int, question: str, offset: float) -> tuple[FakeInteraction, float]:
        if offset:
            await asyncio.sleep(offset)
        interaction = slash(bot, "ask", question=question, user_id=user)
        began = time.perf_counter()
        await run_command(bot, interaction)
        return interaction, time.perf_counter() - began

    started = time.perf_counter()
    stall, results = await longest_stall(
        lambda: asyncio.gather(*(ask(u, q, o) for (u, q), o in zip(plan, offsets, strict=True))), TICK
    )
    wall = time.perf_counter() - started
    kinds = [reply_kind(i) for i, _ in results]
    latencies = sorted(t for (_, t), kind in zip(results, kinds, strict=True) if kind == "answered")
    counts = Counter(kinds)
    current, peak = rss_mb()
    return {
        "questions": len(plan),
        "wall_s": wall,
        "answers_per_s": counts["answered"] / wall,
        "p50_ms": _pct(latencies, 0.50),
        "p95_ms": _pct(latencies, 0.95),
        "p99_ms": _pct(latencies, 0.99),
        "counts": {k: counts[k] for k in ("answered", "busy", "cooldown", "global", "error")},
        "by_user": [(u, k) for (u, _), k in zip(plan, kinds, strict=True)],
        "stall_ms": 1000 * stall,
        "rss_mb": current,
        "peak_rss_mb": peak,
        "pool_after": (bot.pool.running, bot.pool.admitted),
    }


def make_plan(
    count: int, repeaters: int, repeat: int, asked: list[str], first_user: int, seed: int
) -> list[tuple[int, str]]:
    """Return `count` (user, question) pairs: `repeaters` users (ids 1..) `repeat` times each, the rest once each."""
    rng = random.Random(seed)
    users = [1 + r for r in range(repeaters) for _ in range(repeat)][:count]
    users += range(first_user, first_user + count - len(users))
    rng.shuffle(users)
    return [(u, rng.choice(asked)) for u in users]


def check(rounds: list[dict[str, Any]], settings: Settings, engine: Gauged, elapsed: float) -> list[str]:
    """Return what broke the limits (empty: all held)."""
    problems = []
    for n, r in enumerate(rounds, 1):
        if sum(r["counts"].values()) != r["questions"] or r["counts"]["error"]:
            problems.append(f"round {n}: outcomes {r['counts']} for {r['questions']} questions")
        if r["pool_after"] != (0, 0):
            problems.append(f"round {n}: the pool still holds (running, admitted) = {r['pool_after']}")
        if r["stall_ms"] >= 100:
            problems.append(f"round {n}: the event loop stalled {r['stall_ms']:.0f} ms")
    answered = Counter(u for r in rounds for u, k in r["by_user"] if k == "answered")
    asked = Counter(u for r in rounds for u, k in r["by_user"] if k != "cooldown")
    refused = Counter(u for r in rounds for u, k in r["by_user"] if k == "cooldown")
    total = sum(answered.values())
    if elapsed < settings.cooldown_per:
        over = {u: n for u, n in answered.items() if n > settings.cooldown_rate}
        if over:
            problems.append(f"users answered above the cooldown rate: {over}")
        wrong = {u: (asked[u], refused[u]) for u in refused if asked[u] != settings.cooldown_rate}
        if wrong:
            problems.append(f"users refused for cooldown before using their rate: {wrong}")
    if elapsed < settings.global_per and total > settings.global_rate:
        problems.append(f"{total} answered in one global window of {settings.global_rate}")
    if engine.peak > settings.workers:
        problems.append(f"{engine.peak} engine calls ran at once; workers = {settings.workers}")
    if engine.calls != total:
        problems.append(f"{engine.calls} engine calls for {total} answers")
    return problems


async def run(args: argparse.Namespace, settings: Settings, engine: Gauged, asked: list[str]) -> dict[str, Any]:
    """Start the bot on the engine, run the rounds, print and return the figures."""
    bot = QuoteBot(settings, engine=engine, sync_commands=False)
    await bot._async_setup_hook()
    await bot.setup_hook()
    try:
        current, peak = rss_mb()
        print(f"RSS before: {current:.0f} MiB (peak {peak:.0f} MiB)")
        began = time.perf_counter()
        rounds = []
        for n in range(args.rounds):
            plan = make_plan(args.questions, args.repeaters, args.repeat, asked, 1000 + n * args.questions, seed=n)
            r = await one_round(bot, plan, args.spread, seed=n)
            rounds.append(r)
            c = r["counts"]
            print(
                f"round {n + 1}: {r['questions']} questions in {r['wall_s']:.2f} s"
                f" → {r['answers_per_s']:.0f} answers/s;"
                f" latency of the answered p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms"
            )
            print(
                f"  answered {c['answered']}, busy {c['busy']}, cooldown {c['cooldown']}, global {c['global']},"
                f" errors {c['error']}; longest loop stall {r['stall_ms']:.1f} ms (target < 100 ms);"
                f" RSS {r['rss_mb']:.0f} MiB (peak {r['peak_rss_mb']:.0f} MiB)"
            )
        elapsed = time.perf_counter() - began
        problems = check(rounds, settings, engine, elapsed)
        print(f"engine calls {engine.calls}, at most {engine.peak} at once (workers {settings.workers})")
        print("checks: " + ("all limits held" if not problems else "FAILED\n  " + "\n  ".join(problems)))
        for r in rounds:
            del r["by_user"]
        return {"rounds": rounds, "engine_calls": engine.calls, "engine_peak": engine.peak, "problems": problems}
    finally:
        await bot.close()


def _arguments() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=200, help="questions per round, all at once")
    parser.add_argument("--workers", type=int, default=2, help="answers computed at once")
    parser.add_argument("--queue", type=int, default=32, help="questions waiting for a worker; beyond: busy")
    parser.add_argument("--rounds", type=int, default=2, help="rounds back to back (memory must stay flat)")
    parser.add_argument("--repeaters", type=int, default=5, help="users asking many times a round")
    parser.add_argument("--repeat", type=int, default=10, help="questions of each repeater per round")
    parser.add_argument("--cooldown-rate", type=int, help="per-user rate (default: the setting, 5 per 30 s)")
    parser.add_argument("--global-rate", type=int, help="whole-bot rate (default: the setting, 60 per 60 s)")
    parser.add_argument("--spread", type=float, default=0.0, help="spread arrivals over this many seconds")
    parser.add_argument("--no-squad", action="store_true", help="index the seed corpus only")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args()


def _settings(args: argparse.Namespace, squad: bool) -> Settings:
    """Return the bot's settings for this run: its own folders, and the limits asked for."""
    overrides = {"cooldown_rate": args.cooldown_rate, "global_rate": args.global_rate}
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        corpus_dir=WORK / ("corpus" if squad else "seed-corpus"),
        index_dir=WORK / ("index" if squad else "seed-index"),
        data_dir=WORK / "data",
        config_file=WORK / "no-quotebot.toml",  # one collection over the corpus folder
        workers=args.workers,
        queue_size=args.queue,
        **{k: v for k, v in overrides.items() if v is not None},
    )


def _alone(library: Any, asked: list[str]) -> float:
    """Return the mean seconds of one warm answer, asked one at a time."""
    for question in asked[:20]:
        library.answer(question, 9)  # warm the model and the caches
    started = time.perf_counter()
    for question in asked[:50]:
        library.answer(question, 9)
    return (time.perf_counter() - started) / 50


def main() -> int:
    """Build or reuse the index, then run the rounds."""
    args = _arguments()
    squad = not args.no_squad and SQUAD.is_dir()
    settings = _settings(args, squad)
    documents = write_corpus(settings.corpus_dir, squad)
    started = time.perf_counter()
    library = open_engine(settings)
    chunks = sum(e.stored.manifest.chunk_count for e in library.engines.values())
    print(f"index: {documents} documents, {chunks} passages, ready in {time.perf_counter() - started:.1f} s")
    asked = questions(squad)
    print(f"one answer alone (warm, one at a time): {1000 * _alone(library, asked):.1f} ms on average")
    print(
        f"limits: {settings.workers} workers, queue {settings.queue_size}, cooldown {settings.cooldown_rate} per"
        f" {settings.cooldown_per:g} s, global {settings.global_rate} per {settings.global_per:g} s;"
        f" {args.questions} questions a round, {args.repeaters} users asking {args.repeat} times each"
    )
    results = asyncio.run(run(args, settings, Gauged(library), asked))
    results["index"] = {"documents": documents, "passages": chunks}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 1 if results["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
