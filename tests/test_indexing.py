"""The indexing stage on the real model: a passage's sentence vectors come from the passage's
own pass, a table row's cells are embedded alone, an index made the older way is rebuilt
whole, and a recorded build says where its time went."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

from assistant.build_profile import recording, stage
from assistant.chunking import chunk_document, chunk_units
from assistant.indexing import SENTENCES, SENTENCES_ALONE, embed_chunks
from assistant.library import Store, current_version
from tests.conftest import SEEDS


def test_passage_sentences_are_pooled_and_table_cells_embedded_alone(
    encoder, transcript_doc, filing_doc
):
    passages = [c for c in chunk_document(transcript_doc) if len(chunk_units(c)) >= 3][:12]
    rows = [c for c in chunk_document(filing_doc) if c.kind == "table_row"][:12]
    assert len(passages) == 12 and len(rows) == 12
    chunks = passages + rows
    embedded = embed_chunks(chunks, range(len(chunks)), encoder)
    own_nearest = []
    for k, chunk in enumerate(chunks):
        vector, sentences = embedded[k]
        units = [text for text, _ in chunk_units(chunk)]
        assert sentences.shape == (len(units), encoder.dimension)
        np.testing.assert_allclose(np.linalg.norm(sentences, axis=1), 1.0, rtol=1e-4)
        np.testing.assert_allclose(vector, encoder.embed([chunk.embedding_text])[0], atol=1e-4)
        alone = encoder.embed(units)
        if chunk.kind == "table_row":
            np.testing.assert_allclose(sentences, alone, atol=1e-4)
        else:
            assert not np.allclose(sentences, alone, atol=1e-3)  # read in context
            own_nearest.extend((sentences @ alone.T).argmax(axis=1) == np.arange(len(units)))
    # In context, a sentence still reads as its own words far more often than as a neighbour's.
    print(f"pooled sentence nearest its own words: {np.mean(own_nearest):.2f}")
    assert np.mean(own_nearest) >= 0.75


def test_a_text_said_again_in_a_later_batch_is_not_embedded_again(encoder, transcript_doc):
    passages = [c for c in chunk_document(transcript_doc) if c.kind == "passage"][:3]
    again = replace(passages[0], chunk_id="again", lines=(900, 900))  # a later document's
    chunks = [*passages, again]
    embedded_texts: list[str] = []

    class Counting:
        dimension = encoder.dimension

        def embed_spans(self, texts, spans):
            embedded_texts.extend(texts)
            return encoder.embed_spans(texts, spans)

        def embed(self, texts):
            return encoder.embed(texts)

    out = embed_chunks(chunks, range(len(chunks)), Counting(), batch=2)
    assert len(embedded_texts) == 3  # the fourth chunk's text came in the first batch
    np.testing.assert_array_equal(out[3][0], out[0][0])
    np.testing.assert_array_equal(out[3][1], out[0][1])


def test_an_index_with_sentences_embedded_alone_is_rebuilt_whole(index_copy, assistant_on):
    store = Store.load(index_copy)
    assert store.sentences == SENTENCES
    manifest_path = current_version(index_copy) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["model"]["sentences"]  # as an index built before pooling was
    manifest_path.write_text(json.dumps(manifest))
    assert Store.load(index_copy).sentences == SENTENCES_ALONE

    rebuilt, stats = assistant_on(index_copy).build([SEEDS])
    assert stats.reused == 0 and stats.embedded == len(rebuilt.chunks)
    assert Store.load(index_copy).sentences == SENTENCES
    _, again = assistant_on(index_copy).build([SEEDS])
    assert again.embedded == 0  # now current: every vector reused


def test_a_recorded_build_names_its_stages(tmp_path, assistant_on):
    read: list[tuple[int, int]] = []
    with recording() as stages:
        store, _ = assistant_on(tmp_path).build([SEEDS], reading=lambda *a: read.append(a))
    assert read[-1] == (2, 2)
    assert {"parse", "chunk", "figures", "embed passages", "bm25", "write"} <= set(stages.cpu)
    assert stages.items["embed passages"] == len(store.chunks)
    # Embedding (passages, and the filing's table cells) is most of a build's CPU; the table
    # lists the stages by their share of the whole, largest first.
    embedding = stages.cpu["embed passages"] + stages.cpu["embed cells"]
    assert embedding > 0.5 * sum(stages.cpu.values())
    table = stages.table(len(store.chunks)).splitlines()
    assert table[1].split()[0] == "embed" and table[-1].split()[-2] == "100%"
    shares = [float(line.split()[-3].rstrip("%")) for line in table[1:-1]]
    assert shares == sorted(shares, reverse=True)
    with stage("not recorded"):
        pass
    assert "not recorded" not in stages.cpu


def test_many_files_are_read_in_order_with_each_ones_error(tmp_path):
    from assistant.errors import ParseError
    from assistant.ingest.many import MIN_FILES_FOR_PROCESSES, read_files

    files = []
    for k in range(MIN_FILES_FOR_PROCESSES + 2):
        path = tmp_path / f"note_{k}.md"
        path.write_text(f"# Note {k}\n\nRevenue was ${k + 1}.5 million in the quarter.\n")
        files.append(path)
    files.insert(3, tmp_path / "blank.txt")
    files[3].write_text("   \n")
    read = list(read_files(files))
    assert [path for path, _ in read] == files
    error = read[3][1]
    assert isinstance(error, ParseError) and "blank.txt" in str(error) and "empty" in str(error)
    docs = [doc for _, doc in read if not isinstance(doc, ParseError)]
    assert [d.doc_id for d in docs] == [p.stem for p in files if p.name != "blank.txt"]
    said = [" ".join(p.text for p in doc.paragraphs) for doc in docs]
    assert all(f"${k + 1}.5 million" in said[k] for k in range(len(docs)))
