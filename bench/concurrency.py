"""Concurrency benchmark: 16 gradio_client sessions, each holding a different two-turn
conversation, against a real `python app.py` over the seeds.

    python bench/concurrency.py                       # sessions 16, limits 1 and 4
    python bench/concurrency.py --limits 1 --json /tmp/c.json

For each Gradio concurrency limit (GRADIO_DEFAULT_CONCURRENCY_LIMIT: how many handlers
of one endpoint run at once; Gradio's default is 1):

- setup (not timed): the index and sentence cache are prepared as in bench/app.py;
- baseline: every conversation alone, one after another, each in its own session;
- concurrent: all sessions start together (a barrier) and send their two turns through
  the streaming /chat endpoint; each turn's latency is measured at the client.

Reported: wall time, throughput (turns/s), turn latency p50/p95/max, errors, and
cross-talk: turns whose answer differs from the same conversation's answer alone (a
follow-up resolved against another session's history would differ). The answerer is
deterministic, so any difference is a defect. Results go to bench/results/concurrency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.app import PREPARE, data_dir, env_for, free_port, pct, stop  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "concurrency.json"
# (first turn, follow-up that leans on it): 16 different conversations on the seeds.
CONVERSATIONS = [
    ("What trade target did Vietnam and New Zealand set?", "And with Kazakhstan?"),
    ("When did Vietnam and Kazakhstan establish diplomatic relations?",
     "And with New Zealand?"),
    ("Tổng Bí thư Tô Lâm hội đàm với Tổng thống Kazakhstan ở đâu?", "Khi nào?"),
    ("Việt Nam và New Zealand nâng cấp quan hệ lên mức nào?", "Còn với Kazakhstan?"),
    ("Who visited Hanoi from New Zealand in February 2025?", "Who did he meet?"),
    ("What did Christopher Luxon say impressed him about Vietnam?", "When did he visit?"),
    ("Why was Tô Lâm's 2025 trip to Kazakhstan called a historic milestone?",
     "Which documents were signed?"),
    ("What did President Tokayev suggest would make it easier for Vietnamese companies "
     "to operate in Kazakhstan?", "What did Tô Lâm ask in return?"),
    ("Since 2020, through which channels have Vietnam and New Zealand stepped up political "
     "cooperation?", "What about education?"),
    ("How will Vietnam–New Zealand farm-sector cooperation help Vietnam's plant-health "
     "testing facilities?", "And trade in farm products?"),
    ("Which anniversary of Vietnam–New Zealand diplomatic relations did Luxon's 2025 visit "
     "coincide with?", "When were relations established?"),
    ("Trong cuộc điện đàm giữa Bộ trưởng Bùi Thanh Sơn và ông Winston Peters, hai bên muốn "
     "đẩy mạnh hợp tác trong lĩnh vực nào?", "Còn giáo dục thì sao?"),
    ("Tổng Bí thư Tô Lâm đã cảm ơn Kazakhstan về những sự ủng hộ nào?",
     "Kazakhstan đề nghị gì?"),
    ("When did the Vietnamese and New Zealand education ministries sign their education "
     "cooperation agreement?", "Who signed it?"),
    ("What is the capital of Peru?", "And of Chile?"),
    ("Which Vietnamese leader met Christopher Luxon in February 2025?",
     "Did he also meet Tokayev?"),
]
_BUTTON = re.compile(r'value="([^"]+:\d+)"')


def _answer_key(html: str) -> tuple[str, tuple[str, ...]]:
    """What identifies an answer: its text and the paragraph ids it shows, in order."""
    from qa.ui_render import message_text

    return message_text(html), tuple(dict.fromkeys(_BUTTON.findall(html)))


def _start(corpus: Path, limit: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = env_for(corpus, port)
    env["GRADIO_DEFAULT_CONCURRENCY_LIMIT"] = str(limit)
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    import urllib.request

    t0 = time.monotonic()
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"app exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.1)
        if time.monotonic() - t0 > 300:
            stop(proc)
            raise SystemExit(f"app not ready after 300 s; see {log}")


def _converse(url: str, conversation: tuple[str, str]) -> tuple[list, list[float]]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    keys, ms = [], []
    for message in conversation:
        t = time.perf_counter()
        html = client.submit(message, api_name="/chat").result(timeout=300)
        ms.append((time.perf_counter() - t) * 1000)
        keys.append(_answer_key(html))
    return keys, ms


def run_limit(url: str, sessions: int) -> dict:
    conversations = [CONVERSATIONS[i % len(CONVERSATIONS)] for i in range(sessions)]
    baseline, alone_ms = [], []
    for conv in conversations:
        keys, ms = _converse(url, conv)
        baseline.append(keys)
        alone_ms += ms
    barrier = threading.Barrier(sessions)
    results: dict[int, tuple[list, list[float]]] = {}
    errors: list[str] = []

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=120)
            results[i] = _converse(url, conversations[i])
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(f"session {i}: {type(exc).__name__}: {str(exc)[:200]}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(sessions)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    turn_ms = [m for _, ms in results.values() for m in ms]
    cross = [i for i, (keys, _) in results.items() if keys != baseline[i]]
    turns = 2 * len(results)
    return {
        "sessions": sessions, "turns": turns, "errors": len(errors), "error_samples": errors[:3],
        "cross_talk_sessions": len(cross), "wall_seconds": round(wall, 3),
        "throughput_turns_per_s": round(turns / wall, 3) if wall else None,
        "turn_p50_ms": round(pct(turn_ms, 50), 1) if turn_ms else None,
        "turn_p95_ms": round(pct(turn_ms, 95), 1) if turn_ms else None,
        "turn_max_ms": round(max(turn_ms), 1) if turn_ms else None,
        "alone_turn_p50_ms": round(pct(alone_ms, 50), 1),
        "alone_turn_p95_ms": round(pct(alone_ms, 95), 1),
        "alone_throughput_turns_per_s": round(len(alone_ms) / (sum(alone_ms) / 1000), 3),
        "answered_alone": sum(1 for keys in baseline for text, ids in keys
                              if "do not say" not in text and "không đề cập" not in text),
    }


def run(corpus: Path, sessions: int, limits: list[int]) -> dict:
    data_dir(corpus).parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    prep = subprocess.run([sys.executable, "-c", PREPARE], cwd=ROOT, env=env_for(corpus),
                          capture_output=True, text=True)
    if prep.returncode:
        raise SystemExit(f"preparing the index failed:\n{prep.stderr[-3000:]}")
    prepare_s = time.perf_counter() - t
    log = data_dir(corpus).with_suffix(".concurrency.log")
    log.write_bytes(b"")
    load_before = list(os.getloadavg())
    rows = []
    for limit in limits:
        proc, url = _start(corpus, limit, log)
        try:
            row = run_limit(url, sessions)
        finally:
            stop(proc)
        rows.append({"concurrency_limit": limit, **row})
    return {
        "corpus": str(corpus), "prepare_seconds": round(prepare_s, 2), "sessions": sessions,
        "conversations": [list(c) for c in CONVERSATIONS[:sessions]], "rows": rows,
        "nothing_lost": all(r["errors"] == 0 and r["cross_talk_sessions"] == 0 for r in rows),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "load_average_before": load_before,
                    "load_average_after": list(os.getloadavg())},
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def show(r: dict) -> str:
    lines = [f"{r['sessions']} concurrent sessions x 2 turns (/chat), corpus {r['corpus']}"]
    for row in r["rows"]:
        lines.append(
            f"limit {row['concurrency_limit']}: {row['turns']} turns in {row['wall_seconds']:.1f} s"
            f" = {row['throughput_turns_per_s']:.2f} turns/s; turn p50 {row['turn_p50_ms']:.0f} ms,"
            f" p95 {row['turn_p95_ms']:.0f} ms, max {row['turn_max_ms']:.0f} ms; errors "
            f"{row['errors']}, cross-talk {row['cross_talk_sessions']} sessions "
            f"(alone: p50 {row['alone_turn_p50_ms']:.0f} ms, "
            f"{row['alone_throughput_turns_per_s']:.2f} turns/s)")
    m = r["machine"]
    busy = m["load_average_before"][0] > 0.5 * (m["cpus"] or 1)
    lines.append(f"load average {m['load_average_before'][0]:.2f} before, "
                 f"{m['load_average_after'][0]:.2f} after, on {m['cpus']} CPUs"
                 + ("   (busy machine: timings are inflated)" if busy else ""))
    lines.append("nothing lost: " + ("yes" if r["nothing_lost"] else "NO"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="seeds", help="'seeds' (default) or a folder")
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--limits", default="1,4",
                        help="Gradio concurrency limits to compare (default 1,4)")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"default: {RESULTS}")
    args = parser.parse_args(argv)
    corpus = ROOT / "seeds" if args.corpus == "seeds" else Path(args.corpus)
    if not corpus.is_dir():
        parser.error(f"{corpus} is not a folder")
    limits = [int(x) for x in args.limits.split(",") if x.strip()]
    result = run(corpus.resolve(), max(1, args.sessions), limits)
    print(show(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.json}")
    return 0 if result["nothing_lost"] else 1


if __name__ == "__main__":
    sys.exit(main())
