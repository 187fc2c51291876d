"""The real app over HTTP: `python app.py` in a subprocess, driven with gradio_client.

The app indexes a temporary copy of the seeds on start (a cold start, with its
progress on the console), then every named endpoint is exercised: /ask, /cite,
/search and the streaming /chat, including a follow-up that needs the history.
A second, in-process app checks the QA_AUTH login.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from gradio_client import Client
from testkit import PROJECT_ROOT, HashEmbedder, clean_env, free_port

import qa
from qa import ui
from qa.ui_render import message_text

pytestmark = pytest.mark.slow

NZ = "What trade target did Vietnam and New Zealand set?"
KZ = "004_7ca57963d029bf3e"  # the Kazakhstan article


def wait_http(url: str, proc: subprocess.Popen | None, log: Path | None,
              timeout: float = 300) -> None:
    """Wait until ``url`` answers (or the process dies)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode}:\n"
                               + (log.read_text(errors="replace")[-3000:] if log else ""))
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{url} not ready after {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture(scope="module")
def app(tmp_path_factory, seeds_dir):
    """`python app.py` on a free port over a temporary copy of the seeds."""
    root = tmp_path_factory.mktemp("app")
    corpus = root / "corpus"
    shutil.copytree(seeds_dir, corpus)
    port = free_port()
    log = root / "app.log"
    env = clean_env(QA_CORPUS_DIR=str(corpus), QA_DATA_DIR=str(root / "data"),
                    GRADIO_SERVER_PORT=str(port))
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, str(PROJECT_ROOT / "app.py")], cwd=root,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_http(url, proc, log)
        yield {"url": url, "log": log, "proc": proc}
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def client(app) -> Client:
    return Client(app["url"], verbose=False)


def test_start_builds_the_index_with_visible_progress(app):
    text = app["log"].read_text(errors="replace")
    assert "checking the index" in text
    assert "index ready" in text and "5 documents, 87 paragraphs (87 embedded" in text
    assert "127.0.0.1" in text


