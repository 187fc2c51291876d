"""Parallel paragraphs across languages: links, citations, answer language."""

from __future__ import annotations

import re

import numpy as np
import pytest

import qa
from qa.corpus import parse_document
from qa.parallel import find_links

D001 = "001_21e7ab8a0347c4a5"
D002 = "002_4192465d81224e60"
LABEL = re.compile(r"^(\d+|[IVX]+)\.\s")


def _para(pid: str, text: str, lang: str):
    p = parse_document(pid.split(":")[0], text).paragraphs[0]
    return qa.Paragraph(id=pid, doc_id=p.doc_id, number=1, text=text, title=p.title,
                        date=None, language=lang, canonical_id=pid)


def _unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_mutual_best_matches_are_linked_and_weak_ones_are_not():
    en1, en2 = _para("e:1", "Trade rose 5% in 2024.", "en"), _para("e:2", "A bridge opened.", "en")
    vi1, vi2 = _para("v:1", "Thương mại tăng 5% năm 2024.", "vi"), _para("v:2", "Trời mưa.", "vi")
    vectors = {"e:1": _unit(1, 0, 0), "e:2": _unit(0, 1, 0),
               "v:1": _unit(0.98, 0.05, 0), "v:2": _unit(0, 0.3, 1)}  # v:2 matches nothing well
    links = find_links([en1, en2, vi1, vi2], vectors)
    assert links == {"e:1": ("v:1",), "v:1": ("e:1",)}


def test_different_numbers_veto_a_link():
    en = _para("e:1", "Trade reached 3 billion in 2026.", "en")
    vi = _para("v:1", "Thương mại đạt 5 tỷ năm 2030.", "vi")
    links = find_links([en, vi], {"e:1": _unit(1, 0), "v:1": _unit(1, 0.01)})
    assert links == {}



@pytest.mark.parametrize(("en", "vi", "linked"), [
    # Each translation links its own pages: the figures of the link targets are not
    # the statement's (Kubernetes' page and its Vietnamese translation).
    ("Google open-sourced it in 2014 after [15 years](/blog/2015/04/borg/) of work.",
     "Google mở mã nguồn năm 2014 sau [15 năm](https://example.org/research/43438) làm việc.",
     True),
    # The prose's own figures still veto the link.
    ("Google open-sourced it in 2014 after [15 years](/blog/) of work.",
     "Google mở mã nguồn năm 2016 sau [9 năm](/blog/) làm việc.", False),
])
def test_figures_are_compared_as_a_reader_sees_them(en, vi, linked):
    links = find_links([_para("e:1", en, "en"), _para("v:1", vi, "vi")],
                       {"e:1": _unit(1, 0), "v:1": _unit(1, 0.01)})
    assert bool(links) is linked

# Cosines of the pair's vectors: 0.857 (above the link threshold 0.80, below the 0.86 an
# anchorless pair of two documents needs) and 0.912.
NEAR, CLOSE = 0.6, 0.45


@pytest.mark.parametrize(("en_id", "en", "vi_id", "vi", "tilt", "linked"), [
    # Unrelated paragraphs of two documents: the small embedder may find them nearly as
    # close as a translation; nothing of one (a figure, a name, code) is in the other.
    ("garden:1", "Tomatoes need six hours of sun every day.",
     "pho:1", "Nước dùng phở được ninh trong tám giờ.", NEAR, False),
    ("garden:1", "Tomatoes need six hours of sun every day.",  # as close as translations
     "pho:1", "Nước dùng phở được ninh trong tám giờ.", CLOSE, True),
    # The same two paragraphs as one page in two languages: aligned by the page.
    ("garden:1", "Tomatoes need six hours of sun every day.",
     "garden.vi:1", "Nước dùng phở được ninh trong tám giờ.", NEAR, True),
    ("summit:1", "The ASEAN summit opened in the capital.",  # a shared acronym
     "hoinghi:1", "Hội nghị cấp cao ASEAN khai mạc tại thủ đô.", NEAR, True),
    ("notes:1", "Set `max_retries` before the first call.",  # shared code
     "ghichu:1", "Đặt `max_retries` trước lần gọi đầu tiên.", NEAR, True),
])
def test_a_weak_link_between_two_documents_needs_an_anchor_unless_they_are_one_page(
        en_id, en, vi_id, vi, tilt, linked):
    links = find_links([_para(en_id, en, "en"), _para(vi_id, vi, "vi")],
                       {en_id: _unit(1, 0), vi_id: _unit(1, tilt)})
    assert (links == {en_id: (vi_id,), vi_id: (en_id,)}) is linked


