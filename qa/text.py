"""Text utilities shared by retrieval and answering: tokens, sentences, numbers."""

from __future__ import annotations

import functools
import html
import re
import unicodedata

_TOKEN = re.compile(r"\w+", re.UNICODE)
# A sentence ends at . ! ? … (plus closing quotes/brackets) followed by space and
# a capital, digit or opening quote; list markers ("1.", "IV.") and initials
# ("U.S.", "Mr.") do not end one.
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"“'(\[]?[A-ZÀ-ỸĐ0-9])")
_NO_BREAK_BEFORE = re.compile(
    r"(?:^|\s)(?:\d{1,3}|[IVXivx]{1,5}|[A-Z]|Mr|Mrs|Ms|Dr|St|No|Vol|PM|Gen|Prof|Jr|Sr|Inc|"
    r"Co|Ltd|vs|etc|TS|ThS|GS|PGS|TP|Tp)\.[\"'”’)\]]*$")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A list item's marker at the start of a line: "- ", "* ", "1. ", "2) ".
LIST_ITEM = re.compile(r"[ \t]*(?:[-*+•][ \t]|\d{1,3}[.)][ \t])")
# A line that starts a unit of its own, not the rest of a wrapped sentence: blank, a list
# item, a table row, a block quote, a heading, a fence.
_NEW_UNIT = re.compile(rf"(?:{LIST_ITEM.pattern})|[ \t]*(?:$|[|>#])")
_FENCE = re.compile(r"[ \t]*(?:```|~~~)")

# Function words of both languages (closed classes: articles, pronouns, prepositions,
# auxiliaries, question words), never taken from evaluation questions. The indefinite
# pronouns ("anything", "someone") came last (2026-11-30): "Is there anything about
# forestry?" named "anything" as a topic the sentences had to cover, and was refused.
STOPWORDS = frozenset("""
a an the of to in on at for by with from and or but is are was were be been being do
does did has have had this that these those it its as into about over under what which
who whom whose when where why how whether there their they them he she his her him we
our you your i me my will would shall should can could may might must not no nor than
then so such also any each other more most some both all many much very just only own
same too s t ve ll re d m và của các những được trong với cho không là có này đã sẽ
về người nào gì ai bao nhiêu đâu khi thì mà như để từ tại theo trên dưới vào ra lại
cũng đó đây hay hoặc nhưng nên vì do bị một ông bà anh chị họ chúng ta tôi việc sự các
nhà làm đến
anything something everything nothing anyone someone everyone nobody anybody somebody
""".split())


def fold(text: str) -> str:
    """Lower-case NFC text (keeps Vietnamese diacritics, unifies composed forms)."""
    return unicodedata.normalize("NFC", text).lower()


def tokens(text: str) -> list[str]:
    """Word tokens of ``text``, lower-cased, diacritics kept; zero-width characters
    inside a word ("kiến\u200btrúc") do not split it."""
    return _TOKEN.findall(fold(_ZERO_WIDTH.sub("", text)))


def stem(token: str) -> str:
    """A light English suffix stripper ("goals" -> "goal"); other words unchanged."""
    if len(token) < 5 or not token.isascii() or not token.isalpha():
        return token
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""),
                         ("s", "")):
        if token.endswith(suffix) and len(token) - len(suffix) >= 4 and not token.endswith("ss"):
            return token[: len(token) - len(suffix)] + keep
    return token


