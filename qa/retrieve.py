"""Hybrid retrieval: dense vectors from Chroma + BM25, fused by reciprocal rank.

The multilingual embedder ranks paragraphs in the question's language first even
when the answer is only stated in the other language. Dense candidates are
therefore drawn per language (a quota each) and each language's scores are
standardised before they are merged, so the best English paragraph can beat a
merely on-topic Vietnamese one for a Vietnamese question, and vice versa.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import bm25s
import numpy as np

from qa.citations import Catalog
from qa.embed import Embedder
from qa.language import detect
from qa.text import tokens
from vectorstore.chroma import ChromaStore

log = logging.getLogger(__name__)
RRF_K = 60
DENSE_POOL = 30


@dataclass(frozen=True)
class Scored:
    """A candidate paragraph with every signal that ranked it."""

    id: str
    score: float  # fused; higher is better
    dense: float  # cosine similarity to the question (0 if not a dense candidate)
    lexical: float  # BM25 score (0 if no shared term)


class Retriever:
    """Finds the canonical paragraphs most relevant to a question."""

    def __init__(self, store: ChromaStore, embedder: Embedder, catalog: Catalog,
                 *, fusion: bool = True, quotas: bool = True, lexical_weight: float = 0.5,
                 cross_bonus: dict[str, float] | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.fusion = fusion
        self.quotas = quotas
        self.lexical_weight = lexical_weight
        self.cross_bonus = cross_bonus or {}
        self.ids = [p.id for p in catalog.paragraphs.values() if p.is_canonical]
        self._known = set(self.ids)
        self.languages = sorted({catalog.paragraphs[i].language for i in self.ids})
        self._langs = np.array([catalog.paragraphs[i].language for i in self.ids])
        self._bm25 = _build_bm25([catalog.paragraphs[i] for i in self.ids])

    def search(self, question: str, k: int = 5, vector: np.ndarray | None = None,
               language: str | None = None) -> list[Scored]:
        """The ``k`` best canonical paragraphs for ``question``, best first."""
        if not self.ids:
            return []
        if vector is None:
            vector = self.embedder.embed_query(question)
        lang = language or detect(question)
        pool = max(DENSE_POOL, 4 * k)
        dense = self.dense(vector, pool, lang)
        lexical = self.lexical(question, pool, lang) if self.fusion else {}
        fused = _rrf([(dense, 1.0), (lexical, self.lexical_weight)])
        ranked = sorted(fused.items(), key=lambda kv: -kv[1])[:k]
        return [Scored(pid, score, dense.get(pid, 0.0), lexical.get(pid, 0.0))
                for pid, score in ranked]

    def dense(self, vector: np.ndarray, n: int, language: str = "und") -> dict[str, float]:
        """id -> bias-corrected cosine of the dense candidates, best first."""
        vec = [float(x) for x in vector]
        if not self.quotas or len(self.languages) < 2:
            pools = {None: self.store.query(vec, n, where={"is_canonical": True})}
        else:
            pools = {lang: self.store.query(vec, n, where={"$and": [
                {"is_canonical": True}, {"language": lang}]}) for lang in self.languages}
        # The store may already hold a newer version than this retriever's catalog
        # (an ingest running alongside): only ids of that catalog can be answered from.
        merged = [(pid, s + (self.bias(language, lang) if lang else 0.0))
                  for lang, pool in pools.items() for pid, s in pool if pid in self._known]
        merged.sort(key=lambda t: -t[1])
        return dict(merged[:n])

    def bias(self, question_lang: str, paragraph_lang: str) -> float:
        """Score bonus for a paragraph in another language than the question.

        The embedder scores same-language pairs higher whatever their relevance;
        the gap was measured on parallel XQuAD paragraphs (bench/calibrate.py).
        """
        if question_lang == paragraph_lang or question_lang not in ("en", "vi"):
            return 0.0
        return float(self.cross_bonus.get(f"{question_lang}->{paragraph_lang}", 0.0))

    def lexical(self, question: str, n: int, language: str | None = None) -> dict[str, float]:
        """id -> BM25 score of paragraphs sharing terms with the question.

        Only paragraphs in the question's language compete: across languages
        BM25 matches nothing but names and numbers, and measured on XQuAD
        (vi questions, English paragraphs) fusing that noise cost recall@1.
        """
        vocab = self._bm25.vocab_dict
        terms = [t for t in tokens(question) if t in vocab]
        if not terms:
            return {}
        scores = self._bm25.get_scores(terms)
        if language and language != "und":
            scores = np.where(self._langs == language, scores, 0.0)
        order = np.argsort(-scores)[:n]
        return {self.ids[i]: float(scores[i]) for i in order if scores[i] > 0}


def _build_bm25(paragraphs) -> bm25s.BM25:
    index = bm25s.BM25()
    # Titles stay out: shared by every paragraph of a document, they would make
    # BM25 rank a whole document's headings above the one paragraph that answers.
    corpus = [tokens(p.text) or ["∅"] for p in paragraphs]
    if corpus:
        index.index(corpus, show_progress=False)
    return index


def _rrf(rankings: list[tuple[dict[str, float], float]]) -> dict[str, float]:
    """Weighted reciprocal-rank fusion of (ordered dict best first, weight) rankings."""
    fused: dict[str, float] = {}
    for ranking, weight in rankings:
        for rank, pid in enumerate(ranking, start=1):
            fused[pid] = fused.get(pid, 0.0) + weight / (RRF_K + rank)
    return fused
