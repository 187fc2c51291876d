"""Handlers and rendering of the browser chat (qa/ui.py, qa/ui_render.py), called directly.

The assistants here are real (real corpus parsing, Chroma, ingest, retrieval); they
use the small ``HashEmbedder`` from testkit because these tests are about the UI
layer, not answer quality.
"""

from __future__ import annotations

import gradio as gr
import pytest
from testkit import HashEmbedder

import qa
from qa import ui
from qa.types import Answer, Citation
from qa.ui_render import (
    highlight,
    history_pairs,
    message_text,
    render_answer,
    render_partial,
)

XSS = '<img src=x onerror="window.__xss=1;alert(1)"> <script>window.__xss=2;alert(2)</script>'


def citation(text: str, quote: str = "", start: int = 0, end: int = 0, **kw) -> Citation:
    fields = {"id": "doc:2", "doc_id": "doc", "paragraph": 2, "title": "A title",
              "date": "2025-02-26", "language": "en", "canonical_id": "doc:2"}
    fields.update(kw)
    return Citation(text=text, quote=quote, start=start, end=end, **fields)


@pytest.fixture
def small(tmp_corpus, data_dir) -> qa.Assistant:
    """A real assistant over two small documents (one with a repeated paragraph)."""
    tmp_corpus.write_paragraphs("spices.txt", [
        "Zanzibar spice report",
        "Zanzibar exported 42 tonnes of cloves in 2024, a record for the islands.",
        "Vanilla prices fell by a third over the same year.",
    ], date="2025-01-15")
    tmp_corpus.write_paragraphs("repeat.txt", [
        "Harbour news of the week",
        "The new harbour crane lifts ninety tonnes and arrived in March.",
        "Harbour news of the week",
    ])
    assistant = qa.Assistant(corpus_dir=tmp_corpus.path, data_dir=data_dir,
                             embedder=HashEmbedder(), llm=False)
    assistant.ingest(progress=False)
    return assistant


# --- rendering ------------------------------------------------------------------------------

def test_answer_rendering_escapes_document_text():
    c = citation(f"Exports grew. {XSS} End.", quote="Exports grew.", start=0, end=13,
                 title="<b>bold</b> title")
    answer = Answer(text=f"Exports grew. [1] {XSS}", answered=True, citations=[c])
    out = render_answer(answer)
    assert "<script" not in out and "<img" not in out and "<b>bold" not in out
    assert "&lt;script&gt;window.__xss=2" in out
    assert "&lt;img src=x onerror=&quot;window.__xss=1" in out
    assert "&lt;b&gt;bold&lt;/b&gt; title" in out
    # The marker [1] became a button that names its paragraph.
    assert 'class="seedqa-marker" value="doc:2"' in out and ">[1]</button>" in out


def test_partial_and_lookup_escape_too(small):
    assert "<script" not in render_partial(XSS)
    html_out = ui.lookup(small, "<script>alert(1)</script>:1")
    assert "<script" not in html_out and "&lt;script&gt;" in html_out


def test_highlight_uses_the_exact_offsets():
    text = "Trade rose. Trade rose. End."
    # The quote occurs twice; the offsets select the second occurrence.
    assert highlight(text, 12, 23, "Trade rose.") == "Trade rose. <mark>Trade rose.</mark> End."
    assert highlight(text, 0, 11, "Trade rose.") == "<mark>Trade rose.</mark> Trade rose. End."
    # Offsets that do not select the quote are not trusted: the quote is found instead.
    assert highlight(text, 3, 9, "End.") == "Trade rose. Trade rose. <mark>End.</mark>"
    # No usable quote or offsets: no highlight at all.
    assert "<mark>" not in highlight(text, 0, 0, "")
    assert "<mark>" not in highlight(text, 5, 99, "missing")
    # Escaping happens around the mark, not through it.
    assert highlight("a <b> c", 2, 5, "<b>") == "a <mark>&lt;b&gt;</mark> c"


def test_source_shows_label_paragraph_and_highlighted_quote():
    c = citation("Intro. The target is US$3 billion by 2026. More.", quote=(
        "The target is US$3 billion by 2026."), start=7, end=42)
    out = render_answer(Answer(text="The target is US$3 billion by 2026. [1]",
                               answered=True, citations=[c]))
    assert "[1] A title — 2025-02-26 — ¶2" in out
    assert "Intro. <mark>The target is US$3 billion by 2026.</mark> More." in out
    assert "Sources" in out and 'class="seedqa-cite" value="doc:2"' in out


def test_not_answered_looks_different_and_lists_related_paragraphs():
    related = [citation("Something nearby.", id="doc:5", paragraph=5)]
    refused = render_answer(Answer(text="The documents do not say.", answered=False,
                                   related=related))
    answered = render_answer(Answer(text="Yes. [1]", answered=True,
                                    citations=[citation("Yes.", "Yes.", 0, 4)]))
    assert "seedqa-unanswered" in refused and "Not in the documents" in refused
    assert "Related paragraphs (not sources" in refused and "related — A title" in refused
    assert ">Sources<" not in refused and "<mark>" not in refused
    assert "seedqa-answered" in answered and ">Sources<" in answered
    assert "seedqa-unanswered" not in answered and "Not in the documents" not in answered


