-- description: People of core.person per ward, sex and birth year (sex '' when unknown, birth year 0 when the birth date is unknown; people without a ward left out). Kept by adding each build's changes (incremental_strategy: sum): a night counts the people that changed, not every person; integrated.commune_profile reads its populations and whole-year age bands here.
-- unique_key: ward_code, sex, birth_year
-- materialized: incremental
-- incremental_strategy: sum
SELECT p.ward_code, coalesce(p.sex, '') AS sex, coalesce(extract(year FROM p.birth_date)::integer, 0) AS birth_year,
       sum(p._sign)::bigint AS residents
FROM {{ signed('core.person') }} AS p
WHERE p.ward_code IS NOT NULL
GROUP BY 1, 2, 3
