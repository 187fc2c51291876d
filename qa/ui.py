"""The browser chat (Gradio): handlers, the Blocks layout and launch settings.

``app.py`` only wires these together. Handlers take the ``Assistant`` as their
first argument so tests can call them directly; ``build`` binds them into a
``gr.Blocks`` with these named API endpoints:

- ``/chat``   streaming chat (message -> HTML message; the session keeps the history)
- ``/ask``    question, history -> answer JSON
- ``/cite``   paragraph id -> paragraph JSON (``{"found": false, "error": ...}`` if unknown)
- ``/search`` query, k -> list of hits JSON

The chat handler never raises: a bad question or a failing backend becomes a
message in the chat, so the textbox stays usable and the conversation visible
(an exception inside Gradio's streaming chat locks the textbox until reload).
The API endpoints answer a bad argument with its ``QAError`` message.

Settings read from the environment (besides the core's ``QA_*``):
``GRADIO_SERVER_NAME``/``GRADIO_SERVER_PORT``, ``QA_AUTH=user:password``,
``QA_CONCURRENCY`` (answers run at once), ``QA_SESSION_CAPACITY`` (sessions kept in
memory), ``QA_ALLOWED_HOSTS`` (Host names accepted, comma-separated; ``*`` = any)
and ``QA_EXAMPLES`` (a .json list or a text file of example questions).
"""

from __future__ import annotations

import html
import inspect
import json
import logging
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# qa/__init__.py (always imported before this module) has turned Gradio analytics off.
import gradio as gr
from starlette.middleware import Middleware

from qa import i18n
from qa.assistant import Assistant
from qa.config import PROJECT_ROOT, setup_logging
from qa.corpus import SUFFIXES, parse_bytes
from qa.errors import CitationNotFound, ConfigError, CorpusError, QAError, QuestionError
from qa.types import Answer, Citation
from qa.ui_render import (
    CSS,
    JS,
    JS_DETECT_LANG,
    JS_REMEMBER_LANG,
    JS_SET_LANG,
    history_pairs,
    link_label,
    message_text,
    parse_span,
    render_answer,
    render_error,
    render_lookup,
    render_notice,
    render_partial,
    render_shelf,
    render_status,
    render_upload,
)
from qa.webguard import (  # noqa: F401  (re-exported: qa.ui is where the app's parts live)
    LOOPBACK_NAMES,
    HostGuard,
    LoginThrottle,
    allowed_hosts,
    is_loopback,
    parse_auth,
    slow_login,
)

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_NAME_CHARS = 80
# The seed collection's examples: shown when the corpus is the default seeds/ and
# QA_EXAMPLES is unset (another collection gets none unless configured).
SEED_EXAMPLES = [
    "Where did Tô Lâm and Tokayev hold talks?",
    "Tổng Bí thư Tô Lâm hội đàm với Tổng thống Kazakhstan ở đâu?",
    "When did Vietnam and Kazakhstan establish diplomatic relations?",
    "Việt Nam và New Zealand nâng cấp quan hệ lên mức nào?",
]
EXAMPLES = SEED_EXAMPLES  # the name earlier versions exported
MAX_EXAMPLES = 20  # more would push the chat box off screen
# Translated component labels (the browser picks them by its language or the switch).
I18N = gr.I18n(**i18n.LABELS)
LANG_COOKIE = "seedqa_lang"
# Sessions whose state Gradio keeps in memory (chat history per browser tab or client).
# Issue 12's soak measured ~77 KB per session (RSS 320 -> 708 MB over ~5,000 sessions),
# so 1,000 sessions bound that state near 80 MB; Gradio's default is 10,000.
SESSION_CAPACITY = 1000
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


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


# --- handlers -------------------------------------------------------------------------------

def _labels(assistant: Assistant, ids, lang: str = "en") -> dict[str, str]:
    """Readable link labels (`title — ¶n`) for paragraph ids that exist."""
    paragraphs = assistant.catalog.paragraphs
    return {pid: link_label(paragraphs[pid], lang) for pid in ids if pid in paragraphs}


def _uploads(assistant: Assistant) -> set[str]:
    """Ids of the documents that came in as uploads."""
    return {d.id for d in assistant.documents() if d.origin == "upload"}


