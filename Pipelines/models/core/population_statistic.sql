-- description: Population by commune and year from the statistics office, with the commune code as published (pre-2025 codes for 2020-2024) and the post-2025 ward it lies in now; a split commune (partial merge) has no single ward and is flagged.
-- unique_key: year, commune_code
-- indexes: ward_code, year
SELECT
    s.year,
    s.commune_code,
    s.commune_code_norm AS ward_code,
    s.commune_code_norm IS NULL AS ward_unresolved,
    s.unit_type,
    s.population,
    s.male,
    s.female,
    s.households
FROM core.clean_statistics AS s
WHERE s._deleted_at IS NULL
