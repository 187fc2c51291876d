"""One store, many writers: other processes' ingests, app instances on one Chroma server.

Real parts: an embedded store written by a second process (one writer at a time), and
a real `chroma run` server shared by several assistants (each with its own data folder
and uploads).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from testkit import HashEmbedder, clean_env, last_json, passages, run_python

import qa
from qa.tuning import FRESHNESS
from qa.writelock import WriteLock

INGEST_OTHER = r"""
import json, sys, qa
from testkit import HashEmbedder
a = qa.Assistant(corpus_dir=sys.argv[1], data_dir=sys.argv[2], embedder=HashEmbedder(), llm=False)
r = a.ingest(progress=False)
print(json.dumps(r.to_dict()))
"""

BASE = ["Alpha report on rice exports in the delta provinces.",
        "Rice exports grew by twelve percent over the year.",
        "Coffee growers in the highlands expanded their farms."]


def _wait_for(predicate, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_another_process_ingest_is_seen_without_damage_or_reembedding(tmp_corpus, data_dir):
    tmp_corpus.write_paragraphs("a.txt", BASE)
    emb = HashEmbedder()
    app = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=emb, llm=False)
    app.ingest(progress=False)
    assert "z" not in app.catalog.documents
    emb.clear()
    tmp_corpus.write_paragraphs("z.txt", ["Zinc mining permits were issued to three firms."])

    proc = run_python(INGEST_OTHER, str(tmp_corpus.path), str(data_dir), env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert last_json(proc.stdout)["added"] == 1  # only the new paragraph was embedded there

    # The running assistant notices the newer version and answers from it.
    assert _wait_for(lambda: "z" in app.catalog.documents, timeout=FRESHNESS.check_seconds + 5)
    hits = app.search("zinc mining permits", k=3)
    assert hits[0].citation.id == "z:1"
    assert passages(emb, app) == []  # nothing re-embedded by the app
    assert not list(data_dir.glob("chroma.broken*"))  # nothing moved aside


def test_a_second_writer_waits_for_the_first_then_finds_the_index_current(tmp_corpus,
                                                                          data_dir):
    # Two processes writing one embedded store at once leave it failing on every write
    # (qa.writelock). Here this process holds the data folder's write lock, as an
    # ingest in progress does: another process's ingest must wait, then add only what
    # is still missing.
    tmp_corpus.write_paragraphs("a.txt", BASE)
    app = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=HashEmbedder(),
                       llm=False)
    app.ingest(progress=False)
    tmp_corpus.write_paragraphs("z.txt", ["Zinc mining permits were issued to three firms."])
    with WriteLock.for_folder(data_dir):
        other = subprocess.Popen([sys.executable, "-c", INGEST_OTHER, str(tmp_corpus.path),
                                  str(data_dir)], env=clean_env(), text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert not _wait_for(lambda: other.poll() is not None, timeout=3.0)
            app.ingest(progress=False)  # the holder's own ingest is not blocked by it
        except BaseException:
            other.kill()
            raise
    out, err = other.communicate(timeout=60)
    assert other.returncode == 0, err
    assert f"(pid {os.getpid()}) is writing to the index" in err
    report = last_json(out)
    assert (report["added"], report["unchanged"]) == (0, 4)  # the holder added z.txt
    assert app.search("zinc mining permits", k=1)[0].citation.id == "z:1"
    assert not list(data_dir.glob("chroma.broken*"))


HOLD_LOCK = r"""
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0)  # as WriteLock does: a shorter pid than the last leaves no digits
os.pwrite(fd, str(os.getpid()).encode(), 0)
print("held", flush=True)
sys.stdin.read()  # until the test closes stdin
"""


def test_an_upload_says_it_waits_for_another_process_ingest(tmp_path, tmp_corpus, data_dir):
    # The upload panel must not look stuck while a `seedqa ingest` in a terminal holds
    # the data folder's write lock: add_documents reports the wait (the UI shows it as
    # its progress text), then adds the upload once the other writer is done.
    import threading

    from qa.ui_upload import add_documents
    from qa.writelock import LOCK_NAME

    tmp_corpus.write_paragraphs("a.txt", BASE)
    app = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=HashEmbedder(),
                       llm=False)
    app.ingest(progress=False)
    upload = tmp_path / "zinc.txt"
    upload.write_text("Zinc mining permits were issued to three firms.\n", encoding="utf-8")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(data_dir / LOCK_NAME)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    told: list[str] = []
    out: list[str] = []
    try:
        assert holder.stdout.readline().strip() == "held"
        worker = threading.Thread(target=lambda: out.append(
            add_documents(app, [str(upload)], on_wait=told.append)), daemon=True)
        worker.start()
        assert _wait_for(lambda: told, timeout=10.0)
        assert told == [str(holder.pid)] and not out  # told who, and still waiting
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    worker.join(timeout=60)
    assert out and "Added 1 document(s)" in out[0]
    assert told == [str(holder.pid)]  # once
    assert app.search("zinc mining permits", k=1)[0].citation.id == "zinc:1"


def test_ingest_folder_sticks_for_later_commands(tmp_path, tmp_corpus, data_dir):
    tmp_corpus.write_paragraphs("only.txt", BASE)
    env = clean_env(QA_DATA_DIR=str(data_dir))
    code = r"""
