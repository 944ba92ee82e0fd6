"""The command line end to end: JSON shape, batches, and every error a user can cause."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from quotebot.bot.cli.program import main
from quotebot.index import BuildOptions
from quotebot.index.build import open_engine
from quotebot.index.text import split_sentences
from tests.fakes import ROOT, SEED

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("shared_export")]

PASSAGE_KEYS = ["text", "source", "title", "date", "paragraph", "page", "section", "url", "collection"]
PASSAGE_KEYS += ["start", "end", "score", "confidence", "highlight", "differences", "also_in"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, shared_export: Path) -> tuple[Path, Path]:
    """A corpus with the seed and an index built once for the module."""
    root = tmp_path_factory.mktemp("cli")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    index = root / "index"
    assert main(["build", "--corpus", str(corpus), "--index", str(index), "--quiet"]) == 0
    return corpus, index


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_has_exactly_the_documented_shape(workspace, capsys) -> None:
    corpus, index = workspace
    code, out, _ = _run(
        capsys,
        "ask",
        "Should ICT providers install backdoors?",
        "--json",
        "--corpus",
        str(corpus),
        "--index",
        str(index),
        "--top-k",
        "2",
    )
    assert code == 0
    answer = json.loads(out)
    assert list(answer) == ["question", "answered", "confidence", "passages"]
    assert answer["answered"] is True and 1 <= len(answer["passages"]) <= 2
    text = (corpus / SEED.name).read_text(encoding="utf-8")
    for passage in answer["passages"]:
        assert list(passage) == PASSAGE_KEYS
        start, end = passage["highlight"]
        assert (start, end) in split_sentences(passage["text"])  # inside the passage, on a sentence
        assert text[passage["start"] : passage["end"]] == passage["text"]
        assert Path(passage["source"]).is_absolute()  # this corpus lies outside the repository
        assert passage["date"] == "2020-10-30" and isinstance(passage["paragraph"], int)


def test_ask_text_quotes_and_cites(workspace, capsys) -> None:
    corpus, index = workspace
    code, out, _ = _run(
        capsys, "ask", "Why did China vote against 73/266?", "--corpus", str(corpus), "--index", str(index)
    )
    assert code == 0
    assert out.startswith("> China always supports") and "¶ 6" in out and "2020-10-30" in out
    code, out, _ = _run(capsys, "ask", "How do I bake sourdough bread?", "--corpus", str(corpus), "--index", str(index))
    assert code == 0 and out.startswith("I couldn't find an answer") and "not an answer" in out


def test_batch_answers_each_line_and_reports_bad_ones(workspace, capsys, monkeypatch) -> None:
    corpus, index = workspace
    lines = ["What should ICT providers not do?", "", "x" * 2500, "What is the capital of Australia?"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, _ = _run(capsys, "ask", "--json", "--batch", "-", "--corpus", str(corpus), "--index", str(index))
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 4
    assert records[0]["answered"] is True
    assert "no words" in records[1]["error"] and "2000" in records[2]["error"]
    assert records[3]["answered"] is False


def test_build_check_reports_stale_and_current(workspace, capsys, tmp_path) -> None:
    corpus, index = workspace
    code, out, _ = _run(capsys, "build", "--check", "--corpus", str(corpus), "--index", str(index))
    assert code == 0 and out.startswith("up to date")
    code, out, _ = _run(capsys, "build", "--check", "--corpus", str(corpus), "--index", str(tmp_path / "none"))
    assert code == 1 and out.startswith("stale: no index")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "Q?", "--corpus", "{tmp}/missing"], "corpus folder"),
        (["ask", "   "], "question has no words"),
        (["ask", "x" * 2001], "limit is 2000"),
        (["ask"], "no question given"),
        (["ask", "Q?", "--index", "{tmp}/file.txt/index"], "cannot write the index"),
        (["build", "--corpus", "{tmp}/empty"], "no readable"),
        (["ask", "--batch", "-"], "--batch goes with --json"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(argv, message, capsys, tmp_path, seed_corpus) -> None:
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    if "--corpus" not in argv:
        argv += ["--corpus", str(seed_corpus)]
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    errors = [line for line in err.splitlines() if line.startswith("quotebot: error:")]
    assert len(errors) == 1 and message in errors[0] and err.endswith(errors[0] + "\n")


def test_unknown_model_path_is_a_clear_error(capsys, monkeypatch, seed_corpus, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # the default index folder: not the checkout's, which may hold another corpus's
    monkeypatch.setenv("QUOTEBOT_MODEL", "/nonexistent/model")
    code, _, err = _run(capsys, "ask", "Q?", "--corpus", str(seed_corpus))
    assert code == 2 and "QUOTEBOT_MODEL" in err and err.count("\n") == 1


def test_unreadable_index_is_rebuilt_on_ask(workspace, capsys, tmp_path) -> None:
    corpus, index = workspace
    broken = tmp_path / "broken"
    shutil.copytree(index, broken)
    for manifest in broken.glob("builds/*/manifest.json"):
        manifest.write_text("garbage", encoding="utf-8")
    code, out, err = _run(
        capsys, "ask", "What should ICT providers not do?", "--json", "--corpus", str(corpus), "--index", str(broken)
    )
    assert code == 0 and json.loads(out)["answered"] and "building the index" in err


def test_piped_stdin_answers_each_line_then_exits(workspace, capsys, monkeypatch) -> None:
    corpus, index = workspace
    monkeypatch.setattr(
        "sys.stdin", io.StringIO("What should ICT providers not do?\n\nWho won the 2018 FIFA World Cup?\n")
    )
    code, out, err = _run(capsys, "run", "--corpus", str(corpus), "--index", str(index))
    assert code == 0 and "DISCORD_TOKEN is not set" in err
    assert out.count("? ") == 2 and "backdoors" in out and "couldn't find" in out


def test_seed_claims_find_the_paragraph_that_bears_on_them(workspace, real_embedder) -> None:
    corpus, index = workspace
    # The CLI built it with the default model alone (it reads every language), as the settings ask by default.
    engine = open_engine(corpus, index, real_embedder, BuildOptions(), rebuild=False)
    lines = (ROOT / "tests/data/seed_claims.jsonl").read_text(encoding="utf-8").splitlines()
    for claim in map(json.loads, lines):
        answer = engine.answer(claim["claim"], 3, claim=True)
        if claim["paragraph"] is None:  # nothing in the document bears on it
            assert not answer.answered, claim
            continue
        spans = [range(p.paragraph, p.last_paragraph + 1) for p in answer.passages]
        assert answer.answered and any(claim["paragraph"] in s for s in spans), (claim, spans)
