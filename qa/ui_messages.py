"""The chat's messages: a finished answer (text with clickable markers, its sources
or related paragraphs, a hidden plain-text copy), an answer still streaming in and
an error saying why there is none; and the way back from a rendered message to
its answer text (``message_text``, ``history_pairs``), so a follow-up question
sees the answers without their sources.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup

from qa import i18n
from qa.errors import QuestionError
from qa.question import check_question
from qa.question import history_pairs as question_history_pairs
from qa.types import Answer, Citation
from qa.ui_html import (
    _also,
    _render,
    _where,
    backend_label,
    highlight,
    mark_spans,
    quote_span,
    quoted_spans,
    source_label,
)

SOURCES_HEADING = i18n.TEXT["en"]["sources"]
RELATED_HEADING = i18n.TEXT["en"]["related_heading"]
NOT_FOUND_HEADING = i18n.TEXT["en"]["not_found"]

_MARKER = re.compile(r"\[(\d{1,3})\]")
_ANSWER_DIV = re.compile(r'<div class="seedqa-answer">(.*?)</div>', re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def answer_markers(answer: Answer) -> list[tuple[int, int, int]]:
    """(start, end, n) of every marker to link, in text order.

    ``Answer.markers`` (placed by the answerer) when the core provides it: then a
    bracketed number inside quoted document text stays text. Before that field
    existed, every ``[n]`` naming a citation counted.
    """
    markers = getattr(answer, "markers", None)
    if markers is None:
        markers = [(m.start(), m.end(), int(m.group(1))) for m in _MARKER.finditer(answer.text)]
    out, pos = [], 0
    for start, end, n in sorted(markers):
        if pos <= start < end <= len(answer.text) and 1 <= n <= len(answer.citations):
            out.append((start, end, n))
            pos = end
    return out


def _pieces(answer: Answer) -> list[tuple[str, tuple[str, str] | None]]:
    """The answer text cut into (text, None) and (marker, (paragraph id, quote span))."""
    pieces, pos = [], 0
    for start, end, n in answer_markers(answer):
        c = answer.citations[n - 1]
        pieces.append((answer.text[pos:start], None))
        pieces.append((answer.text[start:end], (c.id, quote_span(c))))
        pos = end
    pieces.append((answer.text[pos:], None))
    return [(text, link) for text, link in pieces if text]


def plain_text(answer: Answer, lang: str = "en") -> str:
    """The answer as plain text for the clipboard: text with its markers, then the
    numbered sources (title, date, paragraph id, quote), or the related paragraphs."""
    lines = []
    if answer.answered:
        lines.append(answer.text)
    else:
        lines.append(f"{i18n.text(lang, 'not_found')}: {answer.text}")
    if answer.note:
        lines += ["", answer.note]
    if answer.answered and answer.citations:
        lines += ["", i18n.text(lang, "copy_sources")]
        for n, c in enumerate(answer.citations, start=1):
            head = " — ".join([c.title or c.doc_id, *([getattr(c, "section", "")]
                                                      if getattr(c, "section", "") else []),
                               c.date or i18n.text(lang, "undated"), c.id,
                               *_where("", getattr(c, "page", None), lang)])
            lines.append(f"[{n}] {head}")
            if c.quote:
                lines.append(f"    “{c.quote}”")
    elif answer.related:
        lines += ["", i18n.text(lang, "copy_related")]
        for c in answer.related:
            lines.append(f"- {c.title or c.doc_id} — {c.date or i18n.text(lang, 'undated')} — "
                         f"{c.id}")
    return "\n".join(lines)


def render_partial(text: str) -> str:
    """A message while its answer is still streaming in."""
    return _render("partial.html", text=text)


def render_answer(answer: Answer, lang: str = "en", labels: dict[str, str] | None = None,
                  uploads: frozenset[str] | set[str] = frozenset(), typed: str = "") -> str:
    """A finished answer: text with clickable markers, its sources (or, under a verdict
    first, the related paragraphs collapsed), and a hidden plain-text copy.

    ``labels`` maps paragraph ids to readable link labels (for "also stated in");
    sources from documents in ``uploads`` (ids) are labelled as uploads. ``typed``: the
    question as the user typed it; when the answer read it otherwise (its marks put
    back, ``Answer.question``), the answer says how it was read, so a wrong reading
    shows.
    """
    tag = " — " + i18n.text(lang, "origin_upload")

    def label(c: Citation, n: int | None) -> str:
        return source_label(c, n, lang) + (tag if c.doc_id in uploads else "")

    sources = [{"id": c.id, "label": label(c, n), "span": quote_span(c),
                "html": Markup(mark_spans(c.text, quoted_spans(c)) if c.spans
                               else highlight(c.text, c.start, c.end, c.quote)),
                "also": _also(c.parallel, labels),
                # Code and tables keep their lines and columns (monospace, pre-wrap).
                "pre": getattr(c, "kind", "text") in ("code", "table")}
               for n, c in enumerate(answer.citations, start=1)]
    related = [{"id": c.id, "label": label(c, None), "text": c.text}
               for c in answer.related]
    read_as = answer.question if typed and answer.question and \
        answer.question != _as_checked(typed) else ""
    return _render("answer.html", lang, answer=answer, pieces=_pieces(answer),
                   sources=sources, related=related, read_as=read_as,
                   backend=backend_label(answer.backend, lang), plain=plain_text(answer, lang))


def _as_checked(typed: str) -> str:
    """``typed`` cleaned as the core reads any question (``qa.question.check_question``:
    spaces collapsed, NFC), so only a real change of reading shows."""
    try:
        return check_question(typed)
    except QuestionError:
        return typed


def render_error(message: str, lang: str = "en") -> str:
    """A chat message saying why there is no answer (the textbox stays usable)."""
    return _render("error.html", lang, heading=i18n.text(lang, "could_not_answer"),
                   message=message)


def message_text(content: object) -> str:
    """The plain text of a chat message, in any shape Gradio sends it.

    ``content`` is a string (gradio_client) or a list of parts such as
    ``[{"type": "text", "text": ...}]`` (the browser). Messages this module
    rendered give back their answer text only, without sources.
    """
    if isinstance(content, (list, tuple)):
        return "\n".join(t for t in (message_text(p) for p in content) if t)
    if isinstance(content, dict):
        if content.get("type", "text") == "text" and "text" in content:
            return message_text(content["text"])
        if "content" in content:
            return message_text(content["content"])
        return ""
    if not isinstance(content, str):
        return ""
    if 'class="seedqa-msg' in content:
        if 'class="seedqa-msg seedqa-error"' in content:
            return ""  # an error message is not an answer to follow up on
        m = _ANSWER_DIV.search(content)
        inner = m.group(1) if m else ""
        return html.unescape(_TAG.sub("", inner.replace("<br>", "\n"))).strip()
    return content


def history_pairs(history: object) -> list[tuple[str, str]]:
    """(question, answer) pairs from a Gradio history; rendered answers give back
    their text without sources (see ``qa.question.history_pairs``)."""
    return question_history_pairs(history, text=message_text)
