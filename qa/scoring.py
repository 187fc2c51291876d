"""Learned sentence scoring and answerability for the offline answerer.

Three small models, all fitted by ``bench/fit_scoring.py --xquad PATH`` on the
questions of XQuAD's *fit* paragraphs (en, vi and the cross-lingual pairs) and
stored in ``qa/scoring.json`` with their provenance; applied here with numpy
(no scikit-learn at run time):

- ``AnswerType`` (``qa.answertype``): P(number | date | name | other) of a question.
- ``SentenceScorer``: P(this candidate sentence holds the answer) from
  ``sentence_features`` (logistic regression).
- ``Answerability``: P(the corpus answers the question) from the best
  candidates' features and scores; ``answered`` when it reaches a threshold
  chosen for <= 10 % false refusals on the fit data (which may only be lowered
  on the seeds' fit split, see bench/fit_scoring.py).

The features are computed on language-centred vectors when ``params["space"]`` is
"centred": every vector minus the embedder's mean vector for its language
(``params["centroids"]``, measured on XQuAD's fit paragraphs), so a sentence in
another language than the question competes on its content, not on the language
offset of a multilingual embedder (``qa.extractive`` applies it).

Call sequence (per question, after retrieval)::

    params = load_scoring()
    types = AnswerType(params["answer_type"]).run(question, q_vec, q_lang)
    X = sentence_features(question, q_vec, q_lang, types, sentences, s_vecs, s_para,
                          s_pos, paragraphs, p_cos, p_langs, idf)
    probs = SentenceScorer(params["sentence"]).run(X)
    best = int(np.argmax(probs))  # the sentence to quote first
    answered, confidence = Answerability(params["answerability"]).run(X, probs)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from qa.answertype import _DATE, states_count
from qa.errors import CalibrationError
from qa.text import STOPWORDS, ascii_fold, content_tokens, numbers, stem, tokens
from qa.tuning import ANSWER

SCORING = Path(__file__).with_name("scoring.json")
# Bumped whenever the features or the file layout change: an older file is stale.
SCORING_VERSION = 1
FEATURES = (
    "cos_sentence",  # cos(question, sentence)
    "cos_focus",  # cos(question without its topic words, sentence); = cos_sentence if none
    "cos_paragraph",  # cos(question, paragraph), raw (no language bonus)
    "gap_sentence",  # cos_sentence minus the best cos_sentence among the candidates
    "gap_paragraph",  # cos_paragraph minus the best among the candidate paragraphs
    "cover_sentence",  # idf-weighted share of the question's content tokens in the sentence
    "cover_paragraph",  # the same in the whole paragraph
    "key_missing",  # share of the question's numbers and acronyms (qa.question.key_terms)
    #                 absent from the paragraph; 0 when the question has none
    "cos_context",  # the best cos(question, adjacent sentence of the same paragraph)
    "type_number",  # P(number | question) x the sentence has a number the question lacks
    #                 (in figures, or a count in words next to a word of the question)
    "type_date",  # P(date | question) x the sentence has a date the question lacks
    "type_name",  # P(name | question) x the sentence has a capitalised name the question lacks
    "cross",  # 1 when the sentence is not in the question's language
    "cross_cos",  # cross x cos_sentence (cross-lingual cosines run lower)
    "rank",  # log(1 + the paragraph's retrieval rank, 0 = best)
    "position",  # log(1 + the sentence's index in its paragraph)
    "log_words",  # log(1 + words in the sentence)
)
ANSWERABILITY_FEATURES = (*FEATURES, "best_logit", "max_cover_sentence",
                          "max_cover_paragraph", "logit_margin", "log_total_probability")
_REQUIRED = ("version", "provenance", "answer_type", "sentence", "answerability")
_FIX = "run python bench/fit_scoring.py --xquad PATH (PATH: the folder of xquad.en.json)"
_WORD = re.compile(r"\w[\w'’-]*")


def load_scoring(path: Path | str = SCORING) -> dict:
    """The fitted parameters; ``CalibrationError`` when missing, damaged or stale."""
    path = Path(path)
    try:
        params = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CalibrationError(f"{path} is missing; {_FIX}") from exc
    except (OSError, ValueError) as exc:
        raise CalibrationError(f"{path} cannot be read ({exc}); {_FIX}") from exc
    if not isinstance(params, dict) or any(k not in params for k in _REQUIRED):
        raise CalibrationError(f"{path} lacks {', '.join(_REQUIRED)}; {_FIX}")
    if params["version"] != SCORING_VERSION:
        raise CalibrationError(f"{path} has version {params['version']!r}, this code needs "
                               f"{SCORING_VERSION}; {_FIX}")
    if tuple(params["sentence"].get("features", ())) != FEATURES:
        raise CalibrationError(f"{path} was fitted on other sentence features; {_FIX}")
    if tuple(params["answerability"].get("features", ())) != ANSWERABILITY_FEATURES:
        raise CalibrationError(f"{path} was fitted on other answerability features; {_FIX}")
    if params.get("space", "raw") not in ("raw", "centred") or (
            params.get("space") == "centred"
            and set(params.get("centroids", {})) != {"paragraph", "sentence"}):
        raise CalibrationError(f"{path} names no usable feature space (raw, or centred with "
                               f"paragraph and sentence centroids); {_FIX}")
    return params




def _folded(text: str) -> set[str]:
    """Folded content tokens, plus each pair of adjacent tokens written as one word:
    a compound spelled apart in one text and together in another ("Viet Nam" /
    "Vietnam", "data set" / "dataset") still matches."""
    toks = tokens(text)  # once: content tokens are these minus stop words, stemmed
    words = [ascii_fold(t) for t in toks]
    return {ascii_fold(stem(t)) for t in toks if t not in STOPWORDS} | {
        a + b for a, b in zip(words, words[1:])}


def _joined_neighbours(text: str) -> dict[str, set[str]]:
    """Each folded token of ``text`` -> the words it makes with the token before or
    after it ("viet" in "Viet Nam" -> {"vietnam", ...})."""
    words = [ascii_fold(t) for t in tokens(text)]
    out: dict[str, set[str]] = {}
    for a, b in zip(words, words[1:]):
        out.setdefault(a, set()).add(a + b)
        out.setdefault(b, set()).add(a + b)
    return out


def _holds(word: str, found: set[str], joined: dict[str, set[str]],
           via: Mapping[str, frozenset[str]]) -> bool:
    """Does a text (``found``: its ``_folded`` words) hold the question's folded ``word``:
    itself, as one word with its neighbour in the question (``joined``), or a translation
    of it (``via``: ``Lexicon.translations`` into the text's language)?"""
    return (word in found or not joined.get(word, set()).isdisjoint(found)
            or (word in via and not via[word].isdisjoint(found)))


def covers_all(phrase: str, phrase_lang: str, text: str, lang: str, lexicon=None) -> bool:
    """Does ``text`` (written in ``lang``) hold every content word of ``phrase`` (in
    ``phrase_lang``), each as ``_holds`` finds it? False for a phrase of function words."""
    words = {ascii_fold(t) for t in content_tokens(phrase)}
    via = (lexicon.translations(phrase, phrase_lang, lang)
           if lexicon is not None and lang != phrase_lang else {})
    found, joined = _folded(text), _joined_neighbours(phrase)
    return bool(words) and all(_holds(t, found, joined, via) for t in words)


def _dates(text: str) -> set[str]:
    return {ascii_fold(" ".join(m.group(0).split())) for m in _DATE.finditer(text)}


def _new_names(text: str, known: set[str]) -> set[str]:
    """Capitalised words after the first word (which is capitalised anyway), folded,
    that are not in ``known``; two adjacent ones that ``known`` holds written as one word
    ("Việt Nam" when the question says "Vietnam") are not new either."""
    words = _WORD.findall(text)[1:]
    caps = [ascii_fold(w) if w[0].isupper() else "" for w in words]
    out = {c for c in caps if c} - known
    for a, b in zip(caps, caps[1:]):
        if a and b and a + b in known:
            out -= {a, b}
    return out


def sentence_features(question: str, q_vec: np.ndarray, q_lang: str,
                      types: Mapping[str, float], sentences: Sequence[str],
                      s_vecs: np.ndarray, s_para: Sequence[int], s_pos: Sequence[int],
                      paragraphs: Sequence[str], p_cos: Sequence[float],
                      p_langs: Sequence[str], idf: Mapping[str, float],
                      f_vec: np.ndarray | None = None, lexicon=None,
                      p_context: Sequence[str] | None = None,
                      count_window: int | None = ANSWER.count_window,
                      p_rank: Sequence[int] | None = None) -> np.ndarray:
    """The ``FEATURES`` of each candidate sentence, shape (n, len(FEATURES)).

    question/q_vec (d,): the question and its query vector (L2-normalised);
    q_lang: its language; types: ``AnswerType.run(question)``;
    sentences (n) / s_vecs (n, d): candidate sentences and their passage vectors;
    s_para (n): index of each sentence's paragraph in ``paragraphs``, which are in
    retrieval order (index = rank); s_pos (n): the sentence's index in its paragraph;
    paragraphs (m) / p_cos (m) / p_langs (m): paragraph texts, raw cosine of the
    question to each paragraph's vector, and their languages;
    idf: content token -> inverse document frequency over the corpus (unknown
    tokens weigh as the rarest); f_vec: the query vector of the question without
    its topic words (``qa.text.focus_text``; the retriever's focus when it reranked),
    or None; p_context (m): what else names each paragraph's subject (document title,
    heading path, date), or None; count_window: how near a word of the question a count
    written as a word must stand to state a number (``qa.answertype.states_count``);
    p_rank (m): each paragraph's retrieval rank when it is not its index (a linked
    translation added after the candidates ranks as the statement it translates).
    """
    n = len(sentences)
    out = np.zeros((n, len(FEATURES)))
    if n == 0:
        return out
    s_vecs = np.asarray(s_vecs, dtype=np.float64)
    s_para = np.asarray(s_para, dtype=int)
    p_cos = np.asarray(p_cos, dtype=np.float64)
    sims = s_vecs @ np.asarray(q_vec, dtype=np.float64)
    fsims = sims if f_vec is None else s_vecs @ np.asarray(f_vec, dtype=np.float64)
    default = max(idf.values(), default=1.0)
    weights: dict[str, float] = {}
    for t in set(content_tokens(question)):
        key = ascii_fold(t)
        weights[key] = max(weights.get(key, 0.0), idf.get(t, default))
    total = sum(weights.values())

    translated: dict[str, dict[str, frozenset[str]]] = {
        lang: lexicon.translations(question, q_lang, lang) if lexicon is not None else {}
        for lang in set(p_langs) - {q_lang}}

    joined = _joined_neighbours(question)

    def cover(found: set[str], lang: str = q_lang) -> float:
        if not total:
            return 0.0
        via = translated.get(lang, {})
        return sum(w for t, w in weights.items() if _holds(t, found, joined, via)) / total

    para_cover = [cover(_folded(p), lang) for p, lang in zip(paragraphs, p_langs)]
    q_numbers, q_dates, q_words = numbers(question), _dates(question), _folded(question)
    keys = {ascii_fold(t) for t in _key_terms(question)}
    # A number or acronym the paragraph's title or heading names is not missing from it:
    # under "## LLM inference" a paragraph need not repeat "LLM" (the same context as
    # qa.extractive's key-term gate).
    contexts = [f"{p} {c}" for p, c in zip(paragraphs, p_context or [""] * len(paragraphs))]
    para_missing = [len(keys - _acronym_forms(p) - numbers(p)) / len(keys) if keys else 0.0
                    for p in contexts]
    q_words |= {ascii_fold(w) for w in _WORD.findall(question)}
    for i, text in enumerate(sentences):
        j = int(s_para[i])
        cross = float(p_langs[j] != q_lang)
        out[i] = (
            sims[i], fsims[i], p_cos[j], 0.0, 0.0,
            cover(_folded(text), p_langs[j]), para_cover[j], para_missing[j], 0.0,
            types.get("number", 0.0) * bool(numbers(text) - q_numbers
                                            or states_count(text, question, count_window)),
            types.get("date", 0.0) * bool(_dates(text) - q_dates),
            types.get("name", 0.0) * bool(_new_names(text, q_words)),
            cross, cross * sims[i],
            math.log1p(j if p_rank is None else p_rank[j]), math.log1p(int(s_pos[i])),
            math.log1p(len(text.split())),
        )
    out[:, 3] = sims - sims.max()
    out[:, 4] = p_cos[s_para] - p_cos[s_para].max()
    # Neighbours: the candidates of one paragraph are consecutive sentences.
    s_pos = np.asarray(s_pos, dtype=int)
    context = sims.copy()
    for i in range(n):
        near = [k for k in (i - 1, i + 1) if 0 <= k < n and s_para[k] == s_para[i]
                and abs(int(s_pos[k]) - int(s_pos[i])) == 1]
        if near:
            context[i] = max(sims[k] for k in near)
    out[:, FEATURES.index("cos_context")] = context
    return out


def _acronym_forms(text: str) -> set[str]:
    """The folded tokens of ``text``, each also without a plural "s" ("LLMs" names "LLM")."""
    found = {ascii_fold(t) for t in tokens(text)}
    return found | {t[:-1] for t in found if len(t) > 3 and t.endswith("s")}


def _key_terms(text: str) -> set[str]:
    """Numbers and acronyms of at least 3 capitals ("2024", "ODA", "APEC"), lower-cased:
    the rule of ``qa.question.key_terms`` without its identifiers (XQuAD, where the
    scorer is fitted, has none), on plain word tokens so that "2021-2024" gives "2021"
    and "2024" as a paragraph's tokens do."""
    return {w.lower() for w in re.findall(r"\w+", text)
            if w[0].isdigit() or (len(w) >= 3 and w.isupper() and w.isalpha())}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


class SentenceScorer:
    """P(answer sentence) of each candidate: logistic over ``sentence_features``."""

    def __init__(self, params: Mapping) -> None:
        self.coef = np.asarray(params["coef"], dtype=np.float64)  # (len(FEATURES),)
        self.intercept = float(params["intercept"])

    def logits(self, features: np.ndarray) -> np.ndarray:
        return np.asarray(features, dtype=np.float64) @ self.coef + self.intercept

    def run(self, features: np.ndarray) -> np.ndarray:
        """Probabilities, shape (n,), for features of shape (n, len(FEATURES))."""
        return _sigmoid(self.logits(features))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def answerability_features(features: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """``ANSWERABILITY_FEATURES`` of a question from all its candidates' features (n, F)
    and ``SentenceScorer`` probabilities (n,): the best sentence's features, its
    log-odds, the best sentence and paragraph coverage among all candidates, the
    log-odds margin over the runner-up (20 when there is none) and the log of the
    summed probabilities."""
    X = np.asarray(features, dtype=np.float64)
    z = _logit(probabilities)
    order = np.argsort(-z)
    best = int(order[0])
    margin = z[best] - z[order[1]] if len(z) > 1 else 20.0
    return np.concatenate([X[best], [z[best], X[:, FEATURES.index("cover_sentence")].max(),
                                     X[:, FEATURES.index("cover_paragraph")].max(), margin,
                                     math.log(float(np.sum(probabilities)) + 1e-12)]])


class Answerability:
    """Does the corpus answer the question? From its candidates' features and scores."""

    def __init__(self, params: Mapping) -> None:
        self.coef = np.asarray(params["coef"], dtype=np.float64)  # (ANSWERABILITY_FEATURES,)
        self.intercept = float(params["intercept"])
        self.threshold = float(params["threshold"])

    def confidence(self, features: np.ndarray, probabilities: np.ndarray) -> float:
        """P(answerable) for candidates' features (n, F) and probabilities (n,), n >= 1."""
        z = answerability_features(features, probabilities) @ self.coef + self.intercept
        return float(_sigmoid(np.asarray(z)))

    def run(self, features: np.ndarray, probabilities: np.ndarray) -> tuple[bool, float]:
        """(answered, confidence); no candidates -> (False, 0.0)."""
        if len(probabilities) == 0:
            return False, 0.0
        c = self.confidence(features, probabilities)
        return c >= self.threshold, c
