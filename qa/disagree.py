"""Disagreeing sources: two documents that state the same thing with different figures.

An answer that quotes one document's figure while another document, just as relevant,
states a different one hides the disagreement from the reader. ``Disagreement`` looks
among the strongest candidate sentences for a statement from another document that
says the same thing (sentence vectors as close as ``ANSWER.redundant``: what the
answerer otherwise drops as a repeat) with different figures, so that the answer can
quote both, cite both and say that the sources differ.

Figures are numbers the question does not name ("US$1.3 billion" vs "US$2 billion"),
and the rival must hold the names and numbers of the question the best sentence holds
(two ports' cranes lifting different tonnages do not disagree).
Years are the answer when a date is asked for; otherwise a different year means another
time, not a disagreement ("1.1 billion in 2022" and "1.3 billion in 2023" both hold).
"""

from __future__ import annotations

import re
from typing import Protocol

import numpy as np

from qa.citations import Catalog
from qa.text import ascii_fold, numbers
from qa.tuning import ANSWER

_YEAR = re.compile(r"^(1[5-9]|2[01])\d\d$")
_WORD = re.compile(r"\w[\w'’-]*")


class _Ranked(Protocol):
    pid: str
    text: str
    probability: float


class Disagreement:
    """Finds the strongest sentence of another document that contradicts the best one."""

    def __init__(self, catalog: Catalog, vectors, *, same: float = ANSWER.redundant,
                 strength: float = ANSWER.rival_share) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.same = same  # cosine at which two sentences make the same statement
        self.strength = strength  # share of the best sentence's probability a rival needs

    def run(self, question: str, ranked: list[_Ranked], date_asked: bool = False
            ) -> _Ranked | None:
        """The rival of ``ranked[0]`` (best first), or None when no document disagrees."""
        if len(ranked) < 2:
            return None
        best = ranked[0]
        asked = numbers(question)
        mine = _figures(best.text, asked, date_asked)
        if not mine:
            return None
        doc = self.catalog.paragraphs[best.pid].doc_id
        named = _mentions(question, self._context(best))
        for s in ranked[1:]:
            if s.probability < self.strength * best.probability:
                break
            if self.catalog.paragraphs[s.pid].doc_id == doc or self._translation(best, s):
                continue
            if not named <= _mentions(question, self._context(s)):
                continue  # about another thing the question does not ask about
            if not date_asked and _years(best.text) and _years(s.text) \
                    and _years(best.text) != _years(s.text):
                continue  # another time, not another figure for the same one
            theirs = _figures(s.text, asked, date_asked)
            if theirs and theirs != mine and self._same_statement(best, s):
                return s
        return None

    def _context(self, s: _Ranked) -> str:
        p = self.catalog.paragraphs[s.pid]
        return f"{p.title} {p.text}"

    def _translation(self, a: _Ranked, b: _Ranked) -> bool:
        pa, pb = self.catalog.paragraphs[a.pid], self.catalog.paragraphs[b.pid]
        return (pb.id in self.catalog.parallel(pa.id)
                or pa.canonical_id == pb.canonical_id)

    def _same_statement(self, a: _Ranked, b: _Ranked) -> bool:
        va, vb = self.vectors.get([a.text, b.text])
        return float(np.dot(va, vb)) >= self.same


def _mentions(question: str, text: str) -> frozenset[str]:
    """The question's names (capitalised words after its first) and numbers that ``text``
    holds, diacritics folded: "the Sundmere crane" is not answered by "the Daskuri crane"
    however alike the two sentences are."""
    words = _WORD.findall(question)[1:]
    terms = {ascii_fold(w) for w in words if w[0].isupper()} | numbers(question)
    return frozenset(terms & ({ascii_fold(w) for w in _WORD.findall(text)} | numbers(text)))


# A token that names a file, a path, a package version or an identifier ("~/pkg-1.0",
# "gentoo-0.9.12.tar.gz", "COVID-19", "python3_x"): a letter in it and a path or
# identifier sign (/ ~ _), a letter joined to a digit by a hyphen, or a digit by a dot to
# letters. Its digits are part of a name, not a figure: two sentences of documentation
# showing one command on two example packages do not disagree.
_NAMED = re.compile(r"\S*(?:[/~_]\S*[^\W\d_]|[^\W\d_]\S*[/~_]|[^\W\d_]-\d|\d\.[^\W\d_]{2})\S*")


def _figures(text: str, asked: set[str], date_asked: bool) -> frozenset[str]:
    """The numbers of ``text`` that could answer: not named by the question, not part of
    a name (``_NAMED``); years only when a date is asked (else they say when, and a
    different one is another time)."""
    found = numbers(_NAMED.sub(" ", text)) - asked
    years = _years(text)
    return frozenset(found & years if date_asked else found - years)


def _years(text: str) -> frozenset[str]:
    return frozenset(n for n in numbers(text) if _YEAR.match(n))
