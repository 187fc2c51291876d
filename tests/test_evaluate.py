"""The evaluation measures (``qa.evaluate``), the split rules, and the two baselines of
``bench/evaluate.py`` run for real on a tiny corpus."""

from __future__ import annotations

import json
import sys
import unicodedata
from types import SimpleNamespace

import pytest
from testkit import PROJECT_ROOT, HashEmbedder

from qa.cli import _parser
from qa.errors import ConfigError
from qa.evaluate import (
    contains,
    evaluate,
    load_items,
    score_item,
    select,
    shows_markup,
    split_ids,
    summarise,
)
from qa.types import Answer, Citation, Hit, Paragraph

if str(PROJECT_ROOT) not in sys.path:  # bench/ is a folder of scripts, not an installed package
    sys.path.insert(0, str(PROJECT_ROOT))

from bench.baselines import BM25Baseline, DenseBaseline, corpus_paragraphs, fold_tokens  # noqa: E402
from bench.evaluate import OPT_IN, SETS, SPLITS_FILE, markdown, xquad_split  # noqa: E402
from bench.splits import kind_split  # noqa: E402


def para(pid: str, text: str) -> Paragraph:
    doc, _, n = pid.rpartition(":")
    return Paragraph(id=pid, doc_id=doc, number=int(n), text=text, title="T", date=None,
                     language="en", canonical_id=pid)


GOOD = Citation.of(para("a:1", "The trade target is US$5 billion by 2030."))
OTHER = Citation.of(para("a:2", "The weather was fine."))
VI = Citation.of(para("b:1", "Hai bên nhất trí nâng cấp quan hệ Việt Nam – New Zealand."))

ITEM = {"id": "x1", "kind": "number", "lang": "en", "answerable": True,
        "must_include": ["5 billion", "2030"], "evidence": ["US$5 billion by 2030"]}


def answer(text: str, citations=(), answered: bool = True) -> Answer:
    return Answer(text=text, answered=answered, citations=list(citations))


# --------------------------------------------------------------------------- measures

@pytest.mark.parametrize(("item", "ans", "hit", "precision", "accurate"), [
    (ITEM, answer("US$5 billion by 2030 [1]", [GOOD]), True, 1.0, True),
    (ITEM, answer("US$5 billion by 2030 [1][2]", [GOOD, OTHER]), True, 0.5, True),
    (ITEM, answer("It is 5 billion [1]", [GOOD]), True, 1.0, False),  # "2030" missing
    (ITEM, answer("The weather [1]", [OTHER]), False, 0.0, False),
    (ITEM, answer("US$5 billion by 2030", [GOOD], answered=False), True, 1.0, False),
    (ITEM, answer("", []), False, None, False),
    # alternatives: one of "Astana|Nur-Sultan" is enough
    ({**ITEM, "must_include": ["Nur-Sultan|Astana"]}, answer("in Astana", [OTHER]),
     False, 0.0, True),
    # folding: case, composed vs decomposed Unicode, whitespace, Việt Nam spellings
    ({**ITEM, "must_include": ["VIỆT NAM"], "evidence": ["nâng cấp   quan hệ"]},
     answer(unicodedata.normalize("NFD", "quan hệ viet nam"), [VI]), True, 1.0, True),
    ({**ITEM, "must_include": []}, answer("anything", [OTHER]), False, 0.0, True),
])
def test_score_item(item, ans, hit, precision, accurate):
    row = score_item(item, ans)
    assert (row["citation_hit"], row["citation_precision"], row["accurate"]) == \
        (hit, precision, accurate)
    assert row["recall"] is None  # no hits given


HITS = [Hit(OTHER, 0.9)] * 4 + [Hit(GOOD, 0.5), Hit(GOOD, 0.4)]


@pytest.mark.parametrize(("item", "hits", "recall"), [
    (ITEM, HITS, True),                      # evidence 5th: inside recall@5
    (ITEM, HITS[:4] + [Hit(OTHER, 0.1), Hit(GOOD, 0.0)], False),  # 6th: outside
    (ITEM, [], False),
    ({**ITEM, "answerable": False}, HITS, None),  # not counted for unanswerable items
])
def test_recall_at_5(item, hits, recall):
    assert score_item(item, answer("x", []), hits)["recall"] is recall


