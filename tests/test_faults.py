"""Faults: the store deleted, damaged, unreachable or on a full disk, ingest killed, the LLM
server failing.

Everything is real: a Chroma store on disk (or a `chroma run` process), ingest
subprocesses killed with SIGKILL, an OpenAI-compatible HTTP server (fake_openai)
that fails on purpose, the app served over HTTP. Each fault must end in either a
clear ``qa.StoreError`` / note, or a logged recovery after which the index holds
exactly the paragraphs of the documents: nothing lost, nothing twice.

Loops marked ``faults`` repeat SEEDQA_FAULT_LOOPS times (default 3; `.ci/run` sets it).
"""

from __future__ import annotations

import errno
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from fake_openai import FakeOpenAI, Reply
from gradio_client import Client
from testkit import (
    SEEDS_DIR,
    ChromaServer,
    HashEmbedder,
    clean_env,
    free_port,
    last_json,
    passages,
    run_python,
    served,
)

import qa
from qa import ui
from qa.corpus import load_folder
from qa.embed import passage_text
from qa.ingestor import content_hash
from qa.tuning import FRESHNESS
from qa.ui_render import message_text

LOOPS = max(1, int(os.environ.get("SEEDQA_FAULT_LOOPS") or 3))
HANG_GUARD = 60.0  # seconds: catches hangs, not a performance target
EMB = HashEmbedder().name


def generate(folder: Path, docs: int, per_doc: int, rev: dict[int, int] | None = None) -> None:
    """``docs`` files of ``per_doc`` distinct paragraphs (doc d at revision rev[d])."""
    rev = rev or {}
    for d in range(docs):
        r = rev.get(d, 0)
        paras = [f"Generated document {d} heading"] + [
            f"Paragraph {i} of document {d} (revision {r}) mentions item{i * 7 + d} near "
            f"place{i % 13} with figure {i * 31 + d}." for i in range(1, per_doc)]
        (folder / f"gen{d}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")


def expected(folder: Path) -> dict[str, tuple[str, str]]:
    """id -> (text, content hash) that the index must hold for ``folder`` (HashEmbedder)."""
    docs, _ = load_folder(folder)
    out = {}
    for d in docs:
        for p in d.paragraphs:
            assert p.is_canonical, "generated paragraphs are all distinct"
            out[p.id] = (p.text, content_hash(p, EMB))
    return out


def assert_exact(assistant: qa.Assistant, folder: Path) -> int:
    """The store holds exactly the paragraphs of ``folder``, once each, with right vectors."""
    want = expected(folder)
    records = list(assistant.store.records())
    ids = [pid for pid, _, _ in records]
    assert len(ids) == len(set(ids)), "an id is stored twice"
    assert set(ids) == set(want), (sorted(set(ids) - set(want))[:5],
                                   sorted(set(want) - set(ids))[:5])
    for pid, text, meta in records:
        assert (text, meta["hash"]) == want[pid], pid
    assert len(assistant.catalog) == len(want)
    return len(want)


def warnings_of(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records
                     if r.name.startswith("qa") and r.levelno >= logging.WARNING)


# --- the embedded store deleted or damaged -----------------------------------------------------

BUILD = r"""
import sys, qa
from testkit import HashEmbedder
a = qa.Assistant(corpus_dir=sys.argv[1], data_dir=sys.argv[2], embedder=HashEmbedder(), llm=False)
r = a.ingest(progress=False)
print(r.paragraphs)
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A corpus and an index of it built by another process (a previous run of the app).

    1,200 paragraphs, so Chroma has persisted its HNSW segment files too.
    """
    root = tmp_path_factory.mktemp("built")
    corpus = root / "corpus"
    corpus.mkdir()
    generate(corpus, docs=4, per_doc=300)
    proc = run_python(BUILD, str(corpus), str(root / "data"))
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.split()[-1]) == 1200
    segments = [p for p in (root / "data" / "chroma").iterdir() if p.is_dir()]
    assert segments and any(f.stat().st_size for s in segments for f in s.glob("*.bin"))
    return corpus, root / "data"


def _overwrite(path: Path, size: int | None = None) -> None:
    path.write_bytes(os.urandom(path.stat().st_size if size is None else size))


def _segments(data: Path) -> list[Path]:
    return [p for p in (data / "chroma").iterdir() if p.is_dir()]


