"""Precision and recall of seedqa's parallel-paragraph links, read through the public
``Assistant.catalog.parallel(id)`` right after ``ingest()`` returns.

    python bench/parallel.py [--xquad DIR] [--limit N]

XQuAD (with ``--xquad`` or $SEEDQA_XQUAD; left out otherwise): its English and
Vietnamese paragraphs are known translations (en_i <-> vi_i). Seeds: 002_... is a
Vietnamese version of numbered paragraphs of 001_...; the gold pairs are the
paragraphs with the same list label ("4.", "II."). Targets: XQuAD precision >= 0.95
and recall >= 0.90; seeds: every numbered paragraph of 002 linked to the right 001
paragraph and nothing else. hf-course (``eval/hf-course/corpus``, no gold alignment):
of the prose paragraphs of pages that have a translation (``page.md`` / ``page.vi.md``),
the share linked, and the links that leave the page's own translation (an upper bound
on wrong links: examples repeated across pages may be right).
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # `python bench/parallel.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, xquad  # noqa: E402

_LABEL = re.compile(r"^(\d+|[IVX]+)\.\s")


def prf(catalog, gold: set[tuple[str, str]], scope: set[str]) -> dict:
    """Links touching ``scope`` against ``gold`` pairs."""
    found = {tuple(sorted((a, b))) for a in scope for b in catalog.parallel(a)}
    gold = {tuple(sorted(g)) for g in gold}
    tp = len(found & gold)
    return {"links": len(found), "gold": len(gold), "correct": tp,
            "precision": round(tp / len(found), 3) if found else None,
            "recall": round(tp / len(gold), 3) if gold else None}


def on_xquad(folder: Path, limit: int | None) -> dict:
    data = xquad.load(folder, limit=limit)
    paragraphs = [p for lang in data.langs for p in data.paragraphs[lang]]
    assistant, _, _ = xquad.index(paragraphs, xquad.cache_dir("parallel", paragraphs))
    gold = {(f"en_{i:03d}:1", f"vi_{i:03d}:1") for i in data.indices}
    return prf(assistant.catalog, gold, set(assistant.catalog.paragraphs)) | {
        "anchorless_fit": anchorless(assistant, folder, data.indices),
        "counterparts": counterparts(assistant, folder, data)}


def counterparts(assistant, folder: Path, data) -> dict:
    """Does a sentence have its counterpart in a linked translation? Features: its best
    language-centred cosine to the sentences of its paragraph's translation and the
    margin over the second best (XQuAD: every sentence has a counterpart, though the two
    languages split sentences differently), against the same two read on that
    translation without its best match (a translation that lacks the sentence: the rest
    of the same paragraph, the closest a sentence without a counterpart comes).
    Logistic regression on the fit paragraphs (scikit-learn defaults); a sentence counts
    as lacking its counterpart below the decision value at which 5 % of the fit
    paragraphs' translated sentences would (a wrongly added sentence repeats a statement
    in a second language). ``Links.counterpart`` holds the result; the rates are also
    shown on the held-out paragraphs."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from bench.fit_scoring import held_out_indices, read_xquad
    from qa.extractive import counterpart_features
    from qa.sentvec import quotable_spans

    held, _ = held_out_indices(read_xquad(folder)["en"]["paras"])
    cat, answerer = assistant.catalog, assistant.pipeline.extractive
    rows: dict[str, tuple[list, list]] = {"fit": ([], []), "held out": ([], [])}
    for lang, other_lang in (("en", "vi"), ("vi", "en")):
        for p in data.paragraphs[lang]:
            mine = cat.paragraphs.get(f"{lang}_{p.index:03d}:1")
            other = cat.paragraphs.get(f"{other_lang}_{p.index:03d}:1")
            if mine is None or other is None or not quotable_spans(mine) \
                    or len(quotable_spans(other)) < 3:
                continue
            same, lacking = rows["held out" if p.index in held else "fit"]
            sims = answerer.similarities(other, mine)  # mine's sentences x other's
            best = sims.argmax(axis=1)
            same += list(counterpart_features(sims))
            lacking += [counterpart_features(np.delete(row, k)[None])[0]
                        for row, k in zip(sims, best)]
    same, lacking = (np.array(x) for x in rows["fit"])
    model = LogisticRegression().fit(np.r_[same, lacking],
                                     np.r_[np.ones(len(same)), np.zeros(len(lacking))])
    threshold = float(np.quantile(model.decision_function(same), 0.05))
    out = {"coef": [round(float(c), 3) for c in model.coef_[0]],
           "intercept": round(float(model.intercept_[0] - threshold), 3)}
    for split, (same, lacking) in rows.items():
        zs = model.decision_function(np.array(same)) - threshold
        zl = model.decision_function(np.array(lacking)) - threshold
        out[split] = {"sentences": len(same),
                      "translated_below": round(float((zs < 0).mean()), 3),
                      "lacking_caught": round(float((zl < 0).mean()), 3)}
    return out


