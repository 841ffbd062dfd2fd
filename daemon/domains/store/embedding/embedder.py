"""The Embedder: texts in, unit vectors out, with the model's name and dimension stored beside
each vector. The default runs all-MiniLM-L6-v2 in this process (minilm.py); an OpenAI-compatible
HTTP service can stand in (openai_compatible.py), chosen by DBM_EMBEDDER."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from daemon.domains.store.embedding.minilm import MODEL_NAME, Array, MiniLM, model_dir
from daemon.settings import Settings

# the text a vector is made from is cut to this many characters first: the local model reads
# 256 tokens at most anyway, and a remote one is never sent a request past its limit
MAX_TEXT_CHARS = 8000


class Embedder(Protocol):
    @property
    def model(self) -> str:
        """The model's name, stored with each vector: vectors of different models never mix."""

    async def embed(self, texts: Sequence[str]) -> Array:
        """One unit-length float32 vector per text; raises when it cannot."""


class LocalEmbedder:
    """all-MiniLM-L6-v2 in this process. The model loads on first use, once, in a worker thread;
    each batch is encoded in a worker thread too, so the event loop (other calls) never waits on it.
    A daemon that never embeds never loads it."""

    model = MODEL_NAME

    def __init__(self) -> None:
        self._model: MiniLM | None = None
        self._loading = threading.Lock()

    async def embed(self, texts: Sequence[str]) -> Array:
        return await asyncio.to_thread(self._encode, [text[:MAX_TEXT_CHARS] for text in texts])

    def _encode(self, texts: list[str]) -> Array:
        return self._loaded().encode(texts)

    def _loaded(self) -> MiniLM:
        with self._loading:
            if self._model is None:
                self._model = MiniLM(model_dir())
            return self._model

    @property
    def loaded(self) -> bool:
        return self._model is not None


def make_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "openai-compatible":
        from daemon.domains.store.embedding.openai_compatible import OpenAICompatibleEmbedder
        return OpenAICompatibleEmbedder(settings)
    return LocalEmbedder()


def unit(vectors: Array) -> Array:
    """Rows scaled to length 1 (a zero row stays zero): cosine is then a dot product."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
