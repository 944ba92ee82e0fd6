"""Faults: damaged index files, another model, killed and concurrent builds, hostile corpus files."""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from quotebot.index import IndexStateError, StaleIndexError
from quotebot.index.build import BuildOptions, build_index, open_engine
from quotebot.index.ingest.files import load_corpus
from quotebot.index.store.layout import load_index
from quotebot.index.store.lock import build_lock
from tests.fakes import ROOT, FakeEmbedder

QUESTIONS = ["Should ICT providers install backdoors?", "What did China say about resolution 73/266?"]


def _answers(corpus: Path, index: Path) -> list[object]:
    engine = open_engine(corpus, index, FakeEmbedder(), rebuild=False)
    return [engine.answer(q) for q in QUESTIONS]


def _damage(path: Path, rng: random.Random) -> None:
    """Truncate, empty, or overwrite a few bytes of a file."""
    data = bytearray(path.read_bytes())
    how = rng.choice(["truncate", "empty", "flip"])
    if how == "truncate":
        data = data[: rng.randrange(max(len(data), 1))]
    elif how == "empty":
        data = bytearray()
    elif data:
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
    path.write_bytes(bytes(data))


def test_any_damaged_index_file_is_refused_in_one_line_then_rebuilt(seed_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(seed_corpus, index, FakeEmbedder())
    before = _answers(seed_corpus, index)
    folder = load_index(index).folder
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    pristine = {p: p.read_bytes() for p in files}
    rng = random.Random(7)
    for _ in range(120):  # every file, damaged every way, FAISS and numpy included: refused, never a crash
        target = rng.choice(files)
        _damage(target, rng)
        if target.read_bytes() != pristine[target]:
            with pytest.raises(IndexStateError) as refused:
                load_index(index)
            assert "\n" not in str(refused.value) and "quotebot build" in str(refused.value)
        target.write_bytes(pristine[target])
    _damage(folder / "titled.faiss", rng)
    reasons: list[str] = []
    engine = open_engine(seed_corpus, index, FakeEmbedder(), BuildOptions(on_rebuild=reasons.append))
    assert reasons == [f"index file {folder / 'titled.faiss'} is missing or damaged"]
    assert [engine.answer(q) for q in QUESTIONS] == before


def test_an_index_from_a_model_of_another_dimension_is_rebuilt(seed_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(seed_corpus, index, FakeEmbedder(64))
    with pytest.raises(StaleIndexError, match="64-dimensional vectors, the model gives 32"):
        open_engine(seed_corpus, index, FakeEmbedder(32), rebuild=False)
    reasons: list[str] = []
    engine = open_engine(seed_corpus, index, FakeEmbedder(32), BuildOptions(on_rebuild=reasons.append))
    assert len(reasons) == 1 and engine.stored.manifest.dimension == 32


_CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from tests.fakes import FakeEmbedder
from quotebot.index.build import build_index

class Slow(FakeEmbedder):
    def embed_batch(self, texts):
        time.sleep(0.002 * len(texts))  # spread the build out, so kills land in every phase
        return super().embed_batch(texts)

print("started", flush=True)
build_index(Path({corpus!r}), Path({index!r}), Slow(), cache=False)
"""


def _child(corpus: Path, index: Path) -> subprocess.Popen[str]:
    code = _CHILD.format(root=str(ROOT), corpus=str(corpus), index=str(index))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "started"
    return child


def test_a_build_killed_anywhere_leaves_the_previous_index_answering(seed_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(seed_corpus, index, FakeEmbedder())
    before = _answers(seed_corpus, index)
    rng = random.Random(3)
    for _ in range(6):
        child = _child(seed_corpus, index)
        time.sleep(rng.uniform(0.0, 0.6))
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert _answers(seed_corpus, index) == before  # old build or a complete new one of the same corpus
    previous = load_index(index).folder.name
    build_index(seed_corpus, index, FakeEmbedder())  # the next build completes, lock free, leftovers removed
    assert _answers(seed_corpus, index) == before
    # leftovers removed; the build before it stays until the next one (an engine may still be verifying from it)
    assert {p.name for p in (index / "builds").iterdir()} == {load_index(index).folder.name, previous}


def test_a_second_build_waits_for_the_first_and_never_mixes(
    seed_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = tmp_path / "index"
    child = _child(seed_corpus, index)
    lock = index / "build.lock"
    deadline = time.monotonic() + 30
    while not (lock.exists() and lock.read_text().strip() == str(child.pid)):  # the child holds the lock
        assert time.monotonic() < deadline and child.poll() is None
        time.sleep(0.01)
    second = FakeEmbedder()
    with caplog.at_level(logging.WARNING):
        manifest = build_index(seed_corpus, index, second)
    assert child.wait(timeout=60) == 0
    assert any("another build of" in r.getMessage() and "waiting" in r.getMessage() for r in caplog.records)
    assert second.calls == 0  # the first build left the index current: nothing to redo
    assert manifest.embedded == 0 and manifest.created_at == load_index(index).manifest.created_at


def test_a_build_that_cannot_get_the_lock_in_time_says_who_holds_it(tmp_path: Path) -> None:
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with build_lock(tmp_path):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    try:
        with (
            pytest.raises(IndexStateError, match=rf"pid {os.getpid()}\) is still running after 0 s"),
            build_lock(tmp_path, wait=0.3),
        ):
            pass
    finally:
        release.set()
        holder.join()


def test_hostile_corpus_files_are_skipped_one_line_each(
    seed_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = seed_corpus / "dump.txt"
    with huge.open("wb") as handle:
        handle.truncate(200 << 20)  # 200 MB, sparse: the limit is checked before anything is read
    (seed_corpus / "loop.txt").symlink_to(seed_corpus / "loop.txt")
    outside = tmp_path / "secret.txt"
    outside.write_text("A secret kept outside the corpus folder.", encoding="utf-8")
    (seed_corpus / "escape.txt").symlink_to(outside)
    locked = seed_corpus / "locked.txt"
    locked.write_text("Nobody may read this file.", encoding="utf-8")
    locked.chmod(0)
    real = Path.read_bytes
    if os.geteuid() == 0:  # root reads a mode-000 file anyway; make it fail the way it does for everyone else

        def read_bytes(path: Path) -> bytes:
            if path == locked:
                raise PermissionError(13, "Permission denied")
            return real(path)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with caplog.at_level(logging.WARNING):
        documents = load_corpus(seed_corpus)
    assert [d.doc_id for d in documents] == [p.name for p in sorted(seed_corpus.glob("china*"))]
    messages = sorted(r.getMessage() for r in caplog.records)
    assert len(messages) == 4
    assert "dump.txt: 200 MB, over the 50 MB limit" in messages[0]
    assert "escape.txt: a link to a file outside the corpus folder" in messages[1]
    assert "locked.txt: cannot be read (Permission denied)" in messages[2]
    assert "loop.txt: cannot be read (Too many levels of symbolic links)" in messages[3]


def test_a_file_deleted_after_the_build_is_not_quoted(seed_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(seed_corpus, index, FakeEmbedder())
    engine = open_engine(seed_corpus, index, FakeEmbedder(), rebuild=False)
    assert engine.answer(QUESTIONS[0]).passages
    for path in seed_corpus.iterdir():
        path.unlink()
    answer = engine.answer(QUESTIONS[0])
    assert answer.stale and not answer.passages
