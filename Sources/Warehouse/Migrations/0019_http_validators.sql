-- Conditional requests: the ETag a source gave each document of a feed's last successful nightly load, sent back as
-- If-None-Match the next night. A document the source answers 304 Not Modified for is not read again: an insurance
-- month is read again every night for late corrections, and most nights it has none.
CREATE TABLE citypipe.http_validators (
    feed          text        NOT NULL,
    -- The document's URL as the manifest builds it, before authentication (no credential in it).
    url           text        NOT NULL,
    etag          text        NOT NULL,
    -- md5 of the manifest's fields, records and key when the document was read: another manifest reads the
    -- document again (a field added to the manifest is filled from documents that did not change).
    manifest_hash text        NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feed, url)
);
COMMENT ON TABLE citypipe.http_validators IS 'Per feed and document URL: the ETag of the version staged by the last successful nightly load, sent as If-None-Match the next time.';
