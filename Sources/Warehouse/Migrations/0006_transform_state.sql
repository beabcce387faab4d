-- The transform stage's watermark per feed: rows of staging.FEED loaded (or deleted) at or after it are
-- normalised again on the next run.
CREATE TABLE citypipe.transform_state (
    feed         text PRIMARY KEY,
    watermark    timestamptz NOT NULL,
    last_run_id  bigint REFERENCES citypipe.runs (run_id) ON DELETE SET NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE citypipe.transform_state IS 'Transform watermark per feed; moved in the transaction that writes core.clean_FEED.';
