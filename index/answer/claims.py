"""Compare a claim with a quote: where the source states another number, date or name, or a negation.

The claim is aligned with the quote's sentence that shares most of its words. A value of the claim that the
quote states nowhere is paired with the value of the same kind in that sentence that the claim does not
state, the one whose neighbouring words the claim shares most; with none, the quote "does not mention" it.
A negation in one and not the other, in that sentence, differs too. What is found is presentation only: the
quote stays the slice of its source it was, and a difference is a span of it (or none, when not mentioned).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace

from ..models import Difference, Passage
from ..store.lexical import tokenize
from ..text import Span, split_sentences
from .values import (
    Value,
    find_values,
    fold,
    names_agree,
    negations,
    negative,
    same_value,
    shares_a_name_word,
    words_of,
)

__all__ = ["differences", "masked", "with_differences"]

_WORD = re.compile(r"\w+")
_CONTEXT = 5  # words each side of a value that say what it is a value of
_STRONG = 3  # shared words around a rival that outweigh the claim's value stated in another sentence
_SCOPE = 4  # words after a negation it may negate: "did not require valves"
_UNIT_WORDS = 4  # at most this many words after a differing amount are marked with it ("cycles per byte")


def masked(claim: str, unknown: Collection[str] = ()) -> str:
    """Return the claim without its numbers and dates: what it is about, not what it says of it.

    `unknown`: words no indexed text holds; a name with one goes too ("Geshe"): it can point nowhere.
    """
    spans = [
        (v.start, v.end)
        for v in find_values(claim)
        if v.kind != "name" or any(word in v.text.split() for word in unknown)
    ]
    if not spans:
        return claim
    kept, cursor = [], 0
    for start, end in spans:
        kept.append(claim[cursor:start])
        cursor = end
    kept.append(claim[cursor:])
    return re.sub(r"\s+", " ", "".join(kept)).strip()


def differences(claim: str, quote: str, about: str = "") -> tuple[Difference, ...]:
    """Return where the quote states another value than the claim, or leaves one out, in claim order.

    `about`: the quote's title, section and paragraph around it: a value stated there is no difference, as
    "Warsaw" in the title of a passage on its column is not, nor a year in the sentence before the quote.
    """
    sentences = split_sentences(quote)
    if not sentences:
        return ()
    aligned = _aligned(claim, quote, sentences)
    claimed, stated = find_values(claim), find_values(quote)
    beyond = stated + find_values(about)  # stated around the quote: never a difference, never a rival
    nearby = [v for v in stated if aligned[0] <= v.start < aligned[1]]
    whole, here = words_of(f"{about}\n{quote}"), words_of(quote[aligned[0] : aligned[1]])
    found: list[Difference] = []
    for value in claimed:
        if _stated(value, nearby, here):
            continue
        best = _rival(value, claim, claimed, quote, nearby, stated)
        # A number or date stated elsewhere differs only where the aligned sentence says otherwise in its words;
        # a name stated elsewhere does not (a sentence names many, in any order).
        if _stated(value, beyond, whole) and (best is None or best[0] < _STRONG or value.kind == "name"):
            continue
        found.extend(_difference(value, claim, quote, best))
    found.extend(_negation(claim, quote, sentences, aligned))
    return tuple(sorted(found, key=lambda d: d.claim_start))


def with_differences(claim: str, passages: Sequence[Passage], around: Callable[[Passage], str]) -> list[Passage]:
    """Return the passages, each with where it differs from the claim (`around`: what each is about, `differences`)."""
    return [replace(p, differences=differences(claim, p.text, around(p))) for p in passages]


def _aligned(claim: str, quote: str, sentences: Sequence[Span]) -> Span:
    """Return the quote's sentence sharing most of the claim's words (the first of equals)."""
    words = set(tokenize(claim))
    shared = [len(words & set(tokenize(quote[s:e]))) for s, e in sentences]
    return sentences[shared.index(max(shared))]


def _stated(value: Value, stated: list[Value], words: tuple[set[str], str]) -> bool:
    """Tell whether a text states a claim's value (a name by its words, other values by meaning)."""
    if value.kind == "name":
        return names_agree(value.text, *words)
    return any(same_value(value, v) for v in stated)


def _rival(
    value: Value, claim: str, claimed: list[Value], quote: str, nearby: list[Value], stated: list[Value]
) -> tuple[int, int, int, Value] | None:
    """Return the quote's value that a claim's value stands for, or None when none can be told.

    That is the aligned sentence's value of its kind said in most of the claim's words around it (or its only
    one), else the quote's said in most of them.
    """
    here = _rivals(value, claim, claimed, quote, nearby)
    best = max(here, key=lambda r: r[:3], default=None)
    if best is not None and (best[0] > 0 or (len(here) == 1 and not value.initial)):
        return best
    best = max(_rivals(value, claim, claimed, quote, stated), key=lambda r: r[:3], default=None)
    return best if best is not None and best[0] > 0 else None


