"""Word translations between English and Vietnamese, learned, for cross-language coverage.

A question and a sentence in the same language share words, and the sentence scorer
weighs that coverage (``qa.scoring`` ``cover_sentence``/``cover_paragraph``). Across
languages only names and numbers are shared, so a Vietnamese question over an English
article lost that signal whole. This table restores part of it: for each word, the
words it is translated by.

Retrieval uses it too (``gloss``): a word-for-word rendering of the question in the
other language is embedded as a second query for that language's paragraphs, since
the small multilingual embedder matches a question to a paragraph of the other
language much less well than to one of its own (``qa.retrieve``).

The table is fitted by ``bench/fit_lexicon.py`` (IBM Model 1, both directions, on the
parallel questions, answers and sentence-aligned paragraphs of XQuAD's *fit*
paragraphs; no evaluation question) and stored in ``qa/lexicon.json`` with its
provenance. Words are ``qa.text.content_tokens`` (Vietnamese: syllables); lookups
compare diacritic-folded forms, as the coverage features do.

Wikipedia's words are not a manual's: "bảo vệ" (protect), "chỉnh sửa" (edit) or
"tài liệu" (document) have no entry or a wrong one. A collection that is translated,
wholly or in part, teaches its own: ``for_collection`` fits the same model on the
paragraphs ``qa.parallel`` linked as translations of each other and puts what it
learns before the shipped table's entries.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from qa.errors import CalibrationError
from qa.text import STOPWORDS, ascii_fold, content_tokens, sentences, stem, tokens
from qa.tuning import WORD_TABLES

LEXICON = Path(__file__).with_name("lexicon.json")
_FIX = "run python bench/fit_lexicon.py --xquad PATH (PATH: the folder of xquad.en.json)"


class Lexicon:
    """``translations(question, source, target)``: each of the question's words
    (folded) -> the folded words that translate it into ``target``."""

    def __init__(self, tables: Mapping[str, Mapping[str, list[str]]]) -> None:
        # "en->vi" -> {word: [translations]}; words as content_tokens gives them.
        self.tables = {pair: {w: tuple(ts) for w, ts in table.items()}
                       for pair, table in tables.items()}

    def before(self, tables: Mapping[str, Mapping[str, list[str]]]) -> Lexicon:
        """This table with ``tables``' translations put first: a word keeps at most
        ``WORD_TABLES.top``, its entries in ``tables`` before its own."""
        out = {pair: dict(table) for pair, table in self.tables.items()}
        for pair, table in tables.items():
            mine = out.setdefault(pair, {})
            for word, found in table.items():
                mine[word] = tuple(dict.fromkeys([*found, *mine.get(word, ())]))[
                    :WORD_TABLES.top]
        return Lexicon(out)

    @classmethod
    def load(cls, path: Path | str = LEXICON) -> Lexicon:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(data["tables"])
        except FileNotFoundError as exc:
            raise CalibrationError(f"{path} is missing; {_FIX}") from exc
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CalibrationError(f"{path} cannot be read ({exc}); {_FIX}") from exc

    def translations(self, question: str, source: str, target: str
                     ) -> dict[str, frozenset[str]]:
        """Folded question word -> folded translations into ``target`` (words without
        an entry, and every word when the pair has no table, are left out)."""
        table = self.tables.get(f"{source}->{target}", {})
        out: dict[str, set[str]] = {}
        for word in content_tokens(question):
            found = table.get(word)
            if found:
                out.setdefault(ascii_fold(word), set()).update(ascii_fold(t) for t in found)
        return {k: frozenset(v) for k, v in out.items()}


    def gloss(self, text: str, source: str, target: str) -> str:
        """``text`` word for word in ``target``: each content word the table knows becomes
        its translations (up to 3, best first), every other word (a name, a number, a
        word the table lacks) stays as written; stop words drop out. "" when the pair
        has no table or no word of ``text`` has an entry (nothing to gain)."""
        table = self.tables.get(f"{source}->{target}", {})
        out: list[str] = []
        translated = False
        for word in tokens(text):
            if word in STOPWORDS:
                continue
            found = table.get(stem(word))
            translated |= bool(found)
            out += found or [word]
        return " ".join(out) if translated else ""


class Glosser:
    """A question's glosses into the other languages of a corpus (``Lexicon.gloss``);
    the retriever embeds each as one more query (with the question, in one call)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon

    def texts(self, question: str, source: str, targets) -> dict[str, str]:
        """Target language -> ``question``'s gloss into it, for each target other than
        ``source`` that the table translates into."""
        out = {}
        for target in targets:
            if target != source:
                gloss = self.lexicon.gloss(question, source, target)
                if gloss:
                    out[target] = gloss
        return out


Pair = tuple[list[str], list[str]]


