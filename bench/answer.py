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
        result = evaluate(bot, items)  # also warms every code path once
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
    o = result["overall"]
    print(f"targets: hit {o['citation_hit']} (>=0.90), precision {o['citation_precision']} "
          f"(>=0.80), accuracy {o['answer_accuracy']} (>=0.75), refusal {o['refusal_rate']} "
          f"(>=0.60), false refusal {o['false_refusal_rate']} (<=0.10), "
          f"p50 {warm['ask_p50_ms']} ms (<=150), p95 {warm['ask_p95_ms']} ms (<=400)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = [{k: v for k, v in r.items()} for r in result["rows"]]
    out.write_text(json.dumps({"eval": args.eval, "summary": result["overall"],
                               "groups": result["groups"], "warm": warm, "rows": rows},
                              ensure_ascii=False, indent=2) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
