"""The bot's own words follow the member's Discord locale (mentions: the server's); quotes never change."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest

from quotebot.bot.client.client import QuoteBot
from quotebot.bot.client.testing import FakeInteraction, run_command, slash
from quotebot.bot.intake.limits import BusyError, GlobalLimitError
from quotebot.bot.reply.replies import build_reply
from quotebot.bot.words.i18n import LANGUAGES, Lang
from quotebot.index import Answer, IndexStateError
from tests.bot.discord_fakes import FakeEngine, FakeLoader, numbered_passages
from tests.bot.test_discord_commands import click, run_menu
from tests.bot.test_discord_mentions import mention
from tests.bot.test_discord_replies import assert_verbatim, assert_within_limits, copy_of, long_paragraph

QUESTION = "What about backdoors?"

# locale: (question label, "More passages", footer of passage 1 of 7, the citation field's name)
ANSWERED = {
    "fr": ("**Question :** ", "Plus de passages", "forte correspondance (0,95) · passage 1 sur 7", "Source"),
    "zh-CN": ("**问题：** ", "更多段落", "高度匹配 (0.95) · 第 1 段，共 7 段", "来源"),
    "zh-TW": ("**問題：** ", "更多段落", "高度相符 (0.95) · 第 1 段，共 7 段", "來源"),
    "ar": ("**السؤال:** ", "مزيد من المقاطع", "تطابق قوي (0.95) · المقطع 1 من 7", "المصدر"),
    "ru": ("**Вопрос:** ", "Ещё фрагменты", "сильное совпадение (0,95) · фрагмент 1 из 7", "Источник"),
    "es-ES": ("**Pregunta:** ", "Más pasajes", "coincidencia fuerte (0,95) · pasaje 1 de 7", "Fuente"),
    "es-419": ("**Pregunta:** ", "Más pasajes", "coincidencia fuerte (0,95) · pasaje 1 de 7", "Fuente"),
}

# locale: (the refusal with closest passages, the closest passage's title, its footer's last part)
UNANSWERED = {
    "fr": (
        "Je n'ai pas trouvé cela dans le corpus. Les passages les plus proches figurent ci-dessous ; "
        "ils ne constituent **pas une réponse**.",
        "Passage le plus proche — pas une réponse",
        "pas une réponse",
    ),
    "zh-CN": (
        "我在语料库中找不到相关内容。下面是最接近的段落，它们**并非答案**。",
        "最接近的段落——并非答案",
        "并非答案",
    ),
    "ar": (
        "لم أجد هذا في مجموعة الوثائق. أقرب المقاطع معروضة أدناه، وهي **ليست إجابة**.",
        "أقرب مقطع — ليس إجابة",
        "ليس إجابة",
    ),
}


async def ask(bot: QuoteBot, locale: str, question: str = QUESTION, user_id: int = 1) -> dict[str, Any]:
    """Run /ask from a member whose Discord speaks `locale`; return the follow-up the bot sent."""
    interaction = slash(bot, "ask", locale=locale, user_id=user_id, question=question)
    await run_command(bot, interaction)
    [sent] = interaction.calls.of("followup.send")
    return sent


async def refusal(bot: QuoteBot, interaction: FakeInteraction) -> str:
    """Run a command that the bot refuses; return the one private line it answered."""
    await run_command(bot, interaction)
    [sent] = [kwargs for name, kwargs in interaction.calls if name in ("send_message", "followup.send")]
    assert sent["ephemeral"] is True
    return str(sent["content"])


def quotes(sent: dict[str, Any]) -> list[str | None]:
    """Return the quoted passages of a reply, as shown."""
    return [embed.description for embed in sent["embeds"]]


def citations(sent: dict[str, Any]) -> list[str | None]:
    """Return the citation fields' values (title, date, ¶, file) of a reply."""
    return [field.value for embed in sent["embeds"] for field in embed.fields]


def labels(sent: dict[str, Any]) -> list[str | None]:
    """Return the labels of the buttons under a reply (None for the 👍 / 👎 emoji buttons)."""
    return [item.label for item in sent["view"].children]


