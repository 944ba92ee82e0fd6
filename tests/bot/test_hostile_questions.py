"""Hostile questions through the library, the CLI and the bot: a one-line refusal or an answer, never a crash or a ping."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import discord.abc
import discord.ext.test as dpytest
import pytest

from quotebot.bot.cli.program import main
from quotebot.bot.client.client import QuoteBot
from quotebot.bot.client.testing import run_command, slash
from quotebot.bot.intake.limits import check_question
from quotebot.index import Answer, QuestionError, validate_question
from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.build import build_index, open_engine
from quotebot.index.collections import default_collections
from quotebot.index.library import Library, open_library
from tests.bot.discord_fakes import FakeEngine, passage
from tests.fakes import SEED, FakeEmbedder

HOSTILE = {
    "empty": "",
    "blank": "   \t\n",
    "huge": "x" * 100_000,
    "emoji": "🔥🔥🔥",
    "punctuation": "?!.,;:",
    "sql": "'; DROP TABLE chunks; --",
    "markdown": "**bold** [link](https://evil.example) ```code```",
    "mentions": "@everyone <@123> <@&456> <#789> hi",
    "controls": "\x00\x07\x1b[31mred\x1b[0m",
    "rtl": "\u202egnp.exe",
    "zero_width": "\u200b\u200b",
    "escape_heavy": ("*_`|~<@&456> @here " * 60)[:1000],  # at the bot's limit; escaping nearly doubles it
}
# A document that itself holds what a question must never smuggle through: mentions, markdown, a masked link.
TRAP = (
    "Moderators must never type @everyone or <@123> or <@&456> in <#789> to get attention. "
    "Writing **bold** text or a [link](https://evil.example) or ```code``` is fine in a hi message."
)
PINGS = re.compile(r"@everyone|@here|(?<!\\)<@[!&]?\d+>|(?<!\\)<#\d+>")  # what Discord would turn into a ping
MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")
REFUSED = {"empty", "blank", "huge", "zero_width", "emoji", "punctuation"}  # refused before the engine is asked


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A corpus (the seed and the trap document) and its index built once with the fake embedder."""
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "corpus"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    (folder / "trap.txt").write_text(f"Channel Etiquette\n\n{TRAP}\n", encoding="utf-8")
    build_index(folder, root / "index", FakeEmbedder())
    yield folder, root / "index"


@pytest.fixture(scope="module")
def quote_engine(corpus: tuple[Path, Path]) -> QuoteEngine:
    folder, index = corpus
    return open_engine(folder, index, FakeEmbedder(), rebuild=False)


def one_line(message: str) -> None:
    assert message and "\n" not in message.strip() and "Traceback" not in message


# --- a. the library ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_library_refuses_in_one_line_or_answers_verbatim(quote_engine: QuoteEngine, name: str) -> None:
    question = HOSTILE[name]
    try:
        validate_question(question)
    except QuestionError as exc:
        one_line(str(exc))
        with pytest.raises(QuestionError):
            quote_engine.answer(question)
        return
    answer = quote_engine.answer(question)
    assert isinstance(answer, Answer) and answer.question == question.strip()
    for quoted in answer.passages:
        assert quoted.source.read_text(encoding="utf-8")[quoted.start : quoted.end] == quoted.text


def test_library_refusals_are_the_expected_ones() -> None:
    for name in ("empty", "blank", "emoji", "punctuation", "zero_width"):
        with pytest.raises(QuestionError, match="the question has no words"):
            validate_question(HOSTILE[name])
    with pytest.raises(QuestionError, match="100000 characters long; the limit is 2000"):
        validate_question(HOSTILE["huge"])


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_bot_check_refuses_wordless_and_huge_questions_only(name: str) -> None:
    question = HOSTILE[name]
    if name not in REFUSED:
        assert check_question(question) == question.strip()
        return
    with pytest.raises(QuestionError) as refused:
        check_question(question)
    one_line(str(refused.value))
    assert ("100,000 characters" if name == "huge" else "Ask me a question") in str(refused.value)


def test_bot_check_wants_a_letter_or_a_digit_in_any_script() -> None:
    for wordless in (
        "\u200b\ufeff\u200c\u200d",
        "\u202e\u2066",
        "\x00\x07 \x1b",
        "\u2028\u3000",
        "🔥?",
        "…—!",
        "\u0301",
    ):
        with pytest.raises(QuestionError, match="Ask me a question"):
            check_question(wordless)
    with pytest.raises(QuestionError, match="no text I can check"):
        check_question("?!", kind="claim")
    for worded in ("7?", "🔥 why", "é", "数据", "مرحبا", "\u200bx\u200b", "DROP TABLE"):
        assert check_question(worded) == worded


# --- b. the CLI, in process, with the real model ----------------------------------------------------------

CLI_QUESTIONS = ["empty", "huge", "emoji", "mentions", "controls", "zero_width"]


