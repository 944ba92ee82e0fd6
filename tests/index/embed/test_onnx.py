"""The ONNX embedder: parity with sentence-transformers, the cached export, damaged exports, no torch on queries."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from quotebot.index import DEFAULT_MODEL, Embedder, ModelError
from quotebot.index.build import build_index
from quotebot.index.embed import factory as embedders_module
from quotebot.index.embed.base import SentenceTransformerEmbedder
from quotebot.index.embed.factory import make_embedder
from quotebot.index.embed.onnx.embedder import ExportError, OnnxEmbedder, pool
from quotebot.index.embed.onnx.export import check_exportable, pooling_mode
from quotebot.index.embed.onnx.folder import export_folder, export_loaded, model_fingerprint, model_folder
from quotebot.index.text import split_sentences
from tests.fakes import ROOT, SEED

QUESTION = "What should ICT providers not do?"


def _corpus_texts() -> list[str]:
    """About 30 real texts: paragraphs and sentences of the corpus, and one past the 256 word-piece limit."""
    paragraphs = [p.strip() for path in sorted((ROOT / "corpus").glob("*.txt")) for p in path.read_text().split("\n")]
    paragraphs = [p for p in paragraphs if len(p.split()) > 3]
    sentences = [p[s:e] for p in paragraphs for s, e in split_sentences(p)]
    return paragraphs[:15] + sentences[:14] + [" ".join(paragraphs)]


# ---- the export, made once for the session -------------------------------------------------------------


@pytest.fixture(scope="session")
def index_dir(real_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index folder holding the ONNX export of the default model (exported once, from the loaded model)."""
    assert isinstance(real_embedder, SentenceTransformerEmbedder)
    root = tmp_path_factory.mktemp("onnx") / "index"
    folder = model_folder(DEFAULT_MODEL)
    assert folder is not None
    export_loaded(real_embedder, folder, export_folder(root, DEFAULT_MODEL))
    return root


@pytest.fixture(scope="session")
def onnx_embedder(index_dir: Path) -> OnnxEmbedder:
    embedder = make_embedder(DEFAULT_MODEL, backend="onnx", cache_dir=index_dir)
    assert isinstance(embedder, OnnxEmbedder)
    return embedder


