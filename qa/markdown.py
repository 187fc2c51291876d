"""Split Markdown (CommonMark + tables, MDX pages) into the blocks a viewer shows.

One block per top-level element, in file order: a paragraph, a whole list, a whole
fenced or indented code block (blank lines inside included), a whole table, a
whole block quote (admonitions such as ``> [!TIP]`` too), a heading, or a raw
HTML/MDX element. Front matter and thematic breaks are not blocks. Each block
keeps its exact source lines, so a quote of it can be found again in the file.

Documentation generators add containers CommonMark does not know (``containers``):
MkDocs admonitions and tabs (``!!! note "Title"``, ``??? tip``, ``=== "Tab"``) hold an
indented body, which CommonMark would read as a code block; pymdownx blocks
(``/// details | Title`` ... ``///``) and Docusaurus/VitePress admonitions
(``:::tip[Title]`` ... ``:::``) fence theirs; Hugo shortcodes and Jinja/Liquid tags
(``{{< note >}}``, ``{% include x %}``) on a line of their own frame or paste. Their
marker lines are frames, not blocks (HTML ``<details>``/``<summary>`` and MDX
``<TabItem label=…>`` stay markup blocks, as a viewer shows them); the blocks
inside are read as if the container were not there, and the container's title (if
it has one) is part of their section path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

from qa.text import SHORTCODE, markup_only, match_text, shortcode_text, without_tags

# Kinds a block can have; answerers quote only from the prose kinds.
KINDS = ("text", "list", "code", "table", "quote", "heading", "markup")
PROSE_KINDS = frozenset({"text", "list", "table", "quote"})

_FRONT_MATTER = re.compile(r"\A(?:---|\+\+\+)[ \t]*\n(.*?)\n(?:---|\+\+\+|\.\.\.)[ \t]*(?:\n|\Z)",
                           re.DOTALL)
_FRONT_FIELD = re.compile(r"^(title|date)[ \t]*[:=][ \t]*[\"']?(.*?)[\"']?[ \t]*$",
                          re.MULTILINE | re.IGNORECASE)
# "###Heading" without the space CommonMark requires: older renderers (and the
# people who typed it) read it as a heading, so it is not quoted as prose.
_LOOSE_HEADING = re.compile(r"^(#{1,6})(?=[^\W\d_])")
# Inline tokens that put no prose on the page.
# A paragraph of nothing but these is markup: images (linked or not: a README's badge
# row "[![Build Status](….svg)](…)"), inline HTML and line breaks.
_MARKUP_INLINE = frozenset({"image", "html_inline", "softbreak", "hardbreak", "link_open",
                            "link_close"})
_LIST_TYPES = {"bullet_list_open", "ordered_list_open"}
# Containers with an indented body (MkDocs admonition / collapsible / tab); group 1 or 2
# is the title.
_INDENTED_OPEN = re.compile(r'^( {0,3})(?:(?:!!!|\?\?\?\+?)[ \t]+[\w-]+(?:[ \t]+"([^"\n]*)")?'
                            r'|===[ \t]+"([^"\n]*)")[ \t]*$')
# Fenced containers: "/// type", "/// type | Title", ":::type", ":::type Title",
# ":::type[Title]"; a bare run of the same characters closes the innermost one.
_FENCE_OPEN = re.compile(r"^ {0,3}(/{3,}|:{3,})[ \t]*([\w-]+)[ \t]*"
                         r"(?:\|[ \t]*(.*?)|\[(.*?)\]|([^|\[\n]*?))[ \t]*$")
_FENCE_CLOSE = re.compile(r"^ {0,3}(/{3,}|:{3,})[ \t]*$")
_CODE_FENCE = re.compile(r"^[ \t]*(```|~~~)")
# A line that is only a template tag (Hugo shortcode "{{< note >}}", "{{% tab %}}";
# Jinja/Liquid "{% include x %}"): a frame or a directive of the site generator, unless
# it shows words (``qa.text.shortcode_text``).
_TEMPLATE_LINE = re.compile(r"^ {0,3}(?:\{\{[<%].*?[%>]\}\}|\{%.*?%\})[ \t]*$")
_HTML_FRAME = re.compile(r"<summary\b[^>]*>(.*?)</summary>|</?details\b[^>]*>|"
                         r"</?TabItem\b[^>]*>", re.IGNORECASE)
_LABEL = re.compile(r"""\blabel=(["'])(.*?)\1""")
# MDX module lines: "import Tabs from '@theme/Tabs';", "export const meta = {...};".
_ESM_LINE = re.compile(r"^(?:import\s+(?:[\w*{}\s,]+\s+from\s+)?['\"][^'\"]+['\"]"
                       r"|export\s+(?:const|let|var|function|default|class)\b).*$")
# Include directives (FastAPI-style "{* file *}", Python-Markdown "{!file!}", snippets
# "--8<--"): the generator pastes a file here; the source shows no words.
_INCLUDE = re.compile(r"^[ \t]*(?:\{\*[^\n]*\*\}|\{![^\n]*!\}|--8<--[^\n]*)[ \t]*$")


# HTML whose content is no prose of the block: what a browser does not show as text,
# and a "<summary>" title (the section path of the blocks its "<details>" holds).
_UNSHOWN_HTML = re.compile(r"<(script|style|template|svg|noscript|summary)\b.*?</\1\s*>|"
                           r"<!--.*?-->", re.IGNORECASE | re.DOTALL)


def _shortcode_shows_words(line: str) -> bool:
    m = SHORTCODE.search(line)
    return bool(m and shortcode_text(m).strip())


def _shows_words(html: str) -> bool:
    """Does this raw HTML/JSX block put words on the page? (Tags go first: one whose
    attributes span lines may close on a line of its own, "></iframe>", which Markdown
    cleaning would take for a quote marker.)"""
    return not markup_only(without_tags(_UNSHOWN_HTML.sub(" ", html)))


@dataclass(frozen=True)
class Block:
    """One Markdown block: its source text, kind and the headings above it."""

    text: str
    kind: str
    section: tuple[str, ...] = ()  # clean texts of the headings above, outermost first
    parents: tuple[int, ...] = ()  # indices (into the block list) of those headings
    level: int = 0  # heading level (1-6) for kind "heading", else 0
    containers: tuple[str, ...] = ()  # titles of the admonitions/tabs it is inside


def containers(lines: list[str]) -> tuple[list[str], list[tuple[str, ...]]]:
    """The lines to parse (container markers blanked, indented bodies dedented, so line
    numbers stay those of the source) and, per line, the titles of the containers
    around it, outermost first. Lines inside fenced code are left alone."""
    parse = list(lines)
    titles: list[tuple[str, ...]] = [()] * len(lines)
    fenced: list[tuple[str, str]] = []  # open fence containers: (marker, title)
    indented: list[tuple[int, str]] = []  # open indented bodies: (last line, title)
    in_code = ""
    for i in range(len(parse)):
        while indented and indented[-1][0] < i:
            indented.pop()
        line = parse[i]
        code = _CODE_FENCE.match(line)
        if in_code:
            if code and code.group(1) == in_code:
                in_code = ""
        elif code:
            in_code = code.group(1)
        else:
            opened = _INDENTED_OPEN.match(line)
            fence_open = _FENCE_OPEN.match(line)
            close = _FENCE_CLOSE.match(line)
            if _TEMPLATE_LINE.match(line) and not _shortcode_shows_words(line):
                # A frame or directive; a shortcode that shows words ("{{<
                # glossary_tooltip text="control plane" >}}" on a line of its own inside
                # a sentence) stays part of its paragraph.
                parse[i] = ""
            elif opened:
                indent = len(opened.group(1)) + 4
                last = _body_end(parse, i, indent)
                for j in range(i + 1, last + 1):
                    parse[j] = _dedent(parse[j], indent)
                indented.append((last, (opened.group(2) or opened.group(3) or "").strip()))
                parse[i] = ""
            elif fence_open:
                title = next((g for g in fence_open.groups()[2:] if g), "")
                fenced.append((fence_open.group(1), title.strip()))
                parse[i] = ""
            elif close and fenced and fenced[-1][0] == close.group(1):
                fenced.pop()
                parse[i] = ""
            else:
                _html_frames(line, fenced)
        titles[i] = tuple(t for _, t in fenced if t) + tuple(t for _, t in indented if t)
    return parse, titles


def _html_frames(line: str, fenced: list[tuple[str, str]]) -> None:
    """HTML containers a viewer shows with a title: ``<details>`` and its ``<summary>``
    (GitHub's collapsible sections), MDX ``<TabItem label="npm">``. Their lines stay
    (markup blocks); the title joins the section path of what they hold."""
    for m in _HTML_FRAME.finditer(line):
        tag = m.group(0)
        if tag.startswith("</"):
            name = "details" if tag[2:].lower().startswith("details") else "TabItem"
            if fenced and fenced[-1][0] == name:
                fenced.pop()
        elif tag.lower().startswith("<details"):
            fenced.append(("details", ""))
        elif tag.lower().startswith("<summary"):
            if fenced and fenced[-1] == ("details", ""):
                fenced[-1] = ("details", match_text(m.group(1) or ""))
        else:
            label = _LABEL.search(tag)
            fenced.append(("TabItem", label.group(2) if label else ""))


def _body_end(lines: list[str], opener: int, indent: int) -> int:
    """The last line of the indented body after line ``opener``: the following lines
    that are blank or indented by at least ``indent`` columns (a tab counts 4, as
    Python-Markdown reads it), without trailing blanks."""
    last = opener
    for j in range(opener + 1, len(lines)):
        line = lines[j]
        if not line.strip():
            continue
        lead = line[:len(line) - len(line.lstrip(" \t"))]
        if len(lead.expandtabs(4)) < indent:
            break
        last = j
    return last


def _dedent(line: str, indent: int) -> str:
    """``line`` without its first ``indent`` columns of spaces and tabs (tab = 4)."""
    cut = width = 0
    while cut < len(line) and width < indent and line[cut] in " \t":
        width = width + 4 - width % 4 if line[cut] == "\t" else width + 1
        cut += 1
    return line[cut:]


@dataclass(frozen=True)
class FrontMatter:
    """The fields of a leading YAML/TOML front matter block that seedqa uses."""

    title: str | None = None
    date: str | None = None


class MarkdownSplitter:
    """Markdown text -> blocks, with markdown-it-py (CommonMark, GFM tables).

    ``list_items=False`` keeps a whole list as one block (measured better on
    eval/hf-course: see README "Paragraph ids"); True makes each top-level item
    its own block.
    """

    def __init__(self, list_items: bool = False) -> None:
        self.list_items = list_items
        self._md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

    def run(self, text: str) -> tuple[list[Block], FrontMatter]:
        """Blocks of ``text`` (newlines already normalised) and its front matter."""
        text, front = strip_front_matter(text)
        lines = text.split("\n")
        parse, titles = containers(lines)
        tokens = self._md.parse("\n".join(parse))
        blocks: list[Block] = []
        path: list[tuple[int, int, str]] = []  # (level, block index, clean text)
        for i, tok in enumerate(tokens):
            if tok.level != 0 or tok.map is None or tok.nesting == -1:
                continue
            kind, level, heading = self._classify(tok, tokens[i + 1] if i + 1 < len(tokens)
                                                  else None, parse)
            if kind is None:
                continue
            if kind == "list" and _is_contents(tokens, i, self._close(tokens, i)):
                kind = "markup"  # a table of contents: counted, never retrieved or quoted
            if kind == "heading":
                while path and path[-1][0] >= level:
                    path.pop()
            section = tuple(h[2] for h in path)
            parents = tuple(h[1] for h in path)
            for start, end in self._spans(tok, tokens, i):
                # A list's span runs over the blank lines after it, where a container's
                # closing marker (blanked for the parser) may stand.
                while end > start and not parse[end - 1].strip():
                    end -= 1
                source = "\n".join(lines[start:end]).strip()
                if source:
                    blocks.append(Block(source, kind, section, parents, level, titles[start]))
            if kind == "heading" and heading:
                path.append((level, len(blocks) - 1, heading))
        return blocks, front

    def _classify(self, tok, nxt, lines) -> tuple[str | None, int, str]:
        if tok.type == "heading_open":
            clean = match_text(nxt.content if nxt is not None else "")
            return "heading", int(tok.tag[1]), clean
        if tok.type == "paragraph_open":
            source = "\n".join(lines[tok.map[0]:tok.map[1]]).strip()
            loose = _LOOSE_HEADING.match(source)
            if loose and "\n" not in source:
                return "heading", len(loose.group(1)), match_text(source)
            children = (nxt.children or []) if nxt is not None else []
            only_markup = all(c.type in _MARKUP_INLINE
                              or (c.type == "text" and not c.content.strip()) for c in children)
            if only_markup or not match_text(source) or all(
                    _ESM_LINE.match(x.strip()) for x in source.split("\n")) or \
                    _is_page_link(children):
                return "markup", 0, ""
            return "text", 0, ""
        if tok.type in _LIST_TYPES:
            return "list", 0, ""
        if tok.type in ("fence", "code_block"):
            body = [x for x in tok.content.split("\n") if x.strip()]
            if body and all(_INCLUDE.match(x) for x in body):
                return "markup", 0, ""  # a code block that only pastes a file in
            return "code", 0, ""
        if tok.type == "table_open":
            return "table", 0, ""
        if tok.type == "blockquote_open":
            return "quote", 0, ""
        if tok.type == "html_block":
            # An element or component that holds prose ("<Callout>Restarting drops the
            # sessions.</Callout>", a "<details>" body, "<TabItem>" text) shows it to a
            # reader: it is text. One that shows no words (an image, an embed, a wrapper
            # tag on its own line, a script) stays markup.
            return ("text" if _shows_words(tok.content) else "markup"), 0, ""
        return None, 0, ""  # thematic break ("---"): nothing to read

    def _spans(self, tok, tokens, i) -> list[tuple[int, int]]:
        if not (self.list_items and tok.type in _LIST_TYPES):
            return [tuple(tok.map)]
        return [tuple(t.map) for t in tokens[i + 1:self._close(tokens, i)]
                if t.type == "list_item_open" and t.level == 1 and t.map]

    @staticmethod
    def _close(tokens, i) -> int:
        depth = 0
        for j in range(i, len(tokens)):
            depth += tokens[j].nesting if tokens[j].level == 0 else 0
            if depth == 0:
                return j
        return len(tokens)


def _is_page_link(children) -> bool:
    """Is a paragraph (its inline ``children``) nothing but one link to another page
    ("[Next: Installing](install.md)")? It names that page and says nothing itself: as
    for HTML (``qa.formats``), it is counted but never retrieved nor quoted."""
    links = [c for c in children if c.type == "link_open"]
    if len(links) != 1 or str(links[0].attrGet("href") or "").startswith("#"):
        return False
    depth, inside = 0, False
    for child in children:
        if child.type == "link_open":
            depth, inside = 1, True
        elif child.type == "link_close":
            depth = 0
        elif child.content.strip() and not depth:
            return False  # words outside the link
    return inside


def _is_contents(tokens, start: int, end: int) -> bool:
    """Is the list ``tokens[start:end]`` nothing but links to the page's own anchors
    ("- [Install](#install)")? That is a table of contents: it repeats the headings."""
    shown = linked = 0
    for tok in tokens[start:end]:
        depth = 0  # inside a link to an anchor
        for child in tok.children or ():
            if child.type == "link_open":
                depth += str(child.attrGet("href") or "").startswith("#")
            elif child.type == "link_close" and depth:
                depth -= 1
            elif child.type in ("text", "code_inline"):
                n = len("".join(child.content.split()))
                shown += n
                linked += n if depth else 0
    return shown > 0 and linked == shown


def strip_front_matter(text: str) -> tuple[str, FrontMatter]:
    """Blank out a leading ``---`` YAML (or ``+++`` TOML) block, keeping line numbers."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, FrontMatter()
    fields = {k.lower(): v.strip() for k, v in _FRONT_FIELD.findall(match.group(1))}
    blanked = "\n" * match.group(0).count("\n")
    return blanked + text[match.end():], FrontMatter(fields.get("title") or None,
                                                     fields.get("date") or None)
