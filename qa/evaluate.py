"""`seedqa eval FILE.jsonl`: citation hit and precision, answer accuracy, refusals, latency."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

from qa.errors import ConfigError
from qa.text import fold


def load_items(path: Path | str) -> list[dict]:
    """Items of an eval file (one JSON object a line, as in the dev set)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read eval file {path}: {exc}; pass a JSONL file with "
                          "question, lang, answerable, must_include and evidence fields") from exc


def _contains(text: str, needle: str) -> bool:
    return " ".join(fold(needle).split()) in " ".join(fold(text).split())


def score_item(item: dict, answer) -> dict:
    """Per-item measures for one answer."""
    evidence = item.get("evidence") or []
    cited = [c.text for c in answer.citations]
    good = [any(_contains(t, e) for e in evidence) for t in cited]
    accurate = answer.answered and all(
        any(_contains(answer.text, alt) for alt in group.split("|"))
        for group in item.get("must_include") or [])
    return {
        "id": item.get("id"), "kind": item.get("kind", ""), "lang": item.get("lang", ""),
        "answerable": bool(item.get("answerable", True)), "answered": answer.answered,
        "citation_hit": any(good), "citation_precision": (sum(good) / len(good)) if good else None,
        "accurate": accurate, "seconds": answer.seconds,
    }


def summarise(rows: list[dict]) -> dict:
    """Aggregate measures over scored items."""
    pos = [r for r in rows if r["answerable"]]
    neg = [r for r in rows if not r["answerable"]]
    precisions = [r["citation_precision"] for r in pos if r["citation_precision"] is not None]
    secs = sorted(r["seconds"] for r in rows) or [0.0]

    def share(items, key):
        return round(sum(bool(r[key]) for r in items) / len(items), 3) if items else None

    return {
        "items": len(rows),
        "citation_hit": share(pos, "citation_hit"),
        "citation_precision": round(sum(precisions) / len(precisions), 3) if precisions else None,
        "answer_accuracy": share(pos, "accurate"),
        "refusal_rate": round(sum(not r["answered"] for r in neg) / len(neg), 3) if neg else None,
        "false_refusal_rate": round(sum(not r["answered"] for r in pos) / len(pos), 3)
        if pos else None,
        "latency_p50_ms": round(1000 * secs[len(secs) // 2], 1),
        "latency_p95_ms": round(1000 * secs[min(len(secs) - 1, int(0.95 * len(secs)))], 1),
    }


def evaluate(assistant, items: list[dict]) -> dict:
    """Ask every item (with its context as history) and summarise, overall and by group."""
    rows = []
    for item in items:
        history = [(item["context"], "")] if item.get("context") else None
        t0 = time.perf_counter()
        answer = assistant.ask(item["question"], history=history)
        row = score_item(item, answer)
        row["seconds"] = time.perf_counter() - t0
        row["answer"] = answer.text
        row["cited"] = [c.id for c in answer.citations]
        rows.append(row)
    groups: dict[str, list] = defaultdict(list)
    for r in rows:
        groups[f"kind={r['kind']}"].append(r)
        groups[f"lang={r['lang']}"].append(r)
    return {"overall": summarise(rows),
            "groups": {name: summarise(g) for name, g in sorted(groups.items())},
            "rows": rows}
