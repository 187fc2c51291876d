"""The offline answerer: quotes the sentences that answer, each with its citation.

No model writes anything here: every sentence of an answer is a verbatim quote
of a paragraph, chosen by how well it matches the question (sentence and
paragraph embeddings, shared rare words), and the answer is withheld when the
evidence is weak or lacks what the question asks for (a number, a place, the
year the question names).
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.citations import Catalog
from qa.question import Question, names
from qa.retrieve import Scored
from qa.sentvec import SentenceVectors, spans
from qa.text import content_tokens, quantities, tokens
from qa.types import Answer, Citation, Paragraph

CALIBRATION = Path(__file__).with_name("calibration.json")
MAX_SENTENCES = 3
AMOUNT_BONUS = 0.05
RECENCY_BONUS = 0.05
_AMOUNT = re.compile(r"(?:US\s?\$|NZ\$|\$|€|£|USD|VND)\s?\d|\d\s*(?:%|percent|billion|million|"
                     r"thousand|trillion|tỷ|triệu|nghìn)", re.IGNORECASE)
_MONTHS = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|tháng\s*\d{1,2})\b|\b(19|20)\d{2}\b|\d{1,2}/\d{1,2}(/\d{2,4})?", re.IGNORECASE)
# Said before a quote that is not in the question's language.
SOURCE_NOTE = {
    "en": {"vi": "(From a Vietnamese source.)"},
    "vi": {"en": "(Trích nguồn tiếng Anh.)"},
}
NOT_FOUND = {
    "en": "The documents do not say.",
    "vi": "Tài liệu không đề cập đến điều này.",
}


@dataclass(frozen=True)
class Sentence:
    """A candidate quote and the signals that scored it."""

    pid: str
    start: int
    end: int
    text: str
    sim: float  # cosine(question, sentence)
    focus: float  # cosine(question minus its topic words, sentence)
    para: float  # cosine(question, paragraph with header)
    lexical: float  # share of the question's rare words found in the sentence
    score: float


def load_calibration(path: Path = CALIBRATION) -> dict:
    """Weights and threshold fitted by `bench/calibrate.py` on the dev set."""
    defaults = {"weights": {"sim": 1.0, "para": 0.5, "lexical": 0.3},
                "threshold": 0.0, "margin": 0.04}
    try:
        return {**defaults, **json.loads(path.read_text(encoding="utf-8"))}
    except (OSError, ValueError):
        return defaults


class ExtractiveAnswerer:
    """Answers by quoting; decides ``answered`` from calibrated evidence strength."""

    name = "extractive"

    def __init__(self, catalog: Catalog, vectors: SentenceVectors, idf: dict[str, float],
                 bias=lambda q_lang, p_lang: 0.0, calibration: dict | None = None) -> None:
        self.catalog = catalog
        self.bias = bias
        self.languages = {p.language for p in catalog.paragraphs.values()}
        self.vectors = vectors
        self.idf = idf
        self.cal = calibration or load_calibration()

    def sentences(self, q: Question, qvec: np.ndarray, hits: list[Scored]) -> list[Sentence]:
        """Every sentence of the candidate paragraphs, best first."""
        items = []
        for hit in hits:
            p = self.catalog.paragraphs[hit.id]
            items += [(hit, s, e, p.text[s:e]) for s, e in spans(p.text)]
        if not items:
            return []
        svecs = self.vectors.get([t for *_, t in items])
        sims = svecs @ qvec
        focus = focus_text(q.standalone, [self.catalog.paragraphs[h.id] for h in hits])
        fsims = svecs @ self.vectors.embedder.embed_query(focus) if focus else sims
        terms = self._weights(q.standalone)
        w = self.cal["weights"]
        recency = self._recency([h.id for h in hits]) if "recent" in q.expects else {}
        out = []
        for (hit, s, e, text), sim, fsim in zip(items, sims, fsims):
            bias = self.bias(q.language, self.catalog.paragraphs[hit.id].language)
            sim, fsim = float(sim) + bias, float(fsim) + bias
            lex = _coverage(terms, text)
            score = (w["sim"] * sim + w.get("focus", 0.0) * fsim + w["para"] * hit.dense
                     + w["lexical"] * lex + recency.get(hit.id, 0.0))
            out.append(Sentence(hit.id, s, e, text, sim, fsim, hit.dense, lex, score))
        out.sort(key=lambda s: -s.score)
        return out

    def _recency(self, ids: list[str]) -> dict[str, float]:
        """For "most recent ..." questions: a bonus growing with the document date."""
        dates = sorted({self.catalog.paragraphs[i].date for i in ids} - {None})
        if len(dates) < 2:
            return {}
        rank = {d: n / (len(dates) - 1) for n, d in enumerate(dates)}
        return {i: RECENCY_BONUS * rank.get(self.catalog.paragraphs[i].date, 0.0) for i in ids}

    def _weights(self, text: str) -> dict[str, float]:
        default = max(self.idf.values(), default=1.0)
        return {t: self.idf.get(t, default) for t in set(content_tokens(text))}

    def choose(self, q: Question, ranked: list[Sentence]) -> list[Sentence]:
        """The best sentence, plus up to two close runners-up that add something.

        A runner-up is added when it covers question words the chosen sentences
        miss, or, for list questions, when it comes from another document.
        """
        if not ranked:
            return []
        best = ranked[0]
        listing = "list" in q.expects
        margin = self.cal["margin"]
        weights = self._weights(q.standalone)
        chosen = [best]
        for s in ranked[1:]:
            if len(chosen) >= MAX_SENTENCES or s.score < best.score - margin:
                break
            if any(_redundant(s, c, self.vectors) or s.pid in self.catalog.parallel(c.pid)
                   for c in chosen):
                continue  # the same fact again, or its translation
            covered = set(content_tokens(" ".join(c.text for c in chosen)))
            gain = sum(w for t, w in weights.items()
                       if t not in covered and t in set(content_tokens(s.text)))
            other_doc = all(_doc(s.pid) != _doc(c.pid) for c in chosen)
            if listing or other_doc or gain > 0.15 * sum(weights.values()):
                chosen.append(s)
        return chosen

    def strength(self, s: Sentence) -> float:
        """Evidence strength: the calibrated score minus its threshold (> 0 answers)."""
        return s.score - self.cal["threshold"]

    def fits(self, q: Question, s: Sentence) -> bool:
        """Does this sentence hold what the question asks for?

        Numbers and acronyms the question names must appear in the paragraph
        (or its title and date); a how-many question needs a new number, a
        when question a date, a where question a name the question lacks.
        """
        p = self.catalog.paragraphs[s.pid]
        if not _has_key_terms(q, f"{p.text} {p.title} {p.date or ''}"):
            return False
        if "number" in q.expects and not (quantities(s.text) - quantities(q.text)):
            return False
        if "time" in q.expects and not _MONTHS.search(s.text):
            return False
        return not ("place" in q.expects and not _new_names(q.text, s.text))

    def answer(self, q: Question, qvec: np.ndarray, hits: list[Scored]) -> Answer:
        """Quote the answer with citations, or say the documents do not hold it."""
        if not self.grounded(q):
            return self.refusal(q, hits)
        ranked = self.sentences(q, qvec, hits)
        fitting = [s for s in ranked if self.fits(q, s)]
        if "number" in q.expects:
            # An amount ("US$5 billion", "30%") answers "how much" better than a year.
            fitting.sort(key=lambda s: -(s.score + AMOUNT_BONUS * bool(_AMOUNT.search(s.text))))
        # The best evidence must itself be of the asked-for kind: a date found
        # far down the list is not the answer to "when".
        if not fitting or fitting[0].score < ranked[0].score - 2 * self.cal["margin"]:
            return self.refusal(q, hits)
        # Strength is judged on the best match overall: is the topic covered at all?
        if self.strength(ranked[0]) <= 0:
            return self.refusal(q, hits)
        chosen = self.choose(q, fitting)
        citations: list[Citation] = []
        parts = []
        foreign = set()
        for s in sorted(chosen, key=lambda s: (_doc(s.pid), _num(s.pid), s.start)):
            p, start, end = self.in_language(q.language, s)
            if p.language != q.language and q.language in SOURCE_NOTE:
                foreign.add(p.language)
            ids = [c.id for c in citations]
            if p.id in ids:
                n = ids.index(p.id) + 1
            else:
                citations.append(self.catalog.citation(p, p.text[start:end], start, end))
                n = len(citations)
            parts.append(f"{p.text[start:end]} [{n}]")
        text = " ".join(parts)
        notes = [SOURCE_NOTE[q.language][lang] for lang in sorted(foreign)
                 if lang in SOURCE_NOTE[q.language]]
        if notes:
            text = f"{' '.join(notes)} {text}"
        return Answer(text=text, answered=True, citations=citations,
                      question=q.text, backend=self.name)

    def grounded(self, q: Question) -> bool:
        """Does the question name anything the documents contain?

        A question with no content word ("hello", "!!!", markup) or, in a language
        the corpus is written in, with none of its words anywhere in the corpus,
        cannot be answered from it, however close some sentence's embedding is.
        """
        words = [t for t in content_tokens(q.standalone) if len(t) > 1 and not t.isdigit()
                 and t not in _MARKUP]
        if not words:
            return False
        if q.language in self.languages:
            return any(t in self.idf for t in words)
        return True

    def in_language(self, lang: str, s: Sentence) -> tuple[Paragraph, int, int]:
        """The quote in the question's language when a parallel paragraph has it:
        the sentence of that paragraph closest to ``s``; else ``s`` itself."""
        p = self.catalog.paragraphs[s.pid]
        if p.language == lang:
            return p, s.start, s.end
        for alt in self.catalog.parallel(p.id):
            other = self.catalog.paragraphs.get(alt)
            if other is None or other.language != lang:
                continue
            cands = spans(other.text)
            vecs = self.vectors.get([other.text[a:b] for a, b in cands] + [s.text])
            best = int(np.argmax(vecs[:-1] @ vecs[-1]))
            return other, cands[best][0], cands[best][1]
        return p, s.start, s.end

    def refusal(self, q: Question, hits: list[Scored]) -> Answer:
        """The honest 'not in the documents' answer, with the closest paragraphs as related."""
        related = [self.catalog.cite(h.id) for h in hits[:3]]
        return Answer(text=NOT_FOUND.get(q.language, NOT_FOUND["en"]), answered=False,
                      citations=[], related=related, question=q.text, backend=self.name)


def focus_text(question: str, paragraphs: list) -> str:
    """The question without its topic words: those found in at least half of the
    candidate paragraphs (e.g. "Vietnam", "New Zealand"). They cannot tell the
    candidates' sentences apart, yet dominate a sentence embedding's similarity.
    Empty when nothing is left out."""
    if not paragraphs:
        return ""
    seen = [set(tokens(f"{p.title} {p.text}")) for p in paragraphs]
    kept, dropped = [], False
    for word in question.split():
        toks = tokens(word)
        if toks and all(sum(t in s for s in seen) * 2 >= len(seen) for t in toks):
            dropped = True
            continue
        kept.append(word)
    return " ".join(kept) if dropped and kept else ""


_MARKUP = frozenset("script img src onerror alert href div span html body style".split())


def _doc(pid: str) -> str:
    return pid.rsplit(":", 1)[0]


def _num(pid: str) -> int:
    return int(pid.rsplit(":", 1)[1])


def _coverage(weights: dict[str, float], text: str) -> float:
    total = sum(weights.values())
    if not total:
        return 0.0
    found = set(content_tokens(text))
    return sum(w for t, w in weights.items() if t in found) / total


def _redundant(a: Sentence, b: Sentence, vectors: SentenceVectors) -> bool:
    va, vb = vectors.get([a.text, b.text])
    return float(va @ vb) > 0.93


def _fold_ascii(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    return re.sub(r"[\W_]+", "", "".join(c for c in text if not unicodedata.combining(c)))


def _has_key_terms(q: Question, context: str) -> bool:
    if not q.key_terms:
        return True
    # Every sentence of a paragraph is checked against the same context: fold it once.
    folded = _fold_context(context)
    return all(_fold_ascii(t) in folded for t in q.key_terms)


_fold_context = functools.lru_cache(maxsize=16)(_fold_ascii)


def _new_names(question: str, evidence: str) -> set[str]:
    asked = {_fold_ascii(w) for w in names(question)}
    return {w for w in names(evidence)[1:] if _fold_ascii(w) not in asked}


def idf_table(texts: list[str]) -> dict[str, float]:
    """Smoothed inverse document frequency of each content token."""
    df: dict[str, int] = {}
    for text in texts:
        for t in set(content_tokens(text)):
            df[t] = df.get(t, 0) + 1
    n = len(texts)
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
