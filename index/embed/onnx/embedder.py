"""Run a sentence-transformers model exported to ONNX with onnxruntime and tokenizers: no torch on the query path.

An export is a folder (index/onnx_cache.py says where it lives and how it is written) holding
model.onnx, tokenizer.json and export.json. On loading, the sizes are checked and the probe texts are
embedded again and compared with the vectors sentence-transformers gave them, so a damaged export is
refused, never used.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ...errors import ExportError, ModelError
from ..base import Embedder, Span, Vectors, fill_unseen, offline_environment, passage_prompt, pool_spans

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Encoding, Tokenizer

__all__ = [
    "META_FILE",
    "ExportSpec",
    "OnnxEmbedder",
    "pool",
]

ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "export.json"
PROBES = ("What should ICT providers not do?", "Quotes are never cut inside a sentence to fit Discord's limits.")
MIN_COSINE = 0.9999
_BATCH_TOKENS = 2048  # padded word-pieces in one forward pass: bounds its activations (memory), and is faster
MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")  # in the order the export takes them
# Two threads that sleep, not spin, when idle. Measured on the 2-core machine with another process busy
# on one core: 1 thread 4.2 ms a question and 19 SQuAD paragraphs/s; 2 spinning threads 8.0 ms and 17/s
# (they fight that process for the core); 2 sleeping threads 4.0 ms and 19/s, i.e. as good as 1 when
# the machine is shared, while a build on an idle machine still gets both cores.
_THREADS = 2


@dataclass(frozen=True, slots=True)
class ExportSpec:
    """What export.json says about an export: how to tokenize, pool and check it."""

    fingerprint: str
    source: str
    pooling: str  # "mean" or "cls"
    max_seq_length: int
    dimension: int
    inputs: tuple[str, ...]
    pad_id: int
    files: dict[str, int]  # file name → size in bytes
    probes: list[list[float]]  # sentence-transformers' vectors of PROBES
    prompts: dict[str, str] = dataclasses.field(default_factory=dict)  # by name; exports before prompts: none

    @classmethod
    def read(cls, folder: Path) -> ExportSpec:
        """Read and validate export.json; raise ExportError when it is missing or malformed."""
        try:
            data = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            spec = cls(
                fingerprint=str(data["fingerprint"]),
                source=str(data["source"]),
                pooling=str(data["pooling"]),
                max_seq_length=int(data["max_seq_length"]),
                dimension=int(data["dimension"]),
                inputs=tuple(str(n) for n in data["inputs"]),
                pad_id=int(data["pad_id"]),
                files={str(k): int(v) for k, v in data["files"].items()},
                probes=[[float(x) for x in row] for row in data["probes"]],
                prompts={str(k): str(v) for k, v in data.get("prompts", {}).items()},
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ExportError(f"no usable {META_FILE} in {folder} ({type(exc).__name__})") from exc
        known = spec.pooling in ("mean", "cls") and set(spec.inputs) <= set(MODEL_INPUTS) and "input_ids" in spec.inputs
        if not known or len(spec.probes) != len(PROBES):
            raise ExportError(f"{folder / META_FILE} describes an export this version cannot run")
        return spec

    def to_json(self) -> str:
        """Serialize for export.json."""
        return json.dumps(dataclasses.asdict(self), indent=1)


class OnnxEmbedder(Embedder):
    """A sentence-transformers model exported to ONNX; tokenizes, pools and normalizes in numpy."""

    def __init__(
        self, folder: Path, *, name: str, device: str = "cpu", threads: int | None = None, batch_size: int = 32
    ) -> None:
        offline_environment()
        self.name = name  # the model as configured, as SentenceTransformerEmbedder names it: indexes stay valid
        self.folder = folder
        self._batch_size = batch_size
        self._spec = ExportSpec.read(folder)
        _check_sizes(folder, self._spec.files)
        self._tokenizer_json = _read_text(folder / TOKENIZER_FILE)
        self._tokenizer = _tokenizer(self._tokenizer_json, self._spec.max_seq_length)
        self._counter: Tokenizer | None = None
        self._session = _session(folder / ONNX_FILE, device, threads or _THREADS)
        self._check_probes()

    @property
    def dimension(self) -> int:
        """Return the vector size."""
        return self._spec.dimension

    def count_tokens(self, text: str) -> int:
        """Count word-pieces as the model's tokenizer does, without special tokens or truncation."""
        return len(self._counting().encode(text, add_special_tokens=False).ids)

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        """Count the word-pieces of many texts in one call (the tokenizer's threads)."""
        return [len(e.ids) for e in self._counting().encode_batch(list(texts), add_special_tokens=False)]

    def _counting(self) -> Tokenizer:
        """Return the tokenizer that counts: built on first use (the query path never counts)."""
        if self._counter is None:
            from tokenizers import Tokenizer

            self._counter = Tokenizer.from_str(self._tokenizer_json)
            self._counter.no_truncation()
            self._counter.no_padding()
        return self._counter

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Embed passages into unit vectors (after the model's passage prompt, when it has one)."""
        prompt = passage_prompt(self._spec.prompts)
        return self._embed([prompt + t for t in texts] if prompt else texts)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Embed questions into unit vectors (after the model's query prompt, when it has one)."""
        prompt = self._spec.prompts.get("query", "")
        return self._embed([prompt + t for t in texts] if prompt else texts)

    def _embed(self, texts: Sequence[str]) -> Vectors:
        """Embed texts into unit vectors, longest first in batches so little is padded."""
        if len(texts) == 1:  # a question: encode_batch's thread pool would cost twice the tokenizing itself
            return self._embed_encoded([self._tokenizer.encode(texts[0])])
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        for rows in self._batches(order, encodings):
            out[rows] = self._embed_encoded([encodings[i] for i in rows])
        return out

    def _embed_encoded(self, encodings: list[Encoding]) -> Vectors:
        """Run one padded batch through the model, then pool and normalize as sentence-transformers does."""
        tokens, mask = self._states(encodings)
        return pool(tokens, mask, self._spec.pooling)

    def embed_spans(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> tuple[Vectors, list[Vectors]]:
        """Embed passages, and pool each span's tokens from its passage's own pass (one pass per passage)."""
        prompt = passage_prompt(self._spec.prompts)
        shift = len(prompt)  # the spans index the text; the model reads the prompt before it
        encodings = self._tokenizer.encode_batch([prompt + t for t in texts]) if texts else []
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        parts: list[Vectors] = [np.zeros((0, self.dimension), dtype=np.float32)] * len(texts)
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        for rows in self._batches(order, encodings):
            tokens, mask = self._states([encodings[i] for i in rows])
            out[rows] = pool(tokens, mask, self._spec.pooling)
            for j, i in enumerate(rows):
                shifted = [(a + shift, b + shift) for a, b in spans[i]]
                parts[i] = pool_spans(tokens[j], encodings[i].offsets, shifted)
        fill_unseen(self, texts, spans, parts)
        return out, parts

    def _batches(self, order: npt.NDArray[np.intp], encodings: list[Encoding]) -> list[npt.NDArray[np.intp]]:
        """Cut rows sorted longest first into batches of at most batch_size rows and _BATCH_TOKENS padded pieces.

        Measured with e5-small on 600 SQuAD paragraphs, one process: batches of 32 rows peaked at 1,936 MiB and
        embedded 16.3 paragraphs/s; at most 2,048 pieces a batch, 1,240 MiB and 20.6/s (smaller activations stay
        in cache; 1,024 pieces measured the same, 4,096 18.0/s).
        """
        batches: list[npt.NDArray[np.intp]] = []
        start = 0
        while start < len(order):
            longest = max(len(encodings[order[start]].ids), 1)
            size = max(1, min(self._batch_size, _BATCH_TOKENS // longest))
            batches.append(order[start : start + size])
            start += size
        return batches

    def _states(self, encodings: list[Encoding]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """Run one padded batch through the model; return its token vectors and attention mask."""
        if len(encodings) == 1:  # nothing to pad
            ids = np.asarray([encodings[0].ids], dtype=np.int64)
            mask = np.ones_like(ids)
            types = np.asarray([encodings[0].type_ids], dtype=np.int64)
        else:
            length = max(len(e.ids) for e in encodings)
            ids = np.full((len(encodings), length), self._spec.pad_id, dtype=np.int64)
            mask = np.zeros_like(ids)
            types = np.zeros_like(ids)
            for row, encoding in enumerate(encodings):
                n = len(encoding.ids)
                ids[row, :n], mask[row, :n], types[row, :n] = encoding.ids, 1, encoding.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (tokens,) = self._session.run(["last_hidden_state"], {k: feeds[k] for k in self._spec.inputs})
        return np.asarray(tokens, dtype=np.float32), mask

    def _check_probes(self) -> None:
        """Refuse an export whose output differs from what sentence-transformers gave at export time."""
        expected = np.asarray(self._spec.probes, dtype=np.float32)
        try:
            got = self.embed_batch(PROBES)
        except Exception as exc:  # onnxruntime's errors for inputs or shapes the file does not have
            raise ExportError(f"the ONNX export in {self.folder} does not run ({type(exc).__name__})") from exc
        if expected.shape != got.shape or float((expected * got).sum(axis=1).min()) < MIN_COSINE:
            raise ExportError(f"the ONNX export in {self.folder} gives other vectors than the model")


def pool(tokens: npt.NDArray[np.float32], mask: npt.NDArray[np.int64], pooling: str) -> Vectors:
    """Pool token vectors (mean over the real tokens, or the first token) into L2-normalized rows."""
    if pooling == "cls":
        pooled = tokens[:, 0]
    else:
        weights = mask.astype(np.float32)
        counts = np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)  # torch's clamp in sentence-transformers
        pooled = np.matmul(weights[:, None, :], tokens)[:, 0] / counts  # BLAS, where einsum loops
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)  # F.normalize's eps
    return np.ascontiguousarray(pooled / norms, dtype=np.float32)


def _read_text(path: Path) -> str:
    """Read a file of an export; a missing or unreadable one means the export is damaged."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"cannot read {path} ({type(exc).__name__})") from exc


def _check_sizes(folder: Path, files: dict[str, int]) -> None:
    """Refuse an export with a missing or truncated file."""
    for name, size in files.items():
        try:
            actual = (folder / name).stat().st_size
        except OSError as exc:
            raise ExportError(f"the ONNX export in {folder} lacks {name}") from exc
        if actual != size:
            raise ExportError(f"the ONNX export in {folder} has a truncated {name}")


def _tokenizer(text: str, max_length: int) -> Tokenizer:
    """Build the tokenizer as sentence-transformers calls it: special tokens, truncated, unpadded."""
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_str(text)
    except Exception as exc:  # the Rust side raises a bare Exception for any malformed file
        raise ExportError(f"the tokenizer of the ONNX export is damaged ({exc})") from exc
    # tokenizer.json keeps whatever truncation and padding it was saved with (128 for MiniLM): replace them.
    tokenizer.enable_truncation(max_length)
    tokenizer.no_padding()
    return tokenizer


def onnx_providers(device: str) -> list[Any]:
    """Return onnxruntime's execution providers for a device ("cpu", "cuda" or "cuda:N")."""
    if device == "cpu":
        return ["CPUExecutionProvider"]
    _, _, index = device.partition(":")
    return [("CUDAExecutionProvider", {"device_id": int(index or 0)}), "CPUExecutionProvider"]


def quiet_onnxruntime() -> None:
    """Keep onnxruntime silent: errors only, no telemetry where the build has any."""
    import onnxruntime

    onnxruntime.set_default_logger_severity(3)
    if hasattr(onnxruntime, "disable_telemetry_events"):  # only Windows builds collect any
        onnxruntime.disable_telemetry_events()


def _session(path: Path, device: str, threads: int) -> onnxruntime.InferenceSession:
    """Open an inference session; raise ExportError when onnxruntime cannot load the file."""
    import onnxruntime

    quiet_onnxruntime()
    onnxruntime.disable_telemetry_events()  # its only telemetry (Windows ETW); off, as nothing leaves the machine
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1  # one model, one request at a time: a second pool only competes
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # see _THREADS
    try:
        session = onnxruntime.InferenceSession(str(path), options, providers=onnx_providers(device))
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf/... for a damaged file
        raise ExportError(f"onnxruntime cannot load {path} ({type(exc).__name__})") from exc
    if device != "cpu" and "CUDAExecutionProvider" not in session.get_providers():
        # onnxruntime falls back to the CPU without a word when CUDA fails to start: say so instead.
        raise ModelError(f"onnxruntime could not start CUDA for --device {device}: use --backend torch")
    return session
