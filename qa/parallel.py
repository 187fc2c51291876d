"""Parallel paragraphs: the same statement in two languages (e.g. a Vietnamese
version of an English joint statement), found from multilingual embeddings.

Two paragraphs in different languages are linked when each is the other's best
match across the language pair, the similarity clears a threshold with a margin
over the runner-up, and cheap checks agree: the same numbers, and lengths that a
translation could have.

Then, inside two documents that are one text in two languages (the same file name
but for a language code, ``page.md`` / ``page.vi.md`` or ``en/page.md`` /
``vi/page.md``, and each the other's document with the most links, ``DOCUMENT_LINKS``
of them at least), the paragraphs
still unlinked are aligned in reading order: a translation keeps the order of its
original, so a paragraph whose best match elsewhere in the corpus was too close to
call (documentation repeats itself: "Run the app:", "For example:") is linked to the
one at its place, when the similarity clears the same threshold and the same checks
agree.
"""

from __future__ import annotations

import re

import numpy as np

from qa.i18n import LANGUAGES
from qa.markdown import PROSE_KINDS
from qa.text import ascii_fold, match_text, numbers
from qa.tuning import LINKS
from qa.types import Paragraph

# Provenance of each constant: qa/tuning.py (Links).
MIN_SIMILARITY = LINKS.min_similarity
MIN_MARGIN = LINKS.min_margin
LENGTH_RATIO = LINKS.length_ratio
BLOCK = LINKS.block
ROUNDS = LINKS.rounds
FIGURE_BONUS = LINKS.figure_bonus
MAX_FIGURE_PAIRS = LINKS.max_figure_pairs
DOCUMENT_LINKS = LINKS.document_links
ANCHORLESS_SIMILARITY = LINKS.anchorless_similarity
# The rule that made an index's links: an index stored with another is relinked on its
# next ingest ("2": paragraphs of parallel documents aligned in reading order; "4": a
# link between documents that are not one page in two languages shares an anchor or
# clears ANCHORLESS_SIMILARITY; "3", which required the anchor, lasted one session;
# "5": figures are compared as a reader sees them, without link targets).
LINKS_VERSION = "5"


def _figures(text: str) -> set[str]:
    """The numbers a reader sees in ``text``: not those of link targets and tags
    ("[15 years of experience](/blog/2015/04/borg/)" states 15, not 2015 or 04; a
    translation links its own pages, so their addresses differ while the figures
    of its prose agree)."""
    return numbers(match_text(text))


def _numbers_agree(a: str, b: str) -> bool:
    na, nb = _figures(a), _figures(b)
    if not na and not nb:
        return True
    if not na or not nb:
        # One side spells a number out ("two") or drops a list label: allow a
        # single stray number, not a different set of figures.
        return len(na | nb) <= 1
    return len(na & nb) / len(na | nb) >= 0.5


