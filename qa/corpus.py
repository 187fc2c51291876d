"""Load a folder of documents and split them into numbered paragraphs with stable ids.

``.txt``: a paragraph is a block of text between blank lines; every non-empty
block counts, numbered from 1 after a leading ``date YYYY-MM[-DD]`` prefix is
removed, so a reader can count them in the file. ``.md``: the blocks a Markdown
viewer shows, in file order (``qa.markdown``). ``.pdf`` and ``.html``: the text
blocks in reading order (``qa.formats``). Repeated blocks keep their number but
point to one canonical paragraph, which is the only one embedded.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from qa import language
from qa.errors import CorpusError
from qa.formats import (
    SECTION_SEP,
    DocxReader,
    EpubReader,
    Extracted,
    HtmlReader,
    NotebookReader,
    OdtReader,
    Part,
    PdfReader,
    RstReader,
)
from qa.markdown import PROSE_KINDS, MarkdownSplitter
from qa.text import match_text, sentences
from qa.types import Document, Paragraph

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt",)
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")
PDF_SUFFIXES = (".pdf",)
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
NOTEBOOK_SUFFIXES = (".ipynb",)
RST_SUFFIXES = (".rst", ".rest")
DOCX_SUFFIXES = (".docx",)
ODT_SUFFIXES = (".odt",)
EPUB_SUFFIXES = (".epub",)
SUFFIXES = (TEXT_SUFFIXES + MARKDOWN_SUFFIXES + PDF_SUFFIXES + HTML_SUFFIXES + NOTEBOOK_SUFFIXES
            + RST_SUFFIXES + DOCX_SUFFIXES + ODT_SUFFIXES + EPUB_SUFFIXES)
MAX_FILE_BYTES = 50 * 1024 * 1024
TITLE_CHARS = 110
# bound: at most this much of a lead-in sentence is embedded (a long sentence's length).
LEAD_CHARS = 300
_DATE_PREFIX = re.compile(r"^\s*date\s+(\d{4}-\d{2}(?:-\d{2})?)(?:\s+|$)")
_BLANK_LINES = re.compile(r"\n[^\S\n]*\n")  # any whitespace, NBSP included
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+(?=[\"“'(]?[A-ZÀ-ỸĐ0-9])")
_PHOTO_CREDIT = re.compile(r"[\s(\-–—]*\b(?:Ảnh|Photo|Nguồn|Source)\s*:\s*[^.()]{1,40}\)?\s*$")
_DATELINE = re.compile(r"^([^\W\d_][^\n—–]{1,30}?)\s+[—–-]\s+")
_LIST_MARKER = re.compile(r"^(?:\d{1,3}|[IVXivx]{1,5})\.\s+")
_ELLIPSIS = ("...", "…")


def load_folder(folder: Path | str) -> tuple[list[Document], list[str]]:
    """Parse every file with a suffix in ``SUFFIXES`` in ``folder`` and its subfolders.

    A file directly in ``folder`` has its stem as document id ("notes.vi.md" ->
    "notes.vi"); one in a subfolder its relative path without the suffix
    ("guide/install.md" -> "guide/install"), so two README.md files in different
    folders are two documents. Hidden files and folders (".git") are left out, and
    symbolic links to folders are not followed (no loops).

    Returns (documents, skipped) where ``skipped`` names each file left out and
    why; a bad file never stops the others from loading.
    """
    folder = Path(folder)
    if folder.is_file():
        raise CorpusError(f"{folder} is a file, not a folder; pass the folder that holds it "
                          "(or upload the file in the app)")
    if not folder.is_dir():
        raise CorpusError(f"corpus folder {folder} does not exist; pass an existing folder "
                          f"of {'/'.join(SUFFIXES)} files (or set QA_CORPUS_DIR)")
    documents: list[Document] = []
    skipped: list[str] = []
    seen: dict[str, Path] = {}
    files, other = _walk(folder)
    for path in files:
        name = path.relative_to(folder).as_posix()
        try:
            doc = load_file(path, document_id(folder, path))
        except CorpusError as exc:
            log.warning("skipping %s: %s", path, exc)
            skipped.append(f"{name}: {exc}")
            continue
        if doc.id in seen:
            first = seen[doc.id].relative_to(folder).as_posix()
            msg = f"document id {doc.id!r} already used by {first}; rename one"
            log.warning("skipping %s: %s", path, msg)
            skipped.append(f"{name}: {msg}")
            continue
        seen[doc.id] = path
        documents.append(doc)
    if other:
        kinds = ", ".join(f"{suffix} ×{n}" for suffix, n in other.items())
        skipped.append(f"{sum(other.values())} file(s) of types seedqa does not read were left "
                       f"out ({kinds}); it reads {', '.join(SUFFIXES)}: convert them (e.g. "
                       "a .doc or .pptx saved as .docx or .pdf) to have them answered from")
    return documents, skipped


def corpus_files(folder: Path) -> list[Path]:
    """The readable-looking files under ``folder``: known suffix, not hidden, in sorted
    path order (a folder's files before its subfolders')."""
    return _walk(folder)[0]


def _walk(folder: Path) -> tuple[list[Path], dict[str, int]]:
    """(``corpus_files``, suffix -> count of the visible files not read, most frequent
    first), in one walk of the folder."""
    out: list[Path] = []
    other: dict[str, int] = {}
    for root, dirs, files in os.walk(folder):  # followlinks=False: no symlink loops
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            path = Path(root) / f
            suffix = path.suffix.lower()
            if f.startswith(".") or not path.is_file():
                continue
            if suffix in SUFFIXES:
                out.append(path)
            else:
                other[suffix or "(no suffix)"] = other.get(suffix or "(no suffix)", 0) + 1
    return out, dict(sorted(other.items(), key=lambda kv: (-kv[1], kv[0])))


def document_id(folder: Path, path: Path) -> str:
    """A file's document id: its path under ``folder`` without the suffix, "/"-separated."""
    rel = path.relative_to(folder)
    return (rel.parent / rel.stem).as_posix() if rel.parent != Path(".") else rel.stem


