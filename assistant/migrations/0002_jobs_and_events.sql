-- Work shared by every API process: upload jobs claimed with FOR UPDATE SKIP LOCKED under a
-- lease (a worker killed mid-job leaves it to the next), and Slack event ids seen by any.
CREATE TABLE upload_jobs (
    id bigserial PRIMARY KEY,
    doc_id text NOT NULL,
    name text NOT NULL,
    body bytea NOT NULL,
    meta jsonb NOT NULL DEFAULT '{}'::jsonb,
    state text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    worker text,
    lease_until timestamptz,
    message text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX upload_jobs_waiting ON upload_jobs (id) WHERE state IN ('queued', 'running');

CREATE TABLE slack_events (
    event_id text PRIMARY KEY,
    seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX slack_events_seen_at ON slack_events (seen_at);
