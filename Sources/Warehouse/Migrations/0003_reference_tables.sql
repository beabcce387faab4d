-- Reference data: administrative units before and after the 1 July 2025 reform, the crosswalk, ward boundaries.
-- Filled by `citypipe db migrate` from the files shipped with the project (see ref.reference_loads).

CREATE TABLE ref.admin_unit_2024 (
    ward_code     char(5) PRIMARY KEY,
    ward_name     text    NOT NULL,
    ward_type     text    NOT NULL,
    district_code char(3) NOT NULL,
    district_name text    NOT NULL,
    province_code char(2) NOT NULL,
    province_name text    NOT NULL
);
CREATE INDEX admin_unit_2024_district ON ref.admin_unit_2024 (district_code);
CREATE INDEX admin_unit_2024_province ON ref.admin_unit_2024 (province_code);
COMMENT ON TABLE ref.admin_unit_2024 IS 'Communes/wards before 1 July 2025 (10,035; province > district > commune). GSO codes; a code may mean another unit after 2025.';

CREATE TABLE ref.admin_unit_2025 (
    ward_code     char(5) PRIMARY KEY,
    ward_name     text    NOT NULL,
    ward_type     text    NOT NULL,
    province_code char(2) NOT NULL,
    province_name text    NOT NULL
);
CREATE INDEX admin_unit_2025_province ON ref.admin_unit_2025 (province_code);
COMMENT ON TABLE ref.admin_unit_2025 IS 'Communes/wards from 1 July 2025 (3,321; province > commune, no district level).';

CREATE TABLE ref.admin_crosswalk_2025 (
    level      text    NOT NULL CHECK (level IN ('province', 'ward')),
    new_code   text    NOT NULL,
    new_name   text    NOT NULL,
    old_code   text    NOT NULL,
    old_name   text    NOT NULL,
    merge_type text    NOT NULL CHECK (merge_type IN ('full', 'partial')),
    PRIMARY KEY (level, new_code, old_code)
);
CREATE INDEX admin_crosswalk_2025_old ON ref.admin_crosswalk_2025 (level, old_code);
COMMENT ON TABLE ref.admin_crosswalk_2025 IS 'New unit <- old units. partial: the old unit was split over several new ones.';

CREATE TABLE ref.ward_boundary_2025 (
    ward_code     char(5) PRIMARY KEY REFERENCES ref.admin_unit_2025 (ward_code),
    ward_name     text    NOT NULL,
    province_code char(2) NOT NULL,
    geom          geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX ward_boundary_2025_geom ON ref.ward_boundary_2025 USING gist (geom);
COMMENT ON TABLE ref.ward_boundary_2025 IS 'Boundaries (WGS84) of the 99 communes/wards of the new Bac Ninh province.';

CREATE TABLE ref.reference_loads (
    dataset   text PRIMARY KEY,
    file      text        NOT NULL,
    sha256    text        NOT NULL,
    row_count integer     NOT NULL,
    source    text        NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ref.reference_loads IS 'Which version (checksum) of each shipped reference file is loaded; a load is skipped when unchanged.';
