"""Answer assembly: quoted sentences -> text with markers, citations, and the refusal.

Each quote is a verbatim span of a paragraph; its marker ``[n]`` is placed by this code
and recorded in ``Answer.markers`` with its offsets, so a bracketed number inside a
quoted document (``"... as stated in [1]."``) is never mistaken for a citation.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.citations import Catalog
from qa.sentvec import WHOLE_KINDS
from qa.text import LIST_ITEM, display_code, display_text, without_tags
from qa.types import Answer, Citation

# Said before the first quote that is not in the question's language.
SOURCE_NOTE = {
    "en": {"vi": "(From a Vietnamese source.)"},
    "vi": {"en": "(Trích nguồn tiếng Anh.)"},
}
# Said first when two documents state different figures for the same thing.
DIFFER = {
    "en": "The sources differ:",
    "vi": "Các nguồn tài liệu không thống nhất:",
}
NOT_FOUND = {
    "en": "The documents do not say.",
    "vi": "Tài liệu không đề cập đến điều này.",
}


@dataclass(frozen=True)
class Quote:
    """A span of a paragraph chosen for the answer, and where it was found.

    ``source`` is the paragraph the scorer chose; the quote may come from its
    translation in the asker's language (``pid``), in which case both are cited.
    """

    pid: str
    start: int
    end: int
    source: str = ""
    source_start: int = 0
    source_end: int = 0


class AnswerAssembler:
    """Joins quotes into an answer; each quote is followed by the markers of its paragraph
    and, when it was moved into the asker's language, of the paragraph it translates."""

    name = "extractive"

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def run(self, question: str, language: str, quotes: list[Quote],
            differ: bool = False) -> Answer:
        citations: list[Citation] = []
        markers: list[tuple[int, int, int]] = []
        noted: set[str] = set()
        text = DIFFER.get(language, DIFFER["en"]) if differ else ""
        after_item = False
        for q in quotes:
            p = self.catalog.paragraphs[q.pid]
            cited = [(p, q.start, q.end)]
            if q.source and q.source != q.pid:
                src = self.catalog.paragraphs[q.source]
                cited.append((src, q.source_start, q.source_end))
            # Prose is shown as a reader sees it (a hard-wrapped sentence as running text,
            # links as their text, no tags or emphasis markers); code and tables as
            # written. The citation keeps the source text and offsets: the proof.
            shown = p.text[q.start:q.end]
            whole = p.kind in WHOLE_KINDS
            if whole:
                # A block on lines of its own, its marker on the line after it: a fence
                # or a table row followed by text on its line would not end it. A table's
                # cells lose their HTML tags ("<small>Since 3.1</small>"); code is code.
                shown = without_tags(shown) if p.kind == "table" else display_code(shown)
            else:
                shown = display_text(shown)
            # A list item stands on a line of its own, as a list shows it ("- Disable
            # Cache: …"), and so does whatever follows it; other prose runs on.
            item = not whole and p.kind == "list" and bool(LIST_ITEM.match(shown))
            if text and (item or after_item):
                text = text.rstrip() + "\n"
            after_item = item
            # The note goes right before the first quote in another language, not in front
            # of the answer: a Vietnamese quote followed by an English one is not all
            # "from an English source".
            note = SOURCE_NOTE.get(language, {}).get(p.language)
            if note and p.language not in noted:
                noted.add(p.language)
                glue = " " if text and not text.endswith("\n") else ""
                text = f"{text}{glue}{note}"
            if whole:
                end = "\n\n" if p.kind == "table" else "\n"
                text = f"{text.rstrip()}\n{shown}{end}" if text else f"{shown}{end}"
            else:
                glue = " " if text and not text.endswith("\n") else ""
                text = f"{text}{glue}{shown} "
            placed = set()
            for para, s, e in cited:
                n = self._number(citations, para, s, e)
                if n in placed:
                    continue
                placed.add(n)
                markers.append((len(text), len(text) + len(f"[{n}]"), n))
                text += f"[{n}]"
        return Answer(text=text, answered=True, citations=citations, question=question,
                      backend=self.name, markers=tuple(markers))

    def _number(self, citations: list[Citation], p, start: int, end: int) -> int:
        for i, c in enumerate(citations, start=1):
            if c.id == p.id:
                citations[i - 1] = c.quoting(start, end)
                return i
        citations.append(self.catalog.citation(p, p.text[start:end], start, end))
        return len(citations)

    def refusal(self, question: str, language: str, related: list[str]) -> Answer:
        """The honest 'not in the documents' answer, with the closest paragraphs as related."""
        return Answer(text=NOT_FOUND.get(language, NOT_FOUND["en"]), answered=False,
                      related=[self.catalog.cite(pid) for pid in related[:3]],
                      question=question, backend=self.name)