def _answer_html(assistant: Assistant, answer: Answer, lang: str) -> str:
    ids = {pid for c in answer.citations for pid in c.parallel}
    return render_answer(answer, lang, labels=_labels(assistant, ids, lang),
                         uploads=_uploads(assistant))


def chat(assistant: Assistant, message: str, history: list | None,
         lang: str = "en") -> Iterator[str]:
    """Stream one chat turn as HTML: the growing text, then the final answer with sources.

    Never raises: a question the core refuses (empty, too long, not text) or a
    failing backend ends the turn with a message saying why.
    """
    text = ""
    try:
        for item in assistant.ask_stream(message, history=history_pairs(history)):
            if isinstance(item, Answer):
                yield _answer_html(assistant, item, lang)
            else:
                text += item
                yield render_partial(text)
    except QAError as exc:
        yield render_error(str(exc), lang)
    except Exception as exc:
        # The one place an unexpected error is caught: raised here it would lock the
        # chat's textbox until the page is reloaded (and lose the conversation).
        log.exception("the chat handler failed")
        yield render_error(i18n.text(lang, "internal_error", kind=type(exc).__name__), lang)


def citation_json(c: Citation, uploads: set[str] = frozenset()) -> dict:
    """The fields API clients need of a citation; ``origin`` says whether its document
    is in the collection ("corpus") or was uploaded ("upload", ids in ``uploads``)."""
    return {"id": c.id, "doc_id": c.doc_id, "title": c.title, "date": c.date,
            "paragraph": c.paragraph, "language": c.language, "quote": c.quote,
            "start": c.start, "end": c.end, "text": c.text, "canonical_id": c.canonical_id,
            "section": getattr(c, "section", ""), "page": getattr(c, "page", None),
            "origin": "upload" if c.doc_id in uploads else "corpus"}


def check_history(history: object) -> object:
    """The history if it has a usable shape, else ``QuestionError`` saying what is wanted.

    Accepted: None, a list of [question, answer] pairs of text, or of chat messages
    (dicts with a "role" of user/assistant/system).
    """
    want = ("history must be a list of [question, answer] pairs of text, or of "
            "{'role': ..., 'content': ...} messages")
    if history is None:
        return None
    if not isinstance(history, (list, tuple)):
        raise QuestionError(f"{want}; got {type(history).__name__}")
    for i, turn in enumerate(history):
        if isinstance(turn, dict):
            if turn.get("role") not in ("user", "assistant", "system"):
                raise QuestionError(f"{want}; item {i} has no role user/assistant/system")
        elif isinstance(turn, (list, tuple)):
            if len(turn) != 2 or not all(x is None or isinstance(x, str) for x in turn):
                raise QuestionError(f"{want}; item {i} is not a [question, answer] pair")
        else:
            raise QuestionError(f"{want}; item {i} is {type(turn).__name__}")
    return history


def _markers_json(a: Answer) -> list[list[int]]:
    return [list(m) for m in getattr(a, "markers", ()) or ()]


def ask_json(assistant: Assistant, question: str, history: list | None = None) -> dict:
    """/ask: the answer as JSON; history is [[question, answer], ...] or chat messages."""
    with friendly():
        check_history(history)
        a = assistant.ask(question, history=history_pairs(history))
        uploads = _uploads(assistant)
    out = {"question": a.question, "text": a.text, "answered": a.answered,
           "citations": [citation_json(c, uploads) for c in a.citations],
           "related": [citation_json(c, uploads) for c in a.related],
           "backend": a.backend, "note": a.note, "seconds": round(a.seconds, 4)}
    if hasattr(a, "markers"):
        out["markers"] = _markers_json(a)  # [start, end, n]: the only markers to link
    return out


def cite_json(assistant: Assistant, pid: str) -> dict:
    """/cite: the paragraph and its neighbours, or ``{"found": false, "error": ...}``."""
    try:
        c = assistant.cite(pid)
        neighbours = assistant.catalog.neighbours(c.id, radius=1)
    except CitationNotFound as exc:
        return {"found": False, "id": pid if isinstance(pid, str) else None, "error": str(exc)}
    with friendly():
        uploads = _uploads(assistant)
    out = {"found": True, **citation_json(c, uploads)}
    out["neighbours"] = [{"id": p.id, "paragraph": p.number, "text": p.text}
                         for p in neighbours if p.id != c.id]
    return out


