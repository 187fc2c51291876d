"""Parsing: the seed documents paragraph by paragraph, then edge cases of the parser."""

from __future__ import annotations

import re
import unicodedata

import pytest
from testkit import SEED_COUNTS

from qa import CorpusError
from qa.corpus import (
    decode_text,
    load_file,
    load_folder,
    parse_document,
    split_id,
    without_conflict_markers,
)
from qa.embed import passage_text
from qa.language import detect
from qa.text import match_text

D000, D001, D002, D003, D004 = sorted(SEED_COUNTS)


@pytest.fixture(scope="module")
def seeds(seeds_dir):
    docs, skipped = load_folder(seeds_dir)
    assert skipped == []
    return {d.id: d for d in docs}


@pytest.fixture(scope="module")
def paragraphs(seeds):
    return {p.id: p for d in seeds.values() for p in d.paragraphs}


# --- the seeds -------------------------------------------------------------------------


def test_seed_paragraph_counts(seeds):
    assert {doc_id: len(d.paragraphs) for doc_id, d in seeds.items()} == SEED_COUNTS


def test_seed_counts_match_blank_line_blocks(seeds_dir):
    # An independent count of the files, so SEED_COUNTS cannot drift from the data.
    for doc_id, n in SEED_COUNTS.items():
        text = (seeds_dir / f"{doc_id}.txt").read_text(encoding="utf-8")
        assert len([b for b in re.split(r"\n\s*\n", text) if b.strip()]) == n, doc_id


def test_ids_are_doc_colon_number_in_file_order(seeds):
    for doc_id, d in seeds.items():
        assert [p.id for p in d.paragraphs] == [f"{doc_id}:{n}" for n in
                                                range(1, SEED_COUNTS[doc_id] + 1)]
        assert all(p.doc_id == doc_id and p.id.endswith(f":{p.number}") for p in d.paragraphs)


def test_known_paragraph_text(paragraphs):
    assert paragraphs[f"{D004}:4"].text.startswith("He also expressed gratitude")
    assert paragraphs[f"{D004}:23"].text.startswith("The two leaders also witnessed")
    assert paragraphs[f"{D003}:10"].text.startswith("Nhân dịp này")


def test_date_prefix_removed_and_parsed(seeds, paragraphs):
    assert {doc_id: d.date for doc_id, d in seeds.items()} == {
        D000: "2025-02-26", D001: None, D002: "2025-02", D003: "2024-01", D004: "2025-05-06",
    }
    assert paragraphs[f"{D000}:1"].text.startswith("HÀ NỘI —")
    assert paragraphs[f"{D002}:1"].text.startswith("4. Hai Thủ tướng")
    assert paragraphs[f"{D003}:1"].text.startswith("Bộ trưởng Ngoại giao")
    assert paragraphs[f"{D004}:1"].text.startswith("ASTANA —")
    for p in paragraphs.values():
        assert not p.text.lstrip().startswith("date "), p.id
        assert p.text == p.text.strip() and p.text, p.id
        assert p.date == seeds[p.doc_id].date


def test_titles(seeds):
    assert seeds[D001].title == ("Nâng cấp quan hệ Việt Nam – New Zealand lên "
                                 "Đối tác Chiến lược Toàn diện")
    assert "TRƯỜNG MẦM NON" not in seeds[D001].title
    assert not seeds[D002].title.startswith("4.")
    assert seeds[D002].title.startswith("Hai Thủ tướng")
    assert not seeds[D000].title.startswith("HÀ NỘI")
    assert seeds[D000].title.startswith("State President Lương Cường")
    assert seeds[D004].title.startswith("Việt Nam and Kazakhstan")
    assert "Ảnh" not in seeds[D003].title
    for d in seeds.values():
        assert 10 <= len(d.title) <= 111, d.title
        assert all(p.title == d.title for p in d.paragraphs)


