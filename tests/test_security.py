"""Security: where the app listens, who may call it, what it never reveals, what it writes.

- It listens on loopback unless GRADIO_SERVER_NAME says otherwise (read back from the
  kernel's socket table, /proc/net/tcp).
- With QA_AUTH, the page's data and every API route (named endpoints, the queue, file
  routes, uploads) refuse unauthenticated callers; a login opens them.
- OPENAI_API_KEY never appears in any log record (every logger at DEBUG), console
  output, API answer or page, even when the LLM server echoes it in an error.
- Uploads land under QA_DATA_DIR/uploads with sanitized names, whatever the client
  calls them, and files over 10 MB are refused (by the server and by the handler).
"""

from __future__ import annotations

import json
import logging
import socket
import time
import traceback
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, Reply
from gradio_client import Client
from testkit import HashEmbedder, served

import qa
from qa import ui
from qa.llm import make_llm

SECRET = "sk-test-DO-NOT-LEAK-7f3a9c2e51"


@pytest.fixture
def note(tmp_path) -> qa.Assistant:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("Harbour note\n\nThe harbour crane lifts 90 tonnes.\n\n"
                                     "It arrived in March 2025.\n", encoding="utf-8")
    a = qa.Assistant(corpus_dir=corpus, data_dir=tmp_path / "data", embedder=HashEmbedder(),
                     llm=False)
    a.ingest(progress=False)
    return a


def http(url: str, data: bytes | None = None, content_type: str | None = None,
         cookie: str | None = None) -> tuple[int, bytes, dict]:
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if content_type:
        req.add_header("Content-Type", content_type)
    if cookie:
        req.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def multipart(filename: str, data: bytes) -> tuple[bytes, str]:
    b = uuid.uuid4().hex
    head = (f'--{b}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"'
            "\r\nContent-Type: text/plain\r\n\r\n").encode()
    return head + data + f"\r\n--{b}--\r\n".encode(), f"multipart/form-data; boundary={b}"


# --- where it listens ------------------------------------------------------------------------


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (IPv4 and IPv6 tables)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                if len(address) == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]))
                else:
                    raw = b"".join(bytes.fromhex(address[i:i + 8])[::-1]
                                   for i in range(0, 32, 8))
                    found.add(socket.inet_ntop(socket.AF_INET6, raw))
    return found


