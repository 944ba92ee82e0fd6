"""Find the values a claim can get wrong (numbers, dates, names, negations) with their offsets, and compare them."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "Value",
    "find_values",
    "fold",
    "name_words",
    "names_agree",
    "same_value",
    "shares_a_name_word",
    "words_of",
]

_MONTHS = {
    name: i
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH_WORDS = "|".join(sorted((m.capitalize() for m in _MONTHS), key=len, reverse=True))


def _part(name: str, n: int) -> str:
    """Return the pattern of one part of a date, its group numbered (Python's groups need unique names)."""
    return {
        "month": rf"(?P<month{n}>(?:{_MONTH_WORDS})\.?)",
        "day": rf"(?P<day{n}>[0-3]?\d)(?:st|nd|rd|th)?",
        "year": rf"(?P<year{n}>1\d{{3}}|20\d{{2}})",
        "decade": rf"(?P<year{n}>[1-9]\d{{1,2}}0)(?=s\b)",  # "the 880s"
    }[name]


_DATE = re.compile(
    r"\b(?:"
    + "|".join(
        sep.join(_part(name, n) for name in parts)
        for n, (parts, sep) in enumerate(
            [(("month", "day", "year"), r",?\s+"), (("day", "month", "year"), r",?\s+"),
             (("month", "year"), r",?\s+"), (("month", "day"), r"\s+"), (("year",), ""), (("decade",), "")]
        )
    )
    + r")(?P<decade>s)?\b(?![,.]\d)"
)  # fmt: skip
_WORD_NUMBERS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "dozen": 12,
}  # fmt: skip  # "one" is left out: far more often a pronoun ("one of the") than a count
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
    "fortieth": 40, "fiftieth": 50, "hundredth": 100, "thousandth": 1000,
}  # fmt: skip
_SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_NUMBER = re.compile(
    r"(?<![\w.])(?P<cur>[$£€¥])?\s?(?:(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<ord>st|nd|rd|th)?"
    r"|(?P<word>(?:" + "|".join(sorted({*_WORD_NUMBERS, *_ORDINALS}, key=len, reverse=True)) + r")(?:-\w+)?(?:fold)?))"
    r"(?:\s?(?P<scale>hundred|thousand|million|billion|trillion)\b)?(?:\s?(?P<pct>%|percent\b|per cent\b))?",
    re.IGNORECASE,
)
_APPROXIMATE = re.compile(
    r"\b(?:about|around|roughly|nearly|almost|approximately|some|over|more than|less than|under|up to|just)\s*$",
    re.IGNORECASE,
)


def _words(text: str) -> frozenset[str]:
    """Return the set of a text's space-separated words."""
    return frozenset(text.split())


_CONNECTORS = frozenset({"of", "de", "la", "le", "du", "von", "van", "der", "den", "di", "da", "al", "el", "y", "the"})
_NAME = re.compile(
    r"(?<!\w)[A-Z][\w'’.&-]*(?:\s+(?:(?:of|de|la|le|du|von|van|der|den|di|da|al|el|y|the)\s+)*[A-Z][\w'’.&-]*)*"
)
# Capitalised only because they start a sentence (or a title word): not names.
_NOT_NAMES = _words(
    "the a an in on at by of for from to with as during after before since until about around roughly over "
    "under many most some several few all both each every one two its his her their it this that these those "
    "there here he she they we you i according when while although though because if unlike like despite only "
    "nearly almost just even also then today now currently early late later earlier much more less "
    "approximately between among within without through throughout once where which who what why how not no "
    "neither nor but and or so yet such other another any whether right left members member part parts "
    "following first second third last next new old however therefore moreover furthermore meanwhile thus "
    "hence nevertheless nonetheless indeed instead still ever always often sometimes usually generally typically "
    "soon already again perhaps maybe probably possibly certainly clearly yesterday tomorrow people everyone "
    "someone anyone everybody something everything"
)
# Words of a name that say what kind of thing it is rather than which one: "President Obama" names Obama.
_GENERIC = _words(
    "president king queen saint st university college school river mount lake city county state church company "
    "emperor pope sir dr mr mrs ms general captain lord lady prince princess duke the of sea ocean island "
    "islands empire republic kingdom league cup award prize act war battle street road avenue square bridge "
    "park station hall building tower castle palace cathedral theatre theater museum"
)
# Words that tell one place from its neighbour: "Southern Europe" is not "Northern Europe".
_DIRECTIONS = frozenset(
    ["north", "south", "east", "west", "northern", "southern", "eastern", "western", "upper", "lower", "central"]
)
_SENTENCE_END = re.compile(r"(?<=[a-z]{3})\.(?=\s)")  # a full stop after a word, not an initial ("St. Louis")
_TRAILER = re.compile(r"(?:['’]s?|(?<=[A-Za-z]{3})\.)?$")  # a possessive, or a sentence's full stop
_TOKEN = re.compile(r"\w+(?:[.'’]\w+)*")


