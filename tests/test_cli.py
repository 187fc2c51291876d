"""The command line: `python -m qa ingest|cite` and the `seedqa` console script."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from testkit import BIN_DIR, clean_env

DOC_A = ["Harbour report", "The new harbour opened in May 2025 after two years of work.",
         "Rice exports rose by ten percent in the first quarter.",
         "The new harbour opened in May 2025 after two years of work."]
DOC_B = ["Bản tin Hà Nội", "Hai bên nhất trí tăng cường hợp tác thương mại và đầu tư."]


def qa_cli(*args: str, env: dict, cwd, script: bool = False) -> subprocess.CompletedProcess:
    cmd = [str(BIN_DIR / "seedqa")] if script else [sys.executable, "-m", "qa"]
    return subprocess.run([*cmd, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=180)


def last_line(text: str) -> str:
    # Earlier stderr lines may be log warnings (the corpus has a broken file).
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """A small corpus (one bad file) indexed once by `python -m qa ingest`."""
    root = tmp_path_factory.mktemp("cli")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "a_harbour.txt").write_text(" date 2025-05-02 " + "\n\n".join(DOC_A),
                                          encoding="utf-8")
    (corpus / "b_tin.txt").write_text("\n\n".join(DOC_B), encoding="utf-8")
    # A UTF-16 byte-order mark, then an odd number of bytes: no encoding reads it.
    (corpus / "c_broken.txt").write_bytes(b"\xff\xfe\x00b\x00a\x00d\x00")
    env = clean_env(QA_CORPUS_DIR=str(corpus), QA_DATA_DIR=str(root / "data"))
    work = root / "cwd"  # no seeds/ folder here
    work.mkdir()
    first = qa_cli("ingest", env=env, cwd=work)
    return {"env": env, "cwd": work, "corpus": corpus, "data": root / "data", "first": first}


def test_ingest_prints_a_report(cli):
    proc = cli["first"]
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"2 documents, 6 paragraphs: 6 added, 0 updated, 0 removed, 0 unchanged "
                     r"in [\d.]+ s", proc.stdout), proc.stdout
    assert "skipped c_broken.txt" in proc.stderr
    assert (cli["data"] / "chroma").is_dir()


def test_ingest_again_json_is_unchanged(cli):
    proc = qa_cli("ingest", "--json", env=cli["env"], cwd=cli["cwd"])
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert (report["added"], report["updated"], report["removed"], report["unchanged"]) == (
        0, 0, 0, 6)
    assert report["documents"] == 2 and report["embed_seconds"] == 0
    assert [s.split(":")[0] for s in report["skipped_files"]] == ["c_broken.txt"]


def test_cite_text_and_json(cli):
    proc = qa_cli("cite", "a_harbour:3", env=cli["env"], cwd=cli["cwd"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("a_harbour:3 — Harbour report — 2025-05-02 — ¶3 (en)")
    assert DOC_A[2] in proc.stdout

    proc = qa_cli("cite", "b_tin:2", "--json", env=cli["env"], cwd=cli["cwd"])
    assert proc.returncode == 0, proc.stderr
    c = json.loads(proc.stdout)
    assert (c["id"], c["doc_id"], c["paragraph"], c["language"], c["date"]) == (
        "b_tin:2", "b_tin", 2, "vi", None)
    assert c["text"] == DOC_B[1] and c["title"] == "Bản tin Hà Nội"
    assert c["canonical_id"] == "b_tin:2"


def test_cite_duplicate_says_what_it_repeats(cli):
    proc = qa_cli("cite", "a_harbour:4", env=cli["env"], cwd=cli["cwd"])
    assert proc.returncode == 0, proc.stderr
    assert "(repeats a_harbour:2)" in proc.stdout


@pytest.mark.parametrize("pid", ["a_harbour:99", "../../etc/passwd"])
def test_cite_unknown_id_exits_2_with_help(cli, pid):
    proc = qa_cli("cite", pid, env=cli["env"], cwd=cli["cwd"])
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert last_line(proc.stderr).startswith("seedqa: ")
    assert "<document id>:<paragraph number>" in last_line(proc.stderr)
    assert "Traceback" not in proc.stderr


def test_ingest_missing_folder_exits_2(cli, tmp_path):
    proc = qa_cli("ingest", str(tmp_path / "missing"), env=cli["env"], cwd=cli["cwd"])
    assert proc.returncode == 2
    assert last_line(proc.stderr).startswith("seedqa: ") and "does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_seedqa_console_script(tmp_path):
    script = BIN_DIR / "seedqa"
    assert script.is_file() and os.access(script, os.X_OK)
    proc = qa_cli("--help", env=clean_env(), cwd=tmp_path, script=True)
    assert proc.returncode == 0, proc.stderr
    assert "ingest" in proc.stdout and "cite" in proc.stdout