@pytest.mark.parametrize(("text", "kinds"), [
    # the headline, a site name after it or not, and a repeat of it are headings
    ("Laos and Vietnam expand trade – DAILY NEWS\n\nLaos and Vietnam expand trade\n\n"
     "Trade grew by 5%.\n\nLaos and Vietnam expand trade",
     ["heading", "heading", "text", "heading"]),
    # a caption with a photo credit says more than the title cut from it
    ("Leaders meet in Hà Nội. Photo: VNA\n\nThey met on Monday.", ["text", "text"]),
    # a first block that is a sentence is text, and so is a later block equal to its title
    ("Trade grew by 5%.\n\nTrade grew by 5%", ["text", "text"]),
    # a later heading-like line that is not the title stays text (no verb test here)
    ("Trade grows\n\nI. Politics\n\nThey met.", ["heading", "text", "text"]),
])
def test_title_lines_of_plain_text_are_headings(text, kinds):
    doc = parse_document("d", text)
    assert [p.kind for p in doc.paragraphs] == kinds


def test_duplicates_point_to_canonical(paragraphs):
    assert paragraphs[f"{D001}:4"].canonical_id == f"{D001}:2"
    assert not paragraphs[f"{D001}:4"].is_canonical
    # "1. At the invitation ... Prime..." is a truncated copy of the full paragraph 5.
    p3 = paragraphs[f"{D001}:3"]
    assert p3.text.startswith("1. At the invitation") and p3.text.endswith("Prime...")
    assert p3.canonical_id == f"{D001}:5"
    assert paragraphs[f"{D001}:5"].text.startswith(p3.text[:-3])
    dups = {pid for pid, p in paragraphs.items() if not p.is_canonical}
    assert dups == {f"{D001}:3", f"{D001}:4"}
    for pid, p in paragraphs.items():
        if pid not in dups:
            assert p.canonical_id == pid


def test_languages(paragraphs):
    lang = {pid: p.language for pid, p in paragraphs.items()}
    for n in (1, 2, 4):
        assert lang[f"{D001}:{n}"] == "vi"
    assert lang[f"{D001}:5"] == "en"
    for doc_id in (D002, D003):
        assert {lang[f"{doc_id}:{n}"] for n in range(1, 11)} == {"vi"}
    for doc_id in (D000, D004):
        assert {lang[f"{doc_id}:{n}"] for n in range(1, SEED_COUNTS[doc_id] + 1)} == {"en"}


def test_seed_text_is_its_own_clean_text_and_embeds_as_before(paragraphs):
    # Seeds carry no markup: what is embedded and matched is exactly what it was.
    for p in paragraphs.values():
        assert match_text(p.text) == p.text, p.id
        head = f"{p.title} ({p.date})" if p.date else p.title
        assert passage_text(p) == (p.text if head == p.text else f"{head}\n{p.text}"), p.id
        # The joint statement's headline, twice more above its body, is a heading.
        kind = "heading" if p.id in {f"{D001}:1", f"{D001}:2", f"{D001}:4"} else "text"
        assert (p.section, p.kind, p.page) == ("", kind, None), p.id


# --- language.detect ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("The two countries agreed to raise bilateral trade to three billion dollars.", "en"),
    ("Hai bên nhất trí tăng cường hợp tác thương mại và đầu tư.", "vi"),
    ("Việt Nam và New Zealand nâng cấp quan hệ lên Đối tác Chiến lược Toàn diện", "vi"),
    # English full of Vietnamese names stays English.
    ("State President Lương Cường received Prime Minister Christopher Luxon in Hà Nội "
     "on Wednesday and thanked him for his support.", "en"),
    # A Vietnamese question made of English terms and function words is Vietnamese.
    ("Còn API server identity thì sao?", "vi"),
    ("Khi nào dùng cache?", "vi"),
    ("When should I use the cache?", "en"),
    ("越南和新西兰将双边关系提升为全面战略伙伴关系", "zh"),
    ("Вьетнам и Новая Зеландия подняли отношения", "ru"),
    ("", "und"),
    ("   2025 — 12.5 %  ", "und"),
])
def test_detect(text, expected):
    assert detect(text) == expected


