"""The reply builder on hostile inputs: Discord's limits, escaping, and verbatim quotes."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotebot.bot.ops.gaps import GapLog
from quotebot.bot.reply.replies import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_LIMIT,
    MORE_ID,
    Reply,
    build_reply,
    escape_text,
    fetch_count,
    reply_payload,
)
from quotebot.bot.reply.views import AnswerView
from quotebot.index import Answer, Citation
from quotebot.index.text import split_sentences
from tests.bot.discord_fakes import fragments, numbered_passages, passage, unescape

HOSTILE = (
    "Ping @everyone and @here now. Roles <@&1> and <@&123456789012345678>, user <@123> <@!98765432109876543>, "
    "channel <#789>. A [masked link](https://evil.example/x_y) hides its target. **Bold**, __under__, ~~gone~~, "
    "||spoiler||, `code`.\n```py\nprint('fence')\n```\n# Heading\n> quote\n- item\n1. first\n-# subtext "
    "<t:0:R> <:emoji:1> </ask:1>."
)
CJK = "中华人民共和国主张各国应尊重他国主权。" * 250 + "数据安全关系各国。"


def long_paragraph() -> str:
    """Return a paragraph of about 6,000 characters made of 100 distinct sentences."""
    return " ".join(f"Sentence {i} talks at some length about the security of data across borders." for i in range(100))


def assert_within_limits(reply: Reply) -> None:
    """Check Discord's limits on a reply, on the real Embed objects."""
    assert reply.content is None or len(reply.content) <= CONTENT_LIMIT
    assert len(reply.embeds) <= 10
    assert sum(len(e) for e in reply.embeds) <= EMBED_TOTAL_LIMIT
    for embed in reply.embeds:
        assert len(embed) <= EMBED_TOTAL_LIMIT
        assert embed.description is None or len(embed.description) <= DESCRIPTION_LIMIT
        assert all(len(f.value or "") <= FIELD_LIMIT and len(f.name or "") <= 256 for f in embed.fields)
        assert len(embed.fields) <= 25 and len(embed.footer.text or "") <= 2048 and len(embed.title or "") <= 256
    json.dumps(reply_payload(reply))


def assert_verbatim(shown: str, source: str) -> None:
    """Check that every piece of quoted text, un-escaped, is a slice of the source."""
    pieces = fragments(shown)
    assert pieces, shown
    for piece in pieces:
        assert piece in source, piece


def assert_whole_sentences(shown: str, source: str) -> None:
    """Check that the quote starts and ends on sentence boundaries of the source."""
    pieces = fragments(shown)
    starts = {source[s:e] for s, e in split_sentences(source)}
    assert any(s.startswith(pieces[0]) or pieces[0].startswith(s) for s in starts)
    assert pieces[-1].endswith((".", "。", "!", "?")), pieces[-1]


@pytest.mark.parametrize("text", [HOSTILE, CJK, long_paragraph(), "Plain text with a URL https://example.org/a_b_c."])
def test_escaping_round_trips(text: str) -> None:
    assert unescape(escape_text(text)) == text


@given(st.text(alphabet=st.characters(exclude_characters="\u200b", exclude_categories=("Cs",))))
def test_escaping_round_trips_on_any_text(text: str) -> None:
    assert unescape(escape_text(text)) == text


def test_hostile_paragraph_cannot_ping_format_or_hide() -> None:
    reply = build_reply(Answer("q", True, (passage(HOSTILE),)))
    shown = reply.embeds[0].description or ""
    assert_within_limits(reply)
    assert_verbatim(shown, HOSTILE)
    assert "@everyone" not in shown and "@here" not in shown  # a zero-width space breaks both
    assert not re.search(r"(?<!\\)<[@#:/t]", shown), "a mention, channel, emoji, timestamp or command tag survived"
    assert "```" not in shown and "`" not in shown.replace("\\`", "")
    assert "\\[masked link\\](" in shown  # shown as text, the URL visible
    for marker in ("**Bold**", "__under__", "~~gone~~", "||spoiler||"):
        assert marker not in shown
    for line_start in ("\\# Heading", "\\> quote", "\\- item", "1\\. first", "\\-# subtext"):
        assert line_start in shown


