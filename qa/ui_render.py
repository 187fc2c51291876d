"""HTML for the browser chat: answers, sources, paragraph lookups, the shelf, upload reports.

The markup comes from Jinja templates in ``qa/templates`` with autoescaping on, so
document or user text placed in them shows as text (a paragraph holding
``<script>`` is shown, never run). Rendered HTML has no line breaks: the chat
renders a message as one HTML block, so its contents are never re-read as
Markdown (text keeps its line breaks as ``<br>``, the hidden copy text as
``&#10;``).

Every function takes ``lang`` ("en" or "vi") for the frame around the text;
document text and core error messages are shown as they are.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from qa import i18n
from qa.question import history_pairs as question_history_pairs
from qa.types import Answer, Citation, IngestReport, Paragraph

SOURCES_HEADING = i18n.TEXT["en"]["sources"]
RELATED_HEADING = i18n.TEXT["en"]["related_heading"]
NOT_FOUND_HEADING = i18n.TEXT["en"]["not_found"]
# A title longer than this is cut at a word in source and link labels (the lookup
# panel shows it whole): a label should fit one line of the 2/5-wide side panel.
LABEL_TITLE_CHARS = 70

_MARKER = re.compile(r"\[(\d{1,3})\]")
_ANSWER_DIV = re.compile(r'<div class="seedqa-answer">(.*?)</div>', re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def _br(value: object) -> Markup:
    """Text escaped, with line breaks as <br> (for text shown on the page)."""
    return Markup("<br>").join(escape(str(value)).split("\n"))


def _nl(value: object) -> Markup:
    """Text escaped, with line breaks as character references (for the hidden copy text)."""
    return Markup("&#10;").join(escape(str(value)).split("\n"))


def _finalize(value: object) -> object:
    # Plain strings in templates are single-line; a stray line break would be lost when
    # the template's own line breaks are removed, so it becomes a space.
    return value.replace("\n", " ") if type(value) is str else value


_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True, trim_blocks=True, lstrip_blocks=True,
    undefined=jinja2.StrictUndefined, finalize=_finalize,
)
_ENV.filters["br"] = _br
_ENV.filters["nl"] = _nl


def _render(name: str, lang: str = "en", **context) -> str:
    """Render a template; its own line breaks are layout only and are removed."""
    lang = i18n.lang_of(lang)
    out = _ENV.get_template(name).render(t=lambda key, **kw: i18n.text(lang, key, **kw),
                                         **context)
    return out.replace("\n", "")


def esc(text: object) -> str:
    """Text made safe for HTML: markup characters escaped, line breaks kept."""
    return str(_br("" if text is None else text))


def backend_label(backend: str, lang: str = "en") -> str:
    """How the answering backend is shown: 'offline extractive' or 'LLM <model>'."""
    if backend == "extractive":
        return i18n.text(lang, "extractive")
    return i18n.text(lang, "llm", model=backend)


def short_title(title: str, limit: int = LABEL_TITLE_CHARS) -> str:
    """The title on one line, cut at a word boundary with '…' when longer than ``limit``."""
    title = " ".join((title or "").split())
    if len(title) <= limit:
        return title
    cut = title[:limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:—-") + "…"


def _where(section: object, page: object, lang: str) -> list[str]:
    out = [str(section)] if section else []
    if isinstance(page, int) and not isinstance(page, bool) and page > 0:
        out.append(i18n.text(lang, "page", page=page))
    return out


def source_label(c: Citation, n: int | None = None, lang: str = "en") -> str:
    """`[n] title — section — date — ¶number — p. N` (plain text; escaped by the templates).

    Section and page appear once citations carry them (``Citation.section``/``.page``).
    """
    parts = [short_title(c.title or c.doc_id)]
    parts += [str(getattr(c, "section", "") or "")] if getattr(c, "section", "") else []
    parts += [c.date or i18n.text(lang, "undated"), f"¶{c.paragraph}"]
    parts += _where("", getattr(c, "page", None), lang)
    head = " — ".join(parts)
    return f"[{n}] {head}" if n is not None else head


def link_label(item: Citation | Paragraph, lang: str = "en") -> str:
    """A readable link to a paragraph: `title — section — ¶n — p. N`."""
    number = item.paragraph if isinstance(item, Citation) else item.number
    parts = [short_title(item.title or item.doc_id)]
    parts += _where(getattr(item, "section", ""), None, lang)
    parts.append(f"¶{number}")
    parts += _where("", getattr(item, "page", None), lang)
    return " — ".join(parts)


def quote_span(c: Citation) -> str:
    """'#start-end' of the quote in its paragraph (what the lookup highlights), or ''."""
    if c.quote and 0 <= c.start < c.end <= len(c.text) and c.text[c.start:c.end] == c.quote:
        return f"#{c.start}-{c.end}"
    return ""


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


def _also(ids: tuple[str, ...], labels: dict[str, str] | None) -> list[tuple[str, str]]:
    return [(pid, (labels or {}).get(pid, pid)) for pid in ids]


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
                  uploads: frozenset[str] | set[str] = frozenset()) -> str:
    """A finished answer: text with clickable markers, its sources (or, under a verdict
    first, the related paragraphs collapsed), and a hidden plain-text copy.

    ``labels`` maps paragraph ids to readable link labels (for "also stated in");
    sources from documents in ``uploads`` (ids) are labelled as uploads.
    """
    tag = " — " + i18n.text(lang, "origin_upload")

    def label(c: Citation, n: int | None) -> str:
        return source_label(c, n, lang) + (tag if c.doc_id in uploads else "")

    sources = [{"id": c.id, "label": label(c, n), "span": quote_span(c),
                "html": Markup(highlight(c.text, c.start, c.end, c.quote)),
                "also": _also(c.parallel, labels)}
               for n, c in enumerate(answer.citations, start=1)]
    related = [{"id": c.id, "label": label(c, None), "text": c.text}
               for c in answer.related]
    return _render("answer.html", lang, answer=answer, pieces=_pieces(answer),
                   sources=sources, related=related,
                   backend=backend_label(answer.backend, lang), plain=plain_text(answer, lang))


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


def render_notice(message: str, heading: str = "") -> str:
    """A friendly message in the notice style (e.g. an unknown paragraph id)."""
    return _render("notice.html", message=message, heading=heading)


def parse_span(span: object, pid: str) -> tuple[int, int] | None:
    """(start, end) from a '<pid>#start-end' span if it belongs to ``pid``, else None."""
    if not isinstance(span, str):
        return None
    m = re.fullmatch(r"(.+)#(\d{1,7})-(\d{1,7})", span.strip())
    if not m or m.group(1) != pid:
        return None
    start, end = int(m.group(2)), int(m.group(3))
    return (start, end) if start < end else None


def render_lookup(c: Citation, neighbours: list[Paragraph], doc_paragraphs: int,
                  lang: str = "en", span: tuple[int, int] | None = None,
                  labels: dict[str, str] | None = None) -> str:
    """A paragraph with its neighbours and its document's metadata.

    ``span`` (start, end) highlights the quote the user came from; ``labels`` maps
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
        if target and span and 0 <= span[0] < span[1] <= len(p.text):
            body = highlight(p.text, span[0], span[1])
        else:
            body = esc(p.text)
        items.append({"id": p.id, "target": target, "label": f"¶{p.number} ({where})",
                      "html": Markup(body)})
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
.seedqa-related summary { cursor: pointer; font-style: italic; opacity: 0.85; }
.seedqa-source { margin: 6px 0 10px 0; }
.seedqa-para {
  margin: 3px 0 0 0; padding: 4px 8px; border-left: 3px solid rgba(128,128,128,0.4);
  white-space: normal;
}
.seedqa-related .seedqa-para { opacity: 0.8; }
.seedqa-para mark { background: #fde68a; color: #1f2937; padding: 0 1px; border-radius: 2px; }
.seedqa-unanswered, .seedqa-notice, .seedqa-error {
  border-left: 4px solid #d97706; background: rgba(217,119,6,0.10);
  padding: 6px 10px; border-radius: 4px;
}
.seedqa-notice-h { font-weight: 600; color: #b45309; margin-bottom: 2px; }
.seedqa-note { margin-top: 6px; font-size: 0.9em; color: #b45309; }
.seedqa-meta { margin-top: 6px; font-size: 0.8em; opacity: 0.65; }
.seedqa-copytext { display: none !important; }
#seedqa-chat [data-testid="bot"] { scroll-margin-top: 40px; }  /* clear of the chat's label */
.seedqa-cursor { opacity: 0.6; }
.seedqa-also { font-size: 0.9em; margin-top: 2px; }
.seedqa-lookup table, .seedqa-shelf table {
  font-size: 0.9em; margin: 0 0 8px 0; border-collapse: collapse;
}
.seedqa-lookup table, .seedqa-lookup tr, .seedqa-lookup th, .seedqa-lookup td {
  border: none !important; background: none !important;
}
.seedqa-lookup th { text-align: left; padding: 1px 12px 1px 0 !important; font-weight: 600;
  vertical-align: top; white-space: nowrap; }
.seedqa-lookup td { padding: 1px 0 !important; }
.seedqa-shelf th, .seedqa-shelf td { padding: 2px 6px !important; text-align: left;
  vertical-align: top; }
.seedqa-shelf code { font-size: 0.85em; word-break: break-all; }
.seedqa-remove { cursor: pointer; color: #b91c1c; background: none; border: none; }
.seedqa-ctx { margin: 6px 0; opacity: 0.75; }
.seedqa-ctx.seedqa-target { opacity: 1; }
.seedqa-ctx.seedqa-target .seedqa-para {
  border-left-color: #2563eb; background: rgba(37,99,235,0.07);
}
.seedqa-ctx-h { font-size: 0.85em; font-weight: 600; }
.seedqa-upload ul { margin: 2px 0 6px 18px; }
"""

# The page's script (launch(js=...)), installed once:
# - a click on a source, marker or link (buttons whose value is '<paragraph id>[#start-end]')
#   fills the lookup box (and the hidden quote span) and presses its button; a click on a
#   shelf's remove button does the same for the hidden remove box. Delegated from the
#   document, so it works for messages that stream in later; Svelte picks values up from
#   the `input` event.
# - copying a rendered message (the chat's Copy buttons) puts its plain text on the
#   clipboard (the hidden .seedqa-copytext) instead of its HTML.
# - a new answer is scrolled to its start, not its end (the chat's autoscroll is off).
# - window.seedqaSetLocale(lang) switches the page's translated labels.
JS = r"""
() => {
  if (window.__seedqa) return;
  window.__seedqa = true;
  const setBox = (sel, value) => {
    const box = document.querySelector(sel + ' textarea, ' + sel + ' input');
    if (!box) return false;
    box.value = value;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    return true;
  };
  document.addEventListener('click', (ev) => {
    const el = ev.target instanceof Element
      ? ev.target.closest('button.seedqa-cite, button.seedqa-marker, button.seedqa-remove')
      : null;
    if (!el || !el.value) return;
    ev.preventDefault();
    ev.stopPropagation();
    if (el.classList.contains('seedqa-remove')) {
      if (setBox('#seedqa-remove-id', el.value)) {
        setTimeout(() => { const b = document.querySelector('#seedqa-remove-btn');
                           if (b) b.click(); }, 60);
      }
      return;
    }
    const m = el.value.match(/^(.*?)(#\d+-\d+)?$/);
    const pid = m[1];
    setBox('#seedqa-lookup-span', m[2] ? pid + m[2] : '');
    if (!setBox('#seedqa-lookup-id', pid)) return;
    setTimeout(() => {
      const btn = document.querySelector('#seedqa-lookup-btn');
      if (btn) btn.click();
      const panel = document.querySelector('#seedqa-lookup');
      if (panel) panel.scrollIntoView({behavior: 'smooth', block: 'nearest'});
    }, 60);
  }, true);

  // Each rendered message in the copied string (one, or the whole conversation) becomes
  // its text; anything else (the user's questions) is left exactly as it was.
  const decode = (h) => {
    const t = document.createElement('textarea');  // RCDATA: entities decoded, nothing run
    t.innerHTML = h.replace(/<br>/g, '\n');
    return t.value;
  };
  const NOT_NEXT = '(?:(?!<div class="seedqa-msg)[\\s\\S])*?';  // within one message
  const TEXT = '((?:[^<]|<br>)*)';
  const ANSWER = new RegExp('<div class="seedqa-msg [^"]*">' + NOT_NEXT
    + '<div class="seedqa-copytext">([^<]*)</div></div>', 'g');
  const ERROR = new RegExp('<div class="seedqa-msg seedqa-error"><div class="seedqa-notice-h">'
    + '([^<]*)</div><div class="seedqa-answer">' + TEXT + '</div></div>', 'g');
  const STREAMING = new RegExp('<div class="seedqa-msg seedqa-streaming">'
    + '<div class="seedqa-answer">' + TEXT + '</div>' + NOT_NEXT + '</span></div>', 'g');
  const plain = (s) => {
    if (typeof s !== 'string' || s.indexOf('class="seedqa-msg') < 0) return s;
    return s.replace(ANSWER, (m, t) => decode(t))
      .replace(ERROR, (m, h, t) => decode(h) + ': ' + decode(t))
      .replace(STREAMING, (m, t) => decode(t));
  };
  window.seedqaPlain = plain;
  if (navigator.clipboard && navigator.clipboard.writeText) {
    const write = navigator.clipboard.writeText.bind(navigator.clipboard);
    navigator.clipboard.writeText = (s) => write(plain(s));
  }
  // Without the clipboard API (plain http off loopback) the chat copies through a textarea.
  document.addEventListener('copy', (ev) => {
    const a = document.activeElement;
    if (!a || a.tagName !== 'TEXTAREA' || a.value.indexOf('seedqa-msg') < 0) return;
    ev.clipboardData.setData('text/plain', plain(a.value.substring(a.selectionStart,
                                                                  a.selectionEnd)));
    ev.preventDefault();
  }, true);

  // Scrolled when the answer's bubble appears and again when it is complete (its
  // sources may have pushed its start out of view); never while the user reads.
  const follow = () => {
    const bots = document.querySelectorAll('#seedqa-chat [data-testid="bot"]');
    const last = bots[bots.length - 1];
    if (!last) return;
    const done = last.querySelector('.seedqa-meta, .seedqa-error') !== null;
    if (last.__seedqaSeen && (!done || last.__seedqaDone)) return;
    last.__seedqaSeen = true;
    last.__seedqaDone = done;
    requestAnimationFrame(() => last.scrollIntoView({block: 'start'}));
  };
  new MutationObserver(follow).observe(document.body, {childList: true, subtree: true});

  window.seedqaSetLocale = async (lang) => {
    try {
      const url = performance.getEntriesByType('resource').map((e) => e.name)
        .find((n) => /\/assets\/core-[^/]+\.js(\?|$)/.test(n));
      if (!url) return;
      const core = await import(url);
      if (typeof core.changeLocale === 'function') core.changeLocale(lang);
    } catch (e) {
      // The labels stay in the browser's language; the server-rendered parts still switch.
    }
  };
}
"""

# The language the page starts in: ?lang=.. in the address, else the user's last choice
# on the switch, else the browser's language; kept in a cookie so handlers render in it.
JS_DETECT_LANG = """
() => {
  const q = new URLSearchParams(window.location.search).get('lang');
  let saved = null;
  try { saved = window.localStorage.getItem('seedqa-lang'); } catch (e) {}
  const l = (q || saved || navigator.language || 'en').toLowerCase().startsWith('vi')
    ? 'vi' : 'en';
  document.cookie = 'seedqa_lang=' + l + '; path=/; SameSite=Lax';
  return l;
}
"""

# On the switch: remember an explicit choice and switch the page's labels.
JS_SET_LANG = """
(lang) => {
  document.cookie = 'seedqa_lang=' + lang + '; path=/; SameSite=Lax';
  if (window.seedqaSetLocale) window.seedqaSetLocale(lang);
  return lang;
}
"""
JS_REMEMBER_LANG = """
(lang) => {
  try { window.localStorage.setItem('seedqa-lang', lang); } catch (e) {}
  return lang;
}
"""
