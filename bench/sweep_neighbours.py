"""Search ranked with each block's section neighbours, swept on fit data.

    python bench/sweep_neighbours.py            # ~2 min on 2 cores

``qa.retrieve.Retriever._with_neighbours`` adds to a candidate's score a share of the
best score among its neighbours under the same heading (the blocks just before and
after it): in documentation the subject of a short block is often in the block next to
it. This script chooses that share (``qa.tuning.Retrieval.neighbour_weight``) for
``qa.search`` (``Pipeline.search``).

Recall@1, recall@5 and MRR of the first statement holding an evidence string
(translations folded, as the product shows them), on the fit splits of seeds and
hf-course (eval/splits.json). Answers do not change with the weight: the answerer's
candidates are drawn without it (``Pipeline.retrieve``).

No XQuAD part: XQuAD contexts are one-paragraph plain-text documents, which have no
neighbours under a heading, so every weight ranks them alike.
Writes bench/results/neighbours-sweep.{md,json}.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.evaluate import fit_set  # noqa: E402
from bench.sweep_gloss import measures  # noqa: E402
from qa.evaluate import has_evidence  # noqa: E402
from qa.lexicon import Glosser, shipped  # noqa: E402
from qa.retrieve import Retriever  # noqa: E402
from qa.tuning import RETRIEVAL  # noqa: E402

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)


def with_weight(pipeline, embedder, weight: float):
    """The pipeline with a retriever that ranks search with ``weight``."""
    retriever = Retriever(pipeline.index, embedder, glosser=Glosser(shipped()),
                          neighbour_weight=weight)
    return dataclasses.replace(pipeline, retriever=retriever)


def ranks(pipeline, items: list[dict]) -> list[int | None]:
    """Rank of each item's first statement holding evidence (or a translation that does)."""
    out = []
    for it in items:
        hits = pipeline.search(it["question"], 20)
        out.append(next((n for n, h in enumerate(hits)
                         if has_evidence(it, h.citation.text)
                         or any(has_evidence(it, t.text) for t in h.translations)), None))
    return out


def dev_rows() -> list[dict]:
    rows = []
    for name in ("seeds", "hf-course"):
        items, a = fit_set(name)
        answerable = [i for i in items if i.get("answerable", True)]
        for w in WEIGHTS:
            pipeline = with_weight(a.pipeline, a.embedder, w)
            rows.append({"part": f"{name} fit", "weight": w, "n": len(answerable),
                         **measures(ranks(pipeline, answerable))})
            common.log(f"  {rows[-1]}")
    return rows


def main(argv: list[str] | None = None) -> int:
    return common.fit_sweep(
        "bench/sweep_neighbours.py", argv, __doc__, dev_rows, lambda folder, quick: [],
        ("part", "weight", "n", "recall_at_1", "recall_at_5", "mrr"),
        "Section-neighbour weight sweep (fit data only)",
        f"weight = share of the best score among a block's neighbours under its heading "
        f"added to its score in search (shipped: {RETRIEVAL.neighbour_weight}).",
        "language")


if __name__ == "__main__":
    raise SystemExit(main())
