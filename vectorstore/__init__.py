"""Vector storage for seedqa: Chroma, embedded on disk or as a `chroma run` server."""

from vectorstore.chroma import ChromaStore, collection_name, open_store

__all__ = ["ChromaStore", "collection_name", "open_store"]
