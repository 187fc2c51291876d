"""Questions typed without marks: every set's Vietnamese questions asked as written,
folded to ASCII ("Ai là …" -> "Ai la …") and with some marks missing (each marked word
typed bare with even chance, seeded per item: ``bench.fit_marks.partly_folded``), side by
side.

    python bench/unmarked.py [--sets seeds,hf-course,seeds-extra,seeds-fresh] [--libreoffice DIR]

Systems: seedqa (restores the marks from the collection's words, ``qa.diacritics``), seedqa
without restoring (what it did before 2026-12-02), plain llama-index dense top-5 and BM25
(bench/baselines.py). Report split first, as in bench/evaluate.py; the same measures
(``qa.evaluate``). A follow-up's context is folded too: the asker typed it the same way.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.evaluate import (  # noqa: E402
    MEASURES,
    OPT_IN,
    REPORT_FIRST,
    SETS,
    SPLITS_FILE,
    EvalSet,
    build_systems,
    opt_in_env,
)
from bench.fit_marks import PARTIAL_SEED, folded, partly_folded  # noqa: E402

SYSTEMS = ("seedqa", "llama-index", "bm25")


def folded_item(item: dict) -> dict:
    out = {**item, "question": folded(item["question"])}
    if item.get("context"):
        out["context"] = folded(item["context"])
    return out


def partly_folded_item(item: dict) -> dict:
    rnd = random.Random(f"{PARTIAL_SEED}:{item['id']}")
    out = {**item, "question": partly_folded(item["question"], rnd)}
    if item.get("context"):
        out["context"] = partly_folded(item["context"], rnd)
    return out


def evaluate_set(evalset: EvalSet) -> list[dict]:
    from qa.diacritics import MarkRestorer
    from qa.evaluate import load_items, run, split_ids, summarise

    items = [i for i in load_items(evalset.questions) if i["lang"] == "vi"]
    splits = {s: set(split_ids(SPLITS_FILE, evalset.questions, s)) for s in REPORT_FIRST}
    built = build_systems(evalset.corpus, evalset.name, SYSTEMS)
    rows = []
    for split in REPORT_FIRST:
        mine = [i for i in items if str(i["id"]) in splits[split]]
        typed = [folded_item(i) for i in mine]
        partly = [partly_folded_item(i) for i in mine]
        runs = []
        for system, bot in built.items():
            runs += [(system, "as written", bot, mine), (system, "without marks", bot, typed),
                     (system, "some marks", bot, partly)]
            if system == "seedqa":
                runs += [("seedqa, not restoring", "without marks", bot, typed),
                         ("seedqa, not restoring", "some marks", bot, partly)]
        for system, form, bot, questions in runs:
            t0 = time.perf_counter()
            if system == "seedqa, not restoring":
                bot.pipeline.marks.restorer = MarkRestorer({})
            summary = summarise(run(bot, questions))
            if system == "seedqa, not restoring":
                bot.pipeline.marks.restorer = None
            rows.append({"set": evalset.name, "split": split, "system": system, "form": form,
                         **{k: summary.get(k) for k, _ in MEASURES}, "items": len(questions)})
            common.log(f"  {evalset.name} {split} {system} {form}: "
                       f"{time.perf_counter() - t0:.1f} s")
    return rows


def markdown(rows: list[dict], command: str) -> str:
    cols = ["set", "split", "system", "form", "items", *[k for k, _ in MEASURES]]
    heads = ["set", "split", "system", "question", "items", *[h for _, h in MEASURES]]
    lines = ["# Questions typed without marks", "", f"Command: `{command}`", "",
             "Each set's Vietnamese questions, as written, folded to ASCII and with some "
             "marks missing (each marked word typed bare with even chance, seeded per item; "
             "a follow-up's context too). seedqa restores the marks from the collection's "
             "own words (`qa.diacritics`; README, \"Questions typed without marks\").", "",
             "| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for r in rows:
        lines.append("| " + " | ".join("" if r.get(c) is None else
                                       (f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c]))
                                       for c in cols) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = common.arg_parser(__doc__, "unmarked.json")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated sets")
    for name in OPT_IN:
        parser.add_argument(f"--{name}", default=os.environ.get(opt_in_env(name)),
                            help=f"folder of the pages of eval/{name}/SOURCE.md: adds {name}")
    args = parser.parse_args(argv)
    sets = dict(SETS)
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    for name in OPT_IN:
        folder = getattr(args, name.replace("-", "_"))
        if folder and Path(folder).is_dir():
            sets[name] = EvalSet(name, common.ROOT / "eval" / name / "questions.jsonl",
                                 Path(folder))
            names.append(name)
    unknown = [n for n in names if n not in sets]
    if unknown:
        parser.error(f"unknown set: {', '.join(unknown)}")
    command = "python bench/unmarked.py " + " ".join(argv if argv is not None else sys.argv[1:])
    rows = []
    for name in names:
        rows += evaluate_set(sets[name])
    common.write_results(Path(args.out), {"benchmark": "unmarked", "command": command.strip(),
                                          "rows": rows}, markdown(rows, command.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