def load_file(path: Path, doc_id: str | None = None) -> Document:
    """Parse one file (document id ``doc_id``, default its stem); raise ``CorpusError``
    if it cannot be read as its suffix says."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CorpusError(f"file is {size // 2**20} MB, over the {MAX_FILE_BYTES // 2**20} MB "
                              "limit; split it into smaller files")
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read file ({exc.strerror or exc})") from exc
    return parse_bytes(doc_id or path.stem, raw, path.suffix, str(path))


def parse_bytes(doc_id: str, raw: bytes, suffix: str, path: str = "") -> Document:
    """Parse a file's bytes by its suffix (``.txt``, ``.md``, ``.pdf``, ``.html``...).

    Raises ``CorpusError`` with a fix for anything unusable: an unknown suffix, a
    binary or non-UTF-8 text file, an encrypted or scanned PDF, an empty document.
    """
    suffix = suffix.lower()
    if suffix in PDF_SUFFIXES:
        return build_document(doc_id, path, PdfReader().run(raw))
    if suffix in NOTEBOOK_SUFFIXES:
        return parse_markdown(doc_id, NotebookReader().run(raw), path)
    if suffix in DOCX_SUFFIXES:
        return build_document(doc_id, path, DocxReader().run(raw))
    if suffix in ODT_SUFFIXES:
        return build_document(doc_id, path, OdtReader().run(raw))
    if suffix in EPUB_SUFFIXES:
        return build_document(doc_id, path, EpubReader().run(raw))
    if suffix not in SUFFIXES:
        raise CorpusError(f"unsupported file type {suffix or '(none)'!r}; use one of "
                          f"{', '.join(SUFFIXES)}")
    text = decode_text(raw, path or doc_id)
    if suffix not in HTML_SUFFIXES:  # hand-edited text; an HTML page is generated
        text = without_conflict_markers(text, path or doc_id)
    if suffix in MARKDOWN_SUFFIXES:
        return parse_markdown(doc_id, text, path)
    if suffix in HTML_SUFFIXES:
        return build_document(doc_id, path, HtmlReader().run(text))
    if suffix in RST_SUFFIXES:
        return build_document(doc_id, path, RstReader().run(text))
    return parse_document(doc_id, text, path)


# git's merge-conflict markers, each on a line of its own: "<<<<<<< ours", "||||||| base"
# (diff3 style), "=======", ">>>>>>> theirs".
_CONFLICT_OPEN = re.compile(r"<{7}(?: .*)?")
_CONFLICT_BASE = re.compile(r"\|{7}(?: .*)?")
_CONFLICT_CLOSE = re.compile(r">{7}(?: .*)?")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def without_conflict_markers(text: str, name: str = "") -> str:
    """``text`` without the marker lines of unresolved git merge conflicts, keeping both
    sides (not the diff3 base): a marker line is no sentence of the document, and
    "=======" under a line would make that line a Markdown heading. Only complete
    conflicts (open, separator, close, in that order) outside fenced code are read so
    (a page about git shows them in a code block); a file that has one is named in a
    warning, to be resolved."""
    if "<<<<<<<" not in text:
        return text
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    block: list[str] = []  # the lines of the open conflict, markers included
    keep: list[str] = []  # its lines without markers and base
    state, found, fence = "", 0, ""
    for line in lines:
        bare = line.rstrip("\r\n")
        if not state:
            mark = _FENCE.match(bare)
            if mark and (not fence or mark.group(1).startswith(fence)):
                fence = "" if fence else mark.group(1)
            if fence or not _CONFLICT_OPEN.fullmatch(bare):
                out.append(line)
            else:
                state, block, keep = "ours", [line], []
            continue
        block.append(line)
        if state == "ours" and _CONFLICT_BASE.fullmatch(bare):
            state = "base"
        elif state in ("ours", "base") and bare == "=======":
            state = "theirs"
        elif state == "theirs" and _CONFLICT_CLOSE.fullmatch(bare):
            out += keep
            state, found = "", found + 1
        elif _CONFLICT_OPEN.fullmatch(bare):  # an unclosed conflict: kept as written
            out += block[:-1]
            block, keep = [line], []
            state = "ours"
        elif state != "base":
            keep.append(line)
    out += block if state else []
    if found:
        log.warning("%s holds %d unresolved git merge conflict(s): both sides are indexed "
                    "without their markers; resolve them and ingest again", name or "a file",
                    found)
    return "".join(out)


# Byte-order marks, longest first (UTF-32 LE starts with UTF-16 LE's).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(raw: bytes, name: str = "") -> str:
    """The text of a file's bytes, composed (NFC), or ``CorpusError``.

    UTF-8, or the encoding a byte-order mark names (UTF-8/16/32, as Windows tools
    save); without a mark and not UTF-8, the encoding charset-normalizer finds
    (cp1252, cp1258, ...), with a warning naming it. NUL bytes without a mark are a
    binary file. Composed, because Vietnamese saved decomposed (cp1258 writes tone
    marks as combining characters, macOS file names and some editors too) would match
    neither the language tags nor a question typed the usual way.
    """
    return _composed(_decoded(raw, name))


def _decoded(raw: bytes, name: str) -> str:
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError as exc:
                raise CorpusError(f"starts with a {codec} byte-order mark but is not valid "
                                  f"{codec} (byte {exc.start}); re-save the file as UTF-8"
                                  ) from exc
    if b"\x00" in raw:
        raise CorpusError("binary file (contains NUL bytes); convert it to UTF-8 text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        import charset_normalizer  # only for the rare file that is not UTF-8

        found = charset_normalizer.from_bytes(raw)
        best = found.best()
        if best is None:
            raise CorpusError(f"not valid UTF-8 (byte {exc.start}) and no other text encoding "
                              "fits; re-save the file as UTF-8") from exc
        encoding, text = best.encoding, str(best)
        # A short text fits several code pages equally well ("crêpes" in cp1250 reads
        # "crępes"); among equals, Windows-1252, the usual legacy Latin encoding, wins.
        if any(m.chaos == best.chaos and m.coherence == best.coherence
               and "cp1252" in (m.encoding, *m.could_be_from_charset) for m in found):
            encoding, text = "cp1252", raw.decode("cp1252", errors="replace")
        log.warning("%s is not UTF-8: read as %s (re-save it as UTF-8 to be sure)",
                    name or "a file", encoding)
        return text


def _split_date(text: str) -> tuple[str | None, str]:
    """(date of a leading ``date YYYY-MM[-DD]`` line or None, the text after it), with
    line ends normalised and a byte-order mark dropped."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    match = _DATE_PREFIX.match(text)
    if match:
        return match.group(1), text[match.end():]
    return None, text


