"""Retrieval weights swept on the FIT splits only (never the report split).

    python bench/sweep_retrieval.py            # seeds + hf-course fit splits

Rows: plain dense (raw cosine), BM25 (diacritic-folded), and seedqa's retriever with
language centring at several (sentence, lexical) weights; recall@5 = a top-5 paragraph
(after folding translations) holds an evidence string. The chosen weights live in
``qa/tuning.py`` (``Retrieval``). Writes bench/results/retrieval-sweep.{md,json}.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench import common  # noqa: E402
from bench.evaluate import fit_set  # noqa: E402
from qa.evaluate import has_evidence  # noqa: E402
from qa.retrieve import Retriever  # noqa: E402

WEIGHTS = [(0.0, 0.0), (1.0, 0.0), (0.5, 0.0), (1.0, 0.1), (1.0, 0.2), (1.0, 0.4)]


def rankers(pipeline, embedder):
    """name -> function(question) -> paragraph ids, best first."""
    ix = pipeline.index
    row_id = {row: pid for pid, row in ix.paragraph_rows.items()}

    def raw(question):
        scores = ix.paragraph_vectors @ embedder.embed_query(question)
        return [row_id[i] for i in np.argsort(-scores)[:10]]

    out = {"dense (raw cosine)": raw,
           "bm25 (folded)": lambda q: list(pipeline.retriever.bm25.run(q, 10))}
    for sw, lw in WEIGHTS:
        r = Retriever(ix, embedder, sentence_weight=sw, lexical_weight=lw)
        out[f"centred, sentence {sw}, lexical {lw}"] = (
            lambda q, r=r: [h.id for h in pipeline.dedup.run(r.search(q, 10))])
    return out


def main() -> int:
    rows = []
    for name in ("seeds", "hf-course"):
        items, a = fit_set(name)
        items = [i for i in items if i.get("answerable", True)]
        cat = a.pipeline.index.catalog
        for system, rank in rankers(a.pipeline, a.embedder).items():
            hit = [any(has_evidence(item, cat.paragraphs[pid].text) for pid in rank(
                item["question"])[:5]) for item in items]
            rows.append({"set": name, "split": "fit", "system": system, "n": len(items),
                         "recall_at_5": round(float(np.mean(hit)), 3)})
    lines = ["| set | split | system | n | recall@5 |", "|---|---|---|---|---|"]
    lines += [f"| {r['set']} | {r['split']} | {r['system']} | {r['n']} | {r['recall_at_5']} |"
              for r in rows]
    md = ("# Retrieval sweep (fit splits)\n\n`python bench/sweep_retrieval.py`\n\n"
          + "\n".join(lines))
    common.write_results(common.RESULTS / "retrieval-sweep.json", {"rows": rows}, md)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
