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
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path

from qa.errors import CalibrationError
from qa.text import STOPWORDS, ascii_fold, content_tokens, stem, tokens

LEXICON = Path(__file__).with_name("lexicon.json")
_FIX = "run python bench/fit_lexicon.py --xquad PATH (PATH: the folder of xquad.en.json)"


class Lexicon:
    """``translations(question, source, target)``: each of the question's words
    (folded) -> the folded words that translate it into ``target``."""

    def __init__(self, tables: Mapping[str, Mapping[str, list[str]]]) -> None:
        # "en->vi" -> {word: [translations]}; words as content_tokens gives them.
        self.tables = {pair: {w: tuple(ts) for w, ts in table.items()}
                       for pair, table in tables.items()}

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


@functools.cache
def shipped() -> Lexicon:
    """The table in ``qa/lexicon.json``, read once per process (every index version's
    answerer uses it)."""
    return Lexicon.load()
