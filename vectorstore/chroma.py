"""Chroma through llama-index's ChromaVectorStore: embedded (PersistentClient) or server mode.

Every record is one paragraph: id = paragraph id, document = the clean paragraph
text, metadata = where it is and the hash of what was embedded. The collection's
own metadata names the embedder that built it, so vectors are never mixed.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import chromadb  # noqa: E402  (telemetry must be off before chromadb is imported)
from chromadb.config import Settings  # noqa: E402
from llama_index.core.schema import TextNode  # noqa: E402
from llama_index.vector_stores.chroma import ChromaVectorStore  # noqa: E402

from qa.errors import EmbedderMismatch, StoreError  # noqa: E402

log = logging.getLogger(__name__)

SCHEMA = "1"
# Chroma's defaults (16 neighbours, ef 100) gave recall@10 0.86 on 100k e5-like
# vectors; these give 0.999 at 5 ms p50 (bench/scale.py, bench/results/scale.md).
HNSW = {"space": "cosine", "max_neighbors": 32, "ef_construction": 200, "ef_search": 400}
PAGE = 2000


def collection_name(embedder_name: str, prefix: str = "seedqa") -> str:
    """A valid Chroma collection name that is distinct for each embedder."""
    slug = re.sub(r"[^a-zA-Z0-9._-]+", "-", f"{prefix}-{embedder_name}").strip("-._")
    return slug[:200] or "seedqa"


def _client(data_dir: Path, host: str | None, port: int) -> Any:
    settings = Settings(anonymized_telemetry=False)
    if host:
        try:
            client = chromadb.HttpClient(host=host, port=port, settings=settings)
            client.heartbeat()
        except Exception as exc:
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
    except Exception as exc:
        raise StoreError(
            f"cannot open the Chroma store in {path} ({exc}); check permissions, or delete "
            "the folder and run `seedqa ingest` to rebuild it"
        ) from exc


def local_path(data_dir: Path) -> Path:
    """Where the embedded (PersistentClient) store of ``data_dir`` lives."""
    return Path(data_dir) / "chroma"


def local_store_exists(data_dir: Path) -> bool:
    """Whether the embedded store's database file is on disk."""
    return (local_path(data_dir) / "chroma.sqlite3").is_file()


