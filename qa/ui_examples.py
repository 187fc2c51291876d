"""The example questions under the chat box: read from ``QA_EXAMPLES`` (a .json list
or a text file of questions, one a line), else the seed collection's own examples
when the corpus is the default ``seeds/``, else none.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from qa.assistant import Assistant
from qa.config import PROJECT_ROOT
from qa.errors import ConfigError

# The seed collection's examples: shown when the corpus is the default seeds/ and
# QA_EXAMPLES is unset (another collection gets none unless configured).
SEED_EXAMPLES = [
    "Where did Tô Lâm and Tokayev hold talks?",
    "Tổng Bí thư Tô Lâm hội đàm với Tổng thống Kazakhstan ở đâu?",
    "When did Vietnam and Kazakhstan establish diplomatic relations?",
    "Việt Nam và New Zealand nâng cấp quan hệ lên mức nào?",
]
EXAMPLES = SEED_EXAMPLES  # the name earlier versions exported
MAX_EXAMPLES = 20  # more would push the chat box off screen


def load_examples(assistant: Assistant, env: dict | None = None) -> list[str]:
    """Example questions: from QA_EXAMPLES (a .json list of strings, or a text file with
    one question per line, '#' comments), else the seed examples for the default seeds/
    collection, else none."""
    env = os.environ if env is None else env
    value = (env.get("QA_EXAMPLES") or "").strip()
    if not value:
        corpus = Path(assistant.config.corpus_dir).resolve()
        defaults = {(PROJECT_ROOT / "seeds").resolve(),
                    (Path(__file__).resolve().parent / "seeds").resolve()}
        return list(SEED_EXAMPLES) if corpus in defaults else []
    path = Path(value).expanduser()
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"QA_EXAMPLES={value!r}: cannot read it ({exc}); give a .json list "
                          "of questions or a UTF-8 text file with one question per line") from exc
    if path.suffix.lower() == ".json":
        try:
            items = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"QA_EXAMPLES={value!r} is not valid JSON ({exc}); write a list "
                              'of strings, e.g. ["First question?", "Second?"]') from exc
        if not isinstance(items, list) or not all(isinstance(q, str) for q in items):
            raise ConfigError(f"QA_EXAMPLES={value!r} must hold a JSON list of strings")
    else:
        items = [line for line in raw.splitlines() if not line.lstrip().startswith("#")]
    questions = [" ".join(q.split()) for q in items if q.strip()]
    return questions[:MAX_EXAMPLES]
