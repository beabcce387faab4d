-- The operations-centre API: bearer tokens (stored hashed), the hash-chained audit log of personal reads, and the
-- read-only database role the API works as.

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;

CREATE TABLE citypipe.api_tokens (
    token_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text        NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$'),
    role         text        NOT NULL CHECK (role IN ('viewer', 'analyst', 'officer', 'operator', 'auditor')),
    token_hash   text        NOT NULL UNIQUE,
    prefix       text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz
);
COMMENT ON TABLE citypipe.api_tokens IS 'API bearer tokens: the SHA-256 of each token (the token itself is shown once, at creation), its role and expiry.';

-- One row per chunk of personal rows served (a page is one chunk; a long export one per chunk sent). row_hash
-- chains each row to the previous one: sha256(prev_hash | audit_id | at | token_name | role | purpose | view_name |
-- request | row_count | subjects_digest). Rows are written only through citypipe.audit_append.
CREATE TABLE citypipe.audit_log (
    audit_id        bigint      PRIMARY KEY,
    at              timestamptz NOT NULL,
    request_id      text        NOT NULL,
    token_name      text        NOT NULL,
    role            text        NOT NULL,
    purpose         text        NOT NULL,
    view_name       text        NOT NULL,
    request         text        NOT NULL,
    row_count       integer     NOT NULL CHECK (row_count >= 0),
    subjects_digest text        NOT NULL,
    prev_hash       text        NOT NULL,
    row_hash        text        NOT NULL
);
CREATE INDEX audit_log_at ON citypipe.audit_log (at);
COMMENT ON TABLE citypipe.audit_log IS 'Every read of personal data over the API (Decree 13/2023/NĐ-CP): who, when, why, what; hash-chained (citypipe audit verify).';

-- The people whose data a row of the audit log served: the keyed pseudonym of their citizen ID (the same HMAC an
-- analyst sees), never the ID itself.
CREATE TABLE citypipe.audit_subjects (
    audit_id bigint NOT NULL REFERENCES citypipe.audit_log (audit_id),
    subject  text   NOT NULL
);
CREATE INDEX audit_subjects_subject ON citypipe.audit_subjects (subject);
CREATE INDEX audit_subjects_audit ON citypipe.audit_subjects (audit_id);

-- The one write path of the audit log: takes the chain's lock, links the new row to the last one, stores its
-- subjects. SECURITY DEFINER, so that the API's read-only role may call it without any other write privilege.
CREATE FUNCTION citypipe.audit_append(
    p_request_id text, p_token_name text, p_role text, p_purpose text, p_view text, p_request text, p_subjects text[]
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = citypipe, pg_catalog, public AS $$
DECLARE
    v_id       bigint;
    v_at       timestamptz := clock_timestamp();
    v_prev     text;
    v_digest   text;
    v_count    integer := coalesce(cardinality(p_subjects), 0);
    v_hash     text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('citypipe:audit_log', 0));
    SELECT audit_id, row_hash INTO v_id, v_prev FROM citypipe.audit_log ORDER BY audit_id DESC LIMIT 1;
    v_id := coalesce(v_id, 0) + 1;
    v_prev := coalesce(v_prev, repeat('0', 64));
    v_digest := citypipe.audit_subjects_digest(p_subjects);
    v_hash := citypipe.audit_row_hash(v_prev, v_id, v_at, p_token_name, p_role, p_purpose, p_view, p_request, v_count, v_digest);
    INSERT INTO citypipe.audit_log (audit_id, at, request_id, token_name, role, purpose, view_name, request, row_count,
                                    subjects_digest, prev_hash, row_hash)
    VALUES (v_id, v_at, p_request_id, p_token_name, p_role, p_purpose, p_view, p_request, v_count, v_digest, v_prev, v_hash);
    INSERT INTO citypipe.audit_subjects (audit_id, subject) SELECT v_id, s FROM unnest(p_subjects) AS s WHERE s IS NOT NULL;
    RETURN v_id;
END
$$;

-- The digest of a row's subjects: sha256 of the sorted pseudonyms joined by newlines (order-independent).
CREATE FUNCTION citypipe.audit_subjects_digest(p_subjects text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(coalesce(string_agg(s, E'\n' ORDER BY s), ''), 'UTF8')), 'hex')
    FROM unnest(coalesce(p_subjects, '{}'::text[])) AS s WHERE s IS NOT NULL
$$;

CREATE FUNCTION citypipe.audit_row_hash(
    p_prev text, p_id bigint, p_at timestamptz, p_token_name text, p_role text, p_purpose text, p_view text,
    p_request text, p_count integer, p_digest text
) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(concat_ws('|', p_prev, p_id::text,
        to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), p_token_name, p_role, p_purpose, p_view,
        p_request, p_count::text, p_digest), 'UTF8')), 'hex')
$$;

-- The role the API works as (`SET ROLE` on each of its connections): reads the published schemas and the
-- control plane's status tables, writes nothing but the audit log, through audit_append.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'citypipe_api') THEN
        CREATE ROLE citypipe_api NOLOGIN;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA core, integrated, ref, citypipe TO citypipe_api;
GRANT SELECT ON ALL TABLES IN SCHEMA core, integrated, ref TO citypipe_api;
ALTER DEFAULT PRIVILEGES IN SCHEMA core, integrated, ref GRANT SELECT ON TABLES TO citypipe_api;
GRANT SELECT ON citypipe.runs, citypipe.feed_runs, citypipe.feed_state, citypipe.backfills,
    citypipe.backfill_partitions, citypipe.model_runs, citypipe.transform_state, citypipe.schema_migrations,
    citypipe.api_tokens, citypipe.audit_log, citypipe.audit_subjects TO citypipe_api;
REVOKE ALL ON FUNCTION citypipe.audit_append(text, text, text, text, text, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION citypipe.audit_append(text, text, text, text, text, text, text[]) TO citypipe_api;

-- Rows staged for a feed (not marked deleted), for `citypipe status` and the API's /v1/feeds: the API's role
-- reads no staging table (they hold the sources' raw personal data), only this count.
CREATE FUNCTION citypipe.staged_rows(p_feed text) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    v_count bigint;
BEGIN
    IF p_feed !~ '^[a-z][a-z0-9_]*$' OR to_regclass(format('staging.%I', p_feed)) IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT count(*) FROM staging.%I WHERE _deleted_at IS NULL', p_feed) INTO v_count;
    RETURN v_count;
END
$$;
REVOKE ALL ON FUNCTION citypipe.staged_rows(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION citypipe.staged_rows(text) TO citypipe_api;

-- The folded form of a name that `q=` compares (lower case, no tone or vowel marks, đ → d): the API folds the
-- query with the normalisers' match key, which also reads NFD text and either tone placement.
CREATE FUNCTION citypipe.fold_name(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(translate(replace(replace(normalize(p_text, NFC), 'Đ', 'd'), 'đ', 'd'),
        'ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ',
        'AAAAAAAAAAAAAAAAAEEEEEEEEEEEIIIIIOOOOOOOOOOOOOOOOOUUUUUUUUUUUYYYYYaaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyy'))
$$;
