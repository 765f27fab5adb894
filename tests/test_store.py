"""The index on disk: FAISS against exact search, atomic saves, clear errors, incremental
changes that embed only what is new."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from assistant.documents import parse_file
from assistant.errors import (
    AssistantError,
    DocumentNotFound,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
)
from assistant.library import Store, VectorIndex, current_version
from tests.conftest import FIXTURES, ROOT, SEEDS

QUERIES = [
    "What was revenue in Q4 2024?",
    "second lien allowance for credit losses December 31, 2023",
    "When are loans placed on non-accrual status?",
    "第四季度的營業收入是多少?",
    "dividend per ADS",
]


def unit_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_faiss_top_k_agrees_with_exact_numpy(kind):
    data = unit_vectors(2000, 64, 1)
    queries = unit_vectors(50, 64, 2)
    index = VectorIndex.build(data, 64, ann_threshold=10**9 if kind == "flat" else 0)
    assert index.kind == kind
    recall = []
    for q in queries:
        ids, scores = index.search(q, 10)
        exact = np.argsort(-(data @ q))[:10]
        np.testing.assert_allclose(scores, np.sort(data @ q)[::-1][: len(scores)], rtol=1e-4)
        recall.append(len(set(ids) & set(exact)) / 10)
        if kind == "flat":
            assert list(ids) == list(exact)
    assert np.mean(recall) >= (1.0 if kind == "flat" else 0.95)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_filtered_search_returns_only_allowed_rows(kind):
    data = unit_vectors(500, 32, 3)
    index = VectorIndex.build(data, 32, ann_threshold=10**9 if kind == "flat" else 0)
    allowed = np.arange(0, 500, 7)
    ids, _ = index.search(data[14], 5, allowed)
    assert set(ids) <= set(allowed)
    assert ids[0] == 14


def test_save_and_load_round_trip(seed_index):
    store = Store.load(seed_index, "all-MiniLM-L6-v2", 384)
    again = Store.load(seed_index)
    assert [c.chunk_id for c in store.chunks] == [c.chunk_id for c in again.chunks]
    assert store.chunks[5] == again.chunks[5]
    assert set(store.documents) == {"000_71abd0ac3770a833", "003_a308b794af7827e1"}
    assert store.documents["003_a308b794af7827e1"].company == "CNFinance Holdings"
    manifest = store.manifest
    assert manifest["model"] == {
        "name": "all-MiniLM-L6-v2",
        "dimension": 384,
        "encoders": ["onnx-int8"],
        "sentences": "pooled",
    }
    assert manifest["chunk_count"] == len(store.chunks) == store.vectors.count
    assert manifest["index"]["type"] == "flat"
    assert manifest["chunking"] == {"max_chars": 900, "min_chars": 160}
    assert {d["doc_id"] for d in manifest["documents"]} == set(store.documents)
    assert len(store.sentence_vectors) == store.sentence_offsets[-1] > len(store.chunks)
    norms = np.linalg.norm(store.vectors.vectors(), axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-4)


def test_a_different_model_is_a_clear_error(seed_index):
    with pytest.raises(IndexMismatch, match="built with model all-MiniLM-L6-v2, not e5-large") as e:
        Store.load(seed_index, "e5-large")
    assert "assistant build" in str(e.value)
    with pytest.raises(IndexMismatch, match="384-dimension vectors; the model gives 768"):
        Store.load(seed_index, None, 768)


def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexNotFound, match=r"no index at .* \(run `assistant build` to create"):
        Store.load(tmp_path / "nothing")


def test_corrupt_index_says_what_to_run(index_copy):
    vectors = current_version(index_copy) / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])
    with pytest.raises(IndexCorrupt, match=r"is damaged.*rebuild it with `assistant build`"):
        Store.load(index_copy)


def test_a_crash_while_saving_keeps_the_previous_index(index_copy, monkeypatch, encoder):
    before = Store.load(index_copy)
    doc = parse_file(FIXTURES / "news_call.txt")
    bigger, _ = before.with_documents([doc], encoder)

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "rename", crash)
    with pytest.raises(OSError, match="disk full"):
        bigger.save(index_copy)
    monkeypatch.undo()
    after = Store.load(index_copy)
    assert set(after.documents) == set(before.documents)
    assert not [p for p in index_copy.iterdir() if p.name.startswith(".build-")]


def test_ctrl_c_while_embedding_keeps_the_previous_index(index_copy, assistant_on, encoder):
    class Interrupting:
        name, dimension = encoder.name, encoder.dimension

        def __init__(self):
            self.calls = 0

        def embed(self, texts):
            self._interrupt_first()
            return encoder.embed(texts)

        def embed_spans(self, texts, spans):
            self._interrupt_first()
            return encoder.embed_spans(texts, spans)

        def _interrupt_first(self):
            self.calls += 1
            if self.calls == 1:
                raise KeyboardInterrupt

    assistant = assistant_on(index_copy)
    assistant._encoder = Interrupting()
    with pytest.raises(KeyboardInterrupt):
        assistant.build([SEEDS, FIXTURES / "news_call.txt", FIXTURES / "wire_call.txt"])
    store = Store.load(index_copy)
    assert set(store.documents) == {"000_71abd0ac3770a833", "003_a308b794af7827e1"}


def test_a_killed_build_process_leaves_a_loadable_index(index_copy):
    """A real `assistant build` process, killed with SIGKILL while it works."""
    before = Store.load(index_copy)
    env = {**os.environ, "ASSISTANT_INDEX": str(index_copy), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "build", str(SEEDS), str(FIXTURES)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.startswith(".build-") for p in index_copy.iterdir()):
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = Store.load(index_copy)
    assert set(after.documents) in (
        set(before.documents),
        set(before.documents) | {"news_call", "wire_call", "notes"},
    )
    assert after.vectors.count == len(after.chunks)


def test_add_then_remove_embeds_only_the_new_document_and_restores_results(
    index_copy, assistant_on
):
    assistant = assistant_on(index_copy)
    before = {
        q: [(r.chunk.chunk_id, round(r.hit.score, 9)) for r in assistant.search(q, 5)]
        for q in QUERIES
    }
    old = Store.load(index_copy)
    _, stats = assistant.add(FIXTURES / "wire_call.txt")
    new = Store.load(index_copy)
    new_chunks = [c for c in new.chunks if c.doc_id == "wire_call"]
    assert stats.embedded == len(new_chunks) > 0
    assert stats.reused == 0
    # the seeds' vectors are the same bytes as before: nothing else was re-embedded
    rows_old = {c.chunk_id: k for k, c in enumerate(old.chunks)}
    for k, chunk in enumerate(new.chunks):
        if chunk.doc_id != "wire_call":
            np.testing.assert_array_equal(
                new.vectors.vectors()[k], old.vectors.vectors()[rows_old[chunk.chunk_id]]
            )
    assistant.remove("wire_call")
    after = {
        q: [(r.chunk.chunk_id, round(r.hit.score, 9)) for r in assistant.search(q, 5)]
        for q in QUERIES
    }
    assert after == before


def test_adding_the_same_file_again_replaces_it_and_reuses_vectors(index_copy, assistant_on):
    assistant = assistant_on(index_copy)
    _, first = assistant.add(FIXTURES / "news_call.txt")
    _, second = assistant.add(FIXTURES / "news_call.txt")
    assert first.embedded > 0
    assert (second.embedded, second.reused) == (0, first.embedded)
    store = Store.load(index_copy)
    assert sum(1 for c in store.chunks if c.doc_id == "news_call") == first.embedded


def test_removing_an_unknown_document(index_copy, assistant_on):
    with pytest.raises(DocumentNotFound, match="no document 'nope'"):
        assistant_on(index_copy).remove("nope")


def test_searches_during_add_never_see_a_half_written_index(index_copy, assistant_on):
    writer = assistant_on(index_copy)
    errors: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        reader = assistant_on(index_copy)
        while not stop.is_set():
            try:
                store = Store.load(index_copy)
                assert store.vectors.count == len(store.chunks)
                assert len(store.sentence_offsets) == len(store.chunks) + 1
                seen.add(len(store.documents))
                assert reader.search("What was revenue in Q4 2024?", 3)
            except BaseException as error:  # collected for the assertion below
                errors.append(error)
                return

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for _ in range(3):
        writer.add(FIXTURES / "news_call.txt")
        writer.remove("news_call")
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert seen <= {2, 3}
    leftovers = [p.name for p in index_copy.iterdir() if p.is_dir() and not p.is_symlink()]
    assert len(leftovers) <= 2  # the current version and the one it replaced


def test_build_reuses_vectors_of_unchanged_chunks(index_copy, assistant_on):
    assistant = assistant_on(index_copy)
    _, stats = assistant.build([SEEDS])
    assert stats.embedded == 0
    assert stats.reused == len(Store.load(index_copy).chunks)
    shutil.rmtree(index_copy)
    _, fresh = assistant.build([SEEDS])
    assert fresh.embedded == stats.reused


def test_saving_prunes_only_what_the_store_wrote(index_copy, assistant_on):
    """An index folder shared with other things keeps them: only old versions, abandoned
    builds and dangling swap links go."""
    for name in ("vendor", "venv", "videos", "v2"):
        (index_copy / name).mkdir()
        (index_copy / name / "keep.txt").write_text("mine")
    lookalike = index_copy / "v20200101T000000-abcdef"  # a version's name, not a version
    lookalike.mkdir()
    (index_copy / ".build-abandoned").mkdir()
    os.symlink("nowhere", index_copy / ".current-dangling")
    writer = assistant_on(index_copy)
    writer.add(FIXTURES / "news_call.txt")
    writer.remove("news_call")
    names = {p.name for p in index_copy.iterdir()}
    assert {"vendor", "venv", "videos", "v2", lookalike.name} <= names
    assert all((index_copy / n / "keep.txt").read_text() == "mine" for n in ("vendor", "v2"))
    assert ".build-abandoned" not in names and ".current-dangling" not in names
    versions = [n for n in names if n.startswith("v2026") or n.startswith("v2027")]
    assert len(versions) <= 2


def test_building_into_a_folder_of_other_files_needs_force(tmp_path, assistant_on):
    folder = tmp_path / "work"
    (folder / "notes").mkdir(parents=True)
    (folder / "report.xlsx").write_bytes(b"x")
    with pytest.raises(AssistantError, match="not an index and is not empty"):
        assistant_on(folder).build([FIXTURES / "news_call.txt"])
    assert sorted(p.name for p in folder.iterdir()) == ["notes", "report.xlsx"]
    store, _ = assistant_on(folder).build([FIXTURES / "news_call.txt"], force=True)
    assert len(store.documents) == 1
    assert {"notes", "report.xlsx", "current"} <= {p.name for p in folder.iterdir()}


@pytest.mark.slow
def test_the_first_serve_builds_the_seed_index_beside_the_projects_index_readme(tmp_path):
    """A fresh clone's index/ holds only its README: `assistant serve` (what `make serve`
    runs) builds the seed index there and answers, and the README stays."""
    import httpx

    from benchmarks.serving import Server

    index = tmp_path / "index"
    index.mkdir()
    shutil.copy(ROOT / "index" / "README.md", index / "README.md")
    server = Server(index, tmp_path / "server.log")
    try:
        server.wait_ready(timeout_s=240)
        answer = httpx.post(
            f"{server.url}/v1/ask", json={"question": "What was Q4 net income?"}, timeout=60
        ).json()
        assert answer["found"] and answer["citations"]
    finally:
        server.stop()
    assert (index / "README.md").read_text(encoding="utf-8").startswith("# index/")
    assert (index / "current").is_symlink()


def test_a_readme_beside_other_files_is_still_a_folder_of_other_files(tmp_path, assistant_on):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "README.md").write_text("my project\n")
    (folder / "data.csv").write_text("a,b\n")
    with pytest.raises(AssistantError, match=r"not an index and is not empty \(data.csv\)"):
        assistant_on(folder).build([FIXTURES / "news_call.txt"])
