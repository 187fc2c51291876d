"""App benchmark: `python app.py` from process start to first answer, and /ask latency.

    python bench/app.py                     # the seeds, 30 /ask calls
    python bench/app.py --calls 50 --json /tmp/app.json

Measures, through gradio_client against a real `python app.py` subprocess:

- setup (not timed): the index and sentence-vector cache are built (or brought
  up to date) in bench/.cache/app-<corpus>/ first, so the app starts with an
  existing index, as it does on every start after the first;
- cold start: from process start to the page answering HTTP ("ready"), and to
  the first /ask answer ("first answer"), median of ``--starts`` runs;
- /ask latency over ``--calls`` calls (English and Vietnamese questions, one
  follow-up with history), p50/p95/max, measured at the client;
- /chat: time to the first streamed output and to the final message.

Targets: first answer <= 10 s after process start; /ask p50 <= 300 ms offline.
Results go to bench/results/app.json unless ``--json`` names another file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results" / "app.json"
CACHE = BENCH_DIR / ".cache"  # gitignored; one data dir per corpus
TARGETS = {"first_answer_seconds": 10.0, "ask_p50_ms": 300.0}
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.common import SAMPLE_QUESTIONS as QUESTIONS  # noqa: E402

PREPARE = """
import sys, threading, qa
a = qa.Assistant()
r = a.ingest(progress=True)
for t in threading.enumerate():
    if t.name == "seedqa-warm":
        t.join()
print(f"index: {r.documents} documents, {r.paragraphs} paragraphs, {r.embedded} embedded")
"""


def data_dir(corpus: Path) -> Path:
    tag = hashlib.sha1(str(corpus).encode("utf-8")).hexdigest()[:8]
    return CACHE / f"app-{corpus.name}-{tag}"


def env_for(corpus: Path, port: int | None = None) -> dict[str, str]:
    """Offline settings only: no inherited QA_/CHROMA_/OPENAI_/GRADIO_ variables."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("QA_", "CHROMA_", "OPENAI_", "GRADIO_"))}
    env.update(QA_CORPUS_DIR=str(corpus), QA_DATA_DIR=str(data_dir(corpus)),
               GRADIO_ANALYTICS_ENABLED="False", ANONYMIZED_TELEMETRY="False")
    if port:
        env["GRADIO_SERVER_PORT"] = str(port)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear interpolation."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def start_app(corpus: Path, log_path: Path) -> tuple[subprocess.Popen, str, float, float]:
    """Start `python app.py`; (process, url, seconds to HTTP ready, to first /ask answer)."""
    from gradio_client import Client

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with open(log_path, "ab") as log:  # the child keeps its own handle
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT,
                                env=env_for(corpus, port), stdout=log, stderr=subprocess.STDOUT)
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"app exited with {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                break
        except OSError:
            time.sleep(0.05)
        if time.perf_counter() - t0 > 300:
            proc.kill()
            raise SystemExit(f"app not ready after 300 s; see {log_path}")
    ready = time.perf_counter() - t0
    Client(url, verbose=False).predict(QUESTIONS[0], None, api_name="/ask")
    first = time.perf_counter() - t0
    return proc, url, ready, first


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def run(corpus: Path, calls: int, starts: int) -> dict:
    from gradio_client import Client

    CACHE.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    prep = subprocess.run([sys.executable, "-c", PREPARE], cwd=ROOT, env=env_for(corpus),
                          capture_output=True, text=True)
    if prep.returncode:
        raise SystemExit(f"preparing the index failed:\n{prep.stderr[-3000:]}")
    prepare_s = time.perf_counter() - t
    load_before = list(os.getloadavg())
    log_path = data_dir(corpus).with_suffix(".log")
    log_path.write_bytes(b"")

    ready_all, first_all = [], []
    for _ in range(starts - 1):
        proc, _, ready, first = start_app(corpus, log_path)
        stop(proc)
        ready_all.append(ready)
        first_all.append(first)
    proc, url, ready, first = start_app(corpus, log_path)
    ready_all.append(ready)
    first_all.append(first)
    try:
        client = Client(url, verbose=False)
        ask_ms = []
        answered = 0
        previous = None
        for i in range(calls):
            q = QUESTIONS[i % len(QUESTIONS)]
            history = None
            if i % 10 == 9 and previous:  # now and then a follow-up, with history
                q, history = "And with Kazakhstan?", [[previous["question"], previous["text"]]]
            t = time.perf_counter()
            a = client.predict(q, history, api_name="/ask")
            ask_ms.append((time.perf_counter() - t) * 1000)
            answered += bool(a["answered"])
            previous = a
        first_chunk, total = [], []
        for q in QUESTIONS[:3]:
            session = Client(url, verbose=False)
            t = time.perf_counter()
            job = session.submit(q, api_name="/chat")
            while not job.outputs() and not job.done():
                time.sleep(0.002)
            first_chunk.append((time.perf_counter() - t) * 1000)
            job.result(timeout=120)
            total.append((time.perf_counter() - t) * 1000)
    finally:
        stop(proc)

    result = {
        "corpus": str(corpus),
        "prepare_seconds": round(prepare_s, 2),
        "starts": starts,
        "ready_seconds": round(statistics.median(ready_all), 3),
        "ready_seconds_all": [round(x, 3) for x in ready_all],
        "first_answer_seconds": round(statistics.median(first_all), 3),
        "first_answer_seconds_all": [round(x, 3) for x in first_all],
        "ask_calls": calls,
        "ask_answered": answered,
        "ask_p50_ms": round(pct(ask_ms, 50), 1),
        "ask_p95_ms": round(pct(ask_ms, 95), 1),
        "ask_max_ms": round(max(ask_ms), 1),
        "ask_mean_ms": round(statistics.fmean(ask_ms), 1),
        "chat_first_output_ms_median": round(statistics.median(first_chunk), 1),
        "chat_total_ms_median": round(statistics.median(total), 1),
        "targets": TARGETS,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "load_average_before": load_before,
                    "load_average_after": list(os.getloadavg())},
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    result["pass"] = {
        "first_answer_seconds":
            result["first_answer_seconds"] <= TARGETS["first_answer_seconds"],
        "ask_p50_ms": result["ask_p50_ms"] <= TARGETS["ask_p50_ms"],
    }
    return result


