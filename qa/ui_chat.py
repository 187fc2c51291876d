"""The chat handler and the chat's saved conversations: ``chat`` streams one turn as
HTML and never raises (a bad question or a failing backend becomes a message in
the chat, since an exception inside Gradio's streaming chat locks the textbox until
reload); ``conversation_title`` names a saved conversation and the browser-state
key keeps saved conversations readable across restarts.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from qa import i18n
from qa.assistant import Assistant
from qa.errors import QAError
from qa.types import Answer
from qa.ui_context import _labels, _uploads
from qa.ui_messages import history_pairs, message_text, render_answer, render_error, render_partial

# The logger these lines were always written under (log output shows its name).
log = logging.getLogger("qa.ui")


def _answer_html(assistant: Assistant, answer: Answer, lang: str, typed: str = "") -> str:
    ids = {pid for c in answer.citations for pid in c.parallel}
    return render_answer(answer, lang, labels=_labels(assistant, ids, lang),
                         uploads=_uploads(assistant), typed=typed)


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
                yield _answer_html(assistant, item, lang, typed=message)
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
