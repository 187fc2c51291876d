"""The browser chat (Gradio): the Blocks layout and its wiring.

``app.py`` only wires these together. Handlers take the ``Assistant`` as their
first argument so tests can call them directly; ``build`` binds them into a
``gr.Blocks`` with these named API endpoints:

- ``/chat``   streaming chat (message -> HTML message; the session keeps the history)
- ``/ask``    question, history -> answer JSON
- ``/cite``   paragraph id -> paragraph JSON (``{"found": false, "error": ...}`` if unknown)
- ``/search`` query, k -> list of hits JSON

The app's parts live in modules named for what they own and are re-exported here
(``__all__``), so ``qa.ui`` stays the one place app.py and tests import them from:
the handlers in ``qa.ui_chat`` (streaming chat, saved conversations; it never
raises), ``qa.ui_api`` (/ask, /cite, /search), ``qa.ui_lookup`` (the paragraph
panel), ``qa.ui_documents`` (status line, shelf, removal) and ``qa.ui_upload``
(adding documents); a request's language and error handling in ``qa.ui_context``;
the example questions (``QA_EXAMPLES``) in ``qa.ui_examples``; the launch settings
read from the environment and serving in ``qa.ui_launch``; the HTML in
``qa.ui_render`` and the modules it gathers.
"""

from __future__ import annotations

# qa/__init__.py (always imported before this module) has turned Gradio analytics off.
import gradio as gr

from qa import i18n
from qa.assistant import Assistant
from qa.corpus import SUFFIXES
from qa.ui_api import ask_json, check_history, citation_json, cite_json, search_json
from qa.ui_assets import JS_DETECT_LANG, JS_REMEMBER_LANG, JS_SET_LANG
from qa.ui_chat import _browser_secret, chat, conversation_title
from qa.ui_context import I18N, LANG_COOKIE, friendly, request_lang
from qa.ui_documents import remove_document, shelf, status
from qa.ui_examples import EXAMPLES, MAX_EXAMPLES, SEED_EXAMPLES, load_examples
from qa.ui_launch import (
    SESSION_CAPACITY,
    default_concurrency,
    launch,
    launch_kwargs,
    prepare,
    queue_kwargs,
)
from qa.ui_lookup import lookup
from qa.ui_panels import render_notice
from qa.ui_upload import MAX_NAME_CHARS, MAX_UPLOAD_BYTES, add_documents, check_upload, safe_name
from qa.webguard import (
    LOOPBACK_NAMES,
    HostGuard,
    LoginThrottle,
    allowed_hosts,
    is_loopback,
    parse_auth,
    slow_login,
)

__all__ = [
    # the layout (this module)
    "build",
    # handlers
    "add_documents", "ask_json", "chat", "check_history", "check_upload", "citation_json",
    "cite_json", "conversation_title", "friendly", "load_examples", "lookup",
    "remove_document", "request_lang", "safe_name", "search_json", "shelf", "status",
    # serving
    "default_concurrency", "launch", "launch_kwargs", "prepare", "queue_kwargs",
    # settings
    "EXAMPLES", "I18N", "LANG_COOKIE", "MAX_EXAMPLES", "MAX_NAME_CHARS", "MAX_UPLOAD_BYTES",
    "SEED_EXAMPLES", "SESSION_CAPACITY",
    # qa.webguard's, re-exported: qa.ui is where the app's parts live
    "LOOPBACK_NAMES", "HostGuard", "LoginThrottle", "allowed_hosts", "is_loopback",
    "parse_auth", "slow_login",
]


