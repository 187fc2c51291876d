"""Chroma as seedqa's store: embedded (PersistentClient) or a `chroma run` server.

Two collections per index:
- paragraphs: id = paragraph id, document = the paragraph's source text, metadata =
  where it is, its derived data (parallel links) and the hash of what was embedded;
  written in llama-index's node format, so ``VectorStoreIndex.from_vector_store``
  over ``ChromaVectorStore`` reads it as it is;
- sentences (``<name>.s``): one record per quotable sentence span, with its vector,
  so scoring needs no embedding at question time and nothing is recomputed on open.

The paragraph collection's own metadata names the embedder that built it, the corpus
folder last indexed into it, and a ``version`` token that every ingest that changes
anything replaces last: readers compare it to see a newer index (from any process).
"""

from __future__ import annotations

import errno
import logging
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import chromadb  # noqa: E402  (telemetry must be off before chromadb is imported)
import httpx  # noqa: E402
from chromadb.config import Settings  # noqa: E402
from chromadb.errors import ChromaError  # noqa: E402

from qa.errors import EmbedderMismatch, StoreError, StoreFull  # noqa: E402

log = logging.getLogger(__name__)

SCHEMA = "2"
# Chroma's defaults (16 neighbours, ef 100) gave recall@10 0.86 on 100k e5-like
# vectors; these give 0.999 at 5 ms p50 (bench/scale.py, bench/results/scale.md).
HNSW = {"space": "cosine", "max_neighbors": 32, "ef_construction": 200, "ef_search": 400}
PAGE = 2000  # records per `get` page: bounded memory while reading large collections
SENTENCES = ".s"  # suffix of the sentence collection's name
# Errors of the store and its transport. Anything else (TypeError, KeyError, ...) is a
# bug in the caller and must surface as itself, never be mistaken for damage.
STORE_ERRORS = (ChromaError, sqlite3.Error, OSError, httpx.HTTPError, ConnectionError,
                TimeoutError)
_FULL = re.compile(r"disk is full|no space left|database or disk is full|read-?only|"
                   r"quota exceeded", re.IGNORECASE)


def collection_name(embedder_name: str, prefix: str = "seedqa") -> str:
    """A valid Chroma collection name that is distinct for each embedder."""
    slug = re.sub(r"[^a-zA-Z0-9._-]+", "-", f"{prefix}-{embedder_name}").strip("-._")
    return slug[:200] or "seedqa"


def local_path(data_dir: Path) -> Path:
    """Where the embedded (PersistentClient) store of ``data_dir`` lives."""
    return Path(data_dir) / "chroma"


def local_store_exists(data_dir: Path) -> bool:
    """Whether the embedded store's database file is on disk."""
    return (local_path(data_dir) / "chroma.sqlite3").is_file()