@pytest.mark.parametrize("locale", ANSWERED)
async def test_an_answer_speaks_the_members_language_and_quotes_verbatim(bot: QuoteBot, locale: str) -> None:
    label, more, footer, source = ANSWERED[locale]
    english = await ask(bot, "en-US", user_id=1)
    local = await ask(bot, locale, user_id=2)
    assert local["content"] == label + QUESTION  # the question is echoed as typed, never translated
    assert labels(local) == [more, None, None]
    assert local["embeds"][0].footer.text == footer
    assert [f.name for e in local["embeds"] for f in e.fields] == [source] * 3
    assert quotes(local) == quotes(english) and quotes(local)[0].startswith(">>> Passage number 1")
    assert citations(local) == citations(english)  # titles, dates, ¶ and files stay as stored


@pytest.mark.parametrize("locale", UNANSWERED)
async def test_the_refusal_is_in_the_members_language(bot: QuoteBot, engine: FakeEngine, locale: str) -> None:
    said, title, footer_end = UNANSWERED[locale]
    engine.respond = lambda q, k: Answer(q, False, numbered_passages(2))
    english = await ask(bot, "en-US", "Who won in 1998?", user_id=1)
    local = await ask(bot, locale, "Who won in 1998?", user_id=2)
    assert local["content"].split("\n") == [ANSWERED[locale][0] + "Who won in 1998?", said]
    assert [e.title for e in local["embeds"]] == [title, title]
    assert all(e.footer.text.endswith(footer_end) for e in local["embeds"])
    assert quotes(local) == quotes(english) and citations(local) == citations(english)
    assert english["content"].endswith("they are **not an answer**.")


@pytest.mark.parametrize("locale", ["ja", "de", "pt-BR", "en-GB"])
async def test_a_locale_without_a_translation_gets_english(bot: QuoteBot, locale: str) -> None:
    english = await ask(bot, "en-US", user_id=1)
    other = await ask(bot, locale, user_id=2)
    assert other["content"] == "**Question:** " + QUESTION
    assert [e.to_dict() for e in other["embeds"]] == [e.to_dict() for e in english["embeds"]]
    assert labels(other) == labels(english) == ["More passages", None, None]
    french = await ask(bot, "fr", user_id=3)  # while a translated locale, asked the same, gets its own words
    assert labels(french) != labels(other) and french["embeds"][0].footer.text != other["embeds"][0].footer.text
    said = await refusal(bot, slash(bot, "ask", locale=locale, question="   "))
    assert said.startswith("Ask me a question about the documents I quote")


async def test_find_source_says_nothing_addresses_the_claim_in_french(bot: QuoteBot, engine: FakeEngine) -> None:
    engine.respond = lambda q, k: Answer(q, False, ())
    interaction = FakeInteraction(bot, locale="fr")
    await run_menu(bot, interaction, "La lune est en fromage.")
    [sent] = interaction.calls.of("followup.send")
    assert (
        sent["content"] == "**Affirmation :** La lune est en fromage.\nAucun passage du corpus ne traite de ce point."
    )


@pytest.mark.parametrize(
    ("locale", "question", "expected"),
    [
        ("fr", "   ", "Posez-moi une question sur les documents que je cite avec `/ask question:`"),
        ("ru", "x" * 1001, "Длина вашего вопроса — 1\u00a0001 симв.; я принимаю не больше 1\u00a0000."),
        ("zh-TW", "?!", "請用 `/ask question:` 問我一個關於我所引用文件的問題"),
    ],
)
async def test_a_refused_question_is_explained_in_the_members_language(
    bot: QuoteBot, engine: FakeEngine, locale: str, question: str, expected: str
) -> None:
    said = await refusal(bot, slash(bot, "ask", locale=locale, question=question))
    assert said.startswith(expected)
    assert engine.calls == []


async def test_the_cooldown_is_explained_in_chinese(bot: QuoteBot) -> None:
    for _ in range(5):
        await run_command(bot, slash(bot, "ask", question="Q?"))
    said = await refusal(bot, slash(bot, "ask", locale="zh-CN", question="Q?"))
    assert said.startswith("慢一点：每 30 秒最多可以提问 5 次。请在 ")


@pytest.fixture
def failing(engine: FakeEngine) -> Iterator[list[BaseException]]:
    """Make the engine raise the error a test puts in the list."""
    raised: list[BaseException] = []

    def fail(question: str, top_k: int) -> Answer:
        raise raised[0]

    engine.respond = fail
    yield raised


