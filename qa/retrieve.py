"""Retrieval: dense paragraph and sentence matching, language-centred, plus lexical candidates.

A multilingual embedder puts every text of one language near that language's centroid,
so a question scores paragraphs of its own language higher whatever their relevance
(the seeds: Vietnamese questions ranked Vietnamese paragraphs first even when only an
English one held the answer). Subtracting each language's centroid from the vectors
(question: its language's centroid) removes that shared offset and leaves the content
(mean-centring, as in LAReQA, Roy et al. 2020); the centroids are computed from the
corpus at ingest (``qa.index``), so no constant is fitted.

A paragraph scores by its whole-paragraph match plus its best sentence's match: a long
paragraph is found by the one sentence that answers (llama-index sentence-window style).
Candidates come from Chroma per language (dense paragraphs, dense sentences) and from
a diacritic-insensitive BM25 over all languages (names and numbers are shared across
languages: "Phạm Minh Chính" / "Pham Minh Chinh", "1982"). BM25 also scores: a
candidate gains ``Retrieval.lexical_weight`` times its BM25 match as a share of the best
match in its own language (by the question's gloss for another language, below).

Across languages the small embedder matches poorly, so a paragraph in another language
than the question's is also matched to the question's word-for-word gloss into that
language (``qa.lexicon``'s learned table): 2/3 question, 1/3 gloss
(``Retrieval.gloss_weight``, bench/sweep_gloss.py).

Last, the candidates are reranked by the question's focus: the question without the
words found in at least half of its best candidates (a collection's topic words match
them all alike). A candidate scores 2/3 its score so far, 1/3 its match to the focus
(``Retrieval.focus_weight``, bench/sweep_focus.py); the answerer reuses the focus vector.
A paragraph in another language matches the focus blended with the question's gloss,
as it matches the question (bench/crosslingual.py: without it the focus favoured the
question's own language).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import bm25s
import numpy as np

from qa.embed import embed_queries
from qa.index import Index
from qa.language import detect
from qa.sentvec import UNQUOTED_KINDS
from qa.text import ascii_fold, focus_text, match_text, tokens
from qa.tuning import RETRIEVAL


@dataclass(frozen=True)
class Focus:
    """The question without its topic words, and its query vector (None: no such text)."""

    text: str = ""
    vector: np.ndarray | None = None


@dataclass(frozen=True)
class Scored:
    """A candidate paragraph with every signal that ranked it."""

    id: str
    score: float  # combined; higher is better
    dense: float  # language-centred cosine of question and paragraph
    sentence: float  # language-centred cosine of question and the paragraph's best sentence
    lexical: float  # BM25 score (0 if no shared term)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


class BM25Index:
    """Diacritic-insensitive BM25 over the canonical paragraphs of an index."""

    def __init__(self, ids: list[str], texts: list[str],
                 languages: list[str] | None = None) -> None:
        self.ids = ids
        self.languages = np.array(languages if languages is not None else [""] * len(ids))
        self.bm25 = bm25s.BM25()
        if texts:
            self.bm25.index([tokens(ascii_fold(t)) or ["∅"] for t in texts], show_progress=False)

    def run(self, query: str, n: int, language: str | None = None) -> dict[str, float]:
        """id -> BM25 score of the ``n`` best paragraphs sharing a term with ``query``
        (only those written in ``language`` when it is given)."""
        if not self.ids:
            return {}
        vocab = self.bm25.vocab_dict
        terms = [t for t in tokens(ascii_fold(query)) if t in vocab]
        if not terms:
            return {}
        scores = self.bm25.get_scores(terms)
        if language is not None:
            scores = np.where(self.languages == language, scores, 0.0)
        order = np.argsort(-scores)[:n]
        return {self.ids[i]: float(scores[i]) for i in order if scores[i] > 0}


class Retriever:
    """Finds the canonical paragraphs most relevant to a question."""

    def __init__(self, index: Index, embedder, *, pool: int = RETRIEVAL.dense_pool,
                 sentence_weight: float = RETRIEVAL.sentence_weight,
                 lexical_weight: float = RETRIEVAL.lexical_weight,
                 glosser=None, gloss_weight: float = RETRIEVAL.gloss_weight,
                 focus_weight: float = RETRIEVAL.focus_weight,
                 focus_pool: int = RETRIEVAL.focus_pool, focus_glossed: bool = True) -> None:
        self.index = index
        self.embedder = embedder
        self.pool = pool
        self.sentence_weight = sentence_weight
        self.lexical_weight = lexical_weight
        # qa.lexicon.Glosser (or None: no glosses): the question word for word in each
        # other language of the corpus is a second query for that language's paragraphs.
        self.glosser = glosser
        self.gloss_weight = gloss_weight
        # The question without the words most of its first candidates share is a second
        # query that tells those candidates apart (``qa.text.focus_text``).
        self.focus_weight = focus_weight
        self.focus_pool = focus_pool
        # False: the focus is matched in the question's language only (as before
        # 2026-11-30; bench/crosslingual.py compares the two).
        self.focus_glossed = focus_glossed
        cat = index.catalog
        canon = [p for p in cat.paragraphs.values() if p.is_canonical]
        self.languages = sorted({p.language for p in canon})
        # For drawing candidates without filtered store queries (``_candidates``).
        self._paragraphs_per_language = Counter(p.language for p in canon)
        self._sentences_per_language = Counter(index.sentences.languages)
        self._repeats = len(cat.paragraphs) - len(canon)
        self.bm25 = BM25Index([p.id for p in canon],
                              [f"{p.title} {p.section} {match_text(p.text)}" for p in canon],
                              [p.language for p in canon])

    def centred(self, vector: np.ndarray, language: str, kind: str = "paragraph") -> np.ndarray:
        """``vector`` minus the centroid of ``language`` (the corpus mean if unknown)."""
        centroids = self.index.centroids.get(kind, {})
        mu = centroids.get(language)
        if mu is None:
            mu = centroids.get("*")
        return _unit(vector - mu) if mu is not None else vector

    def search(self, question: str, k: int = 5, vector: np.ndarray | None = None,
               language: str | None = None, glosses: dict | None = None) -> list[Scored]:
        """The ``k`` best canonical paragraphs for ``question``, best first. ``vector``:
        its query vector and ``glosses``: language -> its gloss vectors, when the caller
        embedded them already (else they are made here)."""
        return self.focused_search(question, k, vector, language, glosses)[0]

    def focused_search(self, question: str, k: int = 5, vector: np.ndarray | None = None,
                       language: str | None = None, glosses: dict | None = None
                       ) -> tuple[list[Scored], Focus | None]:
        """``search``, and the question's focus that reranked the candidates (the
        answerer scores sentences with it too: one embedding less); None when
        ``focus_weight`` is 0 (no focus was looked for)."""
        cat = self.index.catalog
        if not cat.paragraphs:
            return [], None
        lang = language or detect(question)
        if vector is None or glosses is None:
            texts = self.gloss_texts(question, lang) if glosses is None else {}
            embedded = embed_queries(self.embedder, ([question] if vector is None else [])
                                     + list(texts.values()))
            if vector is None:
                vector, embedded = embedded[0], embedded[1:]
            if glosses is None:
                glosses = dict(zip(texts, embedded))
        pool = max(self.pool, 4 * k)
        # The glosses only rescore: candidates they would draw themselves measured the
        # same (XQuAD fit, bench/sweep_gloss.py's setting) for one more store query each.
        lexical = self.bm25.run(question, pool)
        cands = dict.fromkeys([*self._candidates(vector, pool), *lexical])
        ids = [pid for pid in cands if pid in self.index.paragraph_rows]
        # A heading or a markup line is never a hit: its words reach every block under it
        # (title and section path are embedded with the block), and a bare heading, close
        # to every question about its section, would take a place of the blocks that say
        # something. Only a corpus of nothing else (a file of headings) returns them.
        ids = [pid for pid in ids if cat.paragraphs[pid].kind not in UNQUOTED_KINDS] or ids
        if not ids:
            return [], None
        dense = self._dense(ids, vector, lang)
        sent = self._sentences(ids, vector, lang)
        lex = self._lexical(question, lang, ids, lexical, pool) if self.lexical_weight else 0.0
        # A paragraph of the other language matches the question and its gloss.
        gloss_matches = self._gloss_matches(ids, glosses)
        semantic = self._with_glosses(dense + self.sentence_weight * sent, gloss_matches)
        score = semantic + self.lexical_weight * lex
        score, focus = self._refocus(question, lang, ids, score, gloss_matches)
        order = np.argsort(-score, kind="stable")[:k]
        return [Scored(ids[i], float(score[i]), float(dense[i]), float(sent[i]),
                       float(lexical.get(ids[i], 0.0))) for i in order], focus

    def _refocus(self, question: str, lang: str, ids: list[str], score: np.ndarray,
                 gloss_matches: list[tuple[np.ndarray, np.ndarray]]
                 ) -> tuple[np.ndarray, Focus | None]:
        """``score`` blended with the candidates' match to the question's focus: the
        question without its topic words, those found in at least half of its
        ``focus_pool`` best candidates. In a collection about one subject the topic
        words ("Vietnam", "New Zealand", "tokenizer") match every candidate alike and
        outweigh the words that say which one answers. Unchanged when no word is shared."""
        if not self.focus_weight:
            return score, None
        cat = self.index.catalog
        top = np.argsort(-score, kind="stable")[:self.focus_pool]
        text = focus_text(question, [cat.paragraphs[ids[i]] for i in top])
        if not text:
            return score, Focus()
        vector = self.embedder.embed_query(text)
        focused = (self._dense(ids, vector, lang)
                   + self.sentence_weight * self._sentences(ids, vector, lang))
        if self.focus_glossed:
            # As for the question itself: a paragraph in another language also matches the
            # question's gloss, or the focus would favour the question's own language.
            focused = self._with_glosses(focused, gloss_matches)
        return (1 - self.focus_weight) * score + self.focus_weight * focused, Focus(text, vector)

    def _lexical(self, question: str, lang: str, ids: list[str], lexical: dict[str, float],
                 pool: int) -> np.ndarray:
        """Each candidate's BM25 match, as a share of the best match in its own language:
        a paragraph in the question's language matched by the question (``lexical``, its
        BM25 hits), one in another language by the question's gloss into that language.

        One scale for all languages would let the question's own language win every
        lexical match: across languages only names and numbers are shared words (XQuAD
        fit paragraphs, each in one language: the other language's MRR at weight 0.3
        fell 0.814 -> 0.740 (en questions), 0.813 -> 0.664 (vi); per language it rose to
        0.841 / 0.828, ``Retrieval.lexical_weight``). A language the table does not
        translate into keeps the question's own matches (names and numbers)."""
        cat = self.index.catalog
        langs = [cat.paragraphs[pid].language for pid in ids]
        tables: dict[str, dict[str, float]] = {L: {} for L in langs}
        for pid, v in lexical.items():
            tables.setdefault(cat.paragraphs[pid].language, {})[pid] = v
        # gloss_texts holds only languages other than the question's.
        for other, gloss in self.gloss_texts(question, lang).items():
            tables[other] = self.bm25.run(gloss, pool, language=other)
        tops = {L: max(t.values(), default=0.0) or 1.0 for L, t in tables.items()}
        return np.array([tables[L].get(pid, 0.0) / tops[L] for pid, L in zip(ids, langs)])

    def _gloss_matches(self, ids: list[str], glosses: dict
                       ) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each language with a gloss (``glosses``: language -> gloss query vector):
        (mask of the candidates in that language, their match to the gloss). Computed
        once a question, for the question's match and its focus's."""
        cat = self.index.catalog
        out = []
        for other, gloss in glosses.items():
            mask = np.array([cat.paragraphs[pid].language == other for pid in ids])
            if mask.any():
                sub = [pid for pid, m in zip(ids, mask) if m]
                out.append((mask, self._dense(sub, gloss, other)
                            + self.sentence_weight * self._sentences(sub, gloss, other)))
        return out

    def _with_glosses(self, match: np.ndarray,
                      gloss_matches: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """``match`` (one per candidate) with each candidate of another language than the
        question's blended with its match to the question's gloss into that language
        (``gloss_weight`` of it; ``gloss_matches`` from ``_gloss_matches``)."""
        match = match.copy()
        for mask, glossed in gloss_matches:
            match[mask] = (1 - self.gloss_weight) * match[mask] + self.gloss_weight * glossed
        return match

    def gloss_texts(self, question: str, lang: str) -> dict[str, str]:
        """Other corpus language -> ``question`` glossed into it (only the languages the
        word table translates ``lang`` into; none when glosses are off)."""
        if self.glosser is None or not self.gloss_weight:
            return {}
        return self.glosser.texts(question, lang, self.languages)

    def _candidates(self, vector: np.ndarray, n: int) -> list[str]:
        """Paragraph ids near ``vector`` in each language, by paragraph and by sentence:
        the ``n`` nearest canonical paragraphs of each language and the paragraphs of the
        ``n`` nearest sentences of each language (each id once, nearest first).

        Chroma's filtered queries cost in proportion to the records the filter matches
        (chromadb 1.5.9, 13,277 paragraphs: 45 ms with ``where``, 1.5 ms without, for any
        n up to 480; ``python bench/filters.py``), so one wide query without a filter
        (``RETRIEVAL.unfiltered_factor`` x n per language) draws every language's share
        at once; only a language still short of ``n`` gets a filtered query. The ids
        are the same as one filtered query per language would give (131 dev questions,
        top 10 compared); an ``ask`` took 200 → 80 ms on a 13k-paragraph folder.
        """
        store = self.index.store
        vec = [float(x) for x in vector]
        cat = self.index.catalog.paragraphs
        out: dict[str, None] = {}  # an ordered set
        for query, totals, canonical in ((store.query, self._paragraphs_per_language, True),
                                         (store.sentence_query, self._sentences_per_language,
                                          False)):
            wide = n * len(totals) * RETRIEVAL.unfiltered_factor
            # Room for repeated blocks (not candidates), bounded: a language they crowd
            # out still gets its filtered query.
            wide += min(self._repeats, wide) if canonical else 0
            hits = query(vec, wide)
            found: dict[str, list[str]] = {lang: [] for lang in totals}
            for rid, _ in hits:
                p = cat.get(rid.rsplit("#", 1)[0])
                if p is None or (canonical and not p.is_canonical):
                    continue
                mine = found.setdefault(p.language, [])
                if len(mine) < n:
                    mine.append(p.id)
            for lang, mine in found.items():
                if len(hits) == wide and len(mine) < min(n, totals.get(lang, 0)):
                    where = {"language": lang}
                    if canonical:
                        where = {"$and": [{"is_canonical": True}, where]}
                    mine[:] = [rid.rsplit("#", 1)[0] for rid, _ in query(vec, n, where=where)]
                out.update(dict.fromkeys(mine))
        return list(out)

    def _dense(self, ids: list[str], vector: np.ndarray, lang: str) -> np.ndarray:
        rows = [self.index.paragraph_rows[pid] for pid in ids]
        vecs = self.index.paragraph_vectors[rows]
        langs = [self.index.catalog.paragraphs[pid].language for pid in ids]
        out = np.empty(len(ids))
        for language in set(langs):
            mask = np.array([x == language for x in langs])
            mu = self.index.centroids.get("paragraph", {}).get(language)
            pv = _unit(vecs[mask] - mu) if mu is not None else vecs[mask]
            out[mask] = pv @ self.centred(vector, lang)
        return out

    def _sentences(self, ids: list[str], vector: np.ndarray, lang: str) -> np.ndarray:
        table = self.index.sentences
        q = self.centred(vector, lang, "sentence")
        out = np.zeros(len(ids))
        for i, pid in enumerate(ids):
            rows = table.rows(pid)
            if len(rows):
                out[i] = float(np.max(table.centred[rows] @ q))
        return out
