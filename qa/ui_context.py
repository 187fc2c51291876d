"""What every handler of the browser chat works with besides the ``Assistant``: the
interface language of a request (the switch's cookie or Accept-Language) and the
translated component labels, ``QAError`` turned into a ``gr.Error`` the page and
API clients show, and the collection facts answers are labelled with (readable
paragraph link labels, which documents are uploads).
"""

from __future__ import annotations

import html
from contextlib import contextmanager

# qa/__init__.py (always imported before this module) has turned Gradio analytics off.
import gradio as gr

from qa import i18n
from qa.assistant import Assistant
from qa.errors import QAError
from qa.ui_html import link_label

# Translated component labels (the browser picks them by its language or the switch).
I18N = gr.I18n(**i18n.LABELS)
LANG_COOKIE = "seedqa_lang"


@contextmanager
def friendly():
    """Turn a QAError into gr.Error with its message (shown in the UI, sent to API clients).

    Gradio renders an error message as HTML, so the message is escaped: it may
    quote what the user typed.
    """
    try:
        yield
    except QAError as exc:
        raise gr.Error(html.escape(str(exc), quote=False), print_exception=False) from exc


def request_lang(request: gr.Request | None) -> str:
    """The interface language of a request: the switch's cookie, else Accept-Language."""
    if request is None:
        return i18n.DEFAULT
    cookies = getattr(request, "cookies", None) or {}
    chosen = cookies.get(LANG_COOKIE) if hasattr(cookies, "get") else None
    if chosen:
        return i18n.lang_of(chosen)
    headers = getattr(request, "headers", None) or {}
    accept = headers.get("accept-language", "") if hasattr(headers, "get") else ""
    first = accept.split(",")[0].split(";")[0]
    return i18n.lang_of(first)


def _labels(assistant: Assistant, ids, lang: str = "en") -> dict[str, str]:
    """Readable link labels (`title — ¶n`) for paragraph ids that exist."""
    paragraphs = assistant.catalog.paragraphs
    return {pid: link_label(paragraphs[pid], lang) for pid in ids if pid in paragraphs}


def _uploads(assistant: Assistant) -> set[str]:
    """Ids of the documents that came in as uploads."""
    return {d.id for d in assistant.documents() if d.origin == "upload"}
