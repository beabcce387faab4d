-- description: Job-seeker registrations (TIMVIEC) and unemployment-benefit claims (TCTN), one row per file: the person it links to, the post-2025 ward of residence (the code given and the ward name read together, names settled within the province; null and flagged when ambiguous), occupation, dates, status, monthly benefit (VND).
-- personal: person_id (identifier)
-- unique_key: claim_id
-- indexes: person_id; ward_code, claim_date
-- materialized: incremental
-- incremental_keys: SELECT claim_id FROM {{ changes('core.clean_labour') }}
-- incremental_keys: UNION SELECT record_key FROM {{ changes('core.person_link') }} WHERE feed = 'labour'
SELECT
    c.claim_id,
    c.kind,
    l.person_id,
    l.rule AS link_rule,
    c._ward AS ward_code,
    c._ward_rule AS ward_source,
    c.occupation_code,
    c.occupation,
    c.claim_date,
    c.status,
    c.monthly_benefit,
    c.benefit_months,
    coalesce(c._quality, '{}') AS quality
FROM core.clean_labour AS c
LEFT JOIN {{ ref('core.person_link') }} AS l ON l.feed = 'labour' AND l.record_key = c.claim_id
WHERE c._deleted_at IS NULL AND {{ affected('c.claim_id') }}