def test_recall_counts_a_hits_translations_and_recall_shown_does_not():
    vi = Citation.of(para("v:1", "Mục tiêu thương mại là 5 tỷ USD vào năm 2030."))
    row = score_item(ITEM, answer("x", []), [Hit(vi, 0.9, translations=(GOOD,))])
    assert (row["recall"], row["recall_shown"]) == (True, False)
    rows = [row, score_item(ITEM, answer("x", []), [Hit(GOOD, 0.9)])]
    s = summarise(rows)
    assert (s["search_recall_at_5"], s["search_recall_at_5_shown"]) == (1.0, 0.5)


@pytest.mark.parametrize(("text", "shows"), [
    ('Docs by <a href="x">Swagger</a>. [1]', True),
    ("Add the following `<script>` tag to your `<head>`: [1]", False),  # inline code
    ('See <Youtube id="x" /> [1]', True),
    ("### Mô tả về mô hình\nText. [1]", True),
    ("```python\n# a comment, not a heading\nx = '<div>'\n``` [1] Then x < y > z. [2]", False),
    ("#1 priority, a < b and b > c. [1]", False),
])
def test_shows_markup(text, shows):
    assert shows_markup(text) is shows


def test_contains_folds_but_keeps_words():
    assert contains("The  Trade\nTarget", "trade target")
    assert not contains("trade", "trade target")


def row(answerable, answered, hit=False, accurate=False, recall=None, precision=None,
        seconds=0.1):
    return {"id": "r", "kind": "k", "lang": "en", "answerable": answerable,
            "answered": answered, "recall": recall, "recall_shown": recall, "citation_hit": hit,
            "citation_precision": precision, "accurate": accurate, "seconds": seconds}


def test_summarise_exact():
    rows = [row(True, True, hit=True, accurate=True, recall=True, precision=1.0, seconds=0.01),
            row(True, True, hit=True, accurate=False, recall=True, precision=0.5, seconds=0.02),
            row(True, False, recall=False, seconds=0.03),
            row(True, True, hit=False, accurate=False, recall=False, precision=0.0,
                seconds=0.04),
            row(False, False, seconds=0.05), row(False, True, seconds=0.06)]
    s = summarise(rows)
    assert {k: s[k] for k in ("items", "search_recall_at_5", "citation_hit",
                              "citation_precision", "answer_accuracy", "refusal_rate",
                              "false_refusal_rate", "latency_p50_ms")} == {
        "items": 6, "search_recall_at_5": 0.5, "citation_hit": 0.5, "citation_precision": 0.5,
        "answer_accuracy": 0.25, "refusal_rate": 0.5, "false_refusal_rate": 0.25,
        "latency_p50_ms": 40.0}
    assert (s["answered"], s["answers_with_markup"]) == (4, 0)
    assert summarise([{**rows[0], "markup": True}, *rows[1:]])["answers_with_markup"] == 1


def test_summarise_empty_groups_are_none():
    s = summarise([row(False, False)])
    assert (s["citation_hit"], s["search_recall_at_5"], s["false_refusal_rate"],
            s["refusal_rate"]) == (None, None, None, 1.0)


# --------------------------------------------------------------------------- splits

def test_split_ids_by_relative_path_and_suffix(tmp_path):
    (tmp_path / "sub").mkdir()
    splits = tmp_path / "splits.json"
    splits.write_text(json.dumps({"rule": "by hand", "sub/q.jsonl": {"fit": ["a"],
                                                                     "report": ["b", "c"]}}))
    assert split_ids(splits, tmp_path / "sub" / "q.jsonl", "report") == {"b", "c"}
    assert split_ids(splits, "/elsewhere/sub/q.jsonl", "fit") == {"a"}  # suffix match
    with pytest.raises(ConfigError, match="has no split for"):
        split_ids(splits, tmp_path / "other.jsonl", "fit")
    with pytest.raises(ConfigError, match="unknown split"):
        split_ids(splits, tmp_path / "sub" / "q.jsonl", "test")
    with pytest.raises(ConfigError, match="cannot read split file"):
        split_ids(tmp_path / "missing.json", tmp_path / "sub" / "q.jsonl", "fit")


def test_select_keeps_file_order():
    items = [{"id": "c"}, {"id": "a"}, {"id": "b"}]
    assert select(items, {"a", "c"}) == [{"id": "c"}, {"id": "a"}]


