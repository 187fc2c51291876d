"""The store seen from ``qa``: a small protocol, and the factory that picks the backend.

``vectorstore.chroma.ChromaStore`` implements it (embedded or ``chroma run`` server);
``qa`` depends on this protocol, never on Chroma's own API.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from qa.config import Config
from qa.errors import StoreError, StoreFull

log = logging.getLogger(__name__)


class VectorStore(Protocol):
    """Paragraph and sentence records with vectors, plus index-level metadata."""

    where: str  # a human-readable location for messages

    def info(self) -> dict: ...
    def version(self) -> str: ...
    def set_info(self, **changes: str) -> None: ...
    def count(self) -> int: ...
    def probe(self) -> None: ...
    def records(self, include_text: bool = True,
                include_vectors: bool = False) -> Iterator[tuple]: ...
    def sentence_query(self, vector: list[float], k: int,
                       where: dict | None = None) -> list[tuple[str, float]]: ...
    def write(self, nodes: list) -> None: ...
    def update_metadata(self, changes: dict[str, dict]) -> None: ...
    def delete(self, ids: list[str]) -> None: ...
    def query(self, vector: list[float], k: int,
              where: dict | None = None) -> list[tuple[str, float]]: ...
    def vectors(self, ids: list[str]) -> dict: ...
    def delete_sentences(self, pids: list[str]) -> None: ...
    def write_sentences(self, records: Iterable[tuple[str, list[float], dict]]) -> None: ...
    def sentences(self) -> Iterator[tuple[str, dict, Any]]: ...


def make_store(config: Config, embedder_name: str, *, recreate: bool = False,
               fresh: bool = False) -> VectorStore:
    """The store ``config`` names: embedded under ``data_dir``, or a Chroma server."""
    from vectorstore.chroma import open_store  # chromadb is slow to import: on first use

    return open_store(config.data_dir, embedder_name, name=config.collection,
                      host=config.chroma_host, port=config.chroma_port, recreate=recreate,
                      fresh=fresh)


def write_lock(config: Config, on_wait: Callable[[str], None] | None = None
               ) -> contextlib.AbstractContextManager:
    """Held by whoever writes to the store (``qa.writelock``): an embedded store takes
    one writer at a time across processes; a Chroma server serialises writes itself.
    ``on_wait(holder pid)`` is called once if another writer must finish first."""
    if config.chroma_host:
        return contextlib.nullcontext()
    from qa.writelock import WriteLock

    return WriteLock.for_folder(config.data_dir).held(on_wait)


def open_checked(config: Config, embedder_name: str, *, recreate: bool = False,
                 fresh: bool = False) -> VectorStore:
    """Open the store and probe it. An embedded store whose files cannot be opened or
    read is damaged for sure: it is moved aside (never deleted) and a new one created.
    A full disk, another embedder's collection or an unreachable server is raised."""
    try:
        try:
            store = make_store(config, embedder_name, recreate=recreate, fresh=fresh)
            store.probe()
        except StoreError as first:
            if isinstance(first, StoreFull) or config.chroma_host:
                raise
            # After a killed writer, Chroma's first read may fail while it replays its log
            # ("Nothing found on disk"); a fresh open then works. Damage fails twice.
            store = make_store(config, embedder_name, fresh=True)
            store.probe()
        return store
    except StoreFull:
        raise
    except StoreError as exc:
        if config.chroma_host:
            raise
        # Not under the write lock: readers call this holding the assistant's load lock,
        # which an ingest (holding the write lock) may be waiting for.
        return _rebuilt(config, embedder_name, exc)


def _rebuilt(config: Config, embedder_name: str, exc: StoreError) -> VectorStore:
    """A new, empty embedded store in place of a damaged one (moved aside, never
    deleted)."""
    from vectorstore.chroma import local_path, move_aside

    aside = move_aside(config.data_dir)
    log.warning("the Chroma store in %s is missing or damaged (%s); %srebuilding the "
                "index from the documents", local_path(config.data_dir), exc,
                f"moved it to {aside}; " if aside else "")
    return make_store(config, embedder_name, fresh=True)


def rebuild_damaged(config: Config, embedder_name: str, exc: StoreError) -> VectorStore:
    """An embedded store that opens and reads but fails on every write (its log no
    longer applies to its HNSW files, as after two writers at once): moved aside and
    started anew, like one that cannot be opened. A server's store is never touched."""
    if config.chroma_host:
        raise exc
    with write_lock(config):
        return _rebuilt(config, embedder_name, exc)


def check_files(config: Config) -> None:
    """StoreError if an open embedded store's files vanished (Chroma would keep answering
    from memory, then fail on the next write); a stat, cheap enough for every request."""
    if config.chroma_host:
        return
    from vectorstore.chroma import local_path, local_store_exists

    if not local_store_exists(config.data_dir):
        raise StoreError(f"the Chroma store in {local_path(config.data_dir)} was deleted "
                         "while in use")
