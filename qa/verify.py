"""Checking an LLM's claims against the paragraphs they cite.

A generated sentence (a *claim*) is supported by a cited paragraph when

- a fitted score over the claim's similarity to the paragraph's best sentence
  (cosine of sentence vectors) and its lexical agreement with the paragraph
  (share of the claim's content words found there, diacritics folded so
  "Pham Minh Chinh" meets "Phạm Minh Chính") reaches the fitted threshold, and
- every number in the claim appears in the paragraph (``qa.text.numbers``
  normalises "3,000" / "3.000"): a wrong figure is never "supported".

The weights and threshold live in ``qa/support.json``, written by
``bench/fit_support.py`` on XQuAD fit paragraphs (its provenance is in the file).

``ClaimSplitter`` cuts a streamed reply into whole claims (a sentence or a line,
with the markers written right after its full stop), so the answerer can verify
each one before showing it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import CalibrationError
from qa.text import STOPWORDS, numbers, stem, tokens

SUPPORT_FILE = Path(__file__).with_name("support.json")
# A marker as models write it: [1], [2, 3], [1; 4].
MARKER = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_MARKERS_AFTER = re.compile(r"(?:\s*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\])+")
# Sentence end: . ! ? … (and closing quotes/brackets), then the markers that belong
# to that sentence, then white space. Whether the next sentence really starts
# there is decided by the character after the space (see ``ClaimSplitter``).
_END = re.compile(r"[.!?…]+[\"'”’)]*")
# Tokens before a full stop that do not end a sentence: initials, list labels and
# common title abbreviations (the same rule as qa.text.sentences uses for sources).
_NO_BREAK = re.compile(r"(?:^|\s)(?:\d{1,3}|[IVXivx]{1,5}|[A-Z]|Mr|Mrs|Ms|Dr|St|No|Vol|Gen|"
                       r"Prof|Jr|Sr|Inc|Co|Ltd|vs|etc|e\.g|i\.e)\.$")


def fold_diacritics(text: str) -> str:
    """Lower case without diacritics ("Phạm Minh Chính" -> "pham minh chinh")."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def strip_markers(text: str) -> str:
    """``text`` without its [n] markers, white space tidied."""
    return re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s{2,}", " ", MARKER.sub("", text))).strip()


def _content(text: str) -> list[str]:
    return [fold_diacritics(stem(t)) for t in tokens(text) if t not in STOPWORDS]


def lexical(claim: str, paragraph: str) -> float:
    """Share of the claim's content words (stemmed, diacritics folded) found in ``paragraph``."""
    words = _content(claim)
    if not words:
        return 0.0
    plain = [fold_diacritics(t) for t in tokens(paragraph)]
    # Adjacent words joined too: English writes Vietnamese names as one word
    # ("Hà Nội" / "Hanoi", "Hải Phòng" / "Haiphong").
    vocab = {stem(t) for t in plain} | {a + b for a, b in zip(plain, plain[1:])}
    return sum(w in vocab for w in words) / len(words)


def missing_numbers(claim: str, paragraph: str) -> set[str]:
    """Numbers of the claim that ``paragraph`` does not contain (empty: they agree)."""
    return numbers(claim) - numbers(paragraph)


