"""The benchmark scripts run end to end on a tiny slice and write what they promise.

Each script runs as a subprocess (as `python -m bench` runs them), writing into a
temporary results folder; the last test builds summary.md from those files. XQuAD
comes from tests/data/xquad-mini (4 paragraphs, en + vi, CC BY-SA 4.0). Sizes are
tiny: the figures are checked for shape and sanity, not quality.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
XQUAD = ROOT / "tests" / "data" / "xquad-mini"
SKIPPED = 3  # bench.common.SKIPPED

pytestmark = pytest.mark.slow


def _run(*args: str, timeout: int = 300, codes: tuple[int, ...] = (0,)
         ) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode in codes, f"{args} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return proc


def _one_seed(tmp_path: Path) -> Path:
    """A corpus of the smallest seed file."""
    folder = tmp_path / "one-seed"
    folder.mkdir()
    smallest = min((ROOT / "seeds").glob("*.txt"), key=lambda p: p.stat().st_size)
    shutil.copy(smallest, folder / smallest.name)
    return folder


def _targets_ok(r: dict) -> None:
    assert r["headline"] and r["machine"]["load_average_before"] and r["date"]
    for t in r["targets"]:
        assert set(t) == {"name", "measured", "pass"} and t["pass"] in (True, False, None)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bench-results")


def test_scale_tiny(results):
    out = results / "scale.quick.json"
    _run("bench/scale.py", "--sizes", "500", "--queries", "20", "--data", "e5like",
         "--sweep-ef", "20,100", "--out", str(out))
    r = json.loads(out.read_text())
    assert {(row["mode"], row["config"]) for row in r["rows"]} == {
        ("embedded", "default"), ("embedded", "tuned"), ("server", "default"),
        ("server", "tuned")}
    for row in r["rows"]:
        assert row["add_vectors_per_s"] > 0 and 0 < row["p50_ms"] <= row["p95_ms"]
        assert 0.5 <= row["recall_at_10"] <= 1.0
    assert [(s["config"], s["ef_search"]) for s in r["sweeps"]["e5like"]] == [
        ("default", 20), ("default", 100), ("tuned", 20), ("tuned", 100)]
    assert out.with_suffix(".md").read_text().startswith("# Chroma at scale")
    _targets_ok(r)


def test_xquad_benchmarks_skip_without_xquad(tmp_path):
    for script in ("retrieval", "speed"):
        proc = _run(f"bench/{script}.py", "--xquad", str(tmp_path), "--out",
                    str(tmp_path / "x.json"), codes=(SKIPPED,), timeout=60)
        assert "skipped: XQuAD not found" in proc.stderr and "--xquad" in proc.stderr
    assert not (tmp_path / "x.json").exists()


def test_xquad_span_normalisation():
    sys.path.insert(0, str(ROOT))
    from bench.xquad import contains, normalise

    assert normalise("The  Denver Broncos!") == "denver broncos"
    assert normalise("“Hà Nội”, 1990–1991.") == "hà nội 1990 1991"
    assert contains("They won in 2015 against the Denver Broncos. [1]", ["Denver Broncos"])
    assert not contains("In 1990 it grew. [1]", ["1"])  # the marker is not an answer


def test_ingest_tiny(results, tmp_path):
    out = results / "ingest.json"
    # exit 1 = a target missed (timings on a loaded machine), results still written
    _run("bench/ingest.py", "--corpus", str(_one_seed(tmp_path)), "--repeat", "1", "--json",
         str(out), codes=(0, 1))
    r = json.loads(out.read_text())
    assert r["embedded_paragraphs"] > 0 and r["unchanged_seconds"] < r["cold_seconds"]
    assert 0 < r["import_seconds"] < r["open_to_answer_seconds"]
    assert len(r["targets"]) == 6
    _targets_ok(r)


def test_speed_tiny(results, tmp_path):
    out = results / "speed.json"
    _run("bench/speed.py", "--xquad", str(XQUAD), "--paragraphs", "4", "--rounds", "1",
         "--seeds-dir", str(_one_seed(tmp_path)), "--out", str(out))
    r = json.loads(out.read_text())
    e, ask = r["ingest"], r["latency"]["ask"]
    assert e["embedded_paragraphs"] == 4
    assert e["bare_paragraphs_per_s"] > 0 and e["seedqa_paragraphs_per_s"] > 0
    assert ask["n"] == 6 and ask["p50_ms"] <= ask["p95_ms"]
    _targets_ok(r)


def test_load_tiny(results):
    out = results / "load.quick.json"
    _run("bench/load.py", "--quick", "--probes", "1", "--requests", "20", "--paragraphs", "5",
         "--one-line-kb", "8", "--json", str(out), timeout=600)
    r = json.loads(out.read_text())
    assert r["alone"]["n"] == 8 and r["loaded"]["n"] == 8 and r["upload"]["paragraphs"] == 5
    assert list(r["soak"]["rss_mb"]) == ["0", "2", "5", "10", "20"]
    assert r["library"]["newlines"] == 0 and r["library"]["kib"] >= 8
    assert not r["alone"]["errors"] + r["loaded"]["errors"] + r["soak"]["ask"]["errors"]
    assert len(r["targets"]) == 5 and "| target |" in out.with_suffix(".md").read_text()
    _targets_ok(r)


def test_filters_tiny(results):
    out = results / "filters.quick.json"
    _run("bench/filters.py", "--sizes", "300", "--queries", "10", "--out", str(out))
    r = json.loads(out.read_text())
    _targets_ok(r)
    assert [(row["size"], row["majority_share"]) for row in r["rows"]] == [(300, 0.5),
                                                                             (300, 0.9)]
    for row in r["rows"]:
        assert row["draw_before_ms"] > 0 and row[f"draw_now_x{r['factor']}_ms"] > 0
        # 300 records fit in the wide query: no language is ever short of the pool
        assert row[f"draw_now_x{r['factor']}_filtered_queries"] == 0
    assert "| 300 |" in out.with_suffix(".md").read_text()


def test_fit_marks_tiny(tmp_path):
    out = tmp_path / "marks.json"
    _run("bench/fit_marks.py", "--xquad", str(XQUAD), "--out", str(out))
    r = json.loads(out.read_text(encoding="utf-8"))
    held = r["metrics"]["held_out"]
    assert set(held) == {"collection_and_general", "collection_only", "general_only",
                         "english_questions", "some_marks_typed",
                         "english_questions_as_written"}
    assert held["english_questions"]["read_as_vietnamese"] == 0.0
    assert 0.5 < held["collection_and_general"]["words_restored"] <= 1.0
    assert 0.0 < held["some_marks_typed"]["partial_words_restored"] <= 1.0
    assert set(r["metrics"]["bare_cross_fitted"]) == {"0.02", "0.05", "0.1", "0.2", "0.5",
                                                      "1.01"}
    assert r["counts"]["forms"] and r["provenance"]["command"]


def test_summary_from_results(results):
    _run("-m", "bench", "--summary-only", "--results-dir", str(results), timeout=60)
    text = (results / "summary.md").read_text()
    assert text.startswith("# seedqa benchmarks (quick set)")
    assert "## Targets" in text
    for name in ("scale", "filters", "speed", "ingest", "load"):
        if any(results.glob(f"{name}*.json")):
            assert f"## {name}" in text
    assert "PASS" in text or "MISS" in text
    assert "(no headline)" not in text
