"""Paragraph lookup by id, and the catalog of every stored paragraph."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from qa.corpus import split_id
from qa.errors import CitationNotFound
from qa.types import Citation, Paragraph

ID_HELP = "paragraph ids look like '<document id>:<paragraph number>'"


@dataclass(frozen=True)
class Catalog:
    """All paragraphs in the index, by id and by document, in file order."""

    paragraphs: dict[str, Paragraph] = field(default_factory=dict)
    documents: dict[str, list[Paragraph]] = field(default_factory=dict)
    # id -> ids of the same statement in other languages (qa.parallel), computed at
    # ingest and stored with the paragraphs.
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, paragraphs: list[Paragraph],
              links: dict[str, tuple[str, ...]] | None = None) -> Catalog:
        """Index paragraphs by id and by document (sorted by number)."""
        cat = cls(links=dict(links or {}))
        for p in sorted(paragraphs, key=lambda p: (p.doc_id, p.number)):
            cat.paragraphs[p.id] = p
            cat.documents.setdefault(p.doc_id, []).append(p)
        return cat

    def __len__(self) -> int:
        return len(self.paragraphs)

    def paragraph(self, pid: str) -> Paragraph:
        """The paragraph with id ``pid``; ``CitationNotFound`` says what went wrong."""
        parts = split_id(pid) if isinstance(pid, str) else None
        if parts is None:
            shown = repr(pid)[:80] if isinstance(pid, str) else type(pid).__name__
            raise CitationNotFound(f"{shown} is not a paragraph id; {self._id_help()}")
        found = self.paragraphs.get(f"{parts[0]}:{parts[1]}")
        if found:
            return found
        doc = self.documents.get(parts[0])
        if doc:
            raise CitationNotFound(f"document {parts[0]!r} has paragraphs 1 to {len(doc)}, "
                                   f"not {parts[1]}; {self._id_help()}")
        raise CitationNotFound(f"no document {parts[0][:80]!r} in the index; "
                               f"{self._id_help()} (`seedqa search` finds paragraphs by "
                               "content)")

    def _id_help(self) -> str:
        """``ID_HELP`` with an example from this collection (any collection's, not the
        seeds')."""
        example = next(iter(self.paragraphs), "")
        return f"{ID_HELP}, e.g. '{example[:80]}'" if example else ID_HELP

    def cite(self, pid: str) -> Citation:
        """The citation of paragraph ``pid`` (whole text, no quote)."""
        return self.citation(self.paragraph(pid))

    def parallel(self, pid: str) -> tuple[str, ...]:
        """Ids of the paragraphs that state ``pid`` (or its canonical) in other languages."""
        p = self.paragraphs.get(pid)
        return self.links.get(p.canonical_id if p else pid, ())

    def versions(self, pid: str) -> list[Paragraph]:
        """Paragraph ``pid`` and its linked translations: one statement in each language
        (what one version abbreviates, another may spell out)."""
        return [p for x in (pid, *self.parallel(pid)) if (p := self.paragraphs.get(x))]

    def citation(self, p: Paragraph, quote: str = "", start: int = 0, end: int = 0) -> Citation:
        """A citation of ``p`` with its parallel paragraphs attached."""
        return replace(Citation.of(p, quote, start, end), parallel=self.parallel(p.id))

    def canonical(self, pid: str) -> Paragraph:
        """The paragraph that ``pid`` duplicates, or itself."""
        p = self.paragraph(pid)
        return self.paragraphs.get(p.canonical_id, p)

    def neighbours(self, pid: str, radius: int = 1) -> list[Paragraph]:
        """The paragraph and up to ``radius`` paragraphs either side, in order."""
        p = self.paragraph(pid)
        doc = self.documents[p.doc_id]
        i = next(i for i, q in enumerate(doc) if q.id == p.id)
        return doc[max(0, i - radius): i + radius + 1]


_MARKER = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")


class Renumberer:
    """Rewrites a model's [n] markers as it streams: drops numbers that name no
    source, renumbers the rest in order of first appearance.

    ``feed`` returns the text that is safe to emit (an unfinished "[12" is held
    back until its bracket closes); ``close`` flushes the rest.
    """

    def __init__(self, n_sources: int) -> None:
        self.n_sources = n_sources
        self.order: list[int] = []  # source numbers (1-based) in order of first use
        self._buffer = ""

    def feed(self, chunk: str) -> str:
        """Add streamed text; return what can be shown now."""
        self._buffer += chunk
        cut = self._buffer.rfind("[")
        if cut != -1 and "]" not in self._buffer[cut:] and len(self._buffer) - cut < 24:
            ready, self._buffer = self._buffer[:cut], self._buffer[cut:]
        else:
            ready, self._buffer = self._buffer, ""
        return self._rewrite(ready)

    def close(self) -> str:
        """The held-back tail, rewritten."""
        ready, self._buffer = self._buffer, ""
        return self._rewrite(ready)

    def _rewrite(self, text: str) -> str:
        def repl(m: re.Match) -> str:
            out = []
            for raw in re.split(r"\s*[,;]\s*", m.group(1)):
                n = int(raw)
                if not 1 <= n <= self.n_sources:
                    continue
                if n not in self.order:
                    self.order.append(n)
                out.append(f"[{self.order.index(n) + 1}]")
            return "".join(dict.fromkeys(out))

        text = _MARKER.sub(repl, text)
        # "[1][1]" (the same source twice in a row) reads as one citation.
        return re.sub(r"(\[\d+\])(?:\s*\1)+", r"\1", text)


def marker_numbers(text: str) -> list[int]:
    """Every marker number in ``text``, in order (``[1][2]`` and ``[1, 2]`` both count)."""
    return [int(n) for m in _MARKER.finditer(text) for n in re.split(r"\s*[,;]\s*", m.group(1))]
