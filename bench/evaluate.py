"""Evaluation side by side: seedqa, plain llama-index dense top-5 and BM25 on every set,
the report (held-out) split first, then the fit split.

    python bench/evaluate.py                              # seeds, hf-course, seeds-extra
    python bench/evaluate.py --sets seeds                 # one set
    python bench/evaluate.py --xquad DIR --quick          # + XQuAD held-out paragraphs, ~150 q/row

Sets (questions / corpus; split ids in eval/splits.json):
- ``seeds``: eval/seeds-dev.jsonl over seeds/
- ``hf-course``: eval/hf-course/questions.jsonl over eval/hf-course/corpus/
- ``seeds-extra``: eval/seeds-extra.jsonl over seeds/ (60 questions written 2026-11-30 by
  a session that saw neither dev set; its first figures came before any tuning on it)
- ``seeds-fresh``: eval/seeds-fresh.jsonl over seeds/ (60 questions written 2026-12-01 by a
  helper session that saw no code and no other question set, only the seed documents)
- ``fastapi`` (opt-in, ``--fastapi DIR`` or $SEEDQA_FASTAPI): eval/fastapi/questions.jsonl
  over 18 FastAPI documentation pages, en/vi (not in the repository; see
  eval/fastapi/SOURCE.md)
- ``maint-guide`` (opt-in, ``--maint-guide DIR`` or $SEEDQA_MAINT_GUIDE):
  eval/maint-guide/questions.jsonl over the Debian New Maintainers' Guide, en/vi, 22 HTML
  pages from Debian's maint-guide and maint-guide-vi packages (eval/maint-guide/SOURCE.md;
  50 questions written 2026-12-01 by a session that saw no code and no other set)
- ``libreoffice`` (opt-in, ``--libreoffice DIR`` or $SEEDQA_LIBREOFFICE):
  eval/libreoffice/questions.jsonl over LibreOffice 7.4's Writer how-to help pages, en/vi,
  134 HTML pages a language, the Vietnamese ones only partly translated, from Debian's
  libreoffice-help-en-us and libreoffice-help-vi packages (eval/libreoffice/SOURCE.md;
  50 questions written 2026-12-01 by a session that saw no code and no other set)
- ``kubernetes`` (opt-in, ``--kubernetes DIR`` or $SEEDQA_KUBERNETES):
  eval/kubernetes/questions.jsonl over 23 Kubernetes concept pages (Hugo Markdown with
  front matter and shortcodes), 12 Vietnamese and 11 English (eval/kubernetes/SOURCE.md;
  50 questions written 2026-12-02 by a helper session that saw no code and no other set)

Systems (``bench/baselines.py``): ``seedqa`` (``qa.Assistant(llm=False)``, public
``ask``/``search`` only; a follow-up gets its ``context`` as history), ``llama-index``
(VectorStoreIndex of the raw paragraphs, top-5; answer = the top paragraph's sentence
closest to the question) and ``bm25`` (bm25s over diacritic-folded tokens; answer = the
top paragraph's sentence with the most query terms). The baselines never refuse and
see the question alone. Measures are ``qa.evaluate``'s: search recall@5 (a top-5
paragraph holds an evidence string), citation hit and precision, answer accuracy
(every ``must_include`` group), refusal of unanswerable and false refusal; for seedqa,
warm ``ask``/``search`` p50/p95 over the report split (one more pass after the scored one).

XQuAD (``--xquad DIR`` or $SEEDQA_XQUAD; skipped with a message when absent): a mixed
en+vi corpus of the held-out paragraphs only (``xquad_split``), asked in English, in
Vietnamese, and in Vietnamese over the English paragraphs alone (vi→en-only);
measures recall@5 (the question's paragraph, either language, in the top 5), answer
span hit (a gold span of either language in the answer; refusal = miss,
``bench.xquad.contains``) and answered rate.

The seedqa index of each corpus lives in bench/.cache/evaluate/ (reruns embed nothing
new), as do the baselines' vectors; results go to bench/results/evaluate.{md,json},
per-item rows to bench/results/raw/evaluate.jsonl (git-ignored).
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # `python bench/evaluate.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench import common, xquad  # noqa: E402
from bench.baselines import BM25Baseline, DenseBaseline, corpus_paragraphs  # noqa: E402

CACHE = common.CACHE / "evaluate"
SPLITS_FILE = common.ROOT / "eval" / "splits.json"
SYSTEMS = ("seedqa", "llama-index", "bm25")
REPORT_FIRST = ("report", "fit")
MEASURES = (("search_recall_at_5", "recall@5"), ("search_recall_at_5_shown", "recall@5 shown"),
            ("citation_hit", "citation hit"),
            ("citation_precision", "precision"), ("answer_accuracy", "accuracy"),
            ("refusal_rate", "refusal"), ("false_refusal_rate", "false refusal"))
XQUAD_MEASURES = (("recall_at_5", "recall@5"), ("span_hit", "answer span hit"),
                  ("answered_rate", "answered"))
QUICK_QUESTIONS = 150  # per XQuAD row with --quick (the brief's "~150 questions per row")
QUICK_SEED = 20261129  # the seed of eval/splits.json, reused for the --quick subsample
HELD_OUT_EVERY = 4  # XQuAD: every 4th paragraph (sorted) is held out, the rest is for fitting


@dataclass(frozen=True)
class EvalSet:
    """A question file, the corpus it is asked over, and its key in the split file."""

    name: str
    questions: Path
    corpus: Path


SETS = {
    "seeds": EvalSet("seeds", common.ROOT / "eval" / "seeds-dev.jsonl", common.ROOT / "seeds"),
    "hf-course": EvalSet("hf-course", common.ROOT / "eval" / "hf-course" / "questions.jsonl",
                         common.ROOT / "eval" / "hf-course" / "corpus"),
    "seeds-extra": EvalSet("seeds-extra", common.ROOT / "eval" / "seeds-extra.jsonl",
                           common.ROOT / "seeds"),
    "seeds-fresh": EvalSet("seeds-fresh", common.ROOT / "eval" / "seeds-fresh.jsonl",
                           common.ROOT / "seeds"),
}
# Opt-in: their documents are not in the repository (eval/NAME/SOURCE.md says where they
# come from); --NAME DIR or $SEEDQA_<NAME> names their folder.
OPT_IN = ("fastapi", "maint-guide", "libreoffice", "kubernetes")


def opt_in_env(name: str) -> str:
    """The environment variable naming opt-in set ``name``'s folder."""
    return "SEEDQA_" + name.upper().replace("-", "_")


