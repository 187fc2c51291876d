"""Two plain baselines that answer with seedqa's interface (``search`` and ``ask``),
so ``qa.evaluate`` scores them exactly like ``qa.Assistant``.

- ``DenseBaseline``: a llama-index ``VectorStoreIndex`` of ``TextNode``s holding the raw
  text of each paragraph (node id = seedqa paragraph id), embedded by the given
  seedqa embedder passed explicitly as ``embed_model`` (never the global Settings);
  ``as_retriever(similarity_top_k=5)``. Its answer is the sentence of the top-1
  paragraph most similar to the question by the same embedder.
- ``BM25Baseline``: ``bm25s`` (library defaults: Lucene BM25, k1=1.5, b=0.75) over
  diacritic-folded word tokens of the same paragraphs. Its answer is the sentence of
  the top-1 paragraph sharing the most distinct non-stop-word query terms.

Neither ever refuses and neither uses the conversation history. Paragraphs come
from ``qa.corpus.load_folder`` (``corpus_paragraphs``), so ids match seedqa's; only
canonical paragraphs are indexed (a repeated block is the same text under another id).

    from bench.baselines import BM25Baseline, DenseBaseline, corpus_paragraphs
    paragraphs = corpus_paragraphs("seeds")
    bm25 = BM25Baseline(paragraphs)
    bm25.ask("Who visited Hanoi?").text
"""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import numpy as np

from qa.corpus import load_folder
from qa.embed import LlamaEmbedding
from qa.text import STOPWORDS, sentences, tokens
from qa.types import Answer, Citation, Hit, Paragraph

TOP_K = 5  # the "plain dense top-5"


def corpus_paragraphs(folder: Path | str) -> list[Paragraph]:
    """The canonical paragraphs of every document in ``folder``, in file order."""
    documents, _skipped = load_folder(folder)
    return [p for d in documents for p in d.paragraphs if p.is_canonical]


def strip_marks(word: str) -> str:
    """``word`` without diacritics ("phạm" -> "pham", "đà" -> "da")."""
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_tokens(text: str) -> list[str]:
    """``qa.text.tokens`` (lower-cased words) with diacritics removed."""
    return [strip_marks(t) for t in tokens(text)]


_FOLDED_STOPWORDS = frozenset(strip_marks(w) for w in STOPWORDS)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``qa.text.sentences`` of ``text``, or the whole text when it has none."""
    return sentences(text) or [(0, len(text))]


def _answer(question: str, paragraph: Paragraph, span: tuple[int, int], backend: str,
            t0: float) -> Answer:
    start, end = span
    quote = paragraph.text[start:end]
    return Answer(text=quote, answered=True,
                  citations=[Citation.of(paragraph, quote=quote, start=start, end=end)],
                  question=question, backend=backend, seconds=time.perf_counter() - t0)


def _no_answer(question: str, backend: str, t0: float) -> Answer:
    # Only an empty corpus gets here: there is no paragraph to quote.
    return Answer(text="", answered=False, question=question, backend=backend,
                  seconds=time.perf_counter() - t0)


class DenseBaseline:
    """Plain llama-index dense retrieval, top-1 paragraph's most similar sentence."""

    name = "llama-index"

    def __init__(self, paragraphs: list[Paragraph], embedder, k: int = TOP_K) -> None:
        from llama_index.core import VectorStoreIndex
        from llama_index.core.schema import TextNode

        self.embedder = embedder
        self.by_id = {p.id: p for p in paragraphs}
        nodes = [TextNode(id_=p.id, text=p.text) for p in paragraphs]
        self.index = VectorStoreIndex(nodes, embed_model=LlamaEmbedding(embedder))
        self.retriever = self.index.as_retriever(similarity_top_k=k)

    def search(self, query: str, k: int = TOP_K, history: list | None = None) -> list[Hit]:
        """The retriever's paragraphs (at most its ``similarity_top_k``), best first; a
        baseline has no conversation handling: ``history`` is ignored."""
        found = self.retriever.retrieve(query)
        return [Hit(Citation.of(self.by_id[n.node.node_id]), float(n.score or 0.0))
                for n in found][:k]

    def ask(self, question: str, history: list | None = None, k: int | None = None) -> Answer:
        """The top-1 paragraph's sentence closest to the question (cosine, same embedder)."""
        t0 = time.perf_counter()
        hits = self.search(question, 1)
        if not hits:
            return _no_answer(question, self.name, t0)
        p = self.by_id[hits[0].citation.id]
        spans = sentence_spans(p.text)
        vectors = np.asarray(self.embedder.embed_documents([p.text[a:b] for a, b in spans]))
        q = np.asarray(self.embedder.embed_query(question))
        best = int(np.argmax(vectors @ q))  # vectors are L2-normalised: dot = cosine
        return _answer(question, p, spans[best], self.name, t0)


class BM25Baseline:
    """bm25s over diacritic-folded tokens, top-1 paragraph's best-overlapping sentence."""

    name = "bm25"

    def __init__(self, paragraphs: list[Paragraph]) -> None:
        import bm25s

        self.paragraphs = list(paragraphs)
        self.bm25 = bm25s.BM25()
        if self.paragraphs:
            self.bm25.index([fold_tokens(p.text) for p in self.paragraphs], show_progress=False)
        self.vocab = set(self.bm25.vocab_dict or ()) if self.paragraphs else set()

    def search(self, query: str, k: int = TOP_K, history: list | None = None) -> list[Hit]:
        """The ``k`` best paragraphs by BM25 score, best first (ties in corpus order);
        ``history`` is ignored (no conversation handling)."""
        if not self.paragraphs:
            return []
        terms = [t for t in fold_tokens(query) if t in self.vocab]
        scores = (np.asarray(self.bm25.get_scores(terms), dtype=float) if terms
                  else np.zeros(len(self.paragraphs)))
        order = np.argsort(-scores, kind="stable")[:k]
        return [Hit(Citation.of(self.paragraphs[i]), float(scores[i])) for i in order]

    def ask(self, question: str, history: list | None = None, k: int | None = None) -> Answer:
        """The top-1 paragraph's sentence holding the most distinct query terms."""
        t0 = time.perf_counter()
        hits = self.search(question, 1)
        if not hits:
            return _no_answer(question, self.name, t0)
        p = next(x for x in self.paragraphs if x.id == hits[0].citation.id)
        terms = set(fold_tokens(question)) - _FOLDED_STOPWORDS
        spans = sentence_spans(p.text)
        overlap = [len(terms & set(fold_tokens(p.text[a:b]))) for a, b in spans]
        best = overlap.index(max(overlap))  # first sentence among equals
        return _answer(question, p, spans[best], self.name, t0)