def test_six_thousand_character_paragraph_is_cut_at_sentence_boundaries() -> None:
    text = long_paragraph()
    spans = split_sentences(text)
    highlight = spans[50]
    reply = build_reply(Answer("q", True, (passage(text, highlight=highlight),)))
    shown = reply.embeds[0].description or ""
    assert_within_limits(reply)
    assert len(text) > 6000 and len(shown) < len(text)
    assert shown.startswith(">>> … ") and shown.endswith(" …")
    assert_verbatim(shown, text)
    assert_whole_sentences(shown, text)
    assert f"**{text[highlight[0] : highlight[1]]}**" in shown  # the best sentence is kept, in bold


def test_highlight_is_bold_and_the_rest_is_not() -> None:
    text = "First sentence here. The best sentence is this one. Last sentence."
    reply = build_reply(Answer("q", True, (passage(text, highlight=(21, 51)),)))
    assert reply.embeds[0].description == ">>> First sentence here. **The best sentence is this one.** Last sentence."


def test_cjk_paragraph_is_cut_at_cjk_sentence_ends() -> None:
    reply = build_reply(Answer("q", True, (passage(CJK, highlight=(0, 19)),)))
    shown = reply.embeds[0].description or ""
    assert_within_limits(reply)
    assert_verbatim(shown, CJK)
    assert shown.endswith("。 …")


def test_one_sentence_longer_than_a_message_is_cut_at_a_word() -> None:
    text = "word " * 3000 + "end."
    reply = build_reply(Answer("q", True, (passage(text, highlight=(0, len(text))),)))
    shown = reply.embeds[0].description or ""
    assert_within_limits(reply)
    assert_verbatim(shown, text)
    assert shown.endswith("** …") and "wor**" not in shown


def test_ten_huge_passages_share_one_message() -> None:
    passages = tuple(passage(long_paragraph(), paragraph=i, highlight=(0, 10)) for i in range(1, 13))
    reply = build_reply(Answer("q", True, passages), per_page=10)
    assert_within_limits(reply)
    assert len(reply.embeds) == 10
    assert all(len(e.description or "") > 300 for e in reply.embeds)  # the budget is shared, not starved
    for embed in reply.embeds:
        assert_verbatim(embed.description or "", long_paragraph())


def test_hostile_metadata_and_question_are_escaped() -> None:
    hostile = passage("A quote.", title="@everyone <@&1> **Title**", doc_id="a_b.txt")
    reply = build_reply(Answer("@here <@&1> what about `code`?", True, (hostile,)))
    field = reply.embeds[0].fields[0].value or ""
    assert "@\u200beveryone" in field and "\\<@&1>" in field and "\\*\\*Title\\*\\*" in field
    assert "a\\_b.txt" in field
    assert reply.content == "**Question:** @\u200bhere \\<@&1> what about \\`code\\`?"


def test_overlong_question_echo_fits_the_content_limit() -> None:
    question = "Why * " * 400 + "really?"
    reply = build_reply(Answer(question, True, (passage(),)))
    assert_within_limits(reply)
    assert (reply.content or "").endswith("…")


def test_citation_and_score_are_shown() -> None:
    reply = build_reply(Answer("q", True, (passage(score=0.93, paragraph=7),)))
    embed = reply.embeds[0]
    field = embed.fields[0]
    assert field.name == "Source"
    assert field.value == "**Statement on Information Security**\n2020-10-30 · ¶ 7 · statement.txt"
    assert embed.footer.text == "strong match (0.93) · passage 1 of 1"


def test_unanswered_question_shows_closest_passages_labelled_not_an_answer() -> None:
    answer = Answer("Who won the 1998 World Cup?", False, numbered_passages(5))
    reply = build_reply(answer, per_page=3)
    assert_within_limits(reply)
    assert "I couldn't find this in the corpus." in (reply.content or "")
    assert "**not an answer**" in (reply.content or "")
    assert len(reply.embeds) == 3 and reply.page_count == 1
    assert all(e.title == "Closest passage — not an answer" for e in reply.embeds)
    assert all((e.footer.text or "").endswith("not an answer") for e in reply.embeds)
    assert [b["custom_id"] for b in reply_payload(reply)["components"][0]["components"]] == [
        "quotebot:up",
        "quotebot:down",
    ]


def test_unanswered_claim_without_passages_is_one_line() -> None:
    reply = build_reply(Answer("The moon is cheese.", False, ()), kind="claim")
    assert reply.content == "**Claim:** The moon is cheese.\nNo passage in the corpus addresses this."
    assert reply.embeds == [] and reply_payload(reply)["components"] == []


