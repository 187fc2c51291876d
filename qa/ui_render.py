"""HTML for the browser chat: answers, sources, paragraph lookups, upload reports.

Every piece of document or user text goes through ``esc`` (``html.escape``) before
it is placed in markup, so a paragraph holding ``<script>`` shows as text. The
markup has no blank lines: the chat renders a message as one HTML block, so its
contents are never re-read as Markdown.
"""

import html
import re

from qa.question import history_pairs as question_history_pairs
from qa.types import Answer, Citation, IngestReport, Paragraph

SOURCES_HEADING = "Sources"
RELATED_HEADING = "Related paragraphs (not sources: they do not answer the question)"
NOT_FOUND_HEADING = "Not in the documents"

_MARKER = re.compile(r"\[(\d{1,3})\]")
_ANSWER_DIV = re.compile(r'<div class="seedqa-answer">(.*?)</div>', re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def esc(text: object) -> str:
    """Text made safe for HTML: markup characters escaped, line breaks kept."""
    return html.escape("" if text is None else str(text), quote=True).replace("\n", "<br>")


def backend_label(backend: str) -> str:
    """How the answering backend is shown: 'offline extractive' or 'LLM <model>'."""
    return "offline extractive" if backend == "extractive" else f"LLM {backend}"


def source_label(c: Citation, n: int | None = None) -> str:
    """`[n] title — date — ¶number` (plain text; escape before use)."""
    parts = [c.title or c.doc_id, c.date or "undated", f"¶{c.paragraph}"]
    head = " — ".join(parts)
    return f"[{n}] {head}" if n is not None else head


def highlight(text: str, start: int, end: int, quote: str = "") -> str:
    """The paragraph, escaped, with ``text[start:end]`` wrapped in <mark>.

    The offsets are trusted only when they select exactly ``quote`` (when one is
    given); otherwise the quote's first occurrence is marked, or nothing.
    """
    ok = 0 <= start < end <= len(text) and (not quote or text[start:end] == quote)
    if not ok and quote:
        start = text.find(quote)
        end = start + len(quote)
        ok = start >= 0
    if not ok:
        return esc(text)
    return f"{esc(text[:start])}<mark>{esc(text[start:end])}</mark>{esc(text[end:])}"


def _cite_button(pid: str, label: str, css: str = "seedqa-cite") -> str:
    # The chat's HTML sanitizer drops data-* attributes but keeps a button's value.
    return (f'<button type="button" class="{css}" value="{esc(pid)}" '
            f'title="Show paragraph {esc(pid)} with its neighbours">{esc(label)}</button>')


def _linked_text(text: str, citations: list[Citation]) -> str:
    """Answer text, escaped, with markers [n] made into buttons that open their source."""
    def repl(m: re.Match) -> str:
        n = int(m.group(1))
        if 1 <= n <= len(citations):
            return _cite_button(citations[n - 1].id, f"[{n}]", "seedqa-marker")
        return m.group(0)

    return _MARKER.sub(repl, esc(text))


def _also_stated(ids: tuple[str, ...]) -> str:
    """Links to the same statement in other languages."""
    if not ids:
        return ""
    buttons = " ".join(_cite_button(pid, pid) for pid in ids)
    return f'<div class="seedqa-also">also stated in: {buttons}</div>'


def render_partial(text: str) -> str:
    """A message while its answer is still streaming in."""
    return ('<div class="seedqa-msg seedqa-streaming">'
            f'<div class="seedqa-answer">{esc(text)}</div>'
            '<span class="seedqa-cursor" aria-hidden="true">▍</span></div>')


def render_answer(answer: Answer) -> str:
    """A finished answer: text with clickable markers, its sources (or related paragraphs)."""
    out = []
    if answer.answered:
        out.append('<div class="seedqa-msg seedqa-answered">')
        out.append(f'<div class="seedqa-answer">{_linked_text(answer.text, answer.citations)}'
                   "</div>")
    else:
        out.append('<div class="seedqa-msg seedqa-unanswered">')
        out.append(f'<div class="seedqa-notice-h">{esc(NOT_FOUND_HEADING)}</div>')
        out.append(f'<div class="seedqa-answer">{esc(answer.text)}</div>')
    if answer.note:
        out.append(f'<div class="seedqa-note">{esc(answer.note)}</div>')
    if answer.answered and answer.citations:
        out.append(f'<div class="seedqa-sources"><div class="seedqa-sources-h">'
                   f"{SOURCES_HEADING}</div>")
        for n, c in enumerate(answer.citations, start=1):
            out.append(f'<div class="seedqa-source">{_cite_button(c.id, source_label(c, n))}'
                       f'<div class="seedqa-para">{highlight(c.text, c.start, c.end, c.quote)}'
                       f"</div>{_also_stated(c.parallel)}</div>")
        out.append("</div>")
    elif answer.related:
        out.append(f'<div class="seedqa-related"><div class="seedqa-sources-h">'
                   f"{esc(RELATED_HEADING)}</div>")
        for c in answer.related:
            out.append(f'<div class="seedqa-source">'
                       f"{_cite_button(c.id, 'related — ' + source_label(c))}"
                       f'<div class="seedqa-para">{esc(c.text)}</div></div>')
        out.append("</div>")
    seconds = f" · {answer.seconds:.2f} s" if answer.seconds else ""
    out.append(f'<div class="seedqa-meta">answered by {esc(backend_label(answer.backend))}'
               f"{seconds}</div></div>")
    return "".join(out)


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
        m = _ANSWER_DIV.search(content)
        inner = m.group(1) if m else ""
        return html.unescape(_TAG.sub("", inner.replace("<br>", "\n"))).strip()
    return content


def history_pairs(history: object) -> list[tuple[str, str]]:
    """(question, answer) pairs from a Gradio history; rendered answers give back
    their text without sources (see ``qa.question.history_pairs``)."""
    return question_history_pairs(history, text=message_text)


def render_notice(message: str) -> str:
    """A friendly message in the notice style (e.g. an unknown paragraph id)."""
    return f'<div class="seedqa-notice">{esc(message)}</div>'


def render_lookup(c: Citation, neighbours: list[Paragraph], doc_paragraphs: int) -> str:
    """A paragraph with its neighbours and its document's metadata."""
    rows = [("Paragraph", f"{c.id} (¶{c.paragraph} of {doc_paragraphs})"),
            ("Document", c.doc_id), ("Title", c.title), ("Date", c.date or "undated"),
            ("Language", c.language)]
    if c.canonical_id != c.id:
        rows.append(("Duplicate of", f"{c.canonical_id} (answers cite that paragraph)"))
    table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    out = [f'<div class="seedqa-lookup"><table class="seedqa-meta-table">{table}</table>',
           _also_stated(c.parallel)]
    for p in neighbours:
        if p.id == c.id:
            where, css = "this paragraph", "seedqa-ctx seedqa-target"
        else:
            where = "previous" if p.number < c.paragraph else "next"
            css = "seedqa-ctx"
        head = (f"¶{p.number} ({where})" if p.id == c.id
                else _cite_button(p.id, f"¶{p.number} ({where})"))
        out.append(f'<div class="{css}"><div class="seedqa-ctx-h">{head}</div>'
                   f'<div class="seedqa-para">{esc(p.text)}</div></div>')
    out.append("</div>")
    return "".join(out)


def render_status(backend: str, documents: int, paragraphs: int) -> str:
    """The header line: which backend answers and how big the corpus is."""
    return (f'<div class="seedqa-status">Answers by <b>{esc(backend_label(backend))}</b> · '
            f"corpus: <b>{documents:,}</b> documents, <b>{paragraphs:,}</b> paragraphs</div>")


def render_upload(accepted: list[tuple[str, int]], rejected: list[tuple[str, str]],
                  report: IngestReport | None) -> str:
    """What an upload did: files added (with paragraph counts), files refused and why."""
    out = ['<div class="seedqa-upload">']
    if accepted:
        items = "".join(f"<li><code>{esc(doc)}</code>: {n} paragraphs</li>"
                        for doc, n in accepted)
        out.append(f"<p><b>Added {len(accepted)} document(s):</b></p><ul>{items}</ul>")
    if rejected:
        items = "".join(f"<li><code>{esc(name)}</code>: {esc(why)}</li>" for name, why in rejected)
        out.append(f'<div class="seedqa-notice"><b>Rejected {len(rejected)} file(s):</b>'
                   f"<ul>{items}</ul></div>")
    if report is not None:
        r = report
        out.append(f"<p>Index updated in {r.seconds:.1f} s: {r.added} added, {r.updated} "
                   f"updated, {r.removed} removed, {r.unchanged} unchanged paragraphs; now "
                   f"{r.documents} documents, {r.paragraphs} paragraphs.</p>")
        if r.skipped_files:
            items = "".join(f"<li>{esc(s)}</li>" for s in r.skipped_files)
            out.append(f'<div class="seedqa-notice">Skipped by the indexer:<ul>{items}</ul></div>')
    if not accepted and not rejected:
        out.append("<p>Choose one or more .txt or .md files first.</p>")
    out.append("</div>")
    return "".join(out)


CSS = """
.seedqa-status { font-size: 0.95em; opacity: 0.9; margin: 0 0 4px 0; }
.seedqa-msg .seedqa-answer { line-height: 1.5; }
.seedqa-marker, .seedqa-cite {
  background: none; border: none; padding: 0; margin: 0; cursor: pointer; font: inherit;
  color: var(--link-text-color, #2563eb); text-decoration: underline; text-align: left;
}
.seedqa-marker { font-weight: 600; text-decoration: none; }
.seedqa-marker:hover, .seedqa-cite:hover { text-decoration: underline; opacity: 0.8; }
.seedqa-sources, .seedqa-related {
  margin-top: 10px; padding-top: 6px; border-top: 1px solid rgba(128,128,128,0.35);
  font-size: 0.92em;
}
.seedqa-sources-h { font-weight: 600; margin-bottom: 4px; }
.seedqa-related .seedqa-sources-h { font-style: italic; opacity: 0.85; }
.seedqa-source { margin: 6px 0 10px 0; }
.seedqa-para {
  margin: 3px 0 0 0; padding: 4px 8px; border-left: 3px solid rgba(128,128,128,0.4);
  white-space: normal;
}
.seedqa-related .seedqa-para { opacity: 0.8; }
.seedqa-para mark { background: #fde68a; color: #1f2937; padding: 0 1px; border-radius: 2px; }
.seedqa-unanswered, .seedqa-notice {
  border-left: 4px solid #d97706; background: rgba(217,119,6,0.10);
  padding: 6px 10px; border-radius: 4px;
}
.seedqa-notice-h { font-weight: 600; color: #b45309; margin-bottom: 2px; }
.seedqa-note { margin-top: 6px; font-size: 0.9em; color: #b45309; }
.seedqa-meta { margin-top: 6px; font-size: 0.8em; opacity: 0.65; }
.seedqa-cursor { opacity: 0.6; }
.seedqa-lookup table { font-size: 0.9em; margin: 0 0 8px 0; border-collapse: collapse; }
.seedqa-lookup table, .seedqa-lookup tr, .seedqa-lookup th, .seedqa-lookup td {
  border: none !important; background: none !important;
}
.seedqa-lookup th { text-align: left; padding: 1px 12px 1px 0 !important; font-weight: 600;
  vertical-align: top; white-space: nowrap; }
.seedqa-lookup td { padding: 1px 0 !important; }
.seedqa-ctx { margin: 6px 0; opacity: 0.75; }
.seedqa-ctx.seedqa-target { opacity: 1; }
.seedqa-ctx.seedqa-target .seedqa-para {
  border-left-color: #2563eb; background: rgba(37,99,235,0.07);
}
.seedqa-ctx-h { font-size: 0.85em; font-weight: 600; }
.seedqa-upload ul { margin: 2px 0 6px 18px; }
"""

# Clicking a source or a marker (buttons whose value is a paragraph id) fills the
# lookup box and presses its button. Delegated from the document, so it works for messages that
# stream in later; Svelte picks the value up from the `input` event.
JS = """
() => {
  if (window.__seedqaCite) return;
  window.__seedqaCite = true;
  document.addEventListener('click', (ev) => {
    const el = ev.target instanceof Element
      ? ev.target.closest('button.seedqa-cite, button.seedqa-marker') : null;
    if (!el || !el.value) return;
    ev.preventDefault();
    ev.stopPropagation();
    const box = document.querySelector('#seedqa-lookup-id textarea, #seedqa-lookup-id input');
    const btn = document.querySelector('#seedqa-lookup-btn');
    if (!box || !btn) return;
    box.value = el.value;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => {
      btn.click();
      const panel = document.querySelector('#seedqa-lookup');
      if (panel) panel.scrollIntoView({behavior: 'smooth', block: 'nearest'});
    }, 60);
  }, true);
}
"""
