-- description: Health facilities for the map (the OGC API collection "facilities"): each facility of the FHIR register with a position, its kind, parent, post-2025 ward by position and the ward its address names (flagged when they differ), and what the health-insurance claims (feed health_encounters) say of it over the twelve months to the latest discharge: claims, patients, inpatient stays and the insurance paid. A viewer sees patients only from 5 up.
-- unique_key: facility_code
-- indexes: ward_code; USING gist (geom)
-- suppress: patients
-- collection: facilities (geom)
WITH latest AS (
    SELECT max(discharged_at) AS at FROM {{ ref('core.health_encounter') }}
),
claims AS (
    SELECT
        h.facility_code,
        count(*) AS claims,
        count(DISTINCT h.person_id) AS patients,
        count(*) FILTER (WHERE h.encounter_type = '03') AS inpatient_stays,
        sum(h.insurance_paid) AS insurance_paid
    FROM {{ ref('core.health_encounter') }} AS h, latest
    WHERE h.discharged_at > latest.at - interval '12 months'
    GROUP BY h.facility_code
)
SELECT
    f.facility_code,
    f.name,
    f.kind,
    f.parent_code,
    f.ward_code,
    f.address_ward,
    f.ward_mismatch,
    f.quality,
    coalesce(c.claims, 0) AS claims,
    coalesce(c.patients, 0) AS patients,
    coalesce(c.inpatient_stays, 0) AS inpatient_stays,
    coalesce(c.insurance_paid, 0) AS insurance_paid,
    f.geom
FROM {{ ref('core.facility') }} AS f
LEFT JOIN claims AS c USING (facility_code)
WHERE f.source = 'fhir' AND f.geom IS NOT NULL
