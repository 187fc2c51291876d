"""Text blocks of PDF, HTML and notebook files, in reading order, for ``qa.corpus``.

PDF: pdfminer.six (MIT, pure Python) lays each page out into text boxes, in reading
order, with word spaces found from the glyphs' positions; pypdf (BSD-3-Clause, pure
Python) reads the file's structure (password, metadata title). Page numbers and running
headers/footers are dropped, and a paragraph cut by a page break or a box break is
joined again.
HTML: the standard library's ``html.parser``; one block per paragraph, heading,
whole list, whole table, block quote or ``<pre>``; scripts, styles, navigation (by
element, ARIA role or class name: ``_chrome``) and elements marked ``hidden`` are
skipped, and a page that marks its main content (``<main>`` or ``role="main"``, else
its one ``<article>``) is read from there only.
Word (.docx): the standard library's ``zipfile`` and ``xml.etree`` read the document's
XML into the HTML that ``HtmlReader`` then splits: headings from the paragraph styles,
list paragraphs as lists, tables whole.
Jupyter notebooks: the JSON (nbformat 4) turned into the Markdown a notebook viewer
shows, which ``qa.corpus`` then splits as any Markdown file.
reStructuredText: docutils (the reference parser; public domain / BSD-2-Clause) renders
it to HTML, read as any HTML page; Sphinx's cross-reference roles become their text.
"""

from __future__ import annotations

import functools
import html
import io
import json
import posixpath
import re
import urllib.parse
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from xml.etree import ElementTree

from qa.errors import CorpusError
from qa.tuning import DOCX, NOTEBOOKS


@dataclass(frozen=True)
class Part:
    """One block of an extracted document, before numbering."""

    text: str
    kind: str = "text"  # one of qa.markdown.KINDS
    section: str = ""  # heading path above it, "Chapter › Section"
    page: int | None = None  # 1-based page where it starts (PDF), else None


@dataclass(frozen=True)
class Extracted:
    """A document's blocks in reading order, with the title and date found in it."""

    parts: tuple[Part, ...]
    title: str = ""
    date: str | None = None


SECTION_SEP = " › "
_SPACES = re.compile(r"[ \t\u00a0]+")
_WORD_CHAR = re.compile(r"\w")  # a letter or digit of any script
# A page number alone on a line: "3", "- 3 -", "Page 3", "3 / 10", "3 of 10", and the
# lower-case Roman numerals of front matter ("ii", "xiv").
_PAGE_NUMBER = re.compile(r"^(?:page\s+|trang\s+)?[-–(]?\s*\d{1,4}\s*[-–)]?"
                          r"(?:\s*(?:/|of|trên)\s*\d{1,4})?$|^(?-i:[ivxl]{1,7})$",
                          re.IGNORECASE)
_ENDS_SENTENCE = re.compile(r"[.!?…:;\"”’)\]]$")
_BREAK_HYPHEN = re.compile(r"[^\W\d_]-$")  # "Việt Nam-" at a line end: join without space


class PdfReader:
    """PDF bytes -> Extracted: blocks numbered in reading order, each with its page.

    ``min_chars`` (rule, default 1: no text at all): a PDF whose pages together hold
    fewer extractable characters has no text layer (scanned or image-only) and is refused.
    """

    def __init__(self, min_chars: int = 1) -> None:
        self.min_chars = min_chars

    def run(self, raw: bytes) -> Extracted:
        """Extract the blocks of a PDF file's bytes; ``CorpusError`` when it cannot."""
        from pdfminer.pdfexceptions import PDFException
        from pdfminer.psexceptions import PSException
        from pypdf import PdfReader as _Reader
        from pypdf.errors import PyPdfError

        try:
            reader = _Reader(io.BytesIO(raw))
            if reader.is_encrypted and not reader.decrypt(""):
                raise CorpusError("the PDF is password-protected; save an unprotected copy "
                                  "and add that")
            meta_title = (reader.metadata or {}).get("/Title") if reader.metadata else None
            pages = _page_texts(raw) if len(reader.pages) else []
        except CorpusError:
            raise
        except (PyPdfError, PDFException, PSException, ValueError, KeyError, TypeError,
                OSError) as exc:
            raise CorpusError(f"not a readable PDF ({type(exc).__name__}: {exc}); "
                              "re-export it as PDF or save it as text") from exc
        if not pages:
            raise CorpusError("the PDF has no pages; export it again")
        if sum(len(p.strip()) for p in pages) < self.min_chars:
            raise CorpusError("the PDF has no text layer (a scanned or image-only PDF); run OCR "
                              "on it first (e.g. `ocrmypdf in.pdf out.pdf`) or add a text version")
        page_blocks = _drop_running_lines([_page_lines(p) for p in pages])
        parts: list[Part] = []
        for number, blocks in enumerate(page_blocks, start=1):
            for block in blocks:
                # A page's first block may carry on the page before, and any block the
                # box before it: a box ends where a line's indent changes (a list item's
                # second line), not only where a paragraph does.
                if parts and _continues(parts[-1].text, block):
                    parts[-1] = Part(_join_lines([parts[-1].text, block]), page=parts[-1].page)
                else:
                    parts.append(Part(block, page=number))
        title = _SPACES.sub(" ", str(meta_title or "")).strip()
        return Extracted(parts=tuple(parts), title=title)


