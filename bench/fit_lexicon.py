"""Fit the English-Vietnamese word table of ``qa.lexicon`` and write qa/lexicon.json.

    python bench/fit_lexicon.py --xquad /path/to/xquad

Data: XQuAD en + vi (CC BY-SA 4.0), the *fit* paragraphs only (``held_out_indices``
of bench/fit_scoring.py: the held-out quarter is never read). Parallel pairs are
each question with its translation, each first gold answer with its translation,
and the sentences of each paragraph pair whose sentence counts agree (paired in
order). Words are ``qa.text.content_tokens`` (Vietnamese: syllables).

Model: IBM Model 1 (Brown et al. 1993) with a NULL word, ``WORD_TABLES.iterations`` rounds of EM,
fitted in each direction. A word keeps the translations with p(t | w) >= ``min_p``
(at most ``top``), when the word was seen at least ``min_count`` times; numbers are
left out (they match as they are). The cut-offs live in ``qa.tuning.WordTables``, fixed,
not tuned on any evaluation: a translation must carry a fifth of the word's mass; a
word seen once has no reliable distribution. The model itself is ``qa.lexicon.ibm1``,
which also fits a collection's own table from its translations.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from qa.lexicon import LEXICON, aligned_sentences, tables  # noqa: E402
from qa.text import content_tokens  # noqa: E402
from qa.tuning import WORD_TABLES  # noqa: E402


def xquad_pairs(xq: dict, indices: set[int]) -> list[tuple[list[str], list[str]]]:
    """(en words, vi words) pairs from the XQuAD paragraphs ``indices`` and their questions
    (``xq`` as ``bench.fit_scoring.read_xquad`` returns it)."""
    pairs = []
    for qe, qv in zip(xq["en"]["questions"], xq["vi"]["questions"]):
        if qe["index"] in indices:
            pairs.append((content_tokens(qe["question"]), content_tokens(qv["question"])))
            pairs.append((content_tokens(qe["answers"][0]), content_tokens(qv["answers"][0])))
    for i in sorted(indices):
        pairs += aligned_sentences(xq["en"]["paras"][i][1], xq["vi"]["paras"][i][1])
    return [(e, v) for e, v in pairs if e and v]


def main(argv: list[str] | None = None) -> int:
    from bench.fit_scoring import fit_command

    t0 = time.perf_counter()
    args, xq, fit, held, rule = fit_command(__doc__, LEXICON, argv)
    pairs = xquad_pairs(xq, fit)
    out = {
        "provenance": {
            "command": "python bench/fit_lexicon.py --xquad PATH",
            "script": "bench/fit_lexicon.py",
            "data": f"XQuAD en+vi (CC BY-SA 4.0), the {len(fit)} fit paragraphs only "
                    f"({rule}): {len(pairs)} parallel questions, answers and sentences",
            "model": f"IBM Model 1, {WORD_TABLES.iterations} EM rounds per direction; kept p >= "
                     f"{WORD_TABLES.min_p}, top {WORD_TABLES.top}, words seen >= "
                     f"{WORD_TABLES.min_count} times",
            "fitted_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "tables": tables(pairs),
    }
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=0) + "\n",
                              encoding="utf-8")
    sizes = {k: len(v) for k, v in out["tables"].items()}
    print(f"wrote {args.out}: {sizes} in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