@pytest.fixture(scope="module")
def cli_workspace(tmp_path_factory: pytest.TempPathFactory, shared_export: Path) -> tuple[Path, Path]:
    """The seed and trap documents, indexed once for the module with the real model."""
    root = tmp_path_factory.mktemp("hostile-cli")
    folder = root / "corpus"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    (folder / "trap.txt").write_text(f"Channel Etiquette\n\n{TRAP}\n", encoding="utf-8")
    assert main(["build", "--corpus", str(folder), "--index", str(root / "index"), "--quiet"]) == 0
    return folder, root / "index"


@pytest.mark.slow
@pytest.mark.parametrize("name", CLI_QUESTIONS)
def test_cli_exits_0_with_an_answer_or_2_with_one_error_line(
    cli_workspace: tuple[Path, Path], capsys: pytest.CaptureFixture[str], name: str
) -> None:
    folder, index = cli_workspace
    capsys.readouterr()
    code = main(["ask", HOSTILE[name], "--corpus", str(folder), "--index", str(index), "--quiet"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if code == 2:
        assert len(err.splitlines()) == 1 and err.startswith("quotebot: error:") and not out
    else:
        assert code == 0 and out.strip() and not err


# --- c. the bot: /ask and a mention, from a fake engine that echoes and from a real Library --------------------


def echoing_engine() -> FakeEngine:
    """An engine whose passage, title and citation repeat the question: the hostile text reaches every field."""

    def respond(question: str, top_k: int) -> Answer:
        quoted = passage(f"You asked: {question}. {TRAP}", title=f"About {question}"[:200], doc_id="echo.txt")
        return Answer(question, True, (quoted,) * min(top_k, 2), confidence=0.9)

    return FakeEngine(respond)


@pytest.fixture(params=["echo", "library"])
def engine(request: pytest.FixtureRequest, corpus: tuple[Path, Path]) -> FakeEngine | Library:
    """Override conftest's engine: one that echoes the question, or a real Library over the trap corpus."""
    if request.param == "echo":
        return echoing_engine()
    folder, index = corpus
    collections = default_collections(folder)
    return open_library(collections, index.parent / "library-index", embedder=FakeEmbedder())


def shown_texts(kwargs: dict[str, Any]) -> list[str]:
    """Return every text a sent message shows: its content and each embed's title, description and fields."""
    texts = [kwargs.get("content") or ""]
    embeds = list(kwargs.get("embeds") or []) + ([kwargs["embed"]] if kwargs.get("embed") else [])
    for embed in embeds:
        data = embed.to_dict() if isinstance(embed, discord.Embed) else embed
        texts += [data.get("title") or "", data.get("description") or "", data.get("footer", {}).get("text") or ""]
        texts += [f"{f['name']}\n{f['value']}" for f in data.get("fields", [])]
    return texts


def assert_harmless(texts: list[str]) -> None:
    """Assert no shown text would ping, masked-link or show an error's traceback."""
    units = [len(text.encode("utf-16-le")) // 2 for text in texts]
    assert units[0] <= 2000 and sum(units[1:]) <= 6000  # Discord's content and embed limits, escapes included
    for text in texts:
        assert not PINGS.search(text), text
        assert not MASKED_LINK.search(text), text
        assert "Traceback" not in text
    question_line = texts[0].split("\n")[0]
    if question_line.startswith("**Question:** "):  # the echoed question: all its markup escaped
        echoed = question_line.removeprefix("**Question:** ")
        assert not re.search(r"(?<!\\)[`*\[\]]", echoed), echoed


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_slash_ask_pings_nobody_and_refuses_in_one_line(bot: QuoteBot, name: str) -> None:
    interaction = slash(bot, "ask", question=HOSTILE[name])
    await run_command(bot, interaction)
    sent = [kwargs for call, kwargs in interaction.calls if call != "defer"]
    assert sent, interaction.calls
    for kwargs in sent:
        assert kwargs["allowed_mentions"].to_dict() == {"parse": []}
        assert_harmless(shown_texts(kwargs))
        if kwargs.get("ephemeral") and not kwargs.get("embeds"):
            one_line(kwargs["content"])  # a refusal or an error: one line
    if name in REFUSED:
        assert [c for c, _ in interaction.calls] == ["send_message"]
        assert sent[0]["ephemeral"] is True


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_mention_pings_nobody_and_refuses_in_one_line(
    live: QuoteBot, payloads: list[dict[str, Any]], name: str
) -> None:
    assert live.user is not None
    await dpytest.message(f"<@{live.user.id}> {HOSTILE[name]}", channel=dpytest.get_config().channels[0])
    assert len(payloads) == 1
    [body] = payloads
    assert body["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert_harmless(shown_texts(body))
    if not body.get("embeds"):
        one_line(body["content"])
    if name == "huge":
        assert "100,000 characters long" in body["content"]
    if name in REFUSED and name != "huge":
        assert body["content"].startswith("Ask me a question")


def test_the_echoed_question_carries_no_terminal_escape_or_bidi_override() -> None:
    from quotebot.bot.reply.replies import build_reply

    reply = build_reply(Answer(HOSTILE["controls"] + " " + HOSTILE["rtl"], False, ()), per_page=3)
    assert reply.content is not None and "red" in reply.content and "gnp.exe" in reply.content
    assert not any(c in reply.content for c in "\x00\x07\x1b\u202e")