@pytest.fixture
def no_export(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Fail the test if make_embedder exports; returns the (empty) list of export targets."""
    calls: list[Path] = []

    def refuse(embedder: object, folder: Path, target: Path) -> Path:
        calls.append(target)
        raise AssertionError("exported again")

    monkeypatch.setattr(embedders_module, "export_loaded", refuse)
    return calls


@pytest.fixture
def counted_export(monkeypatch: pytest.MonkeyPatch, real_embedder: Embedder) -> list[Path]:
    """Count the exports make_embedder makes, loading no second torch model for them."""
    calls: list[Path] = []

    def counting(embedder: SentenceTransformerEmbedder, folder: Path, target: Path) -> Path:
        calls.append(target)
        return export_loaded(embedder, folder, target)

    monkeypatch.setattr(embedders_module, "export_loaded", counting)
    monkeypatch.setattr(embedders_module, "SentenceTransformerEmbedder", lambda model, device="cpu": real_embedder)
    return calls


# ---- parity with sentence-transformers -----------------------------------------------------------------


@pytest.mark.slow
def test_vectors_match_sentence_transformers(onnx_embedder: OnnxEmbedder, real_embedder: Embedder) -> None:
    texts = _corpus_texts()
    assert len(texts) == 30 and real_embedder.count_tokens(texts[-1]) > 256  # one text is truncated
    expected, got = real_embedder.embed_batch(texts), onnx_embedder.embed_batch(texts)
    cosines = (expected * got).sum(axis=1)
    # One text takes another tokenizer call than a batch: check it, truncation included.
    single = onnx_embedder.embed_batch([QUESTION])[0] @ real_embedder.embed_batch([QUESTION])[0]
    single_long = onnx_embedder.embed_batch([texts[-1]])[0] @ expected[-1]
    print(f"min cosine {cosines.min():.8f}, max abs difference {np.abs(expected - got).max():.2e}")
    assert cosines.min() >= 0.9999 and single >= 0.9999 and single_long >= 0.9999
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_token_counts_match_sentence_transformers(onnx_embedder: OnnxEmbedder, real_embedder: Embedder) -> None:
    texts = [*_corpus_texts(), "", "  padded  ", "Ünïcödé café, 北京 😀"]
    assert [onnx_embedder.count_tokens(t) for t in texts] == [real_embedder.count_tokens(t) for t in texts]
    assert onnx_embedder.count_tokens_batch(texts) == [real_embedder.count_tokens(t) for t in texts]  # at once


@pytest.mark.slow
def test_names_and_dimensions_match_so_indexes_stay_valid(onnx_embedder: OnnxEmbedder, real_embedder: Embedder) -> None:
    assert onnx_embedder.name == real_embedder.name == DEFAULT_MODEL
    assert onnx_embedder.dimension == real_embedder.dimension == 384
    assert onnx_embedder.embed_batch([]).shape == (0, 384)


# ---- the cached export ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_export_is_reused(index_dir: Path, no_export: list[Path]) -> None:
    model_file = export_folder(index_dir, DEFAULT_MODEL) / "model.onnx"
    before = model_file.stat().st_mtime_ns
    embedder = make_embedder(DEFAULT_MODEL, cache_dir=index_dir)
    assert isinstance(embedder, OnnxEmbedder) and no_export == []
    assert model_file.stat().st_mtime_ns == before


def _damage_truncate(folder: Path) -> None:
    with (folder / "model.onnx").open("r+b") as handle:
        handle.truncate(1000)


def _damage_meta(folder: Path) -> None:
    (folder / "export.json").write_text('{"fingerprint": ', encoding="utf-8")


def _damage_unfinished(folder: Path) -> None:
    (folder / "export.json").unlink()


def _damage_weights(folder: Path) -> None:
    data = json.loads((folder / "export.json").read_text(encoding="utf-8"))
    data["probes"] = [list(-np.asarray(row)) for row in data["probes"]]  # stands for weights that changed
    (folder / "export.json").write_text(json.dumps(data), encoding="utf-8")


def _damage_tokenizer(folder: Path) -> None:
    path = folder / "tokenizer.json"
    path.write_bytes(b"{" + b" " * (path.stat().st_size - 1))  # same size, not JSON


DAMAGES = [_damage_truncate, _damage_meta, _damage_unfinished, _damage_weights, _damage_tokenizer]


@pytest.fixture
def damaged_copy(index_dir: Path, tmp_path: Path) -> Path:
    """A copy of the export folder of index_dir (under a fresh index folder) to break."""
    copy = tmp_path / "index"
    shutil.copytree(index_dir / "onnx", copy / "onnx")
    return copy


@pytest.mark.slow
@pytest.mark.parametrize("damage", DAMAGES, ids=lambda f: f.__name__.removeprefix("_damage_"))
def test_a_damaged_export_is_refused(damage, damaged_copy: Path) -> None:
    folder = export_folder(damaged_copy, DEFAULT_MODEL)
    damage(folder)
    with pytest.raises(ExportError):
        OnnxEmbedder(folder, name=DEFAULT_MODEL)


@pytest.mark.slow
@pytest.mark.parametrize("damage", [_damage_truncate, _damage_unfinished], ids=["truncated", "unfinished"])
def test_a_damaged_export_is_exported_again(damage, damaged_copy: Path, counted_export: list[Path]) -> None:
    folder = export_folder(damaged_copy, DEFAULT_MODEL)
    damage(folder)
    embedder = make_embedder(DEFAULT_MODEL, cache_dir=damaged_copy)
    assert isinstance(embedder, OnnxEmbedder) and counted_export == [folder]
    assert embedder.embed_batch([QUESTION]).shape == (1, 384)
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []  # no temporary left behind
    again = make_embedder(DEFAULT_MODEL, cache_dir=damaged_copy)
    assert isinstance(again, OnnxEmbedder) and counted_export == [folder]


@pytest.mark.slow
def test_a_failed_export_falls_back_to_torch_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, real_embedder: Embedder, tmp_path: Path, caplog
) -> None:
    def fail(embedder: object, folder: Path, target: Path) -> Path:
        raise ExportError("pooling 'max' is not supported by the ONNX backend (only mean and CLS)")

    monkeypatch.setattr(embedders_module, "export_loaded", fail)
    monkeypatch.setattr(embedders_module, "SentenceTransformerEmbedder", lambda model, device="cpu": real_embedder)
    with caplog.at_level(logging.WARNING):
        assert make_embedder(DEFAULT_MODEL, cache_dir=tmp_path) is real_embedder
    assert len(caplog.records) == 1 and "pooling 'max'" in caplog.records[0].getMessage()
    with pytest.raises(ModelError, match="--backend torch"):
        make_embedder(DEFAULT_MODEL, backend="onnx", cache_dir=tmp_path)


# ---- backends and devices (no model needed) ------------------------------------------------------------


def test_backend_torch_gives_the_sentence_transformers_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[str, str]] = []

    def init(self: SentenceTransformerEmbedder, model: str, *, device: str = "cpu") -> None:
        made.append((model, device))  # stands for loading the model with torch

    monkeypatch.setattr(SentenceTransformerEmbedder, "__init__", init)
    monkeypatch.setattr(embedders_module, "export_folder", lambda *a: pytest.fail("looked for an ONNX export"))
    assert isinstance(make_embedder("some-model", backend="torch", cache_dir=None), SentenceTransformerEmbedder)
    assert made == [("some-model", "cpu")]


@pytest.mark.parametrize(("backend", "device"), [("gpu", "cpu"), ("auto", "tpu")])
def test_unknown_backend_or_device_is_a_model_error(backend: str, device: str) -> None:
    with pytest.raises(ModelError, match="use"):
        make_embedder(DEFAULT_MODEL, backend=backend, device=device)  # type: ignore[arg-type]


@pytest.mark.skipif(any(os.path.exists(n) for n in embedders_module._GPU_NODES), reason="a GPU may be present")
def test_cuda_without_a_gpu_is_a_one_line_error() -> None:
    with pytest.raises(ModelError, match="no GPU was found") as error:
        make_embedder(DEFAULT_MODEL, device="cuda")
    assert "\n" not in str(error.value)


# ---- what may be exported ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "mode"),
    [
        ({"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False}, "mean"),
        ({"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}, "cls"),
        ({"pooling_mode": "mean"}, "mean"),
        ({"pooling_mode": ["cls"]}, "cls"),
    ],
)
def test_mean_and_cls_pooling_are_read(config: dict[str, object], mode: str) -> None:
    assert pooling_mode(config) == mode


@pytest.mark.parametrize(
    "config",
    [
        {"pooling_mode_max_tokens": True},
        {"pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": True},
        {"pooling_mode": "lasttoken"},
        {"pooling_mode": ["mean", "max"]},
        {},
    ],
)
def test_other_pooling_is_not_exportable(config: dict[str, object]) -> None:
    with pytest.raises(ExportError, match="pooling"):
        pooling_mode(config)


class Transformer:
    pass


class Pooling:
    pass


class Dense:
    pass


class _Model(list[object]):
    max_seq_length = 128


def _model_dir(tmp_path: Path, types: list[str], pooling: dict[str, object]) -> Path:
    modules = [{"idx": i, "name": str(i), "path": "" if i == 0 else f"{i}_{t}", "type": t} for i, t in enumerate(types)]
    (tmp_path / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    (tmp_path / "1_Pooling").mkdir(exist_ok=True)
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling), encoding="utf-8")
    return tmp_path


def test_a_transformer_and_pooling_model_is_exportable(tmp_path: Path) -> None:
    folder = _model_dir(tmp_path, ["sentence_transformers.models.Transformer", "Pooling"], {"pooling_mode": "cls"})
    assert check_exportable(_Model([Transformer(), Pooling()]), folder) == ("cls", 128)


def test_a_dense_layer_is_not_exportable(tmp_path: Path) -> None:
    types = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling", "Dense"]
    folder = _model_dir(tmp_path, types, {"pooling_mode": "mean"})
    with pytest.raises(ExportError, match="Dense"):
        check_exportable(_Model([Transformer(), Pooling(), Dense()]), folder)


def test_pooling_matches_sentence_transformers_arithmetic() -> None:
    tokens = np.array([[[0.0, 0.0], [6.0, 8.0], [9.0, 9.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]], dtype=np.int64)
    assert np.allclose(pool(tokens, mask, "mean"), [[0.6, 0.8]])  # mean (3, 4) of the real tokens, normalized
    assert np.allclose(pool(tokens[:, ::-1], mask, "cls"), [[np.sqrt(0.5), np.sqrt(0.5)]])


def test_the_fingerprint_follows_file_contents_and_is_memoised(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"a": 1}', encoding="utf-8")
    (model / "README.md").write_text("docs do not count", encoding="utf-8")
    memo = tmp_path / "memo.json"
    first = model_fingerprint(model, memo)
    assert model_fingerprint(model) == first and json.loads(memo.read_text())[str(model.resolve())]
    (model / "README.md").write_text("changed docs", encoding="utf-8")
    assert model_fingerprint(model, memo) == first
    (model / "config.json").write_text('{"a": 2}', encoding="utf-8")
    assert model_fingerprint(model, memo) != first


# ---- no torch on the query path ------------------------------------------------------------------------

_NO_TORCH = "; ".join(
    [
        "import sys",
        "from pathlib import Path",
        "from quotebot.index import make_embedder; from quotebot.index.embed.onnx.embedder import OnnxEmbedder",
        f"e = make_embedder({DEFAULT_MODEL!r}, cache_dir=Path(sys.argv[1]))",
        "assert isinstance(e, OnnxEmbedder), type(e)",
        "assert e.embed_batch(['What should ICT providers not do?']).shape == (1, 384)",
        "loaded = [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules]",
        "assert not loaded, loaded",
        "assert 'torch' not in sys.modules",
    ]
)


@pytest.mark.slow
def test_the_cached_export_embeds_without_importing_torch(index_dir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _NO_TORCH, str(index_dir)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


_NO_TORCH_ASK = "; ".join(
    [
        "import sys",
        "from quotebot.bot.cli.program import main",
        "code = main(['ask', 'What should ICT providers not do?', '--json', '--corpus', sys.argv[1], "
        "'--index', sys.argv[2]])",
        "assert code == 0, code",
        "loaded = [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules]",
        "assert not loaded, loaded",
    ]
)


@pytest.mark.slow
def test_quotebot_ask_with_a_built_index_does_not_import_torch(
    index_dir: Path, onnx_embedder: OnnxEmbedder, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    build_index(corpus, index_dir, onnx_embedder)
    done = subprocess.run(
        [sys.executable, "-c", _NO_TORCH_ASK, str(corpus), str(index_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["answered"] and answer["passages"]