@dataclass(frozen=True, slots=True)
class Value:
    """One value of a text: its kind ("number", "ordinal", "date", "name"), span, and what it means."""

    kind: str
    start: int
    end: int
    text: str
    amount: float | None = None  # a number's or ordinal's value; a date's year
    month: int | None = None
    day: int | None = None
    decade: bool = False  # "the 1990s": any year of it
    approximate: bool = False  # "about 3 million": any figure that rounds to it
    initial: bool = False  # a name of one word that may be capitalised only because it begins a sentence


def fold(word: str) -> str:
    """Return a word lower-cased, its accents and possessive dropped ("Beyoncé's" → "beyonce")."""
    plain = unicodedata.normalize("NFKD", word.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"['’]s?$", "", plain)


def find_values(text: str) -> list[Value]:
    """Return the dates, numbers and names of a text in order (a number inside a date is the date's)."""
    found = _dates(text)
    taken = [(v.start, v.end) for v in found]
    for value in _numbers(text):
        if not any(s < value.end and value.start < e for s, e in taken):
            found.append(value)
            taken.append((value.start, value.end))
    names = [n for n in _names(text) if not any(s < n.end and n.start < e for s, e in taken)]
    return sorted(_numbered_names(text, found, names), key=lambda v: v.start)


def _numbered_names(text: str, found: list[Value], names: list[Value]) -> list[Value]:
    """Join a number right after a name to it ("Super Bowl 50", "Apollo 11"): it says which, not how many.

    Not a score or a range ("Carolina 24–10").
    """
    numbers = {v.start: v for v in found if v.kind == "number"}
    joined = []
    for name in names:
        number = numbers.get(name.end + 1) if text[name.end : name.end + 1] == " " else None
        if number is not None and number.text.isdigit() and text[number.end : number.end + 1] not in ("–", "-", "/"):
            del numbers[number.start]
            name = Value("name", name.start, number.end, text[name.start : number.end])
        joined.append(name)
    return [v for v in found if v.kind != "number" or v.start in numbers] + joined


def _dates(text: str) -> list[Value]:
    """Return the dates: a day, month and year, any two of them, or a year or decade alone."""
    out = []
    for m in _DATE.finditer(text):
        parts = {k.rstrip("0123456789"): v for k, v in m.groupdict().items() if v is not None}
        month = _MONTHS[parts["month"].rstrip(".").lower()] if "month" in parts else None
        if parts.get("month") == "May" and "year" not in parts:
            continue  # "May 3" is too often "may 3…"
        year = float(parts["year"]) if "year" in parts else None
        day = int(parts["day"]) if "day" in parts else None
        out.append(Value("date", m.start(), m.end(), m.group(), year, month, day, "decade" in parts))
    return out


def _numbers(text: str) -> list[Value]:
    """Return the numbers (with their scale, currency and percent sign) and ordinals."""
    out = []
    for m in _NUMBER.finditer(text):
        if m["word"] and not _whole_word(text, m.start("word"), m.end("word")):
            continue
        ordinal, amount = _amount(m)
        if amount is None:
            continue
        approximate = bool(_APPROXIMATE.search(text[max(0, m.start() - 16) : m.start()]))
        kind = "ordinal" if ordinal else "number"
        out.append(Value(kind, m.start(), m.end(), m.group(), amount, approximate=approximate))
    return out


def _whole_word(text: str, start: int, end: int) -> bool:
    """Tell whether text[start:end] is a word of its own, not part of a longer one ("tenth" in "tenths" is not)."""
    return (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum())


