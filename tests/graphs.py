"""Import graphs for the layering tests (bot/, scripts/): one cycle finder."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["find_cycle"]


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """Return one cycle of a graph as the path that closes it (`[a, b, a]`), or None when it has none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None
