"""The module maps are the modules' own first docstring lines: README's by package, docs/modules.md whole.

When a module is added, moved or its docstring changes, rewrite both maps with
`.venv/bin/python -m tests.test_module_map` (from the repository root) and commit the result.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("index", "bot")
MAPS = {  # file -> (begin marker, end marker, whole map or packages only)
    ROOT / "README.md": ("<!-- packages:begin -->", "<!-- packages:end -->", False),
    ROOT / "docs" / "modules.md": ("<!-- modules:begin -->", "<!-- modules:end -->", True),
}


def first_line(path: Path) -> str:
    """Return the first line of a module's docstring ("" when it has none)."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return docstring.strip().splitlines()[0] if docstring.strip() else ""


def module_map(*, whole: bool) -> str:
    """Return the map: each package (its __init__'s line), and with `whole` each module under it, indented."""
    lines = []
    for package in PACKAGES:
        for init in sorted((ROOT / package).rglob("__init__.py")):
            folder = init.parent
            if "__pycache__" in folder.parts:
                continue
            depth = len(folder.relative_to(ROOT).parts) - 1
            name = folder.relative_to(ROOT).as_posix() if depth == 0 else folder.name
            lines.append(f"{'  ' * depth}{name}/ — {first_line(init)}")
            if whole:
                for module in sorted(p for p in folder.glob("*.py") if p.name != "__init__.py"):
                    lines.append(f"{'  ' * (depth + 1)}{module.name} — {first_line(module)}")
    return "\n".join(["```", *lines, "```"])


def _block(text: str, begin: str, end: str) -> str:
    """Return what lies between the markers of a file's map."""
    match = re.search(re.escape(begin) + r"\n(.*?)" + re.escape(end), text, re.DOTALL)
    assert match, f"the markers {begin} … {end} are missing"
    return match.group(1).rstrip("\n")


def test_every_module_has_a_first_docstring_line() -> None:
    missing = [p.relative_to(ROOT).as_posix() for package in PACKAGES for p in (ROOT / package).rglob("*.py")
               if "__pycache__" not in p.parts and not first_line(p)]  # fmt: skip
    assert not missing, f"modules without a docstring: {missing}"


def test_the_maps_are_the_modules_own_lines() -> None:
    for path, (begin, end, whole) in MAPS.items():
        expected = module_map(whole=whole)
        assert _block(path.read_text(encoding="utf-8"), begin, end) == expected, (
            f"{path.name}'s map drifted: run `.venv/bin/python -m tests.test_module_map` and commit the result"
        )


def test_the_readme_stays_a_first_hour_read_and_its_links_resolve() -> None:
    """Configuration, Discord sources, answer channels and operations live in docs/, each linked."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) <= 15_000
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if not re.match(r"[a-z]+:", target):  # a web link is not checked here
                assert (path.parent / target).exists(), f"{path.name} links to {target}, which does not exist"


def rewrite() -> None:
    """Write both maps from the modules' docstrings."""
    for path, (begin, end, whole) in MAPS.items():
        text = path.read_text(encoding="utf-8")
        start, stop = text.index(begin) + len(begin), text.index(end)
        path.write_text(text[:start] + f"\n{module_map(whole=whole)}\n" + text[stop:], encoding="utf-8")
        print(f"rewrote the map in {path.relative_to(ROOT)}")


if __name__ == "__main__":
    rewrite()
