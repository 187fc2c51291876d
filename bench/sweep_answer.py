"""The quote-selection constant swept on the seeds FIT split (never the report split).

    python bench/sweep_answer.py

For each ``runner_up`` share (a runner-up sentence is quoted when its probability is
at least that share of the best one's) the offline answerer is rebuilt through its
public constructor over the same index and retrieval, and scored with ``qa.evaluate``
(citation hit, precision, accuracy). The chosen value lives in ``qa/tuning.py``.
Writes bench/results/answer-sweep.{md,json}.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.evaluate import CACHE, SETS, SPLITS_FILE  # noqa: E402
from qa.evaluate import load_items, score_item, select, split_ids, summarise  # noqa: E402

SHARES = (0.2, 0.35, 0.5, 0.7, 1.0)


def main() -> int:
    import qa
    from qa.extractive import ExtractiveAnswerer
    from qa.question import analyse

    evalset = SETS["seeds"]
    items = select(load_items(evalset.questions), split_ids(SPLITS_FILE, evalset.questions,
                                                            "fit"))
    a = qa.Assistant(corpus_dir=evalset.corpus, data_dir=CACHE / "seeds", llm=False)
    a.ingest()
    pipe = a.pipeline
    asked = []
    for item in items:
        history = [(item["context"], "")] if item.get("context") else None
        q = analyse(item["question"], history)
        asked.append((item, q, *pipe.retrieve(q)))
    rows = []
    for share in SHARES:
        answerer = ExtractiveAnswerer(pipe.index, pipe.vectors, a.embedder, runner_up=share)
        scored = [score_item(item, answerer.answer(q, qvec, hits))
                  for item, q, hits, qvec in asked]
        s = summarise(scored)
        rows.append({"runner_up": share, **{k: s.get(k) for k in (
            "citation_hit", "citation_precision", "answer_accuracy")}})
    lines = ["| runner_up | citation hit | precision | accuracy |", "|---|---|---|---|"]
    lines += [f"| {r['runner_up']} | {r['citation_hit']} | {r['citation_precision']} | "
              f"{r['answer_accuracy']} |" for r in rows]
    md = ("# Quote selection sweep (seeds fit split)\n\n`python bench/sweep_answer.py`\n\n"
          + "\n".join(lines))
    common.write_results(common.RESULTS / "answer-sweep.json", {"rows": rows}, md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
