"""Cheap, dependency-free language identification for English and Vietnamese text."""

from __future__ import annotations

import re
import unicodedata

# Marks that, on a Latin letter, only Vietnamese uses in everyday text:
# hook above, dot below, horn, and breve (ă); plus the letter đ.
_STRONG_MARKS = {"\u0309", "\u0323", "\u031b", "\u0306"}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
DETECT_CHARS = 5000  # characters of a text that language detection looks at
# Vietnamese function words (closed classes, standard grammars) that carry one mark or
# none: a question made of English terms and these ("Còn API server identity thì
# sao?", "Khi nào dùng cache?") is Vietnamese. None of them is an English word.
_VI_WORDS = {
    "và", "của", "các", "những", "được", "trong", "với", "cho", "không", "là", "có",
    "này", "đã", "sẽ", "hai", "bên", "về", "người", "nào", "gì", "ai", "bao", "nhiêu",
    "còn", "thì", "sao", "thế", "nếu", "khi", "như", "nhưng", "vì", "hoặc", "cũng", "rồi",
    "vậy", "tôi", "bạn", "chúng", "mình", "làm", "để", "mà", "ở", "từ", "đến",
}
# The same closed class, public: the mark restorer (qa.diacritics) counts each as seen
# once, since a collection of statements seldom holds the question words ("nào", "gì").
VIETNAMESE_FUNCTION_WORDS = frozenset(_VI_WORDS)
_SCRIPTS = (
    ("zh", ("CJK UNIFIED",)),
    ("ja", ("HIRAGANA", "KATAKANA")),
    ("ko", ("HANGUL",)),
    ("ru", ("CYRILLIC",)),
    ("ar", ("ARABIC",)),
    ("th", ("THAI",)),
    ("hi", ("DEVANAGARI",)),
    ("el", ("GREEK",)),
    ("he", ("HEBREW",)),
)


def _is_vietnamese_word(word: str) -> bool:
    lower = word.lower()
    if lower in _VI_WORDS or "đ" in lower:
        return True
    marks = {c for c in unicodedata.normalize("NFD", lower) if unicodedata.combining(c)}
    return bool(marks & _STRONG_MARKS) or len(marks) >= 2


def _script(text: str) -> str | None:
    counts: dict[str, int] = {}
    letters = 0
    for ch in text:
        if not ch.isalpha():
            continue
        letters += 1
        if ch < "\u0370" or "\u1e00" <= ch <= "\u1eff":
            continue  # Latin (Vietnamese included): none of _SCRIPTS, skip the slow name lookup
        name = unicodedata.name(ch, "")
        for code, prefixes in _SCRIPTS:
            if name.startswith(prefixes):
                counts[code] = counts.get(code, 0) + 1
                break
    if not letters or not counts:
        return None
    code, n = max(counts.items(), key=lambda kv: kv[1])
    return code if n / letters >= 0.3 else None


def detect(text: str) -> str:
    """Return 'vi', 'en', another ISO 639-1 code for non-Latin scripts, or 'und'.

    Vietnamese is recognised by its share of words carrying Vietnamese-only
    diacritics, so an English paragraph full of names like "Lương Cường" stays
    English while a Vietnamese heading over an English body is Vietnamese.
    """
    # A sample is enough to tell the language, and keeps a 20 MB paragraph cheap.
    text = text[:DETECT_CHARS]
    script = _script(text)
    if script:
        return script
    words = _WORD.findall(text)
    if not words:
        return "und"
    vi = sum(_is_vietnamese_word(w) for w in words)
    return "vi" if vi / len(words) >= 0.25 else "en"


def majority(texts: list[str], langs: list[str] | None = None) -> str:
    """The language of most words across ``texts`` (a document's prose blocks), or 'und'.

    ``langs``, if given, are ``detect`` of each text, already computed.
    """
    words: dict[str, int] = {}
    for text, lang in zip(texts, langs or [detect(t) for t in texts]):
        if lang != "und":
            words[lang] = words.get(lang, 0) + len(_WORD.findall(text[:DETECT_CHARS]))
    return max(words.items(), key=lambda kv: kv[1])[0] if words else "und"


# English closed-class words (articles, pronouns, prepositions, auxiliaries,
# conjunctions): evidence that a Latin-script block is English prose rather than
# names, code identifiers or a formula, which carry no language of their own.
_EN_WORDS = frozenset("""
the a an of to in on at for by with from about into over under and or but nor if so than
then that this these those it its is are was were be been being am do does did has have
had will would can could should may might must not no he she they we you i his her their
our your my him them us me who whom whose which what when where why how there here
""".split())
# rule: marked words needed before a block may differ from its document; 2 is the
# smallest count that is not one stray word ("hay", "and"). Measured, not fitted, on
# eval/hf-course's prose blocks (README "Paragraph ids": 218/222 vi, 207/207 en).
MIN_EVIDENCE = 2


def evidence(text: str) -> tuple[int, int]:
    """(lower-case Vietnamese-marked words, English function words) in ``text``."""
    words = _WORD.findall(text[:DETECT_CHARS])
    # Capitalised words are left out: Vietnamese names ("Lương Cường", "Hà Nội") carry
    # the same marks as Vietnamese words but say nothing about the language around them.
    vi = sum(w[0].islower() and _is_vietnamese_word(w) for w in words)
    en = sum(w.lower() in _EN_WORDS for w in words)
    return vi, en


def detect_block(text: str, prior: str = "und", lang: str | None = None) -> str:
    """The language of one block of a document whose majority language is ``prior``.

    ``text`` should be clean (``qa.text.match_text``). A block takes its document's
    language unless it shows its own: fewer than ``MIN_EVIDENCE`` marked words (a
    list of model names, a formula, "hay") is no evidence, and an English/Vietnamese
    block in a document of the other language must have more words marked for its
    own language than for the document's. Blocks in other scripts keep ``detect``.
    (Measured on eval/hf-course: README "Paragraph ids".) ``lang``: ``detect(text)``
    if already computed.
    """
    lang = lang or detect(text)
    if lang not in ("en", "vi") or prior not in ("en", "vi"):
        return prior if lang == "und" else lang
    vi, en = evidence(text)
    if vi + en < MIN_EVIDENCE or lang == prior:
        return prior
    mine, theirs = (vi, en) if lang == "vi" else (en, vi)
    return lang if mine > theirs else prior
