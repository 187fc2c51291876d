"""Precision and recall of seedqa's parallel-paragraph links.

    python bench/parallel.py [--limit N]

XQuAD: its 240 English and 240 Vietnamese paragraphs are known translations of
each other (en_i <-> vi_i). Seeds: 002_... is a Vietnamese version of numbered
paragraphs of 001_...; the gold pairs are the paragraphs with the same list
label ("4.", "II."). Writes bench/results/parallel.json.
Targets: XQuAD precision >= 0.95 and recall >= 0.90; seeds: every numbered
paragraph of 002 linked to the right 001 paragraph and nothing else.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qa  # noqa: E402
from bench.xquad import load  # noqa: E402
from qa.corpus import parse_document  # noqa: E402
from qa.embed import make_embedder  # noqa: E402
from qa.parallel import find_links  # noqa: E402
from qa.sentvec import SentenceVectors  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
_LABEL = re.compile(r"^(\d+|[IVX]+)\.\s")


def prf(links: dict, gold: set[tuple[str, str]], scope: set[str]) -> dict:
    found = {tuple(sorted((a, b))) for a, bs in links.items() for b in bs
             if a in scope or b in scope}
    gold = {tuple(sorted(g)) for g in gold}
    tp = len(found & gold)
    return {"links": len(found), "gold": len(gold), "correct": tp,
            "precision": round(tp / len(found), 3) if found else None,
            "recall": round(tp / len(gold), 3) if gold else None}


def xquad(limit: int | None) -> dict:
    data = load(limit=limit) if limit else load()
    sv = SentenceVectors(make_embedder(qa.Config.from_env()), CACHE)
    paras = [parse_document(p.key, p.text).paragraphs[0]
             for lang in data.langs for p in data.paragraphs[lang]]
    t = time.perf_counter()
    vecs = dict(zip([p.id for p in paras], sv.get([p.text for p in paras])))
    sv.save()
    embed = time.perf_counter() - t
    t = time.perf_counter()
    links = find_links(paras, vecs)
    seconds = time.perf_counter() - t
    gold = {(f"en_{i:03d}:1", f"vi_{i:03d}:1") for i in data.indices}
    return {**prf(links, gold, {p.id for p in paras}), "paragraphs": len(paras),
            "embed_seconds": round(embed, 1), "link_seconds": round(seconds, 3)}


def seeds() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        bot = qa.Assistant(corpus_dir=ROOT / "seeds", data_dir=tmp, llm=False)
        bot.ingest()
        bot.wait_ready()
        cat = bot.catalog
        labels = {p.id: m.group(1) for p in cat.paragraphs.values()
                  if (m := _LABEL.match(p.text)) and p.is_canonical}
        vi = [pid for pid in labels if pid.startswith("002_")]
        gold = {(a, b) for a in vi for b in labels
                if b.startswith("001_") and labels[b] == labels[a]}
        scope = set(cat.documents["002_4192465d81224e60"][i].id
                    for i in range(len(cat.documents["002_4192465d81224e60"])))
        result = prf(cat.links, gold, scope)
        result["pairs"] = sorted(f"{a} <-> {b}" for a, bs in cat.links.items()
                                 for b in bs if a.startswith("002_"))
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="XQuAD paragraphs per language")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "parallel.json"))
    args = parser.parse_args()
    result = {"xquad": xquad(args.limit), "seeds": seeds()}
    x, s = result["xquad"], result["seeds"]
    print(f"XQuAD: precision {x['precision']} recall {x['recall']} ({x['correct']}/{x['gold']} "
          f"gold, {x['links']} links; targets P >= 0.95, R >= 0.90)")
    print(f"seeds 002<->001: precision {s['precision']} recall {s['recall']} "
          f"({s['correct']}/{s['gold']}, {s['links']} links)")
    for pair in s["pairs"]:
        print("  ", pair)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
