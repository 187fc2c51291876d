"""Offline extractive answers on XQuAD: is the gold answer span in seedqa's answer?

    python bench/answer_xquad.py --xquad DIR            # 240 paragraphs per language
    python bench/answer_xquad.py --xquad DIR --quick    # the first 40
    python bench/answer_xquad.py --xquad DIR --limit 3 --questions 4 --no-cache --out /tmp/a.json

One ``qa.Assistant(llm=False)`` over every selected paragraph in English and in
Vietnamese (one file each, document id ``en_007`` / ``vi_007``); every question
is asked in both languages and scored:

- span hit: the answer (markers removed) contains a gold span of either
  language after SQuAD normalisation (NFC, lower case, no punctuation or English
  articles, on word boundaries). A refusal is a miss.
- citation hit: a citation is the question's paragraph (either language).
- baseline: the first sentence of seedqa's own top search hit (never refuses).

Target: span hit (all questions) >= 1.2 x the baseline's. The index is cached in
bench/.cache/ (``--no-cache``: a temp folder). Writes answer_xquad[.quick].json +
.md in bench/results/; per-question rows go to bench/results/raw/.
"""

from __future__ import annotations

import argparse
import re
import shutil
import string
import sys
import tempfile
import unicodedata
from pathlib import Path

if __package__ in (None, ""):  # `python bench/answer_xquad.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, xquad  # noqa: E402

