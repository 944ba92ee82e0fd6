"""The message catalog: every language has every key with the same placeholders; locales map to languages."""

from __future__ import annotations

import re
import string

import discord
import pytest
from discord.enums import try_enum

from quotebot.bot.locales import CATALOG
from quotebot.bot.words.i18n import (
    DEFAULT,
    LANGUAGES,
    Lang,
    LocalizedError,
    decimal,
    language,
    number,
    plural_key,
    text,
)

ENGLISH = CATALOG["en"]
UN_LANGUAGES = {"ar", "zh", "zh-TW", "en", "fr", "ru", "es"}  # the six, Chinese in both scripts
DESCRIPTION_LIMIT = 100  # Discord refuses a longer command or option description


def placeholders(template: str) -> set[str]:
    """Return the names of a template's {placeholders}."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_the_catalog_holds_the_six_un_languages_and_english_first() -> None:
    assert set(CATALOG) == set(LANGUAGES) == UN_LANGUAGES
    assert LANGUAGES[0] == DEFAULT == "en"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_language_has_every_key_with_the_same_placeholders(lang: Lang) -> None:
    messages = CATALOG[lang]
    assert set(messages) == set(ENGLISH), "missing or extra keys"
    for key, english in ENGLISH.items():
        assert placeholders(messages[key]) == placeholders(english), key
        assert messages[key].strip(), key
        if lang in ("ar", "ru", "zh", "zh-TW"):  # French and Spanish share a few words with English ("Source")
            assert messages[key] != english, f"{key} is not translated"


def test_plural_forms_come_in_pairs() -> None:
    stems = {key.rsplit(".", 1)[0] for key in ENGLISH if key.endswith((".one", ".other"))}
    assert stems == {
        "sources.title",
        "sources.paragraphs",
        "sources.messages",
        "reindex.summary",
        "limit.cooldown",
        "reply.left_out",
    }
    for stem in stems:
        assert {f"{stem}.one", f"{stem}.other"} <= set(ENGLISH)
    assert [plural_key("sources.title", n) for n in (0, 1, 2)] == [
        "sources.title.other",
        "sources.title.one",
        "sources.title.other",
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_fills_in(lang: Lang) -> None:
    for key, english in ENGLISH.items():
        values = {name: 7 for name in placeholders(english)}
        filled = text(key, lang, **values)
        assert "{" not in filled and "}" not in filled, (lang, key)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_command_description_fits_discord(lang: Lang) -> None:
    descriptions = {key: value for key, value in CATALOG[lang].items() if key.startswith("command.")}
    # every command and option described in English is described here too (ask and its options, sources, ...)
    assert set(descriptions) == {key for key in CATALOG["en"] if key.startswith("command.")}
    for key, value in descriptions.items():
        assert 1 <= len(value) <= DESCRIPTION_LIMIT, (lang, key, len(value))


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-US", "en"),
        ("en-GB", "en"),
        ("fr", "fr"),
        ("ru", "ru"),
        ("ar", "ar"),
        ("es-ES", "es"),
        ("es-419", "es"),
        ("es", "es"),
        ("zh", "zh"),
        ("zh-CN", "zh"),
        ("zh_CN", "zh"),
        ("zh-Hans", "zh"),
        ("zh-TW", "zh-TW"),
        ("zh-HK", "zh-TW"),
        ("zh-Hant-HK", "zh-TW"),
        ("ZH-tw", "zh-TW"),
        ("ja", "en"),
        ("de", "en"),
        ("pt-BR", "en"),
        ("", "en"),
        ("xx-YY", "en"),
        (None, "en"),
        (discord.Locale.french, "fr"),
        (discord.Locale.latin_american_spanish, "es"),
        (discord.Locale.taiwan_chinese, "zh-TW"),
        (discord.Locale.chinese, "zh"),
        (discord.Locale.japanese, "en"),
        (try_enum(discord.Locale, "ar"), "ar"),  # not a Discord locale yet: discord.py keeps it as an unknown value
    ],
)
def test_locales_map_to_catalog_languages(locale: discord.Locale | str | None, expected: Lang) -> None:
    assert language(locale) == expected


def test_text_takes_a_discord_locale_and_falls_back_to_english() -> None:
    assert text("button.more", discord.Locale.french) == "Plus de passages"
    assert text("button.more", discord.Locale.japanese) == text("button.more") == "More passages"
    with pytest.raises(KeyError):
        text("no.such.key", "fr")


@pytest.mark.parametrize(
    ("lang", "big", "small", "score"),
    [
        ("en", "12,345", "1,001", "0.87"),
        ("zh", "12,345", "1,001", "0.87"),
        ("fr", "12\u202f345", "1\u202f001", "0,87"),
        ("ru", "12\u00a0345", "1\u00a0001", "0,87"),
        ("es", "12.345", "1001", "0,87"),
    ],
)
def test_numbers_follow_the_language(lang: Lang, big: str, small: str, score: str) -> None:
    assert (number(12345, lang), number(1001, lang), number(7, lang)) == (big, small, "7")
    assert decimal(0.8712, lang) == score
    assert big in text("sources.page", lang, page=1, pages=12345)  # integers are grouped as they are filled in


def test_a_localized_error_is_english_in_logs_and_local_when_shown() -> None:
    error = LocalizedError("limit.global", wait=3)
    assert str(error) == "Too many questions right now; try again in 3 s."
    assert error.localized("fr") == "Trop de questions en ce moment ; réessayez dans 3 s."
    assert error.localized("ja") == str(error)


def test_the_bots_words_carry_no_discord_markup_that_could_ping() -> None:
    for lang, messages in CATALOG.items():
        for key, value in messages.items():
            assert not re.search(r"@(everyone|here)|<[@#]", value), (lang, key)
