"""Vector backends behind one small contract (`VectorBackend`): exact numpy (the reference),
FAISS (the embedded default) and pgvector (a shared PostgreSQL). One conformance suite in
`tests/test_vector_backends.py` runs against all of them."""

from assistant.vectors.base import VectorBackend, normalised
from assistant.vectors.exact import ExactBackend
from assistant.vectors.faiss_index import FaissBackend

__all__ = ["ExactBackend", "FaissBackend", "VectorBackend", "normalised"]