def parse_document(doc_id: str, text: str, path: str = "") -> Document:
    """Split ``text`` into a Document with numbered, deduplicated paragraphs."""
    date, text = _split_date(text)
    blocks = [b.strip() for b in _BLANK_LINES.split(text)]
    blocks = [b for b in blocks if b]
    if not blocks:
        raise CorpusError("file is empty (no text after the date prefix); add text or remove it")
    title = make_title(blocks[0])
    headline = _reads_as_heading(_norm(blocks[0]))  # else the title is cut from a sentence
    canon = canonical_numbers(blocks)
    paragraphs = tuple(
        Paragraph(
            id=f"{doc_id}:{n}", doc_id=doc_id, number=n, text=block, title=title,
            date=date, language=language.detect(block), canonical_id=f"{doc_id}:{canon[n - 1]}",
            kind="heading" if headline and repeats_title(block, title) else "text",
        )
        for n, block in enumerate(blocks, start=1)
    )
    return Document(id=doc_id, path=path, title=title, date=date, paragraphs=paragraphs)


def parse_markdown(doc_id: str, text: str, path: str = "", list_items: bool = False) -> Document:
    """Split Markdown ``text`` into a Document: one paragraph per block a viewer shows.

    The title is the front matter's ``title``, else a heading that comes before any
    prose, else the start of the first prose block; that heading is left out of the
    section paths. A ``date YYYY-MM[-DD]`` prefix or a front matter ``date`` is the date.
    """
    date, text = _split_date(text)
    blocks, front = MarkdownSplitter(list_items=list_items).run(text)
    if not any(b.kind != "markup" for b in blocks):
        raise CorpusError("file is empty (no text outside markup); add text or remove it")
    date = date or _front_date(front.date)
    title_index = next((i for i, b in enumerate(blocks) if b.kind in PROSE_KINDS
                        or b.kind == "heading"), None)
    if title_index is not None and blocks[title_index].kind != "heading":
        title_index = None
    if front.title:
        title = _trim(_norm(front.title), TITLE_CHARS)
    elif title_index is not None:
        title = _trim(_norm(match_text(blocks[title_index].text)), TITLE_CHARS)
    else:
        first = next(b for b in blocks if b.kind != "markup")
        title = make_title(match_text(first.text) or first.text)
    # The heading that gave the title is not repeated in every section path.
    skip = title_index if not front.title else None
    parts = []
    for b in blocks:
        names = [name for name, i in zip(b.section, b.parents) if i != skip]
        names += [match_text(t) for t in b.containers if match_text(t)]
        parts.append(Part(b.text, b.kind, SECTION_SEP.join(names)))
    return build_document(doc_id, path, Extracted(parts=tuple(parts), title=title, date=date))


