"""Claims on Discord: `/ask claim:True` and *Find source* mark where the quote differs, in the bot's own words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.client.testing import FakeInteraction, run_command, slash
from quotebot.bot.reply.gate import withdrawn_claim
from quotebot.bot.reply.replies import build_reply, fit_text, reply_payload
from quotebot.index import Answer, Difference
from tests.bot.discord_fakes import STATEMENT, FakeEngine, passage
from tests.bot.test_discord_commands import run_menu

CLAIM = "ICT providers should install backdoors in 1998."
NOT = STATEMENT.index("not install")
DIFFERS = (
    Difference("negation", "", 0, 0, NOT, NOT + 3),
    Difference("date", "1998", CLAIM.index("1998"), CLAIM.index("1998") + 4),  # not mentioned: no span
)


def _found(question: str, k: int) -> Answer:
    """Answer with the statement, its backdoors sentence bold and where it differs from CLAIM."""
    best = replace(
        passage(highlight=(STATEMENT.index("ICT products"), STATEMENT.index(" Countries"))), differences=DIFFERS
    )
    return Answer(question, True, (best,), confidence=0.9)


@pytest.mark.parametrize("claim", [True, False])
async def test_ask_takes_a_claim_option(bot: QuoteBot, engine: FakeEngine, claim: bool) -> None:
    engine.respond = _found if claim else engine.respond
    interaction = slash(bot, "ask", question=CLAIM, claim=claim)
    await run_command(bot, interaction)
    assert engine.claims == [claim]
    sent = interaction.calls.of("followup.send")[0]
    assert sent["content"].startswith("**Claim:**" if claim else "**Question:**")


async def test_a_claim_s_differences_are_underlined_and_said_under_the_quote(bot: QuoteBot, engine: FakeEngine) -> None:
    engine.respond = _found
    interaction = slash(bot, "ask", question=CLAIM, claim=True)
    await run_command(bot, interaction)
    embed = interaction.calls.of("followup.send")[0]["embeds"][0]
    assert "**ICT products and services providers should __not__ install backdoors in their products.**" in (
        embed.description or ""
    )
    footer = (embed.footer.text or "").split("\n")
    assert footer[1:] == ["≠ states a negation the claim does not make: “not”", "≠ does not mention “1998”"]


async def test_find_source_marks_the_differences_too(bot: QuoteBot, engine: FakeEngine) -> None:
    engine.respond = _found
    interaction = FakeInteraction(bot)
    await run_menu(bot, interaction, CLAIM)
    embed = interaction.calls.of("followup.send")[0]["embeds"][0]
    assert "__not__" in (embed.description or "") and "≠ does not mention “1998”" in (embed.footer.text or "")


def test_the_differences_are_in_the_member_s_language() -> None:
    reply = build_reply(_found(CLAIM, 3), per_page=3, kind="claim", lang="fr")
    assert (reply.embeds[0].footer.text or "").endswith("≠ ne mentionne pas « 1998 »")


def test_a_question_s_reply_says_nothing_of_differences() -> None:
    reply = build_reply(Answer("Q?", True, (passage(),), confidence=0.9), per_page=3, kind="question")
    assert "≠" not in (reply.embeds[0].footer.text or "") and "__" not in (reply.embeds[0].description or "")


@pytest.mark.parametrize(
    ("text", "underline", "shown"),
    [
        ("Built in 2002 by *x*.", ((9, 13),), "Built in __2002__ by \\*x\\*."),
        ("A_b was 12.\nIt was 3.", ((8, 10), (19, 20)), "A\\_b was __12__.\nIt was __3__."),
        ("We said 5\nor 6.", ((8, 14),), "We said __5__\n__or 6__."),  # markup never spans a line break
    ],
)
def test_underline_escapes_the_text_and_keeps_it_verbatim(text: str, underline: tuple, shown: str) -> None:
    assert fit_text(text, 1000, None, underline) == shown


def test_a_withdrawn_claim_takes_its_differences_with_it() -> None:
    gone = withdrawn_claim(_found(CLAIM, 3), "en")
    reply = build_reply(gone, per_page=3, kind="claim")
    shown = repr(reply_payload(reply))
    assert "1998" not in shown and CLAIM not in shown and "≠" not in shown
    assert gone.passages and all(p.differences == () for p in gone.passages)  # the quotes themselves stay


def test_the_underline_stays_on_its_own_line_of_a_bold_sentence_whose_lines_repeat() -> None:
    text = "It was 5;\nIt was 5;\nand so on."
    second = text.index("5", 10)
    assert fit_text(text, 1000, (0, len(text)), ((second, second + 1),)) == (
        "**It was 5;**\n**It was __5__;**\n**and so on.**"
    )
