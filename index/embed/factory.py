"""Choose the embedding backend: a cached ONNX export (no torch), a fresh export, or sentence-transformers."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Literal, get_args

from ..errors import ExportError, ModelError
from .base import DEFAULT_MODEL, Embedder, SentenceTransformerEmbedder, offline_environment, user_cache
from .onnx.embedder import META_FILE, OnnxEmbedder
from .onnx.folder import export_folder, export_loaded, model_folder

__all__ = ["BACKENDS", "Backend", "make_embedder"]

log = logging.getLogger(__name__)

Backend = Literal["auto", "onnx", "torch"]
BACKENDS: tuple[str, ...] = get_args(Backend)
_GPU_NODES = ("/dev/nvidiactl", "/dev/kfd", "/dev/dxg")  # CUDA, ROCm and WSL expose one of these


def make_embedder(
    model: str = DEFAULT_MODEL,
    *,
    backend: Backend = "auto",
    cache_dir: str | os.PathLike[str] | None = None,
    device: str = "cpu",
) -> Embedder:
    """Open a model on a backend: "onnx" (exported once into cache_dir/onnx/), "torch", or "auto".

    auto takes ONNX when onnxruntime is installed and the model can be exported, else torch, with one
    warning. cache_dir is normally the index folder; None means ~/.cache/quotebot. device is "cpu" or
    "cuda" ("cuda:N"); cuda without a GPU raises ModelError.
    """
    offline_environment()
    folder = user_cache() if cache_dir is None else Path(cache_dir)
    if backend not in BACKENDS:
        raise ModelError(f"unknown embedding backend {backend!r}: use one of {', '.join(BACKENDS)}")
    if device != "cpu" and not device.startswith("cuda"):
        raise ModelError(f"unknown device {device!r}: use cpu or cuda")
    if device != "cpu":
        backend = _cuda_backend(backend, device)
    if backend == "torch":
        return SentenceTransformerEmbedder(model, device=device)
    if not _has_onnxruntime():
        if backend == "onnx":
            raise ModelError("the ONNX backend needs onnxruntime: run `make run` (or pip install onnxruntime)")
        log.warning("onnxruntime is not installed: embedding with sentence-transformers on torch")
        return SentenceTransformerEmbedder(model, device=device)
    try:
        return _onnx_embedder(model, folder, device, strict=backend == "onnx")
    except ExportError as exc:
        if backend == "onnx":
            raise ModelError(f"cannot use the ONNX backend for {model!r} ({exc}): try --backend torch") from exc
        embedder = SentenceTransformerEmbedder(model, device=device)  # a model that cannot load says so first
        log.warning("cannot use the ONNX backend for %r (%s): embedding with torch", model, exc)
        return embedder


def _onnx_embedder(model: str, cache_dir: Path, device: str, *, strict: bool) -> Embedder:
    """Open the cached export of a model, exporting it first when it is missing or damaged."""
    target = export_folder(cache_dir, model)
    if (target / META_FILE).exists():
        try:
            return OnnxEmbedder(target, name=model, device=device)
        except ExportError as exc:
            log.warning("the ONNX export in %s is damaged (%s): exporting the model again", target, exc)
    folder = model_folder(model)
    assert folder is not None  # export_folder found it
    torch_embedder = SentenceTransformerEmbedder(model)  # a model that cannot load at all is not a fallback case
    try:
        export_loaded(torch_embedder, folder, target)
        return OnnxEmbedder(target, name=model, device=device)
    except ExportError as exc:
        if strict or device != "cpu":
            raise
        log.warning("cannot export %r to ONNX (%s): embedding with torch", model, exc)
        return torch_embedder  # loaded already: falling back costs nothing more


def _has_onnxruntime() -> bool:
    """Tell whether onnxruntime can be imported."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _cuda_backend(backend: Backend, device: str) -> Backend:
    """Pick the backend that can run on the GPU; raise ModelError when there is no GPU."""
    if backend != "torch" and _has_onnxruntime():
        import onnxruntime

        if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
            return "onnx"
    if backend == "onnx":
        raise ModelError(
            f"--device {device} with --backend onnx needs onnxruntime-gpu: install it, or use --backend torch"
        )
    if not _torch_sees_gpu():
        raise ModelError(f"--device {device}: no GPU was found on this machine; use --device cpu")
    return "torch"


def _torch_sees_gpu() -> bool:
    """Tell whether torch can use a GPU (without importing torch when the OS shows none)."""
    if sys.platform == "linux" and not any(os.path.exists(node) for node in _GPU_NODES):
        return False  # saves the seconds of importing torch just to be told there is none
    import torch

    return bool(torch.cuda.is_available())
