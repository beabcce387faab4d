-- Control plane: one row per pipeline run, one per feed load, the incremental cursor per feed, rejected records.

CREATE TABLE citypipe.runs (
    run_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pipeline     text        NOT NULL,
    kind         text        NOT NULL DEFAULT 'run'
                 CHECK (kind IN ('run', 'ingest', 'transform', 'backfill')),
    status       text        NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'succeeded', 'failed', 'partial', 'aborted')),
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    host         text,
    pid          integer,
    arguments    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    error        text,
    CHECK (finished_at IS NULL OR finished_at >= started_at)
);
CREATE INDEX runs_started_at ON citypipe.runs (started_at DESC);
COMMENT ON TABLE citypipe.runs IS 'One row per citypipe run/ingest/transform/backfill invocation.';

CREATE TABLE citypipe.feed_runs (
    feed_run_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id         bigint      NOT NULL REFERENCES citypipe.runs (run_id) ON DELETE CASCADE,
    feed           text        NOT NULL,
    status         text        NOT NULL DEFAULT 'running'
                   CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
    window_from    timestamptz,
    window_to      timestamptz,
    cursor_before  text,
    cursor_after   text,
    rows_in        bigint      NOT NULL DEFAULT 0 CHECK (rows_in >= 0),
    rows_staged    bigint      NOT NULL DEFAULT 0 CHECK (rows_staged >= 0),
    rows_unchanged bigint      NOT NULL DEFAULT 0 CHECK (rows_unchanged >= 0),
    rows_deleted   bigint      NOT NULL DEFAULT 0 CHECK (rows_deleted >= 0),
    rows_rejected  bigint      NOT NULL DEFAULT 0 CHECK (rows_rejected >= 0),
    bytes_in       bigint      NOT NULL DEFAULT 0 CHECK (bytes_in >= 0),
    requests       integer     NOT NULL DEFAULT 0,
    retries        integer     NOT NULL DEFAULT 0,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    duration       interval GENERATED ALWAYS AS (finished_at - started_at) STORED,
    error          text,
    CHECK (window_to IS NULL OR window_from IS NULL OR window_to >= window_from)
);
CREATE INDEX feed_runs_feed_started ON citypipe.feed_runs (feed, started_at DESC);
CREATE INDEX feed_runs_run ON citypipe.feed_runs (run_id);
COMMENT ON TABLE citypipe.feed_runs IS 'One row per feed load: rows in/staged/rejected, bytes, window, status, error (never personal values).';

CREATE TABLE citypipe.feed_state (
    feed            text PRIMARY KEY,
    cursor_field    text,
    cursor_value    text,
    last_run_id     bigint REFERENCES citypipe.runs (run_id) ON DELETE SET NULL,
    last_success_at timestamptz,
    manifest_hash   text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE citypipe.feed_state IS 'Incremental cursor per feed; moved only in the transaction that stages the rows it covers.';

CREATE TABLE citypipe.rejects (
    reject_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          bigint      REFERENCES citypipe.runs (run_id) ON DELETE CASCADE,
    feed_run_id     bigint      REFERENCES citypipe.feed_runs (feed_run_id) ON DELETE CASCADE,
    feed            text        NOT NULL,
    stage           text        NOT NULL DEFAULT 'ingest' CHECK (stage IN ('ingest', 'transform')),
    position        bigint,
    record_key_hash text,
    field           text,
    reason          text        NOT NULL,
    raw             text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rejects_feed_run ON citypipe.rejects (feed, run_id);
COMMENT ON TABLE citypipe.rejects IS 'Records that could not be typed or normalised. raw may hold personal data: grant with care; never logged.';
COMMENT ON COLUMN citypipe.rejects.record_key_hash IS 'Hash of the record''s primary key, to refer to it without its personal values.';
