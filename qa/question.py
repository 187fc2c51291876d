"""Checking and understanding questions: validation, follow-ups, what kind of answer is wanted."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from qa import language
from qa.errors import QuestionError
from qa.text import content_tokens

MAX_QUESTION_CHARS = 4000
MAX_K = 50


def check_question(question: object) -> str:
    """The question cleaned of control characters; ``QuestionError`` if unusable."""
    if not isinstance(question, str):
        raise QuestionError(f"the question must be text, not {type(question).__name__}")
    # Lone surrogates (from broken clients) cannot be encoded; replace them.
    text = question.encode("utf-8", "replace").decode("utf-8")
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs") and c not in "\n\t"
                   else c for c in text)
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    if not text:
        raise QuestionError("the question is empty; type a question, e.g. "
                            "'What trade target did Vietnam and New Zealand set?'")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question is {len(text):,} characters long; shorten it to at "
                            f"most {MAX_QUESTION_CHARS:,} characters")
    return text


def check_k(k: object) -> int:
    """A valid number of results (1 to 50)."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise QuestionError(f"k must be a whole number from 1 to {MAX_K}, not {k!r}")
    return k


# What kind of answer a question wants, recognised from its wording (en + vi).
_EXPECTS = (
    ("number", r"\b(how (much|many)|what (\w+ )?(value|amount|number|percentage|share|target|"
               r"goal|figure|turnover|budget)|bao nhiêu|mục tiêu|kim ngạch|"
               r"mấy|which anniversary|kỷ niệm bao nhiêu|tổng cộng)\b"),
    ("place", r"\b(where|which (city|country|province|place)|in what city|ở đâu|"
              r"thành phố nào|tỉnh nào|nơi nào|tại đâu)\b"),
    ("time", r"\b(when|what (year|date|month|time)|which (year|date|month)|since when|"
             r"khi nào|bao giờ|năm nào|ngày nào|tháng nào|thời điểm nào|từ khi nào)\b"),
    ("person", r"\b(who|whom|which (leader|official|minister|person|president)|ai\b|"
               r"người nào|vị nào|lãnh đạo nào)"),
    ("list", r"\b(which two|both|each|which (\w+ )?\w+s\b|what (\w+ )?\w+s (did|do|were|are)\b|"
             r"(những|các) (\w+ ){0,3}nào|"
             r"which (areas|fields|sectors|channels|leaders|countries|documents|agreements)|"
             r"what (areas|fields|sectors|channels|kinds)|list|những (lĩnh vực|kênh|cơ quan|"
             r"sự|gì|nội dung|văn kiện)|các (lĩnh vực|kênh|văn kiện))"),
)
_RECENT = re.compile(r"\b(most recent(ly)?|latest|newest|last time|gần đây nhất|mới nhất|"
                     r"lần gần nhất|gần nhất)\b", re.IGNORECASE)
_ELLIPTICAL = re.compile(r"^(and|what about|how about|and what about|also|còn|thế còn|vậy còn|"
                         r"và|còn với|thế với)\b", re.IGNORECASE)
_ANAPHORA = re.compile(r"\b(he|she|they|him|her|them|his|their|it|its|that|this|these|those|"
                       r"ông ấy|bà ấy|họ|đó|này|ấy|nước này|hai bên)\b", re.IGNORECASE)
_WORD = re.compile(r"\w[\w'’-]*")


def names(text: str) -> list[str]:
    """Words that start with a capital letter (any script that has case)."""
    return [w for w in _WORD.findall(text) if w[0].isupper()]


def key_terms(text: str) -> set[str]:
    """Numbers and acronyms ("2024", "ODA", "APEC"): evidence must contain them."""
    out = set()
    for w in _WORD.findall(text):
        # Two-letter acronyms ("PM", "US") are too often spelled out in the text.
        if w[0].isdigit() or (len(w) >= 3 and w.isupper() and w.isalpha()):
            out.add(w.lower().replace(",", ""))
    return out


@dataclass(frozen=True)
class Question:
    """A checked question, made standalone using the conversation when it is elliptical."""

    text: str  # as asked (cleaned)
    standalone: str  # what retrieval uses
    language: str
    expects: frozenset[str]
    previous: str = ""  # the previous question, when this one leans on it

    @property
    def key_terms(self) -> set[str]:
        """Numbers and acronyms of the question: any evidence must contain them."""
        return key_terms(self.text)


def analyse(question: str, history: list[tuple[str, str]] | None = None) -> Question:
    """Check ``question`` and resolve it against the last turn of ``history``."""
    text = check_question(question)
    lang = language.detect(text)
    previous = ""
    standalone = text
    if history:
        prev = check_history(history)
        short = len(content_tokens(text)) <= 3
        if prev and (short or _ANAPHORA.search(text) or _ELLIPTICAL.search(text)):
            if short:
                standalone = f"{prev} {text}"
                previous = prev
            elif not _new_names(text, prev):
                # A full question leaning on a pronoun ("Who did he invite?").
                previous = prev
    expects = {kind for kind, pattern in _EXPECTS if re.search(pattern, text, re.IGNORECASE)}
    if _RECENT.search(text):
        expects.add("recent")
    expects = frozenset(expects)
    return Question(text, standalone, lang, expects, previous)


def _new_names(text: str, previous: str) -> set[str]:
    """Capitalised words of ``text`` (after its first word) that ``previous`` lacks."""
    before = {w.lower() for w in names(previous)}
    return {w for w in names(text)[1:] if w.lower() not in before}


def history_pairs(history: object, text=None) -> list[tuple[str, str]]:
    """(question, answer) pairs from a conversation history.

    Accepts plain (question, answer) pairs and role/content message dicts, whose
    content may be a string or a list of parts like ``[{"type": "text", "text": ...}]``;
    anything else is ignored. ``text`` extracts a message's text (default: plain).
    """
    message_text = text or _plain_text
    pairs: list[tuple[str, str]] = []
    question: str | None = None
    for turn in history or []:
        if isinstance(turn, dict):
            role = turn.get("role")
            text = message_text(turn.get("content"))
            if role == "user":
                if question is not None:
                    pairs.append((question, ""))
                question = text
            elif role == "assistant" and question is not None:
                pairs.append((question, text))
                question = None
            elif role == "assistant" and pairs:  # a second bubble for the same turn
                q, a = pairs[-1]
                pairs[-1] = (q, f"{a}\n{text}".strip())
        elif isinstance(turn, (list, tuple)) and len(turn) >= 2:
            if question is not None:
                pairs.append((question, ""))
                question = None
            pairs.append((message_text(turn[0]), message_text(turn[1])))
    if question is not None:
        pairs.append((question, ""))
    return pairs


def _plain_text(content: object) -> str:
    if isinstance(content, (list, tuple)):
        return "\n".join(t for t in (_plain_text(p) for p in content) if t)
    if isinstance(content, dict):
        return _plain_text(content.get("text", content.get("content", "")))
    return content if isinstance(content, str) else ""


def check_history(history: object) -> str:
    """The last user question of a history of (question, answer) pairs, or ''."""
    if not isinstance(history, (list, tuple)):
        raise QuestionError("history must be a list of (question, answer) pairs or of "
                            "{'role', 'content'} messages")
    for question, _ in reversed(history_pairs(history)):
        if question.strip():
            try:
                return check_question(question)
            except QuestionError:
                return ""
    return ""