DAMAGE = {
    "sqlite-garbage": lambda d: _overwrite(d / "chroma" / "chroma.sqlite3"),
    "sqlite-truncated": lambda d: os.truncate(d / "chroma" / "chroma.sqlite3", 60_000),
    "hnsw-garbage": lambda d: [_overwrite(f) for s in _segments(d) for f in s.glob("*.bin")],
    "hnsw-zeroed": lambda d: [_overwrite(f, 0) for s in _segments(d) for f in s.glob("*.bin")],
    "hnsw-deleted": lambda d: [shutil.rmtree(s) for s in _segments(d)],
    "folder-is-a-file": lambda d: (shutil.rmtree(d / "chroma"),
                                   (d / "chroma").write_text("not a folder")),
    "data-dir-deleted": lambda d: shutil.rmtree(d),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_store_damaged_between_runs_is_detected_and_rebuilt(built, tmp_path, caplog, damage):
    corpus, template = built
    data = tmp_path / "data"
    shutil.copytree(template, data)
    DAMAGE[damage](data)
    caplog.set_level(logging.WARNING, logger="qa")

    a = qa.Assistant(corpus_dir=corpus, data_dir=data, embedder=HashEmbedder(), llm=False)
    t0 = time.monotonic()
    report = a.ingest(progress=False)  # what `python app.py` does first
    hits = a.search("item707 place5 figure", k=3)  # and then the store is queried
    answer = a.ask("Which figure does paragraph 5 of document 2 mention?")
    assert time.monotonic() - t0 < HANG_GUARD
    assert hits and isinstance(answer, qa.Answer)
    assert assert_exact(a, corpus) == 1200
    assert a.cite("gen2:6").text.startswith("Paragraph 5 of document 2")
    logged = warnings_of(caplog)
    if damage != "data-dir-deleted":  # a deleted folder is simply a first run
        assert "missing or damaged" in logged and "rebuil" in logged, logged
        assert report.paragraphs == 1200
        if damage != "folder-is-a-file":
            # Kept for inspection under a unique name, never deleted.
            assert [p for p in data.glob("chroma.broken-*") if p.is_dir()]
    # The rebuilt store is whole: a new process opens it without re-embedding anything.
    proc = run_python(BUILD.replace("print(r.paragraphs)", "print(r.embedded, r.paragraphs)"),
                      str(corpus), str(data))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-2:] == ["0", "1200"]


def _sentence_segments(data: Path) -> list[Path]:
    """The HNSW segment folders of the sentence collection (named "<paragraphs>.s")."""
    import sqlite3

    db = sqlite3.connect(data / "chroma" / "chroma.sqlite3")
    try:
        names = dict(db.execute("SELECT id, name FROM collections"))
        rows = db.execute("SELECT id, type, collection FROM segments").fetchall()
    finally:
        db.close()
    return [data / "chroma" / sid for sid, kind, col in rows
            if names[col].endswith(".s") and "hnsw" in kind]


@pytest.mark.parametrize("damage", ["garbage", "zeroed"])
def test_store_that_reads_but_fails_every_write_is_rebuilt(built, tmp_path, caplog, damage):
    # The paragraphs read and search (the open-time probe passes), but the sentence
    # index's files are damaged: every write fails, reopened or not (as after two
    # processes wrote at once). The ingest that meets it rebuilds, as its error says.
    corpus_template, template = built
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    shutil.copytree(corpus_template, corpus)
    shutil.copytree(template, data)
    segments = _sentence_segments(data)
    assert segments and all(s.is_dir() for s in segments)
    for f in (f for s in segments for f in s.glob("*.bin")):
        _overwrite(f, None if damage == "garbage" else 0)
    generate(corpus, docs=4, per_doc=300, rev={1: 1})  # one document changed: writes
    caplog.set_level(logging.WARNING, logger="qa")

    a = qa.Assistant(corpus_dir=corpus, data_dir=data, embedder=HashEmbedder(), llm=False)
    report = a.ingest(progress=False)
    logged = warnings_of(caplog)
    assert "failed during ingest" in logged and "missing or damaged" in logged, logged
    assert [p for p in data.glob("chroma.broken-*") if p.is_dir()]  # kept, not deleted
    assert report.paragraphs == assert_exact(a, corpus) == 1200
    assert a.cite("gen1:6").text.startswith("Paragraph 5 of document 1 (revision 1)")
    assert a.search("Which figure does paragraph 5 of document 1 mention?", k=3)


