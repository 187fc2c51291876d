"""HTML for the browser chat: answers, sources, paragraph lookups, the shelf, upload reports.

The markup comes from Jinja templates in ``qa/templates`` with autoescaping on, so
document or user text placed in them shows as text (a paragraph holding
``<script>`` is shown, never run). Rendered HTML has no line breaks: the chat
renders a message as one HTML block, so its contents are never re-read as
Markdown (text keeps its line breaks as ``<br>``, the hidden copy text as
``&#10;``).

Every function takes ``lang`` ("en" or "vi") for the frame around the text;
document text and core error messages are shown as they are.

The code lives in modules named for what they render and is re-exported here
(``__all__``), the names tests and benchmarks import: ``qa.ui_html`` (the template
environment, escaping, labels), ``qa.ui_messages`` (chat messages and reading them
back), ``qa.ui_panels`` (lookup, notices, status line, shelf, upload report) and
``qa.ui_assets`` (the page's CSS and scripts).
"""

from __future__ import annotations

from qa.ui_assets import CSS, JS, JS_DETECT_LANG, JS_REMEMBER_LANG, JS_SET_LANG
from qa.ui_html import (
    LABEL_TITLE_CHARS,
    backend_label,
    esc,
    highlight,
    link_label,
    quote_span,
    short_title,
    source_label,
)
from qa.ui_messages import (
    NOT_FOUND_HEADING,
    RELATED_HEADING,
    SOURCES_HEADING,
    answer_markers,
    history_pairs,
    message_text,
    plain_text,
    render_answer,
    render_error,
    render_partial,
)
from qa.ui_panels import (
    parse_span,
    render_lookup,
    render_notice,
    render_shelf,
    render_status,
    render_upload,
)

__all__ = [
    # qa.ui_html
    "LABEL_TITLE_CHARS", "backend_label", "esc", "highlight", "link_label", "quote_span",
    "short_title", "source_label",
    # qa.ui_messages
    "NOT_FOUND_HEADING", "RELATED_HEADING", "SOURCES_HEADING", "answer_markers",
    "history_pairs", "message_text", "plain_text", "render_answer", "render_error",
    "render_partial",
    # qa.ui_panels
    "parse_span", "render_lookup", "render_notice", "render_shelf", "render_status",
    "render_upload",
    # qa.ui_assets
    "CSS", "JS", "JS_DETECT_LANG", "JS_REMEMBER_LANG", "JS_SET_LANG",
]
