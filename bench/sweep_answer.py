"""The answerer's constants swept on the FIT splits (never the report split).

    python bench/sweep_answer.py

1. ``answer_pool``: how many retrieved paragraphs the answerer scores (seeds and
   hf-course fit splits);
2. ``runner_up``: a runner-up sentence is quoted when its probability is at least that
   share of the best one's (seeds and hf-course fit splits).
The answerer is rebuilt through its public constructor over the same index and
retrieval and scored with ``qa.evaluate``. The chosen values live in ``qa/tuning.py``.
Writes bench/results/answer-sweep.{md,json}.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.evaluate import fit_set  # noqa: E402
from qa.evaluate import score_item, summarise  # noqa: E402

SHARES = (0.1, 0.2, 0.35, 0.5, 0.7, 1.0)
POOLS = (3, 5, 8, 12)


def main() -> int:
    from qa.extractive import ExtractiveAnswerer
    from qa.question import analyse
    from qa.tuning import ANSWER, RETRIEVAL

    rows = []
    for name in ("seeds", "hf-course"):
        items, a = fit_set(name)
        pipe = a.pipeline
        asked = []
        for item in items:
            history = [(item["context"], "")] if item.get("context") else None
            q = analyse(item["question"], history)
            asked.append((item, q, *pipe.retrieve(q, max(POOLS))))
        settings = [(pool, ANSWER.runner_up) for pool in POOLS]
        settings += [(RETRIEVAL.answer_pool, share) for share in SHARES
                     if share != ANSWER.runner_up]
        for pool, share in settings:
            answerer = ExtractiveAnswerer(pipe.index, pipe.vectors, a.embedder, runner_up=share,
                                          pool=pool)
            scored = [score_item(item, answerer.answer(q, qvec, hits[:pool]))
                      for item, q, hits, qvec in asked]
            s = summarise(scored)
            rows.append({"set": name, "answer_pool": pool, "runner_up": share,
                         **{k: s.get(k) for k in ("citation_hit", "citation_precision",
                                                  "answer_accuracy", "refusal_rate",
                                                  "false_refusal_rate")}})
    cols = ("set", "answer_pool", "runner_up", "citation_hit", "citation_precision",
            "answer_accuracy", "refusal_rate", "false_refusal_rate")
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    md = ("# Answerer sweep (fit splits)\n\n`python bench/sweep_answer.py`\n\n"
          + "\n".join(lines))
    common.write_results(common.RESULTS / "answer-sweep.json", {"rows": rows}, md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
