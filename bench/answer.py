"""Answer quality and warm latency of the offline answerer on a QA set over the seeds.

    python bench/answer.py                          # eval/seeds-dev.jsonl, report split
    python bench/answer.py --split all --repeat 1 --out /tmp/answer.json

Quality: `seedqa eval` figures (qa.evaluate) on the chosen split of the eval file
(splits in eval/splits.json; the fit split is what constants are fitted on).
Latency: warm ``ask`` and ``search`` (k=5) over the same questions, ``--repeat``
timed passes after the quality pass. Targets (issue 3): citation hit >= 0.90,
precision >= 0.80, accuracy >= 0.75, refusal >= 0.60, false refusal <= 0.10; warm
ask p50 <= 150 ms, p95 <= 400 ms.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # `python bench/answer.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

EVAL = common.ROOT / "eval" / "seeds-dev.jsonl"
SPLITS = common.ROOT / "eval" / "splits.json"
# (key, label, at least?, threshold): the issue-3 targets
TARGETS = (("citation_hit", "citation hit", True, 0.90),
           ("citation_precision", "citation precision", True, 0.80),
           ("answer_accuracy", "accuracy", True, 0.75), ("refusal_rate", "refusal", True, 0.60),
           ("false_refusal_rate", "false refusal", False, 0.10))
LATENCY_TARGETS = {"p50_ms": 150.0, "p95_ms": 400.0}


def warm_latency(assistant, questions: list[tuple[str, list | None]], rounds: int) -> dict:
    """p50/p95 of ``ask`` and ``search(k=5)`` over ``rounds`` passes (after an untimed one)."""
    ask, search = [], []
    for timed_pass in range(rounds + 1):
        for question, history in questions:
            _, a = common.timed(lambda q=question, h=history: assistant.ask(q, history=h))
            _, s = common.timed(lambda q=question: assistant.search(q, k=5))
            if timed_pass:
                ask.append(1000 * a)
                search.append(1000 * s)
    return {"ask": common.latency(ask), "search": common.latency(search)}


def latency_targets(name: str, ask: dict) -> list[dict]:
    return [common.target(f"{name}: warm ask {key[:3]} <= {limit:g} ms", f"{ask[key]:.0f} ms",
                          ask[key] <= limit) for key, limit in LATENCY_TARGETS.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", type=Path, default=EVAL, help=f"default: {EVAL}")
    parser.add_argument("--split", default="report", choices=("report", "fit", "all"))
    parser.add_argument("--repeat", type=int, default=3, help="timed latency passes")
    parser.add_argument("--out", "--json", dest="out", type=Path,
                        default=common.RESULTS / "answer.json")
    args = parser.parse_args(argv)
    import qa
    from qa.cli import format_summary
    from qa.evaluate import evaluate, load_items, select, split_ids

    items = load_items(args.eval)
    if args.split != "all":
        items = select(items, split_ids(SPLITS, args.eval, args.split))
    with tempfile.TemporaryDirectory() as tmp:
        bot = qa.Assistant(corpus_dir=common.ROOT / "seeds", data_dir=tmp, llm=False)
        bot.ingest(progress=False)
        result = evaluate(bot, items)
        questions = [(i["question"], [(i["context"], "")] if i.get("context") else None)
                     for i in items]
        warm = warm_latency(bot, questions, max(1, args.repeat))
    o, ask = result["overall"], warm["ask"]
    targets = [common.target(f"answer: {label} {'>=' if up else '<='} {t:.2f}",
                             "–" if o[key] is None else f"{o[key]:.3f}",
                             None if o[key] is None else (o[key] >= t if up else o[key] <= t))
               for key, label, up, t in TARGETS] + latency_targets("answer", ask)
    headline = (f"{Path(args.eval).name}, {args.split} split ({o['items']} items): "
                + ", ".join(f"{label} {t['measured']}" for (_, label, _, _), t
                            in zip(TARGETS, targets, strict=False))
                + f"; warm ask p50 {ask['p50_ms']:.0f} ms / p95 {ask['p95_ms']:.0f} ms.")
    md = "\n".join([f"# Answers on {Path(args.eval).name} ({args.split} split)", "",
                    "```", format_summary(result), "```", "",
                    f"Warm latency over {ask['n']} asks: ask p50 {ask['p50_ms']} ms, p95 "
                    f"{ask['p95_ms']} ms; search p50 {warm['search']['p50_ms']} ms, p95 "
                    f"{warm['search']['p95_ms']} ms."])
    common.write_results(args.out, {
        "benchmark": "answer", "eval": Path(args.eval).name, "split": args.split,
        "summary": o, "groups": result["groups"], "warm": warm, "headline": headline,
        "targets": targets}, md, result["rows"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
