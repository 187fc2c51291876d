"""Counts written as words ("two universities", "hai dòng", "twice"), swept on fit data.

    python bench/sweep_counts.py --xquad DIR     # ~5 min on 2 cores (first run: + indexing)

When the answer-type model is sure a number is asked for, the offline answerer quotes
only sentences that state one (``ExtractiveAnswerer._has_amount``). A count written as
a word states one when it stands within ``count_window`` words of a word of the question
(``qa.tuning.Answer.count_window``; 0: never, digits only; None: anywhere). This script
chooses the window.

Dev part: the whole offline pipeline on the fit splits of seeds and hf-course
(eval/splits.json): citation hit, accuracy, refusal, false refusal.
XQuAD part (the fit paragraphs of ``bench.evaluate.xquad_split`` only, English and
Vietnamese in one index): every fit question the answer-type model reads as asking for a
number (P >= 0.5), in each language: answered rate and answer span hit.
Writes bench/results/counts-sweep.{md,json}.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, xquad  # noqa: E402
from bench.evaluate import fit_set, xquad_fit_assistant  # noqa: E402
from qa.evaluate import run, summarise  # noqa: E402

WINDOWS = (0, 1, 2, 3, None)
MEASURES = ("citation_hit", "answer_accuracy", "refusal_rate", "false_refusal_rate")


def _label(window: int | None) -> str:
    return "anywhere" if window is None else str(window)


def dev_rows() -> list[dict]:
    rows = []
    for name in ("seeds", "hf-course"):
        items, assistant = fit_set(name)
        answerer = assistant.pipeline.extractive
        for window in WINDOWS:
            answerer.count_window = window
            s = summarise(run(assistant, items, search=False))
            rows.append({"part": f"{name} fit", "window": _label(window), "n": len(items),
                         **{k: s.get(k) for k in MEASURES}})
            common.log(f"  {rows[-1]}")
    return rows


def xquad_rows(folder: Path, quick: bool) -> list[dict]:
    data, keep, assistant = xquad_fit_assistant(folder, "focus-mixed")
    answerer = assistant.pipeline.extractive
    golds = data.golds()
    rows = []
    embedder = assistant.pipeline.embedder
    for lang in ("en", "vi"):
        questions = [q for q in data.questions[lang] if q.index in keep
                     and answerer.types.run(
                         q.question,
                         # Only a model fitted with --type-vector reads the vector.
                         embedder.embed_query(q.question) if answerer.types.uses_vector else None,
                         lang).get("number", 0.0) >= 0.5]
        if quick:
            questions = questions[::3]
        for window in WINDOWS:
            answerer.count_window = window
            got = [assistant.ask(q.question) for q in questions]
            rows.append({"part": f"xquad-fit {lang} number questions", "window": _label(window),
                         "n": len(questions),
                         "answered": round(sum(a.answered for a in got) / len(got), 3),
                         "span_hit": round(sum(a.answered and xquad.contains(a.text, golds[q.id])
                                               for q, a in zip(questions, got)) / len(got), 3)})
            common.log(f"  {rows[-1]}")
    return rows


def main(argv: list[str] | None = None) -> int:
    return common.fit_sweep(
        "bench/sweep_counts.py", argv, __doc__, dev_rows, xquad_rows,
        ("part", "window", "n", *MEASURES, "answered", "span_hit"),
        "Counts written as words: the amount gate's window, swept on fit data",
        "window: how near (in words) a spelled count must stand to a word of the question "
        "to state the number asked for (0: digits only, as before; anywhere: no condition). "
        "Fit splits: the offline pipeline's answer measures. XQuAD fit paragraphs: the "
        "questions the answer-type model reads as asking for a number.",
        "third of the number questions")


if __name__ == "__main__":
    raise SystemExit(main())
