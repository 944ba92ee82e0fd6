"""Slash commands, the context menu and the buttons, driven through discord.py's command tree."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from discord import app_commands

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.client.testing import FakeInteraction, run_command, slash
from quotebot.bot.reply.views import AnswerView, SourcesView
from quotebot.index import Answer, Citation, IndexStateError
from tests.bot.discord_fakes import CORPUS, FakeEngine, FakeLoader, numbered_passages, passage

NONE = {"parse": []}


def gaps(bot: QuoteBot) -> list[dict[str, Any]]:
    """Return the records of the bot's gaps log."""
    return list(bot.gaps.records())


async def run_menu(bot: QuoteBot, interaction: FakeInteraction, content: str) -> None:
    """Run "Find source" on a message as CommandTree._call_context_menu does."""
    menu = bot.tree.get_command("Find source", type=discord.AppCommandType.message)
    assert isinstance(menu, app_commands.ContextMenu)
    interaction._cs_command = menu
    try:
        message = SimpleNamespace(
            content=content, id=555, channel=SimpleNamespace(id=20), guild=SimpleNamespace(id=10),
            author=SimpleNamespace(id=4242),
        )  # fmt: skip
        await menu._invoke(interaction, message)  # type: ignore[arg-type]
    except app_commands.AppCommandError as error:
        await bot.tree.on_error(interaction, error)  # type: ignore[arg-type]


async def click(view: discord.ui.View, custom_id: str, interaction: FakeInteraction) -> None:
    """Press a button of a view as the view store would; `custom_id` may leave out the answer's key and page.

    The click comes from the message the view was posted on, unless the interaction says another one.
    """
    if interaction.message is None:
        interaction.message = getattr(view, "message", None)
    ids = [str(getattr(b, "custom_id", "")) for b in view.children]
    button = view.children[next(i for i, c in enumerate(ids) if c == custom_id or c.startswith(custom_id + ":"))]
    await button.callback(interaction)  # type: ignore[arg-type]


async def test_ask_defers_first_then_answers_off_the_loop(bot: QuoteBot, engine: FakeEngine) -> None:
    interaction = slash(bot, "ask", question="What about backdoors?")
    await run_command(bot, interaction)
    assert interaction.calls.names() == ["defer", "followup.send"]
    assert interaction.calls.of("defer") == [{"ephemeral": False, "thinking": True}]
    sent = interaction.calls.of("followup.send")[0]
    assert sent["content"] == "**Question:** What about backdoors?"
    assert [e.description.split(" says")[0] for e in sent["embeds"]] == [f">>> Passage number {i}" for i in (1, 2, 3)]
    assert sent["allowed_mentions"].to_dict() == NONE and sent["ephemeral"] is False
    assert isinstance(sent["view"], AnswerView) and sent["view"].message is not None
    assert engine.calls == [("What about backdoors?", 9)]  # three pages of three, fetched at once
    assert engine.claims == [False]
    assert engine.threads[0] != threading.get_ident()


async def test_ask_private_and_results(bot: QuoteBot, engine: FakeEngine) -> None:
    interaction = slash(bot, "ask", question="Q?", results=2, private=True)
    await run_command(bot, interaction)
    assert interaction.calls.of("defer") == [{"ephemeral": True, "thinking": True}]
    sent = interaction.calls.of("followup.send")[0]
    assert sent["ephemeral"] is True and len(sent["embeds"]) == 2
    assert engine.calls == [("Q?", 6)]


@pytest.mark.parametrize(("question", "expected"), [("   ", "Ask me a question"), ("x" * 1001, "1,001 characters")])
async def test_blank_or_overlong_question_gets_a_private_explanation(
    bot: QuoteBot, engine: FakeEngine, question: str, expected: str
) -> None:
    interaction = slash(bot, "ask", question=question)
    await run_command(bot, interaction)
    assert interaction.calls.names() == ["send_message"]
    sent = interaction.calls.of("send_message")[0]
    assert expected in sent["content"] and sent["ephemeral"] is True
    assert engine.calls == []


async def test_cooldown_refuses_kindly_per_user(bot: QuoteBot, engine: FakeEngine) -> None:
    for _ in range(5):
        await run_command(bot, slash(bot, "ask", question="Q?"))
    refused = slash(bot, "ask", question="Q?")
    await run_command(bot, refused)
    other = slash(bot, "ask", question="Q?", user_id=2)
    await run_command(bot, other)
    assert refused.calls.names() == ["send_message"]
    sent = refused.calls.of("send_message")[0]
    assert sent["ephemeral"] is True and sent["content"].startswith("Easy there: you can ask 5 questions every 30 s")
    assert other.calls.names() == ["defer", "followup.send"]
    assert len(engine.calls) == 6