def _rivals(
    value: Value, claim: str, claimed: list[Value], quote: str, nearby: list[Value]
) -> list[tuple[int, int, int, Value]]:
    """Return the aligned sentence's values of the claim value's kind that the claim does not state.

    Each comes with the words around it that the claim has around its value, whether it is written alike, and
    its place (first is best).
    """
    claim_words = words_of(claim)
    return [
        (_shared_context(claim, value, quote, v), _alike(value, v), -i, v)
        for i, v in enumerate(nearby)
        if v.kind == value.kind
        and not any(same_value(c, v) for c in claimed if c.kind != "name")
        and not (v.kind == "name" and shares_a_name_word(v.text, claim_words[0]))  # the claim names it
    ]


def _alike(value: Value, rival: Value) -> int:
    """Return 1 when two values are written alike (digits as digits, of one magnitude; names of as many words)."""
    if value.kind == "name":
        return int(len(value.text.split()) == len(rival.text.split()))
    digits = [sum(c.isdigit() for c in v.text.split(".")[0]) for v in (value, rival)]
    return int(digits[0] == digits[1])


def _difference(value: Value, claim: str, quote: str, best: tuple[int, int, int, Value] | None) -> list[Difference]:
    """Pair a claim's value the quote does not state with its best rival, or say the quote leaves it out."""
    if best is not None:
        rival = best[3]
        end = _with_unit(claim, value, quote, rival)
        return [Difference(value.kind, value.text, value.start, value.end, rival.start, end)]
    if (value.kind == "name" and not value.initial) or any(c.isdigit() for c in value.text):
        # A sentence's first word may be a common one ("People"): never said to be missing.
        # A number in words ("twelve") left unsaid is too often said in other words: not worth a line.
        return [Difference(value.kind, value.text, value.start, value.end)]
    return []


def _words_around(text: str, start: int, end: int) -> set[str]:
    """Return the stems of the words within _CONTEXT words of a span, the span's own left out (no stop words)."""
    before = _WORD.findall(text[:start])[-_CONTEXT:]
    after = _WORD.findall(text[end:])[:_CONTEXT]
    return {s for s in tokenize(" ".join(before + after)) if not s.isdigit()}


def _shared_context(claim: str, value: Value, quote: str, rival: Value) -> int:
    """Count the claim's words (its value's aside) that are also around a quote's value."""
    mine = {s for s in tokenize(claim[: value.start] + " " + claim[value.end :]) if not s.isdigit()}
    return len(mine & _words_around(quote, rival.start, rival.end))


def _with_unit(claim: str, value: Value, quote: str, rival: Value) -> int:
    """Return where a differing value ends, with the words after it that the claim also has after its own."""
    if value.kind not in ("number", "ordinal"):
        return rival.end
    end = rival.end
    theirs = list(_WORD.finditer(claim[value.end :]))[:_UNIT_WORDS]
    for mine in theirs:
        nxt = _WORD.search(quote, end)
        if nxt is None or fold(nxt.group()) != fold(mine.group()) or quote[end : nxt.start()].strip():
            break
        end = nxt.end()
    return end


def _negation(claim: str, quote: str, sentences: Sequence[Span], aligned: Span) -> list[Difference]:
    """Return a negation the claim makes and the quote does not, or the other way round.

    A claim's negation differs when no sentence holding words it negates says "not" in any words; it is marked
    where the sentence holding most of them ("not kept in black and white") states it. The quote's negation
    differs when it is in the aligned sentence and negates the claim's words ("does not require valves").
    """
    said = negations(claim)
    if said:
        start, end = said[0]
        scope = set(tokenize(" ".join(_WORD.findall(claim[end:])[: 2 * _SCOPE])))
        held = [len(scope & set(tokenize(quote[s:e]))) for s, e in sentences]
        if any(n >= max(held) - 1 and n and negative(quote[s:e]) for n, (s, e) in zip(held, sentences, strict=True)):
            return []  # "did not" for "failed to" or "refused": said in other words
        sentence = aligned if held[sentences.index(aligned)] == max(held) else sentences[held.index(max(held))]
        target = _negated_words(scope, quote, sentence)
        return [Difference("negation", claim[start:end], start, end, *(target or (None, None)))]
    if negative(claim):
        return []  # "refused ever to" for "would never": said in other words
    claim_stems = set(tokenize(claim))
    for start, end in negations(quote[aligned[0] : aligned[1]]):
        start, end = aligned[0] + start, aligned[0] + end
        negated = set(tokenize(" ".join(_WORD.findall(quote[end:])[:_SCOPE])))
        if negated and len(claim_stems & negated) >= min(2, len(negated)):
            return [Difference("negation", "", 0, 0, start, end)]  # the source negates what the claim states
    return []


def _negated_words(scope: set[str], quote: str, sentence: Span) -> tuple[int, int] | None:
    """Return the sentence's words for what a claim's negation negates ("was not kept in black and white").

    `scope`: the stems of the claim's next few words. The span runs from the first to the last word of the
    sentence among them (at most _SCOPE words apart), with the word just before them when it is not a stop
    word: the verb of "accompany students".
    """
    words = list(_WORD.finditer(quote, sentence[0], sentence[1]))
    held = [i for i, w in enumerate(words) if scope.intersection(tokenize(w.group()))]
    if not held:
        return None
    first = held[0]
    last = max(i for i in held if i - first <= _SCOPE)
    before = words[first - 1] if first > 0 else None
    if before is not None and tokenize(before.group()) and not quote[before.end() : words[first].start()].strip():
        first -= 1
    return words[first].start(), words[last].end()
