"""Chroma's filtered queries: what a metadata filter costs, and seedqa's candidate draw.

    python bench/filters.py               # 1k, 10k and 40k paragraph vectors
    python bench/filters.py --quick       # 1k and 10k
    python bench/filters.py --sizes 2000 --queries 20 --out /tmp/filters.json

Retrieval draws its dense candidates per language (``qa.retrieve.Retriever._candidates``):
the ``pool`` nearest canonical paragraphs and sentences of each language. With a
``where`` filter on Chroma's query (chromadb 1.5.9, embedded) the cost grows with the
records the filter matches, while an unfiltered query stays near 1 ms. Measured here
on synthetic 384-d "e5like" vectors (``bench/scale.py``'s generator) with
``language`` and ``is_canonical`` metadata as seedqa writes them, in an embedded
store: warm query p50 without a filter for k = the pool (30) and for the wide k of
``_candidates`` (pool x 2 languages x ``RETRIEVAL.unfiltered_factor`` = 480), with a
filter on the majority language, on the minority language, and on ``is_canonical``;
then the whole draw for one question (one paragraph and one sentence collection of
the same size) as seedqa made it before (one filtered query per language and
collection) and as it makes it now (one unfiltered query per collection, a filtered
one only for a language still short of the pool), for a corpus split 50/50 and 90/10
between two languages. No target: the figures explain the design.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # `python bench/filters.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench import common  # noqa: E402
from bench.scale import dataset, embedded  # noqa: E402
from qa.tuning import RETRIEVAL  # noqa: E402

POOL = RETRIEVAL.dense_pool  # candidates drawn per language
FACTOR = RETRIEVAL.unfiltered_factor  # the unfiltered query's width, x pool x languages
SIZES, QUICK_SIZES = (1_000, 10_000, 40_000), (1_000, 10_000)
SPLITS = (0.5, 0.9)  # share of the majority language


def build(client, name: str, x: np.ndarray, share: float, seed: int):
    col = client.create_collection(name, configuration={"hnsw": {"space": "cosine"}},
                                   embedding_function=None)
    rng = np.random.default_rng(seed)
    langs = np.where(rng.random(len(x)) < share, "en", "vi")
    batch = int(client.get_max_batch_size())
    for i in range(0, len(x), batch):
        col.add(ids=[str(j) for j in range(i, min(i + batch, len(x)))],
                embeddings=x[i:i + batch],
                metadatas=[{"language": str(lang), "is_canonical": True}
                           for lang in langs[i:i + batch]])
    return col, langs


def p50(fn, queries: np.ndarray, warm: int = 5) -> float:
    for v in queries[:warm]:
        fn(v)
    ms = []
    for v in queries:
        t0 = time.perf_counter()
        fn(v)
        ms.append(1000 * (time.perf_counter() - t0))
    return round(float(np.median(ms)), 2)


def draw_before(cols, v) -> None:
    for lang in ("en", "vi"):
        cols[0].query(query_embeddings=[v], n_results=POOL, include=["distances"],
                      where={"$and": [{"is_canonical": True}, {"language": lang}]})
        cols[1].query(query_embeddings=[v], n_results=POOL, include=["distances"],
                      where={"language": lang})


def draw_now(cols, langs: np.ndarray, counts: dict[str, int], v, factor: int) -> int:
    """The draw of ``_candidates`` (languages looked up by id, as seedqa looks them up in
    its catalog); returns how many filtered queries it needed."""
    filtered = 0
    for col in cols:
        wide = POOL * len(counts) * factor
        res = col.query(query_embeddings=[v], n_results=wide, include=["distances"])
        found = {lang: 0 for lang in counts}
        for rid in res["ids"][0]:
            found[langs[int(rid)]] += 1
        for lang, n in found.items():
            if len(res["ids"][0]) == wide and n < min(POOL, counts[lang]):
                col.query(query_embeddings=[v], n_results=POOL, include=["distances"],
                          where={"language": lang})
                filtered += 1
    return filtered


def measure(paras, sents, langs: np.ndarray, q: np.ndarray) -> dict:
    """The query and draw timings of one store (a paragraph and a sentence collection)."""
    counts = {str(lang): int((langs == lang).sum()) for lang in set(langs.tolist())}
    minority, majority = min(counts, key=counts.get), max(counts, key=counts.get)

    def query(k=POOL, where=None):
        return lambda v: paras.query(query_embeddings=[v], n_results=k, where=where,
                                     include=["distances"])

    row = {"unfiltered_pool_ms": p50(query(), q),
           "unfiltered_wide_ms": p50(query(k=2 * POOL * FACTOR), q),
           "majority_filter_ms": p50(query(where={"language": majority}), q),
           "minority_filter_ms": p50(query(where={"language": minority}), q),
           "canonical_filter_ms": p50(query(where={"is_canonical": True}), q),
           "draw_before_ms": p50(lambda v: draw_before((paras, sents), v), q)}
    for factor in (1, FACTOR):
        filtered: list[int] = []
        row[f"draw_now_x{factor}_ms"] = p50(lambda v, f=factor, out=filtered: out.append(
            draw_now((paras, sents), langs, counts, v, f)), q)
        row[f"draw_now_x{factor}_filtered_queries"] = round(float(np.mean(filtered)), 2)
    return row


def run(sizes, queries: int, seed: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="seedqa-filters-") as tmp:
        for size in sizes:
            x, q = dataset("e5like", size, queries, seed)
            for share in SPLITS:
                client = embedded(Path(tmp) / f"{size}-{share}")
                paras, langs = build(client, "paragraphs", x, share, seed)
                sents, _ = build(client, "sentences", x, share, seed)
                row = {"size": size, "majority_share": share,
                       **measure(paras, sents, langs, q)}
                common.log(f"{size} vectors, {share:.0%} one language: {row}")
                rows.append(row)
    return rows


def report(rows: list[dict]) -> str:
    lines = ["# Chroma filtered queries and seedqa's candidate draw", "",
             "Embedded Chroma (cosine HNSW, defaults), synthetic e5like 384-d vectors in two "
             f"languages, pool {POOL} per language; warm p50 in ms over the queries. "
             "Draw = the dense candidates of one question (a paragraph and a sentence "
             "collection): *before*, one filtered query per language and collection; "
             f"*now*, one unfiltered query of width pool x languages x {FACTOR} per "
             "collection (x 1 shown for comparison) and a filtered one only for a "
             "language still short (their mean count in brackets). Random queries have no "
             "language: real questions favour their own language, so x 1 falls short "
             "more often on real corpora (the dev sets: one filtered query per question "
             "and collection at x 1, none at x 8).", "",
             f"| vectors | majority share | k={POOL} | k={2 * POOL * FACTOR} | filter: majority "
             "language | filter: minority language | filter: is_canonical | draw before | "
             f"draw now x 1 | draw now x {FACTOR} |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['size']:,} | {r['majority_share']:.0%} | {r['unfiltered_pool_ms']} | "
            f"{r['unfiltered_wide_ms']} | {r['majority_filter_ms']} | "
            f"{r['minority_filter_ms']} | {r['canonical_filter_ms']} | {r['draw_before_ms']} "
            f"| {r['draw_now_x1_ms']} ({r['draw_now_x1_filtered_queries']}) | "
            f"{r[f'draw_now_x{FACTOR}_ms']} ({r[f'draw_now_x{FACTOR}_filtered_queries']}) |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = common.arg_parser(__doc__, "filters[.quick].json")
    parser.add_argument("--quick", action="store_true", help="sizes 1k and 10k")
    parser.add_argument("--sizes", help="comma-separated corpus sizes (overrides --quick)")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sizes = ([int(s) for s in args.sizes.split(",")] if args.sizes
             else QUICK_SIZES if args.quick else SIZES)
    rows = run(sizes, args.queries, args.seed)
    name = "filters.quick" if args.quick and not args.sizes else "filters"
    out = args.out or common.RESULTS / f"{name}.json"
    big = [r for r in rows if r["size"] == max(sizes)]
    headline = (f"Chroma's filtered queries at {max(sizes):,} vectors cost "
                + ", ".join(f"{r['majority_filter_ms']} ms ({r['majority_share']:.0%} "
                            "language)" for r in big)
                + f" against {big[0]['unfiltered_wide_ms']} ms for an unfiltered query of "
                f"{2 * POOL * FACTOR}; a question's dense candidate draw "
                + ", ".join(f"{r['draw_before_ms']} → {r[f'draw_now_x{FACTOR}_ms']} ms"
                            for r in big) + ". No target: for the design.")
    common.write_results(out, {"rows": rows, "pool": POOL, "factor": FACTOR,
                               "headline": headline, "targets": []}, report(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
