"""Restoring the marks of a question typed without them (qa.diacritics).

Tiny made-up collections with exact expectations (none of the words come from an
evaluation file), the shipped general counts, and the whole path through the seeds'
assistant.
"""

from __future__ import annotations

import pytest

from qa.diacritics import MarkCounts, MarkRestorer, Restored, shipped, unmarked

VI = ["Hà Nội là thủ đô của Việt Nam.", "Người dân Hà Nội thích ăn phở.",
      "Cây cầu cũ bắc qua sông Hồng.", "Ai là người xây cây cầu này?"]
EN = ["Hanoi is the capital. The old bridge crosses the Red River.",
      "Lê Lợi is a famous king; his lake is in the city."]


@pytest.fixture(scope="module")
def restorer() -> MarkRestorer:
    # No general counts: only what these texts teach.
    return MarkRestorer.from_texts({"vi": VI, "en": EN}, bases={})


@pytest.mark.parametrize("typed, restored, language", [
    ("Ha Noi la thu do cua nuoc nao?", "Hà Nội là thủ đô của nuoc nào?", "vi"),
    # The asker's case and punctuation (a phone's "–" included) are kept; so is a word
    # that gains no mark, whatever its case ("CauCu", an identifier).
    ("HA NOI – thu do?", "HÀ NỘI – thủ đô?", "vi"),
    ("Ha Noi la thu do cua CauCu?", "Hà Nội là thủ đô của CauCu?", "vi"),
    # A capitalised, marked name from the other language's text ("Lê Lợi").
    ("Le Loi la ai?", "Lê Lợi là ai?", "vi"),
    # English reads as English: left alone, but for the marks of a name it writes.
    ("Who built the old bridge?", "Who built the old bridge?", ""),
    ("Who was Le Loi and where is his lake?", "Who was Lê Lợi and where is his lake?", "en"),
    # Typed with some marks: the bare words are restored, the marked ones kept.
    ("Hà Noi la thu do?", "Hà Nội là thủ đô?", "vi"),
    ("Thủ đô cua nuoc nào?", "Thủ đô của nuoc nào?", "vi"),
    ("", "", ""),
])
def test_restores_what_the_collection_writes(restorer, typed, restored, language):
    assert restorer.run(typed) == Restored(restored, language)


# "cho" is written bare here as often as not; "ban", "cua" never.
SOME = ["Tôi cho bạn mượn xe đạp.", "Bạn cho tôi mượn sách.", "Xe đạp của tôi màu xanh.",
        "Chợ gần nhà tôi."]


@pytest.mark.parametrize("typed, restored", [
    # A bare word the language never writes bare: a mark was forgotten; every bare word
    # is restored then, "cho" as this text writes it after "Tôi".
    ("Tôi cho ban mượn xe?", "Tôi cho bạn mượn xe?"),
    ("Xe đạp cua tôi màu gì?", "Xe đạp của tôi màu gì?"),
    # Every bare word is one written bare, or one the language never writes ("Python"):
    # nothing says a mark is missing.
    ("Tôi cho bạn mượn xe?", "Tôi cho bạn mượn xe?"),
    ("Tôi cho bạn mượn Python?", "Tôi cho bạn mượn Python?"),
])
def test_some_marks_typed(typed, restored):
    r = MarkRestorer.from_texts({"vi": SOME, "en": ["I lend my bike."]}, bases={})
    assert r.run(typed).text == restored


def test_a_language_written_without_marks_restores_names_only():
    # The English text quotes a Vietnamese word ("về") and never writes "ve" bare; an
    # English question's "We've" must not become "We'về", while a name still may.
    en = ["The word về is Vietnamese.", "We read the book by Lê Lợi.",
          "It is a long book, and the story it tells is an old one: a king, a sword and "
          "a lake in the middle of the city, where the sword was given back. People walk "
          "around the lake in the morning, and the old tower on its island is the "
          "picture most visitors take home."]
    r = MarkRestorer.from_texts({"en": en, "vi": ["Sách về Hà Nội."]}, bases={})
    assert r.run("We've read the book?").text == "We've read the book?"
    assert r.run("Who is Le Loi and what did he do?").text == "Who is Lê Lợi and what did he do?"


def test_the_neighbour_chooses_between_forms():
    # "ca" alone is most often "cá" here, but after "bài" it is "ca" (bài ca, a song).
    texts = ["cá ngon", "cá tươi", "cá to", "bài ca hay", "một bài ca", "người hát"]
    r = MarkRestorer.from_texts({"vi": texts, "en": ["the fish"]}, bases={})
    assert r.run("Nguoi hat bai ca nao?").text == "Người hát bài ca nào?"
    assert r.run("Ca nao ngon?").text == "Cá nào ngon?"


def test_counts_round_trip_through_json():
    counts = MarkCounts(["Hà Nội, Hà Nội, Hà Nam"])
    again = MarkCounts.from_json(counts.to_json(min_pair=2))
    assert again.forms["ha"] == {"hà": 3}
    # ("hà", "nam") was seen once.
    assert dict(again.pairs) == {("hà", "nội"): 2, ("nội", "hà"): 2}
    assert again.total == 6


@pytest.mark.parametrize("text, expected", [
    ("Ai la nguoi xay?", True), ("“Ai la” – nguoi xay?", True), ("Ai là?", False),
    ("東京", False), ("", True)])
def test_unmarked(text, expected):
    assert unmarked(text) is expected


def test_shipped_counts_cover_everyday_words():
    counts = shipped()
    assert counts is not None and counts.total > 10_000
    # Question words a collection of statements may lack.
    assert counts.candidates("nao", 6, capitalised=False)[0] == "nào"


def test_the_seeds_assistant_answers_a_question_typed_without_marks(seeds_assistant):
    typed = "Tong thong Tokayev da trao tang Tong Bi thu To Lam huan chuong gi?"
    answer = seeds_assistant.ask(typed)
    assert answer.answered
    assert answer.text.startswith("(Trích nguồn tiếng Anh.)")  # read as Vietnamese
    assert "Dostyk" in answer.text
    hits = seeds_assistant.search("Hai ben thong nhat gi ve thuong mai?")
    assert hits[0].citation.id == seeds_assistant.search(
        "Hai bên thống nhất gì về thương mại?")[0].citation.id


def test_the_seeds_assistant_restores_a_question_typed_with_some_marks(seeds_assistant):
    typed = "Tong thong Tokayev da trao tang Tổng Bí thư Tô Lâm huân chương gì?"
    answer = seeds_assistant.ask(typed)
    # The bare words get marks; the words typed with marks stay as typed.
    assert answer.question.startswith("Tổng thống Tokayev đã trao")
    assert answer.question.endswith("Tổng Bí thư Tô Lâm huân chương gì?")
    assert answer.answered and "Dostyk" in answer.text


def test_the_chat_says_how_it_read_a_question(seeds_assistant):
    from qa import ui

    typed = "Tong thong Tokayev da trao tang Tong Bi thu To Lam huan chuong gi?"
    out = list(ui.chat(seeds_assistant, typed, []))[-1]
    assert '<div class="seedqa-readas">Read as: Tổng thống Tokayev đã trao' in out
    written = "Tổng thống Tokayev đã trao tặng Tổng Bí thư Tô Lâm huân chương gì?"
    assert "seedqa-readas" not in list(ui.chat(seeds_assistant, written, []))[-1]
