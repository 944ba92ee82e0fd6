"""Fakes for the bot tests: an engine, an engine loader, and interactions that record what was sent."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from quotebot.index import Answer, Passage, Source
from quotebot.index.collections import Collections, default_collections

CORPUS = Path("/corpus")
STATEMENT = (
    "States should take measures to prevent ICT activities that impair important data. "
    "ICT products and services providers should not install backdoors in their products. "
    "Countries should respect the sovereignty of others."
)


def passage(
    text: str = STATEMENT,
    *,
    score: float = 0.9,
    highlight: tuple[int, int] | None = None,
    paragraph: int = 2,
    doc_id: str = "statement.txt",
    title: str = "Statement on Information Security",
    date: str | None = "2020-10-30",
) -> Passage:
    """Return a passage whose text is `text`, as the engine would."""
    return Passage(
        text=text,
        doc_id=doc_id,
        source=CORPUS / doc_id,
        title=title,
        date=date,
        paragraph=paragraph,
        last_paragraph=paragraph,
        start=0,
        end=len(text),
        score=score,
        highlight=highlight,
    )


def numbered_passages(count: int) -> tuple[Passage, ...]:
    """Return `count` short passages, best first, each naming its rank."""
    return tuple(
        passage(f"Passage number {i} says something about data security.", score=1 - i / 20, paragraph=i)
        for i in range(1, count + 1)
    )


class FakeEngine:
    """Answer from a fixed table (or a function) and remember the calls and the threads they ran in."""

    def __init__(
        self,
        respond: Callable[[str, int], Answer] | None = None,
        *,
        documents: int = 1,
        name: str = "v1",
    ) -> None:
        self.respond = respond or (lambda q, k: Answer(q, True, numbered_passages(7)))
        self.name = name
        self.calls: list[tuple[str, int]] = []
        self.claims: list[bool] = []  # the `claim` flag of each call
        self.threads: list[int] = []
        self._sources = [
            Source(f"doc{i:02}.txt", CORPUS / f"doc{i:02}.txt", f"Document {i}", f"2020-01-{i % 28 + 1:02}", 3, 3)
            for i in range(documents)
        ]
        self.collections = default_collections(CORPUS)
        self.names: list[list[str] | None] = []  # the collections each call was allowed to search
        self.withheld: frozenset[str] = frozenset()  # the authors the bot asked it never to quote
        self.servers: list[int | None] = []  # the server each call came from (0: a DM)
        self.hidden: frozenset[str] = frozenset()  # the Discord messages the bot asked it never to quote
        self.withdrawn: set[str] = set()  # files a test took away since (deleted, or their collection made private)
        self.rechecked: list[int] = []  # how many passages each send-time check was given

    def withhold(self, authors: frozenset[str], messages: frozenset[str] = frozenset()) -> None:
        """Remember the authors and messages never to quote, as Library.withhold does."""
        self.withheld = authors
        self.hidden = messages

    def quotable(
        self, passages: Sequence[Passage], *, names: Sequence[str] | None = None, server: int | None = None
    ) -> tuple[Passage, ...]:
        """Keep what Library.quotable keeps here: passages neither hidden nor `withdrawn` (by file) since."""
        self.rechecked.append(len(passages))
        return tuple(p for p in passages if p.url not in self.hidden and p.doc_id not in self.withdrawn)

    def sources(self, names: Sequence[str] | None = None) -> list[Source]:
        """List `documents` documents of three paragraphs each, as Library.sources does."""
        return list(self._sources)

    def answer(
        self,
        question: str,
        top_k: int = 3,
        *,
        claim: bool = False,
        names: Sequence[str] | None = None,
        server: int | None = None,
    ) -> Answer:
        """Answer like Library.answer: at most top_k passages."""
        self.servers.append(server)
        self.calls.append((question, top_k))
        self.names.append(None if names is None else list(names))
        self.claims.append(claim)
        self.threads.append(threading.get_ident())
        result = self.respond(question, top_k)
        return Answer(question, result.answered, result.passages[:top_k], result.stale, result.confidence)


class FakeLoader:
    """Open and rebuild fake engines; `gate` lets a test hold a rebuild half-way."""

    def __init__(self, engine: FakeEngine | None = None) -> None:
        self.engine = engine or FakeEngine()
        self.opened = 0
        self.rebuilt = 0
        self.gate: threading.Event | None = None
        self.started = threading.Event()
        self.scopes: list[Any] = []  # the scope each rebuild was asked for

    def collections(self) -> Collections:
        """Return the first engine's collections (one, public, over /corpus)."""
        return self.engine.collections

    def refresh(self, current: Any, names: Sequence[str]) -> FakeEngine:
        """Return the current engine (nothing of a fake changes in Discord)."""
        return current  # type: ignore[no-any-return]

    def open(self) -> FakeEngine:
        """Return the first engine."""
        self.opened += 1
        return self.engine

    def save(self, current: Any) -> Any:
        """Return the engine as it is (a fake is never updated in place)."""
        return current

    def rebuild(self, scope: Any = None, config: Any = None, *, current: Any = None) -> FakeEngine:
        """Return a new engine, after the gate opens when one is set."""
        self.scopes.append(scope)
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(10), "the test never opened the gate"
        self.rebuilt += 1
        return FakeEngine(self.engine.respond, documents=2, name=f"v{self.rebuilt + 1}")


def unescape(shown: str) -> str:
    """Undo escape_text: drop the backslash of each escaped character and the zero-width space after '@'."""
    return re.sub(r"\\(.)", r"\1", shown, flags=re.DOTALL).replace("@\u200b", "@")


def fragments(shown: str) -> list[str]:
    """Split shown quote text at the markers the bot adds (>>>, **, …) and un-escape each piece."""
    body = shown.removeprefix(">>> ")
    pieces, current, i = [], [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            current.append(body[i : i + 2])
            i += 2
        elif body.startswith("**", i) or body[i] == "…":
            pieces.append("".join(current))
            current = []
            i += 2 if body[i] == "*" else 1
        else:
            current.append(body[i])
            i += 1
    pieces.append("".join(current))
    return [unescape(p).strip() for p in pieces if unescape(p).strip()]