@dataclass(frozen=True)
class SupportModel:
    """score = sigmoid(bias + w_cosine * cosine + w_lexical * lexical), supported when
    score >= threshold (all four fitted by bench/fit_support.py)."""

    bias: float
    w_cosine: float
    w_lexical: float
    threshold: float
    provenance: str = ""

    def score(self, cosine: float, lexical: float) -> float:
        z = self.bias + self.w_cosine * cosine + self.w_lexical * lexical
        return 1.0 / (1.0 + math.exp(-z))

    def to_dict(self) -> dict:
        return {"bias": self.bias, "w_cosine": self.w_cosine, "w_lexical": self.w_lexical,
                "threshold": self.threshold, "provenance": self.provenance}

    @classmethod
    def load(cls, path: Path | str = SUPPORT_FILE) -> SupportModel:
        """The fitted model; ``CalibrationError`` says how to refit a missing or damaged file."""
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(bias=float(raw["bias"]), w_cosine=float(raw["w_cosine"]),
                       w_lexical=float(raw["w_lexical"]), threshold=float(raw["threshold"]),
                       provenance=str(raw.get("provenance", "")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CalibrationError(
                f"cannot read the citation support model {path} ({exc}); reinstall seedqa or "
                "refit it with `python -m bench.fit_support --xquad DIR`") from exc


@dataclass(frozen=True)
class Support:
    """How well one paragraph supports one claim."""

    supported: bool
    score: float
    cosine: float
    lexical: float
    missing: frozenset[str]  # numbers of the claim the paragraph lacks
    span: tuple[int, int]  # the paragraph's sentence closest to the claim


Vectors = Callable[[list[str]], np.ndarray]


class Verifier:
    """Scores claims against paragraphs.

    ``sentence_vectors(texts)`` returns L2-normalised vectors of paragraph sentences
    (the assistant's cached sentence vectors); ``claim_vectors(texts)`` embeds claims
    the same way (as passages, so both sides are comparable); ``split(text)`` gives
    a paragraph's quotable sentence spans.
    """

    def __init__(self, sentence_vectors: Vectors, claim_vectors: Vectors,
                 split: Callable[[str], list[tuple[int, int]]],
                 model: SupportModel | None = None) -> None:
        self.sentence_vectors = sentence_vectors
        self.claim_vectors = claim_vectors
        self.split = split
        self.model = model or SupportModel.load()

    def check(self, claim: str, paragraphs: Sequence[str]) -> list[Support]:
        """The support of each of ``paragraphs`` for ``claim`` (markers already stripped)."""
        if not paragraphs:
            return []
        cvec = np.asarray(self.claim_vectors([claim]), dtype=np.float32)[0]
        out = []
        for text in paragraphs:
            cands = self.split(text) or [(0, len(text))]
            sims = np.asarray(self.sentence_vectors([text[s:e] for s, e in cands])) @ cvec
            best = int(np.argmax(sims))
            out.append(self.judge(claim, text, float(sims[best]), cands[best]))
        return out

    def judge(self, claim: str, paragraph: str, cosine: float,
              span: tuple[int, int] = (0, 0)) -> Support:
        """The verdict from a known best-sentence cosine (also used by the fitting script)."""
        lex = lexical(claim, paragraph)
        score = self.model.score(cosine, lex)
        missing = frozenset(missing_numbers(claim, paragraph))
        return Support(supported=score >= self.model.threshold and not missing, score=score,
                       cosine=cosine, lexical=lex, missing=missing, span=span)


class ClaimSplitter:
    """Cuts streamed text into claims: ``feed`` returns the claims completed so far,
    ``close`` the rest. Each claim keeps the white space that preceded it, and the
    markers written after its full stop ("... in 2025. [2]") belong to it.

    A sentence is complete once the next one has visibly started (white space, then
    a character that is not a marker or a lower-case letter) or a line ends.
    """

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, chunk: str) -> list[str]:
        self._buffer += chunk
        out = []
        while True:
            cut = self._cut(self._buffer)
            if cut is None:
                return out
            out.append(self._buffer[:cut])
            self._buffer = self._buffer[cut:]

    def close(self) -> list[str]:
        rest, self._buffer = self._buffer, ""
        return [rest] if rest.strip() else []

    @staticmethod
    def _cut(text: str) -> int | None:
        """Where the first complete claim of ``text`` ends, if it is complete."""
        lead = len(text) - len(text.lstrip())
        pos = lead
        while True:
            newline = text.find("\n", pos)
            end = _END.search(text, pos)
            if end is None and newline == -1:
                return None
            if end is None or (newline != -1 and newline < end.start()):
                # A line break always ends a claim (list items, headings).
                if text[lead:newline].strip():
                    return newline
                pos = newline + 1
                continue
            stop = end.end()
            markers = _MARKERS_AFTER.match(text, stop)
            stop = markers.end() if markers else stop
            rest = text[stop:]
            if not rest or not rest[0].isspace():
                if rest and end.end() < len(text):
                    pos = end.end()  # "2.5", "U.S.": not an end
                    continue
                return None  # more may follow (markers, a decimal)
            after = rest.lstrip(" \t")
            if not after:
                return None  # cannot tell yet what comes next
            if after[0] == "\n" or (not after[0].islower() and after[0] != "["
                                    and not _NO_BREAK.search(text[lead:end.start() + 1])):
                return stop
            pos = end.end()
