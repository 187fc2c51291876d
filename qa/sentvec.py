"""Sentence spans and vectors of indexed paragraphs, for picking the quote that answers.

Sentence vectors are derived data: computed lazily (and by a background warm-up
after each ingest), cached in memory and in the data dir, keyed by content hash.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path

import numpy as np

from qa.embed import Embedder
from qa.text import sentences
from qa.types import Paragraph

log = logging.getLogger(__name__)
MIN_SENTENCE_CHARS = 12
MIN_WORDS = 5  # shorter blocks are headings or captions: findable, not quotable
_LIST_MARKER_CHARS = 6


def spans(text: str) -> list[tuple[int, int]]:
    """Quotable sentence spans of a paragraph, without leading list markers ("1. ", "IV. ")."""
    out = []
    for start, end in sentences(text):
        head = text[start:start + _LIST_MARKER_CHARS]
        dot = head.find(". ")
        if 0 < dot <= 4 and head[:dot].strip().rstrip(".").isalnum() and (
                head[:dot].isdigit() or head[:dot].upper().strip("IVX") == ""):
            start += dot + 2
        if end - start >= MIN_SENTENCE_CHARS and len(text[start:end].split()) >= MIN_WORDS:
            out.append((start, end))
    return out or [(0, len(text))]


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


class SentenceVectors:
    """Vectors of sentence texts, cached by content and persisted per embedder."""

    def __init__(self, embedder: Embedder, cache_dir: Path | None = None) -> None:
        self.embedder = embedder
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._path = (Path(cache_dir) / f"sentences-{_key(embedder.name)}.npz"
                      if cache_dir else None)
        self._dirty = False
        self._load()

    def _load(self) -> None:
        if not self._path or not self._path.exists():
            return
        try:
            with np.load(self._path) as data:
                self._vectors = {k: data[k] for k in data.files}
        except Exception:  # a damaged cache is only a slower start
            log.warning("ignoring damaged sentence cache %s", self._path)
            self._vectors = {}

    def get(self, texts: list[str]) -> np.ndarray:
        """Vectors for ``texts`` (computing only the missing ones)."""
        keys = [_key(t) for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._vectors))
        if missing:
            wanted = set(missing)
            todo = {k: t for k, t in zip(keys, texts) if k in wanted}
            vecs = self.embedder.embed_documents(list(todo.values()))
            with self._lock:
                self._vectors.update(zip(todo.keys(), vecs))
                self._dirty = True
        with self._lock:
            return np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 1))

    def warm(self, paragraphs: list[Paragraph], batch: int = 32) -> None:
        """Compute the vectors of every sentence of ``paragraphs``, then save."""
        texts = [p.text[s:e] for p in paragraphs for s, e in spans(p.text)]
        for i in range(0, len(texts), batch):
            self.get(texts[i:i + batch])
        self.save()

    def save(self) -> None:
        """Write the cache atomically (a crash leaves the old file)."""
        if not self._path or not self._dirty:
            return
        with self._lock:
            data = dict(self._vectors)
            self._dirty = False
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # One temporary file per writer: two warm-ups (or two processes) may save at once.
        tmp = self._path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp.npz")
        try:
            np.savez(tmp, **data)
            tmp.replace(self._path)
        finally:
            tmp.unlink(missing_ok=True)
