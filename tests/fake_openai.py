"""A real, scriptable OpenAI-compatible HTTP server for tests (stdlib only).

``FakeOpenAI`` runs ``http.server.ThreadingHTTPServer`` in a thread on a free
127.0.0.1 port and speaks enough of the OpenAI API for llama-index and the
``openai`` SDK:

- ``POST /v1/chat/completions``: a ``chat.completion`` JSON body, or with
  ``"stream": true`` Server-Sent Events of ``chat.completion.chunk`` objects
  ending with ``data: [DONE]``;
- ``POST /v1/completions``: the legacy ``text_completion`` API (JSON or SSE);
- ``POST /v1/embeddings``: deterministic bag-of-words vectors, as floats or as
  base64 float32 (the SDK asks for base64 unless told otherwise).

Nothing is mocked: the code under test talks HTTP to a socket. What the server
answers is scripted per test:

    fake.push(Reply("Astana is the city [1]."))          # next request gets this
    fake.always(Reply.error(429))                         # every request, from now on
    fake.responder = lambda req: Reply(...) if req.stream else "text"   # decide per request

Queued replies are used first, in order; then ``responder`` (a ``Reply``, a
string, or a callable of the ``Request`` returning either); with neither, the
server answers 500 "no reply scripted" and counts it in ``unscripted``.

Every request is recorded (``requests``, ``chat_requests`` ...) with helpers to
read the prompt back: ``Request.system``, ``Request.user``, ``Request.sources()``
(the numbered source paragraphs seedqa put in the prompt).

Point seedqa at it with ``fake.env()`` (OPENAI_BASE_URL, OPENAI_API_KEY,
QA_LLM_MODEL, QA_LLM_TIMEOUT) through ``monkeypatch.setenv``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

MODEL = "fake-model"
API_KEY = "test"
_ALSO = re.compile(r"\n\(Its \w+ version also says: ")
_SOURCE_HEAD = re.compile(r"^\[(\d+)\] \((.*)\)$", re.MULTILINE)


@dataclass
class Reply:
    """What the server sends back for one request.

    ``text``: the model's answer. For a streaming request it is sent in ``chunks``
    (default: word by word), ``delay`` seconds apart (or ``delays[i]`` before chunk
    ``i`` when given); ``stall`` seconds pass before
    anything (even the status line) is sent. ``status`` != 200 sends an OpenAI
    error body with ``message``. ``body`` replaces the whole response body (garbage),
    sent with ``content_type``.
    """

    text: str = ""
    chunks: list[str] | None = None
    status: int = 200
    message: str = ""
    delay: float = 0.0
    delays: list[float] | None = None
    stall: float = 0.0
    body: bytes | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def error(cls, status: int, message: str | None = None, **headers: str) -> Reply:
        """An HTTP error in OpenAI's format (``{"error": {...}}``)."""
        text = message or {401: "Incorrect API key provided",
                           429: "Rate limit reached for requests",
                           500: "The server had an error while processing your request"
                           }.get(status, f"error {status}")
        # Retry quickly if the client retries at all (the SDK honours retry-after-ms).
        hdrs = {"retry-after-ms": "50", **{k.replace("_", "-"): v for k, v in headers.items()}}
        return cls(status=status, message=text, headers=hdrs)

    @classmethod
    def garbage(cls, body: bytes | str = b"{this is not json", *,
                content_type: str | None = None) -> Reply:
        """A 200 response whose body is not what the API promises."""
        raw = body.encode("utf-8") if isinstance(body, str) else body
        return cls(body=raw, content_type=content_type)

    @classmethod
    def slow(cls, text: str, delay: float, chunks: list[str] | None = None,
             stall: float = 0.0) -> Reply:
        """A stream that sleeps ``delay`` seconds before each chunk."""
        return cls(text=text, chunks=chunks, delay=delay, stall=stall)

    def pieces(self) -> list[str]:
        """The content chunks of a streamed reply."""
        if self.chunks is not None:
            return list(self.chunks)
        return re.findall(r"\s*\S+", self.text) or [self.text]