@pytest.mark.parametrize(
    ("locale", "error", "expected"),
    [
        ("fr", GlobalLimitError(2.5), "Trop de questions en ce moment ; réessayez dans 3 s."),
        ("es-ES", BusyError(), "Estoy respondiendo otras preguntas; inténtalo de nuevo en un momento."),
        ("ar", ZeroDivisionError("bug"), "عذرًا، حدث خطأ من جهتي. سُجّل الخطأ؛ يُرجى المحاولة لاحقًا."),
    ],
)
async def test_errors_reach_the_member_in_their_language(
    bot: QuoteBot, failing: list[BaseException], locale: str, error: BaseException, expected: str
) -> None:
    failing.append(error)
    assert await refusal(bot, slash(bot, "ask", locale=locale, question="Q?")) == expected


async def test_the_librarys_own_messages_are_shown_as_they_are(bot: QuoteBot, failing: list[BaseException]) -> None:
    # They name paths and commands to run; the bot's words around them are still the member's.
    failing.append(IndexStateError("no index in /x: run `quotebot build`"))
    assert await refusal(bot, slash(bot, "ask", locale="fr", question="Q?")) == "No index in /x: run `quotebot build`"
    bot._engine = None  # the bot's own "still loading" is its own words
    assert await refusal(bot, slash(bot, "ask", locale="fr", question="Q?", user_id=2)) == (
        "L'index est encore en cours de chargement : réessayez dans un instant"
    )


async def test_reindex_refusal_and_summary_in_spanish_and_french(bot: QuoteBot, loader: FakeLoader) -> None:
    refused = await refusal(bot, slash(bot, "reindex", locale="es-419"))
    assert refused == "Necesitas el permiso «Gestionar servidor» para hacer eso."
    interaction = slash(bot, "reindex", locale="fr")
    interaction.permissions = discord.Permissions(manage_guild=True)
    said = await refusal(bot, interaction)
    assert said.startswith("Réindexation terminée : 6 passages issus de 2 documents en ")
    assert loader.rebuilt == 1


async def test_more_passages_keeps_the_messages_language_and_clicks_answer_in_the_clickers(bot: QuoteBot) -> None:
    view = (await ask(bot, "fr", user_id=7))["view"]
    stranger = FakeInteraction(bot, user_id=8, locale="zh-CN")
    await click(view, "quotebot:more", stranger)
    assert stranger.calls.of("send_message")[0]["content"] == "只有提问者可以翻阅这些段落；请用 /ask 提出你自己的问题。"
    asker = FakeInteraction(bot, user_id=7, locale="en-US")  # a click carries its own locale: the page keeps French
    await click(view, "quotebot:more", asker)
    edit = asker.calls.of("edit_message")[0]
    assert [e.footer.text.split(" · ")[1] for e in edit["embeds"]] == [f"passage {i} sur 7" for i in (4, 5, 6)]
    assert labels(edit) == ["Plus de passages", None, None]
    voter = FakeInteraction(bot, user_id=9, locale="ru")
    await click(view, "quotebot:up", voter)
    again = FakeInteraction(bot, user_id=9, locale="ru")
    await click(view, "quotebot:down", again)
    said = [i.calls.of("send_message")[0]["content"] for i in (voter, again)]
    assert said == ["Спасибо, ваш отзыв учтён.", "Вы уже оценили этот ответ. Спасибо!"]


async def test_sources_in_french(bot: QuoteBot) -> None:
    interaction = slash(bot, "sources", locale="fr")
    await run_command(bot, interaction)
    [embed] = interaction.calls.of("send_message")[0]["embeds"]
    assert embed.title == "Le corpus : 1 document"
    assert embed.description == "**Document 0**\n2020-01-01 · 3 paragraphes · doc00.txt"


async def test_sources_pages_stay_in_arabic(bot: QuoteBot) -> None:
    bot._engine = FakeEngine(documents=25)
    interaction = slash(bot, "sources", locale="ar")
    await run_command(bot, interaction)
    sent = interaction.calls.of("send_message")[0]
    assert sent["embeds"][0].title == "مجموعة الوثائق — عدد الوثائق: 25"
    assert sent["embeds"][0].footer.text == "الصفحة 1 من 3"
    assert labels(sent) == ["السابق", "التالي"]
    nxt = FakeInteraction(bot)  # an English client paging an Arabic list: the list keeps its language
    await click(sent["view"], "quotebot:sources:next", nxt)
    embed = nxt.calls.of("edit_message")[0]["embeds"][0]
    assert embed.footer.text == "الصفحة 2 من 3" and embed.description.startswith("**Document 10**\n")
    assert "عدد الفقرات: 3" in embed.description


@pytest.fixture
def spanish_server(live: QuoteBot) -> discord.Guild:
    """Set the test server's preferred locale (Server Settings › Community › Server Primary Language) to es-ES."""
    guild = dpytest.get_config().guilds[0]
    guild.preferred_locale = discord.Locale.spain_spanish
    return guild


