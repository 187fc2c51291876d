"""Serving the app: the settings of ``Blocks.queue`` and ``Blocks.launch`` read from
the environment (``GRADIO_SERVER_NAME``/``GRADIO_SERVER_PORT``,
``QA_AUTH=user:password``, ``QA_CONCURRENCY`` answers at once,
``QA_SESSION_CAPACITY`` sessions kept in memory, ``QA_ALLOWED_HOSTS`` Host names
accepted), the index check before serving, and the launch itself with its Host
guard and slowed login.
"""

from __future__ import annotations

import os
import threading

import gradio as gr
from starlette.middleware import Middleware

from qa.assistant import Assistant
from qa.config import setup_logging
from qa.errors import ConfigError, QAError
from qa.ui_assets import CSS, JS
from qa.ui_context import I18N
from qa.ui_upload import MAX_UPLOAD_BYTES
from qa.webguard import HostGuard, allowed_hosts, is_loopback, parse_auth, slow_login

# Sessions whose state Gradio keeps in memory (chat history per browser tab or client).
# Issue 12's soak measured ~77 KB per session (RSS 320 -> 708 MB over ~5,000 sessions),
# so 1,000 sessions bound that state near 80 MB; Gradio's default is 10,000.
SESSION_CAPACITY = 1000


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


def prepare(assistant: Assistant, out=print) -> threading.Thread | None:
    """Open (or build) the index before serving, reporting progress on the console.

    A first run builds the index before the page is served (there is nothing to answer
    from yet). A restart over an existing index serves it at once and brings it up to
    date with the corpus folder in a background thread: readers keep answering from the
    current version while an ingest writes the next one, and switch when it is complete.
    Returns that thread (None when the index was built here).
    """
    setup_logging()
    cfg = assistant.config
    out(f"seedqa: corpus {cfg.corpus_dir} (+ uploads in {assistant.uploads_dir}); "
        f"index in {cfg.chroma_host or cfg.data_dir}", flush=True)
    existing = assistant.open_index()
    if existing:
        out(f"seedqa: serving the existing index ({len(existing)} documents); checking the "
            "corpus for changes in the background", flush=True)
        worker = threading.Thread(target=_refresh, args=(assistant, out),
                                  name="seedqa-refresh", daemon=True)
        worker.start()
        return worker
    out("seedqa: checking the index (a first run embeds every paragraph)…", flush=True)
    _report(assistant, assistant.ingest(progress=True), out)
    return None


def _refresh(assistant: Assistant, out) -> None:
    try:
        report = assistant.ingest(progress=False)
    except QAError as exc:  # the current index keeps serving; say why it is not updated
        out(f"seedqa: the index was not updated: {exc}", flush=True)
        return
    _report(assistant, report, out)


def _report(assistant: Assistant, report, out) -> None:
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
