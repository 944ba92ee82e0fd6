"""The front door, quotebot.index: a small deliberate API that takes plain strings, and the README's lines."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import quotebot.index as front
from quotebot.index import (
    Answer,
    QuotebotError,
    build_library,
    check_library,
    open_library,
    validate_question,
)
from tests.fakes import ROOT, SEED, FakeEmbedder

EXPECTED = {
    "__version__",
    "open_library", "build_library", "check_library", "update_library", "save_library", "Library", "BuildOptions", "Source",
    "load_collections", "Collections", "Collection", "jump_link", "parse_jump_link",
    "collections_from", "read_config_file", "prune_previous", "remove_builds", "preflight",
    "make_embedder", "Embedder", "DEFAULT_MODEL",
    "Answer", "Passage", "Citation", "Difference", "validate_question",
    "QuotebotError", "CorpusError", "DocumentFormatError", "ConfigError", "QuestionError", "EmptyQuestionError",
    "QuestionTooLongError", "ModelError", "ExportError", "IndexStateError", "IndexNotFoundError",
    "IndexCorruptError", "StaleIndexError", "OtherCorpusError",
}  # fmt: skip


def test_the_front_door_exports_exactly_the_public_api() -> None:
    assert set(front.__all__) == EXPECTED
    assert all(hasattr(front, name) for name in front.__all__)
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", front.__version__)
    errors = [getattr(front, n) for n in front.__all__ if n.endswith("Error")]
    assert all(issubclass(e, QuotebotError) for e in errors) and len(errors) == 14


def test_paths_may_be_plain_strings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "corpus").mkdir()
    shutil.copy(SEED, tmp_path / "corpus" / SEED.name)
    embedder = FakeEmbedder()
    monkeypatch.chdir(tmp_path)
    assert list(build_library("corpus", "index", embedder=embedder)) == ["default"]
    assert check_library("corpus", "index", model=embedder.name) == {"default": None}
    library = open_library("corpus", "index", embedder=embedder, rebuild=False)
    answer = library.answer("Should ICT providers install backdoors?")
    assert isinstance(answer, Answer) and answer.passages
    assert [s.title for s in library.sources()] == [library.engines["default"].stored.manifest.documents[0].title]


@pytest.mark.parametrize(("limit", "length", "fails"), [(2000, 2000, False), (2000, 2001, True), (1000, 1001, True)])
def test_one_question_length_rule_with_the_limit_as_a_parameter(limit: int, length: int, fails: bool) -> None:
    question = "a" * length
    if fails:
        with pytest.raises(front.QuestionTooLongError) as raised:
            validate_question(question, limit)
        assert (raised.value.length, raised.value.limit) == (length, limit)
    else:
        assert validate_question(question, limit) == question
    with pytest.raises(front.EmptyQuestionError):
        validate_question(" ?! ", limit)


def _readme_lines() -> str:
    """Return the Python block of the README's "Use it as a library" section, exactly as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use it as a library", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.mark.slow
def test_the_readme_library_lines_run_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code = _readme_lines()
    assert len(code.strip().splitlines()) <= 6  # the import, a blank line and the lines a newcomer types
    (tmp_path / "corpus").mkdir()
    shutil.copy(SEED, tmp_path / "corpus" / SEED.name)
    monkeypatch.chdir(tmp_path)  # the lines use relative folders, as a newcomer's would
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.strip()
    assert printed and printed in SEED.read_text(encoding="utf-8")  # a verbatim quote of the seed


def test_the_readme_load_collections_call_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Use it as a library", 1)[1]
    call = re.search(r"`(load_collections\([^`]*\))`", section)
    assert call is not None, "the README names load_collections(...)"
    (tmp_path / "corpus").mkdir()
    shutil.copy(SEED, tmp_path / "corpus" / SEED.name)
    monkeypatch.chdir(tmp_path)  # the README's paths are relative strings
    default = eval(call[1], {"load_collections": front.load_collections})  # the README's own text
    assert [c.name for c in default.items] == ["default"]  # no quotebot.toml: one collection over the folder
    (tmp_path / "quotebot.toml").write_text('[collections.handbook]\npath = "corpus"\n', encoding="utf-8")
    collections = eval(call[1], {"load_collections": front.load_collections})
    assert [c.name for c in collections.items] == ["handbook"]
    assert front.read_config_file("quotebot.toml") == {"collections": {"handbook": {"path": "corpus"}}}
    assert front.collections_from("quotebot.toml", None, "corpus").items[0].name == "default"
    library = open_library(collections, "index", embedder=FakeEmbedder())
    assert library.answer("Should ICT providers install backdoors?").passages
    assert front.remove_builds("index/handbook")  # str paths everywhere, the builds deleted