def test_note_and_backend_are_shown():
    out = render_answer(Answer(text="x", answered=False, note="The language model failed: 401",
                               backend="gpt-4o-mini", seconds=0.5))
    assert "The language model failed: 401" in out and "LLM gpt-4o-mini" in out


# --- history --------------------------------------------------------------------------------

def test_history_from_gradio_client_and_browser_give_the_same_pairs():
    rendered = render_answer(Answer(text="Trade is US$3 billion. [1]", answered=True,
                                    citations=[citation("Trade is US$3 billion.", "Trade is", 0,
                                                        8)]))
    client = [{"role": "user", "content": "What trade target?"},
              {"role": "assistant", "content": rendered}]
    browser = [{"role": "user", "metadata": None, "options": None,
                "content": [{"type": "text", "text": "What trade target?"}]},
               {"role": "assistant", "metadata": None, "options": None,
                "content": [{"type": "text", "text": rendered}]}]
    expected = [("What trade target?", "Trade is US$3 billion. [1]")]
    assert history_pairs(client) == expected
    assert history_pairs(browser) == expected
    assert history_pairs([["What trade target?", "Trade is US$3 billion. [1]"]]) == expected
    assert history_pairs([("q1", "a1"), ("q2", "a2")]) == [("q1", "a1"), ("q2", "a2")]
    assert history_pairs(None) == [] and history_pairs([]) == []


def test_history_edge_cases():
    # A question without an answer (e.g. an error) still counts; sources never leak in.
    assert history_pairs([{"role": "user", "content": "q1"},
                          {"role": "user", "content": "q2"}]) == [("q1", ""), ("q2", "")]
    refused = render_answer(Answer(text="The documents do not say.", answered=False,
                                   related=[citation("nearby <b>text</b>")]))
    assert message_text(refused) == "The documents do not say."
    assert message_text(render_partial("half <an> answer")) == "half <an> answer"
    assert message_text([{"type": "file", "file": {"path": "x"}}]) == ""
    assert message_text("plain string") == "plain string"


def test_follow_up_uses_the_history(small):
    first = ui.ask_json(small, "How many tonnes of cloves did Zanzibar export in 2024?")
    follow = ui.ask_json(small, "And vanilla?", [[first["question"], first["text"]]])
    browser = [{"role": "user", "content": [{"type": "text", "text": first["question"]}]},
               {"role": "assistant", "content": [{"type": "text", "text": first["text"]}]}]
    same = ui.ask_json(small, "And vanilla?", browser)
    assert follow["text"] == same["text"]


# --- handlers -------------------------------------------------------------------------------

def test_chat_streams_then_renders_the_final_answer(small):
    outputs = list(ui.chat(small, "How many tonnes of cloves did Zanzibar export in 2024?", []))
    assert len(outputs) >= 2
    assert all(o.startswith('<div class="seedqa-msg') for o in outputs)
    assert "seedqa-streaming" in outputs[0]
    assert "seedqa-streaming" not in outputs[-1]
    assert "answered by offline extractive" in outputs[-1]


def test_qa_errors_become_gr_error_with_their_message(small):
    with pytest.raises(gr.Error, match="question is empty"):
        ui.ask_json(small, "   ")
    with pytest.raises(gr.Error, match="question is empty"):
        list(ui.chat(small, "", []))
    with pytest.raises(gr.Error, match="k must be"):
        ui.search_json(small, "cloves", 0)


def test_cite_and_search_json(small):
    known = ui.cite_json(small, "spices:2")
    assert known["found"] is True and known["title"] == "Zanzibar spice report"
    assert [n["id"] for n in known["neighbours"]] == ["spices:1", "spices:3"]
    unknown = ui.cite_json(small, "spices:99")
    assert unknown == {"found": False, "id": "spices:99", "error": unknown["error"]}
    assert "paragraphs 1 to 3" in unknown["error"]
    hits = ui.search_json(small, "cloves Zanzibar", 2)
    assert len(hits) == 2 and {"id", "title", "date", "paragraph", "text", "score"} <= set(hits[0])


def test_lookup_shows_neighbours_and_metadata(small):
    out = ui.lookup(small, "spices:2")
    assert "¶1 (previous)" in out and "¶2 (this paragraph)" in out and "¶3 (next)" in out
    assert "2025-01-15" in out and "Zanzibar spice report" in out and "spices:2 (¶2 of 3)" in out
    assert "Duplicate of" not in out
    dup = ui.lookup(small, "repeat:3")
    assert "Duplicate of" in dup and "repeat:1" in dup


