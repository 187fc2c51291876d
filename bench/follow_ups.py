"""A probe of elliptical follow-ups: does the answer to "And on X?" cite X first?

    python bench/follow_ups.py [--fastapi DIR]

Thirteen conversations written for this probe (2026-11-30 and 2026-12-01, after the
dev sets' follow-ups had been used; not taken from any dev question): a first question, then an
elliptical follow-up that changes its topic ("And on tourism?", "Còn về giáo dục?").
A follow-up counts when the first paragraph its answer cites holds one of the words
of the new topic. Over the seeds and the hf-course collection in the repository;
FastAPI's docs (eval/fastapi/SOURCE.md says where to get them) only when given.
Prints one line per conversation and the total; writes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # `python bench/follow_ups.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

# (first question, follow-up, words of the follow-up's topic)
CONVERSATIONS = {
    "seeds": [
        ("What did Vietnam and New Zealand agree on defence?", "And on education?",
         ["education", "giáo dục"]),
        ("What did Vietnam and Kazakhstan agree on trade?", "And on tourism?",
         ["tourism", "du lịch"]),
        ("Hai bên thống nhất gì về quốc phòng?", "Còn về giáo dục?", ["giáo dục", "education"]),
        ("What did the leaders say about climate change?", "And about agriculture?",
         ["agricultur", "nông nghiệp"]),
        ("What agreements did Vietnam and Kazakhstan sign in energy?", "And in aviation?",
         ["aviation", "hàng không"]),
        ("Hai nước hợp tác thế nào trong thương mại?", "Còn trong giáo dục?",
         ["giáo dục", "education"]),
        # No preposition to match in the first question: the new topic replaces nothing
        # the rewrite can find (added 2026-12-01 with Question.topic).
        ("What did Vietnam and New Zealand agree on defence?", "What about education?",
         ["education", "giáo dục"]),
    ],
    "hf-course": [
        ("What is the normalizer responsible for in a tokenizer?", "And in a pre-tokenizer?",
         ["pre-tokeniz"]),
        ("Where can I ask questions about a bug in my code?", "And about a bug in the library?",
         ["issue", "github"]),
        ("How does the BPE tokenizer treat spaces?", "And WordPiece?", ["wordpiece"]),
    ],
    "fastapi": [
        ("How do I run a FastAPI app in development mode?", "And in production?",
         ["fastapi run", "production"]),
        ("What does CORSMiddleware allow by default for methods?", "And for headers?",
         ["header"]),
        ("How do I install FastAPI?", "And Uvicorn?", ["uvicorn"]),
    ],
}


def main() -> None:
    hits = total = 0
    for name, bot in common.probe_systems(__doc__):
        for first, follow_up, topic in CONVERSATIONS[name]:
            answer = bot.ask(follow_up, history=[(first, bot.ask(first).text)])
            cited = answer.citations[0].text.lower() if answer.citations else ""
            ok = any(word.lower() in cited for word in topic)
            hits, total = hits + ok, total + 1
            print(f"{'yes' if ok else 'no ':3s}  {name}: {first} / {follow_up}")
    print(f"first citation on the new topic: {hits} of {total}")


if __name__ == "__main__":
    main()
