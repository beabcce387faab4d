-- Backfills: a feed re-read window by window over a date range (`citypipe backfill`), resumable.
-- A backfill is identified by its feed, range and step; its windows are rows of backfill_partitions, each
-- loaded in the transaction that replaces that window's staged rows and marks the window succeeded.

CREATE TABLE citypipe.backfills (
    backfill_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feed         text        NOT NULL,
    range_from   timestamptz NOT NULL,
    range_to     timestamptz NOT NULL,
    step         text        NOT NULL CHECK (step IN ('day', 'week', 'month')),
    status       text        NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    last_run_id  bigint REFERENCES citypipe.runs (run_id) ON DELETE SET NULL,
    CHECK (range_to > range_from),
    UNIQUE (feed, range_from, range_to, step)
);
COMMENT ON TABLE citypipe.backfills IS 'One row per backfill range of a feed; re-running the same range resumes or reprocesses it.';

CREATE TABLE citypipe.backfill_partitions (
    backfill_id   bigint      NOT NULL REFERENCES citypipe.backfills (backfill_id) ON DELETE CASCADE,
    feed          text        NOT NULL,
    window_from   timestamptz NOT NULL,
    window_to     timestamptz NOT NULL,
    status        text        NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
    attempts      integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    rows_in       bigint      NOT NULL DEFAULT 0,
    rows_staged   bigint      NOT NULL DEFAULT 0,
    rows_deleted  bigint      NOT NULL DEFAULT 0,
    rows_rejected bigint      NOT NULL DEFAULT 0,
    run_id        bigint REFERENCES citypipe.runs (run_id) ON DELETE SET NULL,
    feed_run_id   bigint REFERENCES citypipe.feed_runs (feed_run_id) ON DELETE SET NULL,
    started_at    timestamptz,
    finished_at   timestamptz,
    error         text,
    PRIMARY KEY (backfill_id, window_from),
    CHECK (window_to > window_from)
);
CREATE INDEX backfill_partitions_feed_status ON citypipe.backfill_partitions (feed, status);
COMMENT ON TABLE citypipe.backfill_partitions IS 'One row per backfill window: status, attempts, rows; a window moves to succeeded in the transaction that stages it.';