@pytest.mark.parametrize("pid, says", [
    ("nothing:1", "no document"),
    ("spices:7", "paragraphs 1 to 3"),
    ("not an id", "is not a paragraph id"),
])
def test_lookup_of_unknown_id_is_a_friendly_message(small, pid, says):
    out = ui.lookup(small, pid)
    assert "seedqa-notice" in out and "No such paragraph" in out and says in out
    assert "Traceback" not in out


def test_empty_lookup_explains_what_to_type(small):
    assert "Type a paragraph id" in ui.lookup(small, "  ")


def test_status_names_backend_and_corpus_size(small):
    out = ui.status(small)
    assert "offline extractive" in out and "<b>2</b> documents" in out
    assert "<b>6</b> paragraphs" in out


# --- uploads --------------------------------------------------------------------------------

@pytest.mark.parametrize("name, safe", [
    ("notes.txt", "notes.txt"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\windows\\evil.md", "evil.md"),
    ("/abs/path/Report.MD", "Report.md"),
    (".hidden.txt", "hidden.txt"),
    ("Hội đàm Việt Nam 2025.txt", "Hoi_dam_Viet_Nam_2025.txt"),
    ("a b;rm -rf $(x).txt", "a_b_rm_-rf_x.txt"),
    ("...", ""),
    ("no_extension", "no_extension"),
])
def test_safe_name(name, safe):
    assert ui.safe_name(name) == safe


def test_upload_adds_good_files_and_rejects_bad_ones(small, tmp_path):
    before = dict(small.catalog.paragraphs)
    src = tmp_path / "incoming"
    src.mkdir()
    files = {
        "new report.md": "Pepper harvest\n\nPepper output doubled in 2024 on Pemba.\n",
        "../sneaky.txt": "Travels upward?\n\nIt must land in the uploads folder.\n",
        "latin1.txt": "Café crème".encode("latin-1"),
        "empty.txt": b"  \n\n ",
        "blob.txt": b"abc\x00\x01\x02def",
        "slides.pdf": b"%PDF-1.4 ...",
        "spices.txt": "Clash\n\nSame id as an indexed document.\n",
        "huge.txt": b"a" * (ui.MAX_UPLOAD_BYTES + 1),
    }
    paths = []
    for i, (name, content) in enumerate(files.items()):
        folder = src / str(i)  # Gradio keeps each upload's original name in its own folder
        folder.mkdir()
        path = folder / name.replace("../", "")
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        paths.append({"path": str(path), "orig_name": name})

    out = ui.add_documents(small, paths)

    assert sorted(p.name for p in small.uploads_dir.iterdir()) == ["new_report.md", "sneaky.txt"]
    assert "Added 2 document(s)" in out and "Rejected 6 file(s)" in out
    for name, why in [("latin1.txt", "not UTF-8"), ("empty.txt", "empty"),
                      ("blob.txt", "binary"), ("slides.pdf", "wrong file type"),
                      ("spices.txt", "already exists"), ("huge.txt", "limit is 10 MB")]:
        assert f"<code>{name}</code>: " in out and why in out, name
    docs = small.catalog.documents
    assert len(docs["new_report"]) == 2 and "sneaky" in docs
    assert small.cite("new_report:2").text == "Pepper output doubled in 2024 on Pemba."
    # Nothing already indexed was lost.
    for pid, p in before.items():
        assert small.catalog.paragraphs[pid] == p
    assert "4 added, 0 updated, 0 removed, 6 unchanged" in out
    assert "now 4 documents, 10 paragraphs" in out

    # The same name again collides with the document just added.
    again = ui.add_documents(small, [paths[0]])
    assert "already exists" in again and "Added" not in again


def test_upload_with_plain_paths_and_nothing_chosen(small, tmp_path):
    f = tmp_path / "plain.txt"
    f.write_text("Plain upload\n\nA paragraph about mangoes.\n", encoding="utf-8")
    assert "Added 1 document(s)" in ui.add_documents(small, [str(f)])
    assert small.cite("plain:2").text == "A paragraph about mangoes."
    assert "Choose one or more" in ui.add_documents(small, [])
    assert "Choose one or more" in ui.add_documents(small, None)


# --- launch settings ------------------------------------------------------------------------

def test_launch_settings_default_to_loopback_and_honour_the_environment():
    kw = ui.launch_kwargs({})
    assert kw["server_name"] == "127.0.0.1" and kw["server_port"] == 7860
    assert kw["auth"] is None and kw["share"] is False
    kw = ui.launch_kwargs({"GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SERVER_PORT": "8123",
                           "QA_AUTH": "ann:s3cr:et"})
    assert kw["server_name"] == "0.0.0.0" and kw["server_port"] == 8123
    assert kw["auth"] == ("ann", "s3cr:et")


@pytest.mark.parametrize("value", ["nopassword", ":pw", "user:", "  :  "])
def test_bad_qa_auth_is_a_config_error(value):
    with pytest.raises(qa.ConfigError, match="user:password"):
        ui.parse_auth(value)
