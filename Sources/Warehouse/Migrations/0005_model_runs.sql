-- The SQL models of Pipelines/models: one row per model built (or skipped) in a run.
CREATE TABLE citypipe.model_runs (
    model_run_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id       bigint      NOT NULL REFERENCES citypipe.runs (run_id) ON DELETE CASCADE,
    model        text        NOT NULL,
    status       text        NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
    started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at  timestamptz,
    rows_built   bigint,
    sql_hash     text,
    error        text
);
CREATE INDEX model_runs_model ON citypipe.model_runs (model, started_at DESC);
COMMENT ON TABLE citypipe.model_runs IS 'One row per SQL model build: status, rows, duration, the hash of the SQL that built it.';
