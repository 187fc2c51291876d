"""XQuAD retrieval benchmark: does the right paragraph come back, in English and Vietnamese?

    python bench/retrieval.py --xquad DIR                 # 240 paragraphs per language
    python bench/retrieval.py --xquad DIR --quick         # the first 60
    python bench/retrieval.py --xquad DIR --systems seedqa,bm25 --json /tmp/r.json

Corpora: "mixed" (every paragraph in English and in Vietnamese) and "en" (English
only); queries: the English and the Vietnamese questions. A result is a hit when
it is the question's paragraph in either language, so en/vi→ is the
cross-lingual row (Vietnamese questions, English-only corpus). Systems are
bench/evaluate.py's: seedqa (``Assistant.search`` as shipped), llama-index (plain
dense VectorStoreIndex) and bm25 (bench/baselines.py); their indexes and vectors
are cached in bench/.cache/evaluate/. bench/evaluate.py reports the same systems
on XQuAD's held-out paragraphs with answers; this script ranks every paragraph.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python bench/retrieval.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, evaluate, xquad  # noqa: E402

ROWS = (("mixed", "en"), ("mixed", "vi"), ("en", "en"), ("en", "vi"))
QUICK_PARAGRAPHS = 60
K = 5  # the baselines return their top 5 (bench/baselines.py TOP_K)


def score(system, questions: list[xquad.XQuestion]) -> dict:
    """recall@1, recall@5, mrr@5 and ms per query of ``system.search`` over ``questions``."""
    ranks, t0 = [], time.perf_counter()
    for q in questions:
        got = list(dict.fromkeys(xquad.parse_key(h.citation.doc_id)[1]
                                 for h in system.search(q.question, k=K)))
        ranks.append(got.index(q.index) + 1 if q.index in got else None)
    n = len(questions)
    return {"n": n, "recall@1": round(sum(r == 1 for r in ranks) / n, 4),
            "recall@5": round(sum(r is not None for r in ranks) / n, 4),
            "mrr@5": round(sum(1 / r for r in ranks if r) / n, 4),
            "ms_per_query": round(1000 * (time.perf_counter() - t0) / n, 1)}


def run(data: xquad.XQuAD, systems: list[str]) -> dict:
    corpora = {"mixed": [p for lang in data.langs for p in data.paragraphs[lang]],
               "en": data.paragraphs["en"]}
    results: dict[str, dict] = {s: {} for s in systems}
    for cname, paragraphs in corpora.items():
        folder = xquad.cache_dir(f"retrieval-{cname}", paragraphs)
        xquad.write_corpus(paragraphs, folder / "corpus")
        built = evaluate.build_systems(folder / "corpus", folder.name, systems)
        for system, bot in built.items():
            for corpus, lang in ROWS:
                if corpus == cname:
                    m = results[system][f"{cname}/{lang}"] = score(bot, data.questions[lang])
                    common.log(f"[{system}] {cname}/{lang}→ {m}")
    return results


def report(results: dict, n: int) -> tuple[dict, str]:
    systems = list(results)
    lines = [f"# XQuAD retrieval ({n} paragraphs per language)", "",
             f"mixed = en + vi paragraphs ({2 * n}), en = English only; a hit is the question's "
             "paragraph in either language.", "",
             "| corpus/query | " + " | ".join(f"{s} R@1 / R@5 / MRR@5 / ms" for s in systems)
             + " |", "|---|" + "---:|" * len(systems)]
    lines += [f"| {c}/{lang}→ | " + " | ".join(
        "{recall@1:.3f} / {recall@5:.3f} / {mrr@5:.3f} / {ms_per_query:.1f}".format(
            **results[s][f"{c}/{lang}"]) for s in systems) + " |" for c, lang in ROWS]
    lines += ["", f"Data: XQuAD, {xquad.LICENSE}."]
    headline = (f"XQuAD retrieval, {n} paragraphs per language: R@5 of Vietnamese questions over "
                "English paragraphs " + ", ".join(f"{s} {results[s]['en/vi']['recall@5']:.3f}"
                                                  for s in systems) + ". No target: comparison.")
    return {"benchmark": "retrieval", "paragraphs_per_lang": n, "systems": results,
            "headline": headline, "targets": []}, "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = common.arg_parser(__doc__, "retrieval[.quick].json")
    xquad.add_args(parser, QUICK_PARAGRAPHS)
    parser.add_argument("--systems", default=",".join(evaluate.SYSTEMS),
                        help=f"comma-separated subset of {','.join(evaluate.SYSTEMS)}")
    args = parser.parse_args(argv)
    data, subset = xquad.from_args(args, QUICK_PARAGRAPHS)
    results = run(data, [s.strip() for s in args.systems.split(",") if s.strip()])
    result, md = report(results, len(data.paragraphs["en"]))
    common.write_results(args.out or common.RESULTS / f"retrieval{'.quick' * subset}.json",
                         result, md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