def search_json(assistant: Assistant, query: str, k: int = 5) -> list[dict]:
    """/search: the k best paragraphs for the query."""
    with friendly():
        # JSON clients may send 3.0 for 3; anything else is left for check_k to refuse.
        k = int(k) if isinstance(k, float) and k.is_integer() else k
        hits = assistant.search(query, k=k)
        uploads = _uploads(assistant)
    return [{**citation_json(h.citation, uploads), "score": round(float(h.score), 6)}
            for h in hits]


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


def safe_name(name: str) -> str:
    """A file name reduced to its base name in safe characters (may come back empty).

    Directory parts (either slash) are dropped, accents are folded to ASCII,
    anything outside ``A-Z a-z 0-9 . _ -`` becomes ``_``, and leading dots go,
    so the result cannot leave the uploads folder or hide from the indexer.
    """
    base = re.split(r"[\\/]", str(name))[-1]
    base = base.replace("đ", "d").replace("Đ", "D")
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = _UNSAFE.sub("_", stem).strip("._-")[:MAX_NAME_CHARS].rstrip("._-")
    ext = _UNSAFE.sub("", ext).lower()
    return f"{stem}.{ext}" if stem and ext else stem


def check_upload(path: Path, name: str, taken: set[str]) -> tuple[str, str | None]:
    """(safe file name, None) if the file may be added, else (name, reason)."""
    clean = safe_name(name)
    stem, suffix = Path(clean).stem, Path(clean).suffix
    if suffix not in SUFFIXES:
        return name, (f"wrong file type {Path(name).suffix or '(none)'!r}; use one of "
                      f"{', '.join(SUFFIXES)}")
    if not stem:
        return name, "the name has no usable characters; rename the file"
    if stem.casefold() in taken:
        return name, (f"a document with id {stem!r} already exists; rename the file to "
                      "add it as a new document")
    try:
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            return name, f"file is {size / 2**20:.1f} MB; the limit is 10 MB per file"
        raw = path.read_bytes()
    except OSError as exc:
        return name, f"cannot read the upload ({exc.strerror or exc})"
    if not raw.strip():
        return name, "file is empty"
    if suffix not in (".pdf",):
        if b"\x00" in raw:
            return name, "binary file (contains NUL bytes), not text"
        try:
            raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return name, f"not UTF-8 text (invalid byte at offset {exc.start}); re-save as UTF-8"
    try:
        parse_bytes(stem, raw, suffix)
    except CorpusError as exc:
        return name, str(exc)
    return clean, None


def _taken_ids(assistant: Assistant, replace: bool = False) -> set[str]:
    """Document ids a new upload may not use (casefolded); with ``replace``, earlier
    uploads may be overwritten, corpus documents never."""
    taken = {d.casefold() for d in assistant.catalog.documents}
    for folder in assistant.folders:
        if folder.is_dir():
            taken |= {p.stem.casefold() for p in folder.iterdir()
                      if p.suffix.lower() in SUFFIXES}
    if replace:
        corpus = Path(assistant.config.corpus_dir)
        in_corpus = ({p.stem.casefold() for p in corpus.iterdir()
                      if p.suffix.lower() in SUFFIXES} if corpus.is_dir() else set())
        taken -= {d.casefold() for d in _uploads(assistant)} - in_corpus
    return taken


def _upload_path_and_name(item) -> tuple[Path, str]:
    # Gradio passes file paths (type="filepath"); FileData-like objects have .path/.name.
    if isinstance(item, dict):
        path = item.get("path") or item.get("name")
        return Path(path), item.get("orig_name") or Path(path).name
    path = getattr(item, "path", None) or getattr(item, "name", None) or item
    return Path(str(path)), Path(str(path)).name


