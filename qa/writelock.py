"""One writer at a time for an embedded store, across processes.

Chroma's embedded store (``PersistentClient``) expects a single writer: two processes
ingesting into one data folder at once (the app taking an upload while ``seedqa
ingest`` runs in a terminal) interleave their writes to its log and HNSW files, and
the store is left unusable ("Failed to apply logs to the hnsw segment writer" on
every later write, or a crash in Chroma's native code on the next read; measured
2026-11-30 with two 1,800-paragraph ingests started together, four runs of four).
Readers do not take the lock: a running app keeps answering while another process
ingests, and loads the new version once it is complete (``tests/test_shared_store.py``).

``WriteLock`` is an advisory ``flock`` on a file in the data folder, held for a whole
ingest. A second writer waits for the first to finish (it then finds the index
current and embeds only what is still missing). The lock is released by the kernel
when its process exits, killed or not, so it never goes stale. Inside one process it
is reentrant (an ingest that reopens the store takes it again) and serialises threads.
Where ``fcntl`` does not exist (Windows), only the in-process part holds.

A Chroma server (``chroma run``) serialises writes itself; no lock is needed there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

from qa.tuning import INGEST

log = logging.getLogger(__name__)

LOCK_NAME = ".write.lock"

_registry: dict[str, WriteLock] = {}
_registry_guard = threading.Lock()


class WriteLock:
    """The exclusive write lock of one data folder (``for_folder`` gives the shared one)."""

    def __init__(self, folder: Path | str) -> None:
        self.path = Path(folder) / LOCK_NAME
        self._thread_lock = threading.RLock()
        self._depth = 0  # nesting depth of the owning thread
        self._fd: int | None = None

    @classmethod
    def for_folder(cls, folder: Path | str) -> WriteLock:
        """The one lock object of ``folder`` in this process (reentrancy needs one)."""
        key = os.path.realpath(folder)
        with _registry_guard:
            if key not in _registry:
                _registry[key] = cls(key)
            return _registry[key]

    def holder(self) -> str:
        """The pid written by the process holding (or last holding) the lock, or ''."""
        try:
            return self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return ""

    def __enter__(self) -> WriteLock:
        return self.acquire()

    def acquire(self, on_wait: Callable[[str], None] | None = None) -> WriteLock:
        """Take the lock, waiting for its holder; ``on_wait(holder pid or '')`` is called
        once if it must wait (the upload panel says so instead of looking stuck)."""
        on_wait = once(on_wait)
        _acquire(self._thread_lock, on_wait)
        if self._depth == 0:
            try:
                self._acquire_file(on_wait)
            except BaseException:
                self._thread_lock.release()
                raise
        self._depth += 1
        return self

    @contextlib.contextmanager
    def held(self, on_wait: Callable[[str], None] | None = None) -> Iterator[WriteLock]:
        """``with lock.held(on_wait):`` — the context manager with a waiting hook."""
        self.acquire(on_wait)
        try:
            yield self
        finally:
            self.release()

    def __exit__(self, *exc) -> None:
        self.release()

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        self._thread_lock.release()

    def _acquire_file(self, on_wait: Callable[[str], None]) -> None:
        if fcntl is None:  # pragma: no cover - not POSIX
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            told = False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not told:
                        who = self.holder()
                        log.warning("another process%s is writing to the index in %s; "
                                    "waiting for it to finish", f" (pid {who})" if who else "",
                                    self.path.parent)
                        on_wait(who)
                        told = True
                    time.sleep(INGEST.lock_poll_seconds)
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd


def once(fn: Callable[[str], None] | None) -> Callable[[str], None]:
    """``fn`` called at most once (a no-op for None): a writer is told once that it waits,
    whichever of its locks it waits for."""
    called = False

    def call(who: str) -> None:
        nonlocal called
        if fn is not None and not called:
            called = True
            fn(who)

    return call


def _acquire(lock, on_wait: Callable[[str], None]) -> None:
    if not lock.acquire(blocking=False):
        on_wait(str(os.getpid()))  # another thread of this process holds it
        lock.acquire()


@contextlib.contextmanager
def waiting(lock, on_wait: Callable[[str], None]) -> Iterator[None]:
    """``with waiting(lock, on_wait):`` holds a threading lock; ``on_wait(this pid)`` is
    called first if another thread holds it."""
    _acquire(lock, on_wait)
    try:
        yield
    finally:
        lock.release()