def fit_set(name: str):
    """(the fit-split items of set ``name``, an offline ``qa.Assistant`` over its corpus with
    its index in bench/.cache/evaluate/<name>): what the sweeps tune on."""
    import qa
    from qa.evaluate import load_items, select, split_ids

    evalset = SETS[name]
    assistant = qa.Assistant(corpus_dir=evalset.corpus, data_dir=CACHE / name, llm=False)
    assistant.ingest()
    return select(load_items(evalset.questions),
                  split_ids(SPLITS_FILE, evalset.questions, "fit")), assistant


# --------------------------------------------------------------------------- XQuAD split

def xquad_split(paragraphs: Iterable) -> tuple[list[int], list[int]]:
    """(fit, held_out): XQuAD paragraph indices (``XParagraph.index``, the same in every
    language) for fitting and for reporting.

    The paragraphs are sorted by (article title, position of the context inside its
    article); every paragraph whose position in that order is a multiple of
    ``HELD_OUT_EVERY`` (4) is held out, all others are fit. Pass the paragraphs of one
    language or of several (indices are deduplicated); the split depends only on the
    articles and their order, never on the text, so it is the same for en and vi.
    """
    position: dict[int, tuple[str, int]] = {}
    seen: Counter = Counter()
    for p in sorted(paragraphs, key=lambda p: p.index):
        if p.index not in position:
            position[p.index] = (p.article, seen[p.article])
            seen[p.article] += 1
    ordered = sorted(position, key=lambda i: position[i])
    held = sorted(i for n, i in enumerate(ordered) if n % HELD_OUT_EVERY == 0)
    fit = sorted(i for n, i in enumerate(ordered) if n % HELD_OUT_EVERY != 0)
    return fit, held


