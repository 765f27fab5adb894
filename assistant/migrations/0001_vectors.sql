-- Chunk vectors for the shipped model (all-MiniLM-L6-v2: 384 dimensions), searched by inner
-- product (the vectors are L2-normalised, so it is cosine similarity).
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE chunk_vectors (
    id bigint PRIMARY KEY,
    embedding vector(384) NOT NULL
);
