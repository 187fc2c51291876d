"""Markdown as Markdown: blocks a viewer shows, heading paths, clean text, language tags."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from testkit import PROJECT_ROOT

from qa import CorpusError
from qa.corpus import load_folder, parse_markdown
from qa.embed import passage_text
from qa.language import detect_block
from qa.markdown import PROSE_KINDS, MarkdownSplitter, strip_front_matter
from qa.text import markup_only, match_text, tokens
from qa.types import Citation

HF_COURSE = PROJECT_ROOT / "eval" / "hf-course" / "corpus"


def _blocks(source: str, list_items: bool = False) -> list[tuple[str, str, str]]:
    blocks, _ = MarkdownSplitter(list_items=list_items).run(source)
    return [(b.kind, b.text, " › ".join(b.section)) for b in blocks]


# --- block splitting ---------------------------------------------------------------------


@pytest.mark.parametrize(("source", "expected"), [
    # A fence with blank lines inside is one block, fences included.
    ("Run this:\n\n```python\nx = 1\n\n\ny = 2\n```\n\nDone.",
     [("text", "Run this:", ""), ("code", "```python\nx = 1\n\n\ny = 2\n```", ""),
      ("text", "Done.", "")]),
    # An indented code block is code too.
    ("Text.\n\n    a = 1\n\n    b = 2\n",
     [("text", "Text.", ""), ("code", "a = 1\n\n    b = 2", "")]),
    # A whole list (a loose one too) is one block; a list may follow a line directly.
    ("Steps:\n1. one\n2. two\n\n3. three\n\nAfter.",
     [("text", "Steps:", ""), ("list", "1. one\n2. two\n\n3. three", ""), ("text", "After.", "")]),
    ("- a\n  - nested\n- b", [("list", "- a\n  - nested\n- b", "")]),
    # Whole tables, with or without outer pipes.
    ("| a | b |\n|---|---|\n| 1 | 2 |\n\nx", [("table", "| a | b |\n|---|---|\n| 1 | 2 |", ""),
                                           ("text", "x", "")]),
    ("a | b\n:---: | :---:\n1 | 2", [("table", "a | b\n:---: | :---:\n1 | 2", "")]),
    # Block quotes and admonitions are one quote block.
    ("> [!TIP]\n> Start small.\n>\n> Then grow.",
     [("quote", "> [!TIP]\n> Start small.\n>\n> Then grow.", "")]),
    # MDX components, iframes, images and HTML blocks that show no words are markup;
    # one that holds prose shows it, as a viewer does: text.
    ('<Callout type="warning">\nRestarting drops the sessions.\n</Callout>',
     [("text", '<Callout type="warning">\nRestarting drops the sessions.\n</Callout>', "")]),
    ("<details>\n<summary>Tuning</summary>\n<p>The cache is 64 MB.</p>\n</details>",
     [("text", "<details>\n<summary>Tuning</summary>\n<p>The cache is 64 MB.</p>\n</details>",
       "")]),
    ("<script>\nconst note = 'not shown';\n</script>",
     [("markup", "<script>\nconst note = 'not shown';\n</script>", "")]),
    ('<Youtube id="LS9Y2wDVI0k" />\n\nBody.', [("markup", '<Youtube id="LS9Y2wDVI0k" />', ""),
                                              ("text", "Body.", "")]),
    ('<CourseFloatingBanner chapter={1}\n  classNames="absolute z-10"\n/>\n\nBody.',
     [("markup", '<CourseFloatingBanner chapter={1}\n  classNames="absolute z-10"\n/>', ""),
      ("text", "Body.", "")]),
    ('<div class="flex">\n<img src="a.png" alt="A."/>\n</div>\n\nBody.',
     [("markup", '<div class="flex">\n<img src="a.png" alt="A."/>\n</div>', ""),
      ("text", "Body.", "")]),
    ('<iframe\n\tsrc="https://x.invalid"\n></iframe>',
     [("markup", '<iframe\n\tsrc="https://x.invalid"\n></iframe>', "")]),
    ("![diagram](https://x.invalid/d.png)  ",
     [("markup", "![diagram](https://x.invalid/d.png)", "")]),
    # a row of linked images (a README's badges) is markup; so is a paragraph of nothing
    # but one link to another page (it names that page, says nothing); words beside a
    # link, two links, or a link to this page's anchor are text
    ("[![Build](https://x.invalid/b.svg)](https://x.invalid) [![Chat](c.svg)](c)\n\n"
     "[Next chapter](next.md)\n\nSee [X](x.md).\n\n[a](a.md) [b](b.md)\n\n[Up](#top)",
     [("markup", "[![Build](https://x.invalid/b.svg)](https://x.invalid) [![Chat](c.svg)](c)",
       ""), ("markup", "[Next chapter](next.md)", ""), ("text", "See [X](x.md).", ""),
      ("text", "[a](a.md) [b](b.md)", ""), ("text", "[Up](#top)", "")]),
    # A list of nothing but links to the page's anchors is its table of contents: markup.
    ("- [Install](#install)\n  - [On Linux](#on-linux)\n- [`run`](#run)\n\nBody.",
     [("markup", "- [Install](#install)\n  - [On Linux](#on-linux)\n- [`run`](#run)", ""),
      ("text", "Body.", "")]),
    ("- [Install](#install): the first step\n- [Docs](https://x.invalid)",
     [("list", "- [Install](#install): the first step\n- [Docs](https://x.invalid)", "")]),
    # Thematic breaks are not blocks; "###Title" without a space still reads as a heading.
    ("One.\n\n---\n\nTwo.", [("text", "One.", ""), ("text", "Two.", "")]),
    ("###Bao gồm\n\nNội dung.", [("heading", "###Bao gồm", ""), ("text", "Nội dung.", "Bao gồm")]),
])
def test_blocks(source, expected):
    assert _blocks(source) == expected


def _framed(source: str) -> list[tuple[str, str, tuple[str, ...]]]:
    blocks, _ = MarkdownSplitter().run(source)
    return [(b.kind, b.text, b.containers) for b in blocks]


@pytest.mark.parametrize(("source", "expected"), [
    # MkDocs admonitions: the indented body is prose, not an indented code block; the
    # marker line is a frame, not a block; a quoted title names what is inside.
    ("!!! note\n    Skip this part.\n\nAfter.",
     [("text", "Skip this part.", ()), ("text", "After.", ())]),
    ('!!! info "Type parameters"\n    Called type parameters.\n\n    In this case, str.\n\nAfter.',
     [("text", "Called type parameters.", ("Type parameters",)),
      ("text", "In this case, str.", ("Type parameters",)), ("text", "After.", ())]),
    ('??? tip "More"\n    Folded.', [("text", "Folded.", ("More",))]),
    ("!!! note\n\tIndented by a tab.\n\n\tStill inside.", [("text", "Indented by a tab.", ()),
                                                        ("text", "Still inside.", ())]),
    ('=== "Python 3.10+"\n\n    ```py\n    x: int | None\n    ```',
     [("code", "```py\n    x: int | None\n    ```", ("Python 3.10+",))]),
    # pymdownx blocks and Docusaurus admonitions fence their body; tabs nest.
    ("/// details | What it means\n\n* `-m`: a module\n\n///\n\nAfter.",
     [("list", "* `-m`: a module", ("What it means",)), ("text", "After.", ())]),
    ("//// tab | Linux\n\n/// tip\n\nActivate it.\n\n///\n\n////",
     [("text", "Activate it.", ("Linux",))]),
    (":::tip[Good to know]\nFenced tip.\n:::", [("text", "Fenced tip.", ("Good to know",))]),
    (":::note\nNo title.\n:::\nAfter.", [("text", "No title.", ()), ("text", "After.", ())]),
    # Inside a code fence nothing is a container.
    ("```rust\n/// doc comment\n:::\n```", [("code", "```rust\n/// doc comment\n:::\n```", ())]),
    # Include directives paste a file: no words here, so markup, fenced or not.
    ("{* ../docs_src/app.py hl[2] *}\n\nText.", [("markup", "{* ../docs_src/app.py hl[2] *}", ()),
                                                ("text", "Text.", ())]),
    ("```Python\n{!../app.py!}\n```", [("markup", "```Python\n{!../app.py!}\n```", ())]),
    # Template tags on a line of their own (Hugo, Jinja/Liquid) frame or paste: not blocks.
    ("{{< note >}}\nShortcode body.\n{{< /note >}}\n\n{% include x.md %}\n\nAfter.",
     [("text", "Shortcode body.", ()), ("text", "After.", ())]),
    # ... unless the tag shows words: then it is part of the sentence it stands in.
    ('Other parts of the\n{{< glossary_tooltip text="control plane" term_id="cp" >}}\nact.',
     [("text", 'Other parts of the\n{{< glossary_tooltip text="control plane" '
               'term_id="cp" >}}\nact.', ())]),
    # MDX module lines are markup; prose that starts with "Import" is not.
    ("import Tabs from '@theme/Tabs';\nexport const x = 1;\n\nImport the module first.",
     [("markup", "import Tabs from '@theme/Tabs';\nexport const x = 1;", ()),
      ("text", "Import the module first.", ())]),
    # HTML <details>/<summary> and MDX <TabItem label> stay markup blocks; their title
    # names what they hold.
    ("<details>\n<summary>Why does it fail?</summary>\n\nNo wheel.\n\n</details>\n\nAfter.",
     [("markup", "<details>\n<summary>Why does it fail?</summary>", ()),
      ("text", "No wheel.", ("Why does it fail?",)), ("markup", "</details>", ()),
      ("text", "After.", ())]),
    ('<TabItem value="y" label="Yarn">\n\nRun yarn.\n\n</TabItem>',
     [("markup", '<TabItem value="y" label="Yarn">', ("Yarn",)), ("text", "Run yarn.", ("Yarn",)),
      ("markup", "</TabItem>", ())]),
    # A setext underline is not a tab.
    ("Title\n===\n\nText.", [("heading", "Title\n===", ()), ("text", "Text.", ())]),
])
def test_container_frames_are_not_blocks_and_titles_are_context(source, expected):
    assert _framed(source) == expected


def test_container_title_joins_the_section_path():
    doc = parse_markdown("d", "# Guide\n\n## Activate\n\n//// tab | Windows `cmd`\n\nRun it "
                              "from the project folder.\n\n////\n")
    assert [(p.kind, p.section) for p in doc.paragraphs] == [
        ("heading", ""), ("heading", ""), ("text", "Activate › Windows cmd")]


def test_heading_path():
    source = ("# Title[[title]]\n\nIntro.\n\n## Part A[[a]]\n\nText a.\n\n### Detail\n\nText d.\n\n"
              "## Part B\n\nText b.\n\n# Other\n\nText o.")
    assert _blocks(source) == [
        ("heading", "# Title[[title]]", ""), ("text", "Intro.", "Title"),
        ("heading", "## Part A[[a]]", "Title"), ("text", "Text a.", "Title › Part A"),
        ("heading", "### Detail", "Title › Part A"), ("text", "Text d.", "Title › Part A › Detail"),
        ("heading", "## Part B", "Title"), ("text", "Text b.", "Title › Part B"),
        ("heading", "# Other", ""), ("text", "Text o.", "Other"),
    ]


def test_list_items_option_splits_top_level_items():
    assert _blocks("- a\n  - nested\n- b\n\nEnd.", list_items=True) == [
        ("list", "- a\n  - nested", ""), ("list", "- b", ""), ("text", "End.", "")]


@pytest.mark.parametrize(("source", "title", "date", "rest"), [
    ("---\ntitle: \"My notes\"\ndate: 2024-05-01\n---\n\nBody.", "My notes", "2024-05-01",
     "\n\n\n\n\nBody."),
    ("+++\ntitle = 'T'\n+++\nBody.", "T", None, "\n\n\nBody."),
    ("No front matter.\n---\n", None, None, "No front matter.\n---\n"),
])
def test_front_matter(source, title, date, rest):
    text, front = strip_front_matter(source)
    assert (front.title, front.date) == (title, date)
    assert text == rest
    assert text.count("\n") == source.count("\n")  # line numbers are kept


# --- parse_markdown --------------------------------------------------------------------------


def test_parse_markdown_title_sections_ids_and_kinds():
    doc = parse_markdown("d", "<Banner />\n\n# Guide[[guide]]\n\nIntro text.\n\n## Install\n\n"
                              "```bash\npip install x\n\npip install y\n```\n\n- one\n- two\n")
    assert doc.title == "Guide"
    got = [(p.id, p.kind, p.section) for p in doc.paragraphs]
    assert got == [("d:1", "markup", ""), ("d:2", "heading", ""), ("d:3", "text", ""),
                   ("d:4", "heading", ""), ("d:5", "code", "Install"), ("d:6", "list", "Install")]
    assert doc.paragraphs[4].text == "```bash\npip install x\n\npip install y\n```"
    assert all(p.page is None and p.title == "Guide" for p in doc.paragraphs)


def test_parse_markdown_front_matter_and_date_prefix():
    doc = parse_markdown("d", "---\ntitle: Notes\ndate: 2024-05-01T10:00\n---\nFirst.\n\nSecond.")
    assert (doc.title, doc.date) == ("Notes", "2024-05-01")
    assert [p.text for p in doc.paragraphs] == ["First.", "Second."]
    doc = parse_markdown("d", " date 2025-02 # Heading\n\nText.")
    assert (doc.title, doc.date) == ("Heading", "2025-02")


def test_parse_markdown_title_without_heading():
    doc = parse_markdown("d", "Plain **first** paragraph. Then more.\n\n# Later heading\n\nText.")
    assert doc.title == "Plain first paragraph."
    assert doc.paragraphs[2].section == "Later heading"


@pytest.mark.parametrize("source", ["", "<Youtube id=\"x\" />\n\n<div>\n</div>",
                                    "---\ntitle: x\n---\n"])
def test_parse_markdown_without_text_is_corpus_error(source):
    with pytest.raises(CorpusError, match="empty"):
        parse_markdown("d", source)


def test_language_per_block_takes_the_document_prior():
    doc = parse_markdown("d", (
        "# Các mô hình mã hóa\n\n"
        "Một số mô hình tiêu biểu của nhóm này bao gồm các mô hình sau đây:\n\n"
        "- [ALBERT](https://x.invalid/albert)\n- [BERT](https://x.invalid/bert)\n\n"
        "```python\nfrom transformers import pipeline\n```\n\n"
        "Bạn có thể đọc thêm trên [diễn đàn](https://x.invalid) của chúng tôi.\n\n"
        "> Why does my model produce an IndexError when I run the pipeline?\n"))
    assert [(p.kind, p.language) for p in doc.paragraphs] == [
        ("heading", "vi"), ("text", "vi"), ("list", "vi"), ("code", "vi"), ("text", "vi"),
        ("quote", "en")]


def test_duplicate_blocks_point_to_the_first():
    doc = parse_markdown("d", "# T\n\n<img src=\"a.png\"/>\n\nSame text.\n\nSame text.")
    assert [p.canonical_id for p in doc.paragraphs] == ["d:1", "d:2", "d:3", "d:3"]


# --- match_text, tokens, passage_text, citations ---------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Plain prose, unchanged.", "Plain prose, unchanged."),
    ("## Model card metadata[[model-card-metadata]]", "Model card metadata"),
    ("See the [`camembert-base` card](https://x.invalid/c) and ![a chart](c.png).",
     "See the camembert-base card and a chart."),
    ("[ALBERT](https://x.invalid/a_(b)) and [ref][1]", "ALBERT and ref"),
    ("**Bold**, __strong__, *em*, _it_, ~~gone~~ but lora_alpha and 2*3*4 stay",
     "Bold, strong, em, it, gone but lora_alpha and 2*3*4 stay"),
    ("Call `__init__` then `x*y*z`.", "Call __init__ then x*y*z."),
    ('<Youtube id="LS9Y2wDVI0k" />', ""),
    ('<img src="https://x.invalid/forums.png" alt="The forums." width="100%"/>', ""),
    ("Text with <del>old</del> markup &amp; an entity.", "Text with old markup & an entity."),
    ("> [!WARNING]\n> Be **careful**.", "Be careful."),
    ("```python\nx = [a](b)\n\n\ny = 2\n```", "x = [a](b)\ny = 2"),
    ("| a | b |\n|---|:-:|\n| 1 | 2 |", "| a | b |\n| 1 | 2 |"),
    ("kiến \u200b\u200btrúc và sai\u200blệch", "kiến trúc và sailệch"),
    ("<!-- hidden -->Visible <https://x.invalid/p>", "Visible https://x.invalid/p"),
    ("#1 priority", "#1 priority"),
    # heading attributes and admonition fences of other documentation tools
    ("## Install with pip {#pip}", "Install with pip"),
    ("## Browser extension {/*browser-extension*/}", "Browser extension"),  # MDX comment
    ("Keep {/* a note\nfor editors */} this", "Keep this"),
    ("### Setup {: #setup .tab}", "Setup"),
    ("Use {x} or {#a} inside a line", "Use {x} or {#a} inside a line"),
    (":::tip\nUse a virtual environment.\n:::", "Use a virtual environment."),
    (":::note[Heads up]\nRead this.\n:::", "Heads up\nRead this."),
    ('!!! warning "Careful"\n    It deletes files.', "Careful\nIt deletes files."),
    ("??? tip\n    Fold me.", "Fold me."),
    ("Really??? Yes ::: no", "Really??? Yes ::: no"),
    ("/// details | What it means\nBody.\n///", "What it means\nBody."),
    ("//// tab | Linux\n/// tip", "Linux"),
    ('=== "Python 3.10+"', "Python 3.10+"),
    ("{* ../docs_src/app.py hl[2] *}\n{!a.py!}\n--8<-- \"b.md\"", ""),
    ("See [Guide](x.md){.internal-link target=_blank}.", "See Guide."),
    ("a /// b and x = {.5} stay", "a /// b and x = {.5} stay"),
    # Hugo shortcodes show their text (or glossary term), nothing else of themselves
    ('the {{< glossary_tooltip text="control plane" term_id="control-plane" >}} acts',
     "the control plane acts"),
    ('inside the {{< glossary_tooltip term_id="kube-controller-manager" >}}.',
     "inside the kube-controller-manager."),
    ("{{% whatsnext-heading %}} Read on.", "Read on."),
    # code that looks like a link or a tag stays code
    ("Call `handlers[0](event)` first.", "Call handlers[0](event) first."),
    ("Match `^[a-z]([-a-z]*)?$` and `<b>` here.", "Match ^[a-z]([-a-z]*)?$ and <b> here."),
])
def test_match_text(text, expected):
    assert match_text(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("```python", True), ("|---|:-:|", True), ("> [!TIP]", True), ('<Youtube id="x" />', True),
    ('<img src="a.png" alt="x"/>', True), ("```", True), ("- [ALBERT](https://x.invalid)", False),
    ("Run `pip install x`.", False), ("| `r` | rank |", False),
])
def test_markup_only(text, expected):
    assert markup_only(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Call `handlers[0](event)` first.", "Call `handlers[0](event)` first."),
    ("Names match `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`.",
     "Names match `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`."),
    ("Wrap it in `<b>` or <b>bold</b>.", "Wrap it in `<b>` or bold."),
    ("See [`gpt2`](https://x.invalid/g) and [docs](https://x.invalid).", "See `gpt2` and docs."),
])
def test_display_text_keeps_code_as_written(text, expected):
    from qa.text import display_text

    assert display_text(text) == expected


def test_tokens_ignore_zero_width_characters():
    assert tokens("kiến\u200btrúc mô\u200dhình") == ["kiếntrúc", "môhình"]
    assert tokens("sai \u200b\u200blệch") == ["sai", "lệch"]


def test_passage_text_is_title_section_then_clean_text():
    doc = parse_markdown("d", "# Guide\n\n## Install[[install]]\n\nRun [pip](https://x.invalid).")
    assert passage_text(doc.paragraphs[2]) == "Guide\nInstall\nRun pip."
    # A heading is its own title line once, not twice.
    assert passage_text(doc.paragraphs[0]) == "Guide"


def test_lead_in_sentence_is_embedded_with_its_list():
    doc = parse_markdown("d", "# Models\n\nIntro. Some typical **encoder** models are:\n\n"
                              "- [BERT](https://x.invalid)\n- RoBERTa\n\nNot a lead-in.\n\n- x\n")
    assert [p.lead for p in doc.paragraphs] == ["", "", "Some typical encoder models are:", "", ""]
    assert passage_text(doc.paragraphs[2]) == (
        "Models\nSome typical encoder models are:\n- BERT\n- RoBERTa")


def test_citation_carries_section_page_and_kind():
    doc = parse_markdown("d", "# Guide\n\n## Install\n\n```bash\npip install x\n```")
    cite = Citation.of(doc.paragraphs[2])
    assert (cite.section, cite.page, cite.kind) == ("Install", None, "code")
    assert {k: cite.to_dict()[k] for k in ("section", "page", "kind")} == {
        "section": "Install", "page": None, "kind": "code"}


@pytest.mark.parametrize(("text", "prior", "expected"), [
    ("- ALBERT\n- BERT\n- DistilBERT", "vi", "vi"),  # names only: no evidence of its own
    ("- ALBERT\n- BERT\n- DistilBERT", "en", "en"),
    ("hay", "vi", "vi"),
    ("Giờ chúng ta hãy đi sâu vào BPE thôi!", "vi", "vi"),
    ("Matthew Watson and Chen Qian: Quy trình NLP với Keras", "vi", "vi"),
    ("Why does my model produce an IndexError?", "vi", "en"),
    ("Hai bên nhất trí tăng cường hợp tác thương mại và đầu tư.", "en", "vi"),
    ("State President Lương Cường received Prime Minister Luxon in Hà Nội.", "en", "en"),
    ("2025 — 12.5 %", "vi", "vi"),
    ("越南和新西兰将双边关系提升为全面战略伙伴关系", "vi", "zh"),
    ("Plain English text with the usual words in it.", "und", "en"),
])
def test_detect_block(text, prior, expected):
    assert detect_block(text, prior) == expected


# --- the hf-course corpus (real Markdown pages) ----------------------------------------------


@pytest.fixture(scope="module")
def hf_course():
    docs, skipped = load_folder(HF_COURSE)
    assert skipped == []
    return docs


def _fenced_regions(text: str) -> list[str]:
    """Fenced code blocks found by a plain line scan, independent of the parser."""
    regions, current = [], None
    for line in text.split("\n"):
        if re.match(r"\s*```", line):
            if current is None:
                current = [line]
            else:
                regions.append("\n".join([*current, line]))
                current = None
        elif current is not None:
            current.append(line)
    return regions


def test_hf_course_fenced_blocks_with_blank_lines_are_one_paragraph(hf_course):
    checked = 0
    for doc in hf_course:
        source = Path(doc.path).read_text(encoding="utf-8")
        for region in _fenced_regions(source):
            if not re.search(r"\n[ \t]*\n", region):
                continue
            owners = [p for p in doc.paragraphs if region.strip() in p.text]
            assert len(owners) == 1, (doc.id, region[:80])
            assert owners[0].kind in ("code", "list", "quote"), (doc.id, owners[0].kind)
            checked += 1
    assert checked >= 10


def test_hf_course_no_markup_only_paragraph_is_text(hf_course):
    tag_only = re.compile(r"\s*(?:<[^>]*>\s*)+", re.DOTALL)
    for doc in hf_course:
        for p in doc.paragraphs:
            if p.kind in PROSE_KINDS:
                assert match_text(p.text), p.id
                assert not tag_only.fullmatch(p.text), p.id
            assert not p.text.startswith(("<Youtube", "<iframe", "<CourseFloatingBanner")) \
                or p.kind == "markup", p.id


def test_hf_course_language_tags(hf_course):
    vi = [p.language == "vi" for d in hf_course if d.path.endswith(".vi.md")
          for p in d.paragraphs if p.kind in PROSE_KINDS]
    en = [p.language == "en" for d in hf_course if not d.path.endswith(".vi.md")
          for p in d.paragraphs if p.kind in PROSE_KINDS]
    assert sum(vi) / len(vi) >= 0.97, (sum(vi), len(vi))
    assert sum(en) / len(en) >= 0.99, (sum(en), len(en))


def test_hf_course_sections_and_titles(hf_course):
    docs = {d.id: d for d in hf_course}
    lora = docs["lora"]
    assert lora.title == "LoRA (Low-Rank Adaptation)"
    table = next(p for p in lora.paragraphs if p.kind == "table")
    assert table.section == "LoRA Configuration"
    assert all("[[" not in p.section for d in hf_course for p in d.paragraphs)


@pytest.mark.parametrize("code, shown", [
    ("```js {4}\nlet a = 1;\n```", "```js\nlet a = 1;\n```"),
    ('```python title="app.py" hl_lines="3"\nprint(1)\n```', "```python\nprint(1)\n```"),
    ("~~~ {.python}\nx = 1\n~~~", "~~~\nx = 1\n~~~"),
    ("``` py\nx\n```", "```py\nx\n```"),
    ("```console\n$ ls {a}\n```", "```console\n$ ls {a}\n```"),  # the code itself is kept
    # a block with no fence (indented, an HTML <pre>, reStructuredText) gets one, longer
    # than the backtick runs inside it: the answer text is Markdown
    ("    indented = True", "```\n    indented = True\n```"),
    ("#!/bin/sh\n# a comment, not a heading", "```\n#!/bin/sh\n# a comment, not a heading\n```"),
    ("echo ```", "````\necho ```\n````"),
])
def test_a_quoted_code_block_shows_its_language_not_the_generators_attributes(code, shown):
    from qa.text import display_code

    assert display_code(code) == shown
