"""Cross-language retrieval with a word-for-word gloss of the question, swept on fit data.

    python bench/sweep_gloss.py --xquad DIR            # ~10 min on 2 cores (first run)
    python bench/sweep_gloss.py --xquad DIR --quick    # 100 questions a direction

``qa.retrieve.Retriever`` scores a paragraph written in another language than the
question as (1 - w) x its match to the question + w x its match to the question's gloss
into that language (``qa.lexicon.Lexicon.gloss``). This script chooses w
(``qa.tuning.Retrieval.gloss_weight``) and how many translations a word contributes.

XQuAD part (the fit paragraphs of ``bench.evaluate.xquad_split`` only; the held-out
ones stay for bench/evaluate.py): one index of the English fit paragraphs and one of
the Vietnamese ones (bench/.cache/gloss-<lang>-...). Vietnamese questions are asked of
the English paragraphs and English questions of the Vietnamese ones, 400 a direction
(fixed seed). Word tables are cross-fitted: the fit paragraphs in two halves
(``bench.fit_scoring.lexicons``' rule), each half's questions glossed by the table
fitted on the other half, so no question is glossed by a table that saw its own
translation. Measures: recall@1, recall@5, MRR of the question's paragraph.

Dev part: recall@5 on the fit splits of seeds and hf-course (eval/splits.json) with the
shipped table (qa/lexicon.json, fitted on XQuAD only), translations folded as the
product does. Writes bench/results/gloss-sweep.{md,json}.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench import common, xquad  # noqa: E402
from bench.evaluate import fit_set, xquad_split  # noqa: E402
from qa.evaluate import has_evidence  # noqa: E402
from qa.lexicon import Glosser, Lexicon, shipped  # noqa: E402
from qa.question import analyse  # noqa: E402
from qa.retrieve import Retriever  # noqa: E402

WEIGHTS = (0.0, 0.2, 1 / 3, 0.5)
TRANSLATIONS = (1, 2, 3)  # 3 = every translation the table keeps (qa.tuning.WORD_TABLES.top)
QUESTIONS = 400
QUICK_QUESTIONS = 100
SEED = 1


def truncated(table: Lexicon, n: int) -> Lexicon:
    """``table`` with at most ``n`` translations a word."""
    return Lexicon({pair: {w: list(ts[:n]) for w, ts in words.items()}
                    for pair, words in table.tables.items()})


def cross_fitted(folder: Path, fit: list[int]) -> dict[int, Lexicon]:
    """XQuAD paragraph index -> the table fitted on the other half of the fit paragraphs."""
    from bench.fit_lexicon import tables, xquad_pairs
    from bench.fit_scoring import read_xquad

    xq = read_xquad(folder)
    order = sorted(fit)
    halves = [set(order[0::2]), set(order[1::2])]
    out: dict[int, Lexicon] = {}
    for mine, other in (halves, halves[::-1]):
        out.update(dict.fromkeys(mine, Lexicon(tables(xquad_pairs(xq, other)))))
    return out


def rank_of(ids: list[str], index: int) -> int | None:
    for n, pid in enumerate(ids):
        if xquad.parse_key(pid.rsplit(":", 1)[0])[1] == index:
            return n
    return None


def xquad_rows(folder: Path, quick: bool) -> list[dict]:
    data = xquad.load(folder)
    fit, _held = xquad_split(data.paragraphs["en"])
    keep = set(fit)
    tables = cross_fitted(folder, fit)
    halves = {id(t): t for t in tables.values()}
    cut = {(n, key): truncated(t, n) for n in TRANSLATIONS for key, t in halves.items()}
    variants = {n: {i: cut[n, id(t)] for i, t in tables.items()} for n in TRANSLATIONS}
    rows = []
    for q_lang, p_lang in (("vi", "en"), ("en", "vi")):
        paragraphs = [p for p in data.paragraphs[p_lang] if p.index in keep]
        assistant, _report, seconds = xquad.index(
            paragraphs, xquad.cache_dir(f"gloss-{p_lang}", paragraphs))
        common.log(f"{p_lang}: {len(paragraphs)} fit paragraphs indexed in {seconds:.0f} s")
        ix = assistant.pipeline.index
        questions = [q for q in data.questions[q_lang] if q.index in keep]
        random.Random(SEED).shuffle(questions)
        questions = questions[:QUICK_QUESTIONS if quick else QUESTIONS]
        for n in TRANSLATIONS:
            for w in WEIGHTS:
                if w == 0 and n > 1:
                    continue  # no gloss: the same row for every n
                # One retriever per word table (building one indexes BM25 again).
                retrievers = {id(t): Retriever(ix, assistant.embedder, gloss_weight=w,
                                               glosser=Glosser(t))
                              for t in variants[n].values()}
                ranks = []
                for q in questions:
                    r = retrievers[id(variants[n][q.index])]
                    hits = r.search(analyse(q.question).search_text, 10, language=q_lang)
                    ranks.append(rank_of([h.id for h in hits], q.index))
                rows.append({"part": "xquad-fit", "direction": f"{q_lang}->{p_lang}-only",
                             "translations": n if w else 0, "weight": round(w, 3),
                             "n": len(questions), **measures(ranks)})
                common.log(f"  {rows[-1]}")
    return rows


def measures(ranks: list[int | None]) -> dict:
    r = [99 if x is None else x for x in ranks]
    return {"recall_at_1": round(float(np.mean([x < 1 for x in r])), 3),
            "recall_at_5": round(float(np.mean([x < 5 for x in r])), 3),
            "mrr": round(float(np.mean([1 / (x + 1) for x in r])), 3)}


def dev_rows() -> list[dict]:
    rows = []
    for name in ("seeds", "hf-course"):
        items, a = fit_set(name)
        items = [i for i in items if i.get("answerable", True)]
        pipe = a.pipeline
        cat = pipe.index.catalog
        for w in WEIGHTS:
            r = Retriever(pipe.index, a.embedder, gloss_weight=w,
                          glosser=Glosser(shipped()))
            hit = []
            for item in items:
                history = [(item["context"], "")] if item.get("context") else None
                q = analyse(item["question"], history)
                top = pipe.dedup.run(r.search(q.search_text, 10, language=q.language))[:5]
                hit.append(any(has_evidence(item, cat.paragraphs[h.id].text) for h in top))
            rows.append({"part": f"{name} fit", "direction": "as asked", "translations": 3,
                         "weight": round(w, 3), "n": len(items),
                         "recall_at_5": round(float(np.mean(hit)), 3)})
            common.log(f"  {rows[-1]}")
    return rows


def main(argv: list[str] | None = None) -> int:
    return common.fit_sweep(
        "bench/sweep_gloss.py", argv, __doc__, dev_rows, xquad_rows,
        ("part", "direction", "translations", "weight", "n", "recall_at_1", "recall_at_5",
         "mrr"),
        "Gloss weight sweep (fit data only)",
        "weight = share of an other-language paragraph's score from the question's gloss; "
        "translations = how many a word contributes (0: no gloss).", "direction")


if __name__ == "__main__":
    raise SystemExit(main())
