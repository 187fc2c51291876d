"""`seedqa eval FILE.jsonl`: search recall, citation hit and precision, answer accuracy,
refusals, latency — for any system with ``ask(question, history=None)`` and
``search(query, k)`` (``qa.Assistant`` or a baseline in ``bench/baselines.py``).

An item is one JSON object a line: ``question``, ``lang``, ``answerable``,
``must_include`` (groups that must all appear in the answer; ``|`` separates
alternatives), ``evidence`` (strings; a paragraph containing one of them is evidence),
optional ``id``, ``kind`` and ``context`` (the previous question of a follow-up).
Text is compared after ``qa.text.fold`` and whitespace collapsing.

A split file (``eval/splits.json``) maps an eval file, by its path relative to the
split file, to ``{"fit": [ids], "report": [ids]}``.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from qa.errors import ConfigError
from qa.text import INLINE_CODE, fold

SEARCH_K = 5  # recall@5: the measure issue 11 reports
SPLITS = ("fit", "report")


def load_items(path: Path | str) -> list[dict]:
    """Items of an eval file (one JSON object a line, as in the dev set)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read eval file {path}: {exc}; pass a JSONL file with "
                          "question, lang, answerable, must_include and evidence fields") from exc


def split_ids(splits_path: Path | str, eval_file: Path | str, split: str) -> set[str]:
    """Ids of the items of ``eval_file`` in ``split`` ("fit" or "report") of a split file.

    The split file names eval files by their path relative to its own folder; a file
    elsewhere is matched by the longest key that ends its path.
    """
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    try:
        table = json.loads(Path(splits_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read split file {splits_path}: {exc}; pass a JSON file "
                          'like eval/splits.json ({"<eval file>": {"fit": [...], '
                          '"report": [...]}})') from exc
    target = Path(eval_file).resolve()
    base = Path(splits_path).resolve().parent
    keys = [k for k, v in table.items() if isinstance(v, dict)]
    exact = [k for k in keys if (base / k).resolve() == target]
    suffix = sorted((k for k in keys if target.as_posix().endswith("/" + k.lstrip("/"))),
                    key=len, reverse=True)
    key = (exact or suffix or [None])[0]
    if key is None:
        raise ConfigError(f"{splits_path} has no split for {eval_file}; it lists "
                          f"{', '.join(keys) or 'nothing'} (paths relative to the split file)")
    ids = table[key].get(split)
    if not isinstance(ids, list):
        raise ConfigError(f"{splits_path}: {key!r} has no {split!r} list of ids")
    return {str(i) for i in ids}


def select(items: Iterable[dict], ids: set[str]) -> list[dict]:
    """The items whose id is in ``ids``, in file order."""
    return [item for item in items if str(item.get("id")) in ids]


# Evaluation only, not the product: the dev sets' evidence and must_include strings
# spell the country "Vietnam" and "Việt Nam" as their documents happen to; a match
# should not depend on which. (The product matches compounds written apart or together
# by a general rule: qa.scoring._folded.)
_SPELLING = re.compile(r"\bvi[eệ]t\s+nam\b")


def contains(text: str, needle: str) -> bool:
    """``needle`` occurs in ``text`` after folding case/Unicode and collapsing whitespace."""
    def norm(x: str) -> str:
        return " ".join(_SPELLING.sub("vietnam", fold(x)).split())
    return norm(needle) in norm(text)


_contains = contains  # the name bench/answer.py imports


def has_evidence(item: dict, text: str) -> bool:
    """``text`` contains one of the item's evidence strings."""
    return any(contains(text, e) for e in item.get("evidence") or [])


def accurate(item: dict, answer) -> bool:
    """The answer was given and holds every ``must_include`` group (one alternative of each)."""
    return bool(answer.answered) and all(
        any(contains(answer.text, alt) for alt in group.split("|"))
        for group in item.get("must_include") or [])


# What issue 13 says an answer must never show: an HTML/MDX tag (<img …>, <a …>,
# <Youtube …/>) or a heading line, outside the code blocks it may quote whole.
_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")
_HEADING_LINE = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+\S", re.MULTILINE)
# A quoted code block; its closing fence may be followed by the answer's marker.
_CODE_BLOCK = re.compile(r"^[ \t]*(```+|~~~+)[^\n]*\n.*?^[ \t]*\1(?![`~])",
                         re.MULTILINE | re.DOTALL)


def shows_markup(text: str) -> bool:
    """``text`` (an answer) shows a tag or a heading line outside its code blocks."""
    prose = _CODE_BLOCK.sub(" ", text)
    # Inline code may name a tag ("add a `<script>` tag"): that is prose, not markup.
    return bool(_TAG.search(INLINE_CODE.sub(" ", prose)) or _HEADING_LINE.search(prose))


def score_item(item: dict, answer, hits: list | None = None) -> dict:
    """Per-item measures for one answer (and the search hits, for recall)."""
    good = [has_evidence(item, c.text) for c in answer.citations]
    answerable = bool(item.get("answerable", True))
    recall = shown = None
    if hits is not None and answerable:
        # A hit is one statement in every language the corpus has it in: the evidence
        # counts in the shown paragraph or in its translations (``Hit.translations``).
        # ``shown`` counts the shown paragraph only (a reader of one language).
        shown = any(has_evidence(item, h.citation.text) for h in hits[:SEARCH_K])
        recall = shown or any(has_evidence(item, t.text) for h in hits[:SEARCH_K]
                              for t in h.translations)
    return {
        "id": item.get("id"), "kind": item.get("kind", ""), "lang": item.get("lang", ""),
        "answerable": answerable, "answered": bool(answer.answered),
        "recall": recall, "recall_shown": shown, "citation_hit": any(good),
        "citation_precision": (sum(good) / len(good)) if good else None,
        "accurate": accurate(item, answer), "seconds": answer.seconds,
        "markup": bool(answer.answered) and shows_markup(answer.text),
    }


def summarise(rows: list[dict]) -> dict:
    """Aggregate measures over scored items (None where no item qualifies)."""
    pos = [r for r in rows if r["answerable"]]
    neg = [r for r in rows if not r["answerable"]]
    precisions = [r["citation_precision"] for r in pos if r["citation_precision"] is not None]
    recalls = [r["recall"] for r in pos if r.get("recall") is not None]
    shown = [r["recall_shown"] for r in pos if r.get("recall_shown") is not None]
    secs = sorted(r["seconds"] for r in rows) or [0.0]

    def share(items, key):
        return round(sum(bool(r[key]) for r in items) / len(items), 3) if items else None

    return {
        "items": len(rows),
        "search_recall_at_5": round(sum(recalls) / len(recalls), 3) if recalls else None,
        "search_recall_at_5_shown": round(sum(shown) / len(shown), 3) if shown else None,
        "citation_hit": share(pos, "citation_hit"),
        "citation_precision": round(sum(precisions) / len(precisions), 3) if precisions else None,
        "answer_accuracy": share(pos, "accurate"),
        "refusal_rate": round(sum(not r["answered"] for r in neg) / len(neg), 3) if neg else None,
        "false_refusal_rate": round(sum(not r["answered"] for r in pos) / len(pos), 3)
        if pos else None,
        "answers_with_markup": sum(bool(r.get("markup")) for r in rows),
        "answered": sum(bool(r["answered"]) for r in rows),
        "latency_p50_ms": round(1000 * secs[len(secs) // 2], 1),
        "latency_p95_ms": round(1000 * secs[min(len(secs) - 1, int(0.95 * len(secs)))], 1),
    }


def groups(rows: list[dict]) -> dict[str, dict]:
    """Summaries by ``kind=...`` and ``lang=...``."""
    by: dict[str, list] = defaultdict(list)
    for r in rows:
        by[f"kind={r['kind']}"].append(r)
        by[f"lang={r['lang']}"].append(r)
    return {name: summarise(g) for name, g in sorted(by.items())}


def run(system, items: list[dict], search: bool = True) -> list[dict]:
    """Ask every item (a follow-up with its ``context`` as history) and score it.

    ``search`` also retrieves the top ``SEARCH_K`` paragraphs for recall (untimed), a
    follow-up in its conversation as ``ask`` gets it (``Assistant.search``'s
    ``history``; until 2026-11-30 by its own words alone, which no system can search
    "What posts does he hold?" by); ``seconds`` times ``ask`` only.
    """
    rows = []
    for item in items:
        history = [(item["context"], "")] if item.get("context") else None
        t0 = time.perf_counter()
        answer = system.ask(item["question"], history=history)
        seconds = time.perf_counter() - t0
        hits = system.search(item["question"], k=SEARCH_K, history=history) if search else None
        row = score_item(item, answer, hits)
        row["seconds"] = seconds
        row["answer"] = answer.text
        row["cited"] = [c.id for c in answer.citations]
        if hits is not None:
            row["retrieved"] = [h.citation.id for h in hits]
        rows.append(row)
    return rows


def evaluate(system, items: list[dict], search: bool = True) -> dict:
    """Ask every item and summarise, overall and by kind and language."""
    rows = run(system, items, search=search)
    return {"overall": summarise(rows), "groups": groups(rows), "rows": rows}
