"""The paragraph lookup handler behind the side panel: a paragraph id (typed, or
sent by a click on a citation with its quote span) becomes the lookup panel's HTML,
or a friendly message for an empty, unknown or removed id.
"""

from __future__ import annotations

from qa import i18n
from qa.assistant import Assistant
from qa.errors import CitationNotFound
from qa.ui_context import _labels
from qa.ui_panels import parse_span, render_lookup, render_notice


def lookup(assistant: Assistant, pid: str, span: str = "", lang: str = "en",
           removed: set[str] = frozenset()) -> str:
    """The lookup panel: a paragraph with its neighbours, or a friendly message.

    ``span`` ('<id>#start-end', set when a citation was clicked) highlights that
    quote in the paragraph; it is ignored when it names another paragraph. A
    paragraph of a document in ``removed`` (removed from the shelf) says so.
    """
    pid = (pid or "").strip() if isinstance(pid, str) else ""
    if not pid:
        return render_notice(i18n.text(lang, "lookup_empty"))
    try:
        c = assistant.cite(pid)
        neighbours = assistant.catalog.neighbours(c.id, radius=1)
        size = len(assistant.catalog.documents.get(c.doc_id, ()))
    except CitationNotFound as exc:
        doc = pid.rpartition(":")[0]
        if doc in removed:
            return render_notice(i18n.text(lang, "removed_doc", pid=pid, doc=doc))
        return render_notice(i18n.text(lang, "no_such", error=exc))
    labels = _labels(assistant, {c.canonical_id, *c.parallel}, lang)
    return render_lookup(c, neighbours, size, lang, span=parse_span(span, c.id), labels=labels)
