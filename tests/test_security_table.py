"""SECURITY.md's disclosure table stays complete: every cell filled, every test it names exists.

The table's rows are the ways the bot shows text, its columns the ways a text must stop being shown; a cell
names tests by their legend codes, or says why the case cannot occur ("— (a)", with the note). A renamed or
deleted test, or a new row or column left empty, fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Gone means gone: the disclosure table"
ROWS = [
    "answer", "pages 2–3", "share", "claim", "thread name", "follow-up note", "/sources", "/gaps", "CLI", "logs", "disk",
]  # fmt: skip
COLUMNS = [
    "delete event", "delete while offline", "edit", "unpin", "/forget-me", "collection made private",
    "channel removed from config", "channel unreadable", "config file missing",
]  # fmt: skip


def _section() -> str:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start : end if end > 0 else None]


def _table() -> dict[str, dict[str, str]]:
    lines = [line for line in _section().splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == ["shown as", *COLUMNS]
    rows = {}
    for line in lines[2:]:
        name, *cells = (cell.strip() for cell in line.strip("|").split("|"))
        rows[name] = dict(zip(COLUMNS, cells, strict=True))
    return rows


def _legend() -> dict[str, tuple[Path, str]]:
    found = re.findall(r"^- ([A-Z]\d+) `([^`:]+)::([a-z0-9_]+)`", _section(), re.MULTILINE)
    return {code: (ROOT / "tests" / path, name) for code, path, name in found}


def _notes() -> set[str]:
    return set(re.findall(r"^- \(([a-z])\) ", _section(), re.MULTILINE))


def test_every_way_shown_meets_every_way_withdrawn() -> None:
    table = _table()
    assert list(table) == ROWS
    legend, notes = _legend(), _notes()
    for row, cells in table.items():
        for column, cell in cells.items():
            codes = re.findall(r"\b[A-Z]\d+\b", cell)
            marks = re.findall(r"\(([a-z])\)", cell)
            assert codes or re.fullmatch(r"— \([a-z]\)", cell), f"{row} × {column} is empty"
            assert all(code in legend for code in codes), f"{row} × {column}: {cell} names an unknown code"
            assert all(mark in notes for mark in marks), f"{row} × {column}: a note of {cell} is not written"


def test_every_test_the_table_names_exists() -> None:
    legend = _legend()
    assert len(legend) > 40
    for code, (path, name) in legend.items():
        assert path.is_file(), f"{code}: {path} does not exist"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
        assert name in defined, f"{code}: {path.name} has no test {name}"