def outward_address() -> str | None:
    """This machine's non-loopback IPv4 address, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.254.254.254", 1))
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_the_app_listens_on_loopback_only_by_default(note, monkeypatch):
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    with served(note) as app:
        assert listening_addresses(app.port) == {"127.0.0.1"}
        outward = outward_address()
        if outward:
            with socket.socket() as s:
                s.settimeout(2)
                assert s.connect_ex((outward, app.port)) != 0, "reachable from outside"
        assert http(app.url)[0] == 200


def test_the_app_listens_on_all_interfaces_only_when_told(note, monkeypatch):
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    with served(note) as app:
        assert listening_addresses(app.port) == {"0.0.0.0"}


# --- QA_AUTH ---------------------------------------------------------------------------------


def test_qa_auth_protects_the_page_and_every_api_route(note, monkeypatch):
    monkeypatch.setenv("QA_AUTH", "ann:correct horse")
    with served(note) as app:
        u = app.url
        status, page, _ = http(u)  # the login screen only: no corpus data in it
        assert status == 200 and b"harbour" not in page.lower() and b"seedqa-status" not in page
        refused = ["config", "gradio_api/info", "gradio_api/openapi.json",
                   "gradio_api/queue/status", f"gradio_api/file={note.config.corpus_dir}/note.txt"]
        for route in refused:
            status, body, _ = http(u + route)
            assert status == 401, (route, status, body[:200])
        for api, data in (("ask", ["crane", None]), ("cite", ["note:2"]),
                          ("search", ["crane", 3]), ("chat", ["crane"]), ("lookup_ui", ["note:2"])):
            status, body, _ = http(f"{u}gradio_api/call/{api}", json.dumps({"data": data}).encode(),
                                   "application/json")
            assert status == 401, (api, status, body[:200])
        status, _, _ = http(u + "gradio_api/queue/join", json.dumps(
            {"data": ["crane", None], "fn_index": 0, "session_hash": "x"}).encode(),
            "application/json")
        assert status == 401
        body, ctype = multipart("note2.txt", b"Note\n\nAnother note.\n")
        assert http(u + "gradio_api/upload", body, ctype)[0] == 401
        with pytest.raises(Exception):  # noqa: B017 - gradio_client's error type varies
            Client(u, verbose=False).predict("note:2", api_name="/cite")
        with pytest.raises(Exception):  # noqa: B017
            Client(u, auth=("ann", "wrong horse"), verbose=False)
        assert http(u + "login", b"username=ann&password=wrong", "application/x-www-form-urlencoded"
                    )[0] in (400, 401)

        ok = Client(u, auth=("ann", "correct horse"), verbose=False)
        assert ok.predict("note:2", api_name="/cite")["found"] is True
        assert ok.predict("How much does the crane lift?", None, api_name="/ask")["text"]
        assert ok.predict("crane", 2, api_name="/search")
        assert "seedqa-msg" in ok.predict("How much does the crane lift?", api_name="/chat")
        status, _, headers = http(u + "login", b"username=ann&password=correct+horse",
                                  "application/x-www-form-urlencoded")
        assert status == 200
        cookie = "; ".join(c.split(";")[0] for c in headers.get("set-cookie", "").split(", ")
                           if "=" in c.split(";")[0])
        assert http(u + "config", cookie=cookie)[0] == 200


# --- secrets -----------------------------------------------------------------------------------


def _everything_logged(caplog) -> str:
    parts = []
    for r in caplog.records:
        parts.append(f"{r.name} {r.getMessage()} {r.args!r}")
        if r.exc_info:
            parts.append("".join(traceback.format_exception(*r.exc_info)))
    return "\n".join(parts)


def test_the_api_key_is_never_logged_shown_or_sent(tmp_path, monkeypatch, caplog, capfd):
    caplog.set_level(logging.DEBUG)  # every logger: qa, openai, httpx, gradio, chromadb ...
    monkeypatch.setenv("QA_LOG_LEVEL", "DEBUG")
    with FakeOpenAI() as fake:
        for name, value in fake.env(timeout=2).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        (corpus / "note.txt").write_text("Harbour note\n\nThe harbour crane lifts 90 tonnes.\n",
                                         encoding="utf-8")
        config = qa.Config.from_env()
        a = qa.Assistant(corpus_dir=corpus, data_dir=tmp_path / "data", embedder=HashEmbedder(),
                         llm=make_llm(config), config=config)
        console: list[str] = []
        ui.prepare(a, out=lambda *args, **_: console.append(" ".join(map(str, args))))
        seen = [repr(a.config), str(a.config), a.backend, "\n".join(console)]
        assert fake.chat_requests == [] and "fake-model" in seen[2]

        replies = [
            lambda req: "The harbour crane lifts 90 tonnes [1]." if req.stream else "q",
            Reply.error(401, f"Incorrect API key provided: {SECRET}."),
            Reply.error(400, f"bad request from key {SECRET} (echoed by a careless server)"),
            Reply.error(500, f"internal error; key={SECRET}"),
            Reply.garbage(f"<html>{SECRET}</html>", content_type="application/json"),
        ]
        with served(a) as app:
            client = Client(app.url, verbose=False)
            for reply in replies:
                fake.reset()
                fake.always(reply)
                answer = a.ask("How much does the harbour crane lift?")
                seen += [answer.text, answer.note, repr(answer)]
                seen.append(json.dumps(client.predict("How much does the crane lift?", None,
                                                      api_name="/ask")))
                seen.append(Client(app.url, verbose=False).predict("crane lift?",
                                                                   api_name="/chat"))
                for route in ("", "config", "gradio_api/info"):
                    seen.append(http(app.url + route)[1].decode("utf-8", "replace"))
            fake.reset()
            fake.always(Reply.error(401, f"Incorrect API key provided: {SECRET}."))
            monkeypatch.setenv("QA_FALLBACK", "error")
            strict = qa.Assistant(corpus_dir=corpus, data_dir=tmp_path / "data",
                                  embedder=HashEmbedder(), llm=make_llm(config))
            with pytest.raises(qa.LLMError) as info:
                strict.ask("How much does the harbour crane lift?")
            seen.append(str(info.value))
    out, err = capfd.readouterr()
    logged = _everything_logged(caplog)
    assert caplog.records, "nothing was logged at DEBUG: the check would be empty"
    assert any("language model failed" in s for s in seen)  # the failures were exercised
    for name, text in {"logs": logged, "stdout": out, "stderr": err,
                       "answers and pages": "\n".join(seen)}.items():
        assert SECRET not in text, f"the API key leaked into {name}"
        assert SECRET[8:] not in text, f"part of the API key leaked into {name}"


# --- uploads ---------------------------------------------------------------------------------

HOSTILE_NAMES = {
    "../../escape.txt": "escape.txt",
    "..\\..\\windows-escape.txt": "windows-escape.txt",
    "/etc/cron.d/owned.txt": "owned.txt",
    "....//....//dots.md": "dots.md",
    ".hidden.txt": "hidden.txt",
    "spaces and ünïcödé — Đà Nẵng.txt": "spaces_and_unicode_Da_Nang.txt",
    "nul\x00byte.txt": "nul_byte.txt",
    "a" * 300 + ".txt": "a" * 80 + ".txt",
    "semi;colon$(reboot)`x`.md": "semi_colon_reboot_x.md",
}


def test_uploads_are_stored_under_the_data_dir_with_sanitized_names(note, tmp_path):
    before = {p for p in tmp_path.rglob("*")}
    offered = tmp_path / "offered"
    offered.mkdir()
    items = []
    for i, name in enumerate(HOSTILE_NAMES):
        source = offered / f"source{i}.txt"
        source.write_text(f"Upload {i}\n\nThe upload number {i} says hello.\n", encoding="utf-8")
        items.append({"path": str(source), "orig_name": name})  # what the browser claims
    out = ui.add_documents(note, items)
    assert f"Added {len(HOSTILE_NAMES)} document(s)" in out, out
    uploads = note.uploads_dir.resolve()
    assert uploads == (note.config.data_dir / "uploads").resolve()
    stored = sorted(p.name for p in uploads.iterdir())
    assert stored == sorted(HOSTILE_NAMES.values()), stored
    created = {p for p in tmp_path.rglob("*")} - before
    for path in created:  # nothing written outside the data dir (and the offered copies)
        assert path.resolve().is_relative_to(note.config.data_dir.resolve()) or \
            path.resolve().is_relative_to(offered.resolve()), path
    assert not (tmp_path.parent / "escape.txt").exists() and not Path("/etc/cron.d/owned.txt"
                                                                        ).exists()
    for clean in HOSTILE_NAMES.values():
        assert Path(clean).stem in note.catalog.documents


def test_upload_size_limit_is_enforced_by_server_and_handler(note, tmp_path):
    limit = ui.MAX_UPLOAD_BYTES
    big = tmp_path / "big.txt"
    big.write_bytes(b"Big\n\n" + b"word " * ((limit // 5) + 1))
    assert big.stat().st_size > limit
    out = ui.add_documents(note, [str(big)])
    assert "limit is 10 MB" in out and "Added" not in out
    assert not note.uploads_dir.exists() or not any(note.uploads_dir.iterdir())
    with served(note) as app:
        body, ctype = multipart("big.txt", b"x" * (limit + 1))
        status, answer, _ = http(app.url + "gradio_api/upload", body, ctype)
        assert status == 413, (status, answer[:200])
        body, ctype = multipart("../../fine.txt", b"Fine\n\nA small, fine upload.\n")
        status, answer, _ = http(app.url + "gradio_api/upload", body, ctype)
        assert status == 200
        (path,) = json.loads(answer)
        report = Client(app.url, verbose=False).predict(
            [{"path": path, "orig_name": "../../fine.txt", "meta": {"_type": "gradio.FileData"}}],
            api_name="/add_ui")
        assert "Added 1 document(s)" in report[0]
    assert sorted(p.name for p in note.uploads_dir.iterdir()) == ["fine.txt"]


# --- logins, Host names, cross-origin uploads ----------------------------------------------


def _login(url: str, password: str) -> tuple[int, float]:
    start = time.monotonic()
    status = http(url + "login", f"username=ann&password={password}".encode(),
                  "application/x-www-form-urlencoded")[0]
    return status, time.monotonic() - start


def test_logins_are_slowed_after_failures(note, monkeypatch):
    monkeypatch.setenv("QA_AUTH", "ann:correct")
    with served(note) as app:
        quick = [_login(app.url, "wrong") for _ in range(3)]  # a person mistyping: no delay
        assert [s for s, _ in quick] == [400, 400, 400]
        assert all(t < 0.9 for _, t in quick), quick
        status, waited = _login(app.url, "wrong")  # the 4th failure waited 1 s first
        assert status == 400 and waited >= 1.0
        status, waited = _login(app.url, "wrong")  # then 2 s
        assert status == 400 and waited >= 2.0
        status, waited = _login(app.url, "correct")  # the right password still works
        assert status == 200 and waited >= 4.0
        status, waited = _login(app.url, "wrong")  # and clears the count
        assert status == 400 and waited < 0.9


def test_only_loopback_host_names_are_served_by_default(note, monkeypatch):
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    monkeypatch.delenv("QA_ALLOWED_HOSTS", raising=False)
    with served(note) as app:
        for host, expected in ((f"127.0.0.1:{app.port}", 200), (f"localhost:{app.port}", 200),
                               (f"rebound.example:{app.port}", 400), ("evil.example", 400)):
            req = urllib.request.Request(app.url + "config", headers={"Host": host})
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    status, body = r.status, r.read()
            except urllib.error.HTTPError as exc:
                status, body = exc.code, exc.read()
            assert status == expected, (host, status)
            if expected == 400:
                assert b"QA_ALLOWED_HOSTS" in body
    monkeypatch.setenv("QA_ALLOWED_HOSTS", "qa.example.org")
    with served(note) as app:
        req = urllib.request.Request(app.url + "config", headers={"Host": "qa.example.org"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200


def test_cross_origin_uploads_are_refused_off_loopback(note, monkeypatch):
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.delenv("QA_ALLOWED_HOSTS", raising=False)
    with served(note) as app:
        body, ctype = multipart("x.txt", b"X\n\nCross-site upload.\n")

        def upload(origin: str | None) -> tuple[int, bytes]:
            req = urllib.request.Request(app.url + "gradio_api/upload", data=body,
                                         method="POST", headers={"Content-Type": ctype})
            if origin:
                req.add_header("Origin", origin)
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    return r.status, r.read()
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read()

        status, answer = upload("http://evil.example")
        assert status == 403 and b"cross-origin upload" in answer
        assert upload(f"http://127.0.0.1:{app.port}")[0] == 200  # the app's own page
        assert upload(None)[0] == 200  # not a browser


def test_malformed_api_arguments_get_their_message(note):
    with served(note) as app:
        # Bounded: sessions kept in memory, answers computed at once.
        assert app.demo.state_session_capacity == ui.SESSION_CAPACITY
        assert app.demo._queue.default_concurrency_limit == ui.default_concurrency()
        client = Client(app.url, verbose=False)
        for args, api, says in (
                (("crane?", 5), "/ask", "history must be a list"),
                (("crane?", [[1, 2]]), "/ask", "not a [question, answer] pair"),
                ((5, None), "/ask", "must be text"),
                (("crane", "5"), "/search", "k must be"),
                (("crane", 0), "/search", "k must be")):
            with pytest.raises(Exception) as info:  # noqa: B017 - gradio_client's AppError
                client.predict(*args, api_name=api)
            assert says in str(info.value), (args, str(info.value))
            assert str(info.value).strip() != "None"
        assert client.predict(5, api_name="/cite")["found"] is False
        # The chat never fails: a bad question is a message in the conversation.
        message = client.predict("", api_name="/chat")
        assert "seedqa-error" in message and "question is empty" in message