def add_documents(assistant: Assistant, files: list | None, lang: str = "en",
                  on_progress=None, replace: bool = False) -> str:
    """Copy valid uploads into ``uploads_dir`` and ingest; HTML report.

    Every file is checked first (type, name collision, size, empty, binary,
    UTF-8, parseable); files are written under a hidden temporary name and
    renamed, then one incremental ingest adds them (``on_progress(file, done,
    total)`` while embedding). With ``replace``, a file named like an earlier
    upload replaces it (re-indexed incrementally). Nothing else indexed before is
    touched; if the ingest fails, the new files are removed again, replaced ones
    restored, and the error is shown.
    """
    accepted: list[tuple[str, Path]] = []
    rejected: list[tuple[str, str]] = []
    taken = _taken_ids(assistant, replace)
    for item in files or []:
        path, name = _upload_path_and_name(item)
        clean, why = check_upload(path, name, taken)
        if why:
            rejected.append((name, why))
            continue
        taken.add(Path(clean).stem.casefold())
        accepted.append((clean, path))
    if not accepted:
        return render_upload([], rejected, None, lang)
    folder = assistant.uploads_dir
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    kept: list[tuple[Path, Path]] = []  # (hidden copy of a replaced upload, its place)
    kwargs = {}
    if on_progress is not None and "on_progress" in inspect.signature(
            assistant.ingest).parameters:
        kwargs["on_progress"] = on_progress
    try:
        for clean, source in accepted:
            target = folder / clean
            tmp = folder / f".{clean}.part"
            shutil.copyfile(source, tmp)
            for old in folder.iterdir():  # the upload this one replaces (any suffix)
                if old.is_file() and old.stem.casefold() == target.stem.casefold() and \
                        not old.name.startswith("."):
                    hidden = folder / f".{old.name}.old"
                    os.replace(old, hidden)
                    kept.append((hidden, old))
            os.replace(tmp, target)
            written.append(target)
        with friendly():
            report = assistant.ingest(**kwargs)
    except BaseException:
        for target in written:
            target.unlink(missing_ok=True)
        for hidden, place in kept:
            os.replace(hidden, place)
        raise
    for hidden, _ in kept:
        hidden.unlink(missing_ok=True)
    docs = assistant.catalog.documents
    done = [(Path(clean).stem, len(docs.get(Path(clean).stem, ()))) for clean, _ in accepted]
    replaced = {place.stem for _, place in kept}
    return render_upload(done, rejected, report, lang, replaced=replaced)


def load_examples(assistant: Assistant, env: dict | None = None) -> list[str]:
    """Example questions: from QA_EXAMPLES (a .json list of strings, or a text file with
    one question per line, '#' comments), else the seed examples for the default seeds/
    collection, else none."""
    env = os.environ if env is None else env
    value = (env.get("QA_EXAMPLES") or "").strip()
    if not value:
        corpus = Path(assistant.config.corpus_dir).resolve()
        defaults = {(PROJECT_ROOT / "seeds").resolve(),
                    (Path(__file__).resolve().parent / "seeds").resolve()}
        return list(SEED_EXAMPLES) if corpus in defaults else []
    path = Path(value).expanduser()
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"QA_EXAMPLES={value!r}: cannot read it ({exc}); give a .json list "
                          "of questions or a UTF-8 text file with one question per line") from exc
    if path.suffix.lower() == ".json":
        try:
            items = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"QA_EXAMPLES={value!r} is not valid JSON ({exc}); write a list "
                              'of strings, e.g. ["First question?", "Second?"]') from exc
        if not isinstance(items, list) or not all(isinstance(q, str) for q in items):
            raise ConfigError(f"QA_EXAMPLES={value!r} must hold a JSON list of strings")
    else:
        items = [line for line in raw.splitlines() if not line.lstrip().startswith("#")]
    questions = [" ".join(q.split()) for q in items if q.strip()]
    return questions[:MAX_EXAMPLES]


def conversation_title(conversation: list) -> str:
    """The title of a saved conversation: its first non-empty question, cut at 40 characters."""
    for role in ("user", "assistant"):
        for message in conversation or []:
            if isinstance(message, dict) and message.get("role") == role:
                text = " ".join(message_text(message.get("content")).split())
                if text:
                    return text if len(text) <= 40 else text[:40].rstrip() + "…"
    return "…"


def _browser_secret(assistant: Assistant) -> str | None:
    """A key for the saved conversations in the browser that survives restarts.

    Kept in the data folder (owner-only); None (Gradio's per-start key: saved
    conversations then last until the app restarts) if it cannot be written.
    """
    path = Path(assistant.config.data_dir) / "browser-state.key"
    try:
        if path.is_file():
            key = path.read_text(encoding="ascii").strip()
            if len(key) >= 16:
                return key
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(24)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(key)
        return key
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("cannot keep the browser-state key in %s (%s); saved conversations "
                    "will not survive a restart", path, exc)
        return None