def _page_texts(raw: bytes) -> list[str]:
    """Each page's text, its boxes (pdfminer's layout analysis, default parameters) apart
    by a blank line. pypdf's own extraction, used before (2026-12-01), joins words that a
    justified line spaces by glyph positioning rather than space characters (pdfTeX's
    output: "Therearemanywaystocustomizetherulesfile" in the Debian New Maintainers'
    Guide); pdfminer places a space wherever the gap between two glyphs is wide enough."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextBox

    return ["\n\n".join(text for box in page if isinstance(box, LTTextBox)
                         if (text := _without_leaders(box.get_text())))
            for page in extract_pages(io.BytesIO(raw), laparams=LAParams())]


# A table of contents' line: a title and its dot leader ("1.1 Social dynamics . . . 3");
# a typesetter places each dot on its own, so a leader alone is a box too.
_LEADER_LINE = re.compile(r"^.*(?:[ \t]+\.){2,}[ \t]*\d*[ \t]*$|^[\W_]*$", re.MULTILINE)


def _without_leaders(text: str) -> str:
    """A box's text without table-of-contents lines and lines with no letter or digit:
    they repeat the headings, or say nothing."""
    return "\n".join(line for line in text.split("\n")
                     if line.strip() and not _LEADER_LINE.fullmatch(line))


def _page_lines(text: str) -> list[list[str]]:
    """A page's blocks (each a list of lines), split at blank lines."""
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        line = _SPACES.sub(" ", line).strip()
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _drop_running_lines(pages: list[list[list[str]]]) -> list[list[str]]:
    """Drop page numbers and headers/footers repeated on most pages; join lines."""
    edges: dict[str, int] = {}
    for blocks in pages:
        # A page's first and last lines, and its one-line blocks: a layout analysis
        # (pdfminer) may place the page number's box before a footnote's.
        seen = {blocks[0][0], blocks[-1][-1]} if blocks else set()
        seen |= {block[0] for block in blocks if len(block) == 1}
        for line in seen:
            key = re.sub(r"\d+", "#", line)
            edges[key] = edges.get(key, 0) + 1
    # rule: a line at a page's top or bottom, or a one-line block, on over half of 3+
    # pages is a running header or footer (two pages cannot tell a header from a
    # repeated heading).
    running = {k for k, n in edges.items() if len(pages) >= 3 and n > len(pages) / 2}
    out = []
    for blocks in pages:
        kept = []
        for b, block in enumerate(blocks):
            # A one-line block next to the page's first or last is at its edge too: the
            # running header's box may come before the page number's.
            edge = [_edge(blocks, b, i) or (len(block) == 1 and (b <= 1 or b >= len(blocks) - 2))
                    for i in range(len(block))]
            lines = [ln for i, ln in enumerate(block)
                     if not ((edge[i] and _PAGE_NUMBER.match(ln))
                             or ((edge[i] or len(block) == 1)
                                 and re.sub(r"\d+", "#", ln) in running))]
            if lines:
                kept.append(_join_lines(lines))
        out.append(kept)
    return out


def _edge(blocks: list[list[str]], b: int, i: int) -> bool:
    return (b == 0 and i == 0) or (b == len(blocks) - 1 and i == len(blocks[b]) - 1)


def _join_lines(lines: list[str]) -> str:
    out = lines[0]
    for line in lines[1:]:
        out += line if _BREAK_HYPHEN.search(out) else " " + line
    return out


def _continues(previous: str, first: str) -> bool:
    """True when a page's first block carries on the last block of the page before."""
    return (not _ENDS_SENTENCE.search(previous)
            and (first[:1].islower() or first[:1].isdigit() or previous.endswith((",", "-"))))


# --- HTML -------------------------------------------------------------------------------

_SKIP = {"script", "style", "noscript", "template", "head", "title", "svg", "nav", "iframe",
         "object", "canvas", "select", "button", "form", "footer"}
# Site chrome that no element name marks: the ARIA landmarks of navigation, the site
# banner and its footer (WAI-ARIA 1.2, the roles of <nav>, <header> and <footer> at page
# level), and the class names generators give navigation bars, tables of contents,
# breadcrumbs and pagers (DocBook's "navheader" / "navfooter" / "toc", Sphinx's
# "toctree-wrapper", Docusaurus's "table-of-contents", Bootstrap's "navbar"): a page's
# "Prev | Next" table or its chapter list is no statement, and quoted it answers
# nothing. (Not "sidebar": DocBook's <sidebar> is content.) So are the tables of a
# generated index page, Sphinx's "genindex" / "modindex" ("append() (black.lines.Line
# method)", a link to where each name is documented): they name every API word and
# would outrank the pages that explain it.
_CHROME_ROLES = {"navigation", "banner", "contentinfo"}
_CHROME_CLASS = re.compile(r"^(?:nav(?:bar|header|footer|igation|links|menu)?|toc|"
                           r"toctree-wrapper|table-of-contents|breadcrumbs?|pagination|pager|"
                           r"genindex|genindextable|modindextable|indextable)"
                           r"(?:$|[-_])", re.IGNORECASE)


# Only containers are chrome: an inline element's class names its part in the text (a
# section heading's link back to the table of contents, docutils' "toc-backref", is the
# heading's text).
_CHROME_TAGS = {"div", "section", "aside", "header", "ul", "ol", "dl", "table"}


def _chrome(tag: str, attrs: dict[str, str]) -> bool:
    """Does a container's role or class mark it as site chrome (``_CHROME_ROLES``,
    ``_CHROME_CLASS``)?"""
    return tag in _CHROME_TAGS and (
        attrs.get("role", "").strip().lower() in _CHROME_ROLES
        or any(_CHROME_CLASS.match(c) for c in attrs.get("class", "").split()))