def anchorless(assistant, folder: Path, indices) -> dict:
    """The translation pairs of XQuAD's fit paragraphs that share no anchor
    (``qa.parallel._share_anchor``) and the lowest similarity among them, on the vectors
    the linker reads: what ``Links.anchorless_similarity`` rests on."""
    from bench.fit_scoring import held_out_indices, read_xquad
    from qa.citations import Catalog
    from qa.index import load_sentences
    from qa.parallel import _share_anchor

    held, _ = held_out_indices(read_xquad(folder)["en"]["paras"])
    cat = assistant.catalog
    vectors = load_sentences(assistant.store, Catalog.build(list(cat.paragraphs.values()))
                             ).paragraph_vectors()
    sims = [float(vectors[a] @ vectors[b]) for i in indices if i not in held
            for a, b in [(f"en_{i:03d}:1", f"vi_{i:03d}:1")]
            if a in vectors and b in vectors
            and not _share_anchor(cat.paragraphs[a].text, cat.paragraphs[b].text)]
    return {"pairs": len(sims), "lowest_similarity": round(min(sims), 3) if sims else None}


def on_seeds() -> dict:
    import qa

    with tempfile.TemporaryDirectory() as tmp:
        bot = qa.Assistant(corpus_dir=common.ROOT / "seeds", data_dir=tmp, llm=False)
        bot.ingest(progress=False)
        cat = bot.catalog
        labels = {p.id: m.group(1) for p in cat.paragraphs.values()
                  if p.is_canonical and (m := _LABEL.match(p.text))}
        vi = [pid for pid in labels if pid.startswith("002_")]
        gold = {(a, b) for a in vi for b in labels
                if b.startswith("001_") and labels[b] == labels[a]}
        scope = {p.id for doc, ps in cat.documents.items() if doc.startswith("002_") for p in ps}
        return prf(cat, gold, scope)


def on_documents(folder: Path) -> dict:
    import qa
    from qa.markdown import PROSE_KINDS
    from qa.parallel import name_without_language

    with tempfile.TemporaryDirectory() as tmp:
        bot = qa.Assistant(corpus_dir=folder, data_dir=tmp, llm=False)
        bot.ingest(progress=False)
        cat = bot.catalog
        names: dict[str, set[str]] = {}
        for doc in cat.documents:
            names.setdefault(name_without_language(doc), set()).add(doc)
        paired = {d: ds - {d} for ds in names.values() if len(ds) > 1 for d in ds}
        prose = [p for p in cat.paragraphs.values()
                 if p.doc_id in paired and p.is_canonical and p.kind in PROSE_KINDS]
        linked = [p for p in prose if cat.parallel(p.id)]
        leaving = [(p.id, t) for p in linked for t in cat.parallel(p.id)
                   if cat.paragraphs[t].doc_id not in paired[p.doc_id]]
        return {"pages": len(paired), "prose": len(prose), "linked": len(linked),
                "linked_share": round(len(linked) / len(prose), 3) if prose else None,
                "leaving_translation": len(leaving)}


def main(argv: list[str] | None = None) -> int:
    parser = common.arg_parser(__doc__, "parallel.json")
    common.add_xquad_arg(parser)
    parser.add_argument("--limit", type=int, help="XQuAD paragraphs per language")
    args = parser.parse_args(argv)
    result = {"seeds 002<->001": on_seeds()}
    pages = on_documents(common.ROOT / "eval" / "hf-course" / "corpus")
    if args.xquad and (args.xquad / "xquad.en.json").is_file():
        result["XQuAD en<->vi"] = on_xquad(args.xquad, args.limit)
    else:
        common.log("XQuAD part left out: pass --xquad DIR or set SEEDQA_XQUAD")
    targets = [common.target(f"parallel {name}: precision >= {p:g}, recall >= {r:g}",
                             f"{x['precision']} / {x['recall']}",
                             (x["precision"] or 0) >= p and (x["recall"] or 0) >= r)
               for name, x in result.items()
               for p, r in [(0.95, 0.90) if name.startswith("XQuAD") else (1.0, 1.0)]]
    md = "\n".join(["# Parallel-paragraph links", "",
                    "| pairs | precision | recall | correct / gold | links |",
                    "|---|---:|---:|---:|---:|",
                    *(f"| {name} | {x['precision']} | {x['recall']} | {x['correct']} / "
                      f"{x['gold']} | {x['links']} |" for name, x in result.items()),
                    "", f"hf-course pages with a translation: {pages['pages']}; their prose "
                    f"paragraphs linked: {pages['linked']} of {pages['prose']} "
                    f"({pages['linked_share']}); links leaving the page's own translation: "
                    f"{pages['leaving_translation']}.",
                    *([f"XQuAD fit translation pairs sharing no figure, name or code: "
                       f"{a['pairs']}, lowest similarity {a['lowest_similarity']} "
                       "(Links.anchorless_similarity rests on it)."]
                      if (a := result.get("XQuAD en<->vi", {}).get("anchorless_fit"))
                      else []),
                    *([f"A sentence's counterpart in a linked translation (XQuAD; "
                       f"Links.counterpart rests on it): coef {c['coef']}, intercept "
                       f"{c['intercept']} (fit paragraphs): " + "; ".join(
                           f"{split} {x['sentences']} sentences, translated ones taken "
                           f"for lacking {x['translated_below']}, lacking ones caught "
                           f"{x['lacking_caught']}" for split, x in c.items()
                           if split in ("fit", "held out")) + "."]
                      if (c := result.get("XQuAD en<->vi", {}).get("counterparts"))
                      else [])])
    common.write_results(args.out, {
        "benchmark": "parallel", "pairs": result, "targets": targets, "hf-course": pages,
        "headline": "Parallel-paragraph links (precision / recall): " + "; ".join(
            f"{name} {x['precision']} / {x['recall']}" for name, x in result.items()) + "."},
        md)
    return 0 if all(t["pass"] for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
