"""One edit in a 100,000-passage collection: how long until the new wording is quoted (watcher, live Discord).

    python scripts/bench_update_latency.py                 # 100,000 passages, the default model
    python scripts/bench_update_latency.py --passages 20000 --repeats 3

Two collections of about --passages passages each are built by each run (under .quotebot/bench/updates):
- "files": a folder of Markdown files (--per-file paragraphs each) of SQuAD dev sentences (read in place
  from ../shared/eval/squad11_dev; the seed statement when it is missing);
- "discord": the mirror of 10 channels (the DiscordChatExporter files the bot writes), a message per passage.
Their vectors are a stand-in: random unit vectors under the default model's name, since embedding 100,000
passages with it would take hours on this machine. Everything an update does is real: the files are read,
fingerprinted and chunked with the model's tokenizer, the changed chunks embedded by the real model, the rows
removed and added in FAISS and BM25, and questions embedded by the real model and answered by the engine.

Timed, each --repeats times (median and worst), against a baseline in the same process:
1. watcher: from writing one file to `quotebot chat`'s engine (WatchedEngine, inotify, QUOTEBOT_WATCH_DEBOUNCE)
   quoting its new sentence; the quiet time (debounce) is part of it and printed apart;
2. live Discord: the bot's path after a message edit, once its debounce has passed: the mirror written
   (`Mirror.flush`), the collection updated in place (`EngineLoader.refresh`), the new wording answered;
3. the baseline: the whole collection rebuilt with the vectors cached, what each change cost before;
4. the write to disk that follows (`save`: compacted, a new build), which runs after the swap.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from bench_updates import passages  # (scripts/bench_updates.py, beside this script)

from quotebot.bot.ops.engines import EngineLoader
from quotebot.bot.ops.settings import Settings
from quotebot.bot.ops.watch import WatchedEngine
from quotebot.bot.sources.mirror import Mirror, Stored
from quotebot.index import Embedder, Library, make_embedder
from quotebot.index.embed.base import Span

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".quotebot" / "bench" / "updates"
GUILD, CHANNEL, AUTHOR = 900000000000000001, 900000000000000002, 900000000000000003
CHANNELS = 10  # the Discord collection's channels: 10,000 messages each at 100,000 (one 66 MB file is over the cap)
SENTENCE = "The lighthouse keeper's parrot number {i} speaks {i} languages fluently."
QUESTION = "How many languages does the lighthouse keeper's parrot number {i} speak?"


class StandIn(Embedder):
    """The real model for questions, counts and (once `real` is set) passages; random vectors for the bulk build."""

    def __init__(self, model: Embedder) -> None:
        self.model, self.real = model, False
        self.name = model.name
        self._rng = np.random.default_rng(0)

    @property
    def dimension(self) -> int:
        return self.model.dimension

    def count_tokens(self, text: str) -> int:
        return self.model.count_tokens(text)

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        return self.model.count_tokens_batch(texts)

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self.model.embed_queries(texts)

    def embed_batch(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self.model.embed_batch(texts) if self.real else self._random(len(texts))

    def embed_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]]
    ) -> tuple[npt.NDArray[np.float32], list[npt.NDArray[np.float32]]]:
        if self.real:
            return self.model.embed_spans(texts, spans)
        return self._random(len(texts)), [self._random(len(s)) for s in spans]

    def _random(self, n: int) -> npt.NDArray[np.float32]:
        vectors = self._rng.standard_normal((n, self.dimension)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class BenchLoader(EngineLoader):
    """The real loader with the stand-in model."""

    def __init__(self, settings: Settings, model: StandIn) -> None:
        super().__init__(settings)
        self._embedder = model


def _settings(root: Path, corpus: Path, config: Path | None = None) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        corpus_dir=corpus,
        index_dir=root / "index",
        data_dir=root / "data",
        config_file=config or root / "none.toml",
    )


def write_files(folder: Path, texts: list[str], per_file: int) -> None:
    """Write the passages as Markdown files of `per_file` paragraphs each."""
    folder.mkdir(parents=True, exist_ok=True)
    for n, start in enumerate(range(0, len(texts), per_file)):
        body = "\n\n".join(texts[start : start + per_file])
        (folder / f"doc{n:05}.md").write_text(f"# Document {n}\n\n{body}\n", encoding="utf-8")


def write_mirror(root: Path, texts: list[str]) -> Mirror:
    """Write the mirror of CHANNELS channels holding a message per passage; return the bot's mirror of them."""
    mirror = Mirror(root / "data" / "discord" / "chat")
    mirror.folder.mkdir(parents=True, exist_ok=True)
    for c in range(CHANNELS):
        mirror.channel(GUILD, CHANNEL + c, f"chat-{c}")
    for i, text in enumerate(texts):
        mirror.put(_channel(i), _message(i + 1, text))
    mirror.flush()
    return mirror


def _channel(row: int) -> int:
    """Return the channel holding passage `row` (dealt round the channels)."""
    return CHANNEL + row % CHANNELS


def _message(i: int, text: str) -> Stored:
    return Stored(id=10**15 + i, content=text, timestamp="2026-12-01T10:00:00+00:00", author=AUTHOR)