def _amount(m: re.Match[str]) -> tuple[bool, float | None]:
    """Return whether a number match is an ordinal, and its value with its scale."""
    if m["digits"]:
        ordinal, amount = bool(m["ord"]), float(m["digits"].replace(",", ""))
    else:
        word = m["word"].lower().removesuffix("fold")  # "tenfold" is ten (times)
        head, _, tail = word.partition("-")
        ordinal = head in _ORDINALS or tail in _ORDINALS
        base = _ORDINALS.get(head, _WORD_NUMBERS.get(head))
        extra = _ORDINALS.get(tail, _WORD_NUMBERS.get(tail, 0)) if tail else 0
        if base is None:
            return False, None
        amount = float(base + extra)  # "twenty-five"; "three-year" is three
    if m["scale"]:
        amount *= _SCALES[m["scale"].lower()]
    return ordinal, amount


def _names(text: str) -> list[Value]:
    """Return the names: runs of capitalised words, less a sentence's capitalised first word."""
    out = []
    for m in _NAME.finditer(text):
        cursor = m.start()
        for stop in _SENTENCE_END.finditer(m.group()):  # "... the Khongirad. Temüjin ...": two names
            out.extend(_name(text, cursor, m.start() + stop.end()))
            cursor = m.start() + stop.end()
        out.extend(_name(text, cursor, m.end()))
    return out


def _name(text: str, start: int, end: int) -> list[Value]:
    """Return the name of a run of capitalised words, if any is left without its common and little words."""
    run = text[start:end]
    words = [(w.start(), w.end()) for w in re.finditer(r"\S+", run)]
    if words and _sentence_start(text, start + words[0][0]) and _common_word(run[slice(*words[0])]):
        words = words[1:]
    while words and fold(run[slice(*words[-1])]) in _CONNECTORS:
        words = words[:-1]
    while words and fold(run[slice(*words[0])]) in _CONNECTORS:
        words = words[1:]
    if not words:
        return []
    first, last = start + words[0][0], start + words[-1][1]
    last -= len(_TRAILER.findall(text[first:last])[0])  # "Paris." "Bach's": the name alone
    if fold(text[first:last]) in _MONTHS:
        return []
    initial = len(words) == 1 and _sentence_start(text, first) and not text[first:last].isupper()
    return [Value("name", first, last, text[first:last], initial=initial)]


# Endings of common words that a sentence's first word has and names rarely do ("Scientists", "Recently").
_COMMON_ENDING = re.compile(r"(?:ists?|ers|ly|ing|ed|tion|tions|ment|ness|ous|ive|ful|less|able|ible|-\w+)$")


def _common_word(word: str) -> bool:
    """Tell whether a capitalised first word of a sentence reads as a common word rather than a name."""
    folded = fold(word)
    return folded in _NOT_NAMES or (bool(_COMMON_ENDING.search(folded)) and not word.isupper())


def _sentence_start(text: str, start: int) -> bool:
    """Tell whether a word at `start` begins the text, a sentence, a line or a clause in quotes."""
    before = text[:start].rstrip(" \"'“‘(")
    return not before or before[-1] in ".!?:;\n"


def same_value(claim: Value, source: Value) -> bool:
    """Tell whether a source's value states what a claim's value does (the claim may say less: "2016")."""
    if claim.kind != source.kind:
        return False
    if claim.kind == "date":
        return _same_date(claim, source)
    if claim.amount is None or source.amount is None:
        return False
    if claim.amount == source.amount:
        return True
    if claim.kind == "ordinal":
        return False  # "the 800th anniversary" is no rounding of the 850th
    return (claim.approximate and abs(claim.amount - source.amount) <= 0.1 * abs(source.amount)) or _rounds_to(
        source.amount, claim.amount
    )


def _same_date(claim: Value, source: Value) -> bool:
    """Tell whether a source's date states a claim's: each part the claim gives, the source gives alike.

    "2016" is stated by "February 7, 2016"; "September 1973" is not stated by "1973" alone. A decade holds its
    years.
    """
    if (claim.month is not None and source.month is None) or (claim.day is not None and source.day is None):
        return False
    if claim.amount is not None and source.amount is not None:
        a, b = int(claim.amount), int(source.amount)
        if claim.decade or source.decade:
            if a // 10 != b // 10:
                return False
        elif a != b:
            return False
    for mine, theirs in ((claim.month, source.month), (claim.day, source.day)):
        if mine is not None and theirs is not None and mine != theirs:
            return False
    return (claim.amount is not None and source.amount is not None) or (
        claim.month is not None and claim.month == source.month
    )


