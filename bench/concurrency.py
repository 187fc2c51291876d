"""Concurrency benchmark: 16 gradio_client sessions, each holding a different two-turn
conversation from eval/seeds-dev.jsonl, against a real `python app.py` over the seeds.

    python bench/concurrency.py                       # sessions 16, limits 1 and 4
    python bench/concurrency.py --limits 1 --json /tmp/c.json

For each Gradio concurrency limit (GRADIO_DEFAULT_CONCURRENCY_LIMIT: how many handlers
of one endpoint run at once; Gradio's default is 1):

- setup (not timed): the index is prepared as in bench/app.py;
- baseline: every conversation alone, one after another, each in its own session;
- concurrent: all sessions start together (a barrier) and send their two turns through
  the streaming /chat endpoint; each turn's latency is measured at the client.

Reported: wall time, throughput (turns/s), turn latency p50/p95/max, errors, and
cross-talk: turns whose answer differs from the same conversation's answer alone (a
follow-up resolved against another session's history would differ). The answerer is
deterministic, so any difference is a defect. Results go to bench/results/concurrency.json.
"""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path

if __package__ in (None, ""):  # `python bench/concurrency.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402


def conversations(n: int) -> list[tuple[str, str]]:
    """``n`` two-turn conversations from the dev set: its follow-ups after their context
    first, then consecutive pairs of its other questions."""
    items = common.dev_items()
    convs = [(i["context"], i["question"]) for i in items if i.get("context")]
    rest = [i["question"] for i in items if not i.get("context")]
    return (convs + list(zip(rest[::2], rest[1::2])))[:n]


_BUTTON = re.compile(r'value="([^"]+:\d+)"')


def _answer_key(html: str) -> tuple[str, tuple[str, ...]]:
    """What identifies an answer: its text and the paragraph ids it shows, in order."""
    from qa.ui_render import message_text

    return message_text(html), tuple(dict.fromkeys(_BUTTON.findall(html)))


def _converse(url: str, conversation: tuple[str, str]) -> tuple[list, list[float]]:
    from gradio_client import Client

    client, keys, ms = Client(url, verbose=False), [], []
    for message in conversation:
        html, seconds = common.timed(lambda m=message: client.submit(
            m, api_name="/chat").result(timeout=300))
        ms.append(1000 * seconds)
        keys.append(_answer_key(html))
    return keys, ms


def run_limit(url: str, sessions: int) -> dict:
    convs = conversations(sessions)
    baseline, alone_ms = [], []
    for conv in convs:
        keys, ms = _converse(url, conv)
        baseline.append(keys)
        alone_ms += ms
    barrier = threading.Barrier(len(convs))
    results: dict[int, tuple[list, list[float]]] = {}
    errors: list[str] = []

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=120)
            results[i] = _converse(url, convs[i])
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(f"session {i}: {type(exc).__name__}: {str(exc)[:200]}")

    wall = common.in_threads(worker, [(i,) for i in range(len(convs))])
    turn_ms = [m for _, ms in results.values() for m in ms]
    return {"sessions": sessions, "turns": len(turn_ms), "errors": len(errors),
            "error_samples": errors[:3],
            "cross_talk_sessions": sum(keys != baseline[i] for i, (keys, _) in results.items()),
            "wall_seconds": round(wall, 2), "turns_per_s": round(len(turn_ms) / wall, 2),
            "turn": common.latency(turn_ms) if turn_ms else None,
            "alone_turn": common.latency(alone_ms)}


def main(argv: list[str] | None = None) -> int:
    parser = common.arg_parser(__doc__, "concurrency.json", corpus=True)
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--limits", default="1,4",
                        help="Gradio concurrency limits to compare (default 1,4)")
    args = parser.parse_args(argv)
    corpus = args.corpus.resolve()
    data, log_path, _ = common.app_index(corpus, "concurrency")
    rows = []
    for limit in [int(x) for x in args.limits.split(",") if x.strip()]:
        with common.App(corpus, data, log_path,
                        GRADIO_DEFAULT_CONCURRENCY_LIMIT=str(limit)) as app:
            rows.append({"concurrency_limit": limit, **run_limit(app.url, max(1, args.sessions))})
    lost = sum(r["errors"] + r["cross_talk_sessions"] for r in rows)
    lines = [f"# Concurrency: {args.sessions} sessions x 2 turns (/chat) on {corpus.name}", "",
             "| limit | turns/s | turn p50 / p95 / max ms | alone p50 ms | errors | cross-talk |",
             "|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['concurrency_limit']} | {r['turns_per_s']} | "
              + (f"{r['turn']['p50_ms']:.0f} / {r['turn']['p95_ms']:.0f} / "
                 f"{r['turn']['max_ms']:.0f}" if r["turn"] else "–")
              + f" | {r['alone_turn']['p50_ms']:.0f} | {r['errors']} | "
              f"{r['cross_talk_sessions']} |" for r in rows]
    common.write_results(args.out, {
        "benchmark": "concurrency", "sessions": args.sessions, "rows": rows,
        "headline": f"{args.sessions} concurrent two-turn sessions: " + "; ".join(
            f"limit {r['concurrency_limit']} {r['turns_per_s']} turns/s" for r in rows)
        + f"; {lost} errors or cross-talk.",
        "targets": [common.target("concurrency: no errors, no cross-talk", str(lost),
                                  lost == 0)]}, "\n".join(lines))
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
