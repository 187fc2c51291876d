"""Offline: ingest and cite of the seeds with outbound network blocked; no phoning home.

The subprocess runs in a new network namespace (``unshare -rn``: not even loopback
is up) when the machine allows it; in every case a socket guard records, and
refuses, any attempt to reach a non-loopback address or to resolve a host name.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from testkit import SEED_PARAGRAPHS, clean_env, last_json, run_python

D004 = "004_7ca57963d029bf3e"

GUARD = r"""
import ipaddress, json, os, socket
_LOG = os.environ["SEEDQA_NET_LOG"]

def _record(kind, target):
    with open(_LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps([kind, repr(target)]) + "\n")

def _ip(host):
    try:
        return ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return None

def _local_host(host):
    if host in (None, "", "localhost", "localhost.localdomain"):
        return True
    ip = _ip(host)
    return ip is not None and ip.is_loopback

def _check(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _local_host(address[0]):
        _record("connect", address)
        raise OSError(101, "outbound network blocked by the seedqa offline test")

_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
def connect(self, address):
    _check(self, address)
    return _connect(self, address)
def connect_ex(self, address):
    _check(self, address)
    return _connect_ex(self, address)
socket.socket.connect, socket.socket.connect_ex = connect, connect_ex

_getaddrinfo = socket.getaddrinfo
def getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if not _local_host(name) and _ip(name) is None:  # a DNS lookup (connect checks IPs)
        _record("resolve", host)
        raise socket.gaierror(socket.EAI_NONAME, "name resolution blocked by the offline test")
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = getaddrinfo
"""

OFFLINE_RUN = GUARD + r"""
import json, os, sys
import qa
after_import = {k: os.environ.get(k) for k in
                ("ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED", "TIKTOKEN_CACHE_DIR")}
a = qa.Assistant(corpus_dir=sys.argv[1], data_dir=sys.argv[2])
report = a.ingest(progress=False)
c = a.cite(sys.argv[3])
qvec = a.embedder.embed_query("Việt Nam Kazakhstan strategic partnership")
hits = a.store.query(qvec.tolist(), 3)
from llama_index.core.utils import get_tokenizer
tokens = len(get_tokenizer()("Việt Nam and New Zealand upgraded their relations."))
print(json.dumps({"report": report.to_dict(), "citation": c.to_dict(), "hits": hits,
                  "tokens": tokens, "after_import": after_import,
                  "tiktoken_after": os.environ.get("TIKTOKEN_CACHE_DIR")}))
"""


@cache
def unshare_prefix() -> tuple[str, ...]:
    """``("unshare", "-rn")`` if an unprivileged network namespace works here."""
    exe = shutil.which("unshare")
    if not exe:
        return ()
    try:
        ok = subprocess.run([exe, "-rn", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return (exe, "-rn") if ok else ()


def offline_env(tmp_path, **extra):
    env = clean_env(SEEDQA_NET_LOG=str(tmp_path / "net.log"), **extra)
    # qa itself must switch telemetry off: do not do it for it.
    for name in ("ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED", "TIKTOKEN_CACHE_DIR",
                 "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        env.pop(name, None)
    return env


def assert_tiktoken_dir_usable(value: str | None) -> None:
    """Unset (llama-index then uses its bundled encodings) or a folder holding encodings."""
    if value is not None:
        folder = Path(value)
        assert folder.is_dir() and any(folder.iterdir()), f"empty TIKTOKEN_CACHE_DIR {value}"


def attempts(tmp_path) -> list:
    log = tmp_path / "net.log"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line]


def test_guard_catches_outbound_attempts(tmp_path):
    # The guard must be able to see a connection, or the offline test proves nothing.
    code = GUARD + r"""
import socket, urllib.request
for target in (lambda: socket.create_connection(("192.0.2.1", 80), timeout=1),
               lambda: urllib.request.urlopen("http://example.invalid/", timeout=1)):
    try:
        target()
    except OSError:
        pass
"""
    proc = run_python(code, env=offline_env(tmp_path), prefix=unshare_prefix())
    assert proc.returncode == 0, proc.stderr
    kinds = [kind for kind, _ in attempts(tmp_path)]
    assert kinds == ["connect", "resolve"]


def test_ingest_and_cite_seeds_offline(tmp_path, seeds_dir):
    env = offline_env(tmp_path)
    proc = run_python(OFFLINE_RUN, str(seeds_dir), str(tmp_path / "data"), f"{D004}:4",
                      env=env, prefix=unshare_prefix(), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = last_json(proc.stdout)
    assert attempts(tmp_path) == [], "a network connection or name lookup was attempted"
    r = out["report"]
    assert (r["added"], r["paragraphs"], r["skipped_files"]) == (SEED_PARAGRAPHS,
                                                                SEED_PARAGRAPHS, [])
    assert out["citation"]["text"].startswith("He also expressed gratitude")
    assert len(out["hits"]) == 3 and all(-1.0 <= s <= 1.0001 for _, s in out["hits"])
    assert out["tokens"] > 5
    # Importing qa turns telemetry/analytics off...
    assert out["after_import"]["ANONYMIZED_TELEMETRY"] == "False"
    assert out["after_import"]["GRADIO_ANALYTICS_ENABLED"] == "False"
    # ...and never points tiktoken at a folder without its encodings.
    assert_tiktoken_dir_usable(out["after_import"]["TIKTOKEN_CACHE_DIR"])
    assert_tiktoken_dir_usable(out["tiktoken_after"])


def test_network_namespace_is_used_when_available():
    # Documents which isolation ran; the guard-only fallback still runs the tests above.
    if not unshare_prefix():
        pytest.skip("unshare -rn is not permitted here; the socket guard alone was used")
    proc = run_python("import socket; socket.create_connection(('1.1.1.1', 53), timeout=2)",
                      prefix=unshare_prefix())
    assert proc.returncode != 0 and "unreachable" in proc.stderr.lower()


IMPORT_ONLY = GUARD + r"""
import json, os
import qa
import chromadb.config
print(json.dumps({
    "ANONYMIZED_TELEMETRY": os.environ.get("ANONYMIZED_TELEMETRY"),
    "GRADIO_ANALYTICS_ENABLED": os.environ.get("GRADIO_ANALYTICS_ENABLED"),
    "TIKTOKEN_CACHE_DIR": os.environ.get("TIKTOKEN_CACHE_DIR"),
    "chroma_telemetry": chromadb.config.Settings().anonymized_telemetry,
}))
"""


def test_importing_qa_turns_telemetry_off(tmp_path):
    proc = run_python(IMPORT_ONLY, env=offline_env(tmp_path), prefix=unshare_prefix())
    assert proc.returncode == 0, proc.stderr
    out = last_json(proc.stdout)
    assert out["ANONYMIZED_TELEMETRY"] == "False"
    assert out["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert out["chroma_telemetry"] is False
    assert_tiktoken_dir_usable(out["TIKTOKEN_CACHE_DIR"])
    assert attempts(tmp_path) == []
