"""Retrieval reranked by the question's focus, swept on fit data.

    python bench/sweep_focus.py --xquad DIR            # ~8 min on 2 cores (first run)
    python bench/sweep_focus.py --xquad DIR --quick    # 100 XQuAD questions a language

``qa.retrieve.Retriever`` blends each candidate's score with its match to the question's
focus: the question without the words found in at least half of its ``focus_pool`` best
candidates (``qa.text.focus_text``). This script chooses the blend weight
(``qa.tuning.Retrieval.focus_weight``) and the pool (``focus_pool``).

Dev part: recall@5 and MRR of the first paragraph holding an evidence string, on the fit
splits of seeds and hf-course (eval/splits.json), translations folded as the product
does; and, for each weight at the chosen pool, the answer measures of the whole offline
pipeline on those fit splits (the answerer scores sentences with the retriever's focus).

XQuAD part (the fit paragraphs of ``bench.evaluate.xquad_split`` only): one index of the
English and Vietnamese fit paragraphs together; English and Vietnamese questions (fixed
seed); a hit is the question's paragraph in either language. Writes
bench/results/focus-sweep.{md,json}.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, xquad  # noqa: E402
from bench.evaluate import fit_set, xquad_fit_assistant  # noqa: E402
from bench.sweep_gloss import measures  # noqa: E402
from qa.evaluate import has_evidence, run, summarise  # noqa: E402
from qa.lexicon import Glosser, shipped  # noqa: E402
from qa.question import analyse  # noqa: E402
from qa.retrieve import Retriever  # noqa: E402
from qa.tuning import RETRIEVAL  # noqa: E402

WEIGHTS = (0.0, 0.2, 1 / 3, 0.5)
POOLS = (5, 10, 20)
QUESTIONS = 300
QUICK_QUESTIONS = 100  # a language, with --quick
SEED = 1
ANSWER_MEASURES = ("search_recall_at_5", "citation_hit", "citation_precision",
                   "answer_accuracy", "refusal_rate", "false_refusal_rate")


def ranks(pipeline, embedder, questions, is_gold, weight: float, pool: int) -> list[int | None]:
    """Rank (after folding translations) of each question's first gold paragraph."""
    r = Retriever(pipeline.index, embedder, glosser=Glosser(shipped()),
                  focus_weight=weight, focus_pool=pool)
    out = []
    for q, gold in zip(questions, is_gold):
        hits = pipeline.dedup.run(r.search(q.search_text, 40, language=q.language))[:20]
        out.append(next((n for n, h in enumerate(hits) if gold(h.id)), None))
    return out


def settings():
    yield 0.0, RETRIEVAL.focus_pool  # no focus: the pool does not matter
    for pool in POOLS:
        for w in WEIGHTS[1:]:
            yield w, pool


def dev_rows() -> list[dict]:
    rows = []
    for name in ("seeds", "hf-course"):
        items, a = fit_set(name)
        cat = a.pipeline.index.catalog
        answerable = [i for i in items if i.get("answerable", True)]
        qs = [analyse(i["question"], [(i["context"], "")] if i.get("context") else None)
              for i in answerable]
        gold = [lambda pid, it=it, cat=cat: has_evidence(it, cat.paragraphs[pid].text)
                for it in answerable]
        for w, pool in settings():
            rows.append({"part": f"{name} fit", "weight": round(w, 3), "pool": pool,
                         "n": len(qs), **measures(ranks(a.pipeline, a.embedder, qs, gold,
                                                        w, pool))})
            common.log(f"  {rows[-1]}")
        retriever = a.pipeline.retriever
        for w in WEIGHTS:
            # The shipped pipeline with only the weight changed (pool as shipped).
            retriever.focus_weight = w
            s = summarise(run(a, items))
            rows.append({"part": f"{name} fit, answers", "weight": round(w, 3),
                         "pool": RETRIEVAL.focus_pool, "n": len(items),
                         **{k: s.get(k) for k in ANSWER_MEASURES}})
            common.log(f"  {rows[-1]}")
        retriever.focus_weight = RETRIEVAL.focus_weight
    return rows


def xquad_rows(folder: Path, quick: bool) -> list[dict]:
    data, keep, assistant = xquad_fit_assistant(folder, "focus-mixed")
    rows = []
    for lang in ("en", "vi"):
        questions = [q for q in data.questions[lang] if q.index in keep]
        random.Random(SEED).shuffle(questions)
        questions = questions[:QUICK_QUESTIONS if quick else QUESTIONS]
        qs = [analyse(q.question) for q in questions]
        gold = [lambda pid, q=q: xquad.parse_key(pid.rsplit(":", 1)[0])[1] == q.index
                for q in questions]
        for w, pool in settings():
            rows.append({"part": f"xquad-fit {lang} questions, mixed", "weight": round(w, 3),
                         "pool": pool, "n": len(qs),
                         **measures(ranks(assistant.pipeline, assistant.embedder, qs, gold,
                                          w, pool))})
            common.log(f"  {rows[-1]}")
    return rows


def main(argv: list[str] | None = None) -> int:
    return common.fit_sweep(
        "bench/sweep_focus.py", argv, __doc__, dev_rows, xquad_rows,
        ("part", "weight", "pool", "n", "recall_at_1", "recall_at_5", "mrr", *ANSWER_MEASURES),
        "Focus weight sweep (fit data only)",
        "weight = share of a candidate's score from its match to the question's focus; "
        "pool = how many of the best candidates decide the topic words.", "language")


if __name__ == "__main__":
    raise SystemExit(main())