def _composed(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def build_document(doc_id: str, path: str, extracted: Extracted) -> Document:
    """Number the parts of a structured document and tag each one's language.

    Prose blocks are tagged by ``language.detect_block``, with the document's
    language as the prior; code and markup blocks take the document's language.
    """
    # Composed (NFC) text, as Vietnamese is usually typed: text extracted from a PDF or
    # Word file may carry its tone marks as combining characters, which neither the
    # language tags nor a question typed composed would match.
    parts = [replace(p, text=_composed(p.text), section=_composed(p.section))
             for p in extracted.parts if p.text.strip()]
    if not parts or not any(p.kind != "markup" for p in parts):
        raise CorpusError("no text found in the document; add text or remove it")
    title = _composed(extracted.title)
    if not title:
        first = next(p for p in parts if p.kind != "markup")
        title = make_title(match_text(first.text) or first.text)
    clean = [match_text(p.text) for p in parts]
    is_prose = [p.kind in PROSE_KINDS or p.kind == "heading" for p in parts]
    detected = [language.detect(c) if prose else "und" for c, prose in zip(clean, is_prose)]
    doc_lang = language.majority([c for c, prose in zip(clean, is_prose) if prose],
                                 [d for d, prose in zip(detected, is_prose) if prose])
    canon = canonical_numbers([p.text for p in parts])
    leads: list[str] = []
    for i in range(len(parts)):
        # Items of one list (list_items=True) share the list's lead-in.
        same_list = i > 0 and parts[i].kind == parts[i - 1].kind == "list"
        leads.append(leads[i - 1] if same_list else _lead_in(parts, clean, i))
    paragraphs = tuple(
        Paragraph(
            id=f"{doc_id}:{n}", doc_id=doc_id, number=n, text=part.text, title=title,
            date=extracted.date,
            language=language.detect_block(c, doc_lang, lang) if prose else doc_lang,
            canonical_id=f"{doc_id}:{canon[n - 1]}", section=part.section, kind=part.kind,
            page=part.page, lead=lead,
        )
        for n, (part, c, prose, lang, lead)
        in enumerate(zip(parts, clean, is_prose, detected, leads), start=1)
    )
    return Document(id=doc_id, path=path, title=title, date=extracted.date,
                    paragraphs=paragraphs)


def _lead_in(parts: list[Part], clean: list[str], i: int) -> str:
    """The text block ending in ':' right before a list/table/code block, else ""."""
    if i == 0 or parts[i].kind not in ("list", "table", "code") or parts[i - 1].kind != "text":
        return ""
    before = clean[i - 1].rstrip()
    if not before.endswith(":"):
        return ""
    start, end = sentences(before)[-1]  # its last sentence introduces the block
    return before[start:end][-LEAD_CHARS:]


def _front_date(value: str | None) -> str | None:
    match = re.match(r"(\d{4}-\d{2}(?:-\d{2})?)", value or "")
    return match.group(1) if match else None


def _norm(text: str) -> str:
    return " ".join(text.split())


def canonical_numbers(blocks: list[str]) -> list[int]:
    """For each block (1-based numbers), the number of the block it duplicates, or itself.

    Exact repeats (after whitespace normalisation) point to the first copy; a block
    ending in "..." that is a prefix of another block points to that full block.
    """
    norms = [_norm(b) for b in blocks]
    first: dict[str, int] = {}
    canon = []
    for n, norm in enumerate(norms, start=1):
        canon.append(first.setdefault(norm, n))
    for i, norm in enumerate(norms):
        if not norm.endswith(_ELLIPSIS):
            continue
        stem = norm.rstrip(".… ").strip()
        if len(stem) < 20:
            continue
        full = [j for j, other in enumerate(norms)
                if j != i and len(other) > len(stem) and other.startswith(stem)
                and not other.endswith(_ELLIPSIS)]
        if full:
            later = [j for j in full if j > i]
            canon[i] = canon[(later or full)[0]]
    return canon


def make_title(first_block: str) -> str:
    """The first block when it reads as a heading, else the start of its first sentence."""
    block = _PHOTO_CREDIT.sub("", _norm(first_block)).strip() or _norm(first_block)
    if _reads_as_heading(block):
        title = _strip_site_suffix(block)
    else:
        body = _LIST_MARKER.sub("", _strip_dateline(block))
        title = _SENTENCE_END.split(body, maxsplit=1)[0]
    return _trim(title, TITLE_CHARS)


def repeats_title(block: str, title: str) -> bool:
    """True when a plain-text block is the document's title line (the first block read as
    a heading, a site name after it or not), or a later repeat of it.

    Such a block is a heading: counted, but never quoted or retrieved on its own; its
    words reach retrieval through the title embedded with every paragraph
    (``qa.embed.passage_text``). Scraped pages repeat their headline above the body
    (the seeds' joint statement has it three times), and a bare headline, close to every
    question about its page, pushed the paragraphs that answer out of the top five."""
    # Exactly the title (no photo credit cut off, not trimmed): a caption with a credit
    # or a headline too long for a title says more than the title does.
    norm = _norm(block)
    return _reads_as_heading(norm) and _strip_site_suffix(norm) == title


def _reads_as_heading(block: str) -> bool:
    return len(block) <= 200 and not block.endswith((".", "!", "?", ":", ";", ","))


def _strip_site_suffix(title: str) -> str:
    # "Headline – SITE NAME": a trailing all-capitals segment names the website.
    head, sep, tail = title.rpartition(" – ")
    if sep and head and tail.isupper() and len(head) >= 20:
        return head
    return title


def _strip_dateline(block: str) -> str:
    # "HÀ NỘI — President ..." / "ASTANA — ...": drop the capitalised place name.
    match = _DATELINE.match(block)
    if match and match.group(1).isupper():
        return block[match.end():]
    return block


def _trim(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:–— ")
    return cut + "…"


def split_id(pid: str) -> tuple[str, int] | None:
    """Split a paragraph id into (doc_id, number), or None when it is malformed."""
    if not isinstance(pid, str) or len(pid) > 512 or "\x00" in pid:
        return None
    doc_id, sep, num = pid.strip().rpartition(":")
    if not sep or not doc_id or not (num.isascii() and num.isdigit()) or num.startswith("0"):
        return None
    return doc_id, int(num)
