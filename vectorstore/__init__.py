"""Vector storage for seedqa: Chroma, embedded on disk or as a `chroma run` server.

Imports nothing from ``qa`` but its leaf module ``qa.errors``; ``qa`` uses the store
through the ``VectorStore`` protocol in ``qa.store``. chromadb is imported on first
use (it takes about a second), so ``import qa`` stays cheap.
"""

__all__ = ["ChromaStore", "collection_name", "open_store"]


def __getattr__(name: str):
    if name in __all__:
        from vectorstore import chroma

        return getattr(chroma, name)
    raise AttributeError(name)
