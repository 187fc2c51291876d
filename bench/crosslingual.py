"""Cross-language retrieval where each statement exists in one language only, on fit data.

    python bench/crosslingual.py --xquad DIR     # ~6 min on 2 cores (first run: + indexing)

The seeds hold statements written in one language only (the Vietnamese phone-call
article, the English joint statement's full text): a question in the other language
must find them among paragraphs of its own language. This measures that case, for the
retriever's focus matched in the question's language only (``focus_glossed=False``) and
blended with the question's gloss for paragraphs in the other language, as the question
itself is (``True``, shipped).

XQuAD part (the fit paragraphs of ``bench.evaluate.xquad_split`` only): one index in
which each fit paragraph is present in ONE language (even index: English, odd:
Vietnamese); 400 English and 400 Vietnamese questions (fixed seed), split into those whose
paragraph is in their own language ("same") and those whose paragraph is in the other
("cross"); recall@1, recall@5 and MRR of the question's paragraph (``qa.search``).
Dev part: the fit splits of seeds and hf-course: recall@5 and MRR of the first
paragraph holding an evidence string (translations folded as the product does), and the
offline pipeline's answer measures.
Writes bench/results/crosslingual-sweep.{md,json}.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, xquad  # noqa: E402
from bench.evaluate import fit_set, xquad_fit_assistant  # noqa: E402
from qa.evaluate import has_evidence, run, summarise  # noqa: E402

QUESTIONS = 400
QUICK_QUESTIONS = 100
SEED = 5
ANSWER_MEASURES = ("citation_hit", "answer_accuracy", "refusal_rate", "false_refusal_rate")


def _measures(ranks: list[int | None]) -> dict:
    n = len(ranks) or 1
    return {"recall_at_1": round(sum(k == 0 for k in ranks) / n, 3),
            "recall_at_5": round(sum(k is not None and k < 5 for k in ranks) / n, 3),
            "mrr": round(sum(1 / (k + 1) for k in ranks if k is not None) / n, 3)}


def dev_rows() -> list[dict]:
    rows = []
    for name in ("seeds", "hf-course"):
        items, assistant = fit_set(name)
        cat = assistant.pipeline.index.catalog
        retriever = assistant.pipeline.retriever
        for glossed in (False, True):
            retriever.focus_glossed = glossed
            ranks = []
            for item in items:
                if not item.get("answerable", True):
                    continue
                hits = assistant.search(item["question"], k=10)
                ranks.append(next((n for n, h in enumerate(hits) if has_evidence(
                    item, h.citation.text) or any(has_evidence(item, cat.paragraphs[t].text)
                                                  for t in cat.parallel(h.citation.id))),
                    None))
            s = summarise(run(assistant, items, search=False))
            rows.append({"part": f"{name} fit", "focus glossed": glossed, "n": len(ranks),
                         **_measures(ranks), **{k: s.get(k) for k in ANSWER_MEASURES}})
            common.log(f"  {rows[-1]}")
        retriever.focus_glossed = True
    return rows


def xquad_rows(folder: Path, quick: bool) -> list[dict]:
    data, keep, assistant = xquad_fit_assistant(
        folder, "one-language", lambda p, lang: (p.index % 2 == 0) == (lang == "en"))
    retriever = assistant.pipeline.retriever
    rows = []
    for lang in ("en", "vi"):
        questions = [q for q in data.questions[lang] if q.index in keep]
        questions = random.Random(SEED).sample(questions, QUICK_QUESTIONS if quick else QUESTIONS)
        for glossed in (False, True):
            retriever.focus_glossed = glossed
            ranks: dict[str, list] = {"same": [], "cross": []}
            for q in questions:
                found = [xquad.parse_key(h.citation.doc_id)[1]
                         for h in assistant.search(q.question, k=10)]
                kind = "same" if (q.index % 2 == 0) == (lang == "en") else "cross"
                ranks[kind].append(found.index(q.index) if q.index in found else None)
            for kind, got in ranks.items():
                rows.append({"part": f"xquad-fit {lang} questions, {kind} language",
                             "focus glossed": glossed, "n": len(got), **_measures(got)})
                common.log(f"  {rows[-1]}")
        retriever.focus_glossed = True
    return rows


def main(argv: list[str] | None = None) -> int:
    return common.fit_sweep(
        "bench/crosslingual.py", argv, __doc__, dev_rows, xquad_rows,
        ("part", "focus glossed", "n", "recall_at_1", "recall_at_5", "mrr", *ANSWER_MEASURES),
        "Cross-language retrieval, statements in one language only (fit data only)",
        "focus glossed: a paragraph in another language than the question matches the "
        "question's focus blended with the question's gloss (shipped), or the focus alone.",
        "language")


if __name__ == "__main__":
    raise SystemExit(main())