def show(r: dict) -> str:
    def ok(key: str) -> str:
        return "PASS" if r["pass"][key] else "FAIL"

    cpus = r["machine"]["cpus"] or 1
    busy = r["machine"]["load_average_before"][0] > 0.5 * cpus
    return "\n".join([
        f"corpus          {r['corpus']} (index prepared in {r['prepare_seconds']:.1f} s, "
        "not counted)",
        f"ready (HTTP)    {r['ready_seconds']:.2f} s after process start "
        f"{r['ready_seconds_all']}",
        f"first answer    {r['first_answer_seconds']:.2f} s after process start "
        f"{r['first_answer_seconds_all']}   target <= "
        f"{TARGETS['first_answer_seconds']:g} s: {ok('first_answer_seconds')}",
        f"/ask latency    p50 {r['ask_p50_ms']:.0f} ms, p95 {r['ask_p95_ms']:.0f} ms, "
        f"max {r['ask_max_ms']:.0f} ms over {r['ask_calls']} calls "
        f"({r['ask_answered']} answered)   target p50 <= {TARGETS['ask_p50_ms']:g} ms: "
        f"{ok('ask_p50_ms')}",
        f"/chat           first output {r['chat_first_output_ms_median']:.0f} ms, "
        f"final {r['chat_total_ms_median']:.0f} ms (median of 3, new session each)",
        f"load average    {r['machine']['load_average_before'][0]:.2f} before, "
        f"{r['machine']['load_average_after'][0]:.2f} after, on {cpus} CPUs"
        + ("   (busy machine: timings are inflated)" if busy else ""),
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="seeds",
                        help="'seeds' (default) or a folder of .txt/.md files")
    parser.add_argument("--calls", type=int, default=30, help="/ask calls (default 30)")
    parser.add_argument("--starts", type=int, default=1,
                        help="cold starts of the app (median reported; default 1)")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"default: {RESULTS}")
    args = parser.parse_args(argv)
    corpus = ROOT / "seeds" if args.corpus == "seeds" else Path(args.corpus)
    if not corpus.is_dir():
        parser.error(f"{corpus} is not a folder")
    result = run(corpus.resolve(), max(1, args.calls), max(1, args.starts))
    print(show(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.json}")
    return 0 if all(result["pass"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
