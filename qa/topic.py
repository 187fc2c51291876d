"""An elliptical follow-up's new topic comes first.

"And for containerd?" after "Where are CRI-O runtime handlers configured?" asks the last
question again about containerd (``qa.question.elliptical_topic``). What is searched and
scored carries the last question over, CRI-O and all, so the last turn's paragraphs match
best and its answer would be quoted again; and "What about podman?", a topic no
paragraph names, would be answered with it. ``TopicFirst`` puts the statements that name
the new topic first; the answerer quotes only those, or refuses.
"""

from __future__ import annotations

from typing import Protocol

from qa.citations import Catalog
from qa.scoring import covers_all
from qa.text import content_tokens


class _Hit(Protocol):
    id: str


class TopicFirst:
    """Orders hits by whether their paragraph names a follow-up's new topic."""

    def __init__(self, catalog: Catalog, lexicon=None) -> None:
        self.catalog = catalog
        # qa.lexicon.Lexicon (or None): a topic asked in one language is named in the
        # other through the word table, as the scorer's coverage counts words.
        self.lexicon = lexicon

    def names(self, topic: str, language: str, pid: str) -> bool:
        """Does paragraph ``pid`` (its text, title or heading path) name any content word
        of ``topic`` (asked in ``language``)? True when there is no topic. Any word, not
        all: a topic may be a clause ("Còn khi chạy ở chế độ phát triển thì sao?",
        answered by "… cho quá trình phát triển"; requiring every word lost that
        eval/fastapi fit answer). A statement is also its linked translations: one
        version may spell out what the other abbreviates ("UNCLOS")."""
        if not topic:
            return True
        words = [word for word in topic.split() if content_tokens(word)]
        return any(covers_all(word, language, f"{p.title} {p.section} {p.text}", p.language,
                              self.lexicon)
                   for p in self.catalog.versions(pid) for word in words)

    def run(self, hits: list[_Hit], topic: str, language: str) -> list[_Hit]:
        """``hits`` with those naming ``topic`` first, each group in its order; unchanged
        without a topic."""
        if not topic:
            return hits
        first = {h.id for h in hits if self.names(topic, language, h.id)}
        return sorted(hits, key=lambda h: h.id not in first)  # stable: each group in order
