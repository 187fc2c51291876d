"""qa.verify on tiny inputs: claim splitting, lexical and number agreement, the verdict."""

from __future__ import annotations

import pytest
from testkit import HashEmbedder

from qa.sentvec import spans
from qa.verify import (
    FEATURES,
    FITTED_EMBEDDER,
    ClaimSplitter,
    SupportModel,
    Verifier,
    agreement,
    anchors,
    fold_diacritics,
    missing_numbers,
    strip_markers,
)

# -- claims out of a stream --------------------------------------------------------------


@pytest.mark.parametrize("chunks, claims", [
    (["Astana is the city [2]. It was in 2025 [1]."],
     ["Astana is the city [2].", " It was in 2025 [1]."]),
    (["Astana is the city [", "2", "]. It", " was in 2025 [1]."],
     ["Astana is the city [2].", " It was in 2025 [1]."]),
    (["The talks ended. [1] Then", " came lunch [2]."],
     ["The talks ended. [1]", " Then came lunch [2]."]),
    (["The talks ended.[1][3] Then lunch."], ["The talks ended.[1][3]", " Then lunch."]),
    (["Trade grew 2.5 percent [1]. Then"], ["Trade grew 2.5 percent [1].", " Then"]),
    (["Mr. Smith came [1]. He left."], ["Mr. Smith came [1].", " He left."]),
    (["It rose, e.g. in rice [1]. Done."], ["It rose, e.g. in rice [1].", " Done."]),
    (["Items:\n- rice [1]\n- tea [2]"], ["Items:", "\n- rice [1]", "\n- tea [2]"]),
    (["Ends here [1].\nNext line [2]."], ["Ends here [1].", "\nNext line [2]."]),
    (["NOT_IN", "_DOCUMENTS"], ["NOT_IN_DOCUMENTS"]),
    (["Đà Nẵng hosted it [1]. Ông ấy đến [2]."], ["Đà Nẵng hosted it [1].", " Ông ấy đến [2]."]),
    (["   "], []),
], ids=["two", "split-marker", "marker-after-stop", "glued-markers", "decimal", "title",
        "eg", "list-lines", "newline", "token", "vietnamese", "blank"])
def test_claims_are_cut_at_sentence_ends_with_their_markers(chunks, claims):
    splitter = ClaimSplitter()
    out = [c for chunk in chunks for c in splitter.feed(chunk)] + splitter.close()
    assert out == claims
    assert "".join(out).strip() == "".join(chunks).strip()


def test_a_claim_is_released_only_when_the_next_one_has_started():
    splitter = ClaimSplitter()
    assert splitter.feed("Astana is the city [2].") == []  # a marker may still follow
    assert splitter.feed(" ") == []
    assert splitter.feed("[3]") == []
    assert splitter.feed(" It") == ["Astana is the city [2]. [3]"]
    assert splitter.close() == [" It"]


# -- the signals -------------------------------------------------------------------------


@pytest.mark.parametrize("text, folded", [
    ("Phạm Minh Chính", "pham minh chinh"), ("ĐÀ NẴNG", "da nang"), ("Astana", "astana")])
def test_fold_diacritics(text, folded):
    assert fold_diacritics(text) == folded


@pytest.mark.parametrize("claim, paragraph, shares", [
    ("Pham Minh Chinh visited Hanoi", "Phạm Minh Chính visited Hà Nội in May.", (1.0, 1.0)),
    ("The harbour opened in May", "The new harbour opened in May 2025.", (1.0, 1.0)),
    ("The harbour closed in June", "The new harbour opened in May 2025.", (1 / 3, 0.0)),
    ("the of and", "Anything at all.", (0.0, 0.0)),
    ("Exports rose sharply", "Rice imports fell.", (0.0, 0.0)),
    ("Kawann Short led the NFL with 11 sacks",
     "Kawann Short dẫn đầu NFL về số lần vật ngã với 11 lần.", (2 / 3, 1.0)),
    # The first word is not taken for a name (it is capitalised anyway).
    ("Kawann Short led with 12 sacks", "Kawann Short dẫn đầu với 11 lần.", (0.4, 0.5)),
], ids=["diacritics", "all", "third", "no-content", "none", "names-across-languages",
        "names-and-a-wrong-number"])
def test_agreement_is_the_share_of_content_words_and_of_names_found(claim, paragraph, shares):
    assert agreement(claim, paragraph) == pytest.approx(shares)


@pytest.mark.parametrize("text, names", [
    ("The Panthers beat the Broncos in 2016", ["panthers", "broncos", "2016"]),
    ("NFL players", ["nfl"]),
    ("Tổng Bí thư Tô Lâm đến Astana", ["bi", "to", "lam", "astana"]),
    ("nothing here", []),
], ids=["english", "acronym-first", "vietnamese", "none"])
def test_anchors_are_names_numbers_and_acronyms(text, names):
    assert anchors(text) == names


