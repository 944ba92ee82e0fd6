"""SentencePiece's precompiled_charsmap (a darts-clone double array), built from a per-codepoint map.

tokenizers' ``Precompiled`` normalizer reads this blob: a u32 byte length, the double-array trie over the
UTF-8 of each mapped char, then the NUL-terminated outputs the trie's leaves point into.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["precompiled_charsmap"]

_MIN_BASE = 256  # darts-clone never uses a base below 256
_MAX_OFFSET = 1 << 21  # a unit stores its offset to the children in 21 bits


@dataclass
class _Node:
    """A trie node: children by byte, or (UTF-8 being prefix-free) a leaf value, never both."""

    children: dict[int, _Node] = field(default_factory=dict)
    value: int | None = None


def _outputs(norm: Mapping[int, Sequence[int]]) -> tuple[_Node, bytes]:
    """Return the trie of mapped chars and the blob of their NUL-terminated outputs (shared when equal)."""
    blob = bytearray()
    value_of: dict[bytes, int] = {}
    root = _Node()
    for codepoint in sorted(norm):
        out = "".join(map(chr, norm[codepoint])).encode("utf-8")
        if out not in value_of:
            value_of[out] = len(blob)
            blob += out + b"\0"
        node = root
        for byte in chr(codepoint).encode("utf-8"):
            node = node.children.setdefault(byte, _Node())
        node.value = value_of[out]
    return root, bytes(blob)


class _DoubleArray:
    """The units of a darts-clone double array, placed breadth-first."""

    def __init__(self) -> None:
        self.units: list[int] = [0]
        self.used = bytearray(1 << 16)
        self.used[0] = 1
        self.bases: set[int] = set()
        self.search_from = 1

    def claim(self, index: int, unit: int) -> None:
        """Mark a slot used and store its unit, growing the arrays as needed."""
        while index >= len(self.used):
            self.used += bytearray(len(self.used))
        if index >= len(self.units):
            self.units.extend([0] * (index + 1 - len(self.units)))
        self.used[index] = 1
        self.units[index] = unit

    def _free(self, index: int) -> bool:
        return index >= len(self.used) or not self.used[index]

    def find_base(self, labels: list[int]) -> int:
        """Return the first unused base at which every label's slot (base ^ label) is free."""
        slot = self.search_from
        while True:
            slot = self.used.find(0, slot)
            slot = len(self.used) if slot < 0 else slot
            base = slot ^ labels[0]
            if base >= _MIN_BASE and base not in self.bases and all(self._free(base ^ c) for c in labels):
                break
            slot += 1
        found = self.used.find(0, self.search_from)
        self.search_from = len(self.used) if found < 0 else found
        self.bases.add(base)
        return base

    def place(self, pos: int, node: _Node) -> list[tuple[int, _Node]]:
        """Place a node's leaf or children under the unit at `pos`; return the children to place next."""
        labels = sorted(node.children)
        if node.value is None and not labels:
            return []  # an empty map: the root alone
        base = self.find_base([0] if node.value is not None else labels)
        offset = pos ^ base
        if offset >= _MAX_OFFSET:
            raise ValueError("the normalizer map is too large for a darts-clone double array")
        self.units[pos] |= offset << 10
        if node.value is not None:
            self.units[pos] |= 1 << 8  # has_leaf
            self.claim(base, (1 << 31) | node.value)
            return []
        for label in labels:
            self.claim(base ^ label, label)
        return [(base ^ label, node.children[label]) for label in labels]

    def packed(self) -> bytes:
        """Return the units as little-endian u32, padded so every probe base ^ byte stays inside."""
        # tokenizers indexes the array without bounds checks
        size = (max(self.bases, default=0) | 0xFF) + 1
        units = self.units + [0] * max(0, size - len(self.units))
        return struct.pack(f"<{len(units)}I", *units)


def precompiled_charsmap(norm: Mapping[int, Sequence[int]]) -> bytes:
    """Return the precompiled_charsmap that maps each codepoint of `norm` to its output, the rest to itself."""
    root, blob = _outputs(norm)
    array = _DoubleArray()
    queue: deque[tuple[int, _Node]] = deque([(0, root)])
    while queue:
        queue.extend(array.place(*queue.popleft()))
    trie = array.packed()
    return struct.pack("<I", len(trie)) + trie + blob
