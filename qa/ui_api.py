"""The JSON API of the app (``/ask``, ``/cite``, ``/search``): the handlers behind
those endpoints, the JSON shape of a citation and the check of a client's chat
history; a bad argument is answered with its ``QAError`` message.
"""

from __future__ import annotations

from qa.assistant import Assistant
from qa.errors import CitationNotFound, QuestionError
from qa.types import Answer, Citation
from qa.ui_context import _uploads, friendly
from qa.ui_messages import history_pairs


def citation_json(c: Citation, uploads: set[str] = frozenset()) -> dict:
    """The fields API clients need of a citation; ``origin`` says whether its document
    is in the collection ("corpus") or was uploaded ("upload", ids in ``uploads``)."""
    return {"id": c.id, "doc_id": c.doc_id, "title": c.title, "date": c.date,
            "paragraph": c.paragraph, "language": c.language, "quote": c.quote,
            "start": c.start, "end": c.end, "text": c.text, "canonical_id": c.canonical_id,
            "section": getattr(c, "section", ""), "page": getattr(c, "page", None),
            "spans": [list(s) for s in getattr(c, "spans", ())],
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


def search_json(assistant: Assistant, query: str, k: int = 5,
                history: list | None = None) -> list[dict]:
    """/search: the k best paragraphs for the query; with history (as for /ask), for what
    this turn of the conversation asks."""
    with friendly():
        # JSON clients may send 3.0 for 3; anything else is left for check_k to refuse.
        k = int(k) if isinstance(k, float) and k.is_integer() else k
        check_history(history)
        hits = assistant.search(query, k=k, history=history_pairs(history))
        uploads = _uploads(assistant)
    return [{**citation_json(h.citation, uploads), "score": round(float(h.score), 6),
             "translations": [citation_json(t, uploads) for t in h.translations]}
            for h in hits]
