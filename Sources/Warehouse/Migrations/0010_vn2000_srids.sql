-- VN-2000 / TM-3 for the merged Bắc Ninh province, which spans two zones: EPSG:9209 (central meridian 105°30′,
-- old Bắc Ninh) and EPSG:9214 (107°00′, old Bắc Giang). Debian's PostGIS 3.3 lacks them ("Cannot find SRID");
-- registered with the EPSG authority only, PostGIS resolves them through PROJ's EPSG database (the datum shift
-- EPSG:6960), as pyproj does.
INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid)
VALUES (9209, 'EPSG', 9209), (9214, 'EPSG', 9214)
ON CONFLICT (srid) DO NOTHING;