import json, sys, qa
from testkit import HashEmbedder
a = qa.Assistant(embedder=HashEmbedder(), llm=False)
if sys.argv[1] == "ingest":
    r = a.ingest(sys.argv[2], progress=False)
else:
    r = a.ingest(progress=False)
print(json.dumps({**r.to_dict(), "corpus": str(a.config.corpus_dir)}))
"""
    first = last_json(run_python(code, "ingest", str(tmp_corpus.path), env=env,
                                 cwd=tmp_path).stdout)
    assert first["added"] == 3
    # A later command that names no folder uses the recorded one: nothing changes.
    again = last_json(run_python(code, "ask", env=env, cwd=tmp_path).stdout)
    assert (again["added"], again["removed"], again["unchanged"]) == (0, 0, 3)
    assert again["corpus"] == str(tmp_corpus.path.resolve())


@pytest.mark.slow
def test_instances_on_one_server_keep_each_others_uploads(chroma_server, collection_name,
                                                          tmp_corpus, tmp_path):
    tmp_corpus.write_paragraphs("a.txt", BASE)
    config = qa.Config.from_env(chroma_host="127.0.0.1", chroma_port=chroma_server.port,
                                collection=collection_name)

    def instance(name: str) -> qa.Assistant:
        # Each instance has its own data folder, hence its own uploads folder.
        return qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=tmp_path / name,
                            embedder=HashEmbedder(), llm=False, config=config)

    a, b = instance("a"), instance("b")
    a.ingest(progress=False)
    b.ingest(progress=False)
    for inst, doc, text in ((a, "upa", "Tungsten exports reached a record in March."),
                            (b, "upb", "Lithium reserves were surveyed in the north.")):
        inst.uploads_dir.mkdir(parents=True, exist_ok=True)
        (inst.uploads_dir / f"{doc}.txt").write_text(text, encoding="utf-8")
        inst.ingest(progress=False)
    # Restart each instance in turn (a new object ingests its folders on first use).
    for restarted in ("a", "b", "a"):
        inst = instance(restarted)
        report = inst.ingest(progress=False)
        assert report.removed == 0
        for query, doc in (("tungsten exports record", "upa"),
                           ("lithium reserves surveyed", "upb")):
            assert inst.search(query, k=1)[0].citation.doc_id == doc
            origins = {d.id: d.origin for d in inst.documents()}
            assert origins[doc] == "upload" and origins["a"] == "corpus"
    # An upload is removed only on purpose, by the instance that holds it.
    with pytest.raises(qa.CorpusError, match="corpus folder"):
        a.remove_document("a")
    a.remove_document("upa")
    assert "upa" not in instance("b").catalog.documents
    assert "upb" in instance("a").catalog.documents
