"""What kind of answer a question wants (number, date, name, other), learned, en + vi.

A multinomial logistic regression over the question's words and word bigrams
(lower-cased, diacritics kept), fitted by ``bench/fit_scoring.py`` on the
questions of XQuAD's fit paragraphs in both languages. No word list: the
coefficients live in ``qa/scoring.json`` ("answer_type") and are applied here
with numpy, so the product does not need scikit-learn.

Training labels come from each question's gold answer span (``label_answer``):
    1. a date or year pattern (a 4-digit year 1000-2099, an English month name
       next to a number, or Vietnamese "ngày/tháng/năm" + number) -> "date"
    2. else any digit, or a first word that is a cardinal number word
       (two..twenty, hundred, thousand, million, billion; hai..mười, trăm,
       nghìn/ngàn, triệu, tỷ -- not "one"/"một", which also mean "a"; unless
       every word is capitalised, as in "Ba Tư")                     -> "number"
    3. else at least half of its letter-words start with a capital  -> "name"
    4. else                                                         -> "other"
"""

from __future__ import annotations

import re

import numpy as np

from qa.text import tokens

LABELS = ("number", "date", "name", "other")
# Calendar vocabulary, not taken from any question: month names and the
# Vietnamese day/month/year words, each only counted next to a number.
_DATE = re.compile(
    r"\b(1\d{3}|20\d{2})\b|"
    r"\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december)\s+\d|\d\s*(january|february|march|april|may|june|july|august|september|"
    r"october|november|december)\b|"
    r"\b(ngày|tháng|năm)\s+\d", re.IGNORECASE)
_LETTER_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# Cardinal number words (general vocabulary): SQuAD-style answers often spell counts out.
_CARDINAL = frozenset(
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty hundred thousand million "
    "billion hundreds thousands millions billions dozens "
    "hai ba bốn năm sáu bảy tám chín mười trăm nghìn ngàn triệu tỷ tỉ".split())


def label_answer(answer: str) -> str:
    """The answer type of a gold answer span (the rule in the module docstring)."""
    if _DATE.search(answer):
        return "date"
    words = _LETTER_WORD.findall(answer)
    capitalised = sum(w[0].isupper() for w in words)
    # "Ba Tư" (Persia) starts with "ba" (three): several capitalised words are a name.
    spelled = words and words[0].lower() in _CARDINAL and not (
        len(words) > 1 and capitalised == len(words))
    if any(c.isdigit() for c in answer) or spelled:
        return "number"
    if words and 2 * capitalised >= len(words):
        return "name"
    return "other"


def question_features(question: str) -> list[str]:
    """The features of a question: its words and word bigrams ("<s>" marks the start)."""
    toks = ["<s>", *tokens(question)]
    return sorted(set(toks[1:]) | {f"{a} {b}" for a, b in zip(toks, toks[1:])})


class AnswerType:
    """P(answer type | question) from fitted coefficients (``qa/scoring.json`` "answer_type")."""

    def __init__(self, params: dict) -> None:
        self.labels = tuple(params["labels"])
        self.index = {f: i for i, f in enumerate(params["vocab"])}
        self.coef = np.asarray(params["coef"], dtype=np.float64)  # (labels, vocab)
        self.intercept = np.asarray(params["intercept"], dtype=np.float64)  # (labels,)

    def run(self, question: str) -> dict[str, float]:
        """Probability of each label (they sum to 1)."""
        cols = [self.index[f] for f in question_features(question) if f in self.index]
        logits = self.intercept + self.coef[:, cols].sum(axis=1)
        p = np.exp(logits - logits.max())
        p /= p.sum()
        return {label: float(v) for label, v in zip(self.labels, p)}