def content_tokens(text: str) -> list[str]:
    """Stemmed tokens minus stop words (English and Vietnamese)."""
    return [stem(t) for t in tokens(text) if t not in STOPWORDS]


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence in ``text``; text[start:end] is verbatim."""
    spans: list[tuple[int, int]] = []
    for line_start, line in _lines(text):
        start = 0
        for m in _BOUNDARY.finditer(line):
            if _NO_BREAK_BEFORE.search(line[start:m.start()]):
                continue
            piece = line[start:m.start()]
            if piece.strip():
                spans.append(_trimmed(line_start + start, piece))
            start = m.end()
        if line[start:].strip():
            spans.append(_trimmed(line_start + start, line[start:]))
    return spans


def _lines(text: str):
    """(offset, text) of each logical line: a line with the lines that continue it.

    Documentation is often hard-wrapped ("...and that the URL\ncontrol characters are
    encoded."): a line break is then white space inside a sentence, as Markdown reads
    it. A blank line, a list item, a table row, a block quote, a heading or a fence
    starts a new line, and so does every line inside a fence; a sentence may still end
    at a line's end (``_BOUNDARY``)."""
    start = end = pos = 0
    fenced = after_fence = False
    for n, line in enumerate(text.split("\n")):
        fence = bool(_FENCE.match(line))
        if n and (fenced or fence or after_fence or _NEW_UNIT.match(line)
                  or not text[start:end].strip()):
            yield start, text[start:end]
            start = pos
        fenced ^= fence
        after_fence = fence
        end = pos + len(line)
        pos = end + 1
    yield start, text[start:end]


def logical_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each logical line of ``text`` (``_lines``): a list item,
    a table row, a paragraph's hard-wrapped lines together."""
    return [(start, start + len(line)) for start, line in _lines(text)]


def unwrap(text: str) -> str:
    """``text`` with its soft line breaks (a hard-wrapped sentence's) as single spaces;
    breaks before a new unit (``_lines``) kept. For showing a quote as running text."""
    out, pos = [], 0
    for start, line in _lines(text):
        out += [text[pos:start], re.sub(r"[ \t]*\n[ \t]*", " ", line)]
        pos = start + len(line)
    return "".join(out) + text[pos:]


def _trimmed(offset: int, piece: str) -> tuple[int, int]:
    lead = len(piece) - len(piece.lstrip())
    return offset + lead, offset + len(piece.rstrip())


def numbers(text: str) -> set[str]:
    """Numbers in ``text`` with separators removed ("3,000" -> "3000")."""
    return {re.sub(r"[.,]", "", n) for n in _NUMBER.findall(text)}


_QUANTITY = re.compile(
    r"(?:US\s?\$|NZ\$|\$|€|£|USD|VND)\s?\d|"
    r"\d[\d.,]*\s*(?:%|percent|per cent|billion|million|thousand|trillion|tỷ|triệu|nghìn|"
    r"phần trăm|th\b|st\b|nd\b|rd\b)|\b\d{2,}", re.IGNORECASE)


def quantities(text: str) -> set[str]:
    """Numbers that read as amounts, counts or years ("US$5 billion", "50th", "1992"),
    not list labels such as "channel 2"."""
    return {re.sub(r"\s+", "", m.group(0)).lower() for m in _QUANTITY.finditer(text)}


# Zero-width space/joiners, word joiner, BOM and soft hyphen: invisible, but they
# split words for a tokenizer (translated pages carry U+200B inside words).
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Code is kept as written (minus fences and backticks); markup rules apply elsewhere.
# A fenced code block (group 2: its body; an unclosed fence runs to the end) and an
# inline code span (group 2: its text): what Markdown shows as code.
FENCED = re.compile(r"^[ \t]*(```+|~~~+)[^\n]*\n(.*?)(?:^[ \t]*\1[ \t]*$|\Z)",
                     re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"(`+)([^`\n]+?)\1")
_URL = r"\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)"
# Applied with inline code held aside (``_around_code``): a link's text may hold code
# ("[`gpt2`](https://...)"), and code may look like a link ("`handlers[0](event)`").
_LINK_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[([^\]\n]*)\]" + _URL), r"\1"),  # images -> alt text
    (re.compile(r"\[\[[^\]\n]*\]\]"), ""),  # [[anchor]] heading ids (doc-builder syntax)
    (re.compile(r"\[([^\]\n]+)\]" + _URL), r"\1"),  # links -> their text
    (re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]"), r"\1"),  # reference links
    (re.compile(r"<((?:https?|mailto):[^<>\s]+)>"), r"\1"),  # autolinks
)
# A Hugo shortcode in running text ("the {{< glossary_tooltip text="control plane"
# term_id="control-plane" >}} runs"): a page shows its "text" attribute, or the glossary
# term its "term_id" names; any other shortcode shows nothing of itself.
SHORTCODE = re.compile(r"\{\{[<%]\s*/?\s*[\w./-]+(?P<attrs>[^{}]*?)\s*/?\s*[%>]\}\}")
_SHOWN_ATTRS = re.compile(r"""\b(text|term_id)\s*=\s*(["'])(.*?)\2""")


def shortcode_text(match: re.Match) -> str:
    """What a page shows for the shortcode ``match`` (of ``SHORTCODE``): "" for most."""
    attrs = {name: value for name, _, value in _SHOWN_ATTRS.findall(match.group("attrs"))}
    return attrs.get("text") or attrs.get("term_id") or ""


