"""The slash commands' descriptions in every catalog language, sent to Discord with the commands when they sync.

Discord shows each member the description of their client's locale. Command and option names stay English:
Discord wants them lowercase and unique, and members type them, so one spelling everywhere is kinder.
"""

from __future__ import annotations

from discord import Locale, app_commands
from discord.app_commands import TranslationContextLocation, TranslationContextTypes, locale_str

from .i18n import DEFAULT, language, text

__all__ = ["CatalogTranslator", "described"]

_NAMES = frozenset(
    {
        TranslationContextLocation.command_name,
        TranslationContextLocation.group_name,
        TranslationContextLocation.parameter_name,
    }
)


def described(key: str) -> locale_str:
    """Return a description: the English text of a catalog key, marked with the key for the translator."""
    return locale_str(text(key), key=key)


class CatalogTranslator(app_commands.Translator):
    """Translate the descriptions marked by `described`; leave names, and locales without a translation, alone."""

    async def translate(self, string: locale_str, locale: Locale, context: TranslationContextTypes) -> str | None:
        """Return the text for `locale`, or None to let Discord show the English default."""
        key = string.extras.get("key")
        if not isinstance(key, str) or context.location in _NAMES:
            return None
        lang = language(locale)
        return None if lang == DEFAULT else text(key, lang)
