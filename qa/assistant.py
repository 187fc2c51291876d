"""The Assistant: one corpus, one store, one embedder; the object behind qa.ask/cite/search.

Reads never wait for writes: every question is answered from one immutable
``Pipeline`` (an ``Index`` version and the components built on it), taken by reference.
An ingest writes the store under its own lock, then builds the next pipeline and swaps
the reference. Readers notice a version written by another process (a CLI ingest, a
second app instance on the same Chroma server) within ``FRESHNESS.check_seconds``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from qa.config import Config
from qa.embed import Embedder, make_embedder
from qa.errors import CorpusError, LLMError, StoreError, StoreFull
from qa.ingestor import UPLOAD, Ingestor, Progress
from qa.pipeline import Pipeline
from qa.question import analyse, check_k, history_pairs
from qa.store import VectorStore, check_files, open_checked, rebuild_damaged, write_lock
from qa.tuning import FRESHNESS
from qa.types import Answer, Citation, DocumentInfo, Hit, IngestReport
from qa.writelock import once, waiting

log = logging.getLogger(__name__)


class Assistant:
    """Question answering with citations over one folder of documents.

    Arguments override the environment (see ``Config.from_env``). The index is opened on
    first use and, with ``auto_ingest``, brought up to date with the folder first.
    """

    def __init__(self, corpus_dir: Path | str | None = None, data_dir: Path | str | None = None,
                 embedder: Embedder | str | None = None, llm=None, *,
                 config: Config | None = None, auto_ingest: bool = True,
                 scoring: dict | None = None) -> None:
        named = embedder if isinstance(embedder, str) else None
        self.config = (config or Config.from_env()).with_(
            **{k: v for k, v in {"corpus_dir": corpus_dir, "data_dir": data_dir,
                                 "embedder": named}.items() if v is not None})
        # With no folder named anywhere, the folder last ingested into the store is used
        # (`seedqa ingest FOLDER` sticks); see _adopt_recorded_corpus.
        self._corpus_chosen = (corpus_dir is not None or config is not None
                               or bool(os.environ.get("QA_CORPUS_DIR", "").strip()))
        given = embedder is not None and not named
        self.embedder = embedder if given else make_embedder(self.config)
        self.llm = llm
        self.auto_ingest = auto_ingest
        # Fitted scoring parameters other than qa/scoring.json (None: that file), for
        # bench/fit_scoring.py to check a fit on the product before writing it.
        self.scoring = scoring
        self._store: VectorStore | None = None
        self._pipeline: Pipeline | None = None
        self._write_lock = threading.Lock()  # one ingest at a time in this process
        self._load_lock = threading.RLock()  # one (re)load at a time; readers never take it
        self._checked = 0.0

    # -- where things are --------------------------------------------------------------
    @property
    def uploads_dir(self) -> Path:
        """Where documents added through the UI are kept."""
        return self.config.data_dir / "uploads"

    @property
    def folders(self) -> list[Path]:
        """The folders whose documents make up the corpus."""
        return [self.config.corpus_dir, self.uploads_dir]

    @property
    def store(self) -> VectorStore:
        """The store, opened on first use."""
        with self._load_lock:
            if self._store is None:
                self._store = self._open()
                self._adopt_recorded_corpus()
            return self._store

    def _open(self, *, recreate: bool = False, fresh: bool = False) -> VectorStore:
        return open_checked(self.config, self.embedder.name, recreate=recreate, fresh=fresh)

    def _adopt_recorded_corpus(self) -> None:
        if self._corpus_chosen:
            return
        recorded = self._store.info().get("corpus")
        if recorded and Path(recorded).is_dir() and Path(recorded) != self.config.corpus_dir:
            log.info("using the corpus last indexed into this store: %s", recorded)
            self.config = self.config.with_(corpus_dir=recorded)

    # -- index versions ----------------------------------------------------------------
    @property
    def pipeline(self) -> Pipeline:
        """The current pipeline (index version + components); never blocks on an ingest
        once an index exists."""
        current = self._pipeline
        if current is None:
            if self.auto_ingest:
                # The write locks first, as every writer takes them: a first question
                # that held the load lock while waiting for an ingest in progress would
                # deadlock with it (that ingest takes the load lock to swap versions).
                with self._writing():
                    if self._pipeline is None:  # else that ingest brought it up to date
                        self._ingest_locked()
            else:
                with self._load_lock:
                    if self._pipeline is None:
                        self._reload()
            return self._pipeline
        try:
            self._check_files()  # a stat: cheap enough for every request
        except StoreError as exc:
            return self._recover(exc, current)
        now = time.monotonic()
        newer = False
        if now - self._checked >= FRESHNESS.check_seconds:
            self._checked = now
            try:
                newer = current.index.store.version() != current.index.version
            except StoreError:
                # Unreachable (a stopped server): what is loaded still serves lookups; the
                # next search or ask reports the error and reconnects.
                return current
        if newer:
            with self._load_lock:
                if self._pipeline is current:
                    self._reload(fresh=True)
        return self._pipeline

    @property
    def catalog(self):
        """Every indexed paragraph (of the current version)."""
        return self.pipeline.index.catalog

    def _check_files(self) -> None:
        if self._store is not None:
            check_files(self.config)

    def _reload(self, fresh: bool = False) -> None:
        with self._load_lock:
            if fresh or self._store is None:
                self._store = self._open(fresh=fresh)
            self._pipeline = Pipeline.build(self._store, self.embedder, self.scoring)
            self._checked = time.monotonic()

    def ingest(self, folder: Path | str | None = None, *, rebuild: bool = False,
               progress: bool | None = None, on_progress: Progress | None = None,
               remove: tuple[str, ...] = (),
               on_wait: Callable[[str], None] | None = None) -> IngestReport:
        """Bring the index in line with the corpus folder; embed only what changed.

        Readers keep answering from the current version meanwhile; the new version
        replaces it when the ingest is complete. Another ingest in progress (a thread
        here or another process on the same data folder) is waited for; ``on_wait(pid)``
        is called once if so.
        """
        with self._writing(on_wait):
            if folder is not None:
                self.config = self.config.with_(corpus_dir=folder)
                self._corpus_chosen = True
            if rebuild:
                with self._load_lock:
                    self._store = self._open(recreate=True)
            return self._ingest_locked(on_progress or (_print_progress if progress else None),
                                       remove)

    @contextlib.contextmanager
    def _writing(self, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Both write locks, in the order every writer takes them (this process's, then
        the data folder's), before any load lock; ``on_wait(pid)`` once if either waits."""
        on_wait = once(on_wait)
        with waiting(self._write_lock, on_wait), write_lock(self.config, on_wait):
            yield

    def _ingest_locked(self, on_progress: Progress | None = None,
                       remove: tuple[str, ...] = ()) -> IngestReport:
        """The ingest itself; the caller holds both write locks (``_writing``)."""

        def run(store: VectorStore) -> IngestReport:
            return Ingestor(store, self.embedder).run(
                self.config.corpus_dir, self.uploads_dir, on_progress=on_progress,
                remove=remove)

        try:
            self._check_files()
            report = run(self.store)
        except StoreFull:
            raise
        except StoreError as exc:
            log.warning("the store at %s failed during ingest (%s); reconnecting to check "
                        "it", self.config.data_dir, exc)
            with self._load_lock:
                self._store = self._open(fresh=True)
            try:
                report = run(self._store)
            except StoreFull:
                raise
            except StoreError as again:
                # It opens and reads, but writes fail again: damaged (not a restarted
                # server or another writer's moment); rebuilt from the documents.
                with self._load_lock:
                    self._store = rebuild_damaged(self.config, self.embedder.name, again)
                report = run(self._store)
        self._reload()
        return report

    def _recover(self, exc: StoreError, seen: Pipeline) -> Pipeline:
        """After a store error: probe, and rebuild only what is confirmed lost.

        A full or read-only disk is never damage (the error goes to the caller; the
        current version keeps answering). Otherwise the store is reopened: if it opens,
        nothing was lost (another writer, a restarted server) and it is reloaded; an
        embedded store that cannot be opened is moved aside (never deleted) and rebuilt.
        """
        if isinstance(exc, StoreFull):
            raise exc
        with self._load_lock:
            if self._pipeline is not seen:
                return self._pipeline  # another thread recovered already
            log.warning("the store at %s failed (%s); reconnecting to check it",
                        seen.index.store.where, exc)
            probe = self._open(fresh=True)
            self._store = probe
            if probe.version():
                self._reload()
                return self._pipeline
        # An empty store (a server that lost its data, a rebuilt folder): re-synced by an
        # ingest, which takes the write locks before the load lock, as every writer does.
        self.ingest()
        return self._pipeline

    def _read(self, fn: Callable[[Pipeline], object]):
        """Run ``fn`` on the current pipeline; after a store error, recover once and retry."""
        current = self.pipeline
        try:
            return fn(current)
        except StoreFull:
            raise
        except StoreError as exc:
            return fn(self._recover(exc, current))

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Kept for compatibility: the index is complete when ``ingest`` returns, and
        nothing runs in the background, so this only opens the index."""
        self.pipeline  # noqa: B018
        return True

    # -- documents ---------------------------------------------------------------------
    def open_index(self) -> list[DocumentInfo]:
        """Open the stored index as it is, without bringing it up to date with the
        folder; the documents it holds (none on a first run). A restarted server serves
        this version at once and ingests in the background."""
        if self._pipeline is None:
            self._reload()
        return self.documents()

    def documents(self) -> list[DocumentInfo]:
        """Every indexed document, in id order."""
        return self.pipeline.index.documents()

    def remove_document(self, doc_id: str) -> IngestReport:
        """Remove an uploaded document (its file and its paragraphs) from the index."""
        info = {d.id: d for d in self.documents()}.get(doc_id)
        if info is None:
            raise CorpusError(f"no document {doc_id!r} in the index; see the document list")
        if info.origin != UPLOAD:
            raise CorpusError(f"{doc_id!r} belongs to the corpus folder "
                              f"{self.config.corpus_dir}; remove its file there and re-ingest")
        for path in self.uploads_dir.glob("*"):
            if path.stem == doc_id and path.is_file():
                path.unlink()
        return self.ingest(remove=(doc_id,))

    # -- questions ---------------------------------------------------------------------
    def search(self, query: str, k: int = 5, history: list | None = None) -> list[Hit]:
        """The ``k`` most relevant statements for ``query``, best first (one per statement:
        translations of a hit are folded into it). With ``history`` (as for ``ask``), what
        this turn of the conversation asks is searched: a follow-up that leans on the
        previous turn ("What posts does he hold?") is searched as the offline answerer
        retrieves for it (``qa.question.analyse``; an LLM may also reword it for its own
        answer), not by its own words alone. Without history that is ``query`` itself."""
        q = analyse(*self._restored(query, history))
        k = check_k(k)
        return self._read(lambda p: p.search(q.search_text, k, language=q.language,
                                             topic=q.topic))

    def _restored(self, question: str, history: list | None) -> tuple[str, list | None]:
        """``question`` and the questions of ``history`` with the marks their language
        writes put back, when typed without them (``Pipeline.restore``): "Ai la Bo
        truong Ngoai giao?" is read, searched and answered as "Ai là Bộ trưởng Ngoại
        giao?"."""
        restore = self.pipeline.restore
        if history and isinstance(history, (list, tuple)):  # else analyse says what is wrong
            history = [(restore(q), a) for q, a in history_pairs(history)]
        return restore(question) if isinstance(question, str) else question, history

    def cite(self, pid: str) -> Citation:
        """The paragraph with this id; ``CitationNotFound`` if there is none."""
        return self.catalog.cite(pid)

    @property
    def backend(self) -> str:
        """What writes answers: 'extractive' or the LLM's model name."""
        llm = self._llm()
        if not llm:
            return "extractive"
        from qa.llm import model_name

        return model_name(llm)

    def ask(self, question: str, history: list | None = None, k: int | None = None) -> Answer:
        """Answer ``question`` from the documents, citing paragraphs as [1], [2], ..."""
        final = None
        for item in self.ask_stream(question, history=history, k=k):
            if isinstance(item, Answer):
                final = item
        return final

    def ask_stream(self, question: str, history: list | None = None,
                   k: int | None = None) -> Iterator[str | Answer]:
        """Yield the answer's text in pieces, then the final ``Answer``."""
        t0 = time.perf_counter()
        q = analyse(*self._restored(question, history))
        k = check_k(k) if k is not None else self.config.top_k
        llm = self._llm()
        note = ""
        if llm and q.previous:
            try:
                from qa.llm import condense

                q = replace(q, standalone=condense(llm, q, history_pairs(history)))
            except LLMError as exc:
                if self.config.fallback == "error":
                    raise
                note = str(exc)
        # One version for the whole answer: hits, sentences and citations agree.
        pipeline, hits, qvec, focus = self._read(lambda p: (p, *p.retrieve(q, k)))
        answer = None
        if llm and not note:
            try:
                answer = yield from pipeline.generate(llm, q, hits[:k])
            except LLMError as exc:
                if self.config.fallback == "error":
                    raise
                note = str(exc)
        if answer is None:
            answer = pipeline.extractive.answer(q, qvec, hits, focus)
            if note:
                answer = replace(answer, note=f"The language model failed: {note}. "
                                              "This answer was extracted offline instead.")
            yield from _pieces(answer.text)
        yield replace(answer, seconds=time.perf_counter() - t0)

    # -- the language model ------------------------------------------------------------
    def _llm(self):
        if self.llm is None:
            from qa.llm import make_llm

            self.llm = make_llm(self.config) or False
        return self.llm or None


def _print_progress(name: str, done: int, total: int) -> None:
    if done == total or done % 32 == 0:
        print(f"  embedding {name}: {done}/{total} paragraphs", flush=True)


def _pieces(text: str) -> Iterator[str]:
    """Split an answer into sentence-sized pieces for streaming."""
    import re

    parts = re.split(r"(?<=\])\s+", text)
    for i, part in enumerate(parts):
        yield part + (" " if i < len(parts) - 1 else "")
