"""Handlers and rendering of the browser chat (qa/ui.py, qa/ui_render.py), called directly.

The assistants here are real (real corpus parsing, Chroma, ingest, retrieval); they
use the small ``HashEmbedder`` from testkit because these tests are about the UI
layer, not answer quality.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import unicodedata
from types import SimpleNamespace

import gradio as gr
import pytest
from testkit import PROJECT_ROOT, HashEmbedder

import qa
from qa import i18n, ui
from qa.types import Answer, Citation
from qa.ui_render import (
    answer_markers,
    highlight,
    history_pairs,
    link_label,
    message_text,
    plain_text,
    render_answer,
    render_partial,
    short_title,
    source_label,
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

@pytest.mark.parametrize("typed, read, shown", [
    # Marks put back: the answer says how it read the question.
    ("Ai la Bo truong?", "Ai là Bộ trưởng?", "Read as: Ai là Bộ trưởng?"),
    # Read as typed, spaces and Unicode form aside: nothing is said.
    ("  Ai là   Bộ trưởng? ", "Ai là Bộ trưởng?", None),
    (unicodedata.normalize("NFD", "Ai là Bộ trưởng?"), "Ai là Bộ trưởng?", None),
    # No typed text given (an API caller): nothing is said.
    ("", "Ai là Bộ trưởng?", None),
])
def test_answer_says_how_it_read_the_question(typed, read, shown):
    answer = Answer(text="The documents do not say.", answered=False, question=read)
    out = render_answer(answer, typed=typed)
    if shown is None:
        assert "seedqa-readas" not in out
    else:
        assert f'<div class="seedqa-readas">{shown}</div>' in out
    # Escaped like every text of the answer.
    evil = render_answer(dataclasses.replace(answer, question="<b>x</b>"), typed="b x")
    assert "&lt;b&gt;x&lt;/b&gt;" in evil and "<b>x</b>" not in evil


def test_answer_rendering_escapes_document_text():
    c = citation(f"Exports grew. {XSS} End.", quote="Exports grew.", start=0, end=13,
                 title="<b>bold</b> title")
    answer = Answer(text=f"Exports grew. [1] {XSS}", answered=True, citations=[c],
                    markers=((14, 17, 1),))
    out = render_answer(answer)
    assert "<script" not in out and "<img" not in out and "<b>bold" not in out
    assert "&lt;script&gt;window.__xss=2" in out
    assert "&lt;img src=x onerror=&#34;window.__xss=1" in out
    assert "&lt;b&gt;bold&lt;/b&gt; title" in out
    # The marker [1] became a button that names its paragraph.
    # (its value also carries the quote's offsets, so the lookup can highlight it).
    assert 'class="seedqa-marker" value="doc:2#0-13"' in out and ">[1]</button>" in out


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
    assert "Sources" in out and 'class="seedqa-cite" value="doc:2#7-42"' in out


def test_code_in_an_answer_is_shown_as_code_and_escaped():
    code = "```sh\npip install '<x>'\npip check\n```"
    c = citation(code, quote=code, start=0, end=len(code), kind="code")
    text = f"Install it: [1]\n{code}\n[2] Done."
    out = render_answer(Answer(text=text, answered=True, citations=[c, c],
                               markers=((12, 15, 1), (len(text) - 9, len(text) - 6, 2))))
    assert "<pre class=\"seedqa-code\"><code>pip install &#39;&lt;x&gt;&#39;&#10;pip check" \
        "</code></pre>" in out  # its lines survive the renderer's removal of line breaks
    assert "```" not in out.split("seedqa-sources")[0]  # the fences frame, they are not shown
    assert 'class="seedqa-para seedqa-pre"' in out  # the source card keeps the lines
    inline = render_answer(Answer(text="Run `a <b>` now. [1]", answered=True, citations=[c],
                                  markers=((16, 19, 1),)))
    assert "Run <code>a &lt;b&gt;</code> now." in inline


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
    assert {h["origin"] for h in hits} == {"corpus"} and known["origin"] == "corpus"


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
        "bad-bom.txt": b"\xff\xfeC\x00a\x00f",  # a UTF-16 mark, then an odd byte count
        "empty.txt": b"  \n\n ",
        "blob.txt": b"abc\x00\x01\x02def",
        "slides.pdf": b"%PDF-1.4 ...",
        "slides.docx": b"PK...",  # a .docx that is no zip
        "slides.pptx": b"PK...",
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
    assert "Added 2 document(s)" in out and "Rejected 8 file(s)" in out
    for name, why in [("bad-bom.txt", "byte-order mark"), ("empty.txt", "empty"),
                      ("blob.txt", "binary"), ("slides.pdf", "not a readable PDF"),
                      ("slides.docx", "not a readable Word document"),
                      ("slides.pptx", "wrong file type"),
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
    legacy = tmp_path / "legacy.txt"  # saved by an old Windows editor: read, not refused
    legacy.write_bytes("Café notes\n\nThe café serves crème brûlée.\n".encode("cp1252"))
    assert "Added 1 document(s)" in ui.add_documents(small, [str(legacy)])
    assert small.cite("legacy:2").text == "The café serves crème brûlée."
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
    assert kw["auth"] == ("ann", "s3cr:et")  # ui.launch checks it through slow_login


@pytest.mark.parametrize("value", ["nopassword", ":pw", "user:", "  :  "])
def test_bad_qa_auth_is_a_config_error(value):
    with pytest.raises(qa.ConfigError, match="user:password"):
        ui.parse_auth(value)


# --- never locked: the chat turns every failure into a message ------------------------------

@pytest.mark.parametrize("message, says", [
    ("", "question is empty"),
    ("   \n\t ", "question is empty"),
    ("\x00\x01\x02\x7f", "question is empty"),  # binary junk: control characters only
    ("word " * 1200, "5,999 characters long"),
    (5, "must be text, not int"),
    (None, "must be text, not NoneType"),
])
def test_chat_never_raises_on_bad_input(small, message, says):
    outputs = list(ui.chat(small, message, []))
    assert len(outputs) == 1
    assert outputs[0].startswith('<div class="seedqa-msg seedqa-error">')
    assert "Could not answer" in outputs[0] and says in outputs[0]
    assert message_text(outputs[0]) == ""  # an error is not an answer to follow up on
    # The same session goes on: a real question right after is answered.
    follow = list(ui.chat(small, "How many tonnes of cloves did Zanzibar export in 2024?",
                          [{"role": "user", "content": "x"},
                           {"role": "assistant", "content": outputs[0]}]))
    assert "seedqa-error" not in follow[-1] and "answered by offline extractive" in follow[-1]


def test_chat_turns_a_backend_failure_into_a_message(tmp_path):
    # A store that cannot be created (its folder is a file): a real backend failure.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("Note\n\nThe crane lifts ninety tonnes.\n", encoding="utf-8")
    blocked = tmp_path / "data"
    blocked.write_text("not a folder", encoding="utf-8")
    broken = qa.Assistant(corpus_dir=corpus, data_dir=blocked, embedder=HashEmbedder(), llm=False)
    outputs = list(ui.chat(broken, "How much does the crane lift?", []))
    assert len(outputs) == 1 and "seedqa-error" in outputs[0]
    assert "Traceback" not in outputs[0]


def test_chat_messages_follow_the_interface_language(small):
    out = list(ui.chat(small, "", [], lang="vi"))[0]
    assert "Không thể trả lời" in out
    answer = list(ui.chat(small, "How many tonnes of cloves did Zanzibar export in 2024?", [],
                          lang="vi"))[-1]
    assert "trả lời bởi trích dẫn ngoại tuyến" in answer


# --- API arguments: every malformed one is a message ------------------------------------

@pytest.mark.parametrize("question, history, says", [
    ("cloves?", 5, "history must be a list"),
    ("cloves?", "q and a", "history must be a list"),
    ("cloves?", [1, 2], "item 0 is int"),
    ("cloves?", [["only the question"]], "item 0 is not a [question, answer] pair"),
    ("cloves?", [["q", 7]], "item 0 is not a [question, answer] pair"),
    ("cloves?", [{"content": "no role"}], "item 0 has no role"),
    (5, None, "must be text, not int"),
    (["a list"], None, "must be text, not list"),
    ("   ", None, "question is empty"),
])
def test_ask_json_refuses_malformed_arguments_with_a_message(small, question, history, says):
    with pytest.raises(gr.Error, match=re.escape(says)):
        ui.ask_json(small, question, history)


@pytest.mark.parametrize("query, k, says", [
    ("cloves", 0, "k must be"),
    ("cloves", "5", "k must be"),
    ("cloves", None, "k must be"),
    ("cloves", 2.5, "k must be"),
    ("cloves", True, "k must be"),
    (None, 3, "must be text"),
    ({"q": 1}, 3, "must be text"),
])
def test_search_json_refuses_malformed_arguments_with_a_message(small, query, k, says):
    with pytest.raises(gr.Error, match=says):
        ui.search_json(small, query, k)


@pytest.mark.parametrize("pid", [None, 5, ["spices:2"], ""])
def test_cite_json_of_a_non_id_says_so(small, pid):
    out = ui.cite_json(small, pid)
    assert out["found"] is False and out["error"]


def test_valid_histories_pass_the_check():
    for history in (None, [], [["q", "a"]], [("q", None)],
                    [{"role": "user", "content": "q"}, {"role": "assistant", "content": []}]):
        assert ui.check_history(history) is history


# --- copy, verdict first, markers -------------------------------------------------------

def test_plain_text_for_the_clipboard_is_exact():
    c1 = citation("Intro. Exports grew 5%. End.", quote="Exports grew 5%.", start=7, end=23)
    c2 = citation("Other text.", quote="Other text.", start=0, end=11, id="b:4", doc_id="b",
                  paragraph=4, title="B title", date=None)
    answered = Answer(text="Exports grew 5%. [1] Other text. [2]", answered=True,
                      citations=[c1, c2])
    assert plain_text(answered) == (
        "Exports grew 5%. [1] Other text. [2]\n\nSources:\n"
        "[1] A title — 2025-02-26 — doc:2\n    “Exports grew 5%.”\n"
        "[2] B title — undated — b:4\n    “Other text.”")
    refused = Answer(text="The documents do not say.", answered=False, related=[c2])
    assert plain_text(refused) == ("Not in the documents: The documents do not say.\n\n"
                                   "Related paragraphs (not sources):\n- B title — undated — b:4")
    assert plain_text(refused, "vi").startswith("Không có trong tài liệu: ")
    # The rendered message carries that text (hidden) for the Copy button: no blank line,
    # so the chat's Markdown keeps the message as one HTML block.
    out = render_answer(answered)
    assert ('<div class="seedqa-copytext">Exports grew 5%. [1] Other text. [2]&#10;&#10;'
            "Sources:&#10;") in out
    assert "\n" not in out


def test_refusal_shows_the_verdict_first_and_related_paragraphs_collapsed():
    related = [citation("Nearby one.", id="doc:5", paragraph=5),
               citation("Nearby two.", id="doc:6", paragraph=6)]
    out = render_answer(Answer(text="The documents do not say.", answered=False,
                               related=related))
    verdict = out.index("Not in the documents")
    assert verdict < out.index("The documents do not say.") < out.index("<details")
    assert '<details class="seedqa-related"><summary' in out and "<details open" not in out
    assert "(not sources: they do not answer the question) (2)</summary>" in out


def test_only_the_answerers_markers_become_links():
    # A quoted sentence holding "[1]" of its own: with Answer.markers, only the marker the
    # answerer placed (at the end) is a link.
    c = citation("As stated in [1], trade doubled.", quote="As stated in [1], trade doubled.",
                 start=0, end=32)
    text = "As stated in [1], trade doubled. [1]"
    placed = Answer(text=text, answered=True, citations=[c], markers=((33, 36, 1),))
    assert answer_markers(placed) == [(33, 36, 1)]
    out = render_answer(placed)
    assert out.count('class="seedqa-marker"') == 1
    assert "As stated in [1], trade doubled. <button" in out
    # Markers out of range or naming no citation are dropped, not linked.
    bad = dataclasses.replace(placed, markers=((33, 36, 2), (30, 99, 1)))
    assert answer_markers(bad) == []
    assert 'class="seedqa-marker"' not in render_answer(dataclasses.replace(placed, markers=()))


@pytest.mark.parametrize("title, label", [
    ("Short title", "Short title"),
    ("A " * 50, ("A " * 34).strip() + "…"),
    ("word" * 30, "word" * 17 + "w…"),
    ("  spaced\n  title ", "spaced title"),
])
def test_short_title(title, label):
    assert short_title(title) == label


def test_labels_carry_section_and_page_when_citations_have_them():
    c = citation("x", title="Guide", paragraph=3)
    assert source_label(c, 2) == "[2] Guide — 2025-02-26 — ¶3"
    assert link_label(c) == "Guide — ¶3"
    placed = dataclasses.replace(c, section="Setup › Install", page=4)
    assert source_label(placed, 2) == "[2] Guide — Setup › Install — 2025-02-26 — ¶3 — p. 4"
    assert link_label(placed) == "Guide — Setup › Install — ¶3 — p. 4"
    assert link_label(placed, "vi") == "Guide — Setup › Install — ¶3 — tr. 4"


# --- lookup -------------------------------------------------------------------------------

def test_lookup_from_a_citation_keeps_the_quote_highlighted(small):
    text = small.cite("spices:2").text
    start = text.index("42 tonnes")
    out = ui.lookup(small, "spices:2", f"spices:2#{start}-{start + 9}")
    assert "<mark>42 tonnes</mark>" in out
    # A span for another paragraph (a stale one) or out of range is ignored.
    assert "<mark>" not in ui.lookup(small, "spices:2", f"spices:3#{start}-{start + 9}")
    assert "<mark>" not in ui.lookup(small, "spices:2", "spices:2#5-9999")
    assert "<mark>" not in ui.lookup(small, "spices:2", "")


def test_lookup_highlights_every_quoted_span(small):
    text = small.cite("spices:2").text
    a, b = text.index("42 tonnes"), len(text) - 1
    out = ui.lookup(small, "spices:2", f"spices:2#{a}-{a + 9},0-5")
    assert out.count("<mark>") == 2 and "<mark>42 tonnes</mark>" in out
    assert f"<mark>{text[:5]}</mark>" in out
    # An overlapping or out-of-range span is dropped, the others stay.
    out = ui.lookup(small, "spices:2", f"spices:2#{a}-{a + 9},{a + 2}-{a + 5},{b}-9999")
    assert out.count("<mark>") == 1


@pytest.mark.parametrize("span, spans", [
    ("p:1#10-15,0-5", ((0, 5), (10, 15))),  # sorted
    ("p:1#0-5", ((0, 5),)),
    ("p:2#0-5", ()),  # another paragraph's
    ("p:1#5-3", ()),  # empty
    ("p:1#0-5,", ()),  # malformed
    ("p:1#a-b", ()),
    ("p:1", ()),
])
def test_parse_span(span, spans):
    from qa.ui_panels import parse_span

    assert parse_span(span, "p:1") == spans


def test_quote_span_and_marks_of_several_spans():
    from qa.ui_html import mark_spans, quote_span, quoted_spans

    c = qa.Citation(id="p:1", doc_id="p", paragraph=1, title="T", date=None, language="en",
                    text="One <a>. Two. Three.", canonical_id="p:1", quote="One <a>.",
                    start=0, end=8, spans=((14, 20), (0, 8)))
    assert quoted_spans(c) == ((0, 8), (14, 20))
    assert quote_span(c) == "#0-8,14-20"
    assert mark_spans(c.text, quoted_spans(c)) == \
        "<mark>One &lt;a&gt;.</mark> Two. <mark>Three.</mark>"
    # A citation made before spans existed: its quote's own offsets.
    old = dataclasses.replace(c, spans=())
    assert quote_span(old) == "#0-8"
    assert quote_span(dataclasses.replace(old, quote="")) == ""


def test_lookup_links_have_readable_labels(small):
    dup = ui.lookup(small, "repeat:3")
    assert ('<button type="button" class="seedqa-cite" value="repeat:1" title="repeat:1">'
            "Harbour news of the week — ¶1</button>") in dup
    out = ui.lookup(small, "spices:2")
    assert 'value="spices:1"' in out and ">¶1 (previous)</button>" in out


def test_lookup_in_vietnamese(small):
    out = ui.lookup(small, "spices:2", lang="vi")
    assert "¶1 (trước)" in out and "¶2 (đoạn này)" in out and "Tiêu đề" in out
    assert "Nhập mã đoạn" in ui.lookup(small, "", lang="vi")


# --- shelf --------------------------------------------------------------------------------

def test_shelf_lists_documents_and_removes_uploads_only(small, tmp_path):
    out = ui.shelf(small)
    assert "2 documents" in out and "<code>spices</code>" in out and "<code>repeat</code>" in out
    assert "Zanzibar spice report" in out and "2025-01-15" in out and "collection" in out
    assert "seedqa-remove" not in out  # nothing uploaded yet
    f = tmp_path / "mango.txt"
    f.write_text("Mango note\n\nThe mango harvest reached 310 tonnes.\n", encoding="utf-8")
    ui.add_documents(small, [str(f)])
    out = ui.shelf(small)
    assert "3 documents" in out
    assert '<button type="button" class="seedqa-remove" value="mango"' in out
    assert out.count("seedqa-remove\"") == 1 and ">upload<" in out
    refused = ui.remove_document(small, "spices")
    assert "belongs to the corpus folder" in refused and "spices" in small.catalog.documents
    done = ui.remove_document(small, "mango")
    assert "Removed mango" in done and "mango" not in small.catalog.documents
    assert not (small.uploads_dir / "mango.txt").exists()
    # An old citation of it now says what happened.
    assert "its document mango was removed" in ui.lookup(small, "mango:2", removed={"mango"})
    assert "No such paragraph" in ui.lookup(small, "mango:2")
    assert "Type the id" in ui.remove_document(small, "  ")
    assert "no document" in ui.remove_document(small, "mango")
    assert "2 tài liệu" in ui.shelf(small, "vi")


def test_upload_reports_progress_per_file(small, tmp_path):
    f = tmp_path / "pepper.md"
    f.write_text("Pepper\n\nPepper output doubled.\n\nPrices held.\n", encoding="utf-8")
    seen = []
    out = ui.add_documents(small, [str(f)], on_progress=lambda *a: seen.append(a))
    assert "Added 1 document(s)" in out
    assert seen and all(name == "pepper.md" for name, _, _ in seen)
    assert seen[-1][1] == seen[-1][2]  # done == total at the end


# --- configuration ------------------------------------------------------------------------

def test_examples_come_from_configuration(small, tmp_path):
    assert ui.load_examples(small, {}) == []  # not the seed collection: none
    seeds = qa.Assistant(corpus_dir=PROJECT_ROOT / "seeds", data_dir=tmp_path / "d",
                         embedder=HashEmbedder(), llm=False)
    assert ui.load_examples(seeds, {}) == ui.SEED_EXAMPLES
    listed = tmp_path / "ex.json"
    listed.write_text('["First?", "  Second\\n question? "]', encoding="utf-8")
    assert ui.load_examples(seeds, {"QA_EXAMPLES": str(listed)}) == ["First?",
                                                                     "Second question?"]
    lines = tmp_path / "ex.txt"
    lines.write_text("# comment\nOne?\n\nTwo?\n", encoding="utf-8")
    assert ui.load_examples(small, {"QA_EXAMPLES": str(lines)}) == ["One?", "Two?"]
    for content, says in [('{"a": 1}', "list of strings"), ("[1, 2]", "list of strings"),
                          ("[oops", "not valid JSON")]:
        listed.write_text(content, encoding="utf-8")
        with pytest.raises(qa.ConfigError, match=re.escape(says)):
            ui.load_examples(small, {"QA_EXAMPLES": str(listed)})
    with pytest.raises(qa.ConfigError, match="cannot read it"):
        ui.load_examples(small, {"QA_EXAMPLES": str(tmp_path / "missing.txt")})


@pytest.mark.parametrize("cookies, accept, lang", [
    ({}, "", "en"),
    ({}, "vi-VN,vi;q=0.9,en;q=0.8", "vi"),
    ({}, "fr-FR,fr;q=0.9", "en"),
    ({"seedqa_lang": "vi"}, "en-US", "vi"),
    ({"seedqa_lang": "en"}, "vi", "en"),
    ({"seedqa_lang": "xx"}, "vi", "en"),
])
def test_request_language(cookies, accept, lang):
    request = SimpleNamespace(cookies=cookies, headers={"accept-language": accept})
    assert ui.request_lang(request) == lang
    assert ui.request_lang(None) == "en"


def test_the_upload_label_names_every_kind_of_file_read():
    from qa import corpus

    kinds = [getattr(corpus, n) for n in dir(corpus) if n.endswith("_SUFFIXES")]
    assert sum(map(len, kinds)) == len(corpus.SUFFIXES)  # every suffix is of one kind
    for lang in ("en", "vi"):
        named = set(re.findall(r"\.\w+", i18n.LABELS[lang]["add_documents"]))
        assert {kind[0] for kind in kinds} <= named, named


def test_both_languages_have_every_string():
    assert set(i18n.LABELS["en"]) == set(i18n.LABELS["vi"])
    assert set(i18n.TEXT["en"]) == set(i18n.TEXT["vi"])
    assert [i18n.lang_of(v) for v in ("vi", "vi-VN", "VI_vn", "en-GB", "", None, 3)] == [
        "vi", "vi", "vi", "en", "en", "en", "en"]


@pytest.mark.parametrize("env, limit", [
    ({}, ui.default_concurrency()),
    ({"QA_CONCURRENCY": "4"}, 4),
    ({"QA_CONCURRENCY": " 1 "}, 1),
])
def test_concurrency_setting(env, limit):
    assert ui.queue_kwargs(env) == {"default_concurrency_limit": limit}


@pytest.mark.parametrize("name, value", [
    ("QA_CONCURRENCY", "0"), ("QA_CONCURRENCY", "many"), ("QA_SESSION_CAPACITY", "-1"),
    ("QA_ALLOWED_HOSTS", "a b.example"), ("QA_ALLOWED_HOSTS", "http://x/y"),
])
def test_bad_launch_settings_are_config_errors(name, value):
    with pytest.raises(qa.ConfigError, match=name):
        ui.launch_kwargs({name: value})


def test_session_capacity_is_bounded():
    assert ui.launch_kwargs({})["state_session_capacity"] == ui.SESSION_CAPACITY
    assert ui.launch_kwargs({"QA_SESSION_CAPACITY": "50"})["state_session_capacity"] == 50


# --- login throttle and host guard ----------------------------------------------------------

def test_login_delay_schedule():
    throttle = ui.LoginThrottle("ann", "pw")
    assert [throttle.delay(n) for n in range(9)] == [0, 0, 0, 1, 2, 4, 8, 8, 8]


def test_login_throttle_slows_failures_and_a_success_clears_it():
    waits: list[float] = []

    async def sleep(seconds):
        waits.append(seconds)

    check = ui.slow_login("ann", "correct horse", sleep=sleep)

    async def attempts():
        results = [await check("ann", "wrong") for _ in range(6)]
        results.append(await check("bob", "correct horse"))
        results.append(await check("ann", "correct horse"))
        results.append(await check("ann", "wrong"))
        return results

    results = asyncio.run(attempts())
    assert results == [False] * 7 + [True, False]
    assert waits == [1, 2, 4, 8, 8]  # after 3 free failures: 1, 2, 4, 8, 8 s; none after success


@pytest.mark.parametrize("value, server, allowed", [
    ("", "127.0.0.1", ui.LOOPBACK_NAMES),
    ("", "localhost", ui.LOOPBACK_NAMES),
    ("", "0.0.0.0", None),
    ("*", "127.0.0.1", None),
    ("qa.example.org, 10.0.0.5:7860", "0.0.0.0",
     ui.LOOPBACK_NAMES | {"qa.example.org", "10.0.0.5"}),
])
def test_allowed_hosts(value, server, allowed):
    assert ui.allowed_hosts(value, server) == allowed


def _guarded(allowed, check_uploads):
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    async def ok(request):
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/", ok), Route("/gradio_api/upload", ok, methods=["POST"])])
    return TestClient(ui.HostGuard(app, allowed, check_uploads), base_url="http://127.0.0.1")


@pytest.mark.parametrize("host, status", [
    ("127.0.0.1:7860", 200), ("localhost", 200), ("[::1]:7860", 200),
    ("qa.example.org", 200), ("evil.example:7860", 400), ("", 400),
])
def test_host_guard_serves_only_allowed_hosts(host, status):
    client = _guarded(ui.LOOPBACK_NAMES | {"qa.example.org"}, False)
    r = client.get("/", headers={"host": host})
    assert r.status_code == status
    if status == 400:
        assert "QA_ALLOWED_HOSTS" in r.text


@pytest.mark.parametrize("origin, status", [
    (None, 200),                              # not a browser (gradio_client, curl)
    ("http://10.0.0.5:7860", 200),            # the app's own page
    ("http://evil.example", 403),             # another site's page
    ("http://10.0.0.5:9999", 403),            # another port is another origin
    ("https://qa.example.org", 200),          # an allowed name (behind a proxy)
])
def test_host_guard_refuses_cross_origin_uploads(origin, status):
    client = _guarded(None, True)
    client_allowed = _guarded(frozenset({"qa.example.org"}) | ui.LOOPBACK_NAMES | {"10.0.0.5"},
                              True)
    headers = {"host": "10.0.0.5:7860", **({"origin": origin} if origin else {})}
    use = client_allowed if origin and "qa.example.org" in origin else client
    r = use.post("/gradio_api/upload", headers=headers, content=b"x")
    assert r.status_code == status, r.text
    assert client.get("/", headers={"host": "10.0.0.5:7860",
                                    "origin": "http://evil.example"}).status_code == 200


def test_an_upload_can_replace_an_earlier_upload_only(small, tmp_path):
    first = tmp_path / "a" / "prices.txt"
    first.parent.mkdir()
    first.write_text("Prices\n\nCloves sold at 9 dollars a kilo.\n", encoding="utf-8")
    second = tmp_path / "b" / "prices.txt"
    second.parent.mkdir()
    second.write_text("Prices\n\nCloves sold at 12 dollars a kilo.\n\nVanilla held.\n",
                      encoding="utf-8")
    assert "Added 1 document(s)" in ui.add_documents(small, [str(first)])
    assert "already exists" in ui.add_documents(small, [str(second)])  # not without replace
    out = ui.add_documents(small, [str(second)], replace=True)
    assert "<code>prices</code>: 3 paragraphs (replaced the earlier upload)" in out
    assert small.cite("prices:2").text == "Cloves sold at 12 dollars a kilo."
    assert sorted(p.name for p in small.uploads_dir.iterdir()) == ["prices.txt"]
    # A corpus document is never replaced by an upload.
    clash = tmp_path / "c" / "spices.txt"
    clash.parent.mkdir()
    clash.write_text("Clash\n\nSame id as a corpus document.\n", encoding="utf-8")
    assert "already exists" in ui.add_documents(small, [str(clash)], replace=True)


def test_sources_from_uploads_are_labelled(small, tmp_path):
    f = tmp_path / "pepper.txt"
    f.write_text("Pepper\n\nPemba exported 17 tonnes of pepper in 2024.\n", encoding="utf-8")
    ui.add_documents(small, [str(f)])
    html_out = list(ui.chat(small, "How many tonnes of pepper did Pemba export in 2024?", []))[-1]
    if "seedqa-answered" in html_out:
        assert "Pepper — undated — ¶2 — upload</button>" in html_out
    c = citation("x", doc_id="up", id="up:2")
    out = render_answer(Answer(text="x [1]", answered=True, citations=[c]), uploads={"up"})
    assert ">[1] A title — 2025-02-26 — ¶2 — upload</button>" in out
    assert "— upload</button>" not in render_answer(Answer(text="x [1]", answered=True,
                                                           citations=[c]))
