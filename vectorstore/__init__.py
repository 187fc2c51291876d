"""Vector storage for seedqa: Chroma, embedded on disk or as a `chroma run` server."""

# qa first: vectorstore.chroma imports qa.errors, and qa's package import pulls
# vectorstore.chroma back in; loading qa first resolves the cycle in one order.
import qa  # noqa: F401, I001
from vectorstore.chroma import ChromaStore, collection_name, open_store

__all__ = ["ChromaStore", "collection_name", "open_store"]
