"""Speak the asker's language: pick a catalog language for a Discord locale, and fill in the bot's own words.

Only what the bot itself writes is translated. A quote is an exact slice of its source, so passage text, titles,
file names and citations are shown as stored, in every language. No discord.py import: the CLI uses this too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from ...index import QuotebotError
from ..locales import CATALOG

if TYPE_CHECKING:
    import discord

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "Lang",
    "LocalizedError",
    "accepted_locales",
    "decimal",
    "has_text",
    "language",
    "number",
    "plural_key",
    "text",
]

Lang = Literal["en", "ar", "zh", "zh-TW", "fr", "ru", "es"]
LANGUAGES: tuple[Lang, ...] = ("en", "ar", "zh", "zh-TW", "fr", "ru", "es")
DEFAULT: Lang = "en"

_BY_BASE: dict[str, Lang] = {"en": "en", "ar": "ar", "fr": "fr", "ru": "ru", "es": "es"}
_TRADITIONAL = frozenset({"tw", "hk", "mo", "hant"})  # zh-TW, zh-HK, zh-MO, zh-Hant-*: Traditional characters
_GROUP: dict[str, str] = {"fr": "\u202f", "ru": "\u00a0", "es": "."}  # thousands separators (default ",")
_DECIMAL: dict[str, str] = {"fr": ",", "ru": ",", "es": ","}  # decimal marks (default ".")


def language(locale: discord.Locale | str | None) -> Lang:
    """Return the catalog language for a Discord locale or a tag ("zh", "zh-CN", "es-419", "en-GB"); else English."""
    if locale is None:
        return DEFAULT
    parts = str(locale).strip().replace("_", "-").lower().split("-")  # str(discord.Locale.french) == "fr"
    if parts[0] == "zh":
        return "zh-TW" if _TRADITIONAL & set(parts[1:]) else "zh"
    return _BY_BASE.get(parts[0], DEFAULT)


def accepted_locales() -> list[str]:
    """List what `quotebot ask --locale` takes: the catalog's languages, then Discord's locales."""
    from discord import Locale  # here: only the CLI's check needs discord.py's list

    return [*LANGUAGES, *sorted(str(locale) for locale in Locale if str(locale) not in LANGUAGES)]


def number(value: int, lang: Lang = DEFAULT) -> str:
    """Write an integer the way the language groups thousands: 1,001 in English, 1 001 in French."""
    if lang == "es" and abs(value) < 10_000:  # Spanish groups only from five digits: 1001, but 10.001
        return str(value)
    return f"{value:,}".replace(",", _GROUP.get(lang, ","))


def decimal(value: float, lang: Lang = DEFAULT, spec: str = ".2f") -> str:
    """Write a number with the language's decimal mark: 0.87 in English, 0,87 in French."""
    return format(value, spec).replace(".", _DECIMAL.get(lang, "."))


def has_text(key: str) -> bool:
    """Tell whether the catalog has a message with this key."""
    return key in CATALOG[DEFAULT]


def plural_key(key: str, count: int) -> str:
    """Return the key of the form a count takes: `key.one` for 1, `key.other` for any other number."""
    return f"{key}.{'one' if count == 1 else 'other'}"


def text(key: str, locale: discord.Locale | str | None = DEFAULT, /, **values: object) -> str:
    """Return the message `key` in the language of `locale`, its {placeholders} filled (integers grouped)."""
    lang = language(locale)
    template = CATALOG[lang].get(key) or CATALOG[DEFAULT][key]  # an unknown key is a bug: KeyError
    shown = {
        name: number(value, lang) if isinstance(value, int) and not isinstance(value, bool) else str(value)
        for name, value in values.items()
    }
    return template.format(**shown)


class LocalizedError(QuotebotError):
    """An error in the bot's own words: English in logs and str(), the member's language when shown to them."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(text(key, DEFAULT, **values))
        self.key = key
        self.values = values

    def localized(self, locale: discord.Locale | str | None) -> str:
        """Return the message in the language of `locale`."""
        return text(self.key, locale, **self.values)
