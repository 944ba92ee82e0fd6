"""The torch side of the ONNX export: which models can be exported, and writing one (imports torch)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ...errors import ExportError
from .embedder import MODEL_INPUTS

__all__ = ["check_exportable", "pooling_mode", "write_model"]

_PIPELINES = (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"])
_OPSET = 17
# Sequences of two lengths, so the traced graph takes the padded, masked path.
_TRACE_TEXTS = ["a short text", "a longer sentence, so that the first one of the two is padded"]


def _read(path: Path) -> dict[str, Any]:
    """Read a JSON object from a model folder; a missing file is an empty object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ExportError(f"cannot read {path} ({type(exc).__name__})") from exc
    return data if isinstance(data, dict) else {}


def pooling_mode(config: dict[str, Any]) -> str:
    """Return "mean" or "cls" from a Pooling config (the old boolean keys or the newer pooling_mode)."""
    mode = config.get("pooling_mode")
    if mode is None:  # older configs: one boolean per mode, e.g. pooling_mode_mean_tokens
        mode = [key.removeprefix("pooling_mode_") for key, on in config.items() if key.startswith("pooling_") and on]
    if isinstance(mode, list):
        mode = mode[0] if len(mode) == 1 else None
    mode = {"mean_tokens": "mean", "cls_token": "cls"}.get(mode, mode) if isinstance(mode, str) else None
    if mode not in ("mean", "cls"):
        raise ExportError(f"pooling {config!r} is not supported by the ONNX backend (only mean and CLS)")
    return str(mode)


def check_exportable(model: Any, folder: Path) -> tuple[str, int]:
    """Return the pooling mode and max sequence length; raise ExportError when the model is not exportable."""
    modules = _modules(folder)
    types = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    loaded = [type(m).__name__ for m in model]
    if types not in _PIPELINES or loaded not in _PIPELINES:
        raise ExportError(f"modules {' → '.join(loaded)} are not Transformer → Pooling (→ Normalize)")
    if _read(folder / "sentence_bert_config.json").get("do_lower_case"):
        raise ExportError("do_lower_case models are not supported by the ONNX backend")
    if _read(folder / "config_sentence_transformers.json").get("default_prompt_name"):
        raise ExportError("models with a default prompt are not supported by the ONNX backend")
    pooling = pooling_mode(_read(folder / str(modules[1].get("path", "1_Pooling")) / "config.json"))
    max_length = model.max_seq_length
    if not isinstance(max_length, int) or max_length <= 0:
        raise ExportError("the model does not say its maximum sequence length")
    return pooling, max_length


def _modules(folder: Path) -> list[dict[str, Any]]:
    """Read modules.json (a bare list), raising ExportError when there is none."""
    try:
        data = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"no readable modules.json in {folder}") from exc
    if not isinstance(data, list) or not all(isinstance(m, dict) for m in data):
        raise ExportError(f"{folder / 'modules.json'} is not a list of modules")
    return data


def write_model(model: Any, onnx_path: Path, tokenizer_path: Path) -> tuple[tuple[str, ...], int]:
    """Write the transformer as ONNX and its tokenizer as tokenizer.json; return the input names and pad id."""
    import torch

    tokenizer = model.tokenizer
    inputs = tuple(name for name in MODEL_INPUTS if name in tokenizer.model_input_names)
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if inputs[:2] != MODEL_INPUTS[:2] or backend is None:
        raise ExportError("the model's tokenizer is not a fast tokenizer taking input_ids and attention_mask")
    tokenizer_path.write_text(backend.to_str(), encoding="utf-8")
    sample = tokenizer(_TRACE_TEXTS, padding=True, return_tensors="pt")
    transformer = model[0].auto_model
    axes = {name: {0: "batch", 1: "sequence"} for name in (*inputs, "last_hidden_state")}
    try:
        with _eager_attention(transformer), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's and the legacy exporter's notes are not the user's concern
            torch.onnx.export(
                _last_hidden_state_module(transformer, inputs),
                tuple(sample[name].cpu() for name in inputs),
                str(onnx_path),
                input_names=list(inputs),
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=_OPSET,
                dynamo=False,  # the TorchScript exporter needs only the onnx package, not onnxscript
            )
    except Exception as exc:  # tracing and export raise anything from TypeError to OnnxExporterError
        raise ExportError(f"torch.onnx.export failed ({type(exc).__name__}: {exc})".splitlines()[0]) from exc
    pad_id = tokenizer.pad_token_id
    return inputs, int(pad_id) if isinstance(pad_id, int) else 0


@contextmanager
def _eager_attention(transformer: Any) -> Iterator[None]:
    """Trace with the plain attention implementation (simpler graph, half the export time); restore it after."""
    previous = getattr(transformer.config, "_attn_implementation", None)
    switch = previous not in (None, "eager") and hasattr(transformer, "set_attn_implementation")
    if switch:
        transformer.set_attn_implementation("eager")
    try:
        yield
    finally:
        if switch:
            transformer.set_attn_implementation(previous)


def _last_hidden_state_module(transformer: Any, inputs: tuple[str, ...]) -> Any:
    """Wrap the Hugging Face model so the export takes positional inputs and returns token vectors."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.transformer(**dict(zip(inputs, tensors, strict=True)))[0]  # type: ignore[no-any-return]

    return LastHiddenState()