QUICK_PARAGRAPHS = 40
TARGET_RATIO = 1.2  # the target: extractive answers beat "quote the top hit" by 20%
_MARKER = re.compile(r"\s*\[\d+\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalise(text: str) -> str:
    """SQuAD's normalize_answer, Unicode-aware: NFC, lower, no punctuation/articles/extra space."""
    text = unicodedata.normalize("NFC", text).lower()
    text = "".join(" " if (unicodedata.category(c).startswith("P") or c in string.punctuation)
                   else c for c in text)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains(text: str, golds) -> bool:
    """Does ``text`` contain any gold span (normalised, on word boundaries)?"""
    hay = f" {normalise(_MARKER.sub('', text))} "
    return any((g := normalise(gold)) and f" {g} " in hay for gold in golds)


def ask_all(assistant, data: xquad.XQuAD, per_lang: int | None) -> list[dict]:
    """Every question in both languages; one row of measures each."""
    from qa.text import sentences

    golds: dict[str, list[str]] = {}
    for qs in data.questions.values():
        for q in qs:
            golds.setdefault(q.id, []).extend(q.answers)
    rows = []
    for lang in data.langs:
        for q in data.questions[lang][:per_lang]:
            answer, seconds = common.timed(lambda q=q: assistant.ask(q.question))
            top = assistant.search(q.question, k=1)
            first = ""
            if top:
                text = top[0].citation.text
                s, e = (sentences(text) or [(0, len(text))])[0]
                first = text[s:e]
            cited = [xquad.parse_key(c.doc_id)[1] for c in answer.citations]
            rows.append({"id": q.id, "lang": lang, "answered": answer.answered,
                         "span_hit": answer.answered and contains(answer.text, golds[q.id]),
                         "citation_hit": answer.answered and q.index in cited,
                         "baseline_span_hit": contains(first, golds[q.id]),
                         "ms": round(1000 * seconds, 1), "question": q.question,
                         "gold": golds[q.id], "text": answer.text[:300]})
    return rows


def summarise(rows: list[dict]) -> dict:
    def share(rs, key):
        return round(sum(bool(r[key]) for r in rs) / len(rs), 4) if rs else None

    answered = [r for r in rows if r["answered"]]
    span, base = share(rows, "span_hit"), share(rows, "baseline_span_hit")
    span_a, base_a = share(answered, "span_hit"), share(answered, "baseline_span_hit")
    return {"n": len(rows), "answered_rate": share(rows, "answered"), "span_hit": span,
            "citation_hit": share(rows, "citation_hit"), "baseline_span_hit": base,
            "ratio_vs_baseline": round(span / base, 3) if base else None,
            "span_hit_answered": span_a,
            "ratio_answered": round(span_a / base_a, 3) if base_a else None,
            **common.latency([r["ms"] for r in rows])}


def _f(x, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def report(rows: list[dict], n_paragraphs: int, info: dict) -> tuple[dict, str]:
    summary = {lang: summarise([r for r in rows if r["lang"] == lang]) for lang in ("en", "vi")}
    summary["all"] = a = summarise(rows)
    ratio, ratio_a = a["ratio_vs_baseline"], a["ratio_answered"]
    lines = [f"# Offline answers on XQuAD ({n_paragraphs} paragraphs per language, mixed "
             "en+vi corpus)", "",
             "Span hit = the answer contains a gold span (either language; refusal = miss); "
             "citation hit = a citation is the question's paragraph; baseline = first sentence "
             "of seedqa's top search hit.", "",
             "| query lang | n | answered | span hit | citation hit | baseline span hit | ratio "
             "| span hit (answered) | ratio (answered) | ask p50 / p95 ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {k} | {x['n']} | {_f(x['answered_rate'])} | {_f(x['span_hit'])} | "
              f"{_f(x['citation_hit'])} | {_f(x['baseline_span_hit'])} | "
              f"{_f(x['ratio_vs_baseline'], 2)}x | {_f(x['span_hit_answered'])} | "
              f"{_f(x['ratio_answered'], 2)}x | {x['p50_ms']:.0f} / {x['p95_ms']:.0f} |"
              for k, x in summary.items()]
    lines += ["", f"Index: {info}. Data: XQuAD, {xquad.LICENSE}."]
    result = {
        "benchmark": "answer_xquad", "paragraphs_per_lang": n_paragraphs, "index": info,
        "summary": summary,
        "headline": f"Offline answers on XQuAD ({n_paragraphs} paragraphs per language, "
                    f"{a['n']} questions): span hit {_f(a['span_hit'])} vs first-sentence "
                    f"baseline {_f(a['baseline_span_hit'])} ({_f(ratio, 2)}x); answered "
                    f"{_f(a['answered_rate'])}, citation hit {_f(a['citation_hit'])}.",
        "targets": [
            common.target(f"answer_xquad: span hit >= {TARGET_RATIO}x first-sentence baseline",
                          f"{_f(ratio, 2)}x", ratio is not None and ratio >= TARGET_RATIO),
            common.target("answer_xquad: same, answered questions only", f"{_f(ratio_a, 2)}x",
                          ratio_a is not None and ratio_a >= TARGET_RATIO)]}
    return result, "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    xquad.add_args(parser, QUICK_PARAGRAPHS)
    parser.add_argument("--questions", type=int, help="at most N questions per language")
    parser.add_argument("--no-cache", action="store_true", help="index in a temp folder")
    parser.add_argument("--out", "--json", dest="out", type=Path,
                        help="results JSON (default bench/results/answer_xquad[.quick].json)")
    args = parser.parse_args(argv)
    data, subset = xquad.from_args(args, QUICK_PARAGRAPHS)
    out = args.out or common.RESULTS / f"answer_xquad{'.quick' * subset}.json"
    paragraphs = [p for lang in data.langs for p in data.paragraphs[lang]]
    workdir = (Path(tempfile.mkdtemp(prefix="seedqa-answer-xquad-")) if args.no_cache
               else xquad.cache_dir("answer_xquad", paragraphs))
    try:
        assistant, ingest, seconds = xquad.index(paragraphs, workdir)
        info = {"paragraphs": ingest.paragraphs, "embedded": ingest.embedded,
                "ingest_seconds": round(seconds, 1)}
        rows = ask_all(assistant, data, args.questions)
    finally:
        if args.no_cache:
            shutil.rmtree(workdir, ignore_errors=True)
    result, md = report(rows, len(data.paragraphs["en"]), info)
    common.write_results(out, result, md, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
