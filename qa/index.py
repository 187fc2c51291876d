"""One immutable index value per corpus version: everything answering reads.

``Index.load`` reads a store once: paragraphs (with their parallel links, computed at
ingest), sentence spans and vectors (computed at ingest), and builds the in-memory
lexical tables. Nothing is embedded or linked here, and nothing changes an ``Index``
after it is built: an ingest builds the next one and the assistant swaps one reference,
so every answer and lookup is made from one consistent version.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np

from qa.citations import Catalog
from qa.sentvec import SentenceVectors, key
from qa.store import VectorStore
from qa.text import content_tokens, match_text
from qa.types import DocumentInfo, Paragraph


def paragraph_from_record(pid: str, text: str | None, meta: dict) -> Paragraph:
    """Rebuild a Paragraph from a stored record (see ``ingest.metadata``)."""
    values = {}
    for name, kind in _PARAGRAPH_FIELDS.items():
        if name in ("id", "text") or name not in meta:
            continue
        raw = meta[name]
        # Chroma stores no None: optional fields are written as "" (text) or -1 (numbers).
        values[name] = None if raw in ("", -1) and "None" in kind else raw
    values.setdefault("doc_id", meta.get("doc_id", pid.rsplit(":", 1)[0]))
    values["number"] = int(meta.get("paragraph", meta.get("number", 0)))
    values.setdefault("title", "")
    values.setdefault("date", None)
    values.setdefault("language", "und")
    values.setdefault("canonical_id", pid)
    return Paragraph(id=pid, text=text or "", **values)


_PARAGRAPH_FIELDS = {f: str(t) for f, t in Paragraph.__annotations__.items()}


def parse_links(meta: dict) -> tuple[str, ...]:
    """The parallel-paragraph ids stored in a record's metadata."""
    raw = meta.get("parallel") or ""
    return tuple(x for x in raw.split(",") if x)


@dataclass(frozen=True)
class SentenceTable:
    """Quotable sentence spans of every canonical paragraph, with their vectors.

    ``centred`` holds the vectors minus their language's centroid (unit length): what
    retrieval compares with a centred question vector (``qa.retrieve``).
    """

    pids: tuple[str, ...] = ()
    spans: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    languages: tuple[str, ...] = ()
    centred: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    _rows: dict = field(default_factory=dict)

    def rows(self, pid: str) -> np.ndarray:
        """Row indices of ``pid``'s sentences, in text order."""
        return self._rows.get(pid, _NO_ROWS)

    def paragraph_vectors(self) -> dict[str, np.ndarray]:
        """Each paragraph's mean sentence vector (L2-normalised): header-free content."""
        out = {}
        for pid, rows in self._rows.items():
            v = self.vectors[rows].mean(axis=0)
            out[pid] = v / max(float(np.linalg.norm(v)), 1e-12)
        return out


_NO_ROWS = np.zeros(0, dtype=np.int64)


def centroids(vectors: np.ndarray, languages: list[str]) -> dict[str, np.ndarray]:
    """Mean vector of each language's rows, and of all rows under "*"."""
    if not len(vectors):
        return {}
    out = {"*": vectors.mean(axis=0)}
    langs = np.array(languages)
    for lang in set(languages):
        out[lang] = vectors[langs == lang].mean(axis=0)
    return out


def centre(vectors: np.ndarray, languages: list[str], mus: dict[str, np.ndarray]) -> np.ndarray:
    """Rows minus their language's centroid, scaled to unit length."""
    if not len(vectors):
        return vectors
    out = vectors - np.stack([mus[lang] for lang in languages])
    return (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)).astype(
        np.float32)


@dataclass(frozen=True)
class Index:
    """A consistent snapshot: catalog, sentence vectors and lexical tables of one version."""

    version: str
    store: VectorStore
    catalog: Catalog
    sentences: SentenceTable
    idf: dict[str, float]
    origins: dict[str, str]  # doc id -> "corpus" or "upload"
    paragraph_vectors: np.ndarray  # canonical paragraphs' stored vectors, one row each
    paragraph_rows: dict[str, int]  # canonical paragraph id -> row
    centroids: dict[str, dict[str, np.ndarray]]  # "paragraph"/"sentence" -> language -> mean

    @classmethod
    def load(cls, store: VectorStore) -> Index:
        """Read everything derived at ingest from ``store``; computes nothing heavy."""
        version = store.version()
        paragraphs, links, origins, vectors = [], {}, {}, {}
        for pid, text, meta, vec in store.records(include_vectors=True):
            p = paragraph_from_record(pid, text, meta)
            paragraphs.append(p)
            origins[p.doc_id] = meta.get("origin", "corpus")
            if meta.get("parallel"):
                links[pid] = parse_links(meta)
            if p.is_canonical and vec is not None:
                vectors[pid] = vec
        catalog = Catalog.build(paragraphs, links)
        canon = [p for p in catalog.paragraphs.values() if p.id in vectors]
        pvecs = np.asarray([vectors[p.id] for p in canon], dtype=np.float32)
        plangs = [p.language for p in canon]
        table = load_sentences(store, catalog)
        mus = {"paragraph": centroids(pvecs, plangs),
               "sentence": centroids(table.vectors, list(table.languages))}
        table = replace(table, centred=centre(table.vectors, list(table.languages),
                                              mus["sentence"]))
        return cls(version, store, catalog, table,
                   idf_table([f"{p.title} {match_text(p.text)}" for p in canon]), origins, pvecs,
                   {p.id: i for i, p in enumerate(canon)}, mus)

    def documents(self) -> list[DocumentInfo]:
        """Every document of this version, in id order."""
        out = []
        for doc_id, paras in sorted(self.catalog.documents.items()):
            langs = Counter(p.language for p in paras)
            first = paras[0]
            out.append(DocumentInfo(doc_id, first.title, first.date, langs.most_common(1)[0][0],
                                    len(paras), self.origins.get(doc_id, "corpus")))
        return out

    def sentence_vectors(self, embedder) -> SentenceVectors:
        """Vectors of this index's sentences by text, embedding other texts on demand."""
        known = {}
        for pid, (s, e), vec in zip(self.sentences.pids, self.sentences.spans,
                                    self.sentences.vectors):
            known[key(self.catalog.paragraphs[pid].text[s:e])] = vec
        return SentenceVectors(embedder, known)


def load_sentences(store: VectorStore, catalog: Catalog) -> SentenceTable:
    """The stored sentence rows of the catalog's paragraphs, in a fixed order."""
    rows = []
    for _, meta, vec in store.sentences():
        pid = meta.get("pid")
        if pid in catalog.paragraphs and vec is not None:
            rows.append((pid, int(meta["start"]), int(meta["end"]), vec))
    if not rows:
        return SentenceTable()
    rows.sort(key=lambda r: (r[0], r[1]))
    pids = tuple(r[0] for r in rows)
    index: dict[str, list[int]] = {}
    for i, pid in enumerate(pids):
        index.setdefault(pid, []).append(i)
    return SentenceTable(pids, np.array([(r[1], r[2]) for r in rows], dtype=np.int64),
                         np.asarray([r[3] for r in rows], dtype=np.float32),
                         tuple(catalog.paragraphs[pid].language for pid in pids),
                         _rows={pid: np.array(ix, dtype=np.int64) for pid, ix in index.items()})


def idf_table(texts: list[str]) -> dict[str, float]:
    """Smoothed inverse document frequency of each content token (BM25's idf)."""
    df: dict[str, int] = {}
    for text in texts:
        for t in set(content_tokens(text)):
            df[t] = df.get(t, 0) + 1
    n = len(texts)
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
