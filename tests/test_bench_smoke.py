"""The benchmark scripts run end to end on a tiny slice and write what they promise.

Each script runs as a subprocess (as `python -m bench` runs them), writing into a
temporary results folder; the last test builds summary.md from those files.
Sizes are tiny so the whole file stays under a minute: the figures are not checked
for quality, only for shape and sanity.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
XQUAD = Path("/work/shared/bench/xquad")

pytestmark = pytest.mark.slow


def _run(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"{args} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bench-results")


def _needs_xquad():
    import os

    folder = Path(os.environ.get("XQUAD_DIR", XQUAD))
    if not (folder / "xquad.en.json").exists():
        pytest.skip(f"XQuAD not found in {folder}")


def test_scale_tiny(results):
    out = results / "scale.quick.json"
    _run("bench/scale.py", "--sizes", "500", "--queries", "20", "--data", "e5like",
         "--sweep-builds", "16:100,24:100", "--sweep-ef", "20,100", "--out", str(out))
    r = json.loads(out.read_text())
    assert {(row["mode"], row["config"]) for row in r["rows"]} == {
        ("embedded", "default"), ("embedded", "tuned"), ("server", "default"),
        ("server", "tuned")}
    for row in r["rows"]:
        assert row["configuration"]["space"] == "cosine"
        assert row["add_vectors_per_s"] > 0 and 0 < row["p50_ms"] <= row["p95_ms"]
        assert 0.5 <= row["recall_at_10"] <= 1.0
    tuned = next(row for row in r["rows"] if row["config"] == "tuned")
    assert tuned["configuration"]["max_neighbors"] == r["tuned"]["max_neighbors"]
    assert len(r["sweeps"]["e5like"]) == 4
    assert out.with_suffix(".md").read_text().startswith("# Chroma at scale")
    assert out.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"
    assert r["machine"]["load_average_before"]


def test_answer_xquad_tiny(results):
    _needs_xquad()
    out = results / "answer_xquad.quick.json"
    _run("bench/answer_xquad.py", "--limit", "3", "--questions", "4", "--no-cache",
         "--out", str(out))
    r = json.loads(out.read_text())
    s = r["summary"]
    assert s["en"]["n"] == 4 and s["vi"]["n"] == 4 and s["all"]["n"] == 8
    for key in ("answered_rate", "span_hit", "citation_hit", "baseline_span_hit"):
        assert 0.0 <= s["all"][key] <= 1.0
    assert r["index"]["paragraphs"] == 6
    assert "pass" in r["target"]
    assert "| vi |" in out.with_suffix(".md").read_text()


def test_answer_xquad_normalisation():
    sys.path.insert(0, str(ROOT))
    from bench.answer_xquad import contains, normalise

    assert normalise("The  Denver Broncos!") == "denver broncos"
    assert normalise("“Hà Nội”, 1990–1991.") == "hà nội 1990 1991"
    assert contains("They won in 2015 against the Denver Broncos. [1]", ["Denver Broncos"])
    assert not contains("In 1990 it grew. [1]", ["1"])  # the marker is not an answer


def test_speed_tiny(results, tmp_path):
    _needs_xquad()
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    first = sorted((ROOT / "seeds").glob("*.txt"))[0]
    shutil.copy(first, seeds / first.name)
    out = results / "speed.json"
    _run("bench/speed.py", "--paragraphs", "4", "--questions", "3", "--rounds", "1",
         "--seeds-dir", str(seeds), "--out", str(out))
    r = json.loads(out.read_text())
    e, lat = r["embedding"], r["latency"]
    assert e["paragraphs"] == 4
    assert e["bare_paragraphs_per_s"] > 0 and e["seedqa_paragraphs_per_s"] > 0
    assert lat["ask_calls"] == 3 and lat["ask_p50_ms"] <= lat["ask_p95_ms"]
    assert r["peak_rss_mb"] > 100
    assert out.with_suffix(".md").exists()


def test_summary_from_results(results):
    _run("-m", "bench", "--summary-only", "--results-dir", str(results), timeout=60)
    text = (results / "summary.md").read_text()
    assert text.startswith("# seedqa benchmarks (quick set)")
    assert "## Targets" in text
    for name in ("scale", "answer_xquad", "speed"):
        if (results / ("speed.json" if name == "speed" else f"{name}.quick.json")).exists():
            assert f"## {name}" in text
    assert "PASS" in text or "MISS" in text
    assert "could not summarise" not in text
