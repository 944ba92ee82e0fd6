"""Which path ranks a question: the English one, or the other-language one (the ranking's `foreign` part).

The model reads every language, but a question and a passage in two languages match less well than two in one:
such questions are ranked by a ranking fitted for them (index.answer.engine). A question takes the English path
when it is written in Latin letters and reads as English: more English function words than Spanish, French,
German, Italian or Portuguese ones ("what is the", not "qué es el", "was ist der"); a question of four words or
more with accented letters needs at least one of them ("msgpack strict_map_key default value?" is English all
the same). Anything else, any other script included, takes the other-language path.
"""

from __future__ import annotations

import re

__all__ = ["reads_as_english"]

_WORDS = re.compile(r"[^\W\d_]+")


def _words(text: str) -> frozenset[str]:
    """Return the words of a space-separated list."""
    return frozenset(text.split())


_ENGLISH = _words(
    "the a an of to in on for with by from at is are was were be been do does did what which who whom whose "
    "when where why how can could should would will shall may might must this that these those it its i you "
    "we they he she my your our their there and or not no if than then as about into over after before many "
    "much more most any some all each"
)
# Function words of the other common Latin-script languages, that English never uses.
_OTHER = (
    _words(  # Spanish, Portuguese, Italian
        "el la los las lo un una unos unas del al que qué quién quien cuál cual cuándo cuando dónde donde cómo "
        "como por para con sin es son fue fueron ser está están eran hay se su sus le les y o pero muy más "
        "o os da das do dos em um uma é são foi pelo pela não qual quais quando onde como "
        "il gli le di della delle dei che chi è sono era fu nel nella per con non più"
    )
    | _words(  # French
        "le les des du au aux est sont était ont qui quoi quel quelle quels quelles où comment pourquoi "
        "combien dans sur avec pour pas une et ou ce cette ces son sa ses leur leurs"
    )
    | _words(  # German
        "der die das den dem des ein eine einer eines einem einen ist sind war waren wurde wurden wer was "
        "welche welcher welches wann wo wie warum wieviel wie viele und oder nicht mit von zu im auf für "
        "aus bei nach über unter zur zum vom vor sich auch noch ich wir ihr schon dass durch gegen ohne"
    )
    | _words("de en")  # French, Spanish, Portuguese, Italian
) - _ENGLISH


def reads_as_english(text: str) -> bool:
    """Tell whether a question is English (Latin letters, English function words outnumbering others')."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True  # numbers and symbols only: nothing to translate
    latin = sum(c.isascii() or "\u00c0" <= c <= "\u024f" for c in letters)
    if latin < 0.9 * len(letters):
        return False
    words = [w.lower() for w in _WORDS.findall(text)]
    english = sum(w in _ENGLISH for w in words)
    other = sum(w in _OTHER for w in words)
    if english == 0 and len(words) >= 4 and not text.isascii():
        return False  # accented words, not one English function word: Turkish, Polish, Vietnamese…
    return english >= other
