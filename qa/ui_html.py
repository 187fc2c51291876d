"""The building blocks every piece of the chat's HTML is made with: the Jinja
environment over ``qa/templates`` (autoescaping on, template line breaks removed,
text line breaks kept as ``<br>`` or ``&#10;``), text escaping and quote
highlighting, and the readable labels of backends, titles, sources and paragraph
links that both the chat messages (``qa.ui_messages``) and the side panels
(``qa.ui_panels``) show.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from qa import i18n
from qa.text import FENCED, INLINE_CODE
from qa.types import Citation, Paragraph

# A title longer than this is cut at a word in source and link labels (the lookup
# panel shows it whole): a label should fit one line of the 2/5-wide side panel.
LABEL_TITLE_CHARS = 70


def _br(value: object) -> Markup:
    """Text escaped, with line breaks as <br> (for text shown on the page)."""
    return Markup("<br>").join(escape(str(value)).split("\n"))


def _blocks(value: object) -> Markup:
    """Answer text escaped: a fenced code block as a <pre> block (code as code, on its
    own lines, as the answerer places it; its line breaks as character references, which
    survive ``_render``), inline code as <code>, other line breaks as <br>."""
    text, out, pos = str(value), [], 0
    for m in FENCED.finditer(text):
        out.append(_inline(text[pos:m.start()].removesuffix("\n")))
        out.append(Markup('<pre class="seedqa-code"><code>{}</code></pre>').format(
            _nl(m.group(2).removesuffix("\n"))))
        pos = m.end() + (text[m.end():m.end() + 1] == "\n")
    out.append(_inline(text[pos:]))
    return Markup("").join(out)


def _inline(text: str) -> Markup:
    """Prose escaped, `code` spans as <code>, line breaks as <br>."""
    out, pos = [], 0
    for m in INLINE_CODE.finditer(text):
        out += [_br(text[pos:m.start()]), Markup("<code>{}</code>").format(m.group(2))]
        pos = m.end()
    out.append(_br(text[pos:]))
    return Markup("").join(out)


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
_ENV.filters["blocks"] = _blocks


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
    """'#start-end[,start-end...]' of the quoted spans in their paragraph (what the
    lookup highlights), or ''."""
    spans = quoted_spans(c)
    return "#" + ",".join(f"{s}-{e}" for s, e in spans) if spans else ""


def quoted_spans(c: Citation) -> tuple[tuple[int, int], ...]:
    """The citation's quoted spans that lie inside its text, in order, not overlapping
    (a span that does not fit is dropped); the quote's own offsets when it has no
    ``spans`` and they select exactly the quote."""
    spans = c.spans or (((c.start, c.end),) if c.quote and c.text[c.start:c.end] == c.quote
                        else ())
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if 0 <= s < e <= len(c.text) and (not out or s >= out[-1][1]):
            out.append((s, e))
    return tuple(out)


def mark_spans(text: str, spans) -> str:
    """The paragraph, escaped, with each (start, end) of ``spans`` wrapped in <mark>
    (spans in order, inside the text, not overlapping: ``quoted_spans``)."""
    out, pos = [], 0
    for s, e in spans:
        out += [esc(text[pos:s]), "<mark>", esc(text[s:e]), "</mark>"]
        pos = e
    return "".join(out) + esc(text[pos:])


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


def _also(ids: tuple[str, ...], labels: dict[str, str] | None) -> list[tuple[str, str]]:
    return [(pid, (labels or {}).get(pid, pid)) for pid in ids]
