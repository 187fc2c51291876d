"""The web app's gatekeeping: login (slowed after failures) and which requests it serves.

- ``parse_auth`` / ``LoginThrottle`` / ``slow_login``: ``QA_AUTH=user:password``, with
  brute force slowed to about one attempt per ``cap`` seconds after a few failures;
- ``HostGuard``: a Host allow-list against DNS rebinding (``QA_ALLOWED_HOSTS``; loopback
  names only while the app listens on loopback) and, when it listens beyond loopback,
  same-origin uploads only.
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import time
from collections import deque
from urllib.parse import urlsplit

from qa.errors import ConfigError

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """QA_AUTH=user:password -> (user, password); unset or empty -> no login."""
    if value is None or not value.strip():
        return None
    user, sep, password = value.strip().partition(":")
    if not sep or not user or not password:
        raise ConfigError("QA_AUTH must look like user:password (both non-empty)")
    return user, password


class LoginThrottle:
    """Checks logins, slowing them down after failures (brute force gets ~1 try per ``cap`` s).

    The first ``free`` failures (in ``window`` seconds) cost nothing, so a person who
    mistypes is not slowed; each later attempt waits ``base * 2**(failures - free)``
    seconds, at most ``cap``, and attempts are checked one at a time, so parallel guessing does
    not help. A success clears the count. The numbers are a policy choice: 3 free
    mistakes, then 1, 2, 4, 8, 8 ... s; 200 wrong passwords then take about 25 minutes
    instead of 0.3 s.
    """

    def __init__(self, user: str, password: str, free: int = 3, base: float = 1.0,
                 cap: float = 8.0, window: float = 900.0, sleep=asyncio.sleep,
                 clock=time.monotonic) -> None:
        self._user, self._password = user, password
        self.free, self.base, self.cap, self.window = free, base, cap, window
        self._sleep, self._clock = sleep, clock
        self._failures: deque[float] = deque()
        self._lock = asyncio.Lock()

    def delay(self, failures: int) -> float:
        """Seconds to wait before checking an attempt after ``failures`` recent failures."""
        extra = failures - self.free
        return 0.0 if extra < 0 else min(self.cap, self.base * 2 ** extra)

    async def __call__(self, user: str, password: str) -> bool:
        async with self._lock:
            now = self._clock()
            while self._failures and now - self._failures[0] > self.window:
                self._failures.popleft()
            wait = self.delay(len(self._failures))
            if wait:
                await self._sleep(wait)
            ok = (secrets.compare_digest(str(user).encode(), self._user.encode())
                  and secrets.compare_digest(str(password).encode(), self._password.encode()))
            if ok:
                self._failures.clear()
            else:
                self._failures.append(self._clock())
            return ok


def slow_login(user: str, password: str, **kwargs):
    """An async ``auth`` function for Gradio that checks (user, password) through a
    ``LoginThrottle`` (Gradio awaits coroutine functions; a plain object would not be)."""
    throttle = LoginThrottle(user, password, **kwargs)

    async def check(username: str, attempt: str) -> bool:
        return await throttle(username, attempt)

    check.throttle = throttle
    return check


def _host_name(host: str) -> str:
    """The name part of a Host header or URL netloc ('a.b:7860' -> 'a.b', '[::1]:80' -> '::1')."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]")[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_loopback(server_name: str) -> bool:
    """True when the app listens on loopback only."""
    name = _host_name(server_name)
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class HostGuard:
    """ASGI middleware: Host allow-list (DNS rebinding) and same-origin uploads.

    ``allowed`` is the set of Host names served (None: any). ``check_uploads`` refuses
    a browser upload (POST .../upload) whose Origin names another host than the one
    it was sent to, unless that host is allowed; non-browser clients send no Origin.
    """

    def __init__(self, app, allowed: frozenset[str] | None, check_uploads: bool) -> None:
        self.app = app
        self.allowed = allowed
        self.check_uploads = check_uploads

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                       for k, v in scope.get("headers", [])}
            host = headers.get("host", "")
            if self.allowed is not None and _host_name(host) not in self.allowed:
                return await self._refuse(scope, send, 400, (
                    f"Host {host!r} is not served here; add it to QA_ALLOWED_HOSTS"))
            if (self.check_uploads and scope["type"] == "http"
                    and scope.get("method") == "POST"
                    and scope.get("path", "").rstrip("/").endswith("/upload")):
                origin = headers.get("origin")
                if origin:
                    netloc = urlsplit(origin).netloc.lower()
                    same = netloc == host.lower()
                    allowed = self.allowed is not None and _host_name(netloc) in self.allowed
                    if not (same or allowed):
                        return await self._refuse(scope, send, 403, (
                            f"cross-origin upload from {origin!r} refused; upload from the "
                            "app's own page"))
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope, send, status: int, message: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
        await send({"type": "http.response.body", "body": message.encode("utf-8")})


def allowed_hosts(value: str | None, server_name: str) -> frozenset[str] | None:
    """The Host names to serve: QA_ALLOWED_HOSTS (comma-separated, loopback names always
    included; '*' = any); unset: the loopback names when listening on loopback (against
    DNS rebinding), any host otherwise."""
    value = (value or "").strip()
    if value == "*":
        return None
    if not value:
        return LOOPBACK_NAMES if is_loopback(server_name) else None
    given = [h.strip() for h in value.split(",") if h.strip()]
    names = {_host_name(h) for h in given}
    if not names or any("/" in h or " " in h or not n for h, n in zip(given, map(_host_name,
                                                                               given))):
        raise ConfigError(f"QA_ALLOWED_HOSTS={value!r}: give host names separated by commas, "
                          "e.g. qa.example.org,10.0.0.5 (or * for any)")
    return frozenset(names | LOOPBACK_NAMES)
