"""scripts/: the scripts import each other in one direction only (no cycle), and none edits sys.path.

Each script runs as `python scripts/NAME.py`, so scripts/ is on sys.path and a script imports another by its bare
name (`import evalkit`, `from teamdocs import SETS`). Those imports, at any depth (inside functions too), make a
graph that must have no cycle: what several scripts share lives in scripts/evalkit.py, which imports no script.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.fakes import ROOT
from tests.graphs import find_cycle

SCRIPTS = ROOT / "scripts"
Graph = Mapping[str, set[str]]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def script_imports(tree: ast.AST, scripts: set[str]) -> set[str]:
    """Return the scripts a module imports, by bare name (`import x`, `import x.y`, `from x import y`), anywhere."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & scripts


def import_graph(folder: Path = SCRIPTS) -> dict[str, set[str]]:
    """Return, per script of a folder, the scripts of that folder it imports."""
    paths = {path.stem: path for path in sorted(folder.glob("*.py"))}
    return {name: script_imports(_tree(path), set(paths)) - {name} for name, path in paths.items()}


def sys_path_uses(tree: ast.AST) -> list[int]:
    """Return the lines that read or change `sys.path` (`sys.path.insert`, `sys.path[:]`, `from sys import path`)."""
    lines = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name)
        if node.value.id == "sys"
    ]
    lines += [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "sys" and any(a.name == "path" for a in node.names)
    ]
    return sorted(lines)


@pytest.mark.parametrize(
    "graph, cycle",
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b", "c"}, "b": {"c"}, "c": set()}, None),  # a diamond is no cycle
        ({"eval": {"teamdocs"}, "teamdocs": {"eval"}}, ["eval", "teamdocs", "eval"]),
        ({"a": {"b"}, "b": {"c"}, "c": {"d"}, "d": {"b"}}, ["b", "c", "d", "b"]),
        ({"a": {"a"}}, ["a", "a"]),
    ],
)
def test_the_cycle_finder_finds_a_cycle_when_there_is_one(graph: Graph, cycle: list[str] | None) -> None:
    assert find_cycle(graph) == cycle


def test_imports_are_found_at_any_depth_and_only_of_scripts() -> None:
    code = """
import evalkit as ev, numpy
from teamdocs import SETS
from . import views
def main():
    from xquad import run_xquad
    import fit.sub
"""
    assert script_imports(ast.parse(code), {"evalkit", "teamdocs", "xquad", "fit", "views", "eval"}) == {
        "evalkit",
        "teamdocs",
        "xquad",
        "fit",
    }


def test_the_scripts_of_a_folder_with_a_cycle_inside_a_function_make_a_cycle(tmp_path: Path) -> None:
    """As eval.py and teamdocs.py once did: eval imported teamdocs inside main(), teamdocs imported eval."""
    (tmp_path / "eval.py").write_text("def main():\n    from teamdocs import run_teamdocs\n", encoding="utf-8")
    (tmp_path / "teamdocs.py").write_text("from eval import ROOT\n", encoding="utf-8")
    (tmp_path / "load.py").write_text("import eval as ev\nimport sys\nsys.path.insert(0, '.')\n", encoding="utf-8")
    graph = import_graph(tmp_path)
    assert graph == {"eval": {"teamdocs"}, "teamdocs": {"eval"}, "load": {"eval"}}
    assert find_cycle(graph) == ["eval", "teamdocs", "eval"]
    assert sys_path_uses(_tree(tmp_path / "load.py")) == [3]


def test_the_scripts_import_each_other_without_a_cycle() -> None:
    graph = import_graph()
    assert "evalkit" in graph and not graph["evalkit"], "scripts/evalkit.py imports no script"
    cycle = find_cycle(graph)
    assert cycle is None, "scripts import each other in a circle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("path", sorted(SCRIPTS.glob("*.py")), ids=lambda p: p.name)
def test_no_script_touches_sys_path(path: Path) -> None:
    assert not sys_path_uses(_tree(path)), f"{path.name} uses sys.path on lines {sys_path_uses(_tree(path))}"