def forget_local_system(data_dir: Path) -> None:
    """Make the next PersistentClient of ``data_dir`` open the files afresh.

    Chroma keeps one system per path per process, and its in-memory HNSW index does
    not see vectors another process wrote. Dropping the cached system (without
    stopping it: readers may still hold handles to it) lets a reopen load them.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    path = local_path(data_dir)
    for key in {str(path), str(path.resolve())}:
        SharedSystemClient._identifier_to_system.pop(key, None)
        SharedSystemClient._identifier_to_refcount.pop(key, None)


def move_aside(data_dir: Path) -> Path | None:
    """Move a damaged embedded store to ``chroma.broken-<time>``; never delete one.

    Returns the new path, or None when there was no folder.
    """
    forget_local_system(data_dir)
    path = local_path(data_dir)
    if not path.exists() and not path.is_symlink():
        return None
    aside = path.with_name(f"chroma.broken-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    try:
        os.replace(path, aside)
    except OSError as exc:
        raise StoreError(f"the Chroma store in {path} is damaged and cannot be moved aside "
                         f"({exc}); move it away by hand and run `seedqa ingest`") from exc
    return aside


def translate(exc: BaseException, where: str) -> StoreError:
    """The StoreError (or StoreFull) that says what failed and how to fix it."""
    text = f"{type(exc).__name__}: {exc}"
    no_space = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS,
                                                          errno.EDQUOT)
    if no_space or _FULL.search(str(exc)):
        return StoreFull(f"cannot write to the Chroma store in {where}: the disk is full or "
                         f"read-only ({text}); free space or fix permissions there, then retry "
                         "(an index already open keeps answering meanwhile)")
    return StoreError(f"Chroma failed at {where} ({text}); if CHROMA_HOST is set, check the "
                      "server is running; otherwise run `seedqa ingest` (it repairs the index)")


def _client(data_dir: Path, host: str | None, port: int) -> Any:
    settings = Settings(anonymized_telemetry=False)
    if host:
        try:
            client = chromadb.HttpClient(host=host, port=port, settings=settings)
            client.heartbeat()
        except Exception as exc:  # noqa: BLE001 - any failure here means "not reachable"
            raise StoreError(
                f"Chroma server at {host}:{port} is not reachable ({type(exc).__name__}); start it "
                f"with `chroma run --path DIR --host {host} --port {port}`, or unset CHROMA_HOST "
                "to use the embedded store"
            ) from exc
        return client
    path = local_path(data_dir)
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=settings)
    except STORE_ERRORS as exc:
        raise translate(exc, str(path)) from exc


def open_store(data_dir: Path, embedder_name: str, *, name: str | None = None,
               host: str | None = None, port: int = 8000, recreate: bool = False,
               fresh: bool = False) -> ChromaStore:
    """Open (or create) the collections for ``embedder_name``; refuse foreign ones.

    ``recreate`` deletes the collections first, whoever built them (a rebuild);
    ``fresh`` reopens the embedded files to see other processes' writes.
    """
    if fresh and not host:
        forget_local_system(data_dir)
    client = _client(data_dir, host, port)
    cname = name or collection_name(embedder_name)
    where = f"{host}:{port}" if host else str(local_path(data_dir))
    try:
        if recreate:
            existing = {c.name for c in client.list_collections()}
            for n in (cname, cname + SENTENCES):
                if n in existing:
                    client.delete_collection(n)
        meta = {"embedder": embedder_name, "schema": SCHEMA}
        paragraphs = client.get_or_create_collection(
            cname, metadata=meta, configuration={"hnsw": HNSW}, embedding_function=None)
        sentences = client.get_or_create_collection(
            cname + SENTENCES, metadata=meta, configuration={"hnsw": HNSW},
            embedding_function=None)
    except STORE_ERRORS as exc:
        raise StoreError(f"cannot open Chroma collection {cname!r} at {where} ({exc}); check "
                         "CHROMA_HOST and QA_DATA_DIR, or rebuild with `seedqa ingest --rebuild`"
                         ) from exc
    meta = paragraphs.metadata or {}
    if meta.get("embedder") != embedder_name:
        raise EmbedderMismatch(
            f"collection {cname!r} was built by embedder {meta.get('embedder')!r}, not "
            f"{embedder_name!r}; run `seedqa ingest --rebuild` to re-embed it, or set "
            "QA_COLLECTION to another name (or unset it: each embedder gets its own collection)"
        )
    if meta.get("schema") != SCHEMA:
        raise EmbedderMismatch(f"collection {cname!r} at {where} was written by another seedqa "
                         f"version (schema {meta.get('schema')!r}, this one reads {SCHEMA!r}); "
                         "run `seedqa ingest --rebuild` to rebuild it")
    return ChromaStore(client, paragraphs, sentences, where)


class ChromaStore:
    """The paragraph and sentence collections of one index."""

    def __init__(self, client: Any, collection: Any, sentences: Any, where: str = "") -> None:
        self.client = client
        self.collection = collection
        self.sentence_collection = sentences
        self.where = where or collection.name
        self.batch = max(1, min(1000, client.get_max_batch_size()))

    @property
    def vector_store(self):
        """llama-index's view of the paragraphs (``VectorStoreIndex.from_vector_store``)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore  # slow import

        return ChromaVectorStore(chroma_collection=self.collection)

    @property
    def name(self) -> str:
        """The paragraph collection's name."""
        return self.collection.name

    @property
    def space(self) -> str:
        """The distance the collection was created with (should be 'cosine')."""
        return (self.collection.configuration or {}).get("hnsw", {}).get("space", "l2")

    def _guard(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except STORE_ERRORS as exc:
            raise translate(exc, self.where) from exc

    # -- index-level metadata -------------------------------------------------------
    def info(self) -> dict:
        """The paragraph collection's metadata, read afresh (embedder, corpus, version)."""
        col = self._guard(self.client.get_collection, self.collection.name)
        return dict(col.metadata or {})

    def version(self) -> str:
        """The token of the current index version ('' before the first ingest)."""
        return str(self.info().get("version", ""))

    def set_info(self, **changes: str) -> None:
        """Update index-level metadata (e.g. a new ``version`` after an ingest)."""
        meta = {**self.info(), **changes}
        meta.pop("hnsw:space", None)  # a creation-time setting Chroma refuses to modify
        self._guard(self.collection.modify, metadata=meta)

    def count(self) -> int:
        """Number of stored paragraphs."""
        return self._guard(self.collection.count)

    def probe(self) -> None:
        """Read a record and search with its vector: StoreError if either is damaged."""
        got = self._guard(self.collection.get, limit=1, include=["embeddings"])
        if got["ids"]:
            self.query([float(x) for x in got["embeddings"][0]], 1)

    # -- paragraphs ------------------------------------------------------------------
    def records(self, include_text: bool = True, include_vectors: bool = False
                ) -> Iterator[tuple]:
        """Every stored (id, text, metadata[, vector]), paged so large collections stream."""
        include = ["metadatas", "documents"] if include_text else ["metadatas"]
        if include_vectors:
            include.append("embeddings")
        yield from self._pages(self.collection, include)

    def _pages(self, collection, include: list[str], where: dict | None = None):
        offset = 0
        while True:
            page = self._guard(collection.get, include=include, limit=PAGE, offset=offset,
                               where=where)
            docs = page.get("documents") or [None] * len(page["ids"])
            embs = page.get("embeddings")
            embs = [None] * len(page["ids"]) if embs is None else embs
            # A record written without metadata (by another tool) reads as an empty one.
            metas = [m or {} for m in (page.get("metadatas") or [None] * len(page["ids"]))]
            if "embeddings" in include:
                yield from zip(page["ids"], docs, metas, embs)
            else:
                yield from zip(page["ids"], docs, metas)
            if len(page["ids"]) < PAGE:
                return
            offset += PAGE

    def hashes(self) -> dict[str, str]:
        """id -> content hash of every stored paragraph."""
        return {pid: (meta or {}).get("hash", "") for pid, _, meta in self.records(False)}

    def origins(self) -> dict[str, str]:
        """id -> origin ('corpus' or 'upload') of every stored paragraph."""
        return {pid: (meta or {}).get("origin", "corpus") for pid, _, meta in
                self.records(False)}

    def write(self, nodes: list) -> None:
        """Insert or replace llama-index ``TextNode``s (which carry their embeddings), in
        the record format ``ChromaVectorStore`` reads."""
        from llama_index.core.vector_stores.utils import node_to_metadata_dict  # slow import

        for i in range(0, len(nodes), self.batch):
            chunk = nodes[i:i + self.batch]
            self._guard(
                self.collection.upsert, ids=[n.node_id for n in chunk],
                embeddings=[n.get_embedding() for n in chunk],
                documents=[n.get_content() for n in chunk],
                metadatas=[node_to_metadata_dict(n, remove_text=True, flat_metadata=True)
                           for n in chunk])

    def update_metadata(self, changes: dict[str, dict]) -> None:
        """Merge metadata keys into existing records (id -> {key: value})."""
        ids = list(changes)
        for i in range(0, len(ids), self.batch):
            chunk = ids[i:i + self.batch]
            self._guard(self.collection.update, ids=chunk,
                        metadatas=[changes[pid] for pid in chunk])

    def delete(self, ids: list[str]) -> None:
        """Remove these paragraphs and their sentences (missing ids are ignored)."""
        for i in range(0, len(ids), self.batch):
            self._guard(self.collection.delete, ids=ids[i:i + self.batch])
        self.delete_sentences(ids)

    def delete_sentences(self, pids: list[str]) -> None:
        """Remove the sentence records of these paragraphs."""
        for i in range(0, len(pids), self.batch):
            self._guard(self.sentence_collection.delete,
                        where={"pid": {"$in": pids[i:i + self.batch]}})

    def query(self, vector: list[float], k: int,
              where: dict | None = None) -> list[tuple[str, float]]:
        """Top-k (id, cosine similarity) of paragraphs for a query vector."""
        return self._query(self.collection, vector, k, where)

    def _query(self, collection, vector, k, where):
        # Chroma returns fewer results when k exceeds what matches: no count() round trip.
        if k <= 0:
            return []
        res = self._guard(collection.query, query_embeddings=[vector], n_results=k,
                          where=where, include=["distances"])
        return [(pid, 1.0 - float(d)) for pid, d in zip(res["ids"][0], res["distances"][0])]

    def vectors(self, ids: list[str]) -> dict:
        """id -> stored paragraph vector for the given ids (missing ids are left out)."""
        out: dict = {}
        for i in range(0, len(ids), self.batch):
            got = self._guard(self.collection.get, ids=ids[i:i + self.batch],
                              include=["embeddings"])
            out.update(zip(got["ids"], got["embeddings"]))
        return out

    # -- sentences -------------------------------------------------------------------
    def write_sentences(self, records: Iterable[tuple[str, list[float], dict]]) -> None:
        """Insert or replace sentence records (id, vector, metadata with pid/start/end)."""
        records = list(records)
        for i in range(0, len(records), self.batch):
            chunk = records[i:i + self.batch]
            self._guard(self.sentence_collection.upsert, ids=[r[0] for r in chunk],
                        embeddings=[r[1] for r in chunk], metadatas=[r[2] for r in chunk])

    def sentences(self) -> Iterator[tuple[str, dict, Any]]:
        """Every stored sentence as (id, metadata, vector)."""
        for sid, _, meta, vec in self._pages(self.sentence_collection,
                                             ["metadatas", "embeddings"]):
            yield sid, meta, vec

    def sentence_query(self, vector: list[float], k: int,
                       where: dict | None = None) -> list[tuple[str, float]]:
        """Top-k (sentence id, cosine similarity) for a query vector."""
        return self._query(self.sentence_collection, vector, k, where)
