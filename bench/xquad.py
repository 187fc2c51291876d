"""XQuAD (English + Vietnamese) as parallel paragraphs and questions for retrieval benchmarks.

XQuAD (Artetxe et al., 2020; CC BY-SA 4.0) is 240 SQuAD v1.1 paragraphs and their
1190 questions, professionally translated. Both files hold the same articles,
paragraphs and question ids in the same order; ``load`` checks that by id.

    from bench.xquad import load, write_corpus
    data = load()                        # everything
    quick = load(limit=60)               # first 60 paragraphs and their questions
    data.paragraphs["vi"][3].key         # 'vi_003'
    write_corpus(data.paragraphs["en"], "/tmp/en")   # one <lang>_<index:03d>.txt per paragraph
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(os.environ.get(
    "XQUAD_DIR", Path(__file__).resolve().parents[2] / "shared" / "bench" / "xquad"))
LANGS = ("en", "vi")
LICENSE = "CC BY-SA 4.0 (XQuAD, Artetxe et al. 2020, from SQuAD v1.1)"


def paragraph_key(lang: str, index: int) -> str:
    """The key (and file stem) of a paragraph: ``<lang>_<index:03d>``."""
    return f"{lang}_{index:03d}"


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
    article: str  # Wikipedia article title (same in every language)

    @property
    def id(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        return paragraph_key(self.lang, self.index)


@dataclass(frozen=True)
class XQuestion:
    """One question; ``index`` is the position of its paragraph (shared by the languages)."""

    id: str
    lang: str
    question: str
    answers: tuple[str, ...]
    index: int


@dataclass
class XQuAD:
    """Paragraphs and questions per language, aligned by paragraph index."""

    paragraphs: dict[str, list[XParagraph]] = field(default_factory=dict)
    questions: dict[str, list[XQuestion]] = field(default_factory=dict)

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(self.paragraphs)

    @property
    def indices(self) -> list[int]:
        """Paragraph indices present (the same for every language)."""
        first = next(iter(self.paragraphs.values()), [])
        return [p.index for p in first]

    def summary(self) -> str:
        parts = [f"{lang}: {len(self.paragraphs[lang])} paragraphs, "
                 f"{len(self.questions[lang])} questions" for lang in self.langs]
        return "; ".join(parts)


def _read(lang: str, data_dir: Path) -> tuple[list[XParagraph], list[XQuestion]]:
    path = Path(data_dir) / f"xquad.{lang}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{path} not found; set XQUAD_DIR to the folder holding "
                                f"xquad.<lang>.json") from exc
    paragraphs: list[XParagraph] = []
    questions: list[XQuestion] = []
    for article in raw["data"]:
        for para in article["paragraphs"]:
            index = len(paragraphs)
            paragraphs.append(XParagraph(lang=lang, index=index, text=para["context"],
                                         article=article.get("title", "")))
            for qa in para["qas"]:
                questions.append(XQuestion(
                    id=qa["id"], lang=lang, question=qa["question"].strip(),
                    answers=tuple(a["text"] for a in qa.get("answers", [])), index=index,
                ))
    return paragraphs, questions


def _check_aligned(data: dict[str, tuple[list[XParagraph], list[XQuestion]]]) -> None:
    """Raise ValueError unless every language has the same paragraphs and question ids."""
    langs = list(data)
    ref_p, ref_q = data[langs[0]]
    for lang in langs[1:]:
        paras, qs = data[lang]
        if len(paras) != len(ref_p):
            raise ValueError(f"{lang}: {len(paras)} paragraphs, {langs[0]}: {len(ref_p)}")
        for a, b in zip(ref_p, paras, strict=True):
            if a.article != b.article:
                raise ValueError(f"paragraph {a.index}: article {a.article!r} vs {b.article!r}")
        mine, ref = [(q.id, q.index) for q in qs], [(q.id, q.index) for q in ref_q]
        if mine != ref:
            first = next((i for i, (a, b) in enumerate(zip(ref, mine, strict=False)) if a != b),
                         min(len(ref), len(mine)))
            raise ValueError(f"{lang}: {len(mine)} questions vs {len(ref)} in {langs[0]}; "
                             f"ids/paragraphs first differ at question {first}")
        if len({q.id for q in qs}) != len(qs):
            raise ValueError(f"{lang}: duplicate question ids")


def load(langs: Iterable[str] = LANGS, *, limit: int | None = None,
         select: slice | None = None, data_dir: Path | str = DATA_DIR) -> XQuAD:
    """Load XQuAD for ``langs``, verify the alignment, and keep a subset of paragraphs.

    ``select`` (a slice over paragraph positions, e.g. ``slice(0, 240, 4)``) or
    ``limit`` (the first N paragraphs) choose the paragraphs; only their questions
    are kept. Paragraph ``index`` values stay those of the full file.
    """
    langs = tuple(langs)
    raw = {lang: _read(lang, Path(data_dir)) for lang in langs}
    _check_aligned(raw)
    if select is None:
        select = slice(0, limit)
    elif limit is not None:
        raise ValueError("pass either limit or select, not both")
    out = XQuAD()
    for lang, (paras, qs) in raw.items():
        kept = paras[select]
        keep = {p.index for p in kept}
        out.paragraphs[lang] = kept
        out.questions[lang] = [q for q in qs if q.index in keep]
    return out


def write_corpus(paragraphs: Iterable[XParagraph], folder: Path | str) -> list[Path]:
    """Write each paragraph to ``folder/<lang>_<index:03d>.txt`` (UTF-8); return the paths.

    Every XQuAD context is one block (no blank lines), so seedqa reads each file
    as a one-paragraph document whose id is the file stem.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for p in paragraphs:
        path = folder / f"{p.key}.txt"
        path.write_text(p.text.strip() + "\n", encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":  # pragma: no cover - a quick look at the data
    d = load()
    print(d.summary())
    print("alignment by question id and paragraph index: OK")
    for lang in d.langs:
        q = d.questions[lang][0]
        print(lang, q.id, q.question, "->", d.paragraphs[lang][q.index].key, q.answers)
