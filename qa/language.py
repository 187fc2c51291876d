"""Cheap, dependency-free language identification for English and Vietnamese text."""

from __future__ import annotations

import re
import unicodedata

# Marks that, on a Latin letter, only Vietnamese uses in everyday text:
# hook above, dot below, horn, and breve (ă); plus the letter đ.
_STRONG_MARKS = {"\u0309", "\u0323", "\u031b", "\u0306"}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
DETECT_CHARS = 5000  # characters of a text that language detection looks at
_VI_WORDS = {
    "và", "của", "các", "những", "được", "trong", "với", "cho", "không", "là", "có",
    "này", "đã", "sẽ", "hai", "bên", "về", "người", "nào", "gì", "ai", "bao", "nhiêu",
}
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