def _numbered(pid: str, text: str, lang: str):
    from dataclasses import replace

    return replace(_para(pid, text, lang), number=int(pid.rsplit(":", 1)[1]))


def _basis(i: int, tilt: float = 0.0, dims: int = 6):
    v = np.zeros(dims, dtype=np.float32)
    v[i] = 1.0
    v[-1] = tilt
    return v / np.linalg.norm(v)


def test_parallel_documents_align_what_the_corpus_wide_match_leaves_open():
    """p.md and p.vi.md are one page. Their 4th paragraphs ("For example:") have twins in
    r.md and r.vi.md, too close to call corpus-wide (no margin on either side), but they
    stand at the same place in the page; r's are not one page (one link, no name)."""
    names = ["Alba", "Brno", "Cusco", "Dakar"]
    en = [_numbered(f"p:{i}", f"English paragraph about {n}.", "en")
          for i, n in enumerate(names, 1)]
    vi = [_numbered(f"p.vi:{i}", f"Đoạn văn tiếng Việt về {n}.", "vi")
          for i, n in enumerate(names, 1)]
    twins = [_numbered("r:1", "For example, this:", "en"),
             _numbered("r.vi:1", "Ví dụ, thế này:", "vi")]
    vectors = {f"p:{i}": _basis(i - 1) for i in range(1, 5)}
    vectors |= {f"p.vi:{i}": _basis(i - 1, 0.1) for i in range(1, 4)}
    vectors |= {"p.vi:4": _basis(3, 0.3), "r:1": _basis(3, 0.01), "r.vi:1": _basis(3, 0.31)}
    three = {f"{a}:{i}": (f"{b}:{i}",) for i in range(1, 4) for a, b in (("p", "p.vi"),
                                                                       ("p.vi", "p"))}
    links = find_links(en + vi + twins, vectors)
    assert links == three | {"p:4": ("p.vi:4",), "p.vi:4": ("p:4",)}
    # The same content under a name that is not the page's: corpus-wide links only (each
    # pair shares its place name).
    other = [replace_doc(p, "s") for p in vi]
    links = find_links(en + other + twins, {replace_id(k, "p.vi", "s"): v
                                            for k, v in vectors.items()})
    assert "p:4" not in links and links["p:1"] == ("s:1",)


def replace_doc(p, doc: str):
    from dataclasses import replace

    pid = f"{doc}:{p.number}"
    return replace(p, id=pid, doc_id=doc, canonical_id=pid)


def replace_id(pid: str, old: str, new: str) -> str:
    doc, _, n = pid.rpartition(":")
    return f"{new if doc == old else doc}:{n}"


@pytest.mark.parametrize("doc_id, name", [
    ("intro", "intro"), ("intro.vi", "intro"), ("intro_en", "intro"), ("intro-vi", "intro"),
    ("vi/intro", "intro"), ("docs/en/guide/intro", "docs/guide/intro"),
    ("venv", "venv"), ("review", "review"), ("001_21e7ab8a0347c4a5", "001_21e7ab8a0347c4a5"),
])
def test_name_without_language(doc_id, name):
    from qa.parallel import name_without_language

    assert name_without_language(doc_id) == name


@pytest.mark.parametrize("a, b, same", [
    ("intro", "intro.vi", True),
    ("docs/en/guide/intro", "docs/vi/guide/intro", True),
    # a translation in a tree of its own (Docusaurus): the same path under each root
    ("docs/guides/intro", "i18n/vi/docusaurus-plugin-content-docs/current/guides/intro", True),
    ("intro", "translations/vi/intro", True),
    ("docs/api/intro", "i18n/vi/docusaurus-plugin-content-docs/current/guides/intro", False),
    ("docs/intro", "blog/intro", False),  # one depth, other folders: other pages
    ("intro", "outro.vi", False),
])
def test_same_page(a, b, same):
    from qa.parallel import same_page

    assert same_page(a, b) is same
    assert same_page(b, a) is same


@pytest.fixture(scope="module")
def ready(seeds_assistant):
    assert seeds_assistant.wait_ready(timeout=300)
    return seeds_assistant