_VOID = {"br", "img", "hr", "meta", "link", "input", "source", "wbr", "area", "base", "col",
         "embed", "param", "track"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Elements kept whole as one block, and the kind they give it.
_WHOLE = {"ul": "list", "ol": "list", "dl": "list", "table": "table", "blockquote": "quote",
          "pre": "code"}
_LISTS = ("ul", "ol", "dl")
# Sectioning elements: a <header> inside one heads it; outside all, it is the page's.
_SECTIONING = {"article", "aside", "main", "nav", "section"}
# The end of an ordered list item's marker ("3. "), as ``_BlockParser._marker`` writes it.
_ITEM_NUMBER = re.compile(r"(?:^|[\ue000\ue001])-?\d+\. $")
_BLOCK = {"p", "div", "section", "article", "main", "header", "aside", "figure",
          "figcaption", "address", "details", "summary", "li", "dt", "dd", "tr", "hr", "body",
          "html", "center"} | _HEADINGS | set(_WHOLE)
# Line breaks and list indentation the parser itself puts in (source newlines are
# only whitespace outside <pre>): private-use characters, resolved in flush().
_BREAK, _INDENT = "\ue000", "\ue001"  # Private Use Area: not expected in web pages
_DATE_META = {"date", "dc.date", "dcterms.date", "article:published_time", "citation_date",
              "pubdate"}


class HtmlReader:
    """HTML text -> Extracted: paragraphs, headings, lists, tables, quotes, code.

    The title is the first ``<h1>`` (else ``<title>``); it is left out of section
    paths. The date comes from a ``<meta name="date">``-style tag or ``<time datetime>``.
    ``head_title``: the ``<title>`` is the title when there is one (a word processor's
    document, written as HTML by ``DocxReader``/``OdtReader``: its properties name it,
    and its first "Heading 1" is a chapter, not the title).
    """

    def __init__(self, head_title: bool = False) -> None:
        self.head_title = head_title

    def run(self, text: str) -> Extracted:
        """Extract the blocks of an HTML page's text."""
        parser = self._parse(text, _content_region(text))
        if parser.region and not parser.blocks:
            # A main element left empty (filled by a script) or holding only media: the
            # page's text is elsewhere.
            parser = self._parse(text, None)
        title = ((self.head_title and parser.title) or parser.h1
                 or _page_title(parser.title, parser.headings))
        parts = []
        for text_, kind, path in parser.blocks:
            # The title is not a section of itself: an <h1> that gave it, or the heading
            # the <title> names, is left out of the path of the blocks under it.
            names = [h for i, (lvl, h) in enumerate(path)
                     if not (i == 0 and h == title and (lvl == 1 or not parser.h1))]
            parts.append(Part(text_, kind, SECTION_SEP.join(names)))
        return Extracted(parts=tuple(parts), title=title, date=parser.date)

    @staticmethod
    def _parse(text: str, region: str | None) -> _BlockParser:
        parser = _BlockParser(region)
        parser.feed(text)
        parser.close()
        parser.flush()
        return parser


# The HTML standard's marks of a page's dominant content: a <main> element or the ARIA
# "main" landmark, which screen readers' "skip to content" uses. Site chrome (menus,
# sidebars, help pop-ups, banners) sits outside it. Without one, a page with exactly one
# <article> (a news story, a blog post) is that article; with several (a listing),
# the whole page.
_MAIN = re.compile(r"<main\b|\brole\s*=\s*[\"']?main\b", re.IGNORECASE)
_ARTICLE = re.compile(r"<article\b", re.IGNORECASE)


# The separators a <title> puts between the page's name and the site's ("Ownership -
# The Rust Book", "Install | FastAPI", "Guide — Docs", "Docs: Guide").
_TITLE_PARTS = re.compile(r"\s+[-|–—·»:]\s+|:\s+")


def _page_title(title: str, headings: list[str]) -> str:
    """A ``<title>`` that adds the site's name to the page's ("What is Ownership? - The
    Rust Programming Language") gives the page's own: the heading of the page that one of
    its parts names (case aside), as the page writes it. Otherwise the whole title."""
    parts = {p.strip().casefold() for p in _TITLE_PARTS.split(title) if p.strip()}
    if len(parts) > 1:
        for h in headings:
            if h.casefold() in parts:
                return h
    return title


def _content_region(text: str) -> str | None:
    """"main", "article" or None (the whole page): what ``_BlockParser`` reads."""
    if _MAIN.search(text):
        return "main"
    return "article" if len(_ARTICLE.findall(text)) == 1 else None


class _BlockParser(HTMLParser):
    def __init__(self, region: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        # Read only inside the page's main content (``_content_region``), or everywhere.
        self.region = region
        self.region_tag: str | None = None  # the open region element, if inside one
        self.region_depth = 0
        # The open element marked ``hidden`` (not rendered), if inside one.
        self.hidden_tag: str | None = None
        self.hidden_depth = 0
        self.blocks: list[tuple[str, str, tuple[tuple[int, str], ...]]] = []
        self.path: list[tuple[int, str]] = []
        self.buf: list[str] = []
        self.kind = "text"
        self.whole: list[str] = []  # open elements kept whole (outermost first)
        # The next item number of each open <ol> (None for <ul>/<dl>), innermost last.
        self.counters: list[int | None] = []
        self.skip = 0
        self.in_title = False
        self.title = ""
        self.h1 = ""
        self.headings: list[str] = []  # every heading read, in order
        # Inside a block kept whole: its visible characters, and those of links to
        # anchors of this page ("#install"). A list of nothing else is a table of
        # contents ("On this page"), which repeats the headings: not a block (``flush``).
        self.whole_chars = 0
        self.anchor_chars = 0
        self.date: str | None = None
        self.row_cells = 0
        # The text of an open link to an anchor of this page, held back until it closes:
        # a permalink mark (Sphinx's and MkDocs' "¶", rustdoc's "§", an icon) has no
        # letter or digit and is dropped, or it would stand as a block of its own or
        # end every heading; other link text counts as anchor text (``anchor_chars``).
        self.link: list[str] | None = None
        # Open sectioning elements, and where the blocks of an open page-level <header>
        # begin (``_banner_ends``).
        self.sectioning = 0
        self.banner: int | None = None
        self.banner_depth = 0
        # Outside blocks kept whole: the open links to other pages, how many the block
        # holds, and its visible characters inside them and in all (``flush``: a block of
        # nothing but one such link is a link to another page, not a statement).
        self.page_link_depth = 0
        self.page_links = 0
        self.page_link_chars = 0
        self.text_chars = 0

    # -- events --
    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag in _SECTIONING:
            self.sectioning += 1
        if tag == "meta":
            name = (a.get("name") or a.get("property") or "").lower()
            if name in _DATE_META and not self.date:
                self.date = _iso_date(a.get("content", ""))
            return
        if tag == "time" and not self.date and a.get("datetime"):
            self.date = _iso_date(a["datetime"])
        if tag == "title":
            self.in_title = True
        if tag in _VOID:
            if self._outside():
                return
        elif self.hidden_tag:
            self.hidden_depth += tag == self.hidden_tag
            return
        elif "hidden" in a or _chrome(tag, a):
            # Not rendered, or site chrome: skipped whole, as a <nav> is.
            self.hidden_tag, self.hidden_depth = tag, 1
            return
        elif self.region and self.region_tag is None:
            if not self._opens_region(tag, a):
                return
            self.region_tag, self.region_depth = tag, 1
        elif self.region_tag == tag:
            self.region_depth += 1
        if tag in _SKIP and tag not in _VOID:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "header" and not self.whole:
            if self.banner is not None:
                self.banner_depth += 1
            elif not self.sectioning:
                self.flush()
                self.banner, self.banner_depth = len(self.blocks), 1
        if tag == "a" and a.get("href", "").startswith("#"):
            self._release_link()
            self.link = []
        elif tag == "a" and a.get("href") and not self.whole:
            self.page_link_depth += 1
            self.page_links += 1
        if self.whole:
            self._inner_start(tag, a)
            return
        if tag == "br":
            self.buf.append(_BREAK)
        elif tag in _BLOCK:
            self.flush()
            if tag in _WHOLE:
                self._open_whole(tag, a)
                self.kind = _WHOLE[tag]
            elif tag in _HEADINGS:
                self.kind = "heading"

    def handle_endtag(self, tag):
        if tag in _SECTIONING:
            self.sectioning = max(0, self.sectioning - 1)
        if tag == "title":
            self.in_title = False
        if self.hidden_tag:
            if tag == self.hidden_tag:
                self.hidden_depth -= 1
                if not self.hidden_depth:
                    self.hidden_tag = None
            return
        if self.region:
            if self.region_tag is None:
                return
            if tag == self.region_tag:
                self.region_depth -= 1
                if not self.region_depth:
                    self.region_tag = None
                    self.skip = 0
                    self.whole, self.counters = [], []
                    self.flush()
                    return
        if tag in _SKIP and tag not in _VOID:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag == "a":
            self._release_link(marks=False)
            self.page_link_depth = max(0, self.page_link_depth - 1)
        if self.whole:
            if tag == self.whole[-1]:
                if self.whole.pop() in _LISTS:
                    self.counters.pop()
                if not self.whole:
                    self.flush()
            elif tag in ("td", "th"):
                self.buf.append(" ")
            return
        if tag in _BLOCK:
            self.flush(heading_level=int(tag[1]) if tag in _HEADINGS else 0)
        if tag == "header" and self.banner is not None:
            self.banner_depth -= 1
            if not self.banner_depth:
                self._banner_ends()

    def _banner_ends(self) -> None:
        """A <header> outside every sectioning element is the page's banner (its ARIA
        role, HTML-AAM): the site's name, logo, menus and search box, on every page
        alike ("LibreOffice 7.4 Help" above each help page). Its blocks are dropped,
        unless it holds a heading: some pages put their own title there."""
        start, self.banner = self.banner, None
        if not any(kind == "heading" for _, kind, _ in self.blocks[start:]):
            del self.blocks[start:]

    def handle_data(self, data):
        if self.in_title:
            self.title = _SPACES.sub(" ", (self.title + data)).strip()
        if self.skip or self._outside():
            return
        if self.link is not None:
            self.link.append(data)
        else:
            self._take(data)

    def _take(self, data: str, anchor: bool = False) -> None:
        """Add read text to the block; ``anchor``: the text of a link to this page."""
        seen = len("".join(data.split()))
        if self.whole:
            self.whole_chars += seen
            self.anchor_chars += seen if anchor else 0
        else:
            self.text_chars += seen
            self.page_link_chars += seen if self.page_link_depth else 0
        self.buf.append(data)

    # -- helpers --
    def _outside(self) -> bool:
        """Is the parser where nothing is read: in a hidden element, or outside the main
        content of a page that marks it?"""
        return self.hidden_tag is not None or (self.region is not None
                                               and self.region_tag is None)

    def _opens_region(self, tag: str, attrs: dict[str, str]) -> bool:
        if self.region == "main":
            return tag == "main" or attrs.get("role", "").strip().lower() == "main"
        return tag == self.region

    def _open_whole(self, tag: str, attrs: dict[str, str]) -> None:
        self.whole.append(tag)
        if tag in _LISTS:
            start = attrs.get("start", "").strip()
            self.counters.append((int(start) if re.fullmatch(r"-?\d{1,9}", start) else 1)
                                 if tag == "ol" else None)

    def _marker(self, attrs: dict[str, str]) -> str:
        """What a browser shows before a list item: "- " for a bullet, "3. " for the
        third item of an ordered list (or the number its ``value`` gives): a how-to's
        steps are quoted numbered as the reader sees them."""
        if not self.counters or self.counters[-1] is None:
            return "- "
        value = attrs.get("value", "").strip()
        n = int(value) if re.fullmatch(r"-?\d{1,9}", value) else self.counters[-1]
        self.counters[-1] = n + 1
        return f"{n}. "

    def _inner_start(self, tag, attrs):
        if tag in _WHOLE:
            self._open_whole(tag, attrs)
        depth = sum(1 for t in self.whole if t in _LISTS)
        if tag in ("li", "dt", "dd"):
            self.buf.append(_BREAK + _INDENT * max(0, depth - 1)
                            + (self._marker(attrs) if tag == "li" else ""))
        elif tag == "tr":
            self.buf.append(_BREAK)
            self.row_cells = 0
        elif tag in ("td", "th"):
            self.buf.append("| " if self.row_cells == 0 else " | ")
            self.row_cells += 1
        elif tag == "br" or (tag in ("p", "div") and self.whole[0] != "pre"
                             and not self._cell_or_item_start()):
            self.buf.append("\n" if self.whole[0] == "pre" else _BREAK)

    def _cell_or_item_start(self) -> bool:
        # A paragraph that opens a list item or a table cell ("<li><p>", docutils' and
        # many CMSs' markup) continues the item's line; only a later one breaks it.
        # Source indentation between the two tags ("<li>\n  <p>") is no text.
        last = next((piece for piece in reversed(self.buf) if piece.strip()), "")
        return (last.endswith(("- ", "| ")) or last in ("| ", " | ")
                or _ITEM_NUMBER.search(last) is not None)

    def _release_link(self, marks: bool = True) -> None:
        """Add the held-back text of a link to this page; ``marks``: also when it has no
        letter or digit (a block boundary inside the link, or a link left open: its text
        is kept; a closed link of only "¶" or an icon is a permalink mark, dropped)."""
        if self.link is not None:
            text, self.link = "".join(self.link), None
            if marks or _WORD_CHAR.search(text):
                self._take(text, anchor=True)

    def flush(self, heading_level: int = 0):
        self._release_link()
        raw = "".join(self.buf)
        self.buf = []
        kind, self.kind = self.kind, "text"
        toc = kind == "list" and self.whole_chars and self.anchor_chars == self.whole_chars
        # A paragraph of nothing but one link to another page ("Related Topics" under a
        # help page, "Next: Installing") names that page; it says nothing itself. It is
        # counted, as a reader sees it, but never retrieved nor quoted: a page title reads
        # close to any question about its subject.
        if (kind == "text" and self.page_links == 1 and self.text_chars
                and self.page_link_chars == self.text_chars):
            kind = "markup"
        self.whole_chars = self.anchor_chars = 0
        self.page_links = self.page_link_chars = self.text_chars = 0
        if toc:
            return
        if kind == "code":
            text = raw.replace(_BREAK, "\n").replace(_INDENT, "").strip("\n").rstrip()
        else:
            lines = (_SPACES.sub(" ", ln.replace("\n", " ")).strip().replace(_INDENT, "  ")
                     for ln in raw.split(_BREAK))
            sep = " " if kind in ("text", "heading") else "\n"
            text = sep.join(ln for ln in lines if ln.strip())
        if not text.strip():
            return
        if kind == "heading" and heading_level:
            while self.path and self.path[-1][0] >= heading_level:
                self.path.pop()
            self.blocks.append((text, kind, tuple(self.path)))
            self.path.append((heading_level, text))
            self.headings.append(text)
            if heading_level == 1 and not self.h1:
                self.h1 = text
            return
        self.blocks.append((text, kind, tuple(self.path)))


def _iso_date(value: str) -> str | None:
    match = re.match(r"\s*(\d{4}-\d{2}(?:-\d{2})?)", value)
    return match.group(1) if match else None


# A Sphinx role docutils does not know (":ref:`Setup <setup>`", ":py:func:`run`"):
# its visible text, the title before a "<target>" if there is one.
_ROLE = re.compile(r"(?<![\w`]):[A-Za-z][\w.+-]*(?::[A-Za-z][\w.+-]*)*:`([^`]*?)`(?!`)")
_ROLE_TARGET = re.compile(r"^(.*?)\s*<[^<>]*>$", re.DOTALL)
_DOCINFO = re.compile(r'<dl class="docinfo[^"]*">.*?</dl>', re.DOTALL)
# Sphinx's paragraph-level directives (its "paragraph-level markup" docs): their body
# is prose a reader sees, so it is kept (docutils alone would drop it).
_PROSE_DIRECTIVES = ("versionadded", "versionchanged", "deprecated", "seealso", "only",
                     "centered", "hlist", "glossary", "tab", "tabs", "group-tab", "code-tab")


class RstReader:
    """reStructuredText -> Extracted, through docutils' HTML writer and ``HtmlReader``.

    Safe for uploads: no file inclusion (``.. include::``), no raw HTML passthrough,
    nothing is printed; unknown directives are dropped, unknown roles keep their text.
    A ``:Date:`` field gives the date; the document title is the title.
    """

    def run(self, text: str) -> Extracted:
        from docutils.core import publish_parts
        from docutils.utils import SystemMessage

        _register_sphinx_prose()
        source = _ROLE.sub(_role_text, text)
        try:
            parts = publish_parts(source, writer="html5", settings_overrides={
                "report_level": 5, "halt_level": 5, "warning_stream": io.StringIO(),
                "raw_enabled": False, "file_insertion_enabled": False,
                "syntax_highlight": "none", "_disable_config": True,
                "input_encoding": "unicode", "output_encoding": "unicode",
            })
        except (SystemMessage, ValueError, IndexError) as exc:
            raise CorpusError(f"reStructuredText could not be read ({exc}); check its markup "
                              "(docutils' rst2html shows where)") from exc
        # The bibliographic fields (":Date:", ":Author:") are metadata, not a block.
        html = _DOCINFO.sub("", parts["whole"])
        return HtmlReader().run(html)


def _role_text(match: re.Match) -> str:
    inner = match.group(1)
    titled = _ROLE_TARGET.match(inner)
    # "~" and "!" are Sphinx's display flags, not text.
    return (titled.group(1) if titled and titled.group(1) else inner).lstrip("~!")


@functools.cache
def _register_sphinx_prose() -> None:
    """Register ``_PROSE_DIRECTIVES`` with docutils (once per process)."""
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives

    class Prose(Directive):
        optional_arguments = 1
        final_argument_whitespace = True
        has_content = True
        option_spec = None

        def run(self):
            node = nodes.container()
            text = " ".join(self.arguments)
            if text:
                inline, _messages = self.state.inline_text(text, self.lineno)
                node += nodes.paragraph(text, "", *inline)
            self.state.nested_parse(self.content, self.content_offset, node)
            return [node]

    for name in _PROSE_DIRECTIVES:
        directives.register_directive(name, Prose)


class NotebookReader:
    """A Jupyter notebook (``.ipynb``, nbformat 4) as the Markdown a notebook viewer
    shows, cell by cell: markdown and raw cells as written, code cells as fenced code
    blocks in the notebook's language, and their text outputs (streams, ``text/plain``
    results) as ``text`` code blocks right after (a program and what it prints answer
    together). Images, HTML outputs and tracebacks are left out."""

    def __init__(self, max_output_chars: int = NOTEBOOKS.output_chars) -> None:
        self.max_output_chars = max_output_chars

    def run(self, raw: bytes) -> str:
        try:
            nb = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise CorpusError(f"not a readable notebook ({exc}); open and save it again in "
                              "Jupyter") from exc
        cells = nb.get("cells") if isinstance(nb, dict) else None
        if not isinstance(cells, list):
            raise CorpusError("not a Jupyter notebook (no cells; nbformat 4 is read); "
                              "convert it with `jupyter nbconvert --to notebook`")
        meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
        lang = _get(meta, "language_info", "name") or _get(meta, "kernelspec", "language")
        blocks: list[str] = []
        for cell in cells:
            if not isinstance(cell, dict):
                continue
            source = _joined(cell.get("source")).strip("\n")
            if cell.get("cell_type") == "code":
                if source.strip():
                    blocks.append(_fenced(source, lang))
                for output in cell.get("outputs") or ():
                    text = _output_text(output)[:self.max_output_chars].strip("\n")
                    if text.strip():
                        blocks.append(_fenced(text, "text"))
            elif source.strip():
                blocks.append(source)
        return "\n\n".join(blocks) + "\n"


def _get(meta: dict, key: str, field: str) -> str:
    value = meta.get(key)
    name = value.get(field) if isinstance(value, dict) else None
    return name if isinstance(name, str) and name.isidentifier() else ""


def _joined(value: object) -> str:
    """A notebook text field: a string or a list of lines."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(x for x in value if isinstance(x, str))
    return ""


def _output_text(output: object) -> str:
    if not isinstance(output, dict):
        return ""
    if output.get("output_type") == "stream":
        return _joined(output.get("text"))
    if output.get("output_type") in ("execute_result", "display_data"):
        data = output.get("data")
        return _joined(data.get("text/plain")) if isinstance(data, dict) else ""
    return ""


def _fenced(text: str, info: str) -> str:
    """``text`` as a fenced code block whose fence no backtick run inside can close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"
# Word writes the built-in style names in English whatever the UI language ("heading 1",
# "Title"); the style ids may be localised ("berschrift1").
_HEADING_STYLE = re.compile(r"^heading\s*([1-6])$", re.IGNORECASE)


class DocxReader:
    """Word .docx bytes -> Extracted, through HTML and ``HtmlReader``.

    A paragraph whose style is a heading ("heading N", "Title", or an outline level) is
    a heading, list paragraphs are lists, a table is a table; text of tracked deletions
    and field codes is left out. The title is the document's (its properties), else the
    first heading; the date is its creation date. A legacy .doc (not a zip of XML) or a
    damaged file is refused with a message saying to save it as .docx.
    """

    def run(self, raw: bytes) -> Extracted:
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                body = _zip_part(z, "word/document.xml")
                styles = _zip_part(z, "word/styles.xml", required=False)
                core = _zip_part(z, "docProps/core.xml", required=False)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
            raise CorpusError(f"not a readable Word document ({exc}); save it as .docx "
                              "(Word 2007 or later) and add it again") from exc
        levels = _heading_styles(styles)
        pieces = ["<html><head>"]
        if core is not None:
            title = core.findtext(f"{_DC}title") or ""
            date = core.findtext(f"{_DCTERMS}created") or ""
            pieces.append(f"<title>{html.escape(title)}</title>" if title.strip() else "")
            pieces.append(f'<meta name="date" content="{html.escape(date)}">' if date else "")
        pieces.append("</head><body>")
        in_list = False
        for kind, level, text, rows in _docx_blocks(body.find(f"{_W}body"), levels):
            if in_list and kind != "item":
                pieces.append("</ul>")
                in_list = False
            if kind == "item":
                pieces.append("" if in_list else "<ul>")
                in_list = True
                pieces.append(f"<li>{_html_lines(text)}</li>")
            elif kind == "table":
                pieces.append("<table>" + "".join(
                    "<tr>" + "".join(f"<td>{_html_lines(c)}</td>" for c in row) + "</tr>"
                    for row in rows) + "</table>")
            elif level:
                pieces.append(f"<h{level}>{_html_lines(text)}</h{level}>")
            else:
                pieces.append(f"<p>{_html_lines(text)}</p>")
        pieces.append("</ul></body></html>" if in_list else "</body></html>")
        return HtmlReader(head_title=True).run("".join(pieces))


_WORD = ("a Word document", "save it as .docx (Word 2007 or later) and add it again")
_ODF = ("an OpenDocument text", "save it as .odt (LibreOffice, OpenOffice) and add it again")


def _zip_bytes(z: zipfile.ZipFile, name: str, required: bool = True, fmt=_WORD):
    """The bytes of member ``name`` (None if absent and not ``required``), refused over
    ``DOCX.part_bytes`` unpacked; ``fmt``: (what the file should be, how to fix it),
    for the messages."""
    try:
        info = z.getinfo(name)
    except KeyError:
        if required:
            raise CorpusError(f"not {fmt[0]}: it has no {name}; {fmt[1]}") from None
        return None
    if info.file_size > DOCX.part_bytes:
        raise CorpusError(f"{name} unpacks to {info.file_size // 2**20} MB, over the "
                          f"{DOCX.part_bytes // 2**20} MB limit; split the document")
    return z.read(name)


def _zip_part(z: zipfile.ZipFile, name: str, required: bool = True, fmt=_WORD):
    """The parsed XML of part ``name`` (``_zip_bytes``)."""
    data = _zip_bytes(z, name, required, fmt)
    if data is None:
        return None
    # Word processors never write a DTD; one here could only expand entities (a
    # "billion laughs").
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise CorpusError(f"{name} declares a DTD, which word processors never write; "
                          "save the document again from a word processor")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise CorpusError(f"{name} is damaged ({exc}); open and save the document again "
                          "in a word processor") from exc


def _heading_styles(styles) -> dict[str, int]:
    """Paragraph style id -> heading level (1 for "Title")."""
    out: dict[str, int] = {}
    for style in styles.iter(f"{_W}style") if styles is not None else ():
        name = style.find(f"{_W}name")
        name = (name.get(f"{_W}val", "") if name is not None else "").strip()
        m = _HEADING_STYLE.match(name)
        level = (int(m.group(1)) if m else 1 if name.lower() == "title"
                 else _outline_level(style.find(f"{_W}pPr")))
        if level:
            out[style.get(f"{_W}styleId", "")] = level
    return out


def _outline_level(ppr) -> int:
    """The heading level a paragraph's (or style's) outline level gives; 0 for none. Word
    numbers outline levels 0-8 (headings 1-9; HTML has six) and 9 for body text."""
    outline = ppr.find(f"{_W}outlineLvl") if ppr is not None else None
    value = outline.get(f"{_W}val", "") if outline is not None else ""
    return min(6, int(value) + 1) if value.isdigit() and int(value) < 9 else 0


def _docx_text(element) -> str:
    """The visible text of a paragraph (or cell): runs' text, tabs as spaces, breaks as
    new lines; deleted text (``w:delText``) and field codes (``w:instrText``) are not
    ``w:t`` and so are left out, as is the fallback copy of a text box
    (``mc:AlternateContent``: Word writes its text twice)."""
    out = []

    def walk(el) -> None:
        if el.tag == f"{_W}t":
            out.append(el.text or "")
        elif el.tag == f"{_W}tab":
            out.append(" ")
        elif el.tag in (f"{_W}br", f"{_W}cr"):
            out.append("\n")
        elif not el.tag.endswith("}Fallback"):  # a text box's copy for older readers
            for child in el:
                walk(child)

    walk(element)
    return "".join(out)


def _docx_blocks(body, levels: dict[str, int]):
    """(kind, heading level, text, table rows) of each block of a document body, in
    order: kind "paragraph", "item" (a list paragraph) or "table"."""
    if body is None:
        return
    for el in body:
        if el.tag == f"{_W}sdt":  # a content control: its content is body content
            yield from _docx_blocks(el.find(f"{_W}sdtContent"), levels)
        elif el.tag == f"{_W}tbl":
            rows = [[" ".join(_docx_text(p) for p in cell.iter(f"{_W}p"))
                     for cell in row.iter(f"{_W}tc")] for row in el.iter(f"{_W}tr")]
            yield "table", 0, "", rows
        elif el.tag == f"{_W}p":
            ppr = el.find(f"{_W}pPr")
            style = ppr.find(f"{_W}pStyle") if ppr is not None else None
            level = (_outline_level(ppr)
                     or (levels.get(style.get(f"{_W}val", ""), 0) if style is not None else 0))
            listed = ppr is not None and ppr.find(f"{_W}numPr") is not None
            yield ("item" if listed and not level else "paragraph"), level, _docx_text(el), []


def _html_lines(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.split("\n"))


_EPUB = ("an EPUB e-book", "save it again as EPUB 2 or 3 and add it again")
_OPF = "{http://www.idpf.org/2007/opf}"
_DC_NS = "{http://purl.org/dc/elements/1.1/}"
_CHAPTER_TYPES = {"application/xhtml+xml", "text/html"}


class EpubReader:
    """EPUB 2/3 e-book bytes -> Extracted: its chapters (XHTML, ``HtmlReader``) in
    reading order (the package's spine), each chapter's title a heading that heads the
    section path of its blocks. The navigation document (EPUB 3 ``nav``, a table of
    contents) and non-linear items are left out. Title and date from the package's
    Dublin Core metadata; a chapter titled as the book is not a chapter heading.
    """

    def run(self, raw: bytes) -> Extracted:
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                container = _zip_part(z, "META-INF/container.xml", fmt=_EPUB)
                root = container.find(
                    ".//{urn:oasis:names:tc:opendocument:xmlns:container}rootfile")
                path = root.get("full-path", "") if root is not None else ""
                if not path:
                    raise CorpusError(f"not {_EPUB[0]}: its container names no package; "
                                      f"{_EPUB[1]}")
                opf = _zip_part(z, path, fmt=_EPUB)
                chapters = [self._chapter(z, href) for href in _spine(opf, path)]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
            raise CorpusError(f"not a readable EPUB e-book ({exc}); {_EPUB[1]}") from exc
        meta = opf.find(f"{_OPF}metadata")
        title = ((meta.findtext(f"{_DC_NS}title") or "").strip() if meta is not None else "")
        date = ((meta.findtext(f"{_DC_NS}date") or "").strip() if meta is not None else "")
        parts: list[Part] = []
        for ex in chapters:
            chapter = ex.title if ex.title and ex.title != title else ""
            # The chapter's title as its page writes it (its h1), else one made for it.
            own = [p.kind == "heading" and p.text == chapter and not p.section
                   for p in ex.parts]
            if chapter and not any(own):
                parts.append(Part(chapter, "heading", ""))
            parts += [p if is_own else Part(
                p.text, p.kind, SECTION_SEP.join(x for x in (chapter, p.section) if x), p.page)
                for p, is_own in zip(ex.parts, own)]
        return Extracted(tuple(parts), title or next(
            (ex.title for ex in chapters if ex.title), ""), _iso_date(date))

    @staticmethod
    def _chapter(z: zipfile.ZipFile, name: str) -> Extracted:
        # A chapter in the reading order is required: "not an EPUB e-book: it has no …".
        raw = _zip_bytes(z, name, fmt=_EPUB)
        return HtmlReader().run(raw.decode("utf-8", errors="replace"))


def _spine(opf, opf_path: str) -> list[str]:
    """The zip paths of the package's chapters in reading order: its spine's linear
    items that are (X)HTML, the navigation document left out."""
    base = posixpath.dirname(opf_path)
    items = {}
    for item in opf.iter(f"{_OPF}item"):
        if (item.get("media-type") in _CHAPTER_TYPES
                and "nav" not in (item.get("properties") or "").split()):
            href = urllib.parse.unquote(item.get("href", "").split("#")[0])
            items[item.get("id")] = posixpath.normpath(posixpath.join(base, href))
    return [items[ref.get("idref")] for ref in opf.iter(f"{_OPF}itemref")
            if ref.get("idref") in items and ref.get("linear", "yes") != "no"]


_ODF_NS = {k: f"urn:oasis:names:tc:opendocument:xmlns:{v}:1.0" for k, v in (
    ("office", "office"), ("text", "text"), ("table", "table"), ("style", "style"),
    ("meta", "meta"), ("draw", "drawing"))}


def _odf(tag: str) -> str:
    prefix, local = tag.split(":")
    return f"{{{_ODF_NS[prefix]}}}{local}"


# Not the document's own text: footnotes and comments (as the Word reader leaves them
# out), tracked deletions, generated indexes and tables of contents (they repeat the
# headings and entries), drawings and text boxes.
_ODF_SKIP = {_odf(t) for t in (
    "text:note", "office:annotation", "office:annotation-end", "text:tracked-changes",
    "text:table-of-content", "text:alphabetical-index", "text:illustration-index",
    "text:table-index", "text:object-index", "text:user-index", "text:bibliography",
    "draw:frame", "draw:custom-shape", "draw:g", "text:sequence-decls",
    "text:variable-decls", "text:user-field-decls", "office:forms")}


class OdtReader:
    """OpenDocument text (.odt: LibreOffice, OpenOffice; the format Vietnam's public
    sector must use) bytes -> Extracted, through HTML and ``HtmlReader``, as
    ``DocxReader`` does.

    ``text:h`` is a heading at its outline level (a paragraph in the "Title" style is
    one at level 1), ``text:list`` a list (nested lists nested), ``table:table`` a
    table, ``text:section`` read through; footnotes, comments, tracked deletions,
    generated indexes and text boxes are left out. The title is the document's
    (``meta.xml``), else its first heading; the date its creation date.
    """

    def run(self, raw: bytes) -> Extracted:
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                content = _zip_part(z, "content.xml", fmt=_ODF)
                styles = _zip_part(z, "styles.xml", required=False, fmt=_ODF)
                meta = _zip_part(z, "meta.xml", required=False, fmt=_ODF)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
            raise CorpusError(f"not a readable OpenDocument text ({exc}); {_ODF[1]}") from exc
        titles = _odf_title_styles(content, styles)
        pieces = ["<html><head>"]
        info = meta.find(_odf("office:meta")) if meta is not None else None
        if info is not None:
            title = info.findtext("{http://purl.org/dc/elements/1.1/}title") or ""
            date = (info.findtext(_odf("meta:creation-date"))
                    or info.findtext("{http://purl.org/dc/elements/1.1/}date") or "")
            pieces.append(f"<title>{html.escape(title)}</title>" if title.strip() else "")
            pieces.append(f'<meta name="date" content="{html.escape(date)}">' if date else "")
        pieces.append("</head><body>")
        body = content.find(f"{_odf('office:body')}/{_odf('office:text')}")
        if body is not None:
            _odf_blocks(body, pieces, titles)
        pieces.append("</body></html>")
        return HtmlReader(head_title=True).run("".join(pieces))


def _odf_blocks(parent, out: list[str], titles: set[str]) -> None:
    """HTML for the blocks of ``parent`` (the body, a section, a list item), appended to
    ``out``; ``titles``: the paragraph styles that are the "Title" style."""
    for el in parent:
        if el.tag in _ODF_SKIP:
            continue
        if el.tag == _odf("text:h"):
            level = el.get(_odf("text:outline-level"), "1")
            level = min(6, max(1, int(level))) if level.isdigit() else 1
            out.append(f"<h{level}>{_html_lines(_odf_text(el))}</h{level}>")
        elif el.tag == _odf("text:p"):
            tag = "h1" if el.get(_odf("text:style-name")) in titles else "p"
            out.append(f"<{tag}>{_html_lines(_odf_text(el))}</{tag}>")
        elif el.tag == _odf("text:list") and any(
                child.tag == _odf("text:h") for item in el for child in item):
            # Numbered headings ("1. Mục tiêu") are written as a list of headings:
            # headings, not a list.
            for item in el:
                _odf_blocks(item, out, titles)
        elif el.tag == _odf("text:list"):
            out.append("<ul>")
            for item in el:
                if item.tag in (_odf("text:list-item"), _odf("text:list-header")):
                    out.append("<li>")
                    _odf_item(item, out, titles)
                    out.append("</li>")
            out.append("</ul>")
        elif el.tag == _odf("table:table"):
            rows = [[" ".join(_odf_text(p) for p in cell.iter()
                              if p.tag in (_odf("text:p"), _odf("text:h")))
                     for cell in row if cell.tag in (_odf("table:table-cell"),
                                                     _odf("table:covered-table-cell"))]
                    for row in el.iter(_odf("table:table-row"))]
            out.append("<table>" + "".join(
                "<tr>" + "".join(f"<td>{_html_lines(c)}</td>" for c in row) + "</tr>"
                for row in rows) + "</table>")
        elif el.tag == _odf("text:section"):
            _odf_blocks(el, out, titles)


def _odf_item(item, out: list[str], titles: set[str]) -> None:
    """A list item's paragraphs as its lines, a nested list nested."""
    lines = []
    for el in item:
        if el.tag in (_odf("text:p"), _odf("text:h")):
            lines.append(_odf_text(el))
        elif el.tag == _odf("text:list"):
            out.append(_html_lines("\n".join(lines)))
            lines = []
            _odf_blocks([el], out, titles)
    out.append(_html_lines("\n".join(lines)))


def _odf_text(element) -> str:
    """The visible text of a paragraph: its text and its spans', ``text:s`` as its
    count of spaces, tabs as spaces, line breaks as new lines; what ``_ODF_SKIP`` names
    (a footnote's body, a comment) left out."""
    out = [element.text or ""]
    for child in element:
        if child.tag == _odf("text:s"):
            count = child.get(_odf("text:c"), "1")
            out.append(" " * (int(count) if count.isdigit() else 1))
        elif child.tag == _odf("text:tab"):
            out.append(" ")
        elif child.tag == _odf("text:line-break"):
            out.append("\n")
        elif child.tag not in _ODF_SKIP:
            out.append(_odf_text(child))
        out.append(child.tail or "")
    return "".join(out)


def _odf_title_styles(content, styles) -> set[str]:
    """The paragraph styles that are the "Title" style or derive from it (automatic
    styles in ``content.xml`` name their parent)."""
    parent: dict[str, str] = {}
    for root in (styles, content):
        for st in root.iter(_odf("style:style")) if root is not None else ():
            parent[st.get(_odf("style:name"), "")] = st.get(_odf("style:parent-style-name"), "")
    out = set()
    for name in parent:
        seen, n = set(), name
        while n and n not in seen:
            if n.lower() == "title":
                out.add(name)
                break
            seen.add(n)
            n = parent.get(n, "")
    return out | {"Title"}