# --- app ------------------------------------------------------------------------------------

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

    def search(query: str, k: int = 5) -> list[dict]:
        """The k most relevant paragraphs for the query, best first."""
        return search_json(assistant, query, k)

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

            report = add_documents(assistant, items, lang_now, on_progress, bool(replace))
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


# --- launch ---------------------------------------------------------------------------------

def _positive_int(env: dict, name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{name}={raw!r}: use a whole number of at least 1")
    return value


def default_concurrency() -> int:
    """Answers run at once by default: Python's thread-pool default, min(32, cores + 4)
    (concurrent.futures.ThreadPoolExecutor): CPU-bound offline answers share the cores,
    LLM answers mostly wait on the network."""
    return min(32, (os.cpu_count() or 1) + 4)


def queue_kwargs(env: dict | None = None) -> dict:
    """Settings for ``Blocks.queue``: QA_CONCURRENCY answers at once (default sized to
    the machine)."""
    env = os.environ if env is None else env
    return {"default_concurrency_limit": _positive_int(env, "QA_CONCURRENCY",
                                                       default_concurrency())}


def launch_kwargs(env: dict | None = None) -> dict:
    """Settings for ``Blocks.launch``: loopback by default, optional login, no outbound calls."""
    env = os.environ if env is None else env
    try:
        port = int(env.get("GRADIO_SERVER_PORT") or 7860)
    except ValueError as exc:
        raise ConfigError("GRADIO_SERVER_PORT must be a port number") from exc
    server_name = env.get("GRADIO_SERVER_NAME") or "127.0.0.1"
    hosts = allowed_hosts(env.get("QA_ALLOWED_HOSTS"), server_name)
    queue_kwargs(env)  # a bad QA_CONCURRENCY fails here, before the index work
    guard = Middleware(HostGuard, allowed=hosts, check_uploads=not is_loopback(server_name))
    return {
        "server_name": server_name,
        "server_port": port,
        "auth": parse_auth(env.get("QA_AUTH")),
        "auth_message": "seedqa: sign in with the QA_AUTH user and password",
        "share": False,
        "ssr_mode": False,
        "pwa": False,
        "mcp_server": False,
        "enable_monitoring": False,
        "max_file_size": MAX_UPLOAD_BYTES,
        "footer_links": ["api"],
        "css": CSS,
        "js": JS,
        "i18n": I18N,
        "state_session_capacity": _positive_int(env, "QA_SESSION_CAPACITY", SESSION_CAPACITY),
        "app_kwargs": {"middleware": [guard]},
    }


def prepare(assistant: Assistant, out=print) -> None:
    """Open (or build) the index before serving, reporting progress on the console."""
    setup_logging()
    cfg = assistant.config
    out(f"seedqa: corpus {cfg.corpus_dir} (+ uploads in {assistant.uploads_dir}); "
        f"index in {cfg.chroma_host or cfg.data_dir}", flush=True)
    out("seedqa: checking the index (a first run embeds every paragraph)…", flush=True)
    report = assistant.ingest(progress=True)
    out(f"seedqa: index ready in {report.seconds:.1f} s: {report.documents} documents, "
        f"{report.paragraphs} paragraphs ({report.embedded} embedded, {report.unchanged} "
        f"unchanged); answers by {assistant.backend}", flush=True)
    for skipped in report.skipped_files:
        out(f"seedqa: skipped {skipped}", flush=True)


def launch(demo: gr.Blocks, **overrides):
    """Serve ``demo`` (queue on); ``overrides`` win over ``launch_kwargs()``.

    A (user, password) login is checked through ``slow_login`` (slowed after failures).
    """
    kwargs = {**launch_kwargs(), **overrides}
    auth = kwargs.get("auth")
    if isinstance(auth, tuple):
        print(f"seedqa: login required (user {auth[0]!r}, from QA_AUTH)", flush=True)
        kwargs["auth"] = slow_login(*auth)
    return demo.queue(**queue_kwargs()).launch(**kwargs)
