"""Fit the offline answerer's constants from data, and write qa/calibration.json.

    python bench/calibrate.py [--limit N]

1. Cross-lingual bias: on XQuAD's parallel en/vi paragraphs, how much higher
   the embedder scores a same-language paragraph than its translation.
2. Sentence-scoring weights: on XQuAD questions (same- and cross-language),
   the weights of (sentence similarity, paragraph similarity, shared rare words)
   that most often rank first the sentence holding the gold answer.
3. Answer threshold: on the seeds, the evidence-strength cut that keeps dev-set
   answerable questions answered (false refusals <= 5%) while refusing as many
   off-corpus questions (XQuAD questions asked of the seeds) as possible.

    python bench/calibrate.py --xquad DIR [--limit N]    (or SEEDQA_XQUAD=DIR)

The dev questions are the fit split of eval/seeds-dev.jsonl (eval/splits.json).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.xquad import load  # noqa: E402
from qa.corpus import parse_document  # noqa: E402
from qa.embed import make_embedder, passage_text  # noqa: E402
from qa.extractive import (  # noqa: E402
    CALIBRATION,
    _coverage,
    focus_text,
    idf_table,
    load_calibration,
)
from qa.sentvec import SentenceVectors, spans  # noqa: E402
from qa.text import content_tokens  # noqa: E402

CACHE = ROOT / "bench" / ".cache"


class QueryCache:
    """Query vectors cached on disk by text."""

    def __init__(self, embedder, path: Path) -> None:
        self.embedder, self.path = embedder, path
        self.data = dict(np.load(path)) if path.exists() else {}

    def get(self, text: str) -> np.ndarray:
        if text not in self.data:
            self.data[text] = self.embedder.embed_query(text)
        return self.data[text]

    def save(self) -> None:
        np.savez(self.path, **self.data)


def xquad_setup(folder: Path, limit: int | None):
    data = load(folder, limit=limit)
    emb = make_embedder(__import__("qa").Config.from_env())
    CACHE.mkdir(parents=True, exist_ok=True)
    sv = SentenceVectors(emb, CACHE)
    paras = {lang: [parse_document(p.key, p.text).paragraphs[0] for p in data.paragraphs[lang]]
             for lang in data.langs}
    t = time.perf_counter()
    pvec = {lang: sv.get([passage_text(p) for p in ps]) for lang, ps in paras.items()}
    for lang in paras:
        sv.warm(paras[lang])
    print(f"vectors ready in {time.perf_counter() - t:.0f} s")
    qc = QueryCache(emb, CACHE / "queries.npz")
    return data, paras, pvec, sv, qc


def measure_bias(data, pvec, qc) -> dict[str, float]:
    out = {}
    for ql in data.langs:
        gaps = []
        for q in data.questions[ql]:
            v = qc.get(q.question)
            same = pvec[ql] @ v
            other = pvec[[lang for lang in data.langs if lang != ql][0]] @ v
            gaps.append(float(np.mean(same - other)))
        pl = [lang for lang in data.langs if lang != ql][0]
        out[f"{ql}->{pl}"] = round(float(np.mean(gaps)), 4)
    return out


def sentence_items(data, paras, pvec, sv, qc, bias, k=5):
    """For each (question, paragraph language): candidate sentence features + gold flags."""
    by_id = {lang: {q.id: q for q in data.questions[lang]} for lang in data.langs}
    idf = {lang: idf_table([p.text for p in paras[lang]]) for lang in data.langs}
    items = []
    for ql, pl in itertools.product(data.langs, data.langs):
        for q in data.questions[ql]:
            v = qc.get(q.question)
            psim = pvec[pl] @ v + (bias.get(f"{ql}->{pl}", 0.0) if ql != pl else 0.0)
            top = np.argsort(-psim)[:k]
            answers = by_id[pl][q.id].answers
            default = max(idf[pl].values())
            weights = {t: idf[pl].get(t, default) for t in set(content_tokens(q.question))}
            feats, gold = [], []
            focus = focus_text(q.question, [paras[pl][i] for i in top])
            fv = qc.get(focus) if focus else v
            shift = bias.get(f"{ql}->{pl}", 0.0) if ql != pl else 0.0
            for i in top:
                p = paras[pl][i]
                texts = [p.text[s:e] for s, e in spans(p.text)]
                vecs = sv.get(texts)
                for text, sim, fsim in zip(texts, vecs @ v, vecs @ fv):
                    feats.append((float(sim) + shift, float(fsim) + shift, float(psim[i]),
                                  _coverage(weights, text)))
                    gold.append(any(a and a in text for a in answers))
            if any(gold):
                items.append((f"{ql}->{pl}", np.array(feats), np.array(gold)))
    return items


def fit_weights(items):
    best = None
    grid = itertools.product((0.0, 0.25, 0.5, 0.75, 1.0), (0.0, 0.25, 0.5, 0.75, 1.0),
                             (0.0, 0.1, 0.2, 0.3, 0.5, 0.8))
    for wf, wp, wl in grid:
        w = np.array([1.0 - wf, wf, wp, wl])
        acc = np.mean([gold[int(np.argmax(f @ w))] for _, f, gold in items])
        if best is None or acc > best[0]:
            best = (acc, wf, wp, wl)
    acc, wf, wp, wl = best
    per = {}
    w = np.array([1.0 - wf, wf, wp, wl])
    for pair in sorted({p for p, _, _ in items}):
        sub = [(f, g) for p, f, g in items if p == pair]
        per[pair] = round(float(np.mean([g[int(np.argmax(f @ w))] for f, g in sub])), 3)
    weights = {"sim": 1.0 - wf, "focus": wf, "para": wp, "lexical": wl}
    return weights, round(float(acc), 3), per


def fit_threshold(weights, bias, data, limit_neg=300):
    import qa
    from qa.evaluate import load_items
    from qa.question import analyse

    tmp = CACHE / "seeds-index"
    a = qa.Assistant(corpus_dir=ROOT / "seeds", data_dir=tmp)
    a.ingest()
    ext = a._extractive
    ext.cal = {**ext.cal, "weights": weights, "threshold": -1e9}
    a._retriever.cross_bonus = bias

    def best(question, history=None):
        q = analyse(question, history)
        vec = a._query_vector(q)
        hits = a.retriever.search(q.standalone, 8, vector=vec, language=q.language)
        ranked = ext.sentences(q, vec, hits)
        return ranked[0].score if ranked else -1e9

    from qa.evaluate import select, split_ids

    dev_file = ROOT / "eval" / "seeds-dev.jsonl"
    dev = select(load_items(dev_file), split_ids(ROOT / "eval" / "splits.json", dev_file, "fit"))
    pos = [best(i["question"], [(i["context"], "")] if i.get("context") else None)
           for i in dev if i["answerable"]]
    neg = [best(q.question) for lang in data.langs for q in data.questions[lang][:limit_neg // 2]]
    pos, neg = np.sort(pos), np.sort(neg)
    # Answer >= 95% of the answerable dev questions; where the off-corpus scores
    # stay below that, cut half-way between, leaving room on both sides.
    pos_p05 = float(pos[int(np.floor(0.05 * len(pos)))]) - 1e-3
    neg_p95 = float(np.quantile(neg, 0.95))
    cut = (pos_p05 + neg_p95) / 2 if neg_p95 < pos_p05 else pos_p05
    refused = float(np.mean(neg < cut))
    ext.cal = {**ext.cal, "threshold": cut}
    margin, sweep = fit_margin(a, dev)
    return round(cut, 4), margin, {"margin_sweep": sweep,
                                   "dev_answerable_min": round(float(pos[0]), 4),
                           "dev_answerable_p05": round(pos_p05, 4),
                           "off_corpus_p95": round(neg_p95, 4),
                           "off_corpus_refused": round(refused, 3),
                           "off_corpus_median": round(float(np.median(neg)), 4)}


def fit_margin(assistant, dev) -> tuple[float, dict]:
    """How far below the best sentence another may be and still be quoted:
    the value that maximises citation hit + precision + accuracy on the dev set."""
    from qa.evaluate import evaluate

    ext = assistant._extractive
    sweep = {}
    for margin in (0.02, 0.03, 0.04, 0.05):
        ext.cal = {**ext.cal, "margin": margin}
        o = evaluate(assistant, dev)["overall"]
        sweep[margin] = round(o["citation_hit"] + o["citation_precision"] + o["answer_accuracy"], 3)
    return max(sweep, key=lambda m: (sweep[m], -abs(m - 0.04))), sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_xquad_arg(parser)
    parser.add_argument("--limit", type=int, default=None, help="XQuAD paragraphs to use")
    parser.add_argument("--out", default=str(CALIBRATION))
    args = parser.parse_args()
    data, paras, pvec, sv, qc = xquad_setup(common.xquad_or_skip(args.xquad), args.limit)
    bias = measure_bias(data, pvec, qc)
    print("cross-lingual bias:", bias)
    items = sentence_items(data, paras, pvec, sv, qc, bias)
    sv.save()
    qc.save()
    weights, acc, per = fit_weights(items)
    print("sentence weights:", weights, "top-1 answer-sentence accuracy", acc, per)
    threshold, margin, stats = fit_threshold(weights, bias, data)
    print("threshold:", threshold, "margin:", margin, stats)
    cal = {**load_calibration(), "weights": weights, "threshold": threshold, "margin": margin,
           "cross_lingual_bonus": bias,
           "fitted": {"sentence_accuracy": acc, "per_pair": per, **stats,
                      "xquad_paragraphs": len(data.indices),
                      "command": "python bench/calibrate.py"}}
    Path(args.out).write_text(json.dumps(cal, indent=2, ensure_ascii=False) + "\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