QUESTION_FILES = [*(s.questions for s in SETS.values()),
                  *(PROJECT_ROOT / "eval" / name / "questions.jsonl" for name in OPT_IN)]


@pytest.mark.parametrize("questions", QUESTION_FILES, ids=lambda p: p.name)
def test_repository_splits_partition_each_set(questions):
    ids = {str(i["id"]) for i in load_items(questions)}
    fit = split_ids(SPLITS_FILE, questions, "fit")
    report = split_ids(SPLITS_FILE, questions, "report")
    assert not fit & report
    assert fit | report == ids


@pytest.mark.parametrize("questions", QUESTION_FILES, ids=lambda p: p.name)
def test_repository_splits_follow_the_recorded_rule(questions):
    # The first two splits were made by hand; bench/splits.py's rule must reproduce them,
    # and every later set gets its split from it.
    seed = json.loads(SPLITS_FILE.read_text(encoding="utf-8"))["seed"]
    expected = kind_split(load_items(questions), seed)
    assert split_ids(SPLITS_FILE, questions, "fit") == set(expected["fit"])
    assert split_ids(SPLITS_FILE, questions, "report") == set(expected["report"])


def test_kind_split_halves_each_kind_rounding_down():
    items = [{"id": f"a{i}", "kind": "a"} for i in range(3)] + [{"id": "b0", "kind": "b"}]
    split = kind_split(items, seed=1)
    assert len(split["fit"]) == 1 and split["fit"][0].startswith("a")
    assert sorted(split["fit"] + split["report"]) == ["a0", "a1", "a2", "b0"]
    assert kind_split(list(reversed(items)), seed=1) == split  # file order does not matter


def test_cli_eval_accepts_a_split():
    args = _parser().parse_args(["eval", "eval/seeds-dev.jsonl", "--split", "report"])
    assert (args.split, args.splits) == ("report", "eval/splits.json")


def xp(index: int, article: str, lang: str = "en"):
    return SimpleNamespace(index=index, article=article, lang=lang)


@pytest.mark.parametrize(("paragraphs", "fit", "held"), [
    # sorted by (article, context index): A/0=3, A/1=4, B/0=0, B/1=1, B/2=2 -> positions 0, 4
    ([xp(0, "B"), xp(1, "B"), xp(2, "B"), xp(3, "A"), xp(4, "A")], [0, 1, 4], [2, 3]),
    # the same paragraphs in two languages give the same split
    ([xp(i, a, lang) for lang in ("vi", "en")
      for i, a in enumerate(["B", "B", "B", "A", "A"])], [0, 1, 4], [2, 3]),
    ([xp(i, "A") for i in range(9)], [1, 2, 3, 5, 6, 7], [0, 4, 8]),
    ([], [], []),
])
def test_xquad_split(paragraphs, fit, held):
    assert xquad_split(paragraphs) == (fit, held)


def test_markdown_puts_the_report_split_first():
    summary = summarise([row(True, True, hit=True, accurate=True, recall=True, precision=1.0)])
    res = {"overall": summary, "groups": {}}
    md = markdown({"sets": {"seeds": {"report": {"seedqa": res}, "fit": {"seedqa": res}}}},
                  "python bench/evaluate.py")
    table = [line for line in md.splitlines() if line.startswith("| ")]
    assert [line.split(" | ")[0] for line in table[1:]] == ["| report", "| fit"]
    assert "| report | seedqa | 1 | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 | – | 0.000 |" in md


# --------------------------------------------------------------------------- baselines

DOCS = {
    "harbour.txt": ["Harbour report",
                    "The new harbour opened in May 2025. It cost forty million dollars."],
    "rice.txt": ["Rice news", "Rice exports rose by ten percent. Farmers planted early."],
    "visit.md": ["Chuyến thăm",
                 "Thủ tướng Phạm Minh Chính hội đàm tại Hà Nội. Hai bên ký ba văn kiện."],
}


@pytest.fixture
def tiny_corpus(tmp_corpus):
    for name, blocks in DOCS.items():
        tmp_corpus.write_paragraphs(name, blocks)
    return tmp_corpus.path


def test_fold_tokens_drop_diacritics():
    assert fold_tokens("Phạm Minh Chính, Đà Nẵng") == ["pham", "minh", "chinh", "da", "nang"]