async def test_known_error_is_one_private_line(bot: QuoteBot, engine: FakeEngine) -> None:
    def fail(question: str, top_k: int) -> Answer:
        raise IndexStateError("no index in /x: run `quotebot build`")

    engine.respond = fail
    interaction = slash(bot, "ask", question="Q?")
    await run_command(bot, interaction)
    assert interaction.calls.names() == ["defer", "followup.send"]
    sent = interaction.calls.of("followup.send")[0]
    assert sent["content"] == "No index in /x: run `quotebot build`" and sent["ephemeral"] is True


async def test_unknown_error_apologises_and_logs_the_traceback(
    bot: QuoteBot, engine: FakeEngine, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(question: str, top_k: int) -> Answer:
        raise ZeroDivisionError("secret internals")

    engine.respond = crash
    interaction = slash(bot, "ask", question="Q?")
    with caplog.at_level(logging.ERROR, logger="quotebot"):
        await run_command(bot, interaction)
    sent = interaction.calls.of("followup.send")[0]
    assert sent["content"].startswith("Sorry, something went wrong") and sent["ephemeral"] is True
    assert "secret" not in json.dumps([str(kwargs) for _, kwargs in interaction.calls])
    [logged] = [r for r in caplog.records if r.name == "quotebot.bot.exts.errors"]
    assert logged.exc_info is not None and "ZeroDivisionError: secret internals" in caplog.text


async def test_unanswered_question_is_logged(bot: QuoteBot, engine: FakeEngine) -> None:
    engine.respond = lambda q, k: Answer(q, False, numbered_passages(2))
    interaction = slash(bot, "ask", question="Who won in 1998?")
    await run_command(bot, interaction)
    assert "I couldn't find this in the corpus." in interaction.calls.of("followup.send")[0]["content"]
    [record] = gaps(bot)
    assert (record["kind"], record["question"], record["via"]) == ("unanswered", "Who won in 1998?", "slash")


async def test_more_passages_pages_for_the_asker_only(bot: QuoteBot) -> None:
    interaction = slash(bot, "ask", question="Q?", user_id=7)
    await run_command(bot, interaction)
    view = interaction.calls.of("followup.send")[0]["view"]
    stranger = FakeInteraction(bot, user_id=8)
    await click(view, "quotebot:more", stranger)
    assert stranger.calls.names() == ["send_message"] and stranger.calls.of("send_message")[0]["ephemeral"] is True
    asker = FakeInteraction(bot, user_id=7)
    await click(view, "quotebot:more", asker)
    edit = asker.calls.of("edit_message")[0]
    assert [e.footer.text.split(" · ")[1] for e in edit["embeds"]] == [f"passage {i} of 7" for i in (4, 5, 6)]
    assert edit["allowed_mentions"].to_dict() == NONE
    last = FakeInteraction(bot, user_id=7)
    await click(view, "quotebot:more", last)
    assert last.calls.of("edit_message")[0]["view"].children[0].disabled is True


async def test_feedback_is_logged_once_per_person(bot: QuoteBot) -> None:
    interaction = slash(bot, "ask", question="Q?")
    await run_command(bot, interaction)
    view = interaction.calls.of("followup.send")[0]["view"]
    first, again, other = (
        FakeInteraction(bot, user_id=3),
        FakeInteraction(bot, user_id=3),
        FakeInteraction(bot, user_id=4),
    )
    await click(view, "quotebot:up", first)
    await click(view, "quotebot:down", again)
    await click(view, "quotebot:down", other)
    assert "already rated" in again.calls.of("send_message")[0]["content"]
    votes = [(r["vote"], [p["paragraph"] for p in r["passages"]]) for r in gaps(bot)]
    assert votes == [(1, [1, 2, 3]), (-1, [1, 2, 3])]


async def test_find_source_is_private_and_says_when_nothing_addresses_the_claim(
    bot: QuoteBot, engine: FakeEngine
) -> None:
    engine.respond = lambda q, k: Answer(q, False, ())
    interaction = FakeInteraction(bot)
    await run_menu(bot, interaction, "The moon is made of cheese.")
    assert interaction.calls.names() == ["defer", "followup.send"]
    assert interaction.calls.of("defer") == [{"ephemeral": True, "thinking": True}]
    sent = interaction.calls.of("followup.send")[0]
    assert sent["ephemeral"] is True and sent["embeds"] == [] and "view" not in sent
    assert sent["content"].endswith("No passage in the corpus addresses this.")
    assert gaps(bot)[0]["via"] == "find-source"


async def test_find_source_quotes_supporting_passages(bot: QuoteBot, engine: FakeEngine) -> None:
    engine.respond = lambda q, k: Answer(q, True, (passage(),))
    interaction = FakeInteraction(bot)
    await run_menu(bot, interaction, "China said providers must not install backdoors.")
    sent = interaction.calls.of("followup.send")[0]
    assert sent["content"] == "**Claim:** China said providers must not install backdoors."
    assert "backdoors" in sent["embeds"][0].description
    assert engine.claims == [True]  # ranked as a claim, not answered as a question


async def test_find_source_lists_where_else_the_passage_is_found(bot: QuoteBot, engine: FakeEngine) -> None:
    copy = Citation("reprint.txt", CORPUS / "reprint.txt", "Reprint", None, 4, 4, 0, 10)
    found = replace(passage(), also_in=(copy,), confidence=0.7)
    engine.respond = lambda q, k: Answer(q, True, (found,), confidence=0.7)
    interaction = FakeInteraction(bot)
    await run_menu(bot, interaction, "China said providers must not install backdoors.")
    embed = interaction.calls.of("followup.send")[0]["embeds"][0]
    assert embed.fields[1].name == "Also in" and embed.fields[1].value == "Reprint · ¶ 4 · reprint.txt"
    assert (embed.footer.text or "").startswith("fair match (0.70)")  # its confidence, the one number shown


async def test_find_source_on_a_message_without_text(bot: QuoteBot, engine: FakeEngine) -> None:
    interaction = FakeInteraction(bot)
    await run_menu(bot, interaction, "")
    sent = interaction.calls.of("followup.send")[0]
    assert sent["content"] == "That message has no text I can check against the corpus." and sent["ephemeral"]
    assert engine.calls == []


async def test_sources_lists_documents_privately(bot: QuoteBot) -> None:
    interaction = slash(bot, "sources")
    await run_command(bot, interaction)
    sent = interaction.calls.of("send_message")[0]
    assert sent["ephemeral"] is True and "view" not in sent
    embed = sent["embeds"][0]
    assert embed.title == "The corpus: 1 document"
    assert embed.description == "**Document 0**\n2020-01-01 · 3 paragraphs · doc00.txt"


async def test_sources_paginates_long_lists(bot: QuoteBot, loader: FakeLoader) -> None:
    bot._engine = FakeEngine(documents=25)
    interaction = slash(bot, "sources")
    await run_command(bot, interaction)
    sent = interaction.calls.of("send_message")[0]
    view = sent["view"]
    assert isinstance(view, SourcesView) and sent["embeds"][0].footer.text == "page 1 of 3"
    assert [len(e.description.split("\n\n")) for e in sent["embeds"]] == [10]
    nxt = FakeInteraction(bot)
    await click(view, "quotebot:sources:next", nxt)
    embed = nxt.calls.of("edit_message")[0]["embeds"][0]
    assert embed.footer.text == "page 2 of 3" and embed.description.startswith("**Document 10**")


async def test_reindex_needs_manage_server(bot: QuoteBot, loader: FakeLoader) -> None:
    interaction = slash(bot, "reindex")
    await run_command(bot, interaction)
    assert interaction.calls.names() == ["send_message"]
    sent = interaction.calls.of("send_message")[0]
    assert sent["content"] == "You need the Manage Server permission to do that." and sent["ephemeral"] is True
    assert loader.rebuilt == 0


async def test_reindex_swaps_only_when_the_new_index_is_complete(bot: QuoteBot, loader: FakeLoader) -> None:
    loader.gate = threading.Event()
    interaction = slash(bot, "reindex")
    interaction.permissions = discord.Permissions(manage_guild=True)
    task = asyncio.create_task(run_command(bot, interaction))
    await asyncio.to_thread(loader.started.wait, 5)
    meanwhile = slash(bot, "ask", question="Still there?", user_id=5)
    await run_command(bot, meanwhile)
    assert meanwhile.calls.names() == ["defer", "followup.send"] and bot.engine is loader.engine  # old index answers
    busy = slash(bot, "reindex", user_id=6)
    busy.permissions = discord.Permissions(manage_guild=True)
    await run_command(bot, busy)
    assert "already running" in busy.calls.of("followup.send")[0]["content"]
    loader.gate.set()
    await task
    assert interaction.calls.of("defer") == [{"ephemeral": True, "thinking": True}]
    done = interaction.calls.of("followup.send")[0]
    assert done["content"].startswith("Reindexed 6 passages from 2 documents") and done["ephemeral"] is True
    assert bot.engine is not loader.engine and bot.engine.name == "v2"  # type: ignore[attr-defined]
    assert loader.rebuilt == 1


@pytest.fixture
def reply_threads(bot: QuoteBot, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the thread each reply is built in (a giant quote once stalled the event loop for seconds)."""
    views = sys.modules["quotebot.bot.reply.views"]
    threads: list[int] = []
    real = views.build_reply

    def spy(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "build_reply", spy)
    return threads


async def test_replies_are_built_off_the_event_loop(bot: QuoteBot, reply_threads: list[int]) -> None:
    interaction = slash(bot, "ask", question="Q?", user_id=7)
    await run_command(bot, interaction)
    await click(interaction.calls.of("followup.send")[0]["view"], "quotebot:more", FakeInteraction(bot, user_id=7))
    await run_menu(bot, FakeInteraction(bot, user_id=8), "ICT providers should not install backdoors.")
    assert len(reply_threads) == 3 and threading.get_ident() not in reply_threads
