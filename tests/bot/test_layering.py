"""bot/'s layers: no import cycle between its modules, and each area imports only the areas below it.

The areas, lowest first (a module's area is its subpackage; bot/exts/ belongs to the client, bot/locales/ to
the words):

    words < intake < ops < sources < reply < client < cli

- words: the catalog of strings and the slash commands' translations; imports nothing of the bot.
- intake: where a question was asked (`Place`), its limits, the checks before a command. Below ops because the
  gaps log records a `Place`.
- ops: settings, config and engine (the corpus watcher and the command line load engines without Discord),
  the watcher, shutdown, health, logs, files. `lifecycle` and the reply area's `gate` and `views` see the
  Discord client through small protocols of their own, never by importing bot/client/.
- sources: Discord channels mirrored and re-checked.
- reply: what is posted (pages, buttons, the send-time gate).
- client: `QuoteBot`, which wires everything, and the cogs.
- cli: the command line and `quotebot serve`; bot/__init__.py and bot/__main__.py may import it.

Every import counts: at the top of a module, under TYPE_CHECKING, or inside a function.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

from tests.fakes import ROOT
from tests.graphs import find_cycle

BOT = ROOT / "bot"
AREAS = ("words", "intake", "ops", "sources", "reply", "client", "cli")
AREA_OF_FOLDER = {"exts": "client", "locales": "words"}
TOP = "<top>"  # bot/__init__.py and bot/__main__.py: above everything


def _name(path: Path) -> str:
    """quotebot.bot's dotted name of a module file."""
    parts = list(path.relative_to(BOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["quotebot", "bot", *parts])


def _modules() -> dict[str, Path]:
    return {_name(p): p for p in BOT.rglob("*.py") if "__pycache__" not in p.parts}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The bot modules `name` imports, wherever the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # `from package import module` imports the module; `from module import name` the module itself
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import quotebot.bot.ops.gaps.x`: the module holding it
                target = target.rpartition(".")[0]
            if target.startswith("quotebot.bot") and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    """Each bot module and the bot modules it imports."""
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def area_of(name: str) -> str:
    """The area of a bot module: its subpackage (TOP for quotebot.bot itself and its __main__)."""
    parts = name.split(".")[2:]
    if len(parts) < 2 and (not parts or parts[0] == "__main__"):
        return TOP
    return AREA_OF_FOLDER.get(parts[0], parts[0])


def layer_breaches(graph: Mapping[str, set[str]]) -> list[str]:
    """Every import of a module by one in a lower area (or in no known area)."""
    rank = {area: i for i, area in enumerate(AREAS)} | {TOP: len(AREAS)}
    breaches = []
    for name, targets in sorted(graph.items()):
        for target in sorted(targets):
            low, high = area_of(name), area_of(target)
            if low not in rank or high not in rank or rank[high] > rank[low]:
                breaches.append(f"{name} ({low}) imports {target} ({high})")
    return breaches


def test_the_graph_sees_every_kind_of_import() -> None:
    graph = import_graph()
    assert "quotebot.bot.words.i18n" in graph["quotebot.bot.client.client"]  # relative, at the top
    assert "quotebot.bot.client.client" in graph["quotebot.bot.exts.ask"]  # under TYPE_CHECKING
    assert "quotebot.bot.cli.serve" in graph["quotebot.bot.cli.program"]  # inside a function
    assert "quotebot.bot.locales.en" in graph["quotebot.bot.locales"]  # `from . import en`


def test_no_import_cycle_between_bot_modules() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_each_area_imports_only_the_areas_below_it() -> None:
    folders = {p.parent.name for p in BOT.glob("*/__init__.py")}
    assert {AREA_OF_FOLDER.get(f, f) for f in folders} == set(AREAS), "a folder in no area: add it to AREAS"
    assert not {p.name for p in BOT.glob("*.py")} - {"__init__.py", "__main__.py"}, "a module outside the areas"
    breaches = layer_breaches(import_graph())
    assert not breaches, "\n".join(breaches)


def test_the_checks_fail_on_the_cycle_and_the_breach_bot_once_had() -> None:
    """The flat bot/ of before: client -> lifecycle -> client (under TYPE_CHECKING), views -> client."""
    before = {
        "quotebot.bot.client.client": {"quotebot.bot.ops.lifecycle", "quotebot.bot.reply.views"},
        "quotebot.bot.ops.lifecycle": {"quotebot.bot.client.client"},
        "quotebot.bot.reply.views": {"quotebot.bot.client.client"},
    }
    cycle = find_cycle(before)
    assert cycle is not None and cycle[0] == cycle[-1] and len(cycle) == 3
    assert layer_breaches(before) == [
        "quotebot.bot.ops.lifecycle (ops) imports quotebot.bot.client.client (client)",
        "quotebot.bot.reply.views (reply) imports quotebot.bot.client.client (client)",
    ]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert layer_breaches({"quotebot.bot.cli.program": {"quotebot.bot.words.i18n"}}) == []
    assert layer_breaches({"quotebot.bot": {"quotebot.bot.cli"}, "quotebot.bot.__main__": {"quotebot.bot.cli"}}) == []
