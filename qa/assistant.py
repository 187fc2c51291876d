"""The Assistant: one corpus, one index, one embedder; the object behind qa.ask/cite/search."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from qa.citations import Catalog
from qa.config import Config
from qa.embed import Embedder, make_embedder
from qa.errors import LLMError, StoreError
from qa.extractive import ExtractiveAnswerer, idf_table, load_calibration
from qa.ingest import ingest, paragraph_from_record
from qa.llm import LLMAnswerer, make_llm
from qa.parallel import find_links
from qa.question import Question, analyse, check_k, check_question, history_pairs
from qa.retrieve import Retriever
from qa.sentvec import SentenceVectors
from qa.types import Answer, Citation, Hit, IngestReport
from vectorstore.chroma import (
    ChromaStore,
    discard_local_store,
    local_path,
    local_store_exists,
    open_store,
)

log = logging.getLogger(__name__)


class Assistant:
    """Question answering with citations over one folder of documents.

    Arguments override the environment (see ``Config.from_env``); the index is
    opened lazily and brought up to date with the folder on first use.
    """

    def __init__(self, corpus_dir: Path | str | None = None, data_dir: Path | str | None = None,
                 embedder: Embedder | str | None = None, llm=None, *,
                 config: Config | None = None, auto_ingest: bool = True) -> None:
        named = embedder if isinstance(embedder, str) else None
        self.config = (config or Config.from_env()).with_(
            **{k: v for k, v in {"corpus_dir": corpus_dir, "data_dir": data_dir,
                                 "embedder": named}.items() if v is not None})
        given = embedder is not None and not named
        self.embedder = embedder if given else make_embedder(self.config)
        self.llm = llm
        self.auto_ingest = auto_ingest
        self._store: ChromaStore | None = None
        self._catalog: Catalog | None = None
        self._retriever: Retriever | None = None
        self._extractive: ExtractiveAnswerer | None = None
        self._sentences = SentenceVectors(self.embedder, self.config.data_dir)
        self._lock = threading.RLock()
        self._generation = 0  # bumped each time the store is reopened after a failure

    @property
    def uploads_dir(self) -> Path:
        """Where documents added through the UI are kept."""
        return self.config.data_dir / "uploads"

    @property
    def folders(self) -> list[Path]:
        """The folders whose documents make up the corpus."""
        return [self.config.corpus_dir, self.uploads_dir]

    @property
    def store(self) -> ChromaStore:
        """The Chroma collection, opened on first use."""
        with self._lock:
            if self._store is None:
                self._store = self._open()
            return self._store

    def _open(self, recreate: bool = False) -> ChromaStore:
        c = self.config
        return open_store(c.data_dir, self.embedder.name, name=c.collection,
                          host=c.chroma_host, port=c.chroma_port, recreate=recreate)

    @property
    def catalog(self) -> Catalog:
        """Every indexed paragraph; ingests first if the index is missing or stale."""
        with self._lock:
            if self._catalog is None:
                if self.auto_ingest:
                    self.ingest()
                else:
                    self._reload()
            return self._catalog

    def ingest(self, folder: Path | str | None = None, *, rebuild: bool = False,
               progress: bool | None = None) -> IngestReport:
        """Bring the index in line with the corpus folder; embed only what changed."""
        with self._lock:
            if folder is not None:
                self.config = self.config.with_(corpus_dir=folder)
            generation = self._generation
            try:
                if rebuild:
                    self._store = self._open(recreate=True)
                self._check_store()
                report = ingest(self.folders, self.store, self.embedder, progress=progress)
                self._reload()
            except StoreError as exc:
                report = self._recover(exc, generation, progress) or self.ingest(
                    progress=progress)
            return report

    def _check_store(self) -> None:
        """StoreError if the embedded store's files vanished while it was open."""
        c = self.config
        if self._store is not None and not c.chroma_host and not local_store_exists(c.data_dir):
            raise StoreError(f"the Chroma store in {local_path(c.data_dir)} was deleted while "
                             "in use")

    def _recover(self, exc: StoreError, generation: int,
                 progress: bool | None = False) -> IngestReport | None:
        """Reopen the store after ``exc`` and bring the index back in line with the corpus.

        Embedded mode: the missing or damaged store folder is moved aside and rebuilt
        from the corpus. Server mode: the server is reconnected (a StoreError naming
        `chroma run` if it is still down) and re-synced, embedding only what it lost.
        Returns the ingest report, or None if another thread recovered already.
        """
        with self._lock:
            if generation != self._generation:
                return None
            self._generation += 1
            c = self.config
            self._store = None
            if c.chroma_host:
                log.warning("Chroma server %s:%s failed (%s); reconnecting", c.chroma_host,
                            c.chroma_port, exc)
            else:
                aside = discard_local_store(c.data_dir)
                log.warning("the Chroma store in %s is missing or damaged (%s); %srebuilding "
                            "the index from the documents", local_path(c.data_dir), exc,
                            f"moved it to {aside}; " if aside else "")
            report = ingest(self.folders, self.store, self.embedder, progress=progress)
            self._reload()
            log.warning("index %s: %d documents, %d paragraphs (%d embedded)",
                        "re-synced" if c.chroma_host else "rebuilt", report.documents,
                        report.paragraphs, report.embedded)
            return report

    def _snapshot(self):
        """Catalog, retriever and extractive answerer of one index version."""
        with self._lock:
            return self.catalog, self._retriever, self._extractive

    def _retrieve(self, query: str, k: int, **kwargs):
        """(hits, catalog, extractive answerer), all of one index version, so an ingest
        running alongside cannot mix versions; recovers once from a store failure."""
        generation = self._generation
        try:
            self._check_store()
            cat, retriever, extractive = self._snapshot()
            return retriever.search(query, k, **kwargs), cat, extractive
        except StoreError as exc:
            self._recover(exc, generation)
        cat, retriever, extractive = self._snapshot()
        return retriever.search(query, k, **kwargs), cat, extractive

    def _reload(self) -> None:
        paragraphs = [paragraph_from_record(pid, text, meta)
                      for pid, text, meta in self.store.records()]
        self._catalog = Catalog.build(paragraphs)
        self._on_reload()

    def _on_reload(self) -> None:
        # Derived indexes follow the catalog; each is swapped in one assignment.
        cat = self._catalog
        cal = load_calibration()
        self._retriever = Retriever(self.store, self.embedder, cat,
                                    cross_bonus=cal.get("cross_lingual_bonus"))
        canon = [p for p in cat.paragraphs.values() if p.is_canonical]
        self._extractive = ExtractiveAnswerer(
            cat, self._sentences, idf_table([f"{p.title} {p.text}" for p in canon]),
            bias=self._retriever.bias, calibration=cal)
        # Sentence vectors are needed only when answering: compute them off the
        # start-up path so the first question rarely waits for them.
        self._warmer = threading.Thread(target=self._warm, args=(canon,), daemon=True,
                                        name="seedqa-warm")
        self._warmer.start()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the index is loaded and sentence vectors are computed."""
        self.catalog  # noqa: B018 - loads (or builds) the index first
        warmer = getattr(self, "_warmer", None)
        if warmer is not None:
            warmer.join(timeout)
            return not warmer.is_alive()
        return True

    def _warm(self, paragraphs) -> None:
        try:
            self.embedder.embed_query("warm-up")  # first call pays one-off set-up costs
            self._sentences.warm(paragraphs)
            # Links use header-free paragraph vectors: a shared document title in
            # front would make a document's paragraphs look alike.
            raw = self._sentences.get([p.text for p in paragraphs]) if paragraphs else []
            self._sentences.save()
            cat = self._catalog
            if cat is not None:
                cat.links = find_links(paragraphs, dict(zip([p.id for p in paragraphs], raw)))
        except Exception:  # warming is an optimisation; answering computes on demand
            log.warning("sentence warm-up failed", exc_info=True)

    @property
    def retriever(self) -> Retriever:
        """The hybrid retriever over the current catalog."""
        self.catalog  # noqa: B018 - ensures the index is loaded
        return self._retriever

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The ``k`` most relevant paragraphs for ``query``, best first."""
        query = check_question(query)
        k = check_k(k)
        scored, cat, _ = self._retrieve(query, k)
        return [Hit(cat.citation(cat.paragraphs[s.id]), s.score) for s in scored]

    def cite(self, pid: str) -> Citation:
        """The paragraph with this id; ``CitationNotFound`` if there is none."""
        return self.catalog.cite(pid)

    def _query_vector(self, q: Question):
        vec = self.embedder.embed_query(q.standalone)
        if q.previous and q.standalone == q.text:
            # A follow-up that names its own topic but leans on a pronoun: keep
            # the previous question in view, at a lower weight.
            vec = vec + 0.35 * self.embedder.embed_query(q.previous)
            vec = vec / max(float((vec @ vec) ** 0.5), 1e-12)
        return vec

    @property
    def backend(self) -> str:
        """What writes answers: 'extractive' or the LLM's model name."""
        return self._llm_answerer.name if self._llm_answerer else "extractive"

    def ask(self, question: str, history: list | None = None, k: int | None = None) -> Answer:
        """Answer ``question`` from the documents, citing paragraphs as [1], [2], ..."""
        final = None
        for item in self.ask_stream(question, history=history, k=k):
            if isinstance(item, Answer):
                final = item
        return final

    def ask_stream(self, question: str, history: list | None = None,
                   k: int | None = None) -> Iterator[str | Answer]:
        """Yield the answer's text in pieces, then the final ``Answer``.

        The final Answer is authoritative: if a model's stream breaks off and the
        extractive fallback answers instead, its text replaces the pieces.
        """
        t0 = time.perf_counter()
        q = analyse(question, history)
        k = check_k(k) if k is not None else self.config.top_k
        self.catalog  # noqa: B018 - loads (or builds) the index first
        llm = self._llm_answerer
        note = ""
        if llm and q.previous:
            try:
                q = replace(q, standalone=llm.condense(q, history_pairs(history)))
            except LLMError as exc:
                if self.config.fallback == "error":
                    raise
                note = str(exc)
        qvec = self._query_vector(q)
        hits, cat, extractive = self._retrieve(q.standalone, max(k, 8), vector=qvec,
                                               language=q.language)
        hits = self._one_per_statement(hits, cat)
        answer = None
        if llm and not note:
            llm.catalog = cat  # the index version the hits come from
            try:
                answer = yield from self._generate(llm, q, hits[:k], extractive)
            except LLMError as exc:
                if self.config.fallback == "error":
                    raise
                note = str(exc)
        if answer is None:
            answer = extractive.answer(q, qvec, hits)
            if note:
                answer = replace(answer, note=f"The language model failed: {note}. "
                                              "This answer was extracted offline instead.")
            yield from _pieces(answer.text)
        yield replace(answer, seconds=time.perf_counter() - t0)

    def _one_per_statement(self, hits, cat=None):
        """Drop hits that translate an earlier hit: one statement, one source."""
        cat = self.catalog if cat is None else cat
        seen: set[str] = set()
        kept = []
        for hit in hits:
            if hit.id in seen:
                continue
            seen.add(hit.id)
            seen.update(cat.parallel(hit.id))
            kept.append(hit)
        return kept

    def _generate(self, llm, q: Question, hits, extractive=None) -> Iterator[str]:
        final = None
        for item in llm.stream(q, hits):
            if isinstance(item, Answer):
                final = item
            else:
                yield item
        if final is None or not final.answered:
            refusal = (extractive or self._extractive).refusal(q, hits)
            return replace(refusal, backend=llm.name)
        return final

    @property
    def _llm_answerer(self) -> LLMAnswerer | None:
        if self.llm is False:
            return None
        if self.llm is None:
            self.llm = make_llm(self.config) or False
            return self._llm_answerer
        return LLMAnswerer(self.llm, self.catalog, self._sentences, self.embedder)


def _pieces(text: str) -> Iterator[str]:
    """Split an answer into sentence-sized pieces for streaming."""
    parts = re.split(r"(?<=\])\s+", text)
    for i, part in enumerate(parts):
        yield part + (" " if i < len(parts) - 1 else "")
