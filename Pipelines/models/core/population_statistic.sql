-- description: Population by commune and year from the statistics office, with the commune code as published (pre-2025 codes for 2020-2024) and the post-2025 ward it lies in now (code and name read together); a split commune (partial merge) that the name does not settle has no single ward and is flagged.
-- suppress: population, male, female, households
-- unique_key: year, commune_code
-- indexes: ward_code, year
SELECT
    s.year,
    s.commune_code,
    s._ward AS ward_code,
    s._ward IS NULL AS ward_unresolved,
    s.unit_type,
    s.population,
    s.male,
    s.female,
    s.households
FROM core.clean_statistics AS s
WHERE s._deleted_at IS NULL