def test_corpus_paragraphs_use_seedqa_ids(tiny_corpus):
    assert [p.id for p in corpus_paragraphs(tiny_corpus)] == [
        "harbour:1", "harbour:2", "rice:1", "rice:2", "visit:1", "visit:2"]


def test_bm25_baseline_searches_and_quotes_best_sentence(tiny_corpus):
    bm25 = BM25Baseline(corpus_paragraphs(tiny_corpus))
    hits = bm25.search("Pham Minh Chinh hoi dam o dau?", k=5)  # no diacritics in the query
    assert hits[0].citation.id == "visit:2" and len(hits) == 5
    a = bm25.ask("When did the harbour open?")
    assert (a.answered, a.text, [c.id for c in a.citations]) == (
        True, "The new harbour opened in May 2025.", ["harbour:2"])
    assert a.citations[0].text[a.citations[0].start:a.citations[0].end] == a.text
    assert bm25.ask("zzz unknown words").answered  # never refuses


def test_dense_baseline_with_a_real_llama_index(tiny_corpus):
    dense = DenseBaseline(corpus_paragraphs(tiny_corpus), HashEmbedder())
    assert len(dense.search("rice exports", k=5)) == 5  # similarity_top_k=5
    # HashEmbedder is a bag of words: the sentence's own words are its nearest vector
    a = dense.ask("Farmers planted early.")
    assert (a.text, [c.id for c in a.citations]) == ("Farmers planted early.", ["rice:2"])


def test_evaluate_runs_a_baseline_end_to_end(tiny_corpus):
    items = [
        {"id": "1", "question": "When did the new harbour open?", "lang": "en",
         "kind": "date", "answerable": True, "must_include": ["May 2025"],
         "evidence": ["harbour opened in May 2025"]},
        {"id": "2", "question": "And the rice exports?", "context": "When did it open?",
         "lang": "en", "kind": "follow_up", "answerable": True, "must_include": ["ten percent"],
         "evidence": ["rose by ten percent"]},
        {"id": "3", "question": "What is the capital of Peru?", "lang": "en",
         "kind": "unanswerable", "answerable": False, "must_include": [], "evidence": []},
    ]
    result = evaluate(BM25Baseline(corpus_paragraphs(tiny_corpus)), items)
    o = result["overall"]
    assert (o["items"], o["search_recall_at_5"], o["citation_hit"], o["answer_accuracy"],
            o["refusal_rate"], o["false_refusal_rate"]) == (3, 1.0, 1.0, 1.0, 0.0, 0.0)
    assert sorted(result["groups"]) == ["kind=date", "kind=follow_up", "kind=unanswerable",
                                        "lang=en"]
    assert [r["cited"] for r in result["rows"]][:2] == [["harbour:2"], ["rice:2"]]


def test_eval_sets_exist_in_the_repository():
    for evalset in SETS.values():
        assert evalset.questions.is_file() and evalset.corpus.is_dir()
        assert PROJECT_ROOT in evalset.questions.parents


def test_targets_compare_with_bars_and_the_llama_index_baseline():
    from bench.evaluate import targets

    def res(**m):
        base = {"search_recall_at_5": 0.5, "citation_hit": 0.5, "answer_accuracy": 0.5,
                "refusal_rate": 0.0, "false_refusal_rate": 0.0}
        return {"overall": {**base, **m}, "groups": {}}

    results = {"sets": {"seeds": {"report": {
        "seedqa": res(search_recall_at_5=0.95, citation_hit=0.4, answer_accuracy=0.7,
                      refusal_rate=0.7, false_refusal_rate=0.2),
        "llama-index": res()}, "fit": {}}}}
    got = {t["name"]: t["pass"] for t in targets(results)}
    assert got == {
        "seeds report: seedqa search_recall_at_5 >= 0.9": True,
        "seeds report: seedqa citation_hit >= 0.85": False,
        "seeds report: seedqa answer_accuracy >= 0.7": True,
        "seeds report: seedqa refusal_rate >= 0.7": True,
        "seeds report: seedqa false_refusal_rate <= 0.1": False,
        "seeds report: seedqa search_recall_at_5 >= plain llama-index": True,
        "seeds report: seedqa citation_hit >= plain llama-index": False,
        "seeds report: seedqa answer_accuracy >= plain llama-index": True,
    }
