"""The BM25 postings saved with the index: loaded by memory map, equal to a fresh build, and
derived for a new snapshot from the old postings plus the new documents only."""

from __future__ import annotations

import shutil

import numpy as np

from assistant.library import LEXICAL, Store, current_version
from assistant.text.lexical import BM25, chunk_lexical_text, tokenize

QUERIES = [
    [("revenu", 1.0), ("q4", 0.5)],
    [("allow", 1.0), ("credit", 1.0), ("loss", 1.0)],
    [("dividend", 1.0), ("nonexistentterm", 1.0)],
    [("營業", 1.0)],
]


def assert_same_ranking(a: BM25, b: BM25) -> None:
    assert a.size == b.size and a.vocab.keys() == b.vocab.keys()
    for query in QUERIES:
        np.testing.assert_allclose(a.scores(query), b.scores(query), rtol=1e-5, atol=1e-6)
    for term in ("revenu", "loss", "q4"):
        assert abs(a.idf_of(term) - b.idf_of(term)) < 1e-6
        assert abs(a.document_share(term) - b.document_share(term)) < 1e-9


def fresh(store: Store) -> BM25:
    return BM25([tokenize(chunk_lexical_text(c)) for c in store.chunks])


def test_the_saved_postings_load_by_memory_map_and_equal_a_fresh_build(seed_index):
    store = Store.load(seed_index)
    folder = current_version(seed_index) / LEXICAL
    assert (folder / "vocab.json").exists() and not list(folder.glob("*.pkl"))
    loaded = store.lexical()
    assert isinstance(loaded.doc_ids, np.memmap) and isinstance(loaded.weights, np.memmap)
    assert_same_ranking(loaded, fresh(store))


def test_a_new_snapshot_derives_its_postings_without_retokenizing_the_rest(
    seed_index, assistant_on, index_copy, filing_doc
):
    assistant = assistant_on(index_copy)
    before = assistant.store
    removed = before.without_document(filing_doc.doc_id)
    assert_same_ranking(removed.lexical(), fresh(removed))
    again, stats = removed.with_documents([filing_doc], assistant.encoder, reuse=before)
    assert stats.embedded == 0  # vectors reused by content hash
    assert_same_ranking(again.lexical(), fresh(again))


def test_an_index_saved_without_postings_builds_them_on_load(seed_index, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(seed_index, copy, symlinks=True)
    shutil.rmtree(current_version(copy) / LEXICAL)
    store = Store.load(copy)
    assert_same_ranking(store.lexical(), fresh(store))
