"""A wrong path costs no work: checked before the model loads, and another corpus's index is never replaced silently."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from quotebot.bot.cli.program import main
from quotebot.bot.ops import engines as loader_module
from quotebot.index import DEFAULT_MODEL, BuildOptions, OtherCorpusError, open_library
from quotebot.index.store.layout import read_manifest
from tests.fakes import SEED, FakeEmbedder

LUNCH = "The canteen serves lunch from noon until two."


@pytest.fixture
def loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two corpus folders and no quotebot.toml; return the models loaded (the fake one, counted)."""
    (tmp_path / "corpus").mkdir()
    shutil.copy(SEED, tmp_path / "corpus" / SEED.name)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "canteen.txt").write_text(f"Canteen\n\n{LUNCH}\n", encoding="utf-8")
    loaded: list[str] = []

    def load(model: str, **_: object) -> FakeEmbedder:
        loaded.append(model)
        return FakeEmbedder()

    monkeypatch.setattr(loader_module, "make_embedder", load)
    monkeypatch.chdir(tmp_path)
    for name in ("QUOTEBOT_CORPUS_DIR", "QUOTEBOT_INDEX_DIR", "QUOTEBOT_CONFIG_FILE", "QUOTEBOT_REPLACE_INDEX"):
        monkeypatch.delenv(name, raising=False)
    return loaded


@pytest.mark.parametrize("command", [["ask", "When is lunch?"], ["build"], ["chat"]])
@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_a_missing_or_empty_corpus_fails_before_the_model_loads(
    loads: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], folder: str
) -> None:
    (tmp_path / "empty").mkdir()
    assert main([*command, "--corpus", folder, "--index", "new-index", "--quiet"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"corpus folder {tmp_path / folder}" in err and "--corpus DIR" in err
    assert loads == [] and not (tmp_path / "new-index").exists()  # nothing exported, nothing left behind


def test_another_corpus_never_replaces_an_index_silently(loads: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "Should ICT providers install backdoors?", "--quiet"]) == 0
    built = read_manifest(Path(".quotebot/index"))
    capsys.readouterr()
    assert main(["ask", "When is lunch?", "--corpus", "other", "--quiet"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "holds the index of" in err and "--replace-index" in err and "--index DIR" in err
    assert read_manifest(Path(".quotebot/index")) == built  # untouched
    assert main(["ask", "When is lunch?", "--corpus", "other", "--replace-index", "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["passages"][0]["text"] == LUNCH
    assert read_manifest(Path(".quotebot/index")).corpus == str(Path("other").resolve())


def test_the_library_refuses_it_too_unless_told(loads: list[str]) -> None:
    open_library("corpus", "index", embedder=FakeEmbedder())
    with pytest.raises(OtherCorpusError, match="holds the index of"):
        open_library("other", "index", embedder=FakeEmbedder())
    library = open_library("other", "index", embedder=FakeEmbedder(), options=BuildOptions(replace_other=True))
    assert library.answer("When is lunch?").passages[0].text == LUNCH


def test_a_flag_out_of_range_is_blamed_not_the_environment(
    loads: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "When is lunch?", "--top-k", "11"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("quotebot: error: invalid --top-k 11:") and "QUOTEBOT_TOP_K" not in err and ".env" not in err
    assert loads == []


def test_an_empty_token_line_starts_the_terminal_qa(
    loads: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("DISCORD_TOKEN=\n", encoding="utf-8")  # as a half-filled .env holds it
    for name in ("DISCORD_TOKEN", "QUOTEBOT_DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QUOTEBOT_WATCH", "false")
    monkeypatch.setattr("sys.stdin", io.StringIO("Should ICT providers install backdoors?\n"))
    assert main(["run", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert "starting the terminal Q&A" in err and "backdoors" in out


def test_the_library_and_the_command_line_share_one_index(loads: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """One set of defaults, whichever door is used: neither rebuilds the other's index."""
    library = open_library("corpus", ".quotebot/index", embedder=FakeEmbedder())  # the README's library lines
    built = read_manifest(Path(".quotebot/index"))
    assert main(["ask", "Should ICT providers install backdoors?", "--quiet"]) == 0
    assert "building the index" not in capsys.readouterr().err
    assert read_manifest(Path(".quotebot/index")) == built
    assert loads == [DEFAULT_MODEL]  # the command line asked for the model open_library's make_embedder() loads
    again = open_library("corpus", ".quotebot/index", embedder=FakeEmbedder(), rebuild=False)  # stale would raise
    question = "Should ICT providers install backdoors?"
    assert again.answer(question).passages[0].text == library.answer(question).passages[0].text


def test_top_k_help_says_why_fewer_passages_are_common(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["ask", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "passages to show at most" in help_text and "0.75 of the first's" in help_text
