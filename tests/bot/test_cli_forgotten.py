"""The command line honours /forget-me: a member on the bot's opt-out list is quoted by no format, nor in chat.

The corpus is a folder collection holding a DiscordChatExporter export (member 7 wrote the rollback steps,
member 8 the on-call rule); the opt-out list is the bot's `<data folder>/forgotten.json`.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from quotebot.bot.cli.program import main
from quotebot.bot.ops import engines as loader_module
from tests.fakes import FakeEmbedder

ROLLBACK = "The rollback runs with make rollback and takes ten minutes."
ONCALL = "The on-call rotation changes every Monday at noon."
FORGOTTEN, KEPT = "7", "8"


def export() -> str:
    """Return an export of one channel: the rollback steps by member 7, the on-call rule by member 8."""
    messages = [
        {
            "id": str(3000 + i),
            "type": "Default",
            "timestamp": f"2024-03-0{i}T10:00:00+00:00",
            "content": content,
            "author": {"id": author, "name": f"member{author}", "isBot": False},
        }
        for i, (content, author) in enumerate([(ROLLBACK, FORGOTTEN), (ONCALL, KEPT)], start=1)
    ]
    guild, channel = {"id": "111", "name": "Team"}, {"id": "222", "name": "ops"}
    return json.dumps({"guild": guild, "channel": channel, "messages": messages})


@pytest.fixture
def flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A folder collection with the export, the fake embedding model, the data folder; return the CLI's flags."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "ops.json").write_text(export(), encoding="utf-8")
    (tmp_path / "quotebot.toml").write_text('[collections.team]\npath = "docs"\n', encoding="utf-8")
    monkeypatch.setattr(loader_module, "make_embedder", lambda model, **_: FakeEmbedder())
    monkeypatch.setenv("QUOTEBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QUOTEBOT_WATCH", "false")
    return ["--config", str(tmp_path / "quotebot.toml"), "--index", str(tmp_path / "index"), "--quiet"]


def forget(root: Path, *members: str) -> None:
    """Write the opt-out list as the bot's /forget-me does."""
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "forgotten.json").write_text(json.dumps({"members": sorted(members)}), encoding="utf-8")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "output",
    [["--format", "discord"], ["--format", "discord", "--json"], ["--json"], ["--format", "markdown"], []],
    ids=["discord", "discord json", "json", "markdown", "text"],
)
def test_ask_never_quotes_a_member_who_ran_forget_me(
    flags: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], output: list[str]
) -> None:
    code, out, _ = run(capsys, "ask", "How does the rollback run?", *output, *flags)
    assert code == 0 and "make rollback" in out  # quoted before they opted out
    forget(tmp_path, FORGOTTEN)
    code, out, _ = run(capsys, "ask", "How does the rollback run?", *output, *flags)
    assert code == 0 and "make rollback" not in out
    code, out, _ = run(capsys, "ask", "When does the on-call rotation change?", *output, *flags)
    assert code == 0 and "every Monday at noon" in out  # the others are quoted as before


def test_a_batch_never_quotes_them_either(
    flags: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    forget(tmp_path, FORGOTTEN)
    monkeypatch.setattr("sys.stdin", io.StringIO("How does the rollback run?\nWhen does the on-call rotation change?\n"))
    code, out, _ = run(capsys, "ask", "--json", "--batch", "-", "--format", "discord", *flags)
    assert code == 0 and "make rollback" not in out and "every Monday at noon" in out


def test_data_names_the_bots_data_folder_where_the_list_is(
    flags: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    forget(tmp_path, FORGOTTEN)
    monkeypatch.setenv("QUOTEBOT_DATA_DIR", str(tmp_path / "elsewhere"))
    code, out, _ = run(capsys, "ask", "How does the rollback run?", "--data", str(tmp_path / "data"), *flags)
    assert code == 0 and "make rollback" not in out


class Typed(io.StringIO):
    """Questions typed into `quotebot chat`; `between` runs after the first has been read (the bot, meanwhile)."""

    def __init__(self, text: str, between: Any) -> None:
        super().__init__(text)
        self.between = between
        self.read_lines = 0

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        if self.read_lines == 1:
            self.between()
        self.read_lines += 1
        return super().readline(size)


def test_chat_never_quotes_them_and_applies_a_forget_me_made_while_it_runs(
    flags: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    forget(tmp_path, "999")  # someone else
    question = "How does the rollback run?\n"
    monkeypatch.setattr("sys.stdin", Typed(question * 2, lambda: forget(tmp_path, "999", FORGOTTEN)))
    code, out, _ = run(capsys, "chat", *flags)
    first, second = out.split(f"? {question}")[1:]
    assert code == 0 and "make rollback" in first and "make rollback" not in second

    monkeypatch.setattr("sys.stdin", io.StringIO(question))
    code, out, _ = run(capsys, "chat", *flags)  # a new chat starts with them withheld
    assert code == 0 and "make rollback" not in out


def test_a_damaged_opt_out_list_is_one_error_line_and_quotes_nothing(
    flags: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "forgotten.json").write_text('{"members": ["7"', encoding="utf-8")
    code, out, err = run(capsys, "ask", "How does the rollback run?", "--format", "discord", *flags)
    assert code == 2 and out == ""
    [line] = err.splitlines()
    assert line.startswith("quotebot: error: cannot read the opt-out list") and "restore it from a backup" in line
