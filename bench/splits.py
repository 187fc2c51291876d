"""The fit/report split of a dev set, by the rule recorded in eval/splits.json.

    python bench/splits.py eval/NEW.jsonl          # adds NEW's split (never changes one)

Rule: the items grouped by ``kind``, kinds in sorted order, ids sorted within a kind; one
``random.Random(seed)`` shuffles each kind's ids in turn; the first half (rounded down)
of each kind is fit, the rest report. It reproduces the two splits made by hand
(tests/test_evaluate.py checks it), so a new set gets its split by the same rule.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

if __package__ in (None, ""):  # `python bench/splits.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT  # noqa: E402

SPLITS_FILE = ROOT / "eval" / "splits.json"


def kind_split(items: list[dict], seed: int) -> dict[str, list[str]]:
    """{"fit": ids, "report": ids} of ``items`` (dicts with ``id`` and ``kind``)."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for item in items:
        by_kind[item["kind"]].append(str(item["id"]))
    rng = random.Random(seed)
    fit, report = [], []
    for kind in sorted(by_kind):
        ids = sorted(by_kind[kind])
        rng.shuffle(ids)
        half = len(ids) // 2
        fit += ids[:half]
        report += ids[half:]
    return {"fit": sorted(fit), "report": sorted(report)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", type=Path, help="a dev set's .jsonl, inside eval/")
    parser.add_argument("--splits", type=Path, default=SPLITS_FILE)
    args = parser.parse_args()
    table = json.loads(args.splits.read_text(encoding="utf-8"))
    key = args.questions.resolve().relative_to(args.splits.resolve().parent).as_posix()
    if key in table:
        sys.exit(f"{key} already has a split in {args.splits}; a split is never changed")
    items = [json.loads(line) for line in args.questions.read_text(encoding="utf-8")
             .splitlines() if line.strip()]
    table[key] = kind_split(items, table["seed"])
    args.splits.write_text(json.dumps(table, indent=1, ensure_ascii=False),
                           encoding="utf-8")
    print(f"{key}: {len(table[key]['fit'])} fit, {len(table[key]['report'])} report")


if __name__ == "__main__":
    main()