# --------------------------------------------------------------------------- systems

class CachedEmbedder:
    """A ``qa.embed.Embedder`` keeping the vectors it computed in one .npz per kind, so the
    baselines embed each text once across runs; vectors are the inner embedder's own."""

    def __init__(self, inner, folder: Path) -> None:
        self.inner, self.name, self.folder = inner, inner.name, folder
        self._tables: dict[str, dict[str, np.ndarray]] = {}
        self._dirty: set[str] = set()
        self._lock = threading.Lock()

    def _path(self, kind: str) -> Path:
        tag = hashlib.sha256(self.name.encode()).hexdigest()[:10]
        return self.folder / f"vectors-{tag}-{kind}.npz"

    def _table(self, kind: str) -> dict[str, np.ndarray]:
        if kind not in self._tables:
            self._tables[kind] = {}
            if self._path(kind).exists():
                with np.load(self._path(kind)) as f:
                    self._tables[kind] = dict(zip(f["keys"].tolist(), f["vectors"], strict=True))
        return self._tables[kind]

    def save(self) -> None:
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            for kind in sorted(self._dirty):
                table, path = self._tables[kind], self._path(kind)
                tmp = path.with_name(path.stem + ".tmp.npz")
                np.savez(tmp, keys=np.array(list(table)), vectors=np.stack(list(table.values())))
                os.replace(tmp, path)
            self._dirty.clear()

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        with self._lock:
            table = self._table("passage")
            missing = list(dict.fromkeys(t for t in texts if t not in table))
            if missing:
                if len(missing) > 32:  # a corpus, not one paragraph's sentences
                    common.log(f"  embedding {len(missing)} passages for the llama-index "
                               "baseline")
                vectors = np.asarray(self.inner.embed_documents(missing), dtype=np.float32)
                table.update(zip(missing, vectors, strict=True))
                self._dirty.add("passage")
            return np.stack([table[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            table = self._table("query")
            if text not in table:
                table[text] = np.asarray(self.inner.embed_query(text), dtype=np.float32)
                self._dirty.add("query")
            return table[text]


_EMBEDDER: list = []


def xquad_fit_assistant(folder: Path, name: str, keep=lambda p, lang: True):
    """(XQuAD data, the fit paragraph indices, an offline ``qa.Assistant`` over the fit
    paragraphs of both languages that ``keep(paragraph, language)`` accepts), its index
    cached in bench/.cache/<name>-...: what the sweeps measure XQuAD fit data on."""
    data = xquad.load(folder)
    fit, _held = xquad_split(data.paragraphs["en"])
    fitted = set(fit)
    paragraphs = [p for lang in ("en", "vi") for p in data.paragraphs[lang]
                  if p.index in fitted and keep(p, lang)]
    assistant, _report, seconds = xquad.index(paragraphs, xquad.cache_dir(name, paragraphs))
    common.log(f"{len(paragraphs)} fit paragraphs indexed in {seconds:.0f} s")
    return data, fitted, assistant


def baseline_embedder() -> CachedEmbedder:
    """seedqa's configured embedder (``qa.embed.make_embedder``) behind the vector cache."""
    if not _EMBEDDER:
        from qa.config import Config
        from qa.embed import make_embedder

        _EMBEDDER.append(CachedEmbedder(make_embedder(Config.from_env()), CACHE / "vectors"))
    return _EMBEDDER[0]


def seedqa_system(corpus: Path, data_dir: Path):
    """``qa.Assistant`` (offline answerer) over ``corpus``, its index kept in ``data_dir``."""
    import qa

    assistant = qa.Assistant(corpus_dir=corpus, data_dir=data_dir, llm=False)
    t0 = time.perf_counter()
    report = assistant.ingest()
    if hasattr(assistant, "wait_ready"):  # sentence vectors: answer at full speed from the start
        assistant.wait_ready()
    common.log(f"  seedqa index: {report.documents} documents, {report.paragraphs} paragraphs, "
               f"{report.embedded} embedded, {time.perf_counter() - t0:.1f} s")
    return assistant


def build_systems(corpus: Path, name: str, systems: Iterable[str] = SYSTEMS) -> dict:
    """The systems over one corpus; seedqa's index is cached under bench/.cache/evaluate/."""
    paragraphs = corpus_paragraphs(corpus)
    built = {}
    for system in systems:
        t0 = time.perf_counter()
        if system == "seedqa":
            built[system] = seedqa_system(corpus, CACHE / name / "seedqa")
        elif system == "llama-index":
            built[system] = DenseBaseline(paragraphs, baseline_embedder())
            baseline_embedder().save()
        elif system == "bm25":
            built[system] = BM25Baseline(paragraphs)
        else:
            raise SystemExit(f"unknown system {system!r}; use {', '.join(SYSTEMS)}")
        common.log(f"  {system} over {name} ready in {time.perf_counter() - t0:.1f} s")
    return built


# --------------------------------------------------------------------------- the QA sets

def evaluate_set(evalset: EvalSet, systems: Iterable[str] = SYSTEMS) -> tuple[dict, list[dict]]:
    """{split: {system: {"overall", "groups"}}} for one set, and the per-item rows."""
    from qa.evaluate import groups, load_items, run, split_ids, summarise

    items = load_items(evalset.questions)
    splits = {s: split_ids(SPLITS_FILE, evalset.questions, s) for s in REPORT_FIRST}
    split_of = {i: s for s, ids in splits.items() for i in ids}
    common.log(f"{evalset.name}: {len(items)} questions "
               f"({', '.join(f'{s} {len(ids)}' for s, ids in splits.items())})")
    built = build_systems(evalset.corpus, evalset.name, systems)
    out: dict = {s: {} for s in REPORT_FIRST}
    all_rows = []
    for system, bot in built.items():
        t0 = time.perf_counter()
        rows = run(bot, items)
        common.log(f"  {system}: {len(rows)} questions in {time.perf_counter() - t0:.1f} s")
        if rows and not any(r["answered"] for r in rows):
            common.log(f"  WARNING: {system} answered none of the {len(rows)} questions; "
                       "check that it runs (e.g. `seedqa ask` on one of them)")
        for row in rows:
            row.update(set=evalset.name, system=system, split=split_of.get(str(row["id"]), ""))
        all_rows += rows
        for split in REPORT_FIRST:
            mine = [r for r in rows if r["split"] == split]
            out[split][system] = {"overall": summarise(mine), "groups": {
                g: {k: v for k, v in m.items() if k == "items" or k in dict(MEASURES)}
                for g, m in groups(mine).items()}}
        if system == "seedqa":  # warm latency: one more pass over the report split
            out["report"][system]["warm"] = common.warm_latency(bot, [
                (i["question"], [(i["context"], "")] if i.get("context") else None)
                for i in items if str(i["id"]) in splits["report"]], 1)
    if isinstance(built.get("llama-index"), DenseBaseline):
        baseline_embedder().save()
    return out, all_rows


# --------------------------------------------------------------------------- XQuAD

def xquad_rows(data: xquad.XQuAD, held: list[int], quick: bool) -> list[tuple[str, str, list]]:
    """(row name, corpus name, questions) for en, vi and vi→en-only over held-out paragraphs."""
    keep = set(held)
    rows = []
    for name, corpus, lang in (("en", "mixed", "en"), ("vi", "mixed", "vi"),
                               ("vi→en-only", "en-only", "vi")):
        questions = [q for q in data.questions[lang] if q.index in keep]
        if quick and len(questions) > QUICK_QUESTIONS:
            picked = set(random.Random(QUICK_SEED).sample(range(len(questions)), QUICK_QUESTIONS))
            questions = [q for n, q in enumerate(questions) if n in picked]
        rows.append((name, corpus, questions))
    return rows


def evaluate_xquad(folder: Path, quick: bool, systems: Iterable[str] = SYSTEMS
                   ) -> tuple[dict, list[dict]]:
    """{"rows": {row: {system: measures}}, ...} on XQuAD's held-out paragraphs, and the
    per-item rows."""
    data = xquad.load(folder)
    _fit, held = xquad_split(data.paragraphs["en"])
    keep = set(held)
    corpora = {"mixed": [p for lang in data.langs for p in data.paragraphs[lang]
                         if p.index in keep],
               "en-only": [p for p in data.paragraphs["en"] if p.index in keep]}
    golds = data.golds()
    common.log(f"XQuAD: {len(held)} held-out paragraphs of {len(data.paragraphs['en'])}")
    built = {}
    for name, paragraphs in corpora.items():
        folder_ = CACHE / f"xquad-{name}"
        xquad.write_corpus(paragraphs, folder_ / "corpus")
        built[name] = build_systems(folder_ / "corpus", f"xquad-{name}", systems)
    out: dict = {}
    item_rows = []
    for row, corpus, questions in xquad_rows(data, held, quick):
        out[row] = {}
        for system, bot in built[corpus].items():
            t0 = time.perf_counter()
            mine = []
            for q in questions:
                hits = bot.search(q.question, k=5)
                got = {xquad.parse_key(h.citation.doc_id)[1] for h in hits}
                answer = bot.ask(q.question)
                mine.append({"set": "xquad", "row": row, "system": system, "id": q.id,
                             "recall": q.index in got, "answered": bool(answer.answered),
                             "span_hit": bool(answer.answered) and xquad.contains(
                                 answer.text, golds[q.id])})
            n = len(mine) or 1
            out[row][system] = {
                "items": len(mine),
                "recall_at_5": round(sum(r["recall"] for r in mine) / n, 3),
                "span_hit": round(sum(r["span_hit"] for r in mine) / n, 3),
                "answered_rate": round(sum(r["answered"] for r in mine) / n, 3)}
            common.log(f"  xquad {row} {system}: {out[row][system]} "
                       f"({time.perf_counter() - t0:.1f} s)")
            item_rows += mine
    if "llama-index" in systems:
        baseline_embedder().save()
    return {"held_out_paragraphs": len(held), "quick": quick,
            "split": "bench.evaluate.xquad_split: sorted by (article, context index), "
                     "position % 4 == 0 held out", "rows": out}, item_rows


# --------------------------------------------------------------------------- report

def _cell(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def markdown(results: dict, command: str) -> str:
    """The tables: one per set (report split first), then XQuAD."""
    lines = ["# Evaluation side by side: seedqa, plain llama-index dense top-5, BM25", "",
             f"Command: `{command}`", "",
             "Rows: set / split / system, the report (held-out, never fitted on) split first. "
             "recall@5 = a top-5 search hit holds an evidence string (its paragraph or that "
             "paragraph's translations, `Hit.translations`; a follow-up searched in its "
             "conversation, `search(..., history=)`, since 2026-11-30); recall@5 shown = its "
             "paragraph only (baselines have no translations: the two are equal); citation hit / "
             "precision over answerable items; accuracy = every `must_include` group in the "
             "answer; refusal over unanswerable items, false refusal over answerable ones. "
             "The baselines never refuse and ignore the follow-up context.", ""]
    for name, by_split in results.get("sets", {}).items():
        lines += [f"## {name}", "",
                  "| split | system | items | " + " | ".join(h for _, h in MEASURES) + " |",
                  "|---|---|---:|" + "---:|" * len(MEASURES)]
        for split in REPORT_FIRST:
            for system, res in by_split[split].items():
                o = res["overall"]
                lines.append(f"| {split} | {system} | {o['items']} | "
                             + " | ".join(_cell(o[k]) for k, _ in MEASURES) + " |")
        shown = [f"{split} {o['answers_with_markup']} of {o['answered']}"
                 for split in REPORT_FIRST
                 if "answers_with_markup" in (o := by_split[split].get("seedqa", {})
                                              .get("overall", {}))]
        if shown:
            lines += ["", "seedqa answers showing markup (an HTML/MDX tag or a heading line "
                      f"outside code blocks; issue 13): {', '.join(shown)} answered."]
        if warm := by_split["report"].get("seedqa", {}).get("warm"):
            lines += ["", f"seedqa warm latency over the report split ({warm['ask']['n']} "
                      f"questions): ask p50 {warm['ask']['p50_ms']:.0f} / p95 "
                      f"{warm['ask']['p95_ms']:.0f} ms, search p50 {warm['search']['p50_ms']:.0f}"
                      f" / p95 {warm['search']['p95_ms']:.0f} ms."]
        lines.append("")
    xq = results.get("xquad")
    if xq:
        quick = f", quick: ~{QUICK_QUESTIONS} questions per row" if xq["quick"] else ""
        lines += [f"## XQuAD held-out paragraphs ({xq['held_out_paragraphs']} per language"
                  f"{quick})",
                  "", "Span hit = a gold answer span (either language, SQuAD normalisation) is in "
                  "the answer; a refusal is a miss.", "",
                  "| questions | system | items | " + " | ".join(h for _, h in XQUAD_MEASURES)
                  + " |", "|---|---|---:|" + "---:|" * len(XQUAD_MEASURES)]
        for row, by_system in xq["rows"].items():
            for system, m in by_system.items():
                lines.append(f"| {row} | {system} | {m['items']} | "
                             + " | ".join(_cell(m[k]) for k, _ in XQUAD_MEASURES) + " |")
        lines += ["", f"Data: XQuAD, {xquad.LICENSE}."]
    elif results.get("xquad_skipped"):
        lines += [f"XQuAD: skipped ({results['xquad_skipped']})."]
    checks = results.get("targets") or []
    if checks:
        lines += ["", "## Targets (issue 11, report split)", "", "| target | measured | |",
                  "|---|---|---|"]
        lines += [f"| {t['name']} | {t['measured']} | "
                  f"{'PASS' if t['pass'] else '–' if t['pass'] is None else 'MISS'} |"
                  for t in checks]
    return "\n".join(lines) + "\n"


# Issue 11's targets, checked on the report split: (set, measure, bound, at least?). Seeds:
# the judged seed-set bars plus false refusal; hf-course: the documentation-set bars.
TARGETS = (("seeds", "search_recall_at_5", 0.90, True), ("seeds", "citation_hit", 0.85, True),
           ("seeds", "answer_accuracy", 0.70, True), ("seeds", "refusal_rate", 0.70, True),
           ("seeds", "false_refusal_rate", 0.10, False),
           ("hf-course", "search_recall_at_5", 0.85, True),
           ("hf-course", "answer_accuracy", 0.60, True))
# Seeds report split, warm ask: p50 <= 100 ms (issue 11: "stays <= 100 ms"; issue 3 asked
# for 150), p95 <= 400 ms (issue 3).
WARM_TARGETS = {"p50_ms": 100.0, "p95_ms": 400.0}
XQUAD_TARGETS = (("en", "span_hit", 0.76), ("vi", "span_hit", 0.76),
                 ("vi→en-only", "recall_at_5", 0.90))


def targets(results: dict) -> list[dict]:
    """PASS/MISS of seedqa's report-split figures against the issue's bars and against
    plain llama-index (each measure at least as good; false refusal at most as high)."""
    out = []
    for name, measure, bound, at_least in TARGETS:
        by_system = results.get("sets", {}).get(name, {}).get("report", {})
        if "seedqa" not in by_system:
            continue
        x = by_system["seedqa"]["overall"][measure]
        ok = x is not None and (x >= bound if at_least else x <= bound)
        out.append(common.target(f"{name} report: seedqa {measure} {'>=' if at_least else '<='} "
                                 f"{bound}", _cell(x), ok))
    warm = results.get("sets", {}).get("seeds", {}).get("report", {}).get("seedqa", {}).get("warm")
    out += [common.target(f"seeds report: seedqa warm ask {key[:3]} <= {limit:g} ms",
                          f"{warm['ask'][key]:.0f} ms", warm["ask"][key] <= limit)
            for key, limit in WARM_TARGETS.items() if warm]
    for name, by_split in results.get("sets", {}).items():
        mine, base = by_split["report"].get("seedqa"), by_split["report"].get("llama-index")
        if not (mine and base):
            continue
        for measure in ("search_recall_at_5", "citation_hit", "answer_accuracy"):
            x, y = mine["overall"][measure], base["overall"][measure]
            out.append(common.target(f"{name} report: seedqa {measure} >= plain llama-index",
                                     f"{_cell(x)} vs {_cell(y)}",
                                     None if x is None or y is None else x >= y))
    for row, measure, bound in XQUAD_TARGETS:
        m = results.get("xquad", {}).get("rows", {}).get(row, {}).get("seedqa")
        if m:
            out.append(common.target(f"XQuAD held-out {row}: seedqa {measure} >= {bound}",
                                     _cell(m[measure]), m[measure] >= bound))
    return out


def headline(results: dict) -> str:
    parts = []
    for name, by_split in results.get("sets", {}).items():
        cells = ", ".join(
            f"{system} acc {_cell(res['overall']['answer_accuracy'])} / R@5 "
            f"{_cell(res['overall']['search_recall_at_5'])}"
            for system, res in by_split["report"].items())
        parts.append(f"{name} report split: {cells}")
    return "Evaluation side by side — " + "; ".join(parts) + "."


def main(argv: list[str] | None = None) -> int:
    parser = common.arg_parser(__doc__, "evaluate.json")
    parser.add_argument("--sets", default=",".join(SETS),
                        help=f"comma-separated sets ({', '.join(SETS)}; 'none' for XQuAD only; "
                             f"{' and '.join(OPT_IN)} are added when their documents are given)")
    for name in OPT_IN:
        parser.add_argument(f"--{name}", default=os.environ.get(opt_in_env(name)),
                            help=f"folder of the pages of eval/{name}/SOURCE.md (or "
                                 f"${opt_in_env(name)}): adds the {name} set")
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help=f"comma-separated systems (default {','.join(SYSTEMS)})")
    common.add_xquad_arg(parser)
    parser.add_argument("--quick", action="store_true",
                        help=f"XQuAD: ~{QUICK_QUESTIONS} questions per row")
    args = parser.parse_args(argv)
    names = [] if args.sets == "none" else [s.strip() for s in args.sets.split(",") if s.strip()]
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    sets = dict(SETS)
    for name in OPT_IN:
        folder = getattr(args, name.replace("-", "_"))
        if folder and Path(folder).is_dir():
            sets[name] = EvalSet(name, common.ROOT / "eval" / name / "questions.jsonl",
                                 Path(folder))
            if args.sets == parser.get_default("sets"):
                names.append(name)
        elif folder:
            common.log(f"{name} skipped: {folder} is not a folder (eval/{name}/SOURCE.md)")
    unknown = [s for s in names if s not in sets] + [s for s in systems if s not in SYSTEMS]
    for name in OPT_IN:
        if name in unknown:
            parser.error(f"the {name} set needs its documents: pass --{name} DIR (or set "
                         f"{opt_in_env(name)}; eval/{name}/SOURCE.md says where they come "
                         "from)")
    if unknown:
        parser.error(f"unknown set or system: {', '.join(unknown)}")
    command = "python bench/evaluate.py " + " ".join(argv if argv is not None else sys.argv[1:])
    results: dict = {"benchmark": "evaluate", "command": command.strip(), "sets": {}}
    rows: list[dict] = []
    for name in names:
        results["sets"][name], set_rows = evaluate_set(sets[name], systems)
        rows += set_rows
    if args.xquad and (Path(args.xquad) / "xquad.en.json").is_file():
        results["xquad"], xrows = evaluate_xquad(Path(args.xquad), args.quick, systems)
        rows += xrows
    else:
        results["xquad_skipped"] = ("no XQuAD folder; pass --xquad DIR or set SEEDQA_XQUAD to a "
                                    "folder with xquad.en.json and xquad.vi.json")
        common.log("XQuAD skipped: " + results["xquad_skipped"])
    results["headline"] = headline(results)
    results["targets"] = targets(results)
    # per-item rows go to bench/results/raw/ (git-ignored), the summary beside the tables
    common.write_results(Path(args.out), results, markdown(results, results["command"]), rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
