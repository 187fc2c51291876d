"""The offline answerer: quotes the sentences that answer, each with its citation.

No model writes anything here. For the candidate paragraphs of a question:
1. every quotable sentence is scored by the learned ``SentenceScorer`` (``qa.scoring``:
   logistic regression over similarity, coverage and answer-type signals, fitted on
   XQuAD by ``bench/fit_scoring.py``);
2. ``Answerability`` decides from the best sentence whether the documents answer at all
   (a request for what the documents say about a topic, ``qa.question.topic_request``,
   is answered by the best sentences that name the topic, ``about``, or refused);
3. the best sentence and up to two close runners-up from other statements are quoted
   (``choose``), in the asker's language when a translation exists; when another
   document states the same thing with a different figure (``qa.disagree``), both are
   quoted and the answer says the sources differ;
4. ``AnswerAssembler`` (``qa.answer``) writes text, markers and citations.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

import numpy as np

from qa import lexicon
from qa.answer import NOT_FOUND, SOURCE_NOTE, AnswerAssembler, Quote  # noqa: F401
from qa.answertype import AnswerType, date_figures, states_count
from qa.disagree import Disagreement
from qa.index import Index, centre, idf_table  # noqa: F401  (idf_table: bench/fit_scoring imports it)
from qa.question import Question, entities, key_terms, topic_request
from qa.retrieve import Focus, Scored
from qa.scoring import (
    FEATURES,
    Answerability,
    SentenceScorer,
    covers_all,
    load_scoring,
    sentence_features,
)
from qa.sentvec import SentenceVectors, quotable_spans, scored_spans, spans
from qa.text import ascii_fold, content_tokens, focus_text, logical_lines, match_text, numbers
from qa.topic import TopicFirst
from qa.tuning import ANSWER, LINKS, RETRIEVAL, SENTENCES
from qa.types import Answer

# Blocks a sentence ending in ":" introduces (qa.markdown kinds).
INTRODUCED_KINDS = frozenset({"list", "table", "code"})
# A numbered list's first item ("1. ", "1) "): the steps of a procedure.
_STEPS = re.compile(r"\s*1[.)]\s")
# A question mark in Latin and in full-width (CJK) script.
_QUESTION_MARKS = ("?", "？")


@dataclass(frozen=True)
class Sentence:
    """A candidate quote and its probability of answering the question."""

    pid: str
    start: int
    end: int
    text: str
    probability: float
    row: int  # its row in the feature matrix
    # A sentence of a candidate's linked translation that the candidate itself lacks
    # (an older or fuller translation; ``ExtractiveAnswerer.sentences``): it is quoted as
    # it stands, and the candidate's own sentences are not its translations.
    unmatched: bool = False


class ExtractiveAnswerer:
    """Answers by quoting; decides ``answered`` with the fitted answerability model."""

    name = "extractive"

    def __init__(self, index: Index, vectors: SentenceVectors, embedder, params: dict | None = None,
                 *, max_quotes: int = ANSWER.max_quotes, runner_up: float = ANSWER.runner_up,
                 redundant: float = ANSWER.redundant, rival_share: float = ANSWER.rival_share,
                 pool: int = RETRIEVAL.answer_pool,
                 count_window: int | None = ANSWER.count_window,
                 counterpart: tuple[float, float, float] | None = LINKS.counterpart,
                 topics: TopicFirst | None = None, words: lexicon.Lexicon | None = None) -> None:
        self.index = index
        self.catalog = index.catalog
        self.vectors = vectors
        self.embedder = embedder
        params = params or load_scoring()
        dims = index.paragraph_vectors.shape[1] if index.paragraph_vectors.ndim == 2 else 0
        # With another embedder's vectors (another space) the words-only type model.
        self.types = AnswerType(params["answer_type"], dims or None)
        self.scorer = SentenceScorer(params["sentence"])
        self.answerability = Answerability(params["answerability"])
        self.space = params.get("space", "raw")
        # The word table the scorer's coverage features were fitted with, if any (``words``:
        # it, with what the collection's own translations teach put first).
        self.lexicon = (words or lexicon.shipped()) if params.get("lexicon") else None
        # An elliptical follow-up's new topic: only paragraphs that name it are quoted.
        self.topics = topics or TopicFirst(self.catalog, self.lexicon)
        # The embedder's language offsets, fitted with the scorer (XQuAD, 48 topics):
        # a corpus's own mean would also remove its topic.
        self.centroids = {kind: _with_mean({lang: np.asarray(v, dtype=np.float32)
                                            for lang, v in by_lang.items()})
                          for kind, by_lang in params.get("centroids", {}).items()}
        if any(len(mu) != dims for by_lang in self.centroids.values()
               for mu in by_lang.values()):
            # Another embedder (another vector space): its language offsets are not the
            # fitted ones; the corpus's own means are the nearest stand-in.
            self.centroids = {kind: index.centroids.get(kind, {})
                              for kind in ("paragraph", "sentence")}
        self.max_quotes = max_quotes
        self.counterpart = counterpart
        self.runner_up = runner_up
        self.redundant = redundant
        self.pool = pool
        self.count_window = count_window
        self.languages = {p.language for p in self.catalog.paragraphs.values()}
        self.assembler = AnswerAssembler(self.catalog)
        self._documents: dict[str, str] = {}  # doc id -> squashed text (key_terms_found)
        # (paragraph id, counterpart weights) -> ``lacking``: fixed for an index version
        # (this answerer's), and asked for every candidate of every question (and by the
        # LLM's prompt); the weights are in the key because a sweep sets them anew.
        self._lacking: dict[tuple, list[tuple]] = {}
        self.disagreement = Disagreement(self.catalog, vectors, same=redundant,
                                         strength=rival_share)

    # -- scoring -------------------------------------------------------------------------
    def sentences(self, q: Question, qvec: np.ndarray, hits: list[Scored],
                  focus: Focus | None = None) -> tuple[list[Sentence], np.ndarray, np.ndarray]:
        """Every quotable sentence of the candidate paragraphs, best first; and the
        feature matrix and probabilities of all of them (in candidate order). ``focus``:
        the retriever's (found among more candidates, and already embedded); None: the
        focus of these candidates."""
        paras = [self.catalog.paragraphs[h.id] for h in hits]
        ranks = list(range(len(paras)))
        texts, s_para, s_pos, spans_ = [], [], [], []
        words = {ascii_fold(t) for t in content_tokens(q.standalone)}
        for j, p in enumerate(paras):
            for n, (s, e) in enumerate(scored_spans(p, words)):
                texts.append(p.text[s:e])
                s_para.append(j)
                s_pos.append(n)
                spans_.append((p.id, s, e))
        if not texts:
            return [], np.zeros((0, 0)), np.zeros(0)
        own = len(texts)
        for j in range(len(paras)):
            for other, found in self.lacking(paras[j]):
                paras.append(other)
                ranks.append(j)  # at the rank of the statement it translates
                for n, (s, e) in found:
                    texts.append(other.text[s:e])
                    s_para.append(len(paras) - 1)
                    s_pos.append(n)
                    spans_.append((other.id, s, e))
        rows = [self.index.paragraph_rows.get(p.id) for p in paras]
        p_vecs = np.stack([self.index.paragraph_vectors[r] if r is not None else
                           np.zeros_like(qvec) for r in rows])
        s_vecs = self.vectors.get(texts)
        if focus is None:
            text = focus_text(q.standalone, paras)
            focus = Focus(text, self.embedder.embed_query(text) if text else None)
        fvec = focus.vector
        p_vec_q, s_vec_q, f_vec_q = qvec, qvec, fvec
        if self.space == "centred":
            # The scorer was fitted on language-centred vectors (the retriever's
            # centring): a sentence in another language competes on its content.
            mus_p = self.centroids.get("paragraph", {})
            mus_s = self.centroids.get("sentence", {})
            langs = [p.language for p in paras]
            p_vecs = _centred(p_vecs, langs, mus_p)
            p_vec_q = _centred(qvec[None], [q.language], mus_p)[0]
            s_vecs = _centred(s_vecs, [langs[j] for j in s_para], mus_s)
            s_vec_q = _centred(qvec[None], [q.language], mus_s)[0]
            if fvec is not None:
                f_vec_q = _centred(fvec[None], [q.language], mus_s)[0]
        p_cos = np.array([float(v @ p_vec_q) if r is not None else 0.0
                          for v, r in zip(p_vecs, rows)])
        types = self.types.run(q.standalone, qvec, q.language)
        X = sentence_features(q.standalone, s_vec_q, q.language, types,
                              [match_text(t) for t in texts], s_vecs, s_para,
                              s_pos, [match_text(p.text) for p in paras], p_cos,
                              [p.language for p in paras], self.index.idf, f_vec_q,
                              lexicon=self.lexicon,
                              p_context=[f"{p.title} {p.section} {p.date or ''}" for p in paras],
                              count_window=self.count_window, p_rank=ranks)
        probs = self.scorer.run(X)
        out = [Sentence(pid, s, e, t, float(pr), i, i >= own)
               for i, ((pid, s, e), t, pr) in enumerate(zip(spans_, texts, probs))]
        out.sort(key=lambda x: -x.probability)
        return out, X, probs

    def lacking(self, p) -> list[tuple]:
        """(translation, its quotable spans as (number, (start, end))) for each linked
        translation of paragraph ``p`` that holds sentences ``p`` lacks: a sentence whose
        cosines to ``p``'s sentences (the best, and its margin over the second) read as
        no translation by the fitted ``counterpart`` weights. Documentation is
        translated late and in part: "Kubernetes provides the building blocks for
        building developer platforms" is in the English paragraph only, and a
        Vietnamese asker, whose candidates are the Vietnamese versions, never saw it."""
        key = (p.id, self.counterpart)
        found = self._lacking.get(key)
        if found is None:
            found = self._lacking[key] = self._find_lacking(p)
        return found

    def _find_lacking(self, p) -> list[tuple]:
        links = self.catalog.parallel(p.id)
        if not links or self.counterpart is None or not quotable_spans(p):
            return []  # counterpart None: translations' sentences are not read
        w_best, w_margin, bias = self.counterpart
        out = []
        for pid in links:
            other = self.catalog.paragraphs.get(pid)
            found = list(enumerate(quotable_spans(other))) if other is not None else []
            if not found:
                continue
            feats = counterpart_features(self.similarities(p, other))
            z = w_best * feats[:, 0] + w_margin * feats[:, 1] + bias
            keep = [f for f, zi in zip(found, z) if zi < 0]
            if keep:
                out.append((other, keep))
        return out

    def similarities(self, p, other) -> np.ndarray:
        """Language-centred cosines of ``other``'s quotable sentences (rows) to ``p``'s
        (columns); both must have some (``quotable_spans``)."""
        mus = self.centroids.get("sentence", {})

        def rows(x) -> np.ndarray:
            vecs = self.vectors.get([x.text[a:b] for a, b in quotable_spans(x)])
            return _centred(vecs, [x.language] * len(vecs), mus)

        return rows(other) @ rows(p).T

    def answer(self, q: Question, qvec: np.ndarray, hits: list[Scored],
               focus: Focus | None = None) -> Answer:
        """Quote the answer with citations, or say the documents do not hold it."""
        hits = hits[:self.pool]
        if not self.grounded(q):
            return self.refusal(q, hits)
        ranked, X, probs = self.sentences(q, qvec, hits, focus)
        own = sum(not s.unmatched for s in ranked)  # their rows come first
        # Once a paragraph, not once a sentence: both read the whole paragraph.
        kept = {pid for pid in self._with_key_terms(q, {s.pid for s in ranked})
                if self.topics.names(q.topic, q.language, pid)}
        ranked = [s for s in ranked if s.pid in kept]
        if not ranked:
            return self.refusal(q, hits)
        topic = topic_request(q.text)
        if topic:
            about = self.about(topic, q.language, ranked)
            return self.quoted(q, about) if about else self.refusal(q, hits)
        # A translation's extra sentences are judged only when one of them is the best:
        # else they would shift a decision the candidates' own sentences make alone
        # (XQuAD's complete translations: two answers flipped by sentences only split
        # differently, bench note in README).
        rows = slice(None) if ranked[0].unmatched else slice(0, own)
        answered, _ = self.answerability.run(X[rows], probs[rows])
        if not answered:
            return self.refusal(q, hits)
        chosen = self.choose(ranked)
        chosen = self.cover_names(q, ranked, chosen, hits)
        types = self.types.run(q.standalone, qvec, q.language)
        if not self.has_asked_date([X[s.row] for s in chosen], types, X) or \
                not self._has_amount([s.text for s in chosen], q, types):
            return self.refusal(q, hits)
        rival = self.disagreement.run(q.standalone, ranked, types.get("date", 0.0) >= 0.5)
        if rival is not None and rival not in chosen:
            # Both sides of a disagreement are shown, even over a third runner-up.
            chosen = chosen[:self.max_quotes - 1] + [rival]
        return self.quoted(q, chosen, differ=rival is not None)

    def quoted(self, q: Question, chosen: list[Sentence], differ: bool = False) -> Answer:
        """The answer quoting ``chosen`` (each in the asker's language where a translation
        exists, a list item whole), in reading order."""
        quotes = reading_order([whole_item(self.catalog, self.in_language(q.language, s))
                                for s in chosen], self.catalog)
        return self.assembler.run(q.text, q.language, quotes, differ=differ)

    def about(self, topic: str, language: str, ranked: list[Sentence]) -> list[Sentence]:
        """What the candidates say about ``topic`` (asked in ``language``): the best-ranked
        sentences that name each of its content words (in the sentence itself, or in its
        paragraph's title or heading path: under "## Fees" a sentence need not repeat
        "fees"), one per statement, at most ``max_quotes``; [] when none does.

        A request for what the documents say about a topic ("Tell me about the harbour
        fees", "Tài liệu nói gì về phí cảng?") asks for no single fact, so the
        answerability model, fitted on questions that do (XQuAD), is the wrong judge:
        it refused most such requests even where a sentence names the topic. Naming it
        is the test here; with no sentence that does, the request is refused (the
        nearest sentences would say nothing about the topic)."""
        chosen: list[Sentence] = []
        for s in ranked:
            if len(chosen) >= self.max_quotes:
                break
            p = self.catalog.paragraphs[s.pid]
            if not covers_all(topic, language, f"{p.title} {p.section} {s.text}", p.language,
                              self.lexicon):
                continue
            if any(self._translates(s, c) or self._near(s, c) for c in chosen):
                continue
            chosen.append(s)
        return chosen

    def choose(self, ranked: list[Sentence]) -> list[Sentence]:
        """The best sentence, plus runners-up at least ``runner_up`` times as likely that
        state something else (not a translation, not a near-repeat)."""
        best = ranked[0]
        chosen = [best]
        for s in ranked[1:]:
            if len(chosen) >= self.max_quotes or s.probability < self.runner_up * best.probability:
                break
            if any(self._translates(s, c) or self._near(s, c) for c in chosen):
                continue
            chosen.append(s)
        return chosen

    def cover_names(self, q: Question, ranked: list[Sentence], chosen: list[Sentence],
                    hits: list[Scored]) -> list[Sentence]:
        """``chosen`` with a quote for each name the question asks about that no chosen
        quote's paragraph names (``cover_names``); names every candidate paragraph has
        (the collection's topic) are not asked about, nor are the names a follow-up
        carries over from the last turn (``q.standalone``): only those it was asked with."""
        # A name of one or two letters ("UN", "PM") is found inside too many words.
        names = [n for n in entities(q.text) if len(_squash(n)) >= 3]
        if len(names) < 2:  # most questions: no paragraph text to fold
            return chosen
        context = {h.id: _squash(f"{p.title} {p.text}") for h in hits
                   if (p := self.catalog.paragraphs.get(h.id)) is not None}
        names = [n for n in names if not all(_squash(n) in c for c in context.values())]
        return cover_names(names, ranked, chosen, context, self.max_quotes)

    def _translates(self, a: Sentence, b: Sentence) -> bool:
        """Are ``a`` and ``b`` one statement in two languages? Their paragraphs are
        linked translations, and neither is a sentence the other's paragraph lacks."""
        return not (a.unmatched or b.unmatched) and a.pid in self.catalog.parallel(b.pid)

    def _near(self, a: Sentence, b: Sentence) -> bool:
        one_document = (self.catalog.paragraphs[a.pid].doc_id
                        == self.catalog.paragraphs[b.pid].doc_id)
        va, vb = self.vectors.get([a.text, b.text])  # cached: every candidate was scored
        return says_the_same(a.text, b.text, float(va @ vb), self.redundant, one_document)

    # -- gates ---------------------------------------------------------------------------
    def grounded(self, q: Question) -> bool:
        """Does the question name anything the documents contain?

        A question with no content word ("hello", "!!!", markup) or, in a language the
        corpus is written in, with none of its words anywhere in the corpus, cannot be
        answered from it, however close some sentence's embedding is.
        """
        words = [t for t in content_tokens(q.standalone) if len(t) > 1 and not t.isdigit()]
        if not words:
            return False
        if q.language in self.languages:
            return any(t in self.index.idf for t in words)
        return True

    @staticmethod
    def has_asked_date(rows: list[np.ndarray], types: dict[str, float],
                       pool: np.ndarray | None = None) -> bool:
        """When the answer-type model is sure a date is asked for (P >= 0.5: more likely
        than every other type together), a sentence to be quoted must state one the
        question does not. Any quoted sentence will do, not only the best: a question
        asking two things ("When was it held, and what could one win?") may have its date
        in the runner-up. ``types``: ``AnswerType.run`` of the question. (A number asked
        for is ``_has_amount``'s.)

        The rule holds only where the candidates (``pool``: every sentence scored) state
        dates at all. The type model learnt "when" from Wikipedia, where it asks for a
        date; in documentation "When does fastapi dev reload the server?" asks for a
        condition ("... when you make changes to your code"), and a "when" question over
        paragraphs that hold no date was always refused (FastAPI docs: every one of 8
        "when" questions tried; fit splits unchanged: their "when" pools hold dates)."""
        def states(candidates) -> bool:
            return any(row[FEATURES.index("type_date")] > 0 for row in candidates)

        return (types.get("date", 0.0) < 0.5 or states(rows)
                or (pool is not None and not states(pool)))

    def _has_amount(self, texts: list[str], q: Question, types: dict[str, float]) -> bool:
        """When a number (not a date) is asked for, some quoted sentence must state one
        that is not part of a date (``qa.answertype.date_figures``: "from 25 to 28 February
        2025" holds no amount): a year or a day of the month does not say how many. A
        count written as a word (``qa.answertype.spelled_counts``: "two universities",
        "hai dòng", "twice") states one too when it stands within ``count_window`` words
        of a word of the question: "the two sides" in a sentence about something else
        does not answer "how much was the budget?"."""
        if types.get("number", 0.0) < 0.5:
            return True
        asked = numbers(q.standalone)
        if any(numbers(text) - asked - date_figures(text) for text in texts):
            return True
        return any(states_count(text, q.standalone, self.count_window) for text in texts)

    def _with_key_terms(self, q: Question, pids: set[str]) -> set[str]:
        """The paragraphs of ``pids`` whose document holds every number, acronym and
        identifier the question names (``key_terms_found``, in the paragraph's document
        or in a linked translation's: one statement in two languages, and a translation
        may spell out what the other abbreviates).

        When no paragraph's document holds them all but the candidates' documents do
        between them, the question asks about two documents ("the 2024 phone call and
        the 2025 visit"): each paragraph whose document holds one of them is kept
        (seeds-fresh fit split: a question naming two years, each the date of another
        report, was refused whole)."""
        terms = {_squash(t) for t in q.key_terms}
        if not terms:
            return set(pids)
        found = {pid: set().union(*(key_terms_found(self.catalog, q.key_terms, p.id,
                                                    self._documents)
                                   for p in self.catalog.versions(pid)))
                 for pid in pids}
        complete = {pid for pid, f in found.items() if f >= terms}
        if complete or not set().union(*found.values()) >= terms:
            return complete
        return {pid for pid, f in found.items() if f}

    # -- language ------------------------------------------------------------------------
    def in_language(self, lang: str, s: Sentence) -> Quote:
        """The quote in the asker's language when a translation of its paragraph exists
        (that paragraph's sentence closest to ``s``), citing both; else ``s`` itself."""
        p = self.catalog.paragraphs[s.pid]
        if p.language != lang and not s.unmatched:
            for alt in self.catalog.parallel(p.id):
                other = self.catalog.paragraphs.get(alt)
                cands = quotable_spans(other) if other and other.language == lang else []
                if cands:
                    vecs = self.vectors.get([other.text[a:b] for a, b in cands] + [s.text])
                    a, b = cands[int(np.argmax(vecs[:-1] @ vecs[-1]))]
                    return Quote(other.id, a, b, s.pid, s.start, s.end)
        return Quote(s.pid, s.start, s.end)

    def refusal(self, q: Question, hits: list[Scored]) -> Answer:
        """The honest 'not in the documents' answer, with the closest paragraphs as related."""
        return self.assembler.refusal(q.text, q.language, [h.id for h in hits])



def cover_names(names: list[str], ranked: list[Sentence], chosen: list[Sentence],
                context: dict[str, str], max_quotes: int) -> list[Sentence]:
    """A question that names two things or more ("Did Norway or Chile sign the treaty
    first?") asks about each: for each of ``names`` that no
    paragraph of ``chosen`` names, the best of ``ranked`` whose paragraph does is quoted
    too (in place of the last runner-up when ``max_quotes`` are chosen). ``context``:
    paragraph id -> its title and text, ``_squash``ed. One name (or none) changes nothing:
    the best sentence answers about it. (seeds-extra fit split: accuracy 0.783 -> 0.826,
    precision 0.372 -> 0.380; seeds, hf-course, fastapi fit unchanged but seeds precision
    0.397 -> 0.395; the same with the candidates limited to 1 % or 5 % of the best
    sentence's probability, fewer at 10 %.)"""
    if len(names) < 2:
        return chosen
    chosen = list(chosen)
    for name in names:
        key = _squash(name)
        if any(key in context.get(c.pid, "") for c in chosen):
            continue
        extra = next((s for s in ranked if key in context.get(s.pid, "") and s not in chosen),
                     None)
        if extra is not None:
            chosen = [*chosen[:max_quotes - 1], extra] if len(chosen) >= max_quotes else \
                [*chosen, extra]
    return chosen


def says_the_same(a: str, b: str, cosine: float, threshold: float = ANSWER.redundant,
                  one_document: bool = True) -> bool:
    """Do sentences ``a`` and ``b`` (vectors at ``cosine``) say the same, so that an answer
    quotes only one? Vectors closer than ``threshold``; within ``one_document`` also no
    number, acronym or identifier in one that the other lacks: "numpy==1.26.4" and
    "numpy>=1.26,<2.0" a few lines apart embed almost alike but pin different
    versions (hf-course fit accuracy 0.789 -> 0.842, eval/fastapi fit hit 0.765 -> 0.824
    and accuracy 0.588 -> 0.706; seeds and seeds-extra fit unchanged but for precision,
    0.401 -> 0.397 and 0.392 -> 0.372). Across documents a sentence of the same make with
    other figures is a parallel statement about something else ("The crane at X lifts
    61 tonnes" / "The crane at Y lifts 138 tonnes"): the runner-up is left out as before
    (fit splits unchanged by the restriction), and two documents stating one fact with
    different figures are ``qa.disagree``'s to show."""
    if cosine <= threshold:
        return False
    return not one_document or key_terms(a) == key_terms(b)


def following(catalog, pid: str, n: int) -> list:
    """Up to ``n`` blocks after paragraph ``pid`` in its document, past the markup lines
    between (at most ``Sentences.skipped_markup``): an HTML wrapper such as
    ``<div class="termy">`` around a console block, a comment or an include directive
    is not read; the block after it is what a lead-in introduces."""
    number = catalog.paragraphs[pid].number
    return [b for b in catalog.neighbours(pid, radius=n + SENTENCES.skipped_markup)
            if b.number > number and b.kind != "markup"][:n]


def introduced(catalog, quote: Quote) -> Quote | None:
    """The block a quote leads to, quoted with it:

    - a sentence whose paragraph ends with a colon right after it (no quotable sentence
      between: "Why build a demo? Demos allow:") brings the list, table or code block
      that follows: the sentence alone promises the answer, the block holds it;
    - a sentence that ends its prose paragraph, followed by a lead-in too short to say
      anything itself ("For example:", "Ví dụ:": a paragraph ending with a colon, fewer
      than ``Sentences.min_words`` words) and then a list, table or code block of the
      same section, brings that block (eval/fastapi fit split: accuracy 0.706 -> 0.765;
      seeds, seeds-extra and hf-course fit splits unchanged);
    - a sentence that asks a question and ends its prose paragraph (documentation's
      rhetorical "So where do the nightly backups end up?") brings what answers it, the
      next block of the same section: a prose block's first sentence, a list, table
      or code block whole (hf-course fit split: hit and accuracy 0.737 -> 0.789; seeds
      fit, the dev-only FastAPI, React and Rust-book sets unchanged; 2026-11-30);
    - a sentence that ends its prose paragraph, followed in the same section by a
      numbered list, brings the list: a how-to's setting ("You are writing a document
      that should start with page number 12.") is followed by its steps, and the
      setting alone answers nothing;
    - a code block directly followed by another code block brings it: a program and
      the output it prints (notebook-style docs) answer together.

    Markup lines between are passed over (``following``).
    """
    p = catalog.paragraphs[quote.pid]
    ends = not any(s >= quote.end for s, _ in quotable_spans(p))
    asks = (p.kind == "text" and not p.text[quote.end:].strip()
            and p.text[quote.start:quote.end].rstrip().endswith(_QUESTION_MARKS))
    after = following(catalog, p.id, 2)
    if p.kind == "code":
        kinds = frozenset({"code"})
    elif p.text.rstrip().endswith(":") and ends:
        kinds = INTRODUCED_KINDS
    elif asks:
        kinds = INTRODUCED_KINDS | {"text"}
    elif (p.kind == "text" and ends and after and after[0].kind == "list"
          and after[0].section == p.section and _STEPS.match(after[0].text)):
        kinds = frozenset({"list"})
    elif (p.kind == "text" and ends and len(after) == 2 and after[0].kind == "text"
          and after[0].text.rstrip().endswith(":")
          and len(after[0].text.split()) < SENTENCES.min_words
          and after[1].section == p.section):
        kinds, after = INTRODUCED_KINDS, after[1:]
    else:
        return None
    if not after or after[0].kind not in kinds or (asks and after[0].section != p.section):
        return None
    block = catalog.paragraphs.get(after[0].canonical_id, after[0])
    if block.kind == "text":
        first = quotable_spans(block)[:1]
        return Quote(block.id, *first[0]) if first else None
    return Quote(block.id, 0, len(block.text))


def key_terms_found(catalog, terms: set[str], pid: str,
                    documents: dict[str, str]) -> set[str]:
    """Which of the numbers, acronyms and identifiers a question names ("2024", "ODA",
    "max_retries") are in paragraph ``pid``'s document (its text, title or date)? Without
    them the document is about something else. Not only in the paragraph: "the 2025 joint
    statement" names the document's time, which its other paragraphs need not repeat
    (a year anywhere in the document: seeds fit split accuracy 0.781 -> 0.812, false
    refusal 0.062 -> 0.031), and "How do I start the server defined in serve.py?"
    names the file the page's other paragraphs are about (every term anywhere in the
    document rather than only years: eval/fastapi fit split citation hit 0.588 -> 0.765,
    accuracy 0.412 -> 0.588, false refusal 0.118 -> 0.059, refusal unchanged; seeds,
    seeds-extra and hf-course fit splits unchanged; the terms in the paragraph's section
    only: hit 0.706). Gives those found, squashed (``_squash``); ``documents`` caches
    each document's squashed text."""
    if not terms:
        return set()
    p = catalog.paragraphs[pid]
    context = _squash(f"{p.text} {p.title} {p.date or ''} {getattr(p, 'section', '')}")

    def in_document() -> str:
        if p.doc_id not in documents:
            documents[p.doc_id] = _squash(" ".join(x.text for x in
                                                   catalog.documents.get(p.doc_id, [])))
        return documents[p.doc_id]

    return {k for k in map(_squash, terms) if k in context or k in in_document()}


def whole_item(catalog, quote: Quote) -> Quote:
    """A quote from a list, widened to its whole list item: an item ("`allow_methods` -
    A list of HTTP methods to allow. Defaults to `['GET']`.") is one unit of meaning,
    and its short last sentence, too short to be scored on its own, may be the answer;
    a later sentence needs the item's head ("`allow_headers` -") to say what it is about.
    Sentences stay the unit of scoring; an item longer than ``Sentences.window_chars``
    (about one model window) is still quoted by sentences."""
    def widen(pid: str, start: int, end: int) -> tuple[int, int]:
        p = catalog.paragraphs[pid]
        if p.kind != "list":
            return start, end
        for a, b in logical_lines(p.text):
            if a <= start < b:
                b = a + len(p.text[a:b].rstrip())
                first = min((s for s, _ in spans(p.text) if a <= s < b), default=start)
                if end <= b and b - first <= SENTENCES.window_chars:
                    return min(first, start), b
                break
        return start, end

    start, end = widen(quote.pid, quote.start, quote.end)
    quote = replace(quote, start=start, end=end)
    if quote.source and quote.source != quote.pid:
        s, e = widen(quote.source, quote.source_start, quote.source_end)
        quote = replace(quote, source_start=s, source_end=e)
    return quote


def counterpart_features(sims: np.ndarray) -> np.ndarray:
    """(best cosine, margin over the second best) of each row of ``sims``: a sentence
    against the sentences of a translation (language-centred cosines). With one
    sentence on the other side the margin is the cosine itself."""
    top = np.sort(np.asarray(sims, dtype=np.float64), axis=1)
    second = top[:, -2] if top.shape[1] > 1 else np.zeros(len(top))
    return np.stack([top[:, -1], top[:, -1] - second], axis=1)


def _with_mean(mus: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The centroids plus "*", their mean, for a language they do not cover."""
    return {**mus, "*": np.mean(list(mus.values()), axis=0)} if mus else {}


def _centred(vectors: np.ndarray, languages: list[str], mus: dict) -> np.ndarray:
    """Rows minus their language's centroid ("*" for a language the table lacks), unit
    length; unchanged when there is no table."""
    if not mus:
        return vectors
    known = [lang if lang in mus else "*" for lang in languages]
    return centre(np.asarray(vectors, dtype=np.float32), known, mus)


def _squash(text: str) -> str:
    """Lower-case, no diacritics, no punctuation or spaces: "US$ 3,000" ~ "us3000"."""
    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    return re.sub(r"[\W_]+", "", "".join(c for c in text if not unicodedata.combining(c)))


def reading_order(quotes: list[Quote], catalog) -> list[Quote]:
    """The order an answer quotes in: ``quotes`` come best first; their paragraphs stay
    best first (the one holding the best sentence opens the answer), the sentences of
    one paragraph in text order, and the block a quote introduces (``introduced``)
    right after it. A quote inside another quote of the same paragraph (a list item
    inside the list a lead-in brought) is left out; of two equal ones, the one a lead-in
    brings stays (a code block quoted for itself and brought by its lead-in, "… the
    following variables are defined:", reads after that lead-in), else the first."""
    group: dict[str, int] = {}
    keyed = []
    for x in quotes:
        home = x.source or x.pid
        key = (group.setdefault(home, len(group)), x.source_start or x.start)
        keyed.append(((*key, 0), x))
        block = introduced(catalog, x)
        if block is not None:
            keyed.append(((*key, 1), block))
    keyed.sort(key=lambda kx: kx[0])
    ordered = [x for _, x in keyed]
    brought = [k[2] == 1 for k, _ in keyed]

    def inside(a: Quote, b: Quote) -> bool:
        return a.pid == b.pid and b.start <= a.start and a.end <= b.end

    def loses_to(i: int, j: int) -> bool:  # of two equal quotes, is the i-th left out?
        return brought[j] > brought[i] or (brought[j] == brought[i] and j < i)

    return [x for i, x in enumerate(ordered)
            if not any(inside(x, y) and ((y.start, y.end) != (x.start, x.end) or loses_to(i, j))
                       for j, y in enumerate(ordered) if j != i)]
