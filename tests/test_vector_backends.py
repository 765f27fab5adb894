"""One conformance suite for every vector backend: exact numpy (the reference), FAISS flat and
HNSW, and pgvector exact and HNSW on a real PostgreSQL server started for the session."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.vectors import ExactBackend, FaissBackend
from assistant.vectors.base import NO_ID

DIM = 384
EXACT_KINDS = ["exact", "faiss-flat", "pgvector"]
ANN_KINDS = ["faiss-hnsw", "pgvector-hnsw"]


class Backends:
    """Makes a backend of one kind, and a second one on the same stored data."""

    def __init__(self, kind: str, tmp_path, request) -> None:
        self.kind, self.tmp_path, self.request = kind, tmp_path, request
        self.url = None

    def make(self, ann_later: bool = False):
        """`ann_later`: a pgvector HNSW index is built after the data is in (a bulk build is
        faster than growing the graph row by row); call `ready` after adding."""
        if self.kind == "exact":
            return ExactBackend(DIM)
        if self.kind.startswith("faiss"):
            return FaissBackend(DIM, hnsw=self.kind.endswith("hnsw"))
        from assistant.database import migrate
        from assistant.vectors.pgvector import PgVectorBackend

        self.url = self.request.getfixturevalue("database_url")
        migrate(self.url)
        backend = PgVectorBackend(self.url)
        self.request.addfinalizer(backend.close)
        if self.kind.endswith("hnsw") and not ann_later:
            assert backend.ensure_ann(threshold=-1) and backend.has_ann()
        return backend

    def ready(self, backend) -> None:
        if self.kind == "pgvector-hnsw":
            assert backend.ensure_ann(threshold=-1) and backend.has_ann()

    def reopened(self, backend):
        """The same stored vectors read back: from files, or by a new connection."""
        if isinstance(backend, ExactBackend):
            backend.save(self.tmp_path / "exact.npz")
            return ExactBackend.load(self.tmp_path / "exact.npz")
        if isinstance(backend, FaissBackend):
            backend.save(self.tmp_path / "faiss")
            return FaissBackend.load(self.tmp_path / "faiss")
        from assistant.vectors.pgvector import PgVectorBackend

        again = PgVectorBackend(self.url)
        self.request.addfinalizer(again.close)
        return again


@pytest.fixture(params=EXACT_KINDS + ANN_KINDS)
def backends(request, tmp_path):
    return Backends(request.param, tmp_path, request)


@pytest.fixture(params=EXACT_KINDS)
def exact_backends(request, tmp_path):
    return Backends(request.param, tmp_path, request)


@pytest.fixture(params=ANN_KINDS)
def ann_backends(request, tmp_path):
    return Backends(request.param, tmp_path, request)


def clustered(n: int, seed: int, clusters: int = 40) -> np.ndarray:
    """Unit vectors around a few centres, as embeddings of similar passages are."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, DIM))
    vectors = centres[rng.integers(0, clusters, n)] + 0.6 * rng.normal(size=(n, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def random_ids(n: int, seed: int) -> np.ndarray:
    """Large, unordered ids, as content-derived chunk ids are."""
    return np.random.default_rng(seed).choice(2**62, size=n, replace=False).astype(np.int64)


def test_exact_search_matches_the_reference(exact_backends):
    ids, vectors = random_ids(1500, 1), clustered(1500, 2)
    queries = clustered(20, 3)
    reference, backend = ExactBackend(DIM), exact_backends.make()
    for b in (reference, backend):
        b.add(ids, vectors)
    want_ids, want_scores = reference.search(queries, 10)
    got_ids, got_scores = backend.search(queries, 10)
    assert (got_ids == want_ids).all()
    np.testing.assert_allclose(got_scores, want_scores, atol=1e-5)

    where = ids[::7]
    want_ids, want_scores = reference.search(queries, 10, where=where)
    got_ids, got_scores = backend.search(queries, 10, where=where)
    assert (got_ids == want_ids).all()
    assert set(got_ids.ravel()) <= set(where)
    np.testing.assert_allclose(got_scores, want_scores, atol=1e-5)


def test_real_embeddings_rank_the_same_as_the_reference(exact_backends, encoder, transcript_doc):
    paragraphs = transcript_doc.paragraphs
    sentences = [s for p in paragraphs for s in p.text.split(". ") if len(s) > 40][:150]
    vectors = encoder.embed(sentences)
    ids = random_ids(len(sentences), 4)
    queries = encoder.embed(["What was net income?", "How many stores were added?"])
    reference, backend = ExactBackend(DIM), exact_backends.make()
    for b in (reference, backend):
        b.add(ids, vectors)
    assert (backend.search(queries, 5)[0] == reference.search(queries, 5)[0]).all()


def test_ann_recall_is_at_least_095(ann_backends):
    ids, vectors = random_ids(5000, 5), clustered(5000, 6)
    queries = clustered(50, 7)
    reference, backend = ExactBackend(DIM), ann_backends.make(ann_later=True)
    for b in (reference, backend):
        b.add(ids, vectors)
    ann_backends.ready(backend)
    want = reference.search(queries, 10)[0]
    got = backend.search(queries, 10)[0]
    recall = np.mean([len(set(g) & set(w)) / 10 for g, w in zip(got, want, strict=True)])
    assert recall >= 0.95, recall


def test_add_replaces_an_id_and_delete_forgets_it(backends):
    backend = backends.make()
    ids, vectors = random_ids(300, 8), clustered(300, 9)
    backend.add(ids, vectors)
    assert backend.count() == 300

    moved = clustered(1, 10)
    backend.add(ids[:1], moved)
    assert backend.count() == 300
    top_ids, top_scores = backend.search(moved, 1)
    assert top_ids[0, 0] == ids[0] and top_scores[0, 0] == pytest.approx(1.0, abs=1e-5)

    backend.delete(ids[:100])
    backend.delete(np.array([12345], dtype=np.int64))  # never stored: ignored
    assert backend.count() == 200
    found = backend.search(vectors[:100], 20)[0]
    assert not set(found.ravel()) & set(ids[:100].tolist())
    assert (backend.ids() == np.sort(ids[100:])).all()


def test_filters_and_short_results(backends):
    backend = backends.make()
    ids, vectors = random_ids(200, 11), clustered(200, 12)
    backend.add(ids, vectors)
    backend.delete(ids[:10])

    where = np.concatenate([ids[5:15], np.array([999], dtype=np.int64)])  # deleted, unknown
    got_ids, got_scores = backend.search(vectors[20:22], 8, where=where)
    assert set(got_ids[got_ids != NO_ID].tolist()) == set(ids[10:15].tolist())
    assert (got_ids[:, 5:] == NO_ID).all() and np.isneginf(got_scores[:, 5:]).all()

    none_ids, _ = backend.search(vectors[:1], 5, where=np.zeros(0, dtype=np.int64))
    assert (none_ids == NO_ID).all()
    all_ids, _ = backend.search(vectors[:1], 500)
    assert (all_ids[0] != NO_ID).sum() == 190


def test_ids_and_results_survive_a_reload(backends):
    backend = backends.make()
    ids, vectors = random_ids(400, 13), clustered(400, 14)
    backend.add(ids, vectors)
    backend.delete(ids[::3])
    queries = clustered(10, 15)
    before = backend.search(queries, 10)
    again = backends.reopened(backend)
    assert (again.ids() == backend.ids()).all()
    after = again.search(queries, 10)
    assert (after[0] == before[0]).all()
    np.testing.assert_allclose(after[1], before[1], atol=1e-6)


def test_bad_input_is_refused(backends):
    backend = backends.make()
    with pytest.raises(ValueError, match="ids for"):
        backend.add(np.arange(3), clustered(2, 16))
    with pytest.raises(ValueError, match="repeat"):
        backend.add(np.array([1, 1]), clustered(2, 17))
    with pytest.raises(ValueError, match="non-negative"):
        backend.add(np.array([-4]), clustered(1, 18))
    assert backend.count() == 0


def test_hnsw_graph_is_rebuilt_once_a_quarter_is_deleted():
    backend = FaissBackend(DIM, hnsw=True)
    ids, vectors = random_ids(1000, 19), clustered(1000, 20)
    backend.add(ids, vectors)
    backend.delete(ids[:200])
    assert backend._index.ntotal == 1000  # skipped, not yet removed
    backend.delete(ids[200:300])
    assert backend._index.ntotal == 700 and backend.count() == 700
    top = backend.search(vectors[300:310], 1)[0][:, 0]
    assert (top == ids[300:310]).all()


# The index folder's own FAISS code (library/vector_index.py, what a built index searches)
# against the same reference: its ids are row numbers.
@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_the_index_folder_s_faiss_search_keeps_the_contract(kind, tmp_path):
    from assistant.library import VectorIndex

    vectors, queries = clustered(3000, 11), clustered(30, 12)
    rows = np.arange(len(vectors), dtype=np.int64)
    reference = ExactBackend(DIM)
    reference.add(rows, vectors)
    index = VectorIndex.build(vectors, DIM, ann_threshold=0 if kind == "hnsw" else len(vectors))
    assert index.kind == kind and index.count == len(vectors)
    index.save(tmp_path / "vectors.faiss")
    reopened = VectorIndex.load(tmp_path / "vectors.faiss")
    allowed = rows[::5]
    for where in (None, allowed):
        want = reference.search(queries, 10, where=where)[0]
        for searched in (index, reopened):
            got = [searched.search(q, 10, where)[0] for q in queries]
            assert all(len(g) == 10 for g in got)
            if where is not None:
                assert set(np.concatenate(got)) <= set(allowed.tolist())
            recall = np.mean([len(set(g) & set(w)) / 10 for g, w in zip(got, want, strict=True)])
            assert recall == 1.0 if kind == "flat" else recall >= 0.95, recall
    np.testing.assert_allclose(reopened.vectors(), vectors, atol=1e-6)
