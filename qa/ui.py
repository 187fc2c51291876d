"""The browser chat (Gradio): handlers, the Blocks layout and launch settings.

``app.py`` only wires these together. Handlers take the ``Assistant`` as their
first argument so tests can call them directly; ``build`` binds them into a
``gr.Blocks`` with these named API endpoints:

- ``/chat``   streaming chat (message -> HTML message; the session keeps the history)
- ``/ask``    question, history -> answer JSON
- ``/cite``   paragraph id -> paragraph JSON (``{"found": false, "error": ...}`` if unknown)
- ``/search`` query, k -> list of hits JSON
"""

import html
import os
import re
import shutil
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# qa/__init__.py (always imported before this module) has turned Gradio analytics off.
import gradio as gr

from qa.assistant import Assistant
from qa.config import setup_logging
from qa.corpus import SUFFIXES, parse_document
from qa.errors import CitationNotFound, ConfigError, CorpusError, QAError
from qa.types import Answer, Citation
from qa.ui_render import (
    CSS,
    JS,
    history_pairs,
    render_answer,
    render_lookup,
    render_notice,
    render_partial,
    render_status,
    render_upload,
)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_NAME_CHARS = 80
EXAMPLES = [
    "What trade target did Vietnam and New Zealand set?",
    "Tổng Bí thư Tô Lâm hội đàm với Tổng thống Kazakhstan ở đâu?",
    "When did Vietnam and Kazakhstan establish diplomatic relations?",
    "Việt Nam và New Zealand nâng cấp quan hệ lên mức nào?",
]
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


# --- handlers -------------------------------------------------------------------------------

def chat(assistant: Assistant, message: str, history: list | None) -> Iterator[str]:
    """Stream one chat turn as HTML: the growing text, then the final answer with sources."""
    text = ""
    with friendly():
        for item in assistant.ask_stream(message, history=history_pairs(history)):
            if isinstance(item, Answer):
                yield render_answer(item)
            else:
                text += item
                yield render_partial(text)


def citation_json(c: Citation) -> dict:
    """The fields API clients need of a citation."""
    return {"id": c.id, "doc_id": c.doc_id, "title": c.title, "date": c.date,
            "paragraph": c.paragraph, "language": c.language, "quote": c.quote,
            "start": c.start, "end": c.end, "text": c.text, "canonical_id": c.canonical_id}


def ask_json(assistant: Assistant, question: str, history: list | None = None) -> dict:
    """/ask: the answer as JSON; history is [[question, answer], ...] or chat messages."""
    with friendly():
        a = assistant.ask(question, history=history_pairs(history))
    return {"question": a.question, "text": a.text, "answered": a.answered,
            "citations": [citation_json(c) for c in a.citations],
            "related": [citation_json(c) for c in a.related],
            "backend": a.backend, "note": a.note, "seconds": round(a.seconds, 4)}


def cite_json(assistant: Assistant, pid: str) -> dict:
    """/cite: the paragraph and its neighbours, or ``{"found": false, "error": ...}``."""
    try:
        c = assistant.cite(pid)
        neighbours = assistant.catalog.neighbours(c.id, radius=1)
    except CitationNotFound as exc:
        return {"found": False, "id": pid if isinstance(pid, str) else None, "error": str(exc)}
    out = {"found": True, **citation_json(c)}
    out["neighbours"] = [{"id": p.id, "paragraph": p.number, "text": p.text}
                         for p in neighbours if p.id != c.id]
    return out


def search_json(assistant: Assistant, query: str, k: int = 5) -> list[dict]:
    """/search: the k best paragraphs for the query."""
    with friendly():
        # JSON clients may send 3.0 for 3; anything else is left for check_k to refuse.
        k = int(k) if isinstance(k, float) and k.is_integer() else k
        hits = assistant.search(query, k=k)
    return [{**citation_json(h.citation), "score": round(float(h.score), 6)} for h in hits]


def lookup(assistant: Assistant, pid: str) -> str:
    """The lookup panel: a paragraph with its neighbours, or a friendly message."""
    pid = (pid or "").strip()
    if not pid:
        return render_notice("Type a paragraph id such as 004_7ca57963d029bf3e:4, "
                             "or click a source under an answer.")
    try:
        c = assistant.cite(pid)
        neighbours = assistant.catalog.neighbours(c.id, radius=1)
        size = len(assistant.catalog.documents.get(c.doc_id, ()))
    except CitationNotFound as exc:
        return render_notice(f"No such paragraph: {exc}.")
    return render_lookup(c, neighbours, size)


def status(assistant: Assistant) -> str:
    """Header line: backend and corpus size."""
    cat = assistant.catalog
    return render_status(assistant.backend, len(cat.documents), len(cat))


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
        return name, f"wrong file type {Path(name).suffix or '(none)'!r}; only .txt and .md"
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
    if b"\x00" in raw:
        return name, "binary file (contains NUL bytes), not text"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return name, f"not UTF-8 text (invalid byte at offset {exc.start}); re-save as UTF-8"
    try:
        parse_document(stem, text)
    except CorpusError as exc:
        return name, str(exc)
    return clean, None


def _taken_ids(assistant: Assistant) -> set[str]:
    taken = {d.casefold() for d in assistant.catalog.documents}
    for folder in assistant.folders:
        if folder.is_dir():
            taken |= {p.stem.casefold() for p in folder.iterdir()
                      if p.suffix.lower() in SUFFIXES}
    return taken