def build(assistant: Assistant, examples: list[str] | None = None) -> gr.Blocks:
    """The chat page and the /chat, /ask, /cite, /search endpoints.

    ``examples`` default to ``load_examples(assistant)`` (QA_EXAMPLES or the seeds').
    """
    examples = load_examples(assistant) if examples is None else examples

    def chat_fn(message: str, history: list, request: gr.Request):
        yield from chat(assistant, message, history, request_lang(request))

    def ask(question: str, history: list[list[str]] | None = None) -> dict:
        """Answer a question from the documents. history: [[question, answer], ...]."""
        return ask_json(assistant, question, history)

    def cite(id: str) -> dict:
        """A paragraph by id ('<document id>:<number>') with its neighbours."""
        return cite_json(assistant, id)

    def search(query: str, k: int = 5, history: list[list[str]] | None = None) -> list[dict]:
        """The k most relevant paragraphs for the query, best first; with history
        ([[question, answer], ...]), for what this turn of the conversation asks."""
        return search_json(assistant, query, k, history)

    with gr.Blocks(title="seedqa") as demo:
        with gr.Row(equal_height=True):
            gr.Markdown(I18N("heading"), elem_id="seedqa-heading")
            lang = gr.Radio([(i18n.LANGUAGE_NAMES[code], code) for code in i18n.LANGUAGES],
                            value=i18n.DEFAULT, label=I18N("language"), elem_id="seedqa-lang",
                            scale=0, min_width=240, container=False)
        header = gr.HTML(status(assistant), elem_id="seedqa-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label=I18N("chat"), elem_id="seedqa-chat", height="68vh", min_height=420,
                    latex_delimiters=[], render=False, autoscroll=False,
                    placeholder=I18N("chat_placeholder"),
                    feedback_options=None, buttons=["copy", "copy_all"],
                )
                chat_ui = gr.ChatInterface(
                    chat_fn, chatbot=chatbot, api_name="chat", examples=examples or None,
                    examples_label=I18N("examples"),
                    textbox=gr.Textbox(placeholder=I18N("question"),
                                       elem_id="seedqa-question", show_label=False,
                                       submit_btn=True, stop_btn=True, render=False),
                    fill_height=False, autofocus=True, save_history=True,
                )
                # Gradio titles a saved conversation by its first user message and shows an
                # untranslated key when that is empty (an empty question was sent first).
                chat_ui._generate_chat_title = conversation_title
                # Gradio's list of saved conversations is 100 px wide: titles wrap per word.
                chat_ui.new_chat_button.parent.min_width = 180
                secret = _browser_secret(assistant)
                if secret:
                    chat_ui.saved_conversations.secret = secret
            with gr.Column(scale=2):
                gr.Markdown(I18N("lookup_heading"))
                with gr.Row():
                    lookup_box = gr.Textbox(
                        label=I18N("paragraph_id"), placeholder="004_7ca57963d029bf3e:4",
                        elem_id="seedqa-lookup-id", scale=4, max_lines=1)
                    lookup_btn = gr.Button(I18N("show"), elem_id="seedqa-lookup-btn", scale=1)
                span_box = gr.Textbox(visible="hidden", elem_id="seedqa-lookup-span")
                lookup_out = gr.HTML(render_notice(i18n.text("en", "lookup_start")),
                                     elem_id="seedqa-lookup")
                with gr.Accordion(I18N("shelf"), open=False, elem_id="seedqa-shelf-panel"):
                    shelf_out = gr.HTML(shelf(assistant), elem_id="seedqa-shelf")
                    remove_box = gr.Textbox(visible="hidden", elem_id="seedqa-remove-id")
                    remove_btn = gr.Button(visible="hidden", elem_id="seedqa-remove-btn")
                    remove_out = gr.HTML(elem_id="seedqa-remove-report")
                with gr.Accordion(I18N("add_documents"), open=False):
                    files = gr.File(label=I18N("files"), file_count="multiple",
                                    file_types=list(SUFFIXES), type="filepath",
                                    elem_id="seedqa-upload")
                    replace_box = gr.Checkbox(False, label=I18N("replace"),
                                              elem_id="seedqa-replace")
                    # Kept server-side, so /add_ui keeps its one argument (the files).
                    replace_state = gr.State(False)
                    add_btn = gr.Button(I18N("add"), elem_id="seedqa-add")
                    upload_out = gr.HTML(elem_id="seedqa-upload-report")

        removed: set[str] = set()  # documents removed from the shelf while serving

        def lookup_cited(pid: str, span: str, request: gr.Request) -> str:
            return lookup(assistant, pid, span, request_lang(request), removed)

        def lookup_ui(pid: str, request: gr.Request) -> str:
            return lookup(assistant, pid, "", request_lang(request), removed)

        def add_ui(items: list | None, replace: bool, request: gr.Request,
                   progress=gr.Progress()) -> tuple[str, str, None, str]:  # noqa: B008
            lang_now = request_lang(request)

            def on_progress(name: str, done: int, total: int) -> None:
                progress((done, max(total, 1)), desc=i18n.text(
                    lang_now, "progress", file=name, done=done, total=total))

            def on_wait(_pid: str) -> None:
                progress(0.0, desc=i18n.text(lang_now, "waiting"))  # a desc shows with a bar

            report = add_documents(assistant, items, lang_now, on_progress, bool(replace),
                                   on_wait)
            removed.difference_update(assistant.catalog.documents)
            return report, status(assistant, lang_now), None, shelf(assistant, lang_now)

        def remove_ui(doc_id: str, request: gr.Request) -> tuple[str, str, str]:
            lang_now = request_lang(request)
            out = remove_document(assistant, doc_id, lang_now)
            if isinstance(doc_id, str) and doc_id.strip() not in assistant.catalog.documents:
                removed.add(doc_id.strip())
            return out, status(assistant, lang_now), shelf(assistant, lang_now)

        def relabel(code: str) -> tuple[str, str, str]:
            code = i18n.lang_of(code)
            return (status(assistant, code), shelf(assistant, code),
                    render_notice(i18n.text(code, "lookup_start")))

        lookup_btn.click(lookup_cited, [lookup_box, span_box], lookup_out,
                         api_visibility="undocumented", show_progress="minimal")
        lookup_box.submit(lookup_ui, lookup_box, lookup_out, api_visibility="undocumented",
                          show_progress="minimal")
        # One ingest at a time (uploads and removals share the slot); answers go on meanwhile.
        replace_box.change(lambda on: bool(on), replace_box, replace_state, queue=False,
                           api_visibility="undocumented")
        add_btn.click(add_ui, [files, replace_state], [upload_out, header, files, shelf_out],
                      api_visibility="undocumented", concurrency_id="ingest",
                      concurrency_limit=1, show_progress_on=upload_out)
        remove_btn.click(remove_ui, remove_box, [remove_out, header, shelf_out],
                         api_visibility="undocumented", concurrency_id="ingest",
                         concurrency_limit=1)
        lang.change(None, lang, None, js=JS_SET_LANG, queue=False,
                    api_visibility="undocumented").then(
            relabel, lang, [header, shelf_out, lookup_out], api_visibility="undocumented")
        lang.input(None, lang, None, js=JS_REMEMBER_LANG, queue=False,
                   api_visibility="undocumented")
        demo.load(None, None, lang, js=JS_DETECT_LANG, api_visibility="undocumented")
        def on_load(request: gr.Request) -> tuple[str, str]:
            code = request_lang(request)
            return status(assistant, code), shelf(assistant, code)

        demo.load(on_load, None, [header, shelf_out], api_visibility="undocumented")
        gr.api(ask, api_name="ask")
        gr.api(cite, api_name="cite")
        gr.api(search, api_name="search")
    return demo
