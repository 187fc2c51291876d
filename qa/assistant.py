"""The Assistant: one corpus, one index, one embedder; the object behind qa.ask/cite/search."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from qa.citations import Catalog
from qa.config import Config
from qa.embed import Embedder, make_embedder
from qa.ingest import ingest, paragraph_from_record
from qa.types import Citation, IngestReport
from vectorstore.chroma import ChromaStore, open_store

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
        self.embedder = embedder if embedder is not None and not named else make_embedder(self.config)
        self.llm = llm
        self.auto_ingest = auto_ingest
        self._store: ChromaStore | None = None
        self._catalog: Catalog | None = None
        self._lock = threading.RLock()

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
            if rebuild:
                self._store = self._open(recreate=True)
            report = ingest(self.folders, self.store, self.embedder, progress=progress)
            self._reload()
            return report

    def _reload(self) -> None:
        paragraphs = [paragraph_from_record(pid, text, meta)
                      for pid, text, meta in self.store.records()]
        self._catalog = Catalog.build(paragraphs)
        self._on_reload()

    def _on_reload(self) -> None:
        """Hook for derived indexes (BM25) that must follow the catalog."""

    def cite(self, pid: str) -> Citation:
        """The paragraph with this id; ``CitationNotFound`` if there is none."""
        return self.catalog.cite(pid)