def _dates_agree_str(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return True
    return a.startswith(b) or b.startswith(a)


def _dates_agree(a: Paragraph, b: Paragraph) -> bool:
    # The same words reported at another time are another statement.
    return _dates_agree_str(a.date, b.date)


def _plausible(a: Paragraph, b: Paragraph, similarity: float | None = None) -> bool:
    """Could ``b`` translate ``a``: a translation's length, the same figures and dates,
    and, between documents that are not one page in two languages, a shared anchor or
    a ``similarity`` (when known) of at least ``ANCHORLESS_SIMILARITY``."""
    ratio = len(a.text) / max(1, len(b.text))
    return (LENGTH_RATIO[0] <= ratio <= LENGTH_RATIO[1] and _numbers_agree(a.text, b.text)
            and _dates_agree(a, b) and (
                same_page(a.doc_id, b.doc_id)
                or (similarity is not None and similarity >= ANCHORLESS_SIMILARITY)
                or _share_anchor(a.text, b.text)))


# A figure, an acronym or Roman numeral ("ASEAN", "II."), a capitalised word that does
# not open a sentence ("New Zealand"), or code ("`max_retries`"): what a translation
# carries over unchanged.
_ANCHOR = re.compile(r"\d+|\b[A-Z]{2,}\b|\b[IVX]+\b|(?<!^)(?<![.!?]\s)\b[A-Z][\w-]+|`[^`\n]+`")


def _share_anchor(a: str, b: str) -> bool:
    """Do two texts share a figure, a capitalised word (not a sentence's first) or a
    code span? Between documents that are not one page in two languages, a link below
    ``ANCHORLESS_SIMILARITY`` needs one: the small embedder finds two short paragraphs
    on unrelated subjects in two languages nearly as close as a translation ("Tomatoes
    need six hours of sun." / "Phở broth simmers for eight hours.": 0.829), and no
    figure, name or code of one is in the other."""
    def anchors(text: str) -> set[str]:
        return {ascii_fold(m.group(0).strip("`")) for m in _ANCHOR.finditer(text)}

    return not anchors(a).isdisjoint(anchors(b))


def _best_two(sims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each row's best column, and the margin over its second best."""
    if sims.shape[1] == 1:
        return np.zeros(len(sims), dtype=int), np.full(len(sims), 1.0)
    top2 = np.argpartition(-sims, 1, axis=1)[:, :2]
    first = np.where(sims[np.arange(len(sims)), top2[:, 0]] >= sims[np.arange(len(sims)),
                     top2[:, 1]], top2[:, 0], top2[:, 1])
    second = np.where(first == top2[:, 0], top2[:, 1], top2[:, 0])
    rows = np.arange(len(sims))
    return first, sims[rows, first] - sims[rows, second]


def find_links(paragraphs: list[Paragraph], vectors: dict[str, np.ndarray]) -> dict[str, tuple]:
    """id -> ids of its parallel paragraphs in other languages and documents
    (canonical paragraphs only)."""
    by_lang: dict[str, list[Paragraph]] = {}
    for p in paragraphs:
        if p.is_canonical and p.id in vectors and p.language in ("en", "vi"):
            by_lang.setdefault(p.language, []).append(p)
    links: dict[str, list[str]] = {}
    langs = sorted(by_lang)
    for i, la in enumerate(langs):
        for lb in langs[i + 1:]:
            pairs = list(_pairs(by_lang[la], by_lang[lb], vectors))
            pairs += _in_parallel_documents(by_lang[la], by_lang[lb], pairs, vectors)
            for a, b in pairs:
                links.setdefault(a.id, []).append(b.id)
                links.setdefault(b.id, []).append(a.id)
    return {pid: tuple(sorted(ids)) for pid, ids in links.items()}


_LANGUAGE_CODE = re.compile(rf"(?:^|[._-])(?:{'|'.join(LANGUAGES)})$")


def name_without_language(doc_id: str) -> str:
    """A document id without its language code: a folder named for the language
    ("vi/intro") or a suffix of the file name ("intro.vi", "intro_en", "intro-vi")."""
    parts = [p for p in doc_id.split("/") if p not in LANGUAGES]
    return "/".join(parts[:-1] + [_LANGUAGE_CODE.sub("", parts[-1]) if parts else ""])


def same_page(a: str, b: str) -> bool:
    """Are documents ``a`` and ``b`` one page in two languages, by their names? The same
    name without language codes (``name_without_language``: "intro" / "vi/intro" /
    "intro.vi"), or the same path under each language's own root folder: a site
    generator may keep a translation in a tree of its own ("docs/guides/intro" /
    "i18n/vi/plugin-docs/current/guides/intro", Docusaurus's layout), where the
    shorter path past its first folder is the end of the longer one."""
    pa, pb = (name_without_language(x).split("/") for x in (a, b))
    if pa == pb:
        return True
    short, long = sorted((pa, pb), key=len)
    tail = short[1:] if len(short) > 1 else short
    return len(short) < len(long) and long[len(long) - len(tail):] == tail


def parallel_documents(pairs: list[tuple[Paragraph, Paragraph]]) -> list[tuple[str, str]]:
    """(left document, right document) pairs that are one text in two languages: the
    same name but for a language code, and each the other's document with the most
    linked paragraphs, ``DOCUMENT_LINKS`` at least. (Content alone is not enough: the
    WordPiece page of a course, in Vietnamese, follows its BPE page paragraph by
    paragraph, with the same example figures.)"""
    count: dict[tuple[str, str], int] = {}
    for a, b in pairs:
        count[a.doc_id, b.doc_id] = count.get((a.doc_id, b.doc_id), 0) + 1
    best_a: dict[str, tuple[int, str]] = {}
    best_b: dict[str, tuple[int, str]] = {}
    for (da, db), n in sorted(count.items()):
        best_a[da] = max(best_a.get(da, (0, "")), (n, db))
        best_b[db] = max(best_b.get(db, (0, "")), (n, da))
    return [(da, db) for (da, db), n in sorted(count.items())
            if n >= DOCUMENT_LINKS and best_a[da][1] == db and best_b[db][1] == da
            and same_page(da, db)]


def _in_parallel_documents(left: list[Paragraph], right: list[Paragraph],
                           pairs: list[tuple[Paragraph, Paragraph]],
                           vectors) -> list[tuple[Paragraph, Paragraph]]:
    """Links between the unlinked prose paragraphs of parallel documents, in order."""
    partner = {a.id: b.id for a, b in pairs} | {b.id: a.id for a, b in pairs}
    by_doc: dict[str, list[Paragraph]] = {}
    for p in left + right:
        if p.kind in PROSE_KINDS:
            by_doc.setdefault(p.doc_id, []).append(p)
    out = []
    for da, db in parallel_documents(pairs):
        a = sorted(by_doc.get(da, []), key=lambda p: p.number)
        b = sorted(by_doc.get(db, []), key=lambda p: p.number)
        if not a or not b:
            continue
        gain = (np.stack([vectors[p.id] for p in a]).astype(np.float32)
                @ np.stack([vectors[p.id] for p in b]).astype(np.float32).T) - MIN_SIMILARITY
        # Linked pairs are the anchors the order is read from: each is matched to its
        # partner (a gain no similarity reaches) and to nothing else.
        gain[[i for i, p in enumerate(a) if p.id in partner], :] = -1.0
        gain[:, [j for j, p in enumerate(b) if p.id in partner]] = -1.0
        column = {p.id: j for j, p in enumerate(b)}
        for i, p in enumerate(a):
            if partner.get(p.id) in column:
                gain[i, column[partner[p.id]]] = 1.0
        for ia, ib in in_order(gain):
            pa, pb = a[ia], b[ib]
            if pa.id not in partner and pb.id not in partner and _plausible(pa, pb):
                out.append((pa, pb))
    return out


def in_order(gain: np.ndarray) -> list[tuple[int, int]]:
    """The one-to-one matching of rows to columns that keeps their order and has the
    largest total gain (only pairs of positive gain are matched): the alignment of a
    text and its translation, by dynamic programming in O(rows x columns)."""
    m, k = gain.shape
    best = np.zeros((m + 1, k + 1))
    took = np.zeros((m + 1, k + 1), dtype=bool)  # best[i, j] ends by matching i-1 to j-1
    for i in range(1, m + 1):
        skip_row = best[i - 1, 1:]
        match = best[i - 1, :-1] + gain[i - 1]
        took[i, 1:] = match > skip_row
        # best[i, j] = max(best[i, j-1], max(skip_row, match)[j-1]): a running maximum.
        best[i, 1:] = np.maximum.accumulate(np.maximum(skip_row, match))
    out = []
    i, j = m, k
    while i > 0 and j > 0:
        if best[i, j] == best[i, j - 1]:
            j -= 1
        elif took[i, j]:
            out.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        else:
            i -= 1
    return out[::-1]


def _pairs(left: list[Paragraph], right: list[Paragraph], vectors):
    """Mutual best matches, in rounds: a paragraph whose best match was taken by
    a closer translation gets a second chance among those still unmatched."""
    va = np.stack([vectors[p.id] for p in left]).astype(np.float32)
    vb = np.stack([vectors[p.id] for p in right]).astype(np.float32)
    todo_a, todo_b = np.arange(len(left)), np.arange(len(right))
    for round_ in range(ROUNDS):
        # In the second round, among the few still unmatched, shared figures
        # (list labels such as "4.", years) break near-ties the embedding leaves.
        figures = round_ > 0 and len(todo_a) * len(todo_b) <= MAX_FIGURE_PAIRS
        found = list(_mutual(left, right, va, vb, todo_a, todo_b, figures))
        if not found:
            return
        for ia, ib in found:
            yield left[ia], right[ib]
        done_a, done_b = {ia for ia, _ in found}, {ib for _, ib in found}
        todo_a = np.array([i for i in todo_a if i not in done_a], dtype=int)
        todo_b = np.array([i for i in todo_b if i not in done_b], dtype=int)
        if len(todo_a) == 0 or len(todo_b) == 0:
            return


def _figure_bonus(left, right, rows, todo_b) -> np.ndarray:
    nb = [_figures(right[i].text) for i in todo_b]
    out = np.zeros((len(rows), len(todo_b)), dtype=np.float32)
    for r, i in enumerate(rows):
        na = _figures(left[i].text)
        if not na:
            continue
        for c, other in enumerate(nb):
            if other:
                out[r, c] = FIGURE_BONUS * len(na & other) / len(na | other)
    return out


def _mutual(left, right, va, vb, todo_a, todo_b, figures=False):
    sub_b = vb[todo_b]
    docs_b = np.array([right[i].doc_id for i in todo_b])
    dates_b = [right[i].date for i in todo_b]
    best_b = np.empty(len(todo_a), dtype=int)
    margin_b = np.empty(len(todo_a))
    col1 = np.full(len(todo_b), -np.inf)  # best similarity per right paragraph
    col2 = np.full(len(todo_b), -np.inf)  # second best
    col_arg = np.zeros(len(todo_b), dtype=int)
    cols = np.arange(len(todo_b))
    for start in range(0, len(todo_a), BLOCK):
        rows = todo_a[start:start + BLOCK]
        sims = va[rows] @ sub_b.T
        if figures:
            sims = sims + _figure_bonus(left, right, rows, todo_b)
        # A translation lives in another document and was published at the same
        # time: a document's own heading, or last year's similar communiqué, is not one.
        docs_a = np.array([left[i].doc_id for i in rows])
        sims[docs_a[:, None] == docs_b[None, :]] = -1.0
        for r, i in enumerate(rows):
            if left[i].date:
                sims[r, [not _dates_agree_str(left[i].date, d) for d in dates_b]] = -1.0
        best_b[start:start + BLOCK], margin_b[start:start + BLOCK] = _best_two(sims)
        both = np.vstack([col1, col2, sims])
        order = np.argsort(-both, axis=0)[:2]
        new_arg = np.where(order[0] >= 2, order[0] - 2 + start, col_arg)
        col1, col2 = both[order[0], cols], both[order[1], cols]
        col_arg = np.where(order[0] == 1, col_arg, new_arg)
    for ka, ia in enumerate(todo_a):
        kb = int(best_b[ka])
        if col_arg[kb] != ka:
            continue  # not each other's best match
        # A clear winner on either side: two near-identical paragraphs on one
        # side may both resemble the translation.
        if max(margin_b[ka], col1[kb] - col2[kb]) < MIN_MARGIN:
            continue
        ib = int(todo_b[kb])
        similarity = float(va[ia] @ vb[ib])
        if similarity >= MIN_SIMILARITY and _plausible(left[ia], right[ib], similarity):
            yield ia, ib
