"""Every error seedqa raises: one base class, and each message says how to fix it.

A leaf module (it imports nothing): ``vectorstore`` raises these too without
depending on the rest of ``qa``.
"""

from __future__ import annotations


class QAError(Exception):
    """Base of all seedqa errors; catch this to handle any of them."""


class ConfigError(QAError, ValueError):
    """A setting or argument is invalid."""


class CorpusError(QAError):
    """The document folder cannot be read or holds nothing usable."""


class EmbedderError(QAError):
    """The embedding backend failed or is misconfigured."""


class EmbedderMismatch(QAError):
    """The index was built by another embedder than the one configured."""


class StoreError(QAError):
    """The Chroma store is unreachable or damaged."""


class StoreFull(StoreError):
    """The disk holding the store is full or read-only: writes fail, reads still work."""


class LLMError(QAError):
    """The language-model server failed (auth, rate limit, outage, timeout)."""


class QuestionError(QAError, ValueError):
    """The question cannot be answered as given (empty, too long, ...)."""


class CitationNotFound(QAError, KeyError):
    """No paragraph has this id."""

    def __str__(self) -> str:
        # KeyError.__str__ would repr() the message, wrapping it in quotes.
        return str(self.args[0]) if self.args else "citation not found"


class CalibrationError(QAError):
    """Fitted model parameters (qa/scoring.json) are missing, damaged or stale."""
