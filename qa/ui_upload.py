"""Adding documents from the browser: each uploaded file is checked (type, safe
name, id collision, size, empty, then read as the corpus reads it), the accepted ones are
written into the uploads folder and indexed by one incremental ingest, undone if it
fails; the result is an HTML report of what was added and what was refused.
"""

from __future__ import annotations

import errno
import inspect
import os
import re
import shutil
import unicodedata
from pathlib import Path

from qa.assistant import Assistant
from qa.corpus import SUFFIXES, parse_bytes
from qa.errors import CorpusError, StoreFull
from qa.ui_context import _uploads, friendly
from qa.ui_panels import render_upload

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_NAME_CHARS = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A file name reduced to its base name in safe characters (may come back empty).

    Directory parts (either slash) are dropped, accents are folded to ASCII,
    anything outside ``A-Z a-z 0-9 . _ -`` becomes ``_``, and leading dots go,
    so the result cannot leave the uploads folder or hide from the indexer.
    """
    base = re.split(r"[\\/]", str(name))[-1]
    base = base.replace("đ", "d").replace("Đ", "D")
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = _UNSAFE.sub("_", stem).strip("._-")[:MAX_NAME_CHARS].rstrip("._-")
    ext = _UNSAFE.sub("", ext).lower()
    return f"{stem}.{ext}" if stem and ext else stem


def check_upload(path: Path, name: str, taken: set[str]) -> tuple[str, str | None]:
    """(safe file name, None) if the file may be added, else (name, reason)."""
    clean = safe_name(name)
    stem, suffix = Path(clean).stem, Path(clean).suffix
    if suffix not in SUFFIXES:
        return name, (f"wrong file type {Path(name).suffix or '(none)'!r}; use one of "
                      f"{', '.join(SUFFIXES)}")
    if not stem:
        return name, "the name has no usable characters; rename the file"
    if stem.casefold() in taken:
        return name, (f"a document with id {stem!r} already exists; rename the file to "
                      "add it as a new document")
    try:
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            return name, f"file is {size / 2**20:.1f} MB; the limit is 10 MB per file"
        raw = path.read_bytes()
    except OSError as exc:
        return name, f"cannot read the upload ({exc.strerror or exc})"
    if not raw.strip():
        return name, "file is empty"
    try:
        parse_bytes(stem, raw, suffix)
    except CorpusError as exc:
        return name, str(exc)
    return clean, None


def _taken_ids(assistant: Assistant, replace: bool = False) -> set[str]:
    """Document ids a new upload may not use (casefolded); with ``replace``, earlier
    uploads may be overwritten, corpus documents never."""
    taken = {d.casefold() for d in assistant.catalog.documents}
    for folder in assistant.folders:
        if folder.is_dir():
            taken |= {p.stem.casefold() for p in folder.iterdir()
                      if p.suffix.lower() in SUFFIXES}
    if replace:
        corpus = Path(assistant.config.corpus_dir)
        in_corpus = ({p.stem.casefold() for p in corpus.iterdir()
                      if p.suffix.lower() in SUFFIXES} if corpus.is_dir() else set())
        taken -= {d.casefold() for d in _uploads(assistant)} - in_corpus
    return taken


def _upload_path_and_name(item) -> tuple[Path, str]:
    # Gradio passes file paths (type="filepath"); FileData-like objects have .path/.name.
    if isinstance(item, dict):
        path = item.get("path") or item.get("name")
        return Path(path), item.get("orig_name") or Path(path).name
    path = getattr(item, "path", None) or getattr(item, "name", None) or item
    return Path(str(path)), Path(str(path)).name


def _copy(source: Path, target: Path, folder: Path) -> None:
    """Copy an upload into the uploads folder; a full or read-only disk is StoreFull,
    named, and leaves no partial file (the index is not touched)."""
    try:
        shutil.copyfile(source, target)
    except OSError as exc:
        target.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM):
            raise StoreFull(f"cannot save the upload in {folder}: {exc.strerror}; free space "
                            "or fix permissions there, then upload again (the index is "
                            "unchanged)") from exc
        raise


def add_documents(assistant: Assistant, files: list | None, lang: str = "en",
                  on_progress=None, replace: bool = False, on_wait=None) -> str:
    """Copy valid uploads into ``uploads_dir`` and ingest; HTML report.

    Every file is checked first (type, name collision, size, empty, binary,
    readable as the corpus reads it); files are written under a hidden temporary name and
    renamed, then one incremental ingest adds them (``on_progress(file, done,
    total)`` while embedding; ``on_wait(pid)`` once if another ingest must finish
    first). With ``replace``, a file named like an earlier
    upload replaces it (re-indexed incrementally). Nothing else indexed before is
    touched; if the ingest fails, the new files are removed again, replaced ones
    restored, and the error is shown.
    """
    accepted: list[tuple[str, Path]] = []
    rejected: list[tuple[str, str]] = []
    taken = _taken_ids(assistant, replace)
    for item in files or []:
        path, name = _upload_path_and_name(item)
        clean, why = check_upload(path, name, taken)
        if why:
            rejected.append((name, why))
            continue
        taken.add(Path(clean).stem.casefold())
        accepted.append((clean, path))
    if not accepted:
        return render_upload([], rejected, None, lang)
    folder = assistant.uploads_dir
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    kept: list[tuple[Path, Path]] = []  # (hidden copy of a replaced upload, its place)
    accepts = inspect.signature(assistant.ingest).parameters
    kwargs = {name: fn for name, fn in (("on_progress", on_progress), ("on_wait", on_wait))
              if fn is not None and name in accepts}
    try:
        for clean, source in accepted:
            target = folder / clean
            tmp = folder / f".{clean}.part"
            with friendly():
                _copy(source, tmp, folder)
            for old in folder.iterdir():  # the upload this one replaces (any suffix)
                if old.is_file() and old.stem.casefold() == target.stem.casefold() and \
                        not old.name.startswith("."):
                    hidden = folder / f".{old.name}.old"
                    os.replace(old, hidden)
                    kept.append((hidden, old))
            os.replace(tmp, target)
            written.append(target)
        with friendly():
            report = assistant.ingest(**kwargs)
    except BaseException:
        for target in written:
            target.unlink(missing_ok=True)
        for hidden, place in kept:
            os.replace(hidden, place)
        raise
    for hidden, _ in kept:
        hidden.unlink(missing_ok=True)
    docs = assistant.catalog.documents
    done = [(Path(clean).stem, len(docs.get(Path(clean).stem, ()))) for clean, _ in accepted]
    replaced = {place.stem for _, place in kept}
    return render_upload(done, rejected, report, lang, replaced=replaced)