@pytest.mark.parametrize("claim, paragraph, missing", [
    ("Trade reached US$3,000 million in 2024", "Trade hit 3.000 million USD in 2024.", set()),
    ("Trade reached US$4 billion", "Trade reached US$3 billion.", {"4"}),
    ("It opened on 29 November 2025", "Khánh thành ngày 29/11/2025.", set()),
    ("Trade grew ten percent", "Trade grew 10 percent.", set()),
    ("Trade grew 10 percent", "Trade grew ten percent.", {"10"}),
], ids=["separators", "changed", "date-format", "words-in-claim", "digits-only-in-claim"])
def test_every_number_of_the_claim_must_be_in_the_paragraph(claim, paragraph, missing):
    assert missing_numbers(claim, paragraph) == missing


@pytest.mark.parametrize("text, stripped", [
    ("Astana is the city [1][2].", "Astana is the city."),
    ("They met [1, 3] in Astana [2] .", "They met in Astana."),
])
def test_strip_markers(text, stripped):
    assert strip_markers(text) == stripped


# -- the verdict -------------------------------------------------------------------------

# Fixed weights for exact expectations (cosine + content share - 1.2 > 0); the shipped
# ones are fitted (qa/support.json).
MODEL = SupportModel(bias=-7.2, weights=(6.0, 6.0, 0.0, 0.0, 0.0), threshold=0.5)
HARBOUR = "The new harbour in Hai Phong opened in May 2025. It cost US$300 million to build."
RICE = "Rice exports rose by ten percent in the first quarter. Farmers welcomed the news."


@pytest.fixture
def verifier():
    emb = HashEmbedder()
    return Verifier(emb.embed_documents, emb.embed_documents, spans, model=MODEL)


@pytest.mark.parametrize("claim, paragraph, supported, missing", [
    ("The new harbour in Hai Phong opened in May 2025", HARBOUR, True, set()),
    ("It cost US$300 million to build", HARBOUR, True, set()),
    ("It cost US$400 million to build", HARBOUR, False, {"400"}),
    ("The new harbour in Hai Phong opened in May 2025", RICE, False, {"2025"}),
    ("The new harbour in Hai Phong opened in May", RICE, False, set()),
    ("Rice exports rose by ten percent", RICE, True, set()),
], ids=["supported", "second-sentence", "wrong-number", "unrelated", "unrelated-no-number",
        "words"])
def test_support_verdicts(verifier, claim, paragraph, supported, missing):
    [v] = verifier.check(claim, [paragraph], ["en"])
    assert v.supported is supported
    assert set(v.missing) == missing
    assert paragraph[v.span[0]:v.span[1]] in [paragraph[s:e] for s, e in spans(paragraph)]


def test_the_best_sentence_is_the_one_closest_to_the_claim(verifier):
    [v] = verifier.check("It cost US$300 million to build.", [HARBOUR], ["en"])
    assert HARBOUR[v.span[0]:v.span[1]] == "It cost US$300 million to build."
    assert v.cosine == pytest.approx(1.0, abs=1e-5)


def test_same_language_is_a_feature():
    model = SupportModel(bias=0.0, weights=(0.0, 0.0, 0.0, 1.0, 0.0), threshold=0.6)
    v = Verifier(lambda t: None, lambda t: None, spans, model=model)
    assert v.judge("Astana hosted it", "Astana hosted it.", 0.5, True).supported
    assert not v.judge("Astana hosted it", "Astana hosted it.", 0.5, False).supported


def test_several_paragraphs_are_judged_in_order(verifier):
    verdicts = verifier.check("Rice exports rose by ten percent", [HARBOUR, RICE], ["en", "en"])
    assert [v.supported for v in verdicts] == [False, True]


def test_the_shipped_models_are_fitted_with_provenance():
    fitted = SupportModel.load(FITTED_EMBEDDER)
    other = SupportModel.load("openai-text-embedding-3-small")
    for model in (fitted, other):
        assert 0.0 < model.threshold < 1.0
        assert len(model.weights) == len(FEATURES)
        assert "bench/fit_support.py" in model.provenance and "XQuAD" in model.provenance
    cosine = FEATURES.index("cosine")
    # Another embedder's cosines have another scale: only the lexical evidence counts.
    assert fitted.weights[cosine] > 0 and other.weights[cosine] == 0


def test_a_damaged_model_file_says_how_to_refit(tmp_path):
    from qa.errors import CalibrationError

    bad = tmp_path / "support.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(CalibrationError, match="bench.fit_support"):
        SupportModel.load(FITTED_EMBEDDER, bad)
