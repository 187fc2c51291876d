"""The package installs whole: a wheel built from the tree, installed into a new virtual
environment, answers a seed question with its fitted models and default corpus on board.

The wheel is built from a copy of the source (no stale build/ folder can leak in),
installed with ``--no-deps`` into a venv whose dependencies come from this test's
environment (its site-packages is appended by a ``.pth`` line, so this checkout's
editable install is not), and asked from a working directory outside the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("qa", "vectorstore", "seeds", "pyproject.toml", "README.md", "LICENSE", "MANIFEST.in")
QUESTION = "What trade target did Vietnam and New Zealand set?"
ASK = f"""
import json, pathlib, qa
answer = qa.ask({QUESTION!r})
home = pathlib.Path(qa.__file__).resolve().parent
print(json.dumps({{"file": str(home), "answered": answer.answered, "text": answer.text,
                  "citations": [c.id for c in answer.citations],
                  "corpus": str(qa.Config.from_env().corpus_dir.resolve()),
                  "fitted": sorted(p.name for p in home.glob("*.json"))}}))
"""

pytestmark = pytest.mark.slow


def _run(*cmd, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return proc


def _setuptools_major() -> int:
    try:
        return int(version("setuptools").split(".")[0])
    except PackageNotFoundError:
        return 0


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src, dist = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("dist")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        elif path.exists():
            shutil.copy2(path, src / name)
    # Offline and fast when this environment's setuptools can build the project (77 reads
    # pyproject's `license = "MIT"` expression); otherwise pip fetches a build backend.
    flags = ("--no-build-isolation",) if _setuptools_major() >= 77 else ()
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *flags, src, "-w", dist,
         timeout=600)
    (built,) = dist.glob("seedqa-*.whl")
    return built


def test_wheel_holds_data_and_corpus(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"qa/scoring.json", "qa/support.json"} <= names
    assert {f"qa/{p.name}" for p in (ROOT / "qa").glob("*.json")} <= names
    assert {f"qa/seeds/{p.name}" for p in (ROOT / "seeds").glob("*.txt")} <= names
    assert not any(n.startswith(("tests/", "bench/", "seeds/")) for n in names)


def test_installed_wheel_answers_a_seed_question(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    # Dependencies from this environment, after the venv's own packages; a plain path in a
    # .pth file does not run that folder's own .pth files (so no editable seedqa finder).
    (Path(purelib.stdout.strip()) / "test-deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run(python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel, timeout=300)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("QA_", "OPENAI_", "CHROMA_")) and k != "PYTHONPATH"}
    env.update(QA_DATA_DIR=str(tmp_path / "data"), ANONYMIZED_TELEMETRY="False")
    out = json.loads(_run(python, "-c", ASK, cwd=work, env=env, timeout=600)
                     .stdout.strip().splitlines()[-1])
    assert Path(out["file"]).is_relative_to(venv), out["file"]
    assert Path(out["corpus"]) == Path(out["file"]) / "seeds"
    assert {"scoring.json", "support.json"} <= set(out["fitted"])  # fitted models on board
    assert out["answered"] and out["citations"], out
    assert "[1]" in out["text"]
