"""Sentence spans of paragraphs, and the vectors of sentence texts.

Sentence vectors of indexed paragraphs are computed at ingest and stored beside the
paragraphs (``vectorstore.chroma``); opening an index hands them to ``SentenceVectors``,
so answering embeds nothing but the question.
"""

from __future__ import annotations

import hashlib
import re
import threading

import numpy as np

from qa.embed import Embedder
from qa.text import ascii_fold, content_tokens, markup_only, sentences
from qa.tuning import SENTENCES

MIN_SENTENCE_CHARS = SENTENCES.min_chars
MIN_WORDS = SENTENCES.min_words  # shorter sentences are quoted with a neighbour
MAX_WORDS = SENTENCES.max_words  # longer "sentences" (no punctuation) are cut ...
PIECE_WORDS = SENTENCES.piece_words  # ... into pieces of at most this many words
_LIST_MARKER_CHARS = 6
_WORD_SPAN = re.compile(r"\S+")


def cut(text: str, start: int, end: int, max_words: int = MAX_WORDS,
        piece_words: int = PIECE_WORDS) -> list[tuple[int, int]]:
    """``text[start:end]`` whole when it has at most ``max_words`` words, else as
    near-equal spans of at most ``piece_words`` words, cut between words. A run of text
    with no sentence end (a speech-to-text transcript, text pulled out of a PDF table)
    is otherwise one "sentence" of thousands of words, quoted whole and embedded only as
    far as the model's window reaches: a fact past its first few hundred words could be
    neither found nor quoted alone."""
    words = [m.span() for m in _WORD_SPAN.finditer(text, start, end)]
    if len(words) <= max_words:
        return [(start, end)]
    n = len(words)
    pieces = -(-n // piece_words)  # ceiling
    bounds = [i * n // pieces for i in range(pieces + 1)]
    return [(words[a][0], words[b - 1][1]) for a, b in zip(bounds, bounds[1:])]


def spans(text: str) -> list[tuple[int, int]]:
    """Quotable sentence spans of a paragraph, without leading list markers ("1. ", "IV. ").

    A sentence too short to stand alone ("Produces WebM (VP8/VP9 codec).", "Defaults to
    8000.", a list item of one word, a photo credit) is quoted with the sentence before
    it (the first ones with the sentence after them): it says something about that
    sentence's subject, and dropped it could never be quoted. Never across a piece of
    markup, which is dropped. A block of short sentences only is one span."""
    out: list[tuple[int, int]] = []
    lead = None  # start of the short sentences before the first long one
    joinable = False  # may a short sentence join the last span (no markup in between)?
    for start, end in (piece for s, e in sentences(text) for piece in cut(text, s, e)):
        head = text[start:start + _LIST_MARKER_CHARS]
        dot = head.find(". ")
        if 0 < dot <= 4 and head[:dot].strip().rstrip(".").isalnum() and (
                head[:dot].isdigit() or head[:dot].upper().strip("IVX") == ""):
            start += dot + 2
        piece = text[start:end]
        if end - start >= MIN_SENTENCE_CHARS and len(piece.split()) >= MIN_WORDS:
            out.append((start if lead is None else lead, end))
            lead, joinable = None, True
        elif markup_only(piece):
            lead, joinable = None, False
        elif out and joinable:
            out[-1] = (out[-1][0], end)
        elif lead is None:
            lead = start
    return out or [(0, len(text))]


# Block kinds (qa.markdown.KINDS) quoted whole, and kinds never quoted.
WHOLE_KINDS = frozenset({"code", "table"})
UNQUOTED_KINDS = frozenset({"heading", "markup"})


def quotable_spans(p) -> list[tuple[int, int]]:
    """The spans of paragraph ``p`` an answer may quote: sentences of prose, a code block
    or table whole (a broken piece of code proves nothing), nothing of a heading or of
    markup (findable by retrieval, never an answer).

    Ingest embeds exactly these spans and answering scores exactly these (and, of a very
    long block, ``sentences_beyond``), so the block's bound (``Sentences.max_windows``)
    holds on both sides."""
    found, windowed = _quotable(p)
    return found[:SENTENCES.max_windows] if windowed else found


def _quotable(p) -> tuple[list[tuple[int, int]], bool]:
    """Every quotable span of ``p`` and whether they are windows of a very long block
    (then only the first ``max_windows`` are quoted: ``quotable_spans``)."""
    kind = getattr(p, "kind", "text")
    if kind in UNQUOTED_KINDS:
        return [], False
    if kind in WHOLE_KINDS:
        return [(0, len(p.text))], False
    # A fence line, a bare tag or an admonition marker ("> [!TIP]") proves nothing.
    found = [(a, b) for a, b in spans(p.text) if not markup_only(p.text[a:b])]
    if len(found) <= SENTENCES.max_per_block:
        return found, False
    # A very long block (a whole book pasted as one line): quote windows of consecutive
    # sentences, each one vector within the model's window; only the first max_windows, so
    # its ingest is bounded (the rest is found by BM25 and the paragraph vector, unquoted).
    windows, start, end = [], found[0][0], found[0][1]
    for s, e in found[1:]:
        if e - start > SENTENCES.window_chars:
            windows.append((start, end))
            start = s
        end = e
    windows.append((start, end))
    return windows, True


def scored_spans(p, words: set[str]) -> list[tuple[int, int]]:
    """The spans the answerer scores for a question whose folded content words are
    ``words``: ``quotable_spans`` and ``sentences_beyond``, the block split once."""
    found, windowed = _quotable(p)
    if not windowed or len(found) <= SENTENCES.max_windows:
        return found
    kept = found[:SENTENCES.max_windows]
    return kept + _holding(p, words, kept[-1][1], SENTENCES.sentences_beyond)


def sentences_beyond(p, words: set[str],
                     n: int = SENTENCES.sentences_beyond) -> list[tuple[int, int]]:
    """Of a very long block's sentences past its quoted windows (the ingest bound,
    ``quotable_spans``), the ``n`` that hold the most of ``words`` (folded content tokens
    of a question), best first; none that holds none. BM25 finds such a block by any of
    its words, and without these a fact past its first ~90 K characters could never be
    quoted: the answerer embeds them on demand (one embedding each, then cached)."""
    found, windowed = _quotable(p)
    if not windowed or len(found) <= SENTENCES.max_windows:
        return []  # nothing past the bound: every span is quoted and embedded already
    return _holding(p, words, found[SENTENCES.max_windows - 1][1], n)


def _holding(p, words: set[str], end: int, n: int) -> list[tuple[int, int]]:
    """The ``n`` sentences of ``p`` from offset ``end`` on that hold most of ``words``."""
    if not words or n <= 0:
        return []
    past = [(a, b) for a, b in spans(p.text) if a >= end and not markup_only(p.text[a:b])]
    counts = [(len(words & {ascii_fold(t) for t in content_tokens(p.text[a:b])}), i)
              for i, (a, b) in enumerate(past)]
    best = sorted((c for c in counts if c[0]), key=lambda c: (-c[0], c[1]))[:n]
    return [past[i] for _, i in best]


def key(text: str) -> str:
    """The cache key of a sentence text (its content hash)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


class SentenceVectors:
    """Vectors of sentence texts: those of the index are given (computed at ingest);
    any other text (a model's claim) is embedded on demand and kept in memory."""

    def __init__(self, embedder: Embedder, known: dict[str, np.ndarray] | None = None) -> None:
        self.embedder = embedder
        self._vectors: dict[str, np.ndarray] = dict(known or {})
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, texts: list[str]) -> np.ndarray:
        """Vectors for ``texts`` (embedding only the ones not known yet)."""
        keys = [key(t) for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._vectors))
        if missing:
            wanted = set(missing)
            todo = {k: t for k, t in zip(keys, texts) if k in wanted}
            vecs = self.embedder.embed_documents(list(todo.values()))
            with self._lock:
                self._vectors.update(zip(todo.keys(), vecs))
        with self._lock:
            return np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 1))
