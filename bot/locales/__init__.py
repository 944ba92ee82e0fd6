"""The bot's own words, one module per language: each maps the same message keys to its text.

English (`en`) is the reference: every other language has exactly its keys and the same {placeholders}
(tests/bot/test_i18n.py checks). Quotes, titles, file names and citations are never here: they are shown as stored.
"""

from . import ar, en, es, fr, ru, zh, zh_tw

__all__ = ["CATALOG"]

CATALOG: dict[str, dict[str, str]] = {
    "en": en.MESSAGES,
    "ar": ar.MESSAGES,
    "zh": zh.MESSAGES,
    "zh-TW": zh_tw.MESSAGES,
    "fr": fr.MESSAGES,
    "ru": ru.MESSAGES,
    "es": es.MESSAGES,
}
