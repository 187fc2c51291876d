"""Server mode: the same index through a real `chroma run` process (CHROMA_HOST/CHROMA_PORT)."""

from __future__ import annotations

import pytest
from testkit import (
    SEED_PARAGRAPHS,
    ChromaServer,
    HashEmbedder,
    clean_env,
    free_port,
    last_json,
    passages,
    run_python,
)

import qa

D004 = "004_7ca57963d029bf3e"

REOPEN = r"""
import json, sys
import qa
from testkit import HashEmbedder
a = qa.Assistant(corpus_dir=sys.argv[1], data_dir=sys.argv[2], embedder=HashEmbedder())
report = a.ingest(progress=False)
print(json.dumps({"report": report.to_dict(), "citation": a.cite(sys.argv[3]).to_dict(),
                  "collection": a.store.name, "count": a.store.count()}))
"""


def server_config(server: ChromaServer, collection: str) -> qa.Config:
    return qa.Config.from_env(chroma_host=server.host, chroma_port=server.port,
                              collection=collection)


def test_round_trip_through_server(chroma_server, seeds_dir, data_dir, collection_name):
    emb = HashEmbedder()
    a = qa.Assistant(corpus_dir=seeds_dir, data_dir=data_dir, embedder=emb,
                     config=server_config(chroma_server, collection_name))
    r = a.ingest(progress=False)
    assert (r.added, r.updated, r.removed, r.unchanged) == (SEED_PARAGRAPHS, 0, 0, 0)
    assert a.cite(f"{D004}:4").text.startswith("He also expressed gratitude")
    assert a.store.space == "cosine"
    # The records live in the server, not in the local data folder.
    assert not (data_dir / "chroma").exists()
    remote = chroma_server.client().get_collection(collection_name)
    assert remote.count() == SEED_PARAGRAPHS
    assert remote.metadata["embedder"] == emb.name

    # A new process finds everything through CHROMA_HOST / CHROMA_PORT / QA_COLLECTION.
    env = clean_env(CHROMA_HOST=chroma_server.host, CHROMA_PORT=str(chroma_server.port),
                    QA_COLLECTION=collection_name)
    proc = run_python(REOPEN, str(seeds_dir), str(data_dir / "other"), f"{D004}:4", env=env)
    assert proc.returncode == 0, proc.stderr
    out = last_json(proc.stdout)
    rep = out["report"]
    assert (rep["added"], rep["updated"], rep["removed"]) == (0, 0, 0)
    assert rep["unchanged"] == SEED_PARAGRAPHS and rep["embed_seconds"] == 0
    assert out["collection"] == collection_name and out["count"] == SEED_PARAGRAPHS
    assert out["citation"]["text"].startswith("He also expressed gratitude")
    assert not (data_dir / "other" / "chroma").exists()


def test_incremental_edit_through_server(chroma_server, tmp_corpus, data_dir, collection_name):
    tmp_corpus.write_paragraphs("a.txt", ["Heading", "First fact.", "Second fact."])
    emb = HashEmbedder()
    a = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=emb,
                     config=server_config(chroma_server, collection_name))
    a.ingest(progress=False)
    emb.clear()
    tmp_corpus.write_paragraphs("a.txt", ["Heading", "First fact.", "Second fact, revised."])
    r = a.ingest(progress=False)
    assert (r.added, r.updated, r.removed, r.unchanged) == (0, 1, 0, 2)
    assert len(passages(emb, a)) == 1
    assert a.cite("a:3").text == "Second fact, revised."
    tmp_corpus.remove("a.txt")
    tmp_corpus.write_paragraphs("b.txt", ["Other heading", "Other fact."])
    r = a.ingest(progress=False)
    assert (r.added, r.removed) == (2, 3)
    with pytest.raises(qa.CitationNotFound):
        a.cite("a:1")
    assert chroma_server.client().get_collection(collection_name).count() == 2


def test_server_not_running_is_store_error(tmp_corpus, data_dir):
    tmp_corpus.write_paragraphs("a.txt", ["Heading", "Fact."])
    port = free_port()  # nothing listens there
    config = qa.Config.from_env(chroma_host="127.0.0.1", chroma_port=port)
    a = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir, embedder=HashEmbedder(),
                     config=config)
    with pytest.raises(qa.StoreError, match="chroma run") as info:
        a.ingest(progress=False)
    assert f"127.0.0.1:{port}" in str(info.value)
    with pytest.raises(qa.StoreError, match="chroma run"):
        a.cite("a:1")


def test_server_not_running_cli_exit_code(tmp_corpus, tmp_path):
    tmp_corpus.write_paragraphs("a.txt", ["Heading", "Fact."])
    env = clean_env(CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(free_port()),
                    QA_CORPUS_DIR=str(tmp_corpus.path), QA_DATA_DIR=str(tmp_path / "data"))
    proc = run_python("import sys; from qa.cli import main; sys.exit(main(['ingest']))",
                      env=env, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "chroma run" in proc.stderr and "Traceback" not in proc.stderr


def test_server_stopping_mid_session_is_store_error(tmp_path, tmp_corpus, collection_name):
    server = ChromaServer(tmp_path / "own-server").start()
    try:
        tmp_corpus.write_paragraphs("a.txt", ["Heading", "Fact one.", "Fact two."])
        a = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=tmp_path / "data",
                         embedder=HashEmbedder(), config=server_config(server, collection_name))
        a.ingest(progress=False)
    finally:
        server.stop()
    # Already loaded paragraphs can still be cited; touching the store fails cleanly.
    assert a.cite("a:2").text == "Fact one."
    with pytest.raises(qa.StoreError, match="CHROMA_HOST"):
        a.ingest(progress=False)
