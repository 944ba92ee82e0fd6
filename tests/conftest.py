"""Shared fixtures: the fake embedder, corpus folders, and the real model (loaded once)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from quotebot.index import Embedder
from tests.fakes import SEED, FakeEmbedder


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def seed_corpus(tmp_path: Path) -> Path:
    """A corpus folder holding a copy of the seed document."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the ONNX export of the default model, shared by every slow CLI test module."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="module")
def shared_export(model_cache: Path) -> Iterator[Path]:
    """Point QUOTEBOT_MODEL_CACHE_DIR at the shared export for one module: the model is exported once per run."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QUOTEBOT_MODEL_CACHE_DIR", str(model_cache))
        yield model_cache


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    """The default sentence-transformers model, loaded once for the whole run."""
    from quotebot.index.embed.base import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def default_embedder(model_cache: Path) -> Embedder:
    """The default model as users run it (ONNX, exported once into the shared model cache)."""
    from quotebot.index.embed.factory import make_embedder

    return make_embedder(backend="onnx", cache_dir=model_cache)
