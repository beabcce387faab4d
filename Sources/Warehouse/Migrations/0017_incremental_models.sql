-- Incremental SQL models (`-- materialized: incremental`): what each model's last successful build saw, and the
-- rows each incremental build changed, for the incremental models that read it with changes().
CREATE SCHEMA IF NOT EXISTS citypipe_delta;
COMMENT ON SCHEMA citypipe_delta IS 'Rows changed by incremental model builds (old and new versions), read by the incremental models downstream; pruned once all of them have read them.';

CREATE TABLE citypipe.model_state (
    model         text PRIMARY KEY,
    materialized  text        NOT NULL CHECK (materialized IN ('table', 'incremental')),
    -- md5 of the SQL that built the table: a different query means a full build.
    sql_hash      text        NOT NULL,
    -- The change-marker time of the last successful build: changes after it are read by the next incremental build.
    built_at      timestamptz NOT NULL,
    -- Incremental models: rows changed after this time are all in citypipe_delta (a full build starts it again).
    -- Table models read by an incremental model: when their content last changed.
    changed_at    timestamptz NOT NULL,
    -- When a build last changed the table's rows (a table model built whole: each build, unless its content
    -- hash is recorded and equal): a table model that reads it is rebuilt only when one of its inputs changed after
    -- its own build_at.
    modified_at   timestamptz NOT NULL,
    -- Table models read by an incremental model: md5 of their content, to tell whether a rebuild changed it.
    content_hash  text,
    last_mode     text        NOT NULL CHECK (last_mode IN ('full', 'incremental')),
    last_full_at  timestamptz NOT NULL
);
COMMENT ON TABLE citypipe.model_state IS 'Per SQL model: the SQL and change-marker time of its last successful build, and since when its changes are recorded (incremental models).';

ALTER TABLE citypipe.model_runs ADD COLUMN mode text CHECK (mode IN ('full', 'incremental', 'unchanged'));
ALTER TABLE citypipe.model_runs ADD COLUMN keys_read bigint;
COMMENT ON COLUMN citypipe.model_runs.mode IS 'full: the table rebuilt from its whole query; incremental: only the keys its inputs changed (keys_read), merged in; unchanged: nothing it reads changed since its last build, which stands.';
COMMENT ON COLUMN citypipe.model_runs.keys_read IS 'Incremental builds: the unique keys its inputs'' changes touched and that it recomputed; rows_built is then the rows that changed.';

-- When a normalise pass last wrote rows of core.clean_FEED: table models reading it rebuild only after that.
ALTER TABLE citypipe.transform_state ADD COLUMN changed_at timestamptz;
COMMENT ON COLUMN citypipe.transform_state.changed_at IS 'When a pass last wrote (inserted, changed or marked deleted) rows of core.clean_FEED; null: not known (before 0017).';