async def test_a_mention_answers_in_the_servers_language(
    live: QuoteBot, spanish_server: discord.Guild, payloads: list[Any]
) -> None:
    channel = dpytest.get_config().channels[0]
    assert channel.guild is spanish_server
    await dpytest.message(f"{mention(live)} what did China say about backdoors?", channel=channel)
    reply = dpytest.get_message()
    assert reply.content == "**Pregunta:** what did China say about backdoors?"
    assert reply.embeds[0].footer.text == "coincidencia fuerte (0,95) · pasaje 1 de 7"
    assert reply.embeds[0].fields[0].name == "Fuente"
    assert reply.embeds[0].description.startswith(">>> Passage number 1 says something about data security.")
    assert payloads[0]["components"][0]["components"][0]["label"] == "Más pasajes"
    spanish_server.preferred_locale = discord.Locale.american_english
    await dpytest.message(f"{mention(live)} what did China say about backdoors?", channel=channel)
    english = dpytest.get_message()
    assert [e.description for e in english.embeds] == [e.description for e in reply.embeds]


async def test_a_mention_is_refused_in_the_servers_language(live: QuoteBot, spanish_server: discord.Guild) -> None:
    live.limiter.rate = 1
    channel = dpytest.get_config().channels[0]
    await dpytest.message(mention(live), channel=channel)
    assert dpytest.get_message().content.startswith("Hazme una pregunta sobre los documentos que cito")
    await dpytest.message(f"{mention(live)} first?", channel=channel)
    dpytest.get_message()
    await dpytest.message(f"{mention(live)} second?", channel=channel)
    assert dpytest.get_message().content.startswith("Con calma: puedes hacer 1 pregunta cada 30 segundos.")


async def test_a_dm_is_answered_in_english(live: QuoteBot, spanish_server: discord.Guild) -> None:
    await dpytest.message(f"{mention(live)} What about sovereignty?", channel=dpytest.get_config().channels[0])
    assert dpytest.get_message().content == "**Pregunta:** What about sovereignty?"  # in the server: Spanish
    member = dpytest.get_config().members[0]
    await dpytest.message("What about sovereignty?", channel=await member.create_dm(), member=member)
    reply = dpytest.get_message()
    assert reply.content == "**Question:** What about sovereignty?"
    assert reply.embeds[0].fields[0].name == "Source"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_keeps_discords_limits_and_the_quotes_verbatim(lang: Lang) -> None:
    text = long_paragraph()
    copies = tuple(copy_of(f"copy-{i:03}.txt", i, "A long title " * 20) for i in range(200))
    linked = {"text": text, "end": len(text), "also_in": copies, "url": "https://intranet.example.org/statement"}
    passages = tuple(replace(p, **linked) for p in numbered_passages(10))
    answer = Answer("why? " * 200, True, passages, stale=True, confidence=0.5)
    for per_page in (1, 3, 10):
        reply = build_reply(answer, per_page=per_page, lang=lang)
        assert_within_limits(reply)  # the bot's words differ in length; the budget is shared out after them
        assert reply.lang == lang and reply.content and reply.content.count("\n") == 1
        for embed in reply.embeds:
            assert_verbatim(embed.description or "", text)


def test_the_notes_titles_and_also_in_are_french_and_the_places_are_not() -> None:
    copies = tuple(copy_of(f"copy-{i:03}.txt", i, "A long title " * 20) for i in range(200))
    best = replace(numbered_passages(1)[0], also_in=copies, url="https://intranet.example.org/statement")
    reply = build_reply(Answer("q", True, (best,), stale=True), lang="fr")
    assert (reply.content or "").endswith(
        "\n-# Certains passages ont été omis : leurs fichiers ont changé depuis l'indexation. "
        "Un modérateur peut lancer /reindex."
    )
    [embed] = reply.embeds
    assert embed.title == "Ouvrir la source à ce passage" and embed.url == best.url
    assert [f.name for f in embed.fields] == ["Source", "Aussi dans"]
    listed = (embed.fields[1].value or "").split("\n")
    english = (build_reply(Answer("q", True, (best,))).embeds[0].fields[1].value or "").split("\n")
    assert listed[:2] == english[:2] and listed[0].startswith("A long title A long title")  # places as stored
    assert listed[-1] == f"… et {200 - len(listed) + 1} de plus"