def test_restart_serves_the_existing_index_at_once_and_ingests_changes_behind(tmp_path,
                                                                              seeds_dir):
    """A restart with a changed corpus: the page is served from the index as stored
    while the new document is embedded in the background; then it is answerable."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in sorted(p.name for p in seeds_dir.glob("*.txt"))[:2]:
        shutil.copy(seeds_dir / name, corpus / name)
    qa.Assistant(corpus_dir=corpus, data_dir=tmp_path / "data", llm=False).ingest()
    # 80 paragraphs: embedding them takes far longer than starting the server.
    (corpus / "harbour.txt").write_text("Harbour log\n\n" + "\n\n".join(
        f"On day {n} the harbour of Velmora loaded {n * 7} crates of tea onto the ship "
        f"number {n}, and the weather was calm." for n in range(1, 81)) + "\n", encoding="utf-8")
    port, log = free_port(), tmp_path / "app.log"
    env = clean_env(QA_CORPUS_DIR=str(corpus), QA_DATA_DIR=str(tmp_path / "data"),
                    GRADIO_SERVER_PORT=str(port))
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, str(PROJECT_ROOT / "app.py")], cwd=tmp_path,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_http(url, proc, log)
        text = log.read_text(errors="replace")
        assert "serving the existing index (2 documents)" in text
        assert "checking the index" not in text  # no blocking build before serving
        client = Client(url, verbose=False)
        deadline, got = time.monotonic() + 300, {}
        while time.monotonic() < deadline:
            got = client.predict("How many crates of tea did the harbour of Velmora load on "
                                 "day 12?", None, api_name="/ask")
            if any(c["doc_id"] == "harbour" for c in got["citations"]):
                break
            time.sleep(1)
        assert any(c["doc_id"] == "harbour" for c in got["citations"]), got
        text = log.read_text(errors="replace")
        served = text.index("serving the existing index")
        assert text.index("index ready", served) > served
        assert "3 documents, " in text[served:]
    finally:
        stop(proc)


def test_named_endpoints_are_listed(client):
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/chat", "/ask", "/cite", "/search"} <= names


def test_ask_returns_answer_json(client):
    a = client.predict(NZ, None, api_name="/ask")
    assert a["answered"] is True and "[1]" in a["text"]
    assert a["backend"] == "extractive"
    c = a["citations"][0]
    assert {"id", "title", "date", "paragraph", "quote", "text"} <= set(c)
    assert c["text"][c["start"]:c["end"]] == c["quote"] and c["quote"]


def test_ask_follow_up_with_history_pairs(client):
    first = client.predict(NZ, None, api_name="/ask")
    follow = client.predict("And with Kazakhstan?", [[NZ, first["text"]]], api_name="/ask")
    assert follow["answered"] is True
    assert any(c["doc_id"] == KZ for c in follow["citations"])
    assert "trade" in follow["text"].lower()


def test_ask_empty_question_is_an_error_with_its_message(client):
    with pytest.raises(Exception, match="question is empty"):
        client.predict("   ", None, api_name="/ask")


@pytest.mark.parametrize("question, history, says", [
    (NZ, 5, "history must be a list"),
    (NZ, "not a list", "history must be a list"),
    (NZ, [[1, 2]], "not a [question, answer] pair"),
    (5, None, "the question must be text"),
    ("x" * 6000, None, "6,000 characters long"),
])
def test_ask_malformed_arguments_are_messages(client, question, history, says):
    with pytest.raises(Exception, match=re.escape(says)) as info:  # gradio_client's AppError
        client.predict(question, history, api_name="/ask")
    assert "Traceback" not in str(info.value)


def test_chat_answers_bad_questions_with_a_message_and_goes_on(app):
    session = Client(app["url"], verbose=False)
    for bad, says in (("", "question is empty"), ("x" * 6000, "6,000 characters long")):
        message = session.predict(bad, api_name="/chat")
        assert 'class="seedqa-msg seedqa-error"' in message and says in message
    final = session.predict(NZ, api_name="/chat")
    assert "seedqa-answered" in final and "[1]</button>" in final


def test_cite_known_and_unknown(client):
    c = client.predict(f"{KZ}:2", api_name="/cite")
    assert c["found"] is True and c["paragraph"] == 2 and c["date"] == "2025-05-06"
    assert "1992" in c["text"]
    assert [n["id"] for n in c["neighbours"]] == [f"{KZ}:1", f"{KZ}:3"]
    missing = client.predict(f"{KZ}:999", api_name="/cite")
    assert missing["found"] is False and missing["id"] == f"{KZ}:999"
    assert "paragraphs 1 to 23" in missing["error"]
    bad = client.predict("no such id", api_name="/cite")
    assert bad["found"] is False and "not a paragraph id" in bad["error"]


def test_search_returns_hits(client):
    hits = client.predict("diplomatic relations Kazakhstan 1992", 3, api_name="/search")
    assert len(hits) == 3
    assert {"id", "title", "paragraph", "text", "score"} <= set(hits[0])
    assert hits[0]["score"] >= hits[-1]["score"]
    assert any(h["id"] == f"{KZ}:2" for h in hits)
    assert all(h["translations"] == [] for h in hits)  # the Kazakhstan article has none
    paired = client.predict("Hai bên nhất trí nâng cấp quan hệ lên Đối tác Chiến lược Toàn diện",
                            5, api_name="/search")
    assert any(h["translations"] and h["translations"][0]["language"] == "en"
               and h["language"] == "vi" for h in paired), paired


def test_search_in_a_conversation(client):
    # A follow-up that leans on the last turn is searched with it, as /ask retrieves for it.
    follow, history = "What did they agree on?", [["What trade target was set for 2026?", ""]]
    bare = client.predict(follow, 5, api_name="/search")
    turn = client.predict(follow, 5, history, api_name="/search")
    assert len(turn) == 5 and [h["id"] for h in turn] != [h["id"] for h in bare]
    with pytest.raises(Exception, match="history must be a list"):  # gradio_client's AppError
        client.predict(follow, 5, "not a history", api_name="/search")


def test_chat_streams_and_keeps_the_session_history(app):
    session = Client(app["url"], verbose=False)
    job = session.submit(NZ, api_name="/chat")
    final = job.result(timeout=120)
    outputs = job.outputs()
    assert len(outputs) >= 2, outputs
    assert "seedqa-streaming" in outputs[0]  # text first, then the answer with its sources
    assert "[1]</button>" in final and ">Sources<" in final and "<mark>" in final

    follow = session.submit("And with Kazakhstan?", api_name="/chat").result(timeout=120)
    assert f'value="{KZ}:' in follow, follow  # cites the Kazakhstan article
    assert "trade" in follow.lower()

    # A new session has no history: the same words are then a different question.
    alone = Client(app["url"], verbose=False).predict("And with Kazakhstan?", api_name="/chat")
    assert message_text(alone) != message_text(follow)


def test_qa_auth_refuses_unauthenticated_clients(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("Note\n\nThe harbour crane lifts ninety tonnes.\n",
                                     encoding="utf-8")
    assistant = qa.Assistant(corpus_dir=corpus, data_dir=tmp_path / "data",
                             embedder=HashEmbedder(), llm=False)
    assistant.ingest(progress=False)
    monkeypatch.setenv("QA_AUTH", "ann:correct horse")
    port = free_port()
    demo = ui.build(assistant)
    ui.launch(demo, server_port=port, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_http(url, None, None, timeout=60)
        with pytest.raises(Exception):  # noqa: B017 - gradio_client's error type varies
            Client(url, verbose=False).predict("note:2", api_name="/cite")
        with pytest.raises(Exception):  # noqa: B017
            Client(url, auth=("ann", "wrong"), verbose=False)
        ok = Client(url, auth=("ann", "correct horse"), verbose=False)
        assert ok.predict("note:2", api_name="/cite")["text"].startswith("The harbour crane")
    finally:
        demo.close()


def test_api_key_never_reaches_the_browser(tmp_path, monkeypatch):
    secret = "sk-test-NEVER-SHOW-4f9a1c"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")  # nothing there
    monkeypatch.setenv("QA_LLM_TIMEOUT", "3")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("Note\n\nThe harbour crane lifts ninety tonnes.\n",
                                     encoding="utf-8")
    assistant = qa.Assistant(corpus_dir=corpus, data_dir=tmp_path / "data",
                             embedder=HashEmbedder())
    assistant.ingest(progress=False)
    port = free_port()
    demo = ui.build(assistant)
    ui.launch(demo, server_port=port, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_http(url, None, None, timeout=60)
        pages = []
        for path in ("", "config", "gradio_api/info"):
            with urllib.request.urlopen(url + path, timeout=10) as r:
                pages.append(r.read().decode("utf-8", "replace"))
        assert "LLM gpt-4o-mini" in pages[1]  # the backend is named, its key is not
        c = Client(url, verbose=False)
        answer = c.predict("How much does the harbour crane lift?", None, api_name="/ask")
        assert "language model failed" in answer["note"]  # the dead server -> offline answer
        pages += [str(answer), c.predict("How much does the crane lift?", api_name="/chat")]
        assert all(secret not in page for page in pages)
    finally:
        demo.close()
