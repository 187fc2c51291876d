"""A question typed without its marks, restored from the collection's own words.

Vietnamese is often typed without diacritics ("Viet Nam va Kazakhstan nang cap quan he
len muc nao?": a phone or a keyboard without an input method). Read as it is, such a
question is taken for English (``qa.language.detect`` reads marks), refused in English,
and matched by the embedder as a string of unknown syllables. Six tones and the vowel
marks make one folded syllable stand for many words ("muc" is "mục", "mực" or "múc"),
so the marks are put back the way the collection itself writes them: each folded word
becomes one of the forms the collection's text writes it in, chosen with its neighbour
(a bigram model, Viterbi over the candidate forms; the standard n-gram approach to
diacritic restoration). The counts are the collection's own, per language, built with
the index version, over general Vietnamese counts (``qa/marks.json``, fitted by
bench/fit_marks.py on XQuAD) and the Vietnamese function words; no word list comes from
an evaluation question.

``MarkRestorer.run`` restores the words typed in ASCII letters and keeps those typed with
marks; a question reads as the collection's language whose text uses most of its folded
words, and the restored text must be detected as that language (``qa.language.detect``):
an English question over Vietnamese text ("How long do the tests take?": "do", "the" and
"long" are Vietnamese syllables too) comes back unchanged. In an English question only
the names the collection writes with marks change ("To Lam" -> "Tô Lâm"). A question
typed with some marks ("Ai là Bo truong …?": a mark forgotten, or a keyboard that drops
some) has its bare words restored too, when one of them is a form its language seldom
writes bare (``MARKS.bare``): most bare words of a question typed with marks are meant
bare ("do", "trang"), and a question typed right must come back as typed. A language
written without marks (English) restores capitalised words only: its marked words are
names and quotations.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from qa.language import VIETNAMESE_FUNCTION_WORDS, detect
from qa.text import ascii_fold, tokens
from qa.tuning import MARKS

# Vietnamese word counts of general text (bench/fit_marks.py: XQuAD's fit paragraphs
# and questions), under the collection's own: a collection of a few pages lacks most
# everyday words a question uses ("tổng", "nói").
MARKS_FILE = Path(__file__).with_name("marks.json")
# A word as the restorer sees it: letters only (digits, "_" and marks split words the
# way qa.text.tokens does, so counts and questions are read alike).
_LETTERS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Restored:
    """A question, its marks restored or not."""

    text: str
    language: str = ""  # the language whose marks were put back; "" when unchanged


class MarkCounts:
    """One language's word counts, keyed for restoration: folded word -> the forms the
    text writes it in (lower case) with their counts, and counts of adjacent forms.

    ``names``: text in the collection's other languages, whose names (``name_runs``)
    that carry marks are counted apart and offered for a capitalised word only: English
    news writes "Tô Lâm", "Hà Nội" with their marks, and a Vietnamese question about
    them may be asked of English text only; a name ("Ấn Độ") must not turn the
    language's own lower-case word ("do") into it.
    ``seen_once``: words counted once more (a closed class the text may lack).
    ``base``: counts of general text in the language (``shipped``), added first."""

    def __init__(self, texts=(), names=(), seen_once=(), base: MarkCounts | None = None
                 ) -> None:
        self.forms: dict[str, Counter] = defaultdict(Counter)
        self.pairs: Counter = Counter()
        self.name_forms: dict[str, Counter] = defaultdict(Counter)
        self.name_pairs: Counter = Counter()
        if base is not None:
            for f, forms in base.forms.items():
                self.forms[f].update(forms)
            self.pairs.update(base.pairs)
        for text in texts:
            _count([w for w in tokens(text) if _LETTERS.fullmatch(w)], self.forms, self.pairs)
        for text in names:
            for run in name_runs(text):
                if not unmarked(" ".join(run)):
                    _count([w.lower() for w in run], self.name_forms, self.name_pairs)
        _count(sorted(seen_once), self.forms)
        self._tally()

    def _tally(self) -> None:
        self.folded = Counter({f: sum(forms.values()) for f, forms in self.forms.items()})
        self.total = sum(self.folded.values())
        marked = sum(n for forms in self.forms.values() for w, n in forms.items()
                     if not w.isascii())
        self.writes_marks = marked >= MARKS.marked_words * self.total > 0

    def bare_share(self, word: str) -> float | None:
        """The share of ``word``'s folded form this text writes as ``word`` (lower case),
        None when the text never writes the folded form."""
        f = ascii_fold(word)
        return self.forms[f][word] / self.folded[f] if self.folded.get(f) else None

    def to_json(self, min_pair: int) -> dict:
        """The counts as ``qa/marks.json`` stores them (pairs seen ``min_pair`` times up;
        names are the collection's, never stored)."""
        forms = {f: dict(sorted(c.items())) for f, c in sorted(self.forms.items())}
        return {"forms": forms,
                "pairs": sorted([a, b, n] for (a, b), n in self.pairs.items() if n >= min_pair)}

    @classmethod
    def from_json(cls, data: dict) -> MarkCounts:
        counts = cls()
        for f, forms in data["forms"].items():
            counts.forms[f].update(forms)
        counts.pairs.update({(a, b): n for a, b, n in data["pairs"]})
        counts._tally()
        return counts

    def fit(self, folded: list[str]) -> tuple[int, float]:
        """How well the folded words read as this language: (how many of them its text
        uses, the log relative frequency of those). Counting words seen, not smoothed
        probabilities, keeps a small text in one language on par with a large one."""
        seen = [self.folded[f] for f in folded if f in self.folded]
        return len(seen), sum(math.log(n / self.total) for n in seen)

    def count(self, form: str, capitalised: bool) -> int:
        f = ascii_fold(form)
        own = self.forms[f][form] if f in self.forms else 0
        return own + (self.name_forms[f][form] if capitalised and f in self.name_forms else 0)

    def pair(self, prev: str, form: str, capitalised: bool) -> int:
        return self.pairs[(prev, form)] + (self.name_pairs[(prev, form)] if capitalised else 0)

    def candidates(self, folded: str, limit: int, capitalised: bool) -> list[str]:
        forms = Counter(self.forms.get(folded, {}))
        if capitalised:
            forms.update(self.name_forms.get(folded, {}))
        return [w for w, _ in forms.most_common(limit)] if forms else [folded]


def _count(words: list[str], forms: dict[str, Counter], pairs: Counter | None = None) -> None:
    for w in words:
        forms[ascii_fold(w)][w] += 1
    if pairs is not None:
        pairs.update(zip(words, words[1:]))


class MarkRestorer:
    """Question text -> ``Restored``: the collection's marks put back on a question
    typed without them (module docstring).

    ``counts``: language -> ``MarkCounts`` of the collection's text in that language.
    ``smoothing`` (MARKS.smoothing) weighs a form's own frequency against its count next
    to the previous word; ``candidates`` (MARKS.candidates): the forms tried per word.
    """

    def __init__(self, counts: dict[str, MarkCounts], *, smoothing: float = MARKS.smoothing,
                 candidates: int = MARKS.candidates, bare: float = MARKS.bare) -> None:
        self.counts = {lang: c for lang, c in counts.items() if c.total}
        self.smoothing = smoothing
        self.bare = bare
        self.limit = candidates

    @classmethod
    def from_texts(cls, texts_by_language: dict[str, list[str]],
                   bases: dict[str, MarkCounts | None] | None = None,
                   **kwargs) -> MarkRestorer:
        """Counts per language from ``texts_by_language`` (a collection's paragraphs by
        language), each with the marked names of the others' text; Vietnamese also
        with its function words (``qa.language.VIETNAMESE_FUNCTION_WORDS``) and general
        counts (``bases``, language -> counts; default: ``shipped`` for Vietnamese)."""
        base = {"vi": shipped()} if bases is None else bases
        return cls({lang: MarkCounts(texts, [t for other, ts in texts_by_language.items()
                                             if other != lang for t in ts],
                                     VIETNAMESE_FUNCTION_WORDS if lang == "vi" else (),
                                     base=base.get(lang))
                    for lang, texts in texts_by_language.items()}, **kwargs)

    def run(self, text: str) -> Restored:
        """``text`` with its marks restored, or unchanged (``language`` "")."""
        if not self.counts:
            return Restored(text)
        words = list(_LETTERS.finditer(text))
        if not words:
            return Restored(text)
        folded = [ascii_fold(m.group()) for m in words]
        caps = [m.group()[0].isupper() for m in words]
        # A word typed with marks is kept as typed; the others are restored.
        fixed = [None if m.group().isascii() else m.group().lower() for m in words]
        if all(fixed):
            return Restored(text)
        # Names ("Le Loi", "New Zealand") belong to no language: the lower-case words
        # decide, when there are any.
        telling = [f for f, cap in zip(folded, caps) if not cap] or folded
        lang = max(self.counts, key=lambda L: self.counts[L].fit(telling))
        counts = self.counts[lang]
        if not counts.writes_marks:
            # A language written without marks (English) has marked words in names and
            # quotations only: its lower-case words stay as typed ("I've" is not "I'về").
            fixed = [w or (None if cap else f) for w, f, cap in zip(fixed, folded, caps)]
        elif any(fixed) and not any(
                share is not None and share < self.bare
                for share in (counts.bare_share(m.group().lower())
                              for m, w in zip(words, fixed) if w is None)):
            # Typed with marks, and every bare word is one the language writes bare
            # often enough ("do", "trang"): nothing says a mark was forgotten.
            return Restored(text)
        forms = self._decode(counts, folded, caps, fixed)
        out, last = [], 0
        for m, form in zip(words, forms):
            out += [text[last:m.start()], _cased(form, m.group())]
            last = m.end()
        restored = "".join(out) + text[last:]
        if restored == text or detect(restored) != lang:
            return Restored(text)
        return Restored(restored, lang)

    def _decode(self, counts: MarkCounts, folded: list[str], caps: list[bool],
                fixed: list[str | None]) -> list[str]:
        """The most likely forms of ``folded`` (Viterbi over each word's candidate forms;
        bigram probabilities interpolated with the form's own, Dirichlet smoothing).
        ``caps``: which words were typed capitalised (they may also be names); ``fixed``:
        each word's form when it stays as typed, else None. Where some words stay, a bare
        word may be meant bare: its form as typed is a candidate too."""
        vocab = len(counts.forms) + 1

        def unigram(form: str, cap: bool) -> float:
            return (counts.count(form, cap) + 1) / (counts.total + vocab)

        def step(prev: str, prev_cap: bool, form: str, cap: bool) -> float:
            seen = counts.count(prev, prev_cap)
            return math.log((counts.pair(prev, form, cap) + self.smoothing * unigram(form, cap))
                            / (seen + self.smoothing))

        partial = any(f is not None for f in fixed)

        def candidates(i: int) -> list[str]:
            if fixed[i] is not None:
                return [fixed[i]]
            forms = counts.candidates(folded[i], self.limit, caps[i])
            return forms if not partial or folded[i] in forms else [*forms, folded[i]]

        states = [(math.log(unigram(f, caps[0])), [f]) for f in candidates(0)]
        for i in range(1, len(folded)):
            nxt = []
            for form in candidates(i):
                score, path = max(((s + step(p[-1], caps[i - 1], form, caps[i]), p)
                                   for s, p in states), key=lambda sp: sp[0])
                nxt.append((score, [*path, form]))
            states = nxt
        return max(states, key=lambda sp: sp[0])[1]


def name_runs(text: str) -> list[list[str]]:
    """Runs of two capitalised words or more, next to each other ("Tô Lâm", "Hà Nội"): a
    capitalised word alone is as often a sentence's first word ("Đó là …"), and an
    English question's "do" must not become "đó"."""
    runs, run, last = [], [], 0
    for m in _LETTERS.finditer(text):
        word = m.group()
        if word[0].isupper() and run and text[last:m.start()].isspace():
            run.append(word)
        else:
            if len(run) > 1:
                runs.append(run)
            run = [word] if word[0].isupper() else []
        last = m.end()
    if len(run) > 1:
        runs.append(run)
    return runs


def bare_words(text: str) -> bool:
    """Does ``text`` hold a word of ASCII letters only, one a mark may be missing from?"""
    return any(m.group().isascii() for m in _LETTERS.finditer(text))


def unmarked(text: str) -> bool:
    """Are all of ``text``'s letters ASCII? (Its punctuation may not be: a phone types
    "–" and curly quotes without any mark on a letter.)"""
    return all(ch.isascii() for ch in text if ch.isalpha())


def _cased(form: str, typed: str) -> str:
    """``form`` (lower case) in the case the asker typed ``typed``; ``typed`` itself when
    the form adds no mark ("CORSMiddleware" stays as typed)."""
    if form == typed.lower():
        return typed
    if typed.isupper() and len(typed) > 1:
        return form.upper()
    if typed[:1].isupper():
        return form[:1].upper() + form[1:]
    return form


@functools.cache
def shipped() -> MarkCounts | None:
    """The general Vietnamese counts in ``qa/marks.json`` (None when the file is absent:
    the collection's own counts only)."""
    if not MARKS_FILE.exists():
        return None
    return MarkCounts.from_json(json.loads(MARKS_FILE.read_text(encoding="utf-8"))["counts"])
