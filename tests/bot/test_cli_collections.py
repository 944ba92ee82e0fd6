"""The command line over quotebot.toml: building, checking and asking per collection, and config errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quotebot.bot.cli.program import main

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("shared_export")]

OFFICE = "The office opens at nine. Staff park in the visitor car park; parking passes are issued by reception."
BASEMENT = "Security staff park in the locked basement bay; the door code changes weekly."
BADGES = "Badge printers are kept in the server room; only security staff may print a replacement badge."
PARKING, BADGE = "Where do staff park?", "Who may print a replacement badge?"
DOCUMENTS = {
    "handbook/office.md": f"# Office guide\n\n{OFFICE}\n",
    "security/basement.md": f"# Security runbook\n\n{BASEMENT}\n",
    "handbook/badges.txt": f"{BADGES}\n",
}
CONFIG = """\
[collections.handbook]
path = "handbook"

[collections.security]
path = "security"
private = true
channels = [30]
adopt_from = ["handbook"]
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, shared_export: Path) -> Path:
    """A project with a public handbook and a private security collection, built once for the module.

    handbook/badges.txt lies in the handbook folder but its sidecar moves it into security, which adopts from handbook.
    """
    root = tmp_path_factory.mktemp("collections")
    for name, text in DOCUMENTS.items():
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "handbook" / "badges.txt.meta.toml").write_text('collection = "security"\n', encoding="utf-8")
    (root / "quotebot.toml").write_text(CONFIG, encoding="utf-8")
    assert main(["build", *flags(root)]) == 0
    return root


def flags(root: Path) -> list[str]:
    """Return the flags that point the CLI at a project's config and index."""
    return ["--config", str(root / "quotebot.toml"), "--index", str(root / "index"), "--quiet"]


def run(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process on a project; return the exit code, stdout and stderr."""
    code = main([*argv, *flags(root)])
    out, err = capsys.readouterr()
    return code, out, err


def ask(capsys: pytest.CaptureFixture[str], root: Path, question: str, *argv: str) -> list[dict[str, object]]:
    """Ask with --json and return the passages."""
    code, out, _ = run(capsys, root, "ask", "--json", question, *argv)
    assert code == 0
    answer = json.loads(out)
    assert answer["answered"] is True, answer
    return answer["passages"]


def test_build_prints_one_line_per_collection(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, project, "build")
    handbook, security = out.splitlines()
    assert code == 0
    assert handbook.startswith("handbook: indexed 1 passages from 1 documents into ")
    assert handbook.split(" into ")[1].startswith(str(project / "index" / "handbook"))
    assert security.startswith("security: indexed 2 passages from 2 documents into ")  # badges.txt adopted
    code, out, _ = run(capsys, project, "build", "--collection", "security")
    assert code == 0 and len(out.splitlines()) == 1 and out.startswith("security: indexed ")


def test_build_check_reports_each_collection(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, project, "build", "--check")
    assert code == 0
    assert [line.split(": ")[:2] for line in out.splitlines()] == [
        ["handbook", "up to date"],
        ["security", "up to date"],
    ]
    added = project / "security" / "visitors.md"
    added.write_text("Visitors sign in at the front desk.\n", encoding="utf-8")
    try:
        code, out, _ = run(capsys, project, "build", "--check")
        handbook, security = out.splitlines()
        assert code == 1 and handbook.startswith("handbook: up to date") and security.startswith("security: stale: ")
        code, out, _ = run(capsys, project, "build", "--check", "--collection", "handbook")
        assert code == 0 and out.startswith("handbook: up to date") and len(out.splitlines()) == 1
    finally:
        added.unlink()
    assert run(capsys, project, "build", "--check")[0] == 0


@pytest.mark.parametrize(
    ("collection", "folder", "text"), [("handbook", "handbook", OFFICE), ("security", "security", BASEMENT)]
)
def test_ask_one_collection_quotes_only_it(
    project: Path, capsys: pytest.CaptureFixture[str], collection: str, folder: str, text: str
) -> None:
    passages = ask(capsys, project, PARKING, "--collection", collection)
    assert passages[0]["text"] == text
    for passage in passages:
        assert passage["collection"] == collection
        assert Path(str(passage["source"])).is_relative_to(project / folder)


def test_ask_without_collection_searches_every_one_and_names_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    passages = ask(capsys, project, PARKING)
    assert {p["collection"] for p in passages} == {"handbook", "security"}  # the CLI user owns the files
    for passage in passages:
        assert Path(str(passage["source"])).is_relative_to(project / str(passage["collection"]))


def test_a_sidecar_moves_a_file_into_another_collection(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [badge, *_] = ask(capsys, project, BADGE, "--collection", "security")
    assert (badge["text"], badge["collection"]) == (BADGES, "security")
    assert badge["source"] == str(project / "handbook" / "badges.txt")
    code, out, _ = run(capsys, project, "ask", "--json", BADGE, "--collection", "handbook")
    assert code == 0 and BADGES not in out and "badges.txt" not in out


def test_unknown_collection_is_one_line_naming_the_known_ones(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, project, "ask", PARKING, "--collection", "nope")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("quotebot: error: unknown collection 'nope'") and "handbook, security" in err


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("chanels = [30]", "[collections.security] unknown key 'chanels'"),
        ("private = true", "is private but lists no servers or channels"),
        ("channels = [0]", "`channels` holds 0, not a Discord id"),
    ],
)
def test_invalid_config_is_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, message: str
) -> None:
    (tmp_path / "security").mkdir()
    (tmp_path / "quotebot.toml").write_text(f'[collections.security]\npath = "security"\n{table}\n', encoding="utf-8")
    for command in (["build"], ["ask", PARKING]):
        code, out, err = run(capsys, tmp_path, *command)
        assert code == 2 and out == "" and err.count("\n") == 1
        assert err.startswith(f"quotebot: error: {tmp_path / 'quotebot.toml'}: ") and message in err
