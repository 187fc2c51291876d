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
    p = sub.add_parser("ingest", help="index a folder of .txt/.md files (incremental)")
    p.add_argument("folder", nargs="?", help="corpus folder (default: QA_CORPUS_DIR or seeds/)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and re-embed all")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
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


COMMANDS = {"ingest": _ingest, "cite": _cite}


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
