"""The package layout: quotebot.index and quotebot.bot from folders at the root, clean layers, no side effects."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.fakes import ROOT

PACKAGES = {"quotebot.index": ROOT / "index", "quotebot.bot": ROOT / "bot"}


def _folders() -> set[str]:
    """Every package folder under index/ and bot/, by its installed name."""
    found = set()
    for name, folder in PACKAGES.items():
        for init in folder.rglob("__init__.py"):
            found.add(".".join([name, *init.parent.relative_to(folder).parts]))
    return found


def test_pyproject_installs_every_package_folder_under_quotebot() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert set(config["packages"]) == _folders()
    assert config["package-dir"] == {"quotebot.index": "index", "quotebot.bot": "bot"}


def test_the_license_is_an_spdx_expression() -> None:
    """A `license = { text = ... }` table made setuptools print a deprecation banner three times per install."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    assert not any(c.startswith("License ::") for c in project["project"].get("classifiers", []))
    assert project["build-system"]["requires"] == ["setuptools>=77"]  # the first to read an SPDX expression


def _run(code: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def test_only_the_quotebot_names_are_installed(tmp_path: Path) -> None:
    done = _run("import quotebot.index, quotebot.bot.cli.program; print(quotebot.index.__version__)", tmp_path)
    assert done.returncode == 0 and done.stdout.strip(), done.stderr
    for bare in ("index", "bot"):  # generic names no longer land in site-packages
        assert "ModuleNotFoundError" in _run(f"import {bare}", tmp_path).stderr


_NO_SIDE_EFFECTS = """
import logging, os
import bm25s, faiss  # bm25s sets its own logger's level when imported: compare with that
threads, env, level = faiss.omp_get_max_threads(), dict(os.environ), logging.getLogger("bm25s").level
import quotebot.index, quotebot.bot.cli.program, quotebot.bot.client.client
assert dict(os.environ) == env, sorted(set(os.environ) ^ set(env))
assert faiss.omp_get_max_threads() == threads, (faiss.omp_get_max_threads(), threads)
assert logging.getLogger("bm25s").level == level
"""


def test_importing_changes_nothing_in_the_host_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "TOKENIZERS_"))}
    env["OMP_NUM_THREADS"] = "2"
    done = _run(_NO_SIDE_EFFECTS, tmp_path, env)
    assert done.returncode == 0, done.stderr


def _imports(path: Path) -> list[tuple[int, str]]:
    """Return (level, module) of every import in a file, `import x` as level 0."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
        elif isinstance(node, ast.Import):
            found.extend((0, alias.name) for alias in node.names)
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "bot").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_bot_uses_only_the_front_door_of_the_library(path: Path) -> None:
    depth = len(path.relative_to(ROOT / "bot").parts)  # bot/x.py: 1, bot/exts/x.py: 2
    for level, module in _imports(path):
        if level == depth + 1 and module.split(".")[0] == "index":  # ..index from bot/, ...index from exts/
            assert module in ("index", "index.text"), f"{path.name} imports {module}: use quotebot.index"
        assert level > 0 or not module.startswith(("index", "bot", "quotebot")), f"{path.name}: absolute {module}"


# The one exception: bench_discord times the real bot against the suite's fake Discord (no Discord is reachable
# here, and the issue asks for figures against that fake server), so it may import the fake and nothing else.
_FAKE_DISCORD = {"bench_discord.py": ("tests.bot.discord_guild", "tests.bot.discord_http_server", "tests.fakes")}


@pytest.mark.parametrize("path", sorted((ROOT / "scripts").glob("*.py")), ids=lambda p: p.name)
def test_scripts_import_the_installed_package_and_nothing_from_tests(path: Path) -> None:
    allowed = _FAKE_DISCORD.get(path.name, ())
    assert allowed or "sys.path" not in path.read_text(encoding="utf-8")
    for _, module in _imports(path):
        if module not in allowed:
            assert not module.startswith(("tests", "index", "bot")), f"{path.name} imports {module}"


@pytest.mark.parametrize(
    "layer, allowed",
    [
        ("ingest", {"errors", "models", "text", "ingest"}),  # reading files needs no model and no index
        ("store", {"errors", "models", "text", "store"}),  # storage knows no file format
        ("embed", {"errors", "models", "text", "embed"}),
    ],
)
def test_layers_import_only_what_is_below_them(layer: str, allowed: set[str]) -> None:
    for path in (ROOT / "index" / layer).rglob("*.py"):
        package = path.relative_to(ROOT / "index").parts[:-1]
        for level, module in _imports(path):
            if level == 0:
                continue
            base = list(package[: len(package) - level + 1])
            target = [*base, *module.split(".")] if module else base
            assert target[0] in allowed, f"{path.relative_to(ROOT)} imports {'.'.join(target)}"
