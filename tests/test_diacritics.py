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
    # Typed with marks: left alone, even where a mark is missing.
    ("Hà Noi la thu do?", "Hà Noi la thu do?", ""),
    ("", "", ""),
])
def test_restores_what_the_collection_writes(restorer, typed, restored, language):
    assert restorer.run(typed) == Restored(restored, language)


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