@dataclass
class Request:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any  # parsed JSON, or None when the body was not JSON
    received: float  # time.monotonic()
    sent: list[float] = field(default_factory=list)  # when each stream chunk was written
    finished: float | None = None
    disconnected: bool = False  # the client hung up before the reply was complete

    @property
    def kind(self) -> str:
        """'chat', 'completion', 'embedding' or 'other'."""
        p = self.path.split("?")[0].rstrip("/")
        return {"/v1/chat/completions": "chat", "/v1/completions": "completion",
                "/v1/embeddings": "embedding"}.get(p, "other")

    @property
    def stream(self) -> bool:
        return bool(isinstance(self.body, dict) and self.body.get("stream"))

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def messages(self) -> list[dict]:
        return list(self.body.get("messages") or []) if isinstance(self.body, dict) else []

    def _content(self, role: str) -> str:
        parts = []
        for m in self.messages:
            if m.get("role") != role:
                continue
            content = m.get("content")
            if isinstance(content, list):  # [{"type": "text", "text": ...}, ...]
                content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
            parts.append(content or "")
        return "\n".join(parts)

    @property
    def system(self) -> str:
        """Text of the system message(s)."""
        return self._content("system")

    @property
    def user(self) -> str:
        """Text of the user message(s)."""
        return self._content("user")

    @property
    def prompt(self) -> str:
        """Everything the model was asked: all messages, or a completion's prompt."""
        if self.kind == "completion" and isinstance(self.body, dict):
            p = self.body.get("prompt")
            return "\n".join(p) if isinstance(p, list) else str(p or "")
        return "\n".join(self._content(r) for r in ("system", "user", "assistant"))

    def sources(self) -> dict[int, tuple[str, str]]:
        """The numbered sources in seedqa's prompt: n -> (header, paragraph text).

        The prompt lists them as ``[n] (title; date)`` followed by the paragraph,
        blocks separated by a blank line, inside ``<<<`` ... ``>>>``.
        """
        return {n: (head, _ALSO.split(text)[0]) for n, (head, text) in self._blocks().items()}

    def also(self) -> dict[int, str]:
        """n -> what source [n]'s translations say that it lacks (the lines seedqa adds
        after the paragraph: "(Its English version also says: ...)"), where there is any."""
        return {n: "".join(_ALSO.split(text)[1:]) for n, (_, text) in self._blocks().items()
                if _ALSO.search(text)}

    def _blocks(self) -> dict[int, tuple[str, str]]:
        user = self.user
        heads = list(_SOURCE_HEAD.finditer(user))
        out: dict[int, tuple[str, str]] = {}
        for i, m in enumerate(heads):
            end = heads[i + 1].start() if i + 1 < len(heads) else user.find("\n>>>", m.end())
            out[int(m.group(1))] = (m.group(2), user[m.end() + 1:end].rstrip("\n"))
        return out


Responder = Callable[[Request], "Reply | str"]


