"""The answerer's constants swept on the FIT splits (never the report split).

    python bench/sweep_answer.py

1. ``answer_pool``: how many retrieved paragraphs the answerer scores (seeds and
   hf-course fit splits);
2. ``runner_up``: a runner-up sentence is quoted when its probability is at least that
   share of the best one's (seeds and hf-course fit splits);
3. ``max_quotes``: how many sentences an answer may quote at most, with the answers'
   median length and mean number of citations (readability), at the chosen runner_up
   and also at its neighbours.
The answerer is rebuilt through its public constructor over the same index and
retrieval and scored with ``qa.evaluate``. The chosen values live in ``qa/tuning.py``.
Writes bench/results/answer-sweep.{md,json}.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench import common  # noqa: E402
from bench.evaluate import fit_set  # noqa: E402
from qa.evaluate import score_item, summarise  # noqa: E402

SHARES = (0.1, 0.2, 0.35, 0.5, 0.7, 1.0)
POOLS = (3, 5, 8, 12)
MAX_QUOTES = (2, 3, 4, 5, 6, 8)


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
        best = (RETRIEVAL.answer_pool, ANSWER.runner_up, ANSWER.max_quotes)
        settings = [(pool, ANSWER.runner_up, ANSWER.max_quotes) for pool in POOLS]
        settings += [(RETRIEVAL.answer_pool, share, ANSWER.max_quotes) for share in SHARES]
        settings += [(RETRIEVAL.answer_pool, share, mq) for mq in MAX_QUOTES
                     for share in (0.1, ANSWER.runner_up, 0.35)]
        for pool, share, mq in dict.fromkeys(settings):
            answerer = ExtractiveAnswerer(pipe.index, pipe.vectors, a.embedder, runner_up=share,
                                          pool=pool, max_quotes=mq)
            answers = [answerer.answer(q, qvec, hits[:pool], focus)
                       for _item, q, hits, qvec, focus in asked]
            s = summarise([score_item(item, got) for (item, *_), got in zip(asked, answers)])
            shown = [got for got in answers if got.answered]
            rows.append({"set": name, "answer_pool": pool, "runner_up": share,
                         "max_quotes": mq, "shipped": (pool, share, mq) == best,
                         **{k: s.get(k) for k in ("citation_hit", "citation_precision",
                                                  "answer_accuracy", "refusal_rate",
                                                  "false_refusal_rate")},
                         "median_chars": int(np.median([len(g.text) for g in shown]))
                         if shown else 0,
                         "mean_citations": round(float(np.mean([len(g.citations)
                                                                 for g in shown])), 2)
                         if shown else 0.0})
    cols = ("set", "answer_pool", "runner_up", "max_quotes", "citation_hit",
            "citation_precision", "answer_accuracy", "refusal_rate", "false_refusal_rate",
            "median_chars", "mean_citations", "shipped")
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    md = ("# Answerer sweep (fit splits)\n\n`python bench/sweep_answer.py`\n\n"
          + "\n".join(lines))
    common.write_results(common.RESULTS / "answer-sweep.json", {"rows": rows}, md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
