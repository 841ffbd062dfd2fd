"""An OpenAI-compatible embeddings service (POST {url}/embeddings) as the Embedder, when
DBM_EMBEDDER=openai-compatible. Its key is read from DBM_EMBEDDER_KEY_FILE, never from the
environment, and never appears in a log or an error."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import aiohttp
import numpy as np

from daemon.domains.store.embedding.embedder import MAX_TEXT_CHARS, unit
from daemon.domains.store.embedding.minilm import Array
from daemon.settings import Settings

REQUEST_TIMEOUT_S = 20.0


class EmbeddingServiceError(Exception):
    """The service did not answer with vectors (its status only: never its body, which may echo the key)."""


class OpenAICompatibleEmbedder:
    def __init__(self, settings: Settings):
        assert settings.embedder_url is not None and settings.embedder_model is not None  # checked by Settings.load
        self.url = settings.embedder_url.rstrip("/") + "/embeddings"
        self.model = settings.embedder_model
        self._key_file = settings.embedder_key_file

    async def embed(self, texts: Sequence[str]) -> Array:
        headers = {"Authorization": f"Bearer {self._key()}"} if self._key_file is not None else {}
        body = {"model": self.model, "input": [text[:MAX_TEXT_CHARS] for text in texts]}
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as session, \
                session.post(self.url, json=body, headers=headers) as response:
            if response.status != 200:
                raise EmbeddingServiceError(f"the embedding service answered HTTP {response.status}")
            answer = await response.json()
        items = sorted(answer["data"], key=lambda item: item["index"])
        return unit(np.array([item["embedding"] for item in items], dtype=np.float32))

    def _key(self) -> str:
        assert self._key_file is not None
        return Path(self._key_file).read_text().strip()
