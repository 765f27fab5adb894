-- The library: documents, their chunks (text, figures, the tokenizer's terms for BM25, the
-- sentence vectors) and one row whose version every change bumps, so each API process
-- knows when to read it again. Chunk vectors stay in chunk_vectors, keyed by the same id.
CREATE TABLE library (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version bigint NOT NULL DEFAULT 0,
    model text,
    dimension integer,
    chunking jsonb,
    encoders jsonb NOT NULL DEFAULT '[]'::jsonb,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO library DEFAULT VALUES;

CREATE TABLE documents (
    doc_id text PRIMARY KEY,
    seq bigserial UNIQUE,
    company text,
    ticker text,
    period text,
    doc_type text NOT NULL,
    record jsonb NOT NULL
);
CREATE INDEX documents_company ON documents (company);
CREATE INDEX documents_ticker ON documents (ticker);
CREATE INDEX documents_period ON documents (period);

CREATE TABLE chunks (
    id bigint PRIMARY KEY,
    seq bigserial UNIQUE,
    doc_id text NOT NULL REFERENCES documents (doc_id) ON DELETE CASCADE,
    kind text NOT NULL,
    speaker text,
    role text,
    content_hash text NOT NULL,
    body text NOT NULL,
    figures text NOT NULL,
    terms text[] NOT NULL,
    sentences bytea NOT NULL
);
CREATE INDEX chunks_doc ON chunks (doc_id);
CREATE INDEX chunks_content_hash ON chunks (content_hash);
CREATE INDEX chunks_role ON chunks (role);

-- An upload's progress as the file board reports it (parsing, embedding; a share done) and
-- the warnings its parse gave.
ALTER TABLE upload_jobs
    ADD COLUMN stage text,
    ADD COLUMN progress real NOT NULL DEFAULT 0,
    ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]'::jsonb;
CREATE INDEX upload_jobs_doc ON upload_jobs (doc_id);