class FakeOpenAI:
    """The server. Use as a context manager, or ``start()`` / ``stop()``."""

    def __init__(self, model: str = MODEL, embedding_dim: int = 64) -> None:
        self.model = model
        self.embedding_dim = embedding_dim
        self.responder: Reply | str | Responder | None = None
        self.unscripted = 0
        self._queue: deque[Reply | str | Responder] = deque()
        self._requests: list[Request] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._generation = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name=f"fake-openai-{self.port}")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "the server is not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """The ``/v1`` address to give clients (OPENAI_BASE_URL)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def env(self, timeout: float = 3.0, **extra: str) -> dict[str, str]:
        """Environment variables that point seedqa at this server."""
        return {"OPENAI_BASE_URL": self.base_url, "OPENAI_API_KEY": API_KEY,
                "QA_LLM_MODEL": self.model, "QA_LLM_TIMEOUT": str(timeout), **extra}

    # -- scripting ----------------------------------------------------------------------

    def reset(self) -> None:
        """Forget requests and scripted replies; abandon slow replies still being sent."""
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self.responder = None
            self.unscripted = 0
            self._generation += 1

    def push(self, *replies: Reply | str | Responder) -> FakeOpenAI:
        """Queue replies for the next requests (a str is a normal text reply)."""
        with self._lock:
            self._queue.extend(replies)
        return self

    def always(self, reply: Reply | str | Responder) -> FakeOpenAI:
        """Answer every request (once the queue is empty) with ``reply``."""
        self.responder = reply
        return self

    def _next(self, request: Request) -> Reply | None:
        with self._lock:
            item = self._queue.popleft() if self._queue else self.responder
            if item is None:
                self.unscripted += 1
                return None
        if callable(item) and not isinstance(item, Reply):
            item = item(request)
        return Reply(text=item) if isinstance(item, str) else item

    # -- what was received ----------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[Request]:
        return [r for r in self.requests if r.kind == "chat"]

    @property
    def completion_requests(self) -> list[Request]:
        return [r for r in self.requests if r.kind == "completion"]

    @property
    def embedding_requests(self) -> list[Request]:
        return [r for r in self.requests if r.kind == "embedding"]

    def _record(self, request: Request) -> int:
        with self._lock:
            self._requests.append(request)
            return self._generation

    def vector(self, text: str) -> list[float]:
        """The embedding this server returns for ``text`` (hashed words, L2-normalised)."""
        v = [0.0] * self.embedding_dim
        for word in re.findall(r"\w+", text.lower()):
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            v[h % self.embedding_dim] += 1.0 if (h >> 32) & 1 else -1.0
        v[0] += 1e-3
        norm = sum(x * x for x in v) ** 0.5
        return [x / norm for x in v]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.0"  # one request per connection; a stream ends at close

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        req = self._read()
        if req.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [
                {"id": self.fake.model, "object": "model", "created": 0, "owned_by": "test"}]})
        else:
            self._json(404, _error_body(404, f"no route {req.path}"))

    def do_POST(self) -> None:  # noqa: N802
        req = self._read()
        gen = self.fake._record(req)
        try:
            if req.kind == "other":
                self._json(404, _error_body(404, f"no route {req.path}"))
                return
            if req.kind == "embedding":
                self._embeddings(req)
                return
            reply = self.fake._next(req)
            if reply is None:
                self._json(500, _error_body(500, "fake server: no reply scripted for "
                                                  f"{req.kind} request"))
                return
            self._reply(req, reply, gen)
        except (BrokenPipeError, ConnectionResetError):
            req.disconnected = True
        finally:
            req.finished = time.monotonic()

    # -- helpers --------------------------------------------------------------------------

    def _read(self) -> Request:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        return Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                       raw, body, time.monotonic())

    def _wait(self, seconds: float, gen: int) -> bool:
        """Sleep; False if the server is closing or the test moved on (reset)."""
        if seconds > 0 and self.fake._closing.wait(seconds):
            return False
        return gen == self.fake._generation

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"), "application/json", headers)

    def _send(self, status: int, data: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _reply(self, req: Request, reply: Reply, gen: int) -> None:
        if not self._wait(reply.stall, gen):
            return
        if reply.status != 200:
            self._json(reply.status, _error_body(reply.status, reply.message), reply.headers)
            return
        if reply.body is not None:
            default = "text/event-stream" if req.stream else "application/json"
            self._send(200, reply.body, reply.content_type or default, reply.headers)
            return
        if req.stream:
            self._stream(req, reply, gen)
            return
        self._json(200, self._completion(req, reply.text), reply.headers)

    def _completion(self, req: Request, text: str) -> dict:
        base = {"id": f"cmpl-{uuid.uuid4().hex[:12]}", "created": int(time.time()),
                "model": req.model or self.fake.model,
                "usage": {"prompt_tokens": len(req.prompt.split()),
                          "completion_tokens": len(text.split()),
                          "total_tokens": len(req.prompt.split()) + len(text.split())}}
        if req.kind == "chat":
            return {**base, "object": "chat.completion", "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text},
                 "logprobs": None, "finish_reason": "stop"}]}
        return {**base, "object": "text_completion", "choices": [
            {"index": 0, "text": text, "logprobs": None, "finish_reason": "stop"}]}

    def _stream(self, req: Request, reply: Reply, gen: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.end_headers()
        ident = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        created = int(time.time())
        model = req.model or self.fake.model

        def event(delta: dict | None, text: str | None, finish: str | None) -> bytes:
            if req.kind == "chat":
                obj = {"id": ident, "object": "chat.completion.chunk", "created": created,
                       "model": model, "choices": [{"index": 0, "delta": delta or {},
                                                    "logprobs": None, "finish_reason": finish}]}
            else:
                obj = {"id": ident, "object": "text_completion", "created": created,
                       "model": model, "choices": [{"index": 0, "text": text or "",
                                                    "logprobs": None, "finish_reason": finish}]}
            return b"data: " + json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n\n"

        def write(data: bytes) -> None:
            self.wfile.write(data)
            self.wfile.flush()
            req.sent.append(time.monotonic())

        if req.kind == "chat":
            write(event({"role": "assistant", "content": ""}, None, None))
        for i, piece in enumerate(reply.pieces()):
            pause = reply.delays[i] if reply.delays and i < len(reply.delays) else reply.delay
            if not self._wait(pause, gen):
                return
            write(event({"content": piece}, piece, None))
        write(event({}, "", "stop"))
        write(b"data: [DONE]\n\n")

    def _embeddings(self, req: Request) -> None:
        body = req.body if isinstance(req.body, dict) else {}
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        if not texts or not all(isinstance(t, str) for t in texts):
            self._json(400, _error_body(400, "input must be a string or a list of strings"))
            return
        data = []
        for i, t in enumerate(texts):
            vec = self.fake.vector(t)
            if body.get("encoding_format") == "base64":
                emb: Any = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode("ascii")
            else:
                emb = vec
            data.append({"object": "embedding", "index": i, "embedding": emb})
        tokens = sum(len(t.split()) for t in texts)
        self._json(200, {"object": "list", "data": data, "model": body.get("model", ""),
                         "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})


def _error_body(status: int, message: str) -> dict:
    kind = {401: "invalid_request_error", 429: "requests", 404: "invalid_request_error"
            }.get(status, "server_error")
    code = {401: "invalid_api_key", 429: "rate_limit_exceeded"}.get(status)
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


@pytest.fixture
def fake_openai(monkeypatch):
    """A fresh server for one test, with the environment pointing seedqa at it.

    Import it into a test module (``from fake_openai import fake_openai``) to use it.
    """
    with FakeOpenAI() as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        yield server