def _upload_path_and_name(item) -> tuple[Path, str]:
    # Gradio passes file paths (type="filepath"); FileData-like objects have .path/.name.
    if isinstance(item, dict):
        path = item.get("path") or item.get("name")
        return Path(path), item.get("orig_name") or Path(path).name
    path = getattr(item, "path", None) or getattr(item, "name", None) or item
    return Path(str(path)), Path(str(path)).name


def add_documents(assistant: Assistant, files: list | None) -> str:
    """Copy valid .txt/.md uploads into ``uploads_dir`` and ingest; HTML report.

    Every file is checked first (type, name collision, size, empty, binary,
    UTF-8); files are written under a hidden temporary name and renamed, then
    one incremental ingest adds them. Nothing indexed before is touched; if the
    ingest fails, the new files are removed again (the next ingest drops any
    half-added paragraph) and the error is shown.
    """
    accepted: list[tuple[str, Path]] = []
    rejected: list[tuple[str, str]] = []
    taken = _taken_ids(assistant)
    for item in files or []:
        path, name = _upload_path_and_name(item)
        clean, why = check_upload(path, name, taken)
        if why:
            rejected.append((name, why))
            continue
        taken.add(Path(clean).stem.casefold())
        accepted.append((clean, path))
    if not accepted:
        return render_upload([], rejected, None)
    folder = assistant.uploads_dir
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for clean, source in accepted:
            target = folder / clean
            tmp = folder / f".{clean}.part"
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
            written.append(target)
        with friendly():
            report = assistant.ingest()
    except BaseException:
        for target in written:
            target.unlink(missing_ok=True)
        raise
    docs = assistant.catalog.documents
    done = [(Path(clean).stem, len(docs.get(Path(clean).stem, ()))) for clean, _ in accepted]
    return render_upload(done, rejected, report)


# --- app ------------------------------------------------------------------------------------

def build(assistant: Assistant) -> gr.Blocks:
    """The chat page and the /chat, /ask, /cite, /search endpoints."""

    def chat_fn(message: str, history: list):
        yield from chat(assistant, message, history)

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
        gr.Markdown("## seedqa: answers from your documents, with paragraph citations")
        header = gr.HTML(status(assistant), elem_id="seedqa-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Chat", elem_id="seedqa-chat", height="68vh", min_height=420,
                    latex_delimiters=[],
                    render=False,
                    placeholder="Ask a question in English or Vietnamese. Every answer cites "
                                "the paragraphs it comes from; click a source to read it.",
                    feedback_options=None, buttons=["copy"],
                )
                gr.ChatInterface(
                    chat_fn, chatbot=chatbot, api_name="chat", examples=EXAMPLES,
                    examples_label="Examples (English / Tiếng Việt)",
                    textbox=gr.Textbox(placeholder="Ask about the documents…",
                                       elem_id="seedqa-question", show_label=False,
                                       submit_btn=True, stop_btn=True, render=False),
                    fill_height=False, autofocus=True,
                )
            with gr.Column(scale=2):
                gr.Markdown("### Paragraph lookup")
                with gr.Row():
                    lookup_box = gr.Textbox(
                        label="Paragraph id", placeholder="004_7ca57963d029bf3e:4",
                        elem_id="seedqa-lookup-id", scale=4, max_lines=1)
                    lookup_btn = gr.Button("Show", elem_id="seedqa-lookup-btn", scale=1)
                lookup_out = gr.HTML(
                    render_notice("Click a source under an answer, or type a paragraph id."),
                    elem_id="seedqa-lookup")
                with gr.Accordion("Add documents (.txt / .md)", open=False):
                    files = gr.File(label="Files", file_count="multiple",
                                    file_types=list(SUFFIXES), type="filepath",
                                    elem_id="seedqa-upload")
                    add_btn = gr.Button("Add to the corpus", elem_id="seedqa-add")
                    upload_out = gr.HTML(elem_id="seedqa-upload-report")

        def lookup_ui(pid: str) -> str:
            return lookup(assistant, pid)

        def add_ui(items: list | None) -> tuple[str, str, None]:
            return add_documents(assistant, items), status(assistant), None

        for trigger in (lookup_btn.click, lookup_box.submit):
            trigger(lookup_ui, lookup_box, lookup_out, api_visibility="undocumented",
                    show_progress="minimal")
        add_btn.click(add_ui, files, [upload_out, header, files],
                      api_visibility="undocumented", concurrency_id="ingest")
        demo.load(lambda: status(assistant), None, header, api_visibility="undocumented")
        gr.api(ask, api_name="ask")
        gr.api(cite, api_name="cite")
        gr.api(search, api_name="search")
    return demo


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """QA_AUTH=user:password -> (user, password); unset or empty -> no login."""
    if value is None or not value.strip():
        return None
    user, sep, password = value.strip().partition(":")
    if not sep or not user or not password:
        raise ConfigError("QA_AUTH must look like user:password (both non-empty)")
    return user, password


def launch_kwargs(env: dict | None = None) -> dict:
    """Settings for ``Blocks.launch``: loopback by default, optional login, no outbound calls."""
    env = os.environ if env is None else env
    try:
        port = int(env.get("GRADIO_SERVER_PORT") or 7860)
    except ValueError as exc:
        raise ConfigError("GRADIO_SERVER_PORT must be a port number") from exc
    return {
        "server_name": env.get("GRADIO_SERVER_NAME") or "127.0.0.1",
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
    """Serve ``demo`` (queue on); ``overrides`` win over ``launch_kwargs()``."""
    kwargs = {**launch_kwargs(), **overrides}
    if kwargs.get("auth"):
        print(f"seedqa: login required (user {kwargs['auth'][0]!r}, from QA_AUTH)", flush=True)
    return demo.queue().launch(**kwargs)
