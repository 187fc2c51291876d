"""Answer quality and warm latency of the offline answerer on a QA set.

    python bench/answer.py [--eval ../shared/eval/dev.jsonl] [--repeat 3]

Prints `seedqa eval` figures (overall, per kind and language) and warm `ask`
latency p50/p95 over repeated runs; writes bench/results/answer.json.
Targets (issue 3): citation hit >= 0.90, precision >= 0.80, accuracy >= 0.75,
refusal >= 0.60 with false refusals <= 0.10; warm ask p50 <= 150 ms, p95 <= 400 ms.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qa  # noqa: E402
from qa.cli import format_summary  # noqa: E402
from qa.evaluate import evaluate, load_items  # noqa: E402

DEFAULT_EVAL = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def language_match(bot, items: list[dict]) -> dict:
    """Share of Vietnamese questions answered from a Vietnamese paragraph, among those
    whose evidence exists in Vietnamese (directly or as a parallel paragraph)."""
    from qa.evaluate import _contains

    cat = bot.catalog
    rows = []
    for item in items:
        if item.get("lang") != "vi" or not item.get("answerable"):
            continue
        evidence = [p for p in cat.paragraphs.values()
                    if any(_contains(p.text, e) for e in item.get("evidence") or [])]
        in_vi = any(p.language == "vi" or any(cat.paragraphs[x].language == "vi"
                                              for x in cat.parallel(p.id)) for p in evidence)
        if not in_vi:
            continue
        history = [(item["context"], "")] if item.get("context") else None
        a = bot.ask(item["question"], history=history)
        rows.append({"id": item["id"], "answered": a.answered,
                     "first_citation_language": a.citations[0].language if a.citations else None})
    hits = sum(r["first_citation_language"] == "vi" for r in rows)
    return {"items": len(rows), "match": round(hits / len(rows), 3) if rows else None,
            "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", default=str(DEFAULT_EVAL))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "answer.json"))
    args = parser.parse_args()
    items = load_items(args.eval)
    with tempfile.TemporaryDirectory() as tmp:
        bot = qa.Assistant(corpus_dir=ROOT / "seeds", data_dir=tmp, llm=False)
        t0 = time.perf_counter()
        bot.ingest()
        bot._sentences.warm([p for p in bot.catalog.paragraphs.values() if p.is_canonical])
        ready = time.perf_counter() - t0
        bot.wait_ready()
        result = evaluate(bot, items)  # also warms every code path once
        language = language_match(bot, items)
        secs = []
        for _ in range(args.repeat):
            for item in items:
                history = [(item["context"], "")] if item.get("context") else None
                t = time.perf_counter()
                bot.ask(item["question"], history=history)
                secs.append(time.perf_counter() - t)
        search = []
        for item in items:
            t = time.perf_counter()
            bot.search(item["question"], k=5)
            search.append(time.perf_counter() - t)
    warm = {"ask_p50_ms": round(1000 * percentile(secs, 0.5), 1),
            "ask_p95_ms": round(1000 * percentile(secs, 0.95), 1),
            "search_p50_ms": round(1000 * percentile(search, 0.5), 1),
            "search_p95_ms": round(1000 * percentile(search, 0.95), 1),
            "asks": len(secs), "index_and_warm_s": round(ready, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(format_summary(result))
    print()
    print(json.dumps(warm))
    print(f"answer-language match on vi questions with Vietnamese evidence: "
          f"{language['match']} over {language['items']} item(s) (target >= 0.9)")
    o = result["overall"]
    print(f"targets: hit {o['citation_hit']} (>=0.90), precision {o['citation_precision']} "
          f"(>=0.80), accuracy {o['answer_accuracy']} (>=0.75), refusal {o['refusal_rate']} "
          f"(>=0.60), false refusal {o['false_refusal_rate']} (<=0.10), "
          f"p50 {warm['ask_p50_ms']} ms (<=150), p95 {warm['ask_p95_ms']} ms (<=400)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = [{k: v for k, v in r.items()} for r in result["rows"]]
    out.write_text(json.dumps({"eval": args.eval, "summary": result["overall"],
                               "groups": result["groups"], "warm": warm,
                               "language_match": language, "rows": rows},
                              ensure_ascii=False, indent=2) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
