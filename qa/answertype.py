"""What kind of answer a question wants (number, date, name, other), learned, en + vi.

A multinomial logistic regression over the question's words and word bigrams
(lower-cased, diacritics kept), fitted by ``bench/fit_scoring.py`` on the
questions of XQuAD's fit paragraphs in both languages. No word list: the
coefficients live in ``qa/scoring.json`` ("answer_type") and are applied here
with numpy, so the product does not need scikit-learn.

A model fitted with ``--type-vector`` also reads the question's query vector
(language-centred; ``"vector"`` in the parameters), which carries what XQuAD's words
cannot: an interrogative its translated questions rarely use ("mấy", "bao giờ"). It is
measured, not shipped: held-out XQuAD accuracy 0.722 -> 0.744 and, on 320 questions in
other wordings (``eval/answer-types``), en 0.75 -> 0.80 and vi 0.662 -> 0.719, but no
answer gained on the dev sets' fit splits (README, "Tried and not kept").

Training labels come from each question's gold answer span (``label_answer``):
    1. a date or year pattern (a 4-digit year 1000-2099, an English month name
       next to a number, or Vietnamese "ngày/tháng/năm" + number) -> "date"
    2. else any digit, or a first word that is a cardinal number word
       (two..twenty, hundred, thousand, million, billion; hai..mười, trăm,
       nghìn/ngàn, triệu, tỷ -- not "one"/"một", which also mean "a"; unless
       every word is capitalised, as in "Ba Tư")                     -> "number"
    3. else at least half of its letter-words start with a capital  -> "name"
    4. else                                                         -> "other"

``spelled_counts`` / ``states_count`` read counts written as words in a candidate
sentence (the cardinals above, "one"/"một" and "once/twice/thrice"): the answerer's
number gate and the scorer's number feature accept them next to a word of the question.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from qa.text import ascii_fold, content_tokens, stem, tokens

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
# English month names as dates write them: capitalised ("May 5", not "may 5 people").
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_CALENDAR = r"(?i:ngày|tháng|năm)"
# The figures of a date written out: a day next to a month name ("28 February",
# "February 28"), a numeric date with its year ("28/2/2025", "2025-02-28"), a
# Vietnamese calendar word before a number ("ngày 28", "tháng 2", "năm 2025"), a day
# before "tháng" ("28 tháng 02"), and a year.
_DATE_PARTS = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"\b|\b" + _MONTH
    + r"\.?\s+\d{1,2}\b|\b\d{1,2}[/.-]\d{1,2}[/.-](?:1\d|20)\d\d\b|"
    r"\b(?:1\d|20)\d\d[/.-]\d{1,2}[/.-]\d{1,2}\b|\b\d{1,2}/(?:1\d|20)\d\d\b|"
    r"\b\d{1,2}\s+(?i:tháng)\s+\d{1,2}\b|"
    r"\b" + _CALENDAR + r"\s+\d{1,4}(?:/\d{1,2})?(?:/\d{2,4})?\b|"
    r"\b(?:1\d|20)\d\d\b")
# A range's first figure takes the kind of its second: "25 to 28 February", "25-28/2".
_RANGE_START = re.compile(r"\b(\d{1,2})\s*(?:-|–|to|and|until|đến|tới|và)\s*$",
                          re.IGNORECASE)
# Cardinal number words (general vocabulary): SQuAD-style answers often spell counts out.
_CARDINAL = frozenset(
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty hundred thousand million "
    "billion hundreds thousands millions billions dozens "
    "hai ba bốn năm sáu bảy tám chín mười trăm nghìn ngàn triệu tỷ tỉ".split())


# Counts written as words also answer "how many": the cardinals above, "one" (not in
# them: as an answer's first word it is as often "a", and "một" always is), and the
# multiplicatives, which answer "how many times".
_COUNT_WORDS = _CARDINAL | {"one", "một", "once", "twice", "thrice"}
# A calendar word before a figure ("năm 2025": the year 2025) is a date, not "five".
_DATE_WORD_BEFORE_FIGURE = re.compile(r"\s*\d")


def spelled_counts(text: str) -> list[tuple[int, str]]:
    """(word position, word) of each count written as a word in ``text`` ("two
    universities", "hai bên", "twice"), positions counted in ``_LETTER_WORD`` words. Not
    a word of a name ("Ba Tư", "Seven Years War": capitalised after the first word, next
    to another capitalised word) nor "năm" before a figure (a year)."""
    words = list(_LETTER_WORD.finditer(text))
    out = []
    for i, m in enumerate(words):
        word = m.group(0).lower()
        if word not in _COUNT_WORDS:
            continue
        near = [words[k].group(0) for k in (i - 1, i + 1) if 0 <= k < len(words)]
        if i and m.group(0)[0].isupper() and any(w[0].isupper() for w in near):
            continue
        if word == "năm" and _DATE_WORD_BEFORE_FIGURE.match(text, m.end()):
            continue
        out.append((i, word))
    return out


def states_count(text: str, question: str, window: int | None) -> bool:
    """Does ``text`` write out a count (``spelled_counts``) that ``question`` does not,
    within ``window`` words of a word of the question (0: never; None: anywhere)? "It
    was opened in five phases" states one for "How many phases ...?"; "the two sides
    agreed" does not for "How much was the budget?"."""
    counts = spelled_counts(text)
    if not counts or window == 0:
        return False
    said, about = _question_words(question)
    words = [ascii_fold(stem(w.lower())) for w in _LETTER_WORD.findall(text)]
    return any(word not in said and (window is None or not about.isdisjoint(
        words[max(0, i - window):i] + words[i + 1:i + 1 + window])) for i, word in counts)


@functools.lru_cache(maxsize=64)  # one question, scored against every candidate sentence
def _question_words(question: str) -> tuple[frozenset[str], frozenset[str]]:
    """(its words lower-cased, its content words folded and stemmed): a count it says
    itself, and the words a count must stand near (``states_count``)."""
    return (frozenset(w.lower() for w in _LETTER_WORD.findall(question)),
            frozenset(ascii_fold(t) for t in content_tokens(question)))


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


def date_figures(text: str) -> set[str]:
    """The numbers of ``text`` that are parts of dates (``_DATE_PARTS``, with the first
    figure of a range such as "from 25 to 28 February"), without separators, as
    ``qa.text.numbers`` writes them: a day or a year does not say how many."""
    out: set[str] = set()
    for m in _DATE_PARTS.finditer(text):
        out |= {re.sub(r"[.,]", "", n) for n in re.findall(r"\d+", m.group(0))}
        before = _RANGE_START.search(text[:m.start()])
        if before:
            out.add(before.group(1))
    return out


def question_features(question: str) -> list[str]:
    """The features of a question: its words and word bigrams ("<s>" marks the start)."""
    toks = ["<s>", *tokens(question)]
    return sorted(set(toks[1:]) | {f"{a} {b}" for a, b in zip(toks, toks[1:])})


class AnswerType:
    """P(answer type | question) from fitted coefficients (``qa/scoring.json`` "answer_type").

    ``dims``: the length of the embedder's vectors. The model with the query vector
    (``params["vector"]``) is used when it was fitted in a space of that size (or when
    ``dims`` is None); else the words-only model (the top-level coefficients)."""

    def __init__(self, params: dict, dims: int | None = None) -> None:
        joint = params.get("vector")
        if joint is not None and dims not in (None, len(joint["coef"][0])):
            joint = None
        model = params if joint is None else joint["words"]
        self.labels = tuple(params["labels"])
        self.index = {f: i for i, f in enumerate(model["vocab"])}
        self.coef = np.asarray(model["coef"], dtype=np.float64)  # (labels, vocab)
        self.intercept = np.asarray(model["intercept"], dtype=np.float64)  # (labels,)
        # (labels, dims), the fit's scale folded in; None: words only.
        self.vector_coef = (np.asarray(joint["coef"], dtype=np.float64)
                            if joint is not None else None)
        self.centroids = ({lang: np.asarray(v, dtype=np.float64)
                           for lang, v in joint["centroids"].items()}
                          if joint is not None else {})

    @property
    def uses_vector(self) -> bool:
        return self.vector_coef is not None

    def run(self, question: str, vector: np.ndarray | None = None,
            language: str = "") -> dict[str, float]:
        """Probability of each label (they sum to 1). ``vector``: the question's query
        vector, required when the model uses one; ``language``: the question's, whose
        centroid is taken from it (another language: the fitted languages' mean)."""
        cols = [self.index[f] for f in question_features(question) if f in self.index]
        logits = self.intercept + self.coef[:, cols].sum(axis=1)
        if self.vector_coef is not None:
            if vector is None:
                raise ValueError("this answer-type model reads the question's query vector: "
                                 "pass AnswerType.run(question, vector, language)")
            v = np.asarray(vector, dtype=np.float64)
            mu = self.centroids.get(language)
            if mu is None:
                mu = np.mean(list(self.centroids.values()), axis=0)
            logits = logits + self.vector_coef @ (v / max(np.linalg.norm(v), 1e-12) - mu)
        p = np.exp(logits - logits.max())
        p /= p.sum()
        return {label: float(v) for label, v in zip(self.labels, p)}
