"""Fit the general Vietnamese word counts of ``qa.diacritics`` and write qa/marks.json.

    python bench/fit_marks.py --xquad /path/to/xquad

Data: XQuAD vi (CC BY-SA 4.0), the *fit* paragraphs and their questions only
(``held_out_indices`` of bench/fit_scoring.py: the held-out quarter is only measured).
The counts are each word's forms and each adjacent pair (pairs seen twice or more are
stored: ``MIN_PAIR``). The product adds them under a collection's own counts.

Measured, each question folded to ASCII ("Ai là …" -> "Ai la …") and restored:
1. ``MARKS.smoothing``, cross-fitted: counts from one half of the fit paragraphs (by
   position), questions of the other half restored with that half's paragraphs as the
   collection (the product restores from the collection plus these counts); both
   directions pooled.
2. Held out: counts from every fit paragraph; the held-out Vietnamese questions restored
   with the held-out paragraphs (both languages) as the collection; beside it the
   collection alone and these counts alone. The held-out English questions must come
   back unchanged.
Figures: words restored as written (all letter-words, and those that carry marks),
questions restored whole, and questions read as Vietnamese.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from qa.diacritics import MARKS_FILE, MarkCounts, MarkRestorer, unmarked  # noqa: E402
from qa.text import ascii_fold, tokens  # noqa: E402
from qa.tuning import MARKS  # noqa: E402

MIN_PAIR = 2  # bound: a pair seen once is not stored (the file is half the size)
SMOOTHING = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
BARE = (0.02, 0.05, 0.1, 0.2, 0.5, 1.01)  # 1.01: any bare word the language writes
# A question typed with some marks: each marked word typed bare with this chance (seeded),
# the question kept when it still holds a mark and lost one.
PARTIAL_SHARE = 0.5
PARTIAL_SEED = 0
# The most fully marked questions a choice of ``MARKS.bare`` may change: a question typed right
# must come back as typed; 1 in 100 is this script's bound, not a fitted figure.
MAX_CHANGED = 0.01


def folded(text: str) -> str:
    """``text`` as typed without marks, case kept ("Đà Nẵng" -> "Da Nang")."""
    return "".join(ascii_fold(c).upper() if c.isupper() else ascii_fold(c) for c in text)


def counts_of(xq: dict, indices: set[int]) -> MarkCounts:
    texts = [xq["vi"]["paras"][i][1] for i in sorted(indices)]
    texts += [q["question"] for q in xq["vi"]["questions"] if q["index"] in indices]
    return MarkCounts.from_json(MarkCounts(texts).to_json(MIN_PAIR))


def restorer_of(xq: dict, collection: set[int], base: MarkCounts | None,
                **kwargs) -> MarkRestorer:
    by_lang = {L: [xq[L]["paras"][i][1] for i in sorted(collection)] for L in ("en", "vi")}
    return MarkRestorer.from_texts(by_lang, bases={"vi": base}, **kwargs)


def partly_folded(text: str, rnd: random.Random) -> str:
    """``text`` with each word that carries a mark typed bare with ``PARTIAL_SHARE``'s
    chance (words split at spaces: a question as a phone types it)."""
    return " ".join(folded(w) if not w.isascii() and rnd.random() < PARTIAL_SHARE else w
                    for w in text.split(" "))


def measure_partial(xq: dict, questions: list[dict], collection: set[int],
                    base: MarkCounts | None, **kwargs) -> dict:
    """Questions typed with every mark (must come back as typed) and with some marks
    missing (``partly_folded``: the words typed bare must come back as written)."""
    restorer = restorer_of(xq, collection, base, **kwargs)
    rnd = random.Random(PARTIAL_SEED)
    changed = partial = whole = words = words_ok = 0
    for q in questions:
        original = q["question"]
        changed += restorer.run(original).text != original
        typed = partly_folded(original, rnd)
        if typed == original or unmarked(typed):
            continue
        partial += 1
        got = restorer.run(typed).text
        whole += got == original
        for w, t, g in zip(original.split(" "), typed.split(" "), got.split(" ")):
            if w != t:
                words += 1
                words_ok += w == g
    return {"questions": len(questions), "partial": partial,
            "marked_questions_changed": round(changed / max(len(questions), 1), 4),
            "partial_words_restored": round(words_ok / max(words, 1), 3),
            "partial_questions_restored_whole": round(whole / max(partial, 1), 3)}


def measure(xq: dict, questions: list[dict], collection: set[int], base: MarkCounts | None,
            smoothing: float, lang: str = "vi", **kwargs) -> dict:
    """Restore ``questions`` (of ``lang``) folded, over the ``collection`` paragraphs."""
    restorer = restorer_of(xq, collection, base, smoothing=smoothing, **kwargs)
    words = marked = words_ok = marked_ok = whole = read_vi = 0
    for q in questions:
        original = q["question"]
        got = restorer.run(folded(original))
        read_vi += got.language == "vi"
        want, have = tokens(original), tokens(got.text)
        whole += want == have
        if len(want) == len(have):
            for w, h in zip(want, have):
                words += 1
                words_ok += w == h
                if not w.isascii():
                    marked += 1
                    marked_ok += w == h
        else:
            words += len(want)
            marked += sum(not w.isascii() for w in want)
    n = len(questions)
    return {"questions": n, "words_restored": round(words_ok / max(words, 1), 3),
            "marked_words_restored": round(marked_ok / max(marked, 1), 3),
            "questions_restored_whole": round(whole / max(n, 1), 3),
            "read_as_vietnamese": round(read_vi / max(n, 1), 3)}


def main(argv: list[str] | None = None) -> int:
    from bench.fit_scoring import fit_command

    t0 = time.perf_counter()
    args, xq, fit_set, held, rule = fit_command(__doc__, MARKS_FILE, argv)
    fit = sorted(fit_set)
    halves = (set(fit[0::2]), set(fit[1::2]))

    def questions(lang: str, indices: set[int]) -> list[dict]:
        return [q for q in xq[lang]["questions"] if q["index"] in indices]

    sweep = {}
    for s in SMOOTHING:
        rows = [measure(xq, questions("vi", b), b, counts_of(xq, a), s)
                for a, b in (halves, halves[::-1])]
        n = sum(r["questions"] for r in rows)
        sweep[str(s)] = {k: round(sum(r[k] * r["questions"] for r in rows) / n, 3)
                         for k in rows[0] if k != "questions"}
        print(f"smoothing {s}: {sweep[str(s)]}", file=sys.stderr)
    def pooled(rows: list[dict], n_key: str) -> dict:
        n = sum(r[n_key] for r in rows)
        return {k: round(sum(r[k] * r[n_key] for r in rows) / n, 4)
                for k in rows[0] if k not in ("questions", "partial")}

    halves_counts = [(counts_of(xq, a), b) for a, b in (halves, halves[::-1])]
    bares = {}
    for bare in BARE:
        rows = [measure_partial(xq, questions("vi", b), b, c, bare=bare)
                for c, b in halves_counts]
        bares[str(bare)] = {**pooled(rows, "questions"), **{
            key: v for key, v in pooled(rows, "partial").items() if key.startswith("partial")}}
        print(f"bare {bare}: {bares[str(bare)]}", file=sys.stderr)
    allowed = [b for b in BARE if bares[str(b)]["marked_questions_changed"] <= MAX_CHANGED]
    print("bare by the rule:", max(allowed, key=lambda b: bares[str(b)][
        "partial_questions_restored_whole"]), file=sys.stderr)
    base = counts_of(xq, set(fit))
    vi_held, en_held = questions("vi", held), questions("en", held)
    held_out = {
        "collection_and_general": measure(xq, vi_held, held, base, MARKS.smoothing),
        "collection_only": measure(xq, vi_held, held, None, MARKS.smoothing),
        "general_only": measure(xq, vi_held, set(), base, MARKS.smoothing),
        "english_questions": measure(xq, en_held, held, base, MARKS.smoothing, "en"),
        "some_marks_typed": measure_partial(xq, vi_held, held, base),
        "english_questions_as_written": measure_partial(xq, en_held, held, base),
    }
    print(json.dumps(held_out, indent=1), file=sys.stderr)
    out = {
        "provenance": {
            "command": "python bench/fit_marks.py --xquad PATH",
            "data": "XQuAD vi (CC BY-SA 4.0): the fit paragraphs and their questions",
            "split": f"XQuAD paragraphs, position mod 4 == 0 held out ({len(held)}), "
                     f"rest fit ({len(fit)}); rule from {rule}",
            "fitted_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "seconds": round(time.perf_counter() - t0),
            "min_pair": MIN_PAIR,
        },
        "metrics": {"smoothing_cross_fitted": sweep, "smoothing": MARKS.smoothing,
                    "bare_cross_fitted": bares, "bare": MARKS.bare,
                    "bare_rule": f"the largest share of partly typed questions restored "
                                 f"whole with at most {MAX_CHANGED} of fully marked "
                                 f"questions changed",
                    "held_out": held_out},
        "counts": base.to_json(MIN_PAIR),
    }
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