_MD_RULES: tuple[tuple[re.Pattern[str], object], ...] = (
    (re.compile(r"<!--.*?-->", re.DOTALL), " "),  # HTML comments
    # MDX (JSX) comments: "## Browser extension {/*browser-extension*/}" (heading ids in
    # React's docs), "{/* TODO */}".
    (re.compile(r"\{/\*.*?\*/\}", re.DOTALL), " "),
    (re.compile(r"^[ \t]*(?:```|~~~)[^\n]*$", re.MULTILINE), ""),  # an unclosed fence line
    (re.compile(r"^[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)+[ \t]*(?::?-+:?)?[ \t]*$",
                re.MULTILINE), ""),  # table delimiter rows
    (re.compile(r"^[ \t]{0,3}#{1,6}(?=[^\S\n]|[^\W\d_]|$)[ \t]*", re.MULTILINE), ""),  # ATX
    (re.compile(r"^(?:[ \t]*>)+[ \t]?", re.MULTILINE), ""),  # block quote markers
    (re.compile(r"\[![A-Za-z]+\][ \t]*"), ""),  # admonitions: > [!TIP]
    # Heading attributes, ids and classes at a line's end: "## Install {#pip .tab}"
    # (Pandoc, kramdown, MkDocs attr_list, Docusaurus).
    (re.compile(r"[ \t]*\{:?[ \t]*[#.][^{}\n]*\}[ \t]*$", re.MULTILINE), ""),
    # Admonition fences: ":::tip", ":::note[Title]", ":::" (Docusaurus, VitePress) and
    # MkDocs' '!!! note "Title"' / '??? note' lines (their title stays, the marker goes).
    (re.compile(r"^[ \t]*:::+[ \t]*[\w-]*(?:\[([^\]\n]*)\])?[ \t]*$", re.MULTILINE), r"\1"),
    (re.compile(r"^[ \t]*(?:!!!|\?\?\?\+?)[ \t]+[\w-]+[ \t]*(?:\"([^\"\n]*)\")?[ \t]*$",
                re.MULTILINE), r"\1"),
    # pymdownx block fences (MkDocs Material): "/// tip", "/// details | Title", "////",
    # "//// tab | Linux"; and its tabs, '=== "Python 3.10+"'. The title stays.
    (re.compile(r"^[ \t]*/{3,}[ \t]*(?:[\w-]+[ \t]*)?(?:\|[ \t]*([^\n]*?))?[ \t]*$",
                re.MULTILINE), r"\1"),
    (re.compile(r'^[ \t]*===[ \t]+"([^"\n]*)"[ \t]*$', re.MULTILINE), r"\1"),
    # Include directives ("{* file *}", "{!file!}", "--8<-- file"): no words on the page.
    (re.compile(r"^[ \t]*(?:\{\*[^\n]*\*\}|\{![^\n]*!\}|--8<--[^\n]*)[ \t]*$",
                re.MULTILINE), ""),
    # Inline attribute lists glued to what they dress: "[Guide](x.md){.internal-link
    # target=_blank}" (attr_list); "{#a}" after a space is text.
    (re.compile(r"(?<=[^\s{])\{:?[ \t]*[#.][A-Za-z_-][^{}\n]*\}"), ""),
    (SHORTCODE, shortcode_text),
    # HTML and JSX tags (they may span lines; attribute values hold no "<" or ">").
    (re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*?)?/?>", re.DOTALL), " "),
    (re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong, strikethrough
    (re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])"), r"\1"),
)
_SPACES = re.compile(r"[ \t]{2,}")
_FRAME_MARKS = (":::", "!!!", "???", "///", "===", "--8<--")
_BREAK_TAG = re.compile(r"</?(?:br|p|div|li|ul|ol|tr|td|th|table|thead|tbody|tfoot|details|"
                        r"summary|hr|h[1-6])\b[^<>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*?)?/?>", re.DOTALL)
_INLINE_TAG = re.compile(r"</?(?:a|abbr|b|i|em|strong|span|small|sup|sub|code|kbd|mark|u|s|"
                         r"del|ins|font)\b[^<>]*>", re.IGNORECASE)
_BLANK_RUNS = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")


def match_text(text: str) -> str:
    """The words a reader sees in ``text``, for embedding, scoring and language tags.

    Markdown/HTML markup drops out: links and images become their text, tags,
    emphasis markers, heading hashes, quote markers, fence lines and ``[[anchor]]``
    ids are removed, entities are decoded, and zero-width characters vanish. Plain
    prose comes back unchanged. Citations keep quoting the source text, not this.
    """
    out = _ZERO_WIDTH.sub("", text)
    if any(c in out for c in "<>[]*_`#|~&{") or any(m in out for m in _FRAME_MARKS):
        out = _split_apply(FENCED, out, _unmark, 2)
    return _tidy(out)


def _tidy(text: str) -> str:
    """Runs of spaces as one, blank-line runs as one line break, lines stripped."""
    text = _SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in _BLANK_RUNS.sub("\n", text).split("\n")).strip()


def display_text(text: str) -> str:
    """A quoted piece of prose as a reader sees it: ``match_text`` (links as their text,
    no tags, emphasis markers or zero-width characters), but inline code keeps its
    backticks, a hard-wrapped line is running text, and a tag leaves no space before
    punctuation ("by <a href=…>Swagger UI</a>):" -> "by Swagger UI):")."""
    out = _ZERO_WIDTH.sub("", unwrap(text))
    if any(c in out for c in "<>[]*_`#|~&{") or any(m in out for m in _FRAME_MARKS):
        out = _split_apply(FENCED, out, _unmark_shown, 0)
    return _tidy(out)