@pytest.fixture
def small(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    generate(corpus, docs=2, per_doc=20)
    a = qa.Assistant(corpus_dir=corpus, data_dir=tmp_path / "data", embedder=HashEmbedder(),
                     llm=False)
    a.ingest(progress=False)
    return a, corpus, tmp_path / "data"


def test_data_dir_deleted_while_the_app_runs_is_rebuilt(small, caplog):
    a, corpus, data = small
    caplog.set_level(logging.WARNING, logger="qa")
    with served(a) as app:
        client = Client(app.url, verbose=False)
        before = client.predict("item14 place7", None, api_name="/ask")
        shutil.rmtree(data)
        t0 = time.monotonic()
        after = client.predict("item14 place7", None, api_name="/ask")
        assert time.monotonic() - t0 < HANG_GUARD
        hits = client.predict("item14 place7", 3, api_name="/search")
        cited = client.predict("gen1:3", api_name="/cite")
    assert after["text"] == before["text"]
    assert [c["id"] for c in after["related"] + after["citations"]] == \
        [c["id"] for c in before["related"] + before["citations"]]
    assert hits and cited["found"] is True
    assert "was deleted while in use" in warnings_of(caplog)
    assert (data / "chroma" / "chroma.sqlite3").is_file()
    assert assert_exact(a, corpus) == 40
    # Adding documents after the rebuild works (the old, deleted store would be read-only).
    generate(corpus, docs=3, per_doc=20)
    assert a.ingest(progress=False).added == 20
    assert assert_exact(a, corpus) == 60


@pytest.mark.parametrize("damage", ["sqlite-garbage", "sqlite-truncated"])
def test_store_damaged_while_running_is_rebuilt(tmp_path, caplog, damage):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    generate(corpus, docs=4, per_doc=300)
    a = qa.Assistant(corpus_dir=corpus, data_dir=tmp_path / "data", embedder=HashEmbedder(),
                     llm=False)
    a.ingest(progress=False)
    caplog.set_level(logging.WARNING, logger="qa")
    DAMAGE[damage](tmp_path / "data")
    generate(corpus, docs=5, per_doc=300)  # and a document arrives: ingest must write
    a.ingest(progress=False)
    assert a.search("item707 place5", k=3)
    assert "missing or damaged" in warnings_of(caplog)
    assert assert_exact(a, corpus) == 1500


# --- the disk full -------------------------------------------------------------------------------

DISK_SIZE = "4m"  # the first index of two seeds takes ~0.6 MB here: it fits with room to spare
KEPT = ("000_ee914f4da08c8a1e.txt", "002_4192465d81224e60.txt")  # 10 + 10 paragraphs
ADDED = "003_b1f4ff4c4e5086bb.txt"  # 10 paragraphs
# HashEmbedder has no sense of meaning: this question repeats its answer's words, so it is
# answered (with a citation) rather than refused.
FULL_QUESTION = "State President Lương Cường affirmed New Zealand as what?"

OPEN_ON_FULL = r"""
import json, sys, qa
from testkit import HashEmbedder
a = qa.Assistant(corpus_dir=sys.argv[1], data_dir=sys.argv[2], embedder=HashEmbedder(),
                 llm=False, auto_ingest=False)
try:
    print(json.dumps({"answered": a.ask(sys.argv[3]).answered}))
except qa.QAError as exc:
    print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
"""


@pytest.fixture
def small_disk(tmp_path):
    """A real filesystem of DISK_SIZE (a tmpfs mounted for this test), unmounted after it.
    Skipped where mounting is not permitted (not root, a container without CAP_SYS_ADMIN)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    try:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs",
                               str(mnt)], capture_output=True, text=True, timeout=30)
        why = proc.stderr.strip() or f"exit status {proc.returncode}"
    except (OSError, subprocess.TimeoutExpired) as exc:
        proc, why = None, str(exc)
    if proc is None or proc.returncode != 0:
        pytest.skip(f"cannot mount a {DISK_SIZE} tmpfs here ({why}); the disk-full test needs "
                    "permission to mount (root or CAP_SYS_ADMIN)")
    try:
        yield mnt
    finally:
        # Chroma keeps the store's files open in this process until it exits, so a plain
        # umount may be refused as busy: then detach it (freed at the last close).
        if subprocess.run(["umount", str(mnt)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "--lazy", str(mnt)], capture_output=True, check=True)


def fill(path: Path) -> None:
    """Write ``path`` until its filesystem has no byte left."""
    with open(path, "wb", buffering=0) as out:  # unbuffered: ENOSPC surfaces at each write
        for size in (1 << 16, 4096, 1):
            try:
                while True:
                    out.write(bytes(size))
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise


def test_disk_full_names_the_folder_keeps_answering_and_rebuilds_nothing(small_disk, tmp_path,
                                                                        caplog):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in KEPT:
        shutil.copy(SEEDS_DIR / name, corpus / name)
    data = small_disk / "data"
    emb = HashEmbedder()
    a = qa.Assistant(corpus_dir=corpus, data_dir=data, embedder=emb, llm=False)
    assert a.ingest(progress=False).added == 20
    before = a.ask(FULL_QUESTION)
    assert before.answered and before.citations, before.text
    version = a.store.version()
    caplog.set_level(logging.WARNING, logger="qa")

    filler = small_disk / "filler"
    fill(filler)
    assert shutil.disk_usage(small_disk).free == 0
    shutil.copy(SEEDS_DIR / ADDED, corpus / ADDED)  # a new document: this ingest must write
    with pytest.raises(qa.StoreFull) as full:
        a.ingest(progress=False)
    message = str(full.value)
    assert str(data / "chroma") in message and "disk is full" in message, message
    # An upload through the UI meanwhile fails the same way, named, leaving no file behind.
    note = tmp_path / "note.txt"
    note.write_text("Upload note\n\nThe harbour crane lifts ninety tonnes.\n", encoding="utf-8")
    with pytest.raises(gr.Error) as shown:
        ui.add_documents(a, [str(note)])
    assert str(a.uploads_dir) in str(shown.value) and "upload again" in str(shown.value)
    assert not [p for p in a.uploads_dir.glob("*") if p.is_file()]

    # Meanwhile the loaded index answers; past the freshness interval the ask also re-reads
    # the store's version token from the full disk.
    time.sleep(FRESHNESS.check_seconds + 0.2)
    for _ in range(2):
        during = a.ask(FULL_QUESTION)
        assert during.text == before.text
        assert [c.id for c in during.citations] == [c.id for c in before.citations]
    assert a.search(FULL_QUESTION, k=3)
    assert a.cite("002_4192465d81224e60:2").paragraph == 2
    # A process started meanwhile (a restarted app) may fail, but only as a full disk: an
    # open that cannot write must not pass for damage and move the store aside.
    proc = run_python(OPEN_ON_FULL, str(corpus), str(data), FULL_QUESTION)
    assert proc.returncode == 0, proc.stderr
    started = last_json(proc.stdout)
    assert started.get("error") in (None, "StoreFull"), started
    assert "error" not in started or str(data / "chroma") in started["message"], started
    assert not list(data.glob("chroma.broken*"))  # a full disk is no damage: nothing moved

    filler.unlink()
    emb.clear()
    after = a.ask(FULL_QUESTION)
    assert after.text == before.text
    assert emb.texts == []  # the ask embedded no paragraph or sentence: nothing rebuilt
    assert a.store.version() == version  # and no ingest wrote a new index version
    assert not list(data.glob("chroma.broken*"))
    assert "missing or damaged" not in warnings_of(caplog)
    # With space again the addition goes through, embedding the new document alone.
    report = a.ingest(progress=False)
    assert (report.added, report.updated, report.unchanged) == (10, 0, 20)
    embedded = passages(emb, a)
    assert len(embedded) == 10
    assert {p.doc_id for p in a.catalog.paragraphs.values()
            if passage_text(p) in embedded} == {Path(ADDED).stem}
    assert not list(data.glob("chroma.broken*"))


# --- Chroma server (CHROMA_HOST) down at start and mid-session --------------------------------


def server_assistant(corpus: Path, data: Path, port: int, embedder=None) -> qa.Assistant:
    config = qa.Config.from_env(chroma_host="127.0.0.1", chroma_port=port,
                                collection="faults-server")
    return qa.Assistant(corpus_dir=corpus, data_dir=data, embedder=embedder or HashEmbedder(),
                        llm=False, config=config)


def test_server_not_running_at_start_then_recovers(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    generate(corpus, docs=2, per_doc=20)
    port = free_port()
    a = server_assistant(corpus, tmp_path / "data", port)
    for call in (lambda: a.ingest(progress=False), lambda: a.ask("item14 place7"),
                 lambda: a.search("item14"), lambda: a.cite("gen0:2")):
        t0 = time.monotonic()
        with pytest.raises(qa.StoreError, match="chroma run") as info:
            call()
        assert time.monotonic() - t0 < HANG_GUARD
        assert f"127.0.0.1:{port}" in str(info.value)
    server = ChromaServer(tmp_path / "server", port=port).start()
    try:
        assert a.ask("item14 place7").question == "item14 place7"  # the next call connects
        assert a.cite("gen0:2").text.startswith("Paragraph 1 of document 0")
        assert assert_exact(a, corpus) == 40
    finally:
        server.stop()


@pytest.mark.faults
def test_server_stopped_mid_session_then_recovers(tmp_path, caplog):
    """Stop the server LOOPS times; each time calls fail clearly, then the next call after
    it returns reconnects. Every other time it returns with its data lost: re-synced."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    generate(corpus, docs=2, per_doc=20)
    port = free_port()
    server = ChromaServer(tmp_path / "server-0", port=port).start()
    emb = HashEmbedder()
    a = server_assistant(corpus, tmp_path / "data", port, emb)
    caplog.set_level(logging.WARNING, logger="qa")
    try:
        a.ingest(progress=False)
        baseline = a.ask("item14 place7")
        for loop in range(LOOPS):
            server.stop()
            t0 = time.monotonic()
            for call in (lambda: a.ask("item14 place7"), lambda: a.search("item14"),
                         lambda: a.ingest(progress=False)):
                with pytest.raises(qa.StoreError, match="chroma run"):
                    call()
            assert time.monotonic() - t0 < HANG_GUARD
            assert a.cite("gen1:3").paragraph == 3  # paragraphs already loaded still resolve
            lost = loop % 2 == 1
            server = ChromaServer(tmp_path / f"server-{loop + 1 if lost else 0}",
                                  port=port).start()
            emb.clear()
            again = a.ask("item14 place7")
            assert again.text == baseline.text
            assert [c.id for c in again.related] == [c.id for c in baseline.related]
            # Nothing is re-embedded when the server kept its data; all 40 when it lost it.
            assert len(passages(emb, a)) == (40 if lost else 0)
            assert assert_exact(a, corpus) == 40
        assert "reconnecting" in warnings_of(caplog)
    finally:
        server.stop()


# --- ingest killed with SIGKILL at random points ----------------------------------------------

KILLABLE = r"""
import sys, qa
from testkit import HashEmbedder
a = qa.Assistant(corpus_dir=sys.argv[1], data_dir=sys.argv[2], llm=False,
                 embedder=HashEmbedder(delay=float(sys.argv[3])))
print("start", flush=True)
r = a.ingest(progress=False)
print("done", flush=True)
"""

VERIFY = r"""
import json, sys, qa
from testkit import HashEmbedder
a = qa.Assistant(corpus_dir=sys.argv[1], data_dir=sys.argv[2], embedder=HashEmbedder(), llm=False)
r = a.ingest(progress=False)
records = list(a.store.records())
print(json.dumps({"report": r.to_dict(),
                  "records": [[pid, text, meta["hash"]] for pid, text, meta in records]}))
"""


def _mutate(corpus: Path, rng: random.Random, loop: int, rev: dict[int, int]) -> None:
    """Revise one document entirely and renumber another (a paragraph removed)."""
    d = rng.randrange(3)
    rev[d] = loop + 1
    generate(corpus, docs=3, per_doc=100, rev=rev)
    other = (d + 1) % 3
    path = corpus / f"gen{other}.txt"
    paras = path.read_text(encoding="utf-8").split("\n\n")
    del paras[rng.randrange(1, len(paras) - 1)]
    path.write_text("\n\n".join(paras), encoding="utf-8")


@pytest.mark.faults
def test_ingest_killed_at_random_points_never_loses_or_duplicates(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    data = tmp_path / "data"
    generate(corpus, docs=3, per_doc=100)
    rng = random.Random(int(os.environ.get("SEEDQA_FAULT_SEED") or 6))
    rev: dict[int, int] = {}
    killed = 0
    for loop in range(LOOPS):
        if loop:
            _mutate(corpus, rng, loop, rev)
        proc = subprocess.Popen([sys.executable, "-c", KILLABLE, str(corpus), str(data), "0.25"],
                                env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            assert proc.stdout.readline().strip() == "start", proc.stderr.read()
            time.sleep(rng.uniform(0.05, 1.5))  # loading, deleting, embedding or writing
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
        killed += proc.returncode == -signal.SIGKILL
        # The next run (a normal one) ends with exactly the right paragraphs.
        check = run_python(VERIFY, str(corpus), str(data))
        assert check.returncode == 0, check.stderr
        out = last_json(check.stdout)
        want = expected(corpus)
        got = {pid: (text, h) for pid, text, h in out["records"]}
        assert len(out["records"]) == len(got), "an id is stored twice"
        assert got == want, (loop, sorted(set(got) ^ set(want))[:5])
    assert killed >= max(1, LOOPS - 1), f"only {killed} of {LOOPS} runs were killed mid-ingest"
    # And the vectors are those of the final texts.
    emb = HashEmbedder()
    a = qa.Assistant(corpus_dir=corpus, data_dir=data, embedder=emb, llm=False)
    assert a.ingest(progress=False).embedded == 0
    docs, _ = load_folder(corpus)
    paragraphs = {p.id: p for d in docs for p in d.paragraphs}
    vectors = a.store.vectors(sorted(paragraphs))
    for pid, p in paragraphs.items():
        assert np.allclose(vectors[pid], emb.embed_query(passage_text(p)), atol=1e-6), pid


# --- the LLM server failing, through the app's /ask and /chat ---------------------------------

LLM_TIMEOUT = 1.5
LLM_FAULTS = {
    "401": Reply.error(401),
    "429": Reply.error(429),
    "500": Reply.error(500),
    "garbage-body": Reply.garbage(b"<html>not json</html>", content_type="application/json"),
    "garbage-stream": Reply.garbage(b"data: {\"choices\": [{\"delta\": \n\ndata: oops\n\n"),
    "empty-stream": Reply(chunks=[]),
    "slow-stream": Reply(chunks=["The crane", " lifts", " 42 tonnes [1]."],
                         delays=[0.0, LLM_TIMEOUT + 2.0, 0.0]),
    "stall-before-reply": Reply(text="The crane lifts 42 tonnes [1].", stall=LLM_TIMEOUT + 2.0),
}


@pytest.fixture(scope="module")
def llm_app(tmp_path_factory):
    """The app with an LLM answerer pointed at a real (fake) OpenAI-compatible server."""
    root = tmp_path_factory.mktemp("llm-app")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "crane.txt").write_text(
        "Harbour crane\n\nThe new harbour crane lifts ninety tonnes of cargo.\n\n"
        "It arrived in March 2025 from Rotterdam.\n", encoding="utf-8")
    with FakeOpenAI() as fake, pytest.MonkeyPatch.context() as mp:
        for name, value in fake.env(timeout=LLM_TIMEOUT).items():
            mp.setenv(name, value)
        config = qa.Config.from_env()
        a = qa.Assistant(corpus_dir=corpus, data_dir=root / "data", embedder=HashEmbedder(),
                         llm=qa.llm.make_llm(config), config=config)
        a.ingest(progress=False)
        with served(a) as app:
            yield fake, app


@pytest.mark.parametrize("fault", list(LLM_FAULTS))
def test_llm_fault_through_ask_endpoint_falls_back_with_a_note(llm_app, fault):
    fake, app = llm_app
    fake.reset()
    fake.always(LLM_FAULTS[fault])
    client = Client(app.url, verbose=False)
    t0 = time.monotonic()
    a = client.predict("How much does the harbour crane lift?", None, api_name="/ask")
    elapsed = time.monotonic() - t0
    assert elapsed < 4 * LLM_TIMEOUT + 10, elapsed  # bounded: timeout x (1 try + 1 retry)
    assert fake.chat_requests, "the model was never asked"
    assert a["backend"] == "extractive"
    assert "The language model failed" in a["note"] and "extracted offline" in a["note"]
    if fault in ("401", "429", "500"):
        assert fault in a["note"]
    fake.reset()


def test_llm_fault_through_chat_shows_the_note(llm_app):
    fake, app = llm_app
    fake.reset()
    fake.always(Reply.error(429))
    html = Client(app.url, verbose=False).predict("How much does the harbour crane lift?",
                                                  api_name="/chat")
    assert 'class="seedqa-note"' in html and "429" in html
    assert "offline extractive" in html
    fake.reset()
    fake.always(lambda req: "The harbour crane lifts ninety tonnes [1]."
                if req.stream else "standalone question")
    html = Client(app.url, verbose=False).predict("How much does the harbour crane lift?",
                                                  api_name="/chat")
    assert "seedqa-note" not in html and "ninety tonnes" in message_text(html)
    fake.reset()
