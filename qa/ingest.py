"""Incremental ingest: only paragraphs whose content hash changed are embedded.

Each write carries its hash in the same Chroma record as its vector, so a run
killed at any point leaves an index the next run completes, with no duplicates
(paragraph ids are the primary keys).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from tqdm import tqdm

from qa.corpus import load_folder
from qa.embed import Embedder, as_llama, passage_text
from qa.errors import CorpusError
from qa.types import Document, IngestReport, Paragraph
from vectorstore.chroma import ChromaStore

log = logging.getLogger(__name__)
EMBED_BATCH = 32
FLUSH_SECONDS = 1.0


def content_hash(p: Paragraph, embedder_name: str) -> str:
    """Hash of everything stored for ``p``: a change anywhere means a rewrite."""
    fields = (embedder_name, passage_text(p), p.id, p.language, p.canonical_id, p.date or "")
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()[:32]


def _combine(*digests: str) -> str:
    return hashlib.sha256("".join(digests).encode("ascii")).hexdigest()[:32]


def metadata(p: Paragraph, digest: str, source: str) -> dict:
    """The flat metadata stored with a paragraph (Chroma accepts no None)."""
    return {
        "doc_id": p.doc_id, "paragraph": p.number, "title": p.title, "date": p.date or "",
        "language": p.language, "canonical_id": p.canonical_id,
        "is_canonical": p.is_canonical, "hash": digest, "source": source,
    }


def paragraph_from_record(pid: str, text: str | None, meta: dict) -> Paragraph:
    """Rebuild a Paragraph from a stored Chroma record."""
    return Paragraph(
        id=pid, doc_id=meta["doc_id"], number=int(meta["paragraph"]), text=text or "",
        title=meta.get("title", ""), date=meta.get("date") or None,
        language=meta.get("language", "und"), canonical_id=meta.get("canonical_id", pid),
    )


def load_corpus(folders: Iterable[Path]) -> tuple[list[Document], list[str]]:
    """Documents of every existing folder; a document id may appear only once."""
    documents: list[Document] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for folder in folders:
        docs, skip = load_folder(folder)
        skipped += skip
        for doc in docs:
            if doc.id in seen:
                skipped.append(f"{doc.path}: document id {doc.id!r} exists in another folder")
                continue
            seen.add(doc.id)
            documents.append(doc)
    return documents, skipped


def _node(p: Paragraph, vector: np.ndarray, digest: str, source: str) -> TextNode:
    node = TextNode(id_=p.id, text=p.text, metadata=metadata(p, digest, source),
                    embedding=[float(x) for x in vector])
    # ref_doc_id = document id, so ChromaVectorStore.delete(doc_id) drops a document.
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=p.doc_id)
    node.excluded_embed_metadata_keys = list(node.metadata)
    node.excluded_llm_metadata_keys = list(node.metadata)
    return node


def ingest(folders: Iterable[Path], store: ChromaStore, embedder: Embedder,
           *, progress: bool | None = None) -> IngestReport:
    """Make ``store`` hold exactly the paragraphs of ``folders``; embed only what changed."""
    t0 = time.perf_counter()
    folders = [Path(f) for f in folders]
    documents, skipped = load_corpus(f for f in folders if f.is_dir() or f == folders[0])
    if not documents:
        # Refuse rather than empty the index: a wrong folder must not wipe it.
        why = f" ({'; '.join(skipped)})" if skipped else ""
        raise CorpusError(f"no usable document in {folders[0]}{why}; add UTF-8 .txt or .md "
                          "files, or point QA_CORPUS_DIR at the right folder")
    wanted: dict[str, tuple[Paragraph, str, str]] = {}
    for doc in documents:
        own = {p.id: content_hash(p, embedder.name) for p in doc.paragraphs}
        for p in doc.paragraphs:
            # A duplicate stores its canonical's vector: its hash follows that text too.
            digest = own[p.id] if p.is_canonical else _combine(own[p.id], own[p.canonical_id])
            wanted[p.id] = (p, digest, Path(doc.path).name)
    stored = store.hashes()
    removed = [pid for pid in stored if pid not in wanted]
    changed = [pid for pid, (_, h, _) in wanted.items() if stored.get(pid) != h]
    store.delete(removed)
    embed_seconds = _write(changed, wanted, store, embedder, progress, stored)
    added = sum(pid not in stored for pid in changed)
    report = IngestReport(
        added=added, updated=len(changed) - added, removed=len(removed),
        unchanged=len(wanted) - len(changed), skipped_files=tuple(skipped),
        documents=len(documents), paragraphs=len(wanted),
        seconds=time.perf_counter() - t0, embed_seconds=embed_seconds,
    )
    log.info("ingest: %s", report.to_dict())
    return report


def _write(changed: list[str], wanted: dict, store: ChromaStore, embedder: Embedder,
           progress: bool | None, stored: dict[str, str]) -> float:
    """Embed canonical paragraphs in batches, then copy vectors to their duplicates."""
    canon = [pid for pid in changed if wanted[pid][0].is_canonical]
    dups = [pid for pid in changed if not wanted[pid][0].is_canonical]
    llama = as_llama(embedder)
    vectors: dict[str, np.ndarray] = {}
    spent = 0.0
    bar = tqdm(total=len(canon), desc="embedding paragraphs", unit="¶",
               disable=(None if progress is None else not progress) if canon else True)
    pending: list[TextNode] = []
    flushed = time.perf_counter()
    with bar:
        for i in range(0, len(canon), EMBED_BATCH):
            batch = [wanted[pid][0] for pid in canon[i:i + EMBED_BATCH]]
            t = time.perf_counter()
            embs = np.asarray(llama.get_text_embedding_batch([passage_text(p) for p in batch]))
            spent += time.perf_counter() - t
            pending += [_node(p, v, *wanted[p.id][1:]) for p, v in zip(batch, embs)]
            # Chroma's add has a high fixed cost: write large batches, but at least every
            # FLUSH_SECONDS, so a killed run loses little embedding work.
            if len(pending) >= store.batch or time.perf_counter() - flushed >= FLUSH_SECONDS:
                store.write(pending, existing=stored)
                pending, flushed = [], time.perf_counter()
            vectors.update({p.id: v for p, v in zip(batch, embs)})
            bar.update(len(batch))
        if pending:
            store.write(pending, existing=stored)
    if dups:
        missing = sorted({wanted[pid][0].canonical_id for pid in dups} - set(vectors))
        vectors.update(store.vectors(missing))
        store.write([_node(wanted[pid][0], vectors[wanted[pid][0].canonical_id], *wanted[pid][1:])
                     for pid in dups], existing=stored)
    return spent
