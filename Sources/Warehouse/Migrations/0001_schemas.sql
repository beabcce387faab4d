-- The five schemas of DESIGN.md and the extensions CityPipe needs.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE SCHEMA IF NOT EXISTS citypipe;
COMMENT ON SCHEMA citypipe IS 'CityPipe control plane: runs, feed runs, incremental state, rejects, migrations.';
CREATE SCHEMA IF NOT EXISTS staging;
COMMENT ON SCHEMA staging IS 'One table per feed, as the sources sent it (typed per manifest, _extra keeps unknown fields).';
CREATE SCHEMA IF NOT EXISTS ref;
COMMENT ON SCHEMA ref IS 'Reference data shipped with CityPipe: administrative units of both eras, the 2025 crosswalk, ward boundaries.';
CREATE SCHEMA IF NOT EXISTS core;
COMMENT ON SCHEMA core IS 'Conformed, normalised and linked entities.';
CREATE SCHEMA IF NOT EXISTS integrated;
COMMENT ON SCHEMA integrated IS 'What analysts and the operations-centre API read.';
