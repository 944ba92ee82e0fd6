"""Find a text's negations: "not" and its kin, and the words that say "not" in other words."""

from __future__ import annotations

import re

__all__ = ["negations", "negative"]

_NEGATION = re.compile(
    r"(?:\b(?:not|never|no|none|nobody|nothing|neither|nor|without|cannot|no longer)\b|n't\b)"
    r"(?!\s+(?:more|less|fewer|later|earlier|sooner|only|just|merely)\b)"  # "no more than 2000 km" is a bound
)
# Words that say "not" in other words: a claim's "not" is no difference from a sentence that has one.
_NEGATIVE = re.compile(
    r"\b(?:unable|fail(?:s|ed|ing)?|refus\w*|lack\w*|absen\w*|rarely|hardly|barely|seldom|ceas\w*|"
    r"prevent\w*|avoid\w*|den(?:y|ies|ied)|reject\w*)\b",
    re.IGNORECASE,
)
# Of those, the words that mean "not have", "not able" or "not do": a source's "lack" negates what a claim states.
_LACKS = re.compile(r"\b(?:unable|fail(?:s|ed|ing)?|refus(?:e|es|ed|ing)|lack(?:s|ed|ing)?|absent)\b", re.IGNORECASE)


def negative(text: str) -> bool:
    """Tell whether a text says "not" in any words: a negation, or a word such as "failed" or "unable"."""
    return bool(negations(text)) or bool(_NEGATIVE.search(text))


def negations(text: str, *, implied: bool = False) -> list[tuple[int, int]]:
    """Return the spans of the negations in a text ("not", "never", "n't", "no longer"...).

    `implied`: also the words that mean "not have", "not able" or "not do" ("lack", "unable", "refused"), in text
    order; not the verbs a claim says in other words ("prevent" is "stop", "cease" is "end").
    """
    found = [(m.start(), m.end()) for m in _NEGATION.finditer(text.lower())]
    if implied:
        found = sorted(found + [(m.start(), m.end()) for m in _LACKS.finditer(text)])
    return found
