"""The nouns of the pipeline: documents, paragraphs, citations, hits, answers."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Paragraph:
    """One block of a document, numbered from 1 in file order."""

    id: str  # "<doc_id>:<number>"
    doc_id: str
    number: int
    text: str
    title: str
    date: str | None
    language: str
    canonical_id: str  # itself unless this block repeats another one
    section: str = ""  # heading path above the block, "Chapter › Section" ("" if none)
    # What the block is: "text", "list", "code", "table", "quote" (quotable), or
    # "heading", "markup" (countable, never quoted): see qa.markdown.KINDS.
    kind: str = "text"
    page: int | None = None  # 1-based page of a PDF where the block starts; None if unpaged
    # Clean text of the sentence that introduces a list/table/code block ("Steps:"),
    # embedded with the block; "" for other blocks.
    lead: str = ""

    @property
    def is_canonical(self) -> bool:
        """True when this paragraph is the one that is embedded and cited."""
        return self.canonical_id == self.id


@dataclass(frozen=True)
class Document:
    """A loaded file: id (file stem), title, date and its paragraphs."""

    id: str
    path: str
    title: str
    date: str | None
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Citation:
    """A paragraph as evidence: where it is, what it says, and the quoted part."""

    id: str
    doc_id: str
    paragraph: int
    title: str
    date: str | None
    language: str
    text: str
    canonical_id: str
    quote: str = ""
    start: int = 0
    end: int = 0
    parallel: tuple[str, ...] = ()
    section: str = ""  # heading path of the paragraph (Paragraph.section)
    page: int | None = None  # PDF page where the paragraph starts; None if unpaged
    kind: str = "text"  # Paragraph.kind: "code" text is rendered as code, not prose
    # Every span of ``text`` the answer quotes, in text order; the first quoted one is
    # also ``quote``/``start``/``end``. An answer may quote two sentences of one paragraph
    # under one marker: the lookup highlights both.
    spans: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, p: Paragraph, quote: str = "", start: int = 0, end: int = 0) -> Citation:
        """Build a citation of paragraph ``p``; the quote must be ``p.text[start:end]``."""
        return cls(
            id=p.id, doc_id=p.doc_id, paragraph=p.number, title=p.title, date=p.date,
            language=p.language, text=p.text, canonical_id=p.canonical_id,
            quote=quote, start=start, end=end, section=p.section, page=p.page, kind=p.kind,
            spans=((start, end),) if quote else (),
        )

    def quoting(self, start: int, end: int) -> Citation:
        """This citation quoting ``text[start:end]`` too (spans kept in text order)."""
        if (start, end) in self.spans:
            return self
        return replace(self, spans=tuple(sorted({*self.spans, (start, end)})))

    def to_dict(self) -> dict:
        """A JSON-ready dict of every field."""
        return {
            "id": self.id, "doc_id": self.doc_id, "paragraph": self.paragraph,
            "title": self.title, "date": self.date, "language": self.language,
            "text": self.text, "canonical_id": self.canonical_id, "quote": self.quote,
            "start": self.start, "end": self.end, "parallel": list(self.parallel),
            "section": self.section, "page": self.page, "kind": self.kind,
            "spans": [list(s) for s in self.spans],
        }


@dataclass(frozen=True)
class Hit:
    """A retrieved statement and its relevance score (higher is better).

    ``citation`` is the paragraph as shown (in the asker's language when a translation
    exists); ``translations`` are the same statement in the corpus's other languages
    (parallel documents), so a hit can be read, and proved, in each of them."""

    citation: Citation
    score: float
    translations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Answer:
    """An answer whose markers [n] resolve to ``citations[n-1]``."""

    text: str
    answered: bool
    citations: list[Citation] = field(default_factory=list)
    related: list[Citation] = field(default_factory=list)
    question: str = ""
    backend: str = "extractive"
    note: str = ""
    seconds: float = 0.0
    # (start, end, n) of every marker the answerer placed: text[start:end] == f"[{n}]".
    # Only these are citations; a bracketed number inside quoted document text is not.
    markers: tuple[tuple[int, int, int], ...] = ()

    def to_dict(self) -> dict:
        """A JSON-ready dict of the answer."""
        return {
            "text": self.text, "answered": self.answered, "question": self.question,
            "citations": [c.to_dict() for c in self.citations],
            "related": [c.to_dict() for c in self.related],
            "markers": [list(m) for m in self.markers],
            "backend": self.backend, "note": self.note, "seconds": round(self.seconds, 4),
        }


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document, as the document shelf lists it."""

    id: str
    title: str
    date: str | None
    language: str  # the language of most of its paragraphs
    paragraphs: int
    origin: str  # "corpus" (the corpus folder) or "upload"

    def to_dict(self) -> dict:
        """A JSON-ready dict of every field."""
        return {"id": self.id, "title": self.title, "date": self.date,
                "language": self.language, "paragraphs": self.paragraphs,
                "origin": self.origin}


@dataclass(frozen=True)
class IngestReport:
    """What one ingest run changed in the index."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped_files: tuple[str, ...] = ()
    documents: int = 0
    paragraphs: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0

    @property
    def embedded(self) -> int:
        """How many paragraphs were embedded in this run."""
        return self.added + self.updated

    def to_dict(self) -> dict:
        """A JSON-ready dict of the report."""
        return {
            "added": self.added, "updated": self.updated, "removed": self.removed,
            "unchanged": self.unchanged, "skipped_files": list(self.skipped_files),
            "documents": self.documents, "paragraphs": self.paragraphs,
            "seconds": round(self.seconds, 3), "embed_seconds": round(self.embed_seconds, 3),
        }
