"""Run the benchmarks one after another and collect their results into bench/results/summary.md.

    python -m bench                 # the quick set (~15 min on 2 cores)
    python -m bench --full          # everything full-size (scale at 100k, all of XQuAD, ...)
    python -m bench --only scale,speed
    python -m bench --skip app
    python -m bench --summary-only  # rebuild summary.md from the JSON already there

Each benchmark runs as its own subprocess from the repository root, with QA_*,
CHROMA_* and OPENAI_* variables removed so they measure the offline defaults; logs
go to bench/.cache/run-logs/. The XQuAD benchmarks read $SEEDQA_XQUAD and are
reported as skipped without it. summary.md (summary.full.md with --full) lists
every target with PASS/MISS, then each benchmark's headline and files; a quick summary
takes a step's full results when it has no quick ones.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

LOGS = common.CACHE / "run-logs"


@dataclass(frozen=True)
class Step:
    name: str
    quick_args: tuple[str, ...]
    full_args: tuple[str, ...]
    full_json: str  # the results file name; a quick run with --quick adds .quick
    timeout: int  # seconds (full runs get 10x)

    def json_name(self, full: bool) -> str:
        quick = not full and "--quick" in self.quick_args
        return self.full_json.replace(".json", ".quick.json") if quick else self.full_json


STEPS = (
    Step("retrieval", ("--quick",), (), "retrieval.json", 900),
    Step("speed", ("--rounds", "2"), ("--repeat", "3", "--rounds", "5"), "speed.json", 600),
    Step("scale", ("--quick",), (), "scale.json", 600),
    Step("filters", ("--quick",), (), "filters.json", 600),
    Step("ingest", ("--repeat", "1"), ("--repeat", "3"), "ingest.json", 600),
    Step("evaluate", ("--quick",), (), "evaluate.json", 900),
    Step("app", ("--calls", "12"), ("--calls", "30", "--starts", "3"), "app.json", 600),
    Step("load", ("--quick",), (), "load.json", 900),
)


def run_step(step: Step, full: bool, results: Path) -> dict:
    """Run one benchmark; {status, seconds, command}."""
    LOGS.mkdir(parents=True, exist_ok=True)
    out = results / step.json_name(full)
    cmd = [f"bench/{step.name}.py", *(step.full_args if full else step.quick_args),
           "--json", str(out)]
    log_path = LOGS / f"{step.name}.log"
    common.log(f"[bench] {step.name}: {' '.join(cmd)}  (log: {log_path})")
    t = time.perf_counter()
    with open(log_path, "wb") as fh:
        try:
            code = subprocess.run([sys.executable, *cmd], cwd=common.ROOT, stdout=fh,
                                  stderr=subprocess.STDOUT, env=common.offline_env(),
                                  timeout=step.timeout * (10 if full else 1)).returncode
            status = {0: "ok", common.SKIPPED: "skipped (no XQuAD: set SEEDQA_XQUAD)"}.get(
                code, f"failed (exit {code})")
        except subprocess.TimeoutExpired:
            status = "timeout"
    seconds = time.perf_counter() - t
    # Some scripts exit 1 when a target is missed, yet wrote their results.
    fresh = out.exists() and out.stat().st_mtime >= time.time() - seconds
    if status == "failed (exit 1)" and fresh:
        status = "ok (exit 1: target missed)"
    common.log(f"[bench] {step.name}: {status} in {seconds:.0f} s")
    return {"status": status, "seconds": round(seconds), "command": " ".join(cmd)}


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("PASS" if ok else "**MISS**")


def write_summary(full: bool, runs: dict[str, dict], results: Path) -> str:
    """Write summary[.full].md from the result files in ``results``; returns its text."""
    sections, targets = [], []
    for step in STEPS:
        name, run = step.json_name(full), runs.get(step.name)
        if run is None and not (results / name).exists():
            name = step.full_json  # no quick run yet: the full run's results stand in
        try:
            data = json.loads((results / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if run is None and data is None:
            continue
        meta = f"{run['status']} in {run['seconds']} s (`python {run['command']}`); " if run else ""
        if data is None:
            sections += [f"## {step.name}", "", f"{meta}no results ({name} missing).", ""]
            if run and not run["status"].startswith("skipped"):
                targets.append(common.target(f"{step.name}: ran", run["status"], False))
            continue
        load = ((data.get("machine") or {}).get("load_average_before") or [None])[0]
        load = "–" if load is None else f"{load:.1f}"
        files = ", ".join(f"[{f}]({f})" for f in (name, name.replace(".json", ".md"))
                          if (results / f).exists())
        sections += [f"## {step.name}", "", data.get("headline", "(no headline)"), "",
                     f"{meta}results {data.get('date', '?')}, load average {load}. "
                     f"Files: {files}.", ""]
        targets += data.get("targets", [])
    if not sections:
        return ""
    la = os.getloadavg()[0]
    text = "\n".join([
        f"# seedqa benchmarks ({'full' if full else 'quick'} set)", "",
        f"Generated {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} on {os.cpu_count()} "
        f"CPUs, load average now {la:.1f}. The machine may be shared: each benchmark records "
        "its own load average, and timings taken under load are inflated. Rerun: "
        "`python -m bench` (quick) or `python -m bench --full`.", "",
        "## Targets", "", "| target | measured | verdict |", "|---|---:|---|",
        *(f"| {t['name']} | {t['measured']} | {_verdict(t['pass'])} |" for t in targets),
        "", *sections])
    results.mkdir(parents=True, exist_ok=True)
    (results / f"summary{'.full' * full}.md").write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="full-size runs (long)")
    parser.add_argument("--only", help="comma-separated steps: " + ",".join(s.name for s in STEPS))
    parser.add_argument("--skip", default="", help="comma-separated steps to leave out")
    parser.add_argument("--summary-only", action="store_true",
                        help="only rebuild summary.md from existing results")
    parser.add_argument("--results-dir", type=Path, default=common.RESULTS,
                        help=f"where results are written and read (default {common.RESULTS})")
    args = parser.parse_args(argv)
    names = [s.name for s in STEPS]
    only = [n.strip() for n in args.only.split(",")] if args.only else names
    skip = {n.strip() for n in args.skip.split(",") if n.strip()}
    if bad := [n for n in [*only, *skip] if n not in names]:
        parser.error(f"unknown step(s) {bad}; choose from {','.join(names)}")
    runs: dict[str, dict] = {}
    if not args.summary_only:
        for step in STEPS:
            if step.name in only and step.name not in skip:
                runs[step.name] = run_step(step, args.full, args.results_dir)
    text = write_summary(args.full, runs, args.results_dir)
    print(text or f"no results in {args.results_dir}: nothing to summarise")
    failed = [n for n, r in runs.items() if not r["status"].startswith(("ok", "skipped"))]
    if failed:
        common.log(f"[bench] failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
