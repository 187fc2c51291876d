"""App benchmark: `python app.py` from process start to first answer, and /ask latency.

    python bench/app.py                     # the seeds, 30 /ask calls
    python bench/app.py --calls 12 --json /tmp/app.json

Through gradio_client against a real `python app.py` subprocess: the index is
prepared first (not timed; bench/.cache/app-<corpus>/), so the app opens an
existing index as on every start after the first. Measured: process start to
HTTP ready and to the first /ask answer (median of ``--starts``), /ask latency over
``--calls`` calls (English, Vietnamese and a follow-up with history), and /chat
time to first streamed output and to the final message.

Targets: first answer <= 10 s after process start; /ask p50 <= 300 ms offline.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python bench/app.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

TARGETS = {"first_answer_seconds": 10.0, "ask_p50_ms": 300.0}
QUESTIONS = common.SAMPLE_QUESTIONS


def measure(app: common.App, calls: int) -> dict:
    from gradio_client import Client

    client, ask_ms, answered, previous = Client(app.url, verbose=False), [], 0, None
    for i in range(calls):
        question, history = QUESTIONS[i % len(QUESTIONS)], None
        if i % 10 == 9 and previous:  # now and then a follow-up, with history
            question, history = "And with Kazakhstan?", [[previous[0], previous[1]["text"]]]
        answer, seconds = common.timed(lambda q=question, h=history: client.predict(
            q, h, api_name="/ask"))
        ask_ms.append(1000 * seconds)
        answered += bool(answer["answered"])
        previous = (question, answer)
    first_chunk, total = [], []
    for question in QUESTIONS[:3]:
        job, t = Client(app.url, verbose=False).submit(question, api_name="/chat"), \
            time.perf_counter()
        while not job.outputs() and not job.done():
            time.sleep(0.002)
        first_chunk.append(1000 * (time.perf_counter() - t))
        job.result(timeout=120)
        total.append(1000 * (time.perf_counter() - t))
    return {"ask": common.latency(ask_ms), "ask_answered": answered,
            "chat_first_output_ms": round(statistics.median(first_chunk), 1),
            "chat_total_ms": round(statistics.median(total), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = common.arg_parser(__doc__, "app.json", corpus=True)
    parser.add_argument("--calls", type=int, default=30, help="/ask calls (default 30)")
    parser.add_argument("--starts", type=int, default=1, help="cold starts (median reported)")
    args = parser.parse_args(argv)
    from gradio_client import Client

    corpus = args.corpus.resolve()
    data, log_path, prepare = common.app_index(corpus, "app")
    ready, first = [], []
    for start in range(max(1, args.starts)):
        with common.App(corpus, data, log_path) as app:
            ready.append(app.ready_seconds)
            Client(app.url, verbose=False).predict(QUESTIONS[0], None, api_name="/ask")
            first.append(time.perf_counter() - app.started)
            if start == max(1, args.starts) - 1:
                m = measure(app, max(1, args.calls))
    r = {"corpus": corpus.name, "prepare_seconds": round(prepare, 1),
         "ready_seconds": round(statistics.median(ready), 2),
         "first_answer_seconds": round(statistics.median(first), 2), **m}
    ask = m["ask"]
    targets = [common.target(f"app: first answer <= {TARGETS['first_answer_seconds']:g} s",
                             f"{r['first_answer_seconds']:.1f} s",
                             r["first_answer_seconds"] <= TARGETS["first_answer_seconds"]),
               common.target(f"app: /ask p50 <= {TARGETS['ask_p50_ms']:g} ms",
                             f"{ask['p50_ms']:.0f} ms", ask["p50_ms"] <= TARGETS["ask_p50_ms"])]
    headline = (f"`python app.py` on {corpus.name}: HTTP ready {r['ready_seconds']:.1f} s, first "
                f"answer {r['first_answer_seconds']:.1f} s after process start; /ask p50 "
                f"{ask['p50_ms']:.0f} ms, p95 {ask['p95_ms']:.0f} ms over {ask['n']} calls.")
    md = "\n".join([
        f"# App: `python app.py` on {corpus.name}", "", "| measure | value |", "|---|---:|",
        f"| HTTP ready after process start | {r['ready_seconds']:.2f} s |",
        f"| first /ask answer after process start | {r['first_answer_seconds']:.2f} s |",
        f"| /ask p50 / p95 / max ({ask['n']} calls, {m['ask_answered']} answered) | "
        f"{ask['p50_ms']:.0f} / {ask['p95_ms']:.0f} / {ask['max_ms']:.0f} ms |",
        f"| /chat first output / final (median of 3 new sessions) | "
        f"{m['chat_first_output_ms']:.0f} / {m['chat_total_ms']:.0f} ms |",
        f"| index prepared beforehand (not counted) | {r['prepare_seconds']:.1f} s |"])
    common.write_results(args.out, {"benchmark": "app", **r, "targets": targets,
                                    "headline": headline}, md)
    return 0 if all(t["pass"] for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
