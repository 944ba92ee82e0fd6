"""`quotebot ask --format discord --locale`: preview the bot's message in a member's language."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from quotebot.bot.cli.program import main
from quotebot.index import Answer
from tests.bot.discord_fakes import FakeEngine, numbered_passages

QUESTION = "What about backdoors?"
PREVIEW = ["ask", "--format", "discord", "--json"]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeEngine:
    """Make the CLI answer from a fake engine with seven passages (three pages of three)."""
    engine = FakeEngine(lambda q, k: Answer(q, True, numbered_passages(7), confidence=0.8712))
    monkeypatch.setattr("quotebot.bot.cli.program._engine", lambda settings, args: engine)
    return engine


def preview(capsys: pytest.CaptureFixture[str], *flags: str) -> dict[str, Any]:
    """Run the Discord preview of QUESTION with these flags; return the payload printed."""
    assert main([*PREVIEW, *flags, QUESTION]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one JSON line
    payload: dict[str, Any] = json.loads(out)
    return payload


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the command line expecting a usage error; return its one line on stderr."""
    assert main(list(argv)) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    return err


def button_labels(payload: dict[str, Any]) -> list[str | None]:
    """Return the labels of the payload's buttons (None for 👍 / 👎)."""
    return [button.get("label") for row in payload["components"] for button in row["components"]]


@pytest.mark.parametrize(
    ("locale", "label", "more", "footer"),
    [
        ("zh", "**问题：** ", "更多段落", "高度匹配 (0.95) · 第 1 段，共 7 段"),
        ("zh-CN", "**问题：** ", "更多段落", "高度匹配 (0.95) · 第 1 段，共 7 段"),
        ("zh-TW", "**問題：** ", "更多段落", "高度相符 (0.95) · 第 1 段，共 7 段"),
        ("fr", "**Question :** ", "Plus de passages", "forte correspondance (0,95) · passage 1 sur 7"),
        ("es_419", "**Pregunta:** ", "Más pasajes", "coincidencia fuerte (0,95) · pasaje 1 de 7"),
        ("ar", "**السؤال:** ", "مزيد من المقاطع", "تطابق قوي (0.95) · المقطع 1 من 7"),
    ],
)
def test_the_preview_speaks_the_locale_and_keeps_the_quotes(
    fake: FakeEngine, capsys: pytest.CaptureFixture[str], locale: str, label: str, more: str, footer: str
) -> None:
    english = preview(capsys)
    local = preview(capsys, "--locale", locale)
    assert local["content"] == label + QUESTION
    assert button_labels(local) == [more, None, None]
    assert local["embeds"][0]["footer"]["text"] == footer
    for mine, theirs in zip(local["embeds"], english["embeds"], strict=True):
        assert mine["description"] == theirs["description"]  # the quote, byte for byte
        assert [f["value"] for f in mine["fields"]] == [f["value"] for f in theirs["fields"]]
    assert english["content"] == "**Question:** " + QUESTION and button_labels(english)[0] == "More passages"


@pytest.mark.parametrize("locale", ["ja", "en-GB", "EN", "pt-BR"])
def test_a_discord_locale_without_a_translation_previews_english(
    fake: FakeEngine, capsys: pytest.CaptureFixture[str], locale: str
) -> None:
    assert preview(capsys, "--locale", locale) == preview(capsys)


def test_a_batch_preview_is_localized_line_by_line(
    fake: FakeEngine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.respond = lambda q, k: Answer(q, False, ())
    monkeypatch.setattr("sys.stdin", io.StringIO("Who won in 1998?\nWhat about 2002?\n"))
    assert main([*PREVIEW, "--locale", "ru", "--batch", "-"]) == 0
    lines = [json.loads(line)["content"] for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        "**Вопрос:** Who won in 1998?\nВ корпусе этого не нашлось.",
        "**Вопрос:** What about 2002?\nВ корпусе этого не нашлось.",
    ]


@pytest.mark.parametrize("value", ["xx", "klingon", "zh-XX", "fr\x1b[2J"])
def test_an_unknown_locale_is_one_line_listing_the_accepted_ones(
    fake: FakeEngine, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    err = refused(capsys, *PREVIEW, "--locale", value, QUESTION)
    assert err.startswith(f"quotebot: error: unknown --locale {value!r}: use one of en, ar, zh, zh-TW, fr, ru, es, ")
    assert "es-419" in err and "es-ES" in err and "zh-CN" in err and "\x1b" not in err
    assert fake.calls == []


@pytest.mark.parametrize("flags", [[], ["--json"], ["--format", "markdown"]])
def test_locale_goes_with_the_discord_preview_only(
    fake: FakeEngine, capsys: pytest.CaptureFixture[str], flags: list[str]
) -> None:
    err = refused(capsys, "ask", *flags, "--locale", "fr", QUESTION)
    assert err == "quotebot: error: --locale sets the language of the Discord preview: add --format discord\n"
    assert fake.calls == []
