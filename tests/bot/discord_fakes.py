"""Fakes for the bot tests: an engine, an engine loader, and interactions that record what was sent."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord

from bot.limits import BUSY
from index import Answer, Passage
from index.collections import default_collections

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
        self.corpus_dir = CORPUS
        docs = tuple(
            SimpleNamespace(doc_id=f"doc{i:02}.txt", title=f"Document {i}", date=f"2020-01-{i % 28 + 1:02}")
            for i in range(documents)
        )
        chunks = tuple(SimpleNamespace(doc_id=d.doc_id, paragraph=p, last_paragraph=p) for d in docs for p in (1, 2, 3))
        self.stored = SimpleNamespace(manifest=SimpleNamespace(documents=docs, chunk_count=len(chunks)), chunks=chunks)
        self.collections = default_collections(CORPUS)
        self.names: list[list[str] | None] = []  # the collections each call was allowed to search

    def answer(
        self, question: str, top_k: int = 3, *, claim: bool = False, names: Sequence[str] | None = None
    ) -> Answer:
        """Answer like QuoteEngine.answer: at most top_k passages."""
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

    def open(self) -> FakeEngine:
        """Return the first engine."""
        self.opened += 1
        return self.engine

    def rebuild(self, scope: Any = None) -> FakeEngine:
        """Return a new engine, after the gate opens when one is set."""
        self.scopes.append(scope)
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(10), "the test never opened the gate"
        self.rebuilt += 1
        return FakeEngine(self.engine.respond, documents=2, name=f"v{self.rebuilt + 1}")


class Calls(list[tuple[str, dict[str, Any]]]):
    """The calls an interaction received, in order: (name, keyword arguments)."""

    def names(self) -> list[str]:
        """Return the call names in order."""
        return [name for name, _ in self]

    def of(self, name: str) -> list[dict[str, Any]]:
        """Return the keyword arguments of every call with this name."""
        return [kwargs for n, kwargs in self if n == name]


class FakeMessage:
    """A sent message whose edits are recorded."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.id = 999

    async def edit(self, **kwargs: Any) -> FakeMessage:
        """Record an edit."""
        self.calls.append(("message.edit", kwargs))
        return self


class FakeResponse:
    """Record InteractionResponse calls; the first one completes the response."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.done = False

    def is_done(self) -> bool:
        """Tell whether a response was sent."""
        return self.done

    async def _record(self, name: str, kwargs: dict[str, Any]) -> None:
        assert not self.done, f"{name} after the interaction was already answered"
        self.calls.append((name, kwargs))
        self.done = True

    async def defer(self, **kwargs: Any) -> None:
        """Record a defer."""
        await self._record("defer", kwargs)

    async def send_message(self, content: str | None = None, **kwargs: Any) -> None:
        """Record a message."""
        await self._record("send_message", {"content": content, **kwargs})

    async def edit_message(self, **kwargs: Any) -> None:
        """Record an edit of the message the component is on."""
        await self._record("edit_message", kwargs)


class FakeFollowup:
    """Record follow-up messages."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls

    async def send(self, content: str | None = None, **kwargs: Any) -> FakeMessage:
        """Record a follow-up and return its message."""
        self.calls.append(("followup.send", {"content": content, **kwargs}))
        return FakeMessage(self.calls)


class FakeInteraction:
    """Just enough of discord.Interaction for CommandTree._call, the checks and the callbacks."""

    type = discord.InteractionType.application_command

    def __init__(
        self,
        client: discord.Client,
        *,
        user_id: int = 1,
        data: dict[str, Any] | None = None,
        permissions: discord.Permissions | None = None,
        guild_id: int | None = 10,
        channel_id: int | None = 20,
        channel: Any = None,
    ) -> None:
        self.client = client
        self.channel_id = channel_id
        self.channel = channel  # a discord.Thread to ask from a thread
        self.user = SimpleNamespace(id=user_id, name=f"user{user_id}")
        self.data = data or {}
        self.permissions = permissions or discord.Permissions.none()
        self.guild_id = guild_id
        self.guild = None
        self._state = None
        self.command_failed = False
        self._cs_command: Any = None
        self._cs_namespace: Any = None
        self.calls = Calls()
        self.response = FakeResponse(self.calls)
        self.followup = FakeFollowup(self.calls)

    @property
    def namespace(self) -> Any:
        """Return the options, as CommandTree._call set them."""
        return self._cs_namespace or SimpleNamespace()

    @property
    def command(self) -> Any:
        """Return the command being run."""
        return self._cs_command

    async def original_response(self) -> FakeMessage:
        """Return the message sent as the response."""
        return FakeMessage(self.calls)


_OPTION_TYPES = {str: 3, int: 4, bool: 5}


def slash(client: discord.Client, name: str, *, user_id: int = 1, **options: Any) -> FakeInteraction:
    """Build the interaction Discord sends when a user runs /name with these options."""
    data = {
        "type": 1,
        "name": name,
        "options": [{"name": k, "type": _OPTION_TYPES[type(v)], "value": v} for k, v in options.items()],
    }
    return FakeInteraction(client, user_id=user_id, data=data)


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


def reply_kind(interaction: FakeInteraction) -> str:
    """Name what the user got from the last message sent: answered, busy, cooldown, global or error."""
    sent = [kwargs for name, kwargs in interaction.calls if name in ("send_message", "followup.send")]
    if not sent:
        return "error"
    last = sent[-1]
    content = str(last.get("content") or "")
    if last.get("embeds") or content.startswith("**Question:**"):
        return "answered"
    if content == BUSY:
        return "busy"
    if content.startswith("Easy there:"):
        return "cooldown"
    if content.startswith("Too many questions right now"):
        return "global"
    return "error"


async def longest_stall(work: Callable[[], Any], tick: float = 0.005) -> tuple[float, Any]:
    """Run `work()` while a ticker sleeps `tick` at a time; return the longest extra wait it saw, and the result."""
    stall = 0.0
    done = False

    async def ticker() -> None:
        nonlocal stall
        while not done:
            started = time.perf_counter()
            await asyncio.sleep(tick)
            stall = max(stall, time.perf_counter() - started - tick)

    running = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    try:
        result = await work()
    finally:
        done = True
        await running
    return stall, result