# --- parse_document --------------------------------------------------------------------


def test_parse_basic_numbering_and_single_newlines():
    doc = parse_document("d", "Heading\n\nFirst line\nsame block\n\n\n\nLast block.\n")
    assert [p.text for p in doc.paragraphs] == ["Heading", "First line\nsame block",
                                                 "Last block."]
    assert [p.id for p in doc.paragraphs] == ["d:1", "d:2", "d:3"]
    assert doc.date is None and doc.title == "Heading"


def test_parse_crlf_and_cr():
    crlf = parse_document("d", "One para.\r\n\r\nTwo para\r\nstill two.\r\n")
    assert [p.text for p in crlf.paragraphs] == ["One para.", "Two para\nstill two."]
    assert all("\r" not in p.text for p in crlf.paragraphs)
    cr = parse_document("d", "One.\r\rTwo.\r")
    assert [p.text for p in cr.paragraphs] == ["One.", "Two."]


def test_load_file_strips_bom(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeff date 2025-02 Xin chào.\n\nSecond.\n".encode())
    doc = load_file(path)
    assert doc.date == "2025-02"
    assert [p.text for p in doc.paragraphs] == ["Xin chào.", "Second."]


def test_parse_document_strips_bom():
    # Regression: a leading U+FEFF used to hide the date prefix.
    doc = parse_document("d", "\ufeff date 2025-02 Xin chào.\n\nSecond.")
    assert doc.date == "2025-02"
    assert doc.paragraphs[0].text == "Xin chào."


@pytest.mark.parametrize(("text", "date", "first"), [
    (" date 2025-02 Hello there.\n\nMore.", "2025-02", "Hello there."),
    (" date 2025-02-26 HÀ NỘI — Body.\n\nMore.", "2025-02-26", "HÀ NỘI — Body."),
    ("date 2024-01 No leading space.", "2024-01", "No leading space."),
    (" date 2025-02-26\n\nOn the next block.", "2025-02-26", "On the next block."),
    ("No prefix at all.\n\ndate 2025-02 later is just text.", None, "No prefix at all."),
    ("Updated 2025-02 is not a prefix.", None, "Updated 2025-02 is not a prefix."),
    (" date 2025 is not a date prefix.", None, "date 2025 is not a date prefix."),
])
def test_date_prefix_forms(text, date, first):
    doc = parse_document("d", text)
    assert doc.date == date
    assert doc.paragraphs[0].text == first
    assert all(p.date == date for p in doc.paragraphs)


def test_blocks_separated_by_whitespace_only_lines():
    doc = parse_document("d", "Alpha block.\n   \nBeta block.\n\t \nGamma block.\n \n\n  \nDelta.")
    assert [p.text for p in doc.paragraphs] == ["Alpha block.", "Beta block.", "Gamma block.",
                                                 "Delta."]


@pytest.mark.parametrize("text", ["", "\n\n  \n\t\n", " date 2025-02-26 ", " date 2025-02 \n\n"])
def test_empty_document_is_corpus_error(text):
    with pytest.raises(CorpusError, match="empty"):
        parse_document("d", text)


def test_exact_and_truncated_duplicates():
    text = ("Heading line\n\n"
            "A long paragraph that is repeated later on...\n\n"
            "A long paragraph that is repeated later on, in full this time.\n\n"
            "Heading line\n\n"
            "Short...\n\n"
            "Short and complete.")
    doc = parse_document("d", text)
    canon = {p.number: p.canonical_id for p in doc.paragraphs}
    assert canon == {1: "d:1", 2: "d:3", 3: "d:3", 4: "d:1", 5: "d:5", 6: "d:6"}


# --- load_folder -----------------------------------------------------------------------


def test_load_folder_skips_bad_files_and_keeps_the_rest(tmp_corpus):
    tmp_corpus.write("a_good.txt", "Good one.\n\nSecond paragraph.")
    tmp_corpus.write("b_latin1.txt", "Caf\xe9 cr\xe8me".encode("latin-1"))
    tmp_corpus.write("c_empty.txt", "")
    tmp_corpus.write("d_binary.txt", b"PK\x03\x04\x00\x00binary\x00stuff")
    tmp_corpus.write("e_notes.md", "# Markdown heading\n\nBody.")
    tmp_corpus.write("f_image.png", b"\x89PNG\r\n\x1a\n\x00")
    tmp_corpus.write(".hidden.txt", "Hidden file.")
    tmp_corpus.write("g_blank.txt", "\n   \n\n")
    docs, skipped = load_folder(tmp_corpus.path)
    assert [d.id for d in docs] == ["a_good", "b_latin1", "e_notes"]
    assert [len(d.paragraphs) for d in docs] == [2, 1, 2]
    assert docs[1].paragraphs[0].text == "Café crème"  # not UTF-8, read as cp1252
    names = [s.split(":", 1)[0] for s in skipped[:-1]]
    assert names == ["c_empty.txt", "d_binary.txt", "g_blank.txt"]
    # The image is not a document type: one summary line, the hidden file not counted.
    assert skipped[-1].startswith("1 file(s) of types seedqa does not read were left out "
                                  "(.png ×1); it reads .txt, .md,")
    reasons = dict(s.split(": ", 1) for s in skipped[:-1])
    assert "empty" in reasons["c_empty.txt"]
    assert "NUL" in reasons["d_binary.txt"] or "binary" in reasons["d_binary.txt"]


@pytest.mark.parametrize(("raw", "text"), [
    ("Thủ tướng".encode(), "Thủ tướng"),
    ("Thủ tướng".encode("utf-8-sig"), "Thủ tướng"),  # the mark is dropped
    ("Thủ tướng".encode("utf-16"), "Thủ tướng"),  # as Windows Notepad saves "Unicode"
    ("Thủ tướng".encode("utf-16-be"), None),  # no mark: NUL bytes, a binary file
    ("Thủ tướng".encode("utf-32"), "Thủ tướng"),
    ("Grüße aus München".encode("cp1252"), "Grüße aus München"),
    ("Le café où l'on sert des crêpes".encode("cp1252"), "Le café où l'on sert des crêpes"),
])
def test_decode_text(raw, text):
    if text is None:
        with pytest.raises(CorpusError, match="binary"):
            decode_text(raw)
    else:
        assert decode_text(raw) == text


def test_load_folder_reads_subfolders_with_path_ids(tmp_corpus):
    tmp_corpus.write("README.md", "# Top\n\nThe tower is tall.")
    (tmp_corpus.path / "guide" / "deep").mkdir(parents=True)
    (tmp_corpus.path / ".git").mkdir()
    tmp_corpus.write("guide/README.md", "# Guide\n\nRead this first.")
    tmp_corpus.write("guide/deep/install.vi.md", "# Cài đặt\n\nChạy lệnh cài đặt.")
    tmp_corpus.write(".git/notes.txt", "Hidden folder.")
    docs, skipped = load_folder(tmp_corpus.path)
    # Top-level ids are file stems (the seeds' ids); deeper ones their relative path.
    assert [d.id for d in docs] == ["README", "guide/README", "guide/deep/install.vi"]
    assert skipped == []
    assert [p.id for p in docs[2].paragraphs] == ["guide/deep/install.vi:1",
                                                   "guide/deep/install.vi:2"]
    assert split_id("guide/deep/install.vi:2") == ("guide/deep/install.vi", 2)
    # Two files that would get one id: the second is skipped, naming the first by path.
    tmp_corpus.write("guide/deep/install.vi.markdown", "# Again\n\nSame id.")
    _, skipped = load_folder(tmp_corpus.path)
    assert skipped == ["guide/deep/install.vi.md: document id 'guide/deep/install.vi' already "
                       "used by guide/deep/install.vi.markdown; rename one"]


def test_load_folder_missing_folder(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_folder(tmp_path / "nope")


def test_load_folder_given_a_file_says_to_pass_its_folder(tmp_path):
    (tmp_path / "notes.md").write_text("# Notes\n\nText.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="is a file, not a folder; pass the folder"):
        load_folder(tmp_path / "notes.md")


VI_TEXT = "Hội An từng là một thương cảng sầm uất.\n\nPhố cổ có nhiều nhà gỗ cổ.\n"


@pytest.mark.parametrize(("suffix", "raw"), [
    (".txt", unicodedata.normalize("NFD", VI_TEXT).encode("utf-8")),  # saved decomposed
    (".md", unicodedata.normalize("NFD", "# Hội An\n\n" + VI_TEXT).encode("utf-8")),
    (".html", unicodedata.normalize("NFD", "<html><body><p>Hội An từng là một thương cảng "
                                            "sầm uất.</p></body></html>").encode("utf-8")),
])
def test_decomposed_vietnamese_is_read_composed(suffix, raw):
    # Also what a cp1258 file decodes to: its tone marks are combining characters.
    from qa.corpus import parse_bytes

    doc = parse_bytes("hoian", raw, suffix)
    body = [p for p in doc.paragraphs if "thương cảng" in p.text]  # typed composed
    assert body and all(p.language == "vi" for p in body), [p.text for p in doc.paragraphs]
    assert all(unicodedata.is_normalized("NFC", p.text) for p in doc.paragraphs)


CONFLICT = "<<<<<<< HEAD\nPort 8080.\n=======\nPort 9090.\n>>>>>>> feature\n"


@pytest.mark.parametrize(("text", "expected"), [
    ("No conflict.\n", "No conflict.\n"),
    (f"Intro.\n{CONFLICT}End.\n", "Intro.\nPort 8080.\nPort 9090.\nEnd.\n"),
    # diff3 style: the base version is neither side
    ("<<<<<<< ours\nA.\n||||||| base\nOld.\n=======\nB.\n>>>>>>> theirs\n", "A.\nB.\n"),
    ("<<<<<<< HEAD\r\nA.\r\n=======\r\nB.\r\n>>>>>>> x\r\n", "A.\r\nB.\r\n"),
    # a page about git shows the markers in a code block: kept
    (f"```\n{CONFLICT}```\n", f"```\n{CONFLICT}```\n"),
    (f"~~~~\n```\n{CONFLICT}~~~~\n", f"~~~~\n```\n{CONFLICT}~~~~\n"),
    # unclosed or out of order: not a conflict, kept as written
    ("<<<<<<< HEAD\nA.\nB.\n", "<<<<<<< HEAD\nA.\nB.\n"),
    ("<<<<<<< HEAD\nA.\n>>>>>>> x\n", "<<<<<<< HEAD\nA.\n>>>>>>> x\n"),
    ("Use <<<<<<< in text.\n", "Use <<<<<<< in text.\n"),
])
def test_merge_conflict_markers_are_dropped_and_both_sides_kept(text, expected):
    assert without_conflict_markers(text) == expected


def test_a_markdown_file_with_a_conflict_has_no_marker_paragraph(tmp_path, caplog):
    path = tmp_path / "ports.md"
    path.write_text(f"# Ports\n\nThe server listens on a port.\n\n{CONFLICT}", encoding="utf-8")
    doc = load_file(path)
    texts = [p.text for p in doc.paragraphs]
    assert not any(re.search(r"^(<{7}|={7}|>{7})", t, re.M) for t in texts), texts
    assert any("Port 8080." in t for t in texts) and any("Port 9090." in t for t in texts)
    assert all(p.kind != "heading" or p.text == "# Ports" for p in doc.paragraphs), texts
    assert "ports.md holds 1 unresolved git merge conflict" in caplog.text
