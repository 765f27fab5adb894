"""The index on disk and in memory: FAISS vectors, chunk and document metadata in SQLite, and a
manifest.

An index directory holds immutable versions and a `current` symlink:

    index/current -> v20261123T010203-1a2b3c/
    index/v20261123T010203-1a2b3c/{vectors.faiss, meta.sqlite, manifest.json}

A save writes a new version beside the old one and then swaps the symlink with one rename, so
a reader sees either the old index or the new one, never a mix, and a build killed half-way
leaves the previous version in place. Writers take a file lock; readers take none.

`store` is the index in memory (`Store`), `snapshot` a version written and read back,
`folder` the versions, the lock and what a folder may hold, `records` the rows and JSON of
documents and chunks, `vector_index` the FAISS index.
"""

from __future__ import annotations

from assistant.library.folder import (
    LEXICAL,
    check_index_dir,
    current_version,
    index_exists,
    writer_lock,
)
from assistant.library.records import (
    DocumentRecord,
    UpdateStats,
    chunk_from_json,
    chunk_to_json,
    figures_from_json,
    figures_to_json,
)
from assistant.library.snapshot import FORMAT_VERSION
from assistant.library.store import Store
from assistant.library.vector_index import VectorIndex

__all__ = [
    "FORMAT_VERSION",
    "LEXICAL",
    "DocumentRecord",
    "Store",
    "UpdateStats",
    "VectorIndex",
    "check_index_dir",
    "chunk_from_json",
    "chunk_to_json",
    "current_version",
    "figures_from_json",
    "figures_to_json",
    "index_exists",
    "writer_lock",
]