def quoted(engine: Any, i: int) -> bool:
    """Tell whether the engine quotes the parrot sentence number i first."""
    answer = engine.answer(QUESTION.format(i=i), 1)
    return bool(answer.passages) and SENTENCE.format(i=i) in answer.passages[0].text


def bench_files(root: Path, model: StandIn, texts: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Time the watcher's edit-to-quote lag, the rebuild it replaces, and the write after it."""
    corpus = root / "corpus"
    settings = _settings(root, corpus).model_copy(update={"watch_debounce": args.debounce})
    write_files(corpus, texts, args.per_file)
    loader = BenchLoader(settings, model)
    started = time.perf_counter()
    model.real = False
    engine = loader.open()
    built = time.perf_counter() - started
    model.real = True
    assert isinstance(engine, Library)
    count = sum(len(e.stored.chunks) for e in engine.engines.values())
    lags, saves = [], []
    with WatchedEngine(loader, engine, settings) as current:
        time.sleep(1.0)  # watching
        for i in range(args.repeats):
            target = corpus / f"doc{(i * 7919) % (len(texts) // args.per_file):05}.md"
            text = target.read_text(encoding="utf-8")
            began = time.perf_counter()
            target.write_text(text.rstrip("\n") + f"\n\n{SENTENCE.format(i=i)}\n", encoding="utf-8")
            while not quoted(current(), i):
                time.sleep(0.01)
            lags.append(time.perf_counter() - began)
            while any(e.stored.live is not None for e in current().engines.values()):  # type: ignore[attr-defined]
                time.sleep(0.05)
            saves.append(time.perf_counter() - began - lags[-1])
    rebuild = _timed(lambda: loader.rebuild(lambda c: True), model)
    return {"passages": count, "first build (stand-in vectors) s": built, "edit to quote s": lags,
            "debounce s": args.debounce, "write after s": saves, "baseline rebuild s": rebuild}  # fmt: skip


def bench_discord(root: Path, model: StandIn, texts: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Time a message edit's path once the debounce passed: mirror written, collection updated, answered."""
    config = root / "quotebot.toml"
    root.mkdir(parents=True, exist_ok=True)
    listed = ", ".join(str(CHANNEL + c) for c in range(CHANNELS))
    config.write_text(f"[collections.chat]\ndiscord_channels = [{listed}]\n", encoding="utf-8")
    settings = _settings(root, root / "corpus-none", config)
    mirror = write_mirror(root, texts)
    loader = BenchLoader(settings, model)
    model.real = False
    engine = loader.open()
    model.real = True
    count = sum(len(e.stored.chunks) for e in engine.engines.values())  # type: ignore[attr-defined]
    lags, saves = [], []
    for i in range(args.repeats):
        row = (i * 7919) % len(texts)
        began = time.perf_counter()
        mirror.put(_channel(row), _message(row + 1, SENTENCE.format(i=i)))
        mirror.flush()
        engine = loader.refresh(engine, ["chat"])
        assert quoted(engine, i), "the edit was not quoted"
        lags.append(time.perf_counter() - began)
        began = time.perf_counter()
        engine = loader.save(engine)
        saves.append(time.perf_counter() - began)
    rebuild = _timed(lambda: loader.rebuild(lambda c: True), model)
    return {"passages": count, "edit to quote s (after the debounce)": lags,
            "debounce s (QUOTEBOT_LIVE_DEBOUNCE)": settings.live_debounce, "write after s": saves,
            "baseline rebuild s": rebuild}  # fmt: skip


def _timed(work: Callable[[], object], model: StandIn) -> float:
    """Return the seconds of one call, with the stand-in's vectors (the cache holds them)."""
    model.real = False
    began = time.perf_counter()
    work()
    model.real = True
    return time.perf_counter() - began


def _summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} s, worst {max(values):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--per-file", type=int, default=100, help="paragraphs per Markdown file")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--debounce", type=float, default=0.5, help="the watcher's quiet time (its default: 0.5 s)")
    parser.add_argument("--only", choices=["files", "discord"])
    args = parser.parse_args()
    model = StandIn(make_embedder(cache_dir=ROOT / ".quotebot" / "index"))
    texts = passages(args.passages, seed=3)
    random.Random(0).shuffle(texts)
    results = {}
    for name, bench in (("files", bench_files), ("discord", bench_discord)):
        if args.only in (None, name):
            root = WORK / f"{name}-{args.passages}"
            shutil.rmtree(root, ignore_errors=True)  # an index left by a run holds real vectors of its edits only
            results[name] = bench(root, model, texts, args)
            figures = results[name]
            print(f"\n{name}: {figures['passages']:,} passages, model {model.name}")
            for key, value in figures.items():
                shown = _summary(value) if isinstance(value, list) else value
                print(f"  {key}: {shown:.2f}" if isinstance(shown, float) else f"  {key}: {shown}")
    print(json.dumps(results, indent=1, default=float))


if __name__ == "__main__":
    threading.excepthook = lambda hook: (_ for _ in ()).throw(hook.exc_value)  # a failing watcher fails the run
    main()
