"""The HTML of the page around the chat: the paragraph lookup (a paragraph with its
neighbours and metadata, the clicked quote highlighted), notices in the side panel,
the header's status line, the document shelf and the report of an upload.
"""

from __future__ import annotations

import re
from dataclasses import replace

from markupsafe import Markup

from qa import i18n
from qa.types import Citation, IngestReport, Paragraph
from qa.ui_html import (
    _also,
    _render,
    _where,
    backend_label,
    esc,
    mark_spans,
    quoted_spans,
    short_title,
)


def render_notice(message: str, heading: str = "") -> str:
    """A friendly message in the notice style (e.g. an unknown paragraph id)."""
    return _render("notice.html", message=message, heading=heading)


def parse_span(span: object, pid: str) -> tuple[tuple[int, int], ...]:
    """The (start, end) spans of a '<pid>#start-end[,start-end...]' span (at most 64) if
    it belongs to ``pid``, in order; () when it does not, or is malformed."""
    if not isinstance(span, str):
        return ()
    m = re.fullmatch(r"(.+)#(\d{1,7}-\d{1,7}(?:,\d{1,7}-\d{1,7}){0,63})", span.strip())
    if not m or m.group(1) != pid:
        return ()
    pairs = [tuple(int(x) for x in part.split("-")) for part in m.group(2).split(",")]
    return tuple(sorted((s, e) for s, e in pairs if s < e))


def render_lookup(c: Citation, neighbours: list[Paragraph], doc_paragraphs: int,
                  lang: str = "en", span: tuple[tuple[int, int], ...] = (),
                  labels: dict[str, str] | None = None) -> str:
    """A paragraph with its neighbours and its document's metadata.

    ``span`` ((start, end), ...) highlights the quotes the user came from; ``labels`` maps
    paragraph ids (the duplicate's original, parallels) to readable link labels.
    """
    t = lambda key, **kw: i18n.text(lang, key, **kw)
    rows = [(t("row_paragraph"), f"{c.id} ({t('of_total', n=c.paragraph, total=doc_paragraphs)})",
             None), (t("row_document"), c.doc_id, None), (t("row_title"), c.title, None)]
    if getattr(c, "section", ""):
        rows.append((t("row_section"), str(getattr(c, "section", "")), None))
    if _where("", getattr(c, "page", None), lang):
        rows.append((t("row_page"), str(getattr(c, "page", "")), None))
    rows += [(t("row_date"), c.date or t("undated"), None), (t("row_language"), c.language, None)]
    if c.canonical_id != c.id:
        label = (labels or {}).get(c.canonical_id, c.canonical_id)
        rows.append((t("row_duplicate"), f"({c.canonical_id}; {t('duplicate_note')})",
                     (c.canonical_id, label)))
    items = []
    for p in neighbours:
        target = p.id == c.id
        where = (t("this_paragraph") if target
                 else t("previous") if p.number < c.paragraph else t("next"))
        shown = quoted_spans(replace(c, spans=span)) if target and span else ()
        body = mark_spans(p.text, shown) if shown else esc(p.text)
        items.append({"id": p.id, "target": target, "label": f"¶{p.number} ({where})",
                      "html": Markup(body), "pre": p.kind in ("code", "table")})
    return _render("lookup.html", lang, rows=rows, parallel=_also(c.parallel, labels),
                   neighbours=items)


def render_status(backend: str, documents: int, paragraphs: int, lang: str = "en") -> str:
    """The header line: which backend answers and how big the collection is."""
    line = Markup(i18n.text(lang, "status")).format(
        backend=backend_label(backend, lang), documents=f"{documents:,}",
        paragraphs=f"{paragraphs:,}")
    return _render("status.html", lang, line=line)


def render_upload(accepted: list[tuple[str, int]], rejected: list[tuple[str, str]],
                  report: IngestReport | None, lang: str = "en",
                  replaced: frozenset[str] | set[str] = frozenset()) -> str:
    """What an upload did: files added (with paragraph counts; ``replaced`` ids replaced
    an earlier upload), files refused and why."""
    return _render("upload.html", lang, accepted=accepted, rejected=rejected, report=report,
                   replaced=replaced)


def render_shelf(documents: list, lang: str = "en") -> str:
    """Every indexed document: id, title, date, language, paragraphs, origin; uploads
    get a remove button. ``documents`` are ``DocumentInfo``-like objects."""
    rows = [{"id": d.id, "title": short_title(d.title or d.id), "date": d.date or "—",
             "language": d.language or "—", "paragraphs": d.paragraphs,
             "origin": "upload" if d.origin == "upload" else "corpus",
             "origin_label": i18n.text(lang, "origin_upload" if d.origin == "upload"
                                       else "origin_corpus"),
             "removable": d.origin == "upload"} for d in documents]
    return _render("shelf.html", lang, docs=rows)
