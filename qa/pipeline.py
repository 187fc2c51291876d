"""A question's path through one index version: question -> hits -> answer.

``Pipeline`` holds one immutable ``Index`` and the components built on it (retriever,
statement dedup, lead-ins, extractive answerer); the assistant swaps whole pipelines, so a
question never mixes two versions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from qa import lexicon
from qa.citations import Catalog
from qa.diacritics import MarkRestorer, Restored, bare_words
from qa.embed import Embedder, embed_queries
from qa.extractive import INTRODUCED_KINDS, ExtractiveAnswerer, following
from qa.index import Index
from qa.language import detect
from qa.question import Question
from qa.retrieve import Focus, Retriever, Scored
from qa.sentvec import SentenceVectors
from qa.store import VectorStore
from qa.topic import TopicFirst
from qa.tuning import RETRIEVAL
from qa.types import Answer, Hit


class StatementDedup:
    """Keeps one hit per statement: a hit whose translation ranked higher is dropped, and
    so is one whose text, word for word, a higher hit of another document holds (an
    untranslated paragraph that a translated page keeps as it was: LibreOffice's
    Vietnamese help repeats 1,003 English blocks of the English pages, and two copies
    took two of the five places).
    With ``language`` (search), the statement is shown in that language when a
    translation in it exists (at the rank of the best-ranked version): a Vietnamese
    asker reads the Vietnamese paragraph, though its English original matched the
    question better. The answerer's candidates keep the best-ranked version (its
    quotes are translated by ``ExtractiveAnswerer.in_language``; scoring the asker's
    version measured slightly worse on XQuAD's fit paragraphs, README)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def run(self, hits: list[Scored], language: str | None = None) -> list[Scored]:
        seen: set[str] = set()
        texts: set[str] = set()
        kept = []
        for hit in hits:
            text = " ".join(self.catalog.paragraphs[hit.id].text.split())
            if hit.id in seen or text in texts:
                continue
            versions = self.catalog.parallel(hit.id)
            seen.add(hit.id)
            seen.update(versions)
            texts.add(text)
            shown = hit
            if language and self.catalog.paragraphs[hit.id].language != language:
                own = [v for v in versions if v in self.catalog.paragraphs
                       and self.catalog.paragraphs[v].language == language]
                if own:
                    shown = replace(hit, id=own[0])
            kept.append(shown)
        return kept


