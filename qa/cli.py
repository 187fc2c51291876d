"""Command line: `seedqa ingest|cite|search|ask|eval` (also `python -m qa ...`)."""

from __future__ import annotations

import argparse
import json
import sys

from qa.config import setup_logging
from qa.errors import QAError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seedqa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="index a folder of documents (.txt, .md, .pdf, .html, "
                       ".docx, .ipynb, .rst; incremental)")
    p.add_argument("folder", nargs="?", help="corpus folder (default: QA_CORPUS_DIR or seeds/)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and re-embed all")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("--k", type=int, default=None, help="paragraphs given to the answerer")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("search", help="list the paragraphs most relevant to a query")
    p.add_argument("query")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("eval", help="measure answers against a JSONL question set")
    p.add_argument("file", help="JSONL file in the format of the dev set")
    p.add_argument("--split", choices=("fit", "report"),
                   help="only the items of this split (see --splits)")
    p.add_argument("--splits", default="eval/splits.json",
                   help="split file naming each eval file's fit/report ids "
                        "(default: eval/splits.json)")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("cite", help="show the paragraph with this id")
    p.add_argument("id", help="paragraph id, e.g. 004_7ca57963d029bf3e:4")
    p.add_argument("--json", action="store_true")
    return parser


def _ingest(args) -> int:
    from qa import default_assistant

    report = default_assistant().ingest(args.folder, rebuild=args.rebuild)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"{report.documents} documents, {report.paragraphs} paragraphs: "
          f"{report.added} added, {report.updated} updated, {report.removed} removed, "
          f"{report.unchanged} unchanged in {report.seconds:.2f} s")
    for skipped in report.skipped_files:
        print(f"skipped {skipped}", file=sys.stderr)
    return 0


def _cite(args) -> int:
    from qa import default_assistant

    c = default_assistant().cite(args.id)
    if args.json:
        print(json.dumps(c.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"{c.id} — {c.title} — {c.date or 'undated'} — ¶{c.paragraph} ({c.language})")
    if c.canonical_id != c.id:
        print(f"(repeats {c.canonical_id})")
    print()
    print(c.text)
    return 0


def _ask(args) -> int:
    from qa import default_assistant

    answer = default_assistant().ask(args.question, k=args.k)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(answer.text)
    if answer.note:
        print(f"\n({answer.note})")
    for n, c in enumerate(answer.citations, start=1):
        print(f"\n[{n}] {c.id} — {c.title} — {c.date or 'undated'} — ¶{c.paragraph}")
        print(f"    “{c.quote}”")
    if answer.related:
        print("\nRelated (not evidence): " + ", ".join(c.id for c in answer.related))
    return 0 if answer.answered else 1


def _search(args) -> int:
    from qa import default_assistant

    hits = default_assistant().search(args.query, k=args.k)
    if args.json:
        print(json.dumps([{"score": h.score, **h.citation.to_dict(),
                           "translations": [t.to_dict() for t in h.translations]}
                          for h in hits],
                         ensure_ascii=False, indent=2))
        return 0
    for h in hits:
        c = h.citation
        print(f"{h.score:.4f}  {c.id}  {c.text[:100]}")
    return 0


def _eval(args) -> int:
    from qa import default_assistant
    from qa.evaluate import evaluate, load_items, select, split_ids

    items = load_items(args.file)
    if args.split:
        items = select(items, split_ids(args.splits, args.file, args.split))
    result = evaluate(default_assistant(), items)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(format_summary(result))
    return 0


def format_summary(result: dict) -> str:
    """A plain-text table of an evaluation result."""
    cols = ["items", "search_recall_at_5", "search_recall_at_5_shown", "citation_hit",
            "citation_precision", "answer_accuracy", "refusal_rate", "false_refusal_rate",
            "answers_with_markup", "latency_p50_ms", "latency_p95_ms"]
    rows = [("overall", result["overall"])] + list(result["groups"].items())
    labels = {"search_recall_at_5": "recall@5", "search_recall_at_5_shown": "recall@5 shown",
              "answers_with_markup": "markup answers"}
    lines = ["group".ljust(22) + "".join(labels.get(c, c)[:14].rjust(15) for c in cols)]
    for name, summary in rows:
        cells = ["-" if summary.get(c) is None else str(summary[c]) for c in cols]
        lines.append(name.ljust(22) + "".join(cell.rjust(15) for cell in cells))
    return "\n".join(lines)


COMMANDS = {"ingest": _ingest, "cite": _cite, "ask": _ask, "search": _search, "eval": _eval}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `seedqa` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    setup_logging()
    try:
        return COMMANDS[args.command](args)
    except QAError as exc:
        print(f"seedqa: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
