"""A probe of topic requests: "What do the documents say about X?", "Tell me about X",
"Tài liệu nói gì về X?" — asked for no single fact, answered by what the documents say.

    python bench/topics.py [--fastapi DIR]

Requests written for this probe (2026-11-30; the dev sets hold none of this form, and
none is taken from a dev question), each with the words that name its topic in the
collection's two languages, or None when the collection never names the topic (checked
with grep). A request with a topic counts when it is answered and its first citation
names the topic; a request without one counts when it is refused. Over the seeds and
the hf-course collection in the repository; FastAPI's docs (eval/fastapi/SOURCE.md
says where to get them) only when given. Prints one line per request and the totals;
writes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # `python bench/topics.py` puts bench/, not the root, first
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

# (request, words of its topic as the collection writes them; None: not in the collection)
REQUESTS = {
    "seeds": [
        ("What do the documents say about agriculture?", ["agricultur", "nông nghiệp"]),
        ("What does the joint statement say about climate change?",
         ["climate", "khí hậu"]),
        ("Văn bản nói gì về biến đổi khí hậu?", ["climate", "khí hậu"]),
        ("Tell me about the scholarships.", ["scholarship", "học bổng"]),
        ("Cho tôi biết về học bổng.", ["scholarship", "học bổng"]),
        ("Is there anything on tourism?", ["touris", "du lịch"]),
        ("Có thông tin gì về du lịch không?", ["touris", "du lịch"]),
        ("Summarize the defence cooperation.", ["defen", "quốc phòng"]),
        ("Tóm tắt hợp tác quốc phòng.", ["defen", "quốc phòng"]),
        ("What is said about the Mekong?", ["mekong", "mê kông"]),
        ("Tell me about the football matches.", None),
        ("Tài liệu nói gì về điện hạt nhân?", None),
        ("What do the documents say about fishing quotas?", None),
    ],
    "hf-course": [
        ("Tell me about the Hugging Face forums.", ["forum", "diễn đàn"]),
        ("What does the course say about the prefill phase?", ["prefill"]),
        ("Give me an overview of WordPiece.", ["wordpiece"]),
        ("Khoá học nói gì về thẻ mô hình?", ["model card", "thẻ mô hình"]),
        ("Có gì về Unigram không?", ["unigram"]),
        ("What do the docs say about Kubernetes?", None),
        ("Tell me about Docker images.", None),
    ],
    "fastapi": [
        ("What do the docs say about CORS?", ["cors"]),
        ("Tài liệu nói gì về CORS?", ["cors"]),
        ("Tell me about background tasks.", ["background", "nền"]),
        ("What is said about static files?", ["static", "tĩnh"]),
        ("Có gì về middleware không?", ["middleware"]),
        ("What do the docs say about GraphQL?", None),
        ("Cho tôi biết về WebSocket.", None),
    ],
}


def main() -> None:
    counts = {"on topic": [0, 0], "refused": [0, 0]}
    for name, bot in common.probe_systems(__doc__):
        for request, topic in REQUESTS[name]:
            answer = bot.ask(request)
            if topic is None:
                ok, measure = not answer.answered, "refused"
            else:
                cited = answer.citations[0].text.lower() if answer.citations else ""
                ok, measure = answer.answered and any(w in cited for w in topic), "on topic"
            counts[measure][0] += ok
            counts[measure][1] += 1
            print(f"{'yes' if ok else 'no ':3s}  {name}: {request}")
    print("; ".join(f"{measure}: {n} of {total}" for measure, (n, total) in counts.items()))


if __name__ == "__main__":
    main()