class LeadIns:
    """Brings the block a hit introduces right after it: a paragraph ending in ":" whose
    next block is a list, a table or code ("Demos allow:" / the list) is half a result
    without that block, which often shares too few words with the question to rank high
    by itself. The answerer quotes the two together (``qa.extractive.introduced``);
    search shows them together. Only a block among the drawn candidates moves up (from
    where it ranked); one that was not drawn is not added (adding it always pushed
    better hits out: README, "A lead-in brings its block").
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def run(self, hits: list[Scored]) -> list[Scored]:
        by_id = {h.id: h for h in hits}
        placed: set[str] = set()
        out = []
        for hit in hits:
            if hit.id in placed:
                continue
            out.append(hit)
            placed.add(hit.id)
            block = self.block(hit.id)
            if block in by_id and block not in placed:
                placed.add(block)
                out.append(by_id[block])
        return out

    def block(self, pid: str) -> str | None:
        """The id of the list, table or code block paragraph ``pid`` introduces, or None."""
        p = self.catalog.paragraphs[pid]
        if p.kind in INTRODUCED_KINDS or not p.text.rstrip().endswith(":"):
            return None
        after = following(self.catalog, pid, 1)
        if after and after[0].kind in INTRODUCED_KINDS:
            return after[0].canonical_id
        return None


class LazyMarks:
    """The collection's ``MarkRestorer``, counted at the first question with a word typed
    without marks (one pass over the paragraphs' words; a version never asked such a
    question pays nothing). ``restorer``: None until then (bench/unmarked.py sets one
    that restores nothing, to measure without it)."""

    def __init__(self, catalog) -> None:
        self.catalog = catalog
        self.restorer: MarkRestorer | None = None

    def run(self, text: str) -> Restored:
        if not bare_words(text):  # every word marked (or another script): nothing to restore
            return Restored(text)
        if self.restorer is None:
            by_language: dict[str, list[str]] = {}
            for p in self.catalog.paragraphs.values():
                if p.is_canonical:
                    by_language.setdefault(p.language, []).append(p.text)
            self.restorer = MarkRestorer.from_texts(by_language)
        return self.restorer.run(text)


@dataclass(frozen=True)
class Pipeline:
    """The components of one index version."""

    index: Index
    embedder: Embedder
    vectors: SentenceVectors
    retriever: Retriever
    dedup: StatementDedup
    extractive: ExtractiveAnswerer
    leadins: LeadIns
    topics: TopicFirst
    marks: LazyMarks

    @classmethod
    def build(cls, store: VectorStore, embedder: Embedder,
              scoring: dict | None = None) -> Pipeline:
        """The pipeline over ``store``'s index; ``scoring``: fitted parameters other than
        qa/scoring.json (``qa.scoring.load_scoring``), or None for that file."""
        index = Index.load(store)
        cat = index.catalog
        vectors = index.sentence_vectors(embedder)
        # The shipped word table, with what this collection's translations teach first.
        words = lexicon.for_collection(cat, lexicon.shipped())
        retriever = Retriever(index, embedder, glosser=lexicon.Glosser(words))
        topics = TopicFirst(cat, words)
        extractive = ExtractiveAnswerer(index, vectors, embedder, params=scoring, topics=topics,
                                        words=words)
        return cls(index, embedder, vectors, retriever, StatementDedup(cat), extractive,
                   LeadIns(cat), topics, LazyMarks(cat))

    def restore(self, text: str) -> str:
        """``text`` with the marks its language writes put back when it was typed without
        them ("Ai la Bo truong ..." -> "Ai là Bộ trưởng ..."; ``qa.diacritics``), from
        this collection's words; else ``text`` unchanged."""
        return self.marks.run(text).text

    def retrieve(self, q: Question, k: int = RETRIEVAL.answer_pool
                 ) -> tuple[list[Scored], np.ndarray, Focus | None]:
        """The ``k`` (at least ``answer_pool``) best statements for ``q``, q's vector and
        the focus that reranked them (None when the retriever does not refocus)."""
        k = max(k, RETRIEVAL.answer_pool)
        # The question (as scored and as searched) and its glosses, in one model call.
        glosses = self.retriever.gloss_texts(q.search_text, q.language)
        texts = [q.standalone] + ([q.search_text] if q.search_text != q.standalone else [])
        vectors = embed_queries(self.embedder, texts + list(glosses.values()))
        qvec, svec = vectors[0], vectors[len(texts) - 1]
        gvecs = dict(zip(glosses, vectors[len(texts):]))
        # Draw extra candidates: folding translations must still leave k hits.
        hits, focus = self.retriever.focused_search(q.search_text, 2 * k, vector=svec,
                                                    language=q.language, glosses=gvecs)
        # Each statement in the asker's language where it has a version in it: the scorer
        # reads a sentence best in the question's own language (XQuAD held-out top-1
        # en->en 0.81, en->vi 0.67), and the answer quotes that version anyway (hf-course fit
        # split: refusal 0.50 -> 0.75, precision 0.327 -> 0.347; seeds, seeds-extra and
        # fastapi fit unchanged but fastapi precision 0.273 -> 0.251).
        # An elliptical follow-up's new topic first: the question carried over from the
        # last turn ranks that turn's paragraphs first (qa.topic).
        return self._statements(hits, q.language, q.topic)[:k], qvec, focus

    def _statements(self, hits: list[Scored], language: str, topic: str) -> list[Scored]:
        """Retrieved paragraphs as statements: translations folded into the asker's
        language, lead-ins before what they introduce, a follow-up's topic first."""
        return self.topics.run(self.leadins.run(self.dedup.run(hits, language)), topic,
                               language)

    def search(self, query: str, k: int, language: str | None = None,
               topic: str = "") -> list[Hit]:
        """The ``k`` best statements for ``query`` (asked in ``language``, detected when
        None), as citations with scores; those naming ``topic`` (an elliptical
        follow-up's, ``qa.topic.TopicFirst``) first."""
        cat = self.index.catalog
        # Draw extra candidates: folding translations must still leave k hits.
        language = language or detect(query)
        scored = self._statements(self.retriever.search(query, 2 * k, language=language),
                                  language, topic)[:k]
        return [Hit(cat.citation(cat.paragraphs[s.id]), s.score,
                    tuple(cat.citation(t) for t in cat.versions(s.id)[1:]))
                for s in scored]

    def generate(self, llm, q: Question, hits: list[Scored]) -> Iterator[str]:
        """Stream the LLM's answer over ``hits``; returns the final Answer (a refusal when
        no claim survives checking)."""
        from qa.llm import LLMAnswerer

        answerer = LLMAnswerer(llm, self.index.catalog, self.vectors, self.embedder,
                               lacking=self.extractive.lacking)
        final = None
        for item in answerer.stream(q, hits):
            if isinstance(item, Answer):
                final = item
            else:
                yield item
        if final is None or not final.answered:
            return replace(self.extractive.refusal(q, hits), backend=answerer.name)
        return final