def _rounds_to(exact: float, rounded: float) -> bool:
    """Tell whether `rounded` is `exact` to rounded's significant figures ("3 million" for 3,012,000)."""
    if rounded == 0 or exact == 0:
        return False
    digits = len(f"{rounded:.15g}".replace(".", "").replace("-", "").strip("0")) or 1
    magnitude: int = 10 ** max(len(str(int(abs(rounded)))) - digits, 0)
    # Half up, not to even: 850 rounds to 900, never to "800".
    return magnitude >= 100 and math.floor(exact / magnitude + 0.5) * magnitude == rounded  # "40" is not 35


def names_agree(name: str, words: set[str], initials: str = "") -> bool:
    """Tell whether a text whose folded words are `words` names what `name` does (its generic words aside).

    `initials`: the text's words' first letters, in order: an acronym ("UN", "EU") is its words' initials.
    """
    tokens = [fold(t) for t in _TOKEN.findall(name)]
    wanted = [t for t in tokens if t not in _GENERIC and t not in _CONNECTORS] or tokens
    # Its last distinctive word decides ("Wesley" names John Wesley; "University of Michigan" is not of
    # Chicago), with a direction before it ("Southern Europe").
    needed = [t for t in wanted[:-1] if t in _DIRECTIONS] + wanted[-1:]
    if all(any(_akin(t, w) for w in words) or _acronym_of(t, initials) for t in needed):
        return True
    # "United Nations" where the text says "UN"
    short = "".join(t[0] for t in tokens if t not in _CONNECTORS)
    return len(tokens) > 1 and short in words


def name_words(name: str) -> set[str]:
    """Return a name's folded words, its little words aside ("Northern Europe": northern, europe)."""
    return {fold(t) for t in _TOKEN.findall(name)} - _CONNECTORS


def shares_a_name_word(name: str, words: set[str]) -> bool:
    """Tell whether any distinctive word of a name is among a text's folded words ("Pittsburgh Steelers")."""
    return any(t not in _GENERIC for t in name_words(name) & words)


def _acronym_of(token: str, initials: str) -> bool:
    """Tell whether a folded word is an acronym ("un", "eu") of consecutive words of a text (their initials)."""
    return _ACRONYM.fullmatch(token.upper()) is not None and token in initials


def words_of(text: str) -> tuple[set[str], str]:
    """Return a text's folded words (abbreviations whole and in parts) and its words' initials, in order."""
    found = [fold(w) for w in _TOKEN.findall(text)]
    parts = {fold(p) for w in found for p in re.findall(r"\w+", w)}
    dotless = {w.replace(".", "") for w in found if "." in w}  # "U.S." is "US"
    # Initials with and without the little words: "American Federation of Teachers" is AFT and AFOT.
    initials = "".join(w[0] for w in found if w) + " " + "".join(w[0] for w in found if w and w not in _CONNECTORS)
    return set(found) | parts | dotless, initials


_ACRONYM = re.compile(r"[A-Z]{2,6}")


# A people's or language's word whose country's name does not begin as it does ("French" and "France").
_DEMONYMS = {
    "french": "france", "dutch": "netherlands", "spanish": "spain", "polish": "poland", "swiss": "switzerland",
    "irish": "ireland", "welsh": "wales", "roman": "rome", "danish": "denmark", "swedish": "sweden",
    "finnish": "finland", "norwegian": "norway", "portuguese": "portugal", "soviet": "ussr", "scots": "scotland",
    "british": "britain", "english": "england", "american": "america", "flemish": "flanders", "czech": "czechia",
    "greek": "greece", "turkish": "turkey", "hungarian": "hungary", "mexican": "mexico", "peruvian": "peru",
}  # fmt: skip


def _akin(token: str, word: str) -> bool:
    """Tell whether two folded words are one name's forms ("america", "american"; "china", "chinese")."""
    if token == word or _DEMONYMS.get(token) == word or _DEMONYMS.get(word) == token:
        return True
    common = len(_common_prefix(token, word))
    return common >= 4 and common >= 0.55 * min(len(token), len(word))


def _common_prefix(a: str, b: str) -> str:
    """Return the longest common prefix of two words."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]
