"""What a linked translation says that the candidate paragraph lacks: scored or not.

    python bench/sweep_lacking.py --xquad DIR [--quick]

The offline answerer's candidates are each statement's version in the asker's language;
with ``ExtractiveAnswerer.counterpart`` set (``Links.counterpart``, fitted by
``bench/parallel.py``), a linked translation's sentences with no counterpart in the
candidate are scored too. This compares the answerer with them (on) and without them
(off, ``counterpart=None``) on the fit splits of every dev set (eval/splits.json; the
answer measures of ``qa.evaluate``) and on XQuAD's fit paragraphs (English and
Vietnamese questions over both languages, answer span hit). XQuAD's translations are
complete, so there it measures only what the rule costs when it is wrong; the fit
splits say whether it changes answers on real collections. Writes
bench/results/lacking-sweep.{md,json}.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, xquad  # noqa: E402
from bench.evaluate import SETS, fit_set, xquad_fit_assistant  # noqa: E402
from qa.evaluate import run, summarise  # noqa: E402
from qa.tuning import LINKS  # noqa: E402

MEASURES = ("citation_hit", "citation_precision", "answer_accuracy", "refusal_rate",
            "false_refusal_rate")
QUICK_QUESTIONS = 150  # a language, with --quick
SETTINGS = (("off", None), ("on", LINKS.counterpart))


def dev_rows() -> list[dict]:
    rows = []
    for name in SETS:
        items, assistant = fit_set(name)
        answerer = assistant.pipeline.extractive
        for setting, value in SETTINGS:
            answerer.counterpart = value
            got = summarise(run(assistant, items, search=False))
            rows.append({"set": f"{name} fit", "setting": setting, "items": len(items),
                         **{m: got[m] for m in MEASURES}})
            common.log(f"{name} {setting}: {rows[-1]}")
        answerer.counterpart = LINKS.counterpart
    return rows


def xquad_rows(folder: Path, quick: bool) -> list[dict]:
    data, fitted, assistant = xquad_fit_assistant(folder, "lacking-xquad")
    golds = data.golds()
    answerer = assistant.pipeline.extractive
    rows = []
    for lang in ("en", "vi"):
        questions = [q for q in data.questions[lang] if q.index in fitted]
        questions = questions[:QUICK_QUESTIONS] if quick else questions
        for setting, value in SETTINGS:
            answerer.counterpart = value
            hits = [bool(a.answered) and xquad.contains(a.text, golds[q.id])
                    for q in questions for a in [assistant.ask(q.question)]]
            rows.append({"set": f"XQuAD fit, {lang} questions", "setting": setting,
                         "items": len(questions),
                         "span_hit": round(sum(hits) / max(1, len(hits)), 3)})
            common.log(f"xquad {lang} {setting}: {rows[-1]}")
    answerer.counterpart = LINKS.counterpart
    return rows


def main(argv: list[str] | None = None) -> int:
    return common.fit_sweep(
        "bench/sweep_lacking.py", argv, __doc__, dev_rows, xquad_rows,
        ("set", "setting", "items", *MEASURES, "span_hit"),
        "A translation's sentences the candidate lacks: off / on",
        "off: the answerer scores each statement's version in the asker's language only; "
        "on: also the sentences of its linked translations that have no counterpart in it "
        "(Links.counterpart). Fit splits: answer measures; XQuAD fit paragraphs: span hit.",
        "language")


if __name__ == "__main__":
    raise SystemExit(main())