def ibm1(pairs: list[Pair], iterations: int = WORD_TABLES.iterations
         ) -> dict[str, dict[str, float]]:
    """p(target word | source word) by EM over (source words, target words) pairs, with
    a NULL source word (IBM Model 1, Brown et al. 1993). Vectorised: one entry per word
    pair that co-occurs, so a round costs one pass over the co-occurrences."""
    sources: dict[str, int] = {}
    targets: dict[str, int] = {}
    cells: dict[tuple[int, int], int] = {}  # (source, target) -> cell
    cell_of, group_of = [], []  # each co-occurrence's cell, and its target token's group
    group = 0
    for src, tgt in pairs:
        ids = [sources.setdefault(w, len(sources)) for w in src] + [-1]  # -1: NULL
        for w in tgt:
            t = targets.setdefault(w, len(targets))
            for s in ids:
                cell_of.append(cells.setdefault((s, t), len(cells)))
                group_of.append(group)
            group += 1
    if not cells:
        return {}
    cell = np.asarray(cell_of, dtype=np.int64)
    grp = np.asarray(group_of, dtype=np.int64)
    src_of_cell = np.fromiter((s if s >= 0 else len(sources) for s, _ in cells),
                              dtype=np.int64, count=len(cells))
    prob = np.ones(len(cells))  # uniform start (normalised by the first E step)
    for _ in range(iterations):
        p = prob[cell]
        share = p / np.bincount(grp, weights=p, minlength=group)[grp]
        counts = np.bincount(cell, weights=share, minlength=len(cells))
        prob = counts / np.bincount(src_of_cell, weights=counts,
                                    minlength=len(sources) + 1)[src_of_cell]
    source_words, target_words = list(sources), list(targets)
    out: dict[str, dict[str, float]] = {}
    for (s, t), c in cells.items():
        if s >= 0:
            out.setdefault(source_words[s], {})[target_words[t]] = float(prob[c])
    return out


def table(pairs: list[Pair]) -> dict[str, list[str]]:
    """Source word -> its translations: those with p(t | w) >= ``WORD_TABLES.min_p``, at
    most ``top``, of words seen ``min_count`` times or more; numbers are left out (they
    match as they are)."""
    seen: dict[str, int] = {}
    for src, _ in pairs:
        for w in src:
            seen[w] = seen.get(w, 0) + 1
    out = {}
    for word, dist in ibm1(pairs).items():
        if seen[word] < WORD_TABLES.min_count or any(c.isdigit() for c in word):
            continue
        keep = [w for w, p in sorted(dist.items(), key=lambda x: (-x[1], x[0]))[:WORD_TABLES.top]
                if p >= WORD_TABLES.min_p and not any(c.isdigit() for c in w)]
        if keep:
            out[word] = keep
    return dict(sorted(out.items()))


def tables(pairs: list[Pair], source: str = "en", target: str = "vi"
           ) -> dict[str, dict[str, list[str]]]:
    """Both directions of (``source`` words, ``target`` words) pairs:
    {"en->vi": ..., "vi->en": ...}."""
    return {f"{source}->{target}": table(pairs),
            f"{target}->{source}": table([(b, a) for a, b in pairs])}


def aligned_sentences(a: str, b: str) -> list[Pair]:
    """Word pairs of two texts that translate each other, sentence by sentence in order
    when both have as many sentences; [] when they do not."""
    sa, sb = sentences(a), sentences(b)
    if len(sa) != len(sb):
        return []
    return [(content_tokens(a[s:e]), content_tokens(b[u:v])) for (s, e), (u, v) in zip(sa, sb)]


def translated_pairs(catalog) -> dict[tuple[str, str], list[Pair]]:
    """(language a, language b), a < b -> word pairs of the catalog's linked translations:
    their sentences paired in order when both have as many, else the two paragraphs whole
    when each has at most ``WORD_TABLES.max_pair_words`` content words."""
    out: dict[tuple[str, str], list[Pair]] = {}
    done: set[tuple[str, str]] = set()
    for pid in sorted(catalog.links):
        p = catalog.paragraphs.get(pid)
        for oid in catalog.parallel(pid):
            o = catalog.paragraphs.get(oid)
            if p is None or o is None or p.language == o.language or (oid, pid) in done:
                continue
            done.add((pid, oid))
            a, b = sorted((p, o), key=lambda x: x.language)
            pairs = out.setdefault((a.language, b.language), [])
            aligned = aligned_sentences(a.text, b.text)
            if aligned:
                pairs += aligned
            else:
                wa, wb = content_tokens(a.text), content_tokens(b.text)
                if max(len(wa), len(wb)) <= WORD_TABLES.max_pair_words:
                    pairs.append((wa, wb))
    return {langs: [(x, y) for x, y in pairs if x and y] for langs, pairs in out.items()}


def for_collection(catalog, base: Lexicon, min_pairs: int = WORD_TABLES.min_pairs) -> Lexicon:
    """``base`` with the word tables a collection's own translations teach put first
    (``translated_pairs``; a language pair needs ``min_pairs`` pairs), or ``base`` itself
    when they teach none. LibreOffice's Writer help (en + vi, 481 pairs):
    "tài liệu" gains "document", "sửa" "edit"."""
    learnt: dict[str, dict[str, list[str]]] = {}
    for (a, b), pairs in translated_pairs(catalog).items():
        if len(pairs) >= min_pairs:
            learnt.update(tables(pairs, a, b))
    return base.before(learnt) if learnt else base


@functools.cache
def shipped() -> Lexicon:
    """The table in ``qa/lexicon.json``, read once per process (every index version's
    answerer uses it)."""
    return Lexicon.load()
