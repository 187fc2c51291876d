"""The handlers that show and change what is indexed: the header's status line
(backend, collection size), the document shelf, and removing an uploaded document
(adding documents is ``qa.ui_upload``).
"""

from __future__ import annotations

from qa import i18n
from qa.assistant import Assistant
from qa.errors import QAError
from qa.ui_panels import render_notice, render_shelf, render_status


def status(assistant: Assistant, lang: str = "en") -> str:
    """Header line: backend and collection size."""
    cat = assistant.catalog
    return render_status(assistant.backend, len(cat.documents), len(cat), lang)


def shelf(assistant: Assistant, lang: str = "en") -> str:
    """The document shelf: every indexed document, uploads removable."""
    return render_shelf(assistant.documents(), lang)


def remove_document(assistant: Assistant, doc_id: str, lang: str = "en") -> str:
    """Remove an uploaded document; a message saying what happened (never raises)."""
    doc_id = (doc_id or "").strip() if isinstance(doc_id, str) else ""
    if not doc_id:
        return render_notice(i18n.text(lang, "remove_what"))
    try:
        r = assistant.remove_document(doc_id)
    except QAError as exc:
        return render_notice(str(exc))
    return render_notice(i18n.text(lang, "removed", doc=doc_id, removed=r.removed,
                                   documents=r.documents, paragraphs=r.paragraphs))
