"""`quotebot build --index-type` and QUOTEBOT_INDEX_TYPE choose the FAISS index kind of a build."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotebot.bot.cli.program import main
from quotebot.bot.ops.engines import EngineLoader
from quotebot.bot.ops.settings import Settings
from quotebot.index.store.layout import read_manifest
from tests.fakes import FakeEmbedder


@pytest.fixture(autouse=True)
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EngineLoader, "embedder", lambda self: FakeEmbedder())
    monkeypatch.delenv("QUOTEBOT_INDEX_TYPE", raising=False)


def _kinds(index: Path) -> set[str]:
    return set(read_manifest(index).index_types.values())


def test_build_index_type_flag_and_setting(seed_corpus: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    base = ["build", "--corpus", str(seed_corpus), "--quiet", "--index"]
    assert main([*base, str(tmp_path / "a")]) == 0
    assert _kinds(tmp_path / "a") == {"flat"}  # auto: a small corpus is searched exactly
    assert main([*base, str(tmp_path / "b"), "--index-type", "hnsw"]) == 0
    assert _kinds(tmp_path / "b") == {"hnsw"}
    monkeypatch.setenv("QUOTEBOT_INDEX_TYPE", "ivf")
    assert main([*base, str(tmp_path / "c")]) == 0
    assert _kinds(tmp_path / "c") == {"ivf"}
    assert main([*base, str(tmp_path / "d"), "--index-type", "flat"]) == 0  # the flag wins
    assert _kinds(tmp_path / "d") == {"flat"}
    capsys.readouterr()


def test_a_bad_index_type_is_one_line_and_exit_2(seed_corpus: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("QUOTEBOT_INDEX_TYPE", "annoy")
    code = main(["build", "--corpus", str(seed_corpus), "--index", str(tmp_path / "i"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("quotebot: error:") and "QUOTEBOT_INDEX_TYPE" in err and err.count("\n") == 1
    with pytest.raises(SystemExit):
        main(["build", "--index-type", "annoy"])


def test_the_bots_rebuild_honours_the_setting(seed_corpus: Path, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, corpus_dir=seed_corpus, index_dir=tmp_path / "i", index_type="hnsw")  # type: ignore[call-arg]
    engine = EngineLoader(settings).rebuild()
    assert _kinds(tmp_path / "i") == {"hnsw"} and engine.engines["default"].stored.vectors.kind == "hnsw"  # type: ignore[attr-defined]