def test_seed_translation_is_linked_label_by_label(ready):
    """Every numbered paragraph of 002 is linked to the 001 paragraph with the same
    label, and to nothing else; unnumbered ones link to nothing wrong."""
    cat = ready.catalog
    labels = {p.id: m.group(1) for p in cat.paragraphs.values() if (m := LABEL.match(p.text))}
    found = 0
    numbered = [p for p in cat.documents[D002] if p.id in labels]
    for p in cat.documents[D002]:
        gold = {q for q, lab in labels.items() if q.startswith(D001) and lab == labels.get(p.id)
                and cat.paragraphs[q].is_canonical}
        links = set(cat.parallel(p.id))
        assert links <= gold, (p.id, links, gold)  # nothing wrong, nothing else
        found += bool(links) and links == gold
    assert found == len(numbered), found


def test_cite_shows_the_parallel_paragraph(ready):
    c = ready.cite(f"{D002}:10")
    assert f"{D001}:18" in c.parallel
    assert f"{D002}:10" in ready.cite(f"{D001}:18").parallel


def test_vietnamese_question_gets_the_vietnamese_paragraph_first(ready):
    a = ready.ask("Hai bên hoan nghênh việc tổ chức Đối thoại biển lần thứ nhất như thế nào?")
    assert a.answered, a.text
    first = a.citations[0]
    assert first.language == "vi" and first.doc_id == D002, [c.id for c in a.citations]
    assert any(pid.startswith(D001) for pid in first.parallel)
    assert first.text[first.start:first.end] == first.quote


def test_english_question_gets_the_english_paragraph(ready):
    a = ready.ask("What did the two sides say about the first sea dialogue?")
    assert a.answered, a.text
    assert a.citations[0].language == "en", [c.id for c in a.citations]
    ids = [c.id for c in a.citations]
    # a statement and its translation are never two sources of one answer
    for c in a.citations:
        assert not set(c.parallel) & set(ids)


def test_a_quote_in_another_language_says_so(ready):
    a = ready.ask("Tổng Bí thư Tô Lâm và Tổng thống Kazakhstan hội đàm chính thức ở thành phố nào?")
    assert a.answered and "Astana" in a.text
    assert "tiếng Anh" in a.text  # the quote is English: the answer names the source language


@pytest.mark.parametrize(("sims", "features"), [
    ([[0.8, 0.3, 0.1]], [[0.8, 0.5]]),
    ([[0.2, 0.5]], [[0.5, 0.3]]),
    ([[0.6]], [[0.6, 0.6]]),  # one sentence on the other side: the margin is the cosine
])
def test_counterpart_features(sims, features):
    from qa.extractive import counterpart_features

    assert np.allclose(counterpart_features(np.array(sims)), features)


HARBOUR_EN = """# The harbour

The old harbour was built by fishermen in 1820 and rebuilt after a storm in 1902.

The lighthouse at the harbour entrance is painted red and white. Its lamp can be seen from \
twenty kilometres away. The lighthouse was designed by the Scottish engineer Robert \
Stevenson.

Ferries leave the harbour for the islands every morning at seven. Tickets are sold at the \
kiosk next to the pier.

The fish market opens on Saturdays and closes at noon.
"""
# An older translation: the lighthouse paragraph lacks its last sentence.
HARBOUR_VI = """# Bến cảng

Bến cảng cũ được ngư dân xây dựng năm 1820 và được xây lại sau một cơn bão năm 1902.

Ngọn hải đăng ở lối vào bến cảng được sơn màu đỏ và trắng. Đèn của nó có thể nhìn thấy từ \
cách xa hai mươi cây số.

Phà rời bến cảng đi các đảo vào mỗi buổi sáng lúc bảy giờ. Vé được bán tại ki-ốt cạnh cầu tàu.

Chợ cá mở cửa vào các ngày thứ Bảy và đóng cửa lúc trưa.
"""


def test_a_sentence_only_the_original_holds_is_found_from_the_translation(tmp_path):
    """A Vietnamese asker's candidates are the Vietnamese versions of each statement;
    a sentence the (older) Vietnamese translation lacks is scored and quoted from the
    English paragraph, in English, while the shared sentences stay Vietnamese."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour.md").write_text(HARBOUR_EN, encoding="utf-8")
    (corpus / "harbour.vi.md").write_text(HARBOUR_VI, encoding="utf-8")
    bot = qa.Assistant(corpus_dir=corpus, data_dir=tmp_path / "data", llm=False)
    bot.ingest(progress=False)
    assert bot.catalog.parallel("harbour.vi:3") == ("harbour:3",)
    a = bot.ask("Kỹ sư nào đã thiết kế ngọn hải đăng?")
    assert a.answered and "Robert Stevenson" in a.text, a.text
    assert [c.id for c in a.citations] == ["harbour.vi:3", "harbour:3"]
    assert a.citations[1].quote.startswith("The lighthouse was designed")
