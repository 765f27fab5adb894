"""pgvector: the chunk vectors in a PostgreSQL table that every API process shares.

Small tables are searched exactly (a sequential scan is fast below ~100,000 rows). Past
`ANN_THRESHOLD` rows `ensure_ann` builds an HNSW index (inner product), and searches without
a filter use it; a filtered search over up to `EXACT_FILTER_SIZE` ids stays exact, because
HNSW filters after it walks the graph and would return fewer than k.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from assistant.vectors.base import as_ids, checked, empty_result, normalised

if TYPE_CHECKING:
    import psycopg

ANN_THRESHOLD = 100_000
EXACT_FILTER_SIZE = 20_000
# pgvector draws HNSW levels at random, so recall varies between builds; at 128 the
# conformance data's recall@10 ran 0.944-0.976 over nine builds, at 200 it ran 0.986-0.992.
HNSW_EF_SEARCH = 200
ANN_BUILD_MEMORY = "1GB"
TABLE = "chunk_vectors"
DIMENSION = 384  # the column's type, set by migration 0001 for the shipped model


def open_connection(url: str) -> psycopg.Connection:
    """An autocommit connection that sends and reads vectors as numpy arrays, in binary."""
    from pgvector.psycopg import register_vector

    from assistant.database import connect

    conn = connect(url, autocommit=True)
    register_vector(conn)
    return conn


def write_vectors(conn: psycopg.Connection, ids: np.ndarray, vectors: np.ndarray) -> None:
    """Replace the vectors of `ids`, inside the caller's transaction."""
    conn.execute(f"DELETE FROM {TABLE} WHERE id = ANY(%s)", (ids.tolist(),))
    with (
        conn.cursor() as cur,
        cur.copy(f"COPY {TABLE} (id, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy,
    ):
        copy.set_types(["int8", "vector"])
        for i, vector in zip(ids.tolist(), vectors, strict=True):
            copy.write_row((i, vector))


class PgVectorBackend:
    def __init__(self, url: str, dimension: int = DIMENSION) -> None:
        if dimension != DIMENSION:
            raise ValueError(f"the database holds {DIMENSION}-dimensional vectors, not {dimension}")
        # Autocommit: each change is one explicit transaction, each read sees the latest.
        self.conn: psycopg.Connection = open_connection(url)
        self.dimension = dimension
        self._has_ann: bool | None = None  # read once: the index is only ever added

    def close(self) -> None:
        self.conn.close()

    def add(self, ids, vectors) -> None:
        ids, vectors = checked(ids, vectors, self.dimension)
        if len(ids) == 0:
            return
        with self.conn.transaction():
            write_vectors(self.conn, ids, vectors)

    def delete(self, ids) -> None:
        with self.conn.transaction():
            self.conn.execute(f"DELETE FROM {TABLE} WHERE id = ANY(%s)", (as_ids(ids).tolist(),))

    def search(self, queries, k: int, where=None) -> tuple[np.ndarray, np.ndarray]:
        queries = normalised(queries, self.dimension)
        out_ids, out_scores = empty_result(len(queries), k)
        if k <= 0:
            return out_ids, out_scores
        allowed = None if where is None else as_ids(where).tolist()
        exact = allowed is not None and len(allowed) <= EXACT_FILTER_SIZE
        with self.conn.transaction():
            if exact:
                self.conn.execute("SET LOCAL enable_indexscan = off")
            else:
                self.conn.execute(f"SET LOCAL hnsw.ef_search = {max(HNSW_EF_SEARCH, k)}")
            # Exact search breaks ties by id; the HNSW index serves only ORDER BY distance.
            order = "embedding <#> %s" if not exact and self.has_ann() else "embedding <#> %s, id"
            for q, query in enumerate(queries):
                if allowed is None:
                    sql = f"SELECT id, -(embedding <#> %s) FROM {TABLE} ORDER BY {order} LIMIT %s"
                    params: tuple = (query, query, k)
                else:
                    sql = (
                        f"SELECT id, -(embedding <#> %s) FROM {TABLE}"
                        f" WHERE id = ANY(%s) ORDER BY {order} LIMIT %s"
                    )
                    params = (query, allowed, query, k)
                rows = self.conn.execute(sql, params).fetchall()
                for place, (i, score) in enumerate(rows):
                    out_ids[q, place], out_scores[q, place] = i, score
        return out_ids, out_scores

    def count(self) -> int:
        row = self.conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()
        return int(row[0]) if row else 0

    def ids(self) -> np.ndarray:
        rows = self.conn.execute(f"SELECT id FROM {TABLE} ORDER BY id").fetchall()
        return np.asarray([r[0] for r in rows], dtype=np.int64)

    def ensure_ann(self, threshold: int = ANN_THRESHOLD) -> bool:
        """Build the HNSW index once the table passes `threshold` rows; True when it exists."""
        if self.has_ann():
            return True
        if self.count() <= threshold:
            return False
        with self.conn.transaction():
            # The graph built in memory is several times faster than one spilled to disk.
            self.conn.execute(f"SET LOCAL maintenance_work_mem = '{ANN_BUILD_MEMORY}'")
            self.conn.execute(
                f"CREATE INDEX IF NOT EXISTS {TABLE}_hnsw ON {TABLE}"
                " USING hnsw (embedding vector_ip_ops) WITH (m = 32, ef_construction = 160)"
            )
        self._has_ann = True
        return True

    def has_ann(self) -> bool:
        if self._has_ann is None:
            row = self.conn.execute(
                "SELECT count(*) FROM pg_indexes WHERE tablename = %s AND indexname = %s",
                (TABLE, f"{TABLE}_hnsw"),
            ).fetchone()
            self._has_ann = bool(row and row[0])
        return self._has_ann