def discard_local_store(data_dir: Path) -> Path | None:
    """Forget this process's Chroma system for ``data_dir`` and move its folder aside.

    Chroma caches one system per path: after the folder was deleted or damaged,
    reopening the same path would reuse it ("attempt to write a readonly database").
    Only this path's system is dropped, so other stores in the process keep working.
    The old folder, if any, becomes ``chroma.broken`` (replacing an older one); returns
    that path, or None when there was no folder.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    path = local_path(data_dir)
    for key in {str(path), str(path.resolve())}:
        system = SharedSystemClient._identifier_to_system.pop(key, None)
        SharedSystemClient._identifier_to_refcount.pop(key, None)
        if system is not None:
            try:
                system.stop()
            except Exception:  # a damaged system may fail to stop; it is dropped anyway
                log.debug("stopping the Chroma system for %s failed", path, exc_info=True)
    if not path.exists() and not path.is_symlink():
        return None
    aside = path.with_name("chroma.broken")
    try:
        if aside.is_dir() and not aside.is_symlink():
            shutil.rmtree(aside)
        elif aside.exists() or aside.is_symlink():
            aside.unlink()
        os.replace(path, aside)
    except OSError as exc:
        raise StoreError(f"the Chroma store in {path} is damaged and cannot be moved aside "
                         f"({exc}); delete it and run `seedqa ingest` to rebuild it") from exc
    return aside


def open_store(data_dir: Path, embedder_name: str, *, name: str | None = None,
               host: str | None = None, port: int = 8000, recreate: bool = False) -> ChromaStore:
    """Open (or create) the collection for ``embedder_name``; refuse a foreign one.

    ``recreate`` deletes the collection first, whoever built it (a rebuild).
    """
    client = _client(data_dir, host, port)
    cname = name or collection_name(embedder_name)
    try:
        if recreate and cname in {c.name for c in client.list_collections()}:
            client.delete_collection(cname)
        collection = client.get_or_create_collection(
            cname, metadata={"embedder": embedder_name, "schema": SCHEMA},
            configuration={"hnsw": HNSW}, embedding_function=None,
        )
    except Exception as exc:
        raise StoreError(f"cannot open Chroma collection {cname!r} ({exc}); check CHROMA_HOST "
                         "and QA_DATA_DIR, or rebuild with `seedqa ingest --rebuild`") from exc
    built_by = (collection.metadata or {}).get("embedder")
    if built_by != embedder_name:
        raise EmbedderMismatch(
            f"collection {cname!r} was built by embedder {built_by!r}, not {embedder_name!r}; "
            "run `seedqa ingest --rebuild` to re-embed it, or set QA_COLLECTION to another name "
            "(or unset it: each embedder then gets its own collection)"
        )
    return ChromaStore(client, collection)


class ChromaStore:
    """One Chroma collection of paragraphs, written and queried through llama-index."""

    def __init__(self, client: Any, collection: Any) -> None:
        self.client = client
        self.collection = collection
        self.vector_store = ChromaVectorStore(chroma_collection=collection)
        self.batch = max(1, min(1000, client.get_max_batch_size()))

    @property
    def name(self) -> str:
        """The collection name."""
        return self.collection.name

    @property
    def space(self) -> str:
        """The distance the collection was created with (should be 'cosine')."""
        return (self.collection.configuration or {}).get("hnsw", {}).get("space", "l2")

    def count(self) -> int:
        """Number of stored paragraphs."""
        return self._guard(self.collection.count)

    def records(self, include_text: bool = True) -> Iterator[tuple[str, str | None, dict]]:
        """Every stored (id, text, metadata), paged so large collections stream."""
        include = ["metadatas", "documents"] if include_text else ["metadatas"]
        offset = 0
        while True:
            page = self._guard(self.collection.get, include=include, limit=PAGE, offset=offset)
            docs = page.get("documents") or [None] * len(page["ids"])
            yield from zip(page["ids"], docs, page["metadatas"])
            if len(page["ids"]) < PAGE:
                return
            offset += PAGE

    def hashes(self) -> dict[str, str]:
        """id -> content hash of every stored paragraph."""
        return {pid: (meta or {}).get("hash", "") for pid, _, meta in self.records(False)}

    def write(self, nodes: list[TextNode], existing=None) -> None:
        """Insert or replace nodes (which carry their embeddings).

        ``existing`` (ids known to be stored) limits the deletes to real
        replacements; without it every id is treated as possibly stored.
        """
        for i in range(0, len(nodes), self.batch):
            chunk = nodes[i:i + self.batch]
            # Chroma's add() silently keeps an existing id, so replace = delete + add;
            # a crash in between leaves the id missing, and the next ingest re-adds it.
            old = [n.node_id for n in chunk if existing is None or n.node_id in existing]
            if old:
                self.delete(old)
            self._guard(self.vector_store.add, chunk)

    def delete(self, ids: list[str]) -> None:
        """Remove these ids (missing ones are ignored)."""
        for i in range(0, len(ids), self.batch):
            self._guard(self.vector_store.delete_nodes, ids[i:i + self.batch])

    def query(self, vector: list[float], k: int,
              where: dict | None = None) -> list[tuple[str, float]]:
        """Top-k (id, cosine similarity) for a query vector."""
        # Chroma returns fewer results when k exceeds what matches: no count() round trip.
        if k <= 0:
            return []
        res = self._guard(self.collection.query, query_embeddings=[vector], n_results=k,
                          where=where, include=["distances"])
        return [(pid, 1.0 - float(d)) for pid, d in zip(res["ids"][0], res["distances"][0])]

    def vectors(self, ids: list[str]) -> dict:
        """id -> stored vector for the given ids (missing ids are left out)."""
        out: dict = {}
        for i in range(0, len(ids), self.batch):
            out.update(self._guard(_vectors_page, self.collection, ids[i:i + self.batch]))
        return out

    @staticmethod
    def _guard(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise StoreError(
                f"Chroma failed ({type(exc).__name__}: {exc}); if CHROMA_HOST is set, check the "
                "server is running; otherwise run `seedqa ingest --rebuild`"
            ) from exc


def _vectors_page(collection: Any, ids: list[str]) -> dict:
    got = collection.get(ids=ids, include=["embeddings"])
    return {pid: vec for pid, vec in zip(got["ids"], got["embeddings"])}
