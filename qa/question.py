"""Checking and understanding questions: validation and follow-ups. (What kind of answer
a question wants is learned: ``qa.answertype``.)"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from qa import language
from qa.errors import QuestionError
from qa.text import STOPWORDS, content_tokens

# bound: a question longer than this is not a question (the embedder reads only its
# first 512 tokens anyway); k above 50 is a dump, not a search.
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


# Follow-ups are recognised by grammar, not by topic: closed-class words of English and
# Vietnamese (standard grammars), never words taken from evaluation questions.
# A connector at the start marks an elliptical question ("And ...?", "What about ...?",
# "Còn ...?", "Thế còn ...?") that reuses the previous question's predicate.
_ELLIPTICAL = re.compile(r"^(and|also|what about|how about|as for|còn|thế còn|vậy còn|"
                         r"còn về|và|thế|vậy)\b", re.IGNORECASE)
# Personal and demonstrative pronouns that point back to something named earlier.
_ANAPHORA = re.compile(r"\b(he|she|they|him|her|them|his|hers|their|theirs|it|its|this|that|"
                       r"these|those|there|then|ông ấy|bà ấy|anh ấy|chị ấy|cô ấy|họ|nó|đó|"
                       r"này|ấy|kia|khi đó|lúc đó)\b", re.IGNORECASE)
# Existential "there" ("Is there a fee?", "There are three options?") points back to
# nothing: English grammar's dummy subject, with a form of "be" (or a modal) beside it.
_BE = r"(?:is|are|was|were|isn['’]t|aren['’]t|wasn['’]t|weren['’]t|will|would|can|could|"\
      r"may|might|must|should|has|have|had)"
_EXISTENTIAL = re.compile(rf"\b{_BE}\s+there\b|\bthere(?:\s+(?:{_BE}|be|been|seems?|exists?)\b"
                          r"|['’](?:s|re)\b)", re.IGNORECASE)
_WORD = re.compile(r"\w[\w'’-]*")
# Prepositions (closed class, standard grammars of both languages): an elliptical
# follow-up that opens with one ("And on education?", "Còn về nông nghiệp?") replaces
# the previous question's last phrase opened by the same preposition ("What did they
# agree on climate change?" -> "... agree on education").
_PREPOSITION = re.compile(r"\b(on|in|at|about|for|with|to|from|of|by|during|regarding|"
                          r"between|among|against|through|towards|over|under|into|"
                          r"về|trong|với|cho|của|tại|ở|từ|đến|trên|dưới|vào|theo|bằng)\b",
                          re.IGNORECASE)
_WH_EN = "what|which|who|whom|whose|where|when|why|how"
_WH = re.compile(rf"\b({_WH_EN})\b", re.IGNORECASE)
# A question word of either language, or Vietnamese's closing "… không?" (yes/no):
# "không" inside a phrase is a word's syllable ("không khí", air), not a question.
_WH_ANY = re.compile(rf"\b({_WH_EN}|gì|nào|ai|đâu|bao nhiêu|bao giờ|tại sao|vì sao|mấy)\b"
                     r"|\bkhông$", re.IGNORECASE)
# Trailing tags of a Vietnamese elliptical question ("Còn nông nghiệp thì sao?").
_TAG = re.compile(r"\s*\b(thì sao|thế nào|ra sao|thì thế nào|thì như thế nào)\s*$", re.IGNORECASE)
# A request for what the documents say about a topic rather than for one fact ("What do
# the documents say about X?", "Tell me about X", "Summarise X", "Is there anything on
# X?", "Tài liệu nói gì về X?", "Cho tôi biết về X", "Tóm tắt X", "Có gì về X không?"):
# the request verbs and prepositions of both languages (closed-class words and the
# verbs of saying, standard grammars; none taken from an evaluation question). What
# follows them is the topic.
_ABOUT = r"(?:about|on|regarding|concerning)"
_TOPIC_REQUEST = [re.compile(p, re.IGNORECASE) for p in (
    rf"^(?:please\s+)?(?:tell|show|give)\s+(?:me|us)\s+(?:more\s+|something\s+|"
    rf"everything\s+|anything\s+)?{_ABOUT}\s+(?P<topic>.+)$",
    r"^(?:please\s+)?(?:summari[sz]e|describe|outline)\s+(?P<topic>.+)$",
    r"^(?:please\s+)?(?:give\s+(?:me\s+|us\s+)?)?(?:an?\s+)?(?:overview|summary)\s+"
    r"(?:of|on)\s+(?P<topic>.+)$",
    rf"^what\s+(?:do|does|did|can|could|will|would)\s+(?:\S+\s+){{0,6}}?(?:say|write|"
    rf"mention|tell\s+(?:me|us))\s+{_ABOUT}\s+(?P<topic>.+)$",
    rf"^what\s+(?:is|was|are|were|has\s+been|have\s+been)\s+(?:said|written|mentioned)"
    rf"\s+{_ABOUT}\s+(?P<topic>.+)$",
    rf"^(?:(?:is|are)\s+there\s+)?(?:anything|something|any\s+information|information)"
    rf"\s+{_ABOUT}\s+(?P<topic>.+)$",
    r"^(?:\S+\s+){0,4}?(?:nói|viết|đề cập|ghi|kể)\s+(?:những\s+)?gì\s+(?:về|đến|tới)\s+"
    r"(?P<topic>.+?)(?:\s+không)?$",
    r"^(?:hãy\s+|xin\s+)?(?:cho\s+(?:tôi|mình|em|chúng tôi)\s+)?biết\s+(?:thêm\s+)?"
    r"(?:thông tin\s+)?về\s+(?P<topic>.+)$",
    r"^(?:hãy\s+|xin\s+)?(?:tóm tắt|mô tả|giới thiệu)\s+(?:về\s+)?(?P<topic>.+)$",
    r"^(?:có\s+)?(?:thông tin\s+)?(?:những\s+)?(?:gì\s+)?về\s+(?P<topic>.+?)(?:\s+không)?$",
)]


def topic_request(text: str) -> str:
    """The topic when ``text`` asks what the documents say about something ("Tell me about
    the harbour fees." -> "the harbour fees"), else "". A topic that holds a question
    word asks a question of its own ("Describe how the fee is set"): not a request."""
    plain = " ".join(text.strip().rstrip("?.!").split())
    for pattern in _TOPIC_REQUEST:
        m = pattern.match(plain)
        if m:
            topic = m.group("topic").strip(" ,;:")
            if content_tokens(topic) and not _WH_ANY.search(topic):
                return topic
            return ""
    return ""


# A name only code has: words of two characters or more joined by "_" or "."
# ("max_retries", "json.loads", "setup.cfg"; not "e.g."), or lower case with a
# capital inside ("useEffect", "getItem"; not "GitHub", a proper name).
_IDENTIFIER = re.compile(r"(?<![\w.])(?:[A-Za-z]\w+(?:[_.][A-Za-z0-9]\w+)+|[a-z]+[A-Z]\w*)(?!\w)")


def names(text: str) -> list[str]:
    """Words that start with a capital letter (any script that has case), but the first
    word when only sentence case capitalises it: "Who met Luxon?" -> ["Luxon"], while a
    name that opens the text keeps all its words ("New Zealand and ..." -> ["New",
    "Zealand"])."""
    words = _WORD.findall(text)
    skip_first = bool(words) and not (len(words) > 1 and words[1][0].isupper())
    return [w for i, w in enumerate(words) if w[0].isupper() and not (i == 0 and skip_first)]


def entities(text: str) -> list[str]:
    """The names of ``text`` (``names``), adjacent capitalised words joined, each once in
    order, without a leading stop word ("Did", "Which"): "Did Hà Nội sign with New Delhi
    first?" -> ["Hà Nội", "New Delhi"]."""
    kept = set(names(text))
    runs: list[list[str]] = []
    end = -1
    for m in _WORD.finditer(text):
        word = m.group()
        if word in kept and runs and runs[-1] and not text[end:m.start()].strip():
            runs[-1].append(word)
        elif word in kept:
            runs.append([word])
        elif runs and runs[-1]:
            runs.append([])
        end = m.end()
    out = []
    for run in runs:
        while run and run[0].lower() in STOPWORDS:
            run = run[1:]
        if run:
            out.append(" ".join(run))
    return list(dict.fromkeys(out))


def key_terms(text: str) -> set[str]:
    """Numbers and acronyms ("2024", "ODA", "APEC") and code identifiers ("max_retries",
    "json.loads", "useEffect"): evidence must contain them."""
    out = set()
    for w in _WORD.findall(text):
        # Two-letter acronyms ("PM", "US") are too often spelled out in the text.
        if w[0].isdigit() or (len(w) >= 3 and w.isupper() and w.isalpha()):
            out.add(w.lower().replace(",", ""))
    # An identifier names one thing in code exactly as an acronym does: a question about
    # "max_retries" is not answered by a paragraph about "retries" (dev-only
    # FastAPI and React docs: refusal 0.143 -> 0.286 and 0.429 -> 0.571, false refusal
    # and accuracy unchanged; hf-course fit split unchanged).
    out |= {m.lower() for m in _IDENTIFIER.findall(text)}
    return out


@dataclass(frozen=True)
class Question:
    """A checked question, made standalone using the conversation when it is elliptical."""

    text: str  # as asked (cleaned)
    standalone: str  # what retrieval uses
    language: str
    previous: str = ""  # the previous question, when this one leans on it
    # What retrieval looks for when it differs from ``standalone`` (else ""): see analyse.
    search: str = ""
    # What an elliptical follow-up asks about instead of the last turn's topic
    # ("containerd" in "And for containerd?"; ``elliptical_topic``), else "".
    topic: str = ""

    @property
    def search_text(self) -> str:
        """The text retrieval embeds and matches."""
        return self.search or self.standalone

    @property
    def key_terms(self) -> set[str]:
        """Numbers, acronyms and identifiers of the question (``key_terms``): any evidence
        must contain them."""
        return key_terms(self.text)


def analyse(question: str, history: list | None = None) -> Question:
    """Check ``question`` and decide, from its form alone, whether it leans on the last turn.

    - Elliptical ("And with Kazakhstan?", or no content word at all: "When?"): retrieval
      uses the question plus the previous question's predicate (its words minus its
      names), so the new names replace the old.
    - A pronoun and no topic of its own ("What posts does he hold?"): the question plus
      the names of the previous question and answer (the antecedent) is ``standalone``;
      retrieval (``search``) uses the question, the whole previous question and the
      answer's names.
    - Anything that names its own topic is answered on its own, however short.
    """
    text = check_question(question)
    lang = language.detect(text)
    previous = search = topic = ""
    standalone = text
    if history:
        prev_q, prev_a = last_turn(history)
        if prev_q:
            if _ELLIPTICAL.search(text) or not content_tokens(text):
                own = names(text) or key_terms(text)
                carried = (" ".join(w for i, w in enumerate(_WORD.findall(prev_q))
                                    if i == 0 or not w[0].isupper()) if own
                           else replace_object(prev_q, text) or prev_q)
                standalone, previous = f"{text} {carried}", prev_q
                topic = elliptical_topic(text)
            elif _ANAPHORA.search(_EXISTENTIAL.sub(" ", text)) and not has_topic(text):
                # The scorer weighs the antecedent's names; retrieval also gets the whole
                # previous question: a follow-up asks about the same event, and the
                # passage that answered it is the best place to look ("Besides that,
                # what did they commit to?" after "... which committee?").
                antecedents = " ".join(dict.fromkeys(names(prev_q) + names(prev_a)[:6]))
                standalone, previous = f"{text} {antecedents}".strip(), prev_q
                search = f"{text} {prev_q} {' '.join(names(prev_a)[:6])}".strip()
    return Question(text, standalone, lang, previous, search, topic)


def _elliptical_phrase(follow_up: str) -> str:
    """What an elliptical follow-up says past its connector and tag ("And for containerd?"
    -> "for containerd"; "Còn với Kazakhstan thì sao?" -> "với Kazakhstan"); "" when it
    names nothing or asks a question of its own ("Còn nếu muốn chạy lâu dài thì đưa lên
    đâu?")."""
    phrase = _ELLIPTICAL.sub("", follow_up.strip(), count=1).strip(" ?.!,;:")
    phrase = _TAG.sub("", phrase).strip(" ?.!,;:")
    if not content_tokens(phrase) or _WH_ANY.search(phrase):
        return ""
    return phrase


def elliptical_topic(follow_up: str) -> str:
    """The new topic of an elliptical follow-up: its phrase without a leading preposition
    ("And for containerd?" -> "containerd", "Còn với Kazakhstan thì sao?" ->
    "Kazakhstan"), "" when there is none (``_elliptical_phrase``). The follow-up asks
    the last question again about this topic, so an answer must be about it: the
    last turn's topic, which the carried question still names, is not."""
    phrase = _elliptical_phrase(follow_up)
    lead = _PREPOSITION.match(phrase)
    if lead:
        phrase = phrase[lead.end():].strip()
    return phrase if content_tokens(phrase) else ""


def replace_object(previous: str, follow_up: str) -> str:
    """``previous`` with its last phrase opened by the preposition the elliptical
    ``follow_up`` opens with replaced by the follow-up's phrase ("" when that does not
    apply): "And on education?" after "What did they agree on climate change?" asks
    "What did they agree on education". Applies only when the follow-up has a content
    word past its connector and no question word (else it asks its own question: "Còn
    nếu muốn chạy lâu dài thì đưa lên đâu?"), opens with a preposition the previous
    question has after some content word, and the phrase replaced holds no English
    question word (its question, not its object: "In which city did they meet?").
    Without a preposition ("What about X?") the new topic may stand for the object or
    for a phrase's noun, which only a parser could tell: no rewrite."""
    phrase = _elliptical_phrase(follow_up)
    if not phrase:
        return ""  # nothing named, or a question of its own ("... thì đưa lên đâu?")
    lead = _PREPOSITION.match(phrase)
    if not lead:
        # "What about X?" may replace the object or the last phrase's noun ("Which option
        # sets the title in the metadata?" / "And the description?"): no rewrite.
        return ""
    same = [m for m in _PREPOSITION.finditer(previous)
            if m.group(1).lower() == lead.group(1).lower()]
    if not same:
        return ""
    head, tail = previous[:same[-1].start()], previous[same[-1].start():]
    if not content_tokens(head) or _WH.search(tail):
        return ""
    return f"{head}{phrase}"


def has_topic(text: str) -> bool:
    """Does the question name something itself: a name (``names``), a number, an
    acronym or an identifier (``key_terms``)?"""
    return bool(names(text) or key_terms(text))


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


def last_turn(history: object) -> tuple[str, str]:
    """The last (question, answer) of a history whose question is usable, or ("", "")."""
    if not isinstance(history, (list, tuple)):
        raise QuestionError("history must be a list of (question, answer) pairs or of "
                            "{'role', 'content'} messages")
    for question, answer in reversed(history_pairs(history)):
        if question.strip():
            try:
                return check_question(question), answer or ""
            except QuestionError:
                return "", ""
    return "", ""