_FENCE_INFO = re.compile(r"\A([ \t]*(?:```+|~~~+))[ \t]*([^\s`{]*)[^\n]*")
_BACKTICKS = re.compile(r"`{3,}")


def display_code(text: str) -> str:
    """A code block as a reader sees it: its opening fence keeps the language and drops
    the generator's attributes ("```js {4}", "```python title=\"app.py\" hl_lines=\"3\""
    -> "```js", "```python"), which a Markdown renderer would not show either. A block
    with no fence (an HTML ``<pre>``, reStructuredText, an indented block) gets one, longer
    than any backtick run inside it: the answer text is Markdown, and unfenced its
    comment lines ("# use this version …") read as headings and its indentation is lost."""
    if not _FENCE_INFO.match(text):
        fence = "`" * max([3] + [len(run) + 1 for run in _BACKTICKS.findall(text)])
        return f"{fence}\n{text}\n{fence}"
    return _FENCE_INFO.sub(lambda m: m.group(1) + m.group(2), text, count=1)


def without_tags(text: str) -> str:
    """``text`` (a table) with its inline HTML tags removed and line-break tags as spaces,
    outside code spans; its Markdown (pipes, links, emphasis) kept."""
    return _around_code(text, lambda t: _SPACES.sub(" ", _ANY_TAG.sub(
        "", _BREAK_TAG.sub(" ", t))), 0)


def _unmark_shown(prose: str) -> str:
    def unmark(text: str) -> str:
        # An inline tag goes without a trace ("by <a …>Swagger UI</a>):"); a line break
        # or a block tag still parts words.
        text = _INLINE_TAG.sub("", _BREAK_TAG.sub(" ", _unlink(text)))
        return _unmark_inline(text)

    return _around_code(prose, unmark, 0)


def _split_apply(code: re.Pattern[str], text: str, prose_fn, group: int) -> str:
    """``prose_fn`` on the parts of ``text`` outside ``code`` matches; code keeps ``group``."""
    pieces, pos = [], 0
    for m in code.finditer(text):
        pieces += [prose_fn(text[pos:m.start()]), m.group(group)]
        pos = m.end()
    pieces.append(prose_fn(text[pos:]))
    return "".join(pieces)


def _unmark(prose: str) -> str:
    return _around_code(prose, lambda text: _unmark_inline(_unlink(text)), 2)


def _unlink(prose: str) -> str:
    for pattern, repl in _LINK_RULES:
        prose = pattern.sub(repl, prose)
    return prose


def _around_code(prose: str, prose_fn, group: int) -> str:
    """``prose_fn`` on ``prose`` with its inline code spans held aside (each replaced by a
    private-use placeholder, then put back as ``group``: 0 with backticks, 2 without),
    so emphasis around code ("**`/docs`**") is still emphasis and code stays code."""
    spans: list[str] = []

    def hold(m: re.Match) -> str:
        spans.append(m.group(group))
        return f"\ue000{len(spans) - 1}\ue001"

    done = prose_fn(INLINE_CODE.sub(hold, prose.replace("\ue000", "").replace("\ue001", "")))
    return re.sub("\ue000(\\d+)\ue001", lambda m: spans[int(m.group(1))], done)


def _unmark_inline(prose: str) -> str:
    for pattern, repl in _MD_RULES:
        prose = pattern.sub(repl, prose)
    return html.unescape(prose)


def markup_only(text: str) -> bool:
    """True when ``text`` shows no words: a fence line, a table rule, a bare tag or
    component, a ``> [!TIP]`` marker. Such a piece is never an answer sentence."""
    return not any(ch.isalnum() for ch in match_text(text))


@functools.lru_cache(maxsize=8192)  # mostly single words: the scorer folds ~1,300 an answer
def ascii_fold(text: str) -> str:
    """``fold`` without diacritics ("Phạm Minh Chính" -> "pham minh chinh", "đ" -> "d"):
    lexical matching across documents that spell names with and without marks."""
    decomposed = unicodedata.normalize("NFD", fold(text)).replace("đ", "d")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def focus_text(question: str, paragraphs: list) -> str:
    """The question without its topic words: those found in at least half of the
    candidate paragraphs (e.g. "Vietnam", "New Zealand"). They cannot tell the
    candidates' sentences apart, yet dominate a sentence embedding's similarity.
    Empty when nothing is left out."""
    if not paragraphs:
        return ""
    seen = [set(tokens(f"{p.title} {p.text}")) for p in paragraphs]
    kept, dropped = [], False
    for word in question.split():
        toks = tokens(word)
        if toks and all(sum(t in s for s in seen) * 2 >= len(seen) for t in toks):
            dropped = True
            continue
        kept.append(word)
    return " ".join(kept) if dropped and kept else ""