def test_pages_and_the_more_button() -> None:
    answer = Answer("q", True, numbered_passages(7))
    first, last = build_reply(answer, per_page=3), build_reply(answer, page=2, per_page=3)
    assert (first.page_count, first.has_more, last.has_more) == (3, True, False)
    assert [e.footer.text for e in last.embeds] == ["fair match (0.65) · passage 7 of 7"]
    more = reply_payload(first)["components"][0]["components"][0]
    assert (more["custom_id"], more["label"], more["disabled"]) == (MORE_ID, "More passages", False)
    assert reply_payload(last)["components"][0]["components"][0]["disabled"] is True
    assert fetch_count(3) == 9


def test_stale_sources_are_mentioned() -> None:
    reply = build_reply(Answer("q", True, (passage(),), stale=True))
    assert "/reindex" in (reply.content or "")


def test_payload_is_what_discord_py_sends(tmp_path: object) -> None:
    answer = Answer("q", True, numbered_passages(4))
    reply = build_reply(answer, per_page=3)
    payload = reply_payload(reply)
    assert payload["allowed_mentions"] == {"parse": []}
    assert payload["embeds"] == [e.to_dict() for e in reply.embeds]
    view = AnswerView(answer, reply, per_page=3, kind="question", asker_id=1, gaps=GapLog(tmp_path), via="t")  # type: ignore[arg-type]
    sent = view.to_components()
    for button in sent[0]["components"]:  # the bot's buttons carry the answer's key and page; a preview's do not
        assert button["custom_id"].endswith(f":{view.key}:0")
        button["custom_id"] = button["custom_id"].removesuffix(f":{view.key}:0")
    assert payload["components"] == sent
    assert isinstance(reply.embeds[0], discord.Embed)


def copy_of(doc_id: str, paragraph: int, title: str = "Reprint of the statement") -> Citation:
    """Return a citation of another place the statement is found."""
    return Citation(doc_id, Path("/corpus") / doc_id, title, "2021-03-01", paragraph, paragraph, 0, 100)


def test_duplicates_are_listed_under_the_passage_as_also_in() -> None:
    best = replace(passage(paragraph=2), also_in=(copy_of("reprint.txt", 5), copy_of("a_b.txt", 1, "**Bold** title")))
    embed = build_reply(Answer("q", True, (best,))).embeds[0]
    assert [f.name for f in embed.fields] == ["Source", "Also in"]
    assert embed.fields[1].value == (
        "Reprint of the statement · 2021-03-01 · ¶ 5 · reprint.txt\n"
        "\\*\\*Bold\\*\\* title · 2021-03-01 · ¶ 1 · a\\_b.txt"
    )
    assert [f.name for f in build_reply(Answer("q", True, (passage(),))).embeds[0].fields] == ["Source"]


def test_many_duplicates_fit_and_say_how_many_more() -> None:
    copies = tuple(copy_of(f"copy-{i:03}.txt", i, "A long title " * 20) for i in range(200))
    passages = tuple(replace(p, also_in=copies) for p in numbered_passages(10))
    for per_page in (1, 3, 10):
        reply = build_reply(Answer("q", True, passages), per_page=per_page)
        assert_within_limits(reply)
        for embed in reply.embeds:
            listed = (embed.fields[1].value or "").split("\n")
            assert listed[-1] == f"… and {200 - len(listed) + 1} more" and len(listed) >= 2
            assert len(embed.description or "") > 40  # the quote still has room


def test_each_passage_shows_one_number_its_confidence() -> None:
    confident = tuple(
        replace(p, confidence=c) for p, c in zip(numbered_passages(4), (0.87, 0.81, 0.6, 0.55), strict=True)
    )
    answer = Answer("q", True, confident, confidence=0.87)
    first, second = build_reply(answer, per_page=3), build_reply(answer, page=1, per_page=3)
    assert [e.footer.text for e in first.embeds] == [
        "strong match (0.87) · passage 1 of 4",
        "strong match (0.81) · passage 2 of 4",
        "fair match (0.60) · passage 3 of 4",
    ]
    assert [e.footer.text for e in second.embeds] == ["fair match (0.55) · passage 4 of 4"]
    unanswered = build_reply(Answer("q", False, tuple(replace(p, confidence=0.05) for p in numbered_passages(2))))
    assert [e.footer.text for e in unanswered.embeds] == [
        "weak match (0.05) · not an answer",
        "weak match (0.05) · not an answer",
    ]
    # A passage kept from before passages carried a confidence (an old share) shows its score, as it did.
    assert (
        build_reply(Answer("q", True, numbered_passages(1))).embeds[0].footer.text
        == "strong match (0.95) · passage 1 of 1"
    )
