import Foundation
import Postgres
import TestSupport
import XCTest

/// The geographic base layer, land and post/telecom feeds through ingest and transform, against the simulator's
/// truth: parcels transformed from both VN-2000 zones where pyproj puts them, every parcel, postal point and
/// station in its true ward, every planted geometry fault flagged or rejected with its reason, the declared-ward
/// and area checks exactly on the planted cases, the programme's indicators equal to what the truth gives, and a
/// re-run that changes nothing.
final class GeoFeedsEndToEndTests: DatabaseTestCase {
    override var databasePrefix: String { "geo" }

    static let feeds = ["admin_boundaries", "land", "postal_points", "bts_stations", "telecom_subscriptions"]

    override func setUpWithError() throws {
        try XCTSkipUnless(SimulatorProcess.isAvailable, "this build has no citypipe simulate")
        try super.setUpWithError()
    }

    func count(_ sql: String) throws -> Int {
        try connection.query(sql)[0].decode(Int.self, at: 0)
    }

    func strings(_ sql: String) throws -> [String] {
        try connection.query(sql).map { try $0.decode(String.self, at: 0) }
    }

    func testGeoFeedsLoadTrueToTheSource() throws {
        let simulator = try SimulatorProcess(seed: 13, scale: 0.01)
        defer { simulator.stop() }
        let root = TransformEndToEndTests.root
        // Migrations and reference data (the 2025 units, the crosswalk, the targets, the land-use classes).
        let migrate = try simulator.citypipe(["db", "migrate"], databaseURL: database.url, directory: root)
        XCTAssertEqual(migrate.status, 0, migrate.output)
        // The population register (holders) and the statistics (people per ward) beside the geo feeds.
        let ingest = try simulator.citypipe(["ingest", "population", "statistics"] + Self.feeds, databaseURL: database.url, directory: root)
        XCTAssertEqual(ingest.status, 0, ingest.output)
        let transform = try simulator.citypipe(["transform"], databaseURL: database.url, directory: root)
        XCTAssertEqual(transform.status, 0, transform.output)
        let truth = simulator.truth
        truthFolder = truth
        try TruthFiles.load(
            truth.appendingPathComponent("admin_boundaries.csv"), into: "truth_boundary",
            columns: "feature_id text, unit_code text, era text, ward_2025 text, fault text, outcome text", connection)
        try TruthFiles.load(
            truth.appendingPathComponent("land.csv"), into: "truth_land",
            columns: """
                parcel_id text, srid int, ward_2025 text, old_code text, declared_ward text, declared_area numeric, grid_area numeric,
                land_use text, holder_id text, fault text, ward_mismatch boolean, area_mismatch boolean, unknown_land_use boolean
                """, connection)
        try TruthFiles.load(
            truth.appendingPathComponent("postal_points.csv"), into: "truth_postal",
            columns: "point_code text, ward_2025 text, longitude float8, latitude float8, style text, broadband boolean", connection)
        try TruthFiles.load(
            truth.appendingPathComponent("bts_stations.csv"), into: "truth_bts",
            columns: "station_code text, ward_2025 text, longitude float8, latitude float8, style text, technology text, pole_class text, shared boolean",
            connection)

        try checkBoundaries()
        try checkParcels()
        try checkPointsAndStations()
        try checkIndicators()

        // A re-run of the same source changes nothing in staging.
        let again = try simulator.citypipe(["ingest"] + Self.feeds, databaseURL: database.url, directory: root)
        XCTAssertEqual(again.status, 0, again.output)
        let rerun = try connection.query(
            """
            SELECT feed, rows_staged, rows_unchanged, rows_deleted FROM citypipe.feed_runs
            WHERE feed_run_id IN (SELECT max(feed_run_id) FROM citypipe.feed_runs GROUP BY feed) AND feed = ANY (string_to_array($1, ','))
            """, [Self.feeds.joined(separator: ",")])
        XCTAssertEqual(rerun.count, Self.feeds.count)
        for row in rerun {
            let feed = try row.decode(String.self, "feed")
            XCTAssertEqual(try row.decode(Int.self, "rows_staged"), 0, "\(feed): a re-run stages nothing new")
            XCTAssertEqual(try row.decode(Int.self, "rows_deleted"), 0, "\(feed): a re-run deletes nothing")
            XCTAssertGreaterThan(try row.decode(Int.self, "rows_unchanged"), 0, feed)
        }
    }

    /// Both eras; every planted fault repaired, its sliver dropped, or the record rejected with its reason; no other
    /// unit flagged; the post-2025 wards' geometry in core.admin_unit comes from the feed.
    func checkBoundaries() throws {
        XCTAssertEqual(
            try count("SELECT count(*) FROM truth_boundary WHERE outcome <> 'rejected'"), try count("SELECT count(*) FROM core.admin_boundary"),
            "every unit not rejected is in core.admin_boundary")
        XCTAssertEqual(try count("SELECT count(*) FROM truth_boundary WHERE era = '2025'"), 99)
        XCTAssertGreaterThan(try count("SELECT count(*) FROM core.admin_boundary WHERE era = 'truoc-2025'"), 300)
        XCTAssertEqual(
            try count("SELECT count(*) FROM core.admin_boundary b JOIN truth_boundary t USING (feature_id) WHERE b.ward_code IS DISTINCT FROM t.ward_2025 OR b.era <> t.era"),
            0, "each unit's era and post-2025 ward")
        for (outcome, flag) in [("repaired", "geometry_repaired%"), ("sliver_removed", "sliver_removed%")] {
            let planted = try strings("SELECT feature_id FROM truth_boundary WHERE outcome = '\(outcome)' ORDER BY 1")
            let flagged = try strings(
                "SELECT feature_id FROM core.admin_boundary WHERE EXISTS (SELECT 1 FROM unnest(quality) q WHERE q LIKE '\(flag)') ORDER BY 1")
            XCTAssertFalse(planted.isEmpty)
            XCTAssertEqual(flagged, planted, "\(outcome): exactly the planted units are flagged")
        }
        XCTAssertEqual(try count("SELECT count(*) FROM core.admin_boundary WHERE NOT ST_IsValid(geom) OR geom IS NULL"), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM core.admin_boundary WHERE cardinality(quality) > 0"),
                       try count("SELECT count(*) FROM truth_boundary WHERE outcome IN ('repaired', 'sliver_removed')"))
        let rejected = try connection.query(
            "SELECT reason FROM citypipe.rejects WHERE feed = 'admin_boundaries' AND stage = 'ingest'").map { try $0.decode(String.self, "reason") }
        XCTAssertEqual(rejected.count, try count("SELECT count(*) FROM truth_boundary WHERE outcome = 'rejected'"))
        XCTAssertTrue(rejected.allSatisfy { $0.contains("a ring that is not closed") }, "\(rejected)")
        XCTAssertEqual(
            try count("SELECT count(*) FROM staging.admin_boundaries s JOIN truth_boundary t USING (feature_id) WHERE t.outcome = 'rejected'"), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM core.admin_unit WHERE province_code = '24' AND geom_source = 'admin_boundaries'"), 99)
        XCTAssertEqual(try count("SELECT count(*) FROM integrated.commune_boundary_2024"),
                       try count("SELECT count(*) FROM core.admin_boundary WHERE era = 'truoc-2025'"))
    }

    /// Parcels: staged in their zone's SRID, transformed where pyproj puts them (1e-7°), each in its true ward, and
    /// exactly the planted cases flagged.
    func checkParcels() throws {
        let parcels = try count("SELECT count(*) FROM truth_land")
        XCTAssertGreaterThan(parcels, 1_000)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.land"), parcels)
        XCTAssertEqual(
            try count("SELECT count(*) FROM staging.land s JOIN truth_land t USING (parcel_id) WHERE ST_SRID(s.geom) <> t.srid"), 0,
            "each parcel staged in its zone's SRID (Content-Crs)")
        XCTAssertEqual(try count("SELECT count(DISTINCT ST_SRID(geom)) FROM staging.land"), 2)

        // Every vertex: PostGIS (the model's transform) against pyproj from the staged grid coordinates.
        let vertices = try connection.query(
            """
            SELECT s.parcel_id || ':' || d.path[2] AS id, ST_SRID(s.geom) AS srid, ST_X(d.geom) AS x, ST_Y(d.geom) AS y,
                   ST_X(ST_Transform(d.geom, 4326)) AS lon, ST_Y(ST_Transform(d.geom, 4326)) AS lat
            FROM staging.land s, LATERAL ST_DumpPoints(s.geom) d
            """)
        var input = ""
        var postgis: [String: (Double, Double)] = [:]
        for row in vertices {
            let id = try row.decode(String.self, "id")
            input += "\(id) \(try row.decode(Int.self, "srid")) \(try row.decode(Double.self, "x")) \(try row.decode(Double.self, "y"))\n"
            postgis[id] = (try row.decode(Double.self, "lon"), try row.decode(Double.self, "lat"))
        }
        let pyproj = try GeoTruthTools.pyproj(input, root: TransformEndToEndTests.root)
        XCTAssertEqual(pyproj.count, postgis.count)
        var worst = 0.0
        for (id, (lon, lat)) in pyproj {
            guard let (x, y) = postgis[id] else {
                XCTFail("no PostGIS vertex \(id)")
                continue
            }
            worst = max(worst, abs(x - lon), abs(y - lat))
        }
        XCTAssertLessThan(worst, 1e-7, "PostGIS and pyproj differ by \(worst)° at worst")
        XCTAssertEqual(
            try count("SELECT count(*) FROM core.land_parcel p JOIN truth_land t USING (parcel_id) WHERE p.ward_code IS DISTINCT FROM t.ward_2025"), 0,
            "every parcel in its true ward")
        XCTAssertEqual(try count("SELECT count(*) FROM core.land_parcel"), parcels)
        let flags: [(String, String)] = [
            ("ward_mismatch", "t.ward_mismatch"),
            ("area_mismatch", "t.area_mismatch OR t.fault = 'self_intersection'"),
            ("unknown_land_use", "t.unknown_land_use"),
            ("geometry_repaired%", "t.fault = 'self_intersection'"),
        ]
        for (flag, planted) in flags {
            let wrong = try count(
                """
                SELECT count(*) FROM core.land_parcel p JOIN truth_land t USING (parcel_id)
                WHERE EXISTS (SELECT 1 FROM unnest(p.quality) q WHERE q LIKE '\(flag)') IS DISTINCT FROM (\(planted))
                """)
            XCTAssertEqual(wrong, 0, "\(flag): flagged exactly where planted")
            XCTAssertGreaterThan(try count("SELECT count(*) FROM truth_land t WHERE \(planted)"), 0, "\(flag) is planted")
        }
        // Holders: the parcel's CCCD is the truth's, and it links to the person of the register holding it.
        XCTAssertEqual(
            try count("SELECT count(*) FROM core.land_parcel p JOIN truth_land t USING (parcel_id) WHERE p.holder_id IS DISTINCT FROM nullif(t.holder_id, '')"), 0)
        XCTAssertEqual(
            try count("SELECT count(*) FROM core.land_parcel p JOIN core.person r ON r.cccd = p.holder_id WHERE p.holder_person_id IS DISTINCT FROM r.person_id"), 0)
        XCTAssertEqual(
            try count("SELECT count(*) FROM core.land_parcel p WHERE p.holder_id IS NOT NULL AND p.holder_person_id IS NULL AND EXISTS (SELECT 1 FROM core.person r WHERE r.cccd = p.holder_id)"), 0)
        XCTAssertGreaterThan(try count("SELECT count(*) FROM core.land_parcel WHERE holder_person_id IS NOT NULL"), parcels / 2)
        // Land use by ward adds up to the parcels placed.
        XCTAssertEqual(try count("SELECT sum(parcels)::int FROM integrated.land_use_by_ward"), parcels)
    }

    /// Postal points and BTS stations: one row per code (rows exported twice collapse), at the true position, in the
    /// true ward; swapped coordinates flagged exactly where planted, and so are degree-minute-second ones.
    func checkPointsAndStations() throws {
        for (table, truthTable, key) in [("core.postal_point", "truth_postal", "point_code"), ("core.bts_station", "truth_bts", "station_code")] {
            let total = try count("SELECT count(*) FROM \(truthTable)")
            XCTAssertEqual(try count("SELECT count(*) FROM \(table)"), total, table)
            XCTAssertEqual(
                try count("SELECT count(*) FROM \(table) p JOIN \(truthTable) t USING (\(key)) WHERE p.ward_code IS DISTINCT FROM t.ward_2025"), 0,
                "\(table): every row in its true ward")
            XCTAssertEqual(
                try count("SELECT count(*) FROM \(table) p JOIN \(truthTable) t USING (\(key)) WHERE abs(ST_X(p.geom) - t.longitude) > 1e-6 OR abs(ST_Y(p.geom) - t.latitude) > 1e-6"),
                0, "\(table): at the true position")
            for (flag, style) in [("coordinates_swapped", "swapped"), ("coordinates_dms", "dms")] {
                XCTAssertEqual(
                    try count("SELECT count(*) FROM \(table) p JOIN \(truthTable) t USING (\(key)) WHERE ('\(flag)' = ANY (p.quality)) IS DISTINCT FROM (t.style = '\(style)')"),
                    0, "\(table): \(flag) exactly where planted")
                XCTAssertGreaterThan(try count("SELECT count(*) FROM \(truthTable) WHERE style = '\(style)'"), 0)
            }
        }
        XCTAssertGreaterThan(
            try count("SELECT sum(rows_in - rows_staged)::int FROM citypipe.feed_runs WHERE feed IN ('postal_points', 'bts_stations')"), 0,
            "the exports repeat some rows")
    }

    /// integrated.ict_indicators against the same figures computed here from the truth files (positions, wards,
    /// station attributes) and the statistics' populations.
    func checkIndicators() throws {
        try TruthFiles.load(
            truthFile("telecom_subscriptions.csv"), into: "truth_subscriptions",
            columns: "year int, commune_code text, ward_2025 text, fixed int, mobile int, broadband int", connection)
        let expected = try connection.query(
            """
            WITH w AS (SELECT ward_code, ward_type, area_km2 FROM core.admin_unit WHERE province_code = '24' AND geom IS NOT NULL),
            pop AS (SELECT ward_code, sum(population) AS people FROM core.population_statistic WHERE year = 2025 AND ward_code IS NOT NULL GROUP BY 1),
            sub AS (SELECT ward_2025 AS ward_code, sum(fixed) f, sum(mobile) m, sum(broadband) b FROM truth_subscriptions WHERE year = 2025 GROUP BY 1),
            pp AS (SELECT ward_2025 AS ward_code, count(*) n, count(*) FILTER (WHERE broadband) nb FROM truth_postal GROUP BY 1),
            bt AS (SELECT ward_2025 AS ward_code, count(*) n, count(*) FILTER (WHERE technology IN ('4G', '5G')) n4,
                          count(*) FILTER (WHERE shared) ns, count(*) FILTER (WHERE pole_class IN ('A2a', 'A2b')) nbulky FROM truth_bts GROUP BY 1)
            SELECT w.ward_code,
                   round(pop.people::numeric / nullif(pp.n, 0), 1) AS people_per_postal_point,
                   round(sqrt(w.area_km2 / nullif(pp.n, 0) / pi())::numeric, 3) AS service_radius_km,
                   round(pp.nb::numeric / nullif(pp.n, 0), 4) AS postal_broadband_share,
                   bt.n::numeric AS bts_stations,
                   round(bt.n4::numeric / nullif(bt.n, 0), 4) AS share_4g,
                   round(bt.ns::numeric / nullif(bt.n, 0), 4) AS shared_infrastructure_share,
                   (CASE WHEN w.ward_type = 'Phường' THEN bt.nbulky ELSE 0 END)::numeric AS bulky_poles_urban,
                   round(100 * sub.f::numeric / nullif(pop.people, 0), 2) AS fixed_per_100,
                   round(100 * sub.m::numeric / nullif(pop.people, 0), 2) AS mobile_per_100,
                   round(100 * sub.b::numeric / nullif(pop.people, 0), 2) AS broadband_per_100
            FROM w LEFT JOIN pop USING (ward_code) LEFT JOIN sub USING (ward_code) LEFT JOIN pp USING (ward_code) LEFT JOIN bt USING (ward_code)
            """)
        XCTAssertEqual(expected.count, 99)
        let indicators = [
            "people_per_postal_point", "service_radius_km", "postal_broadband_share", "bts_stations", "share_4g",
            "shared_infrastructure_share", "bulky_poles_urban", "fixed_per_100", "mobile_per_100", "broadband_per_100",
        ]
        var compared = 0
        for row in expected {
            let ward = try row.decode(String.self, "ward_code")
            for indicator in indicators {
                let want = try row.decode(String?.self, indicator)
                let got = try connection.query(
                    "SELECT value::text AS v FROM integrated.ict_indicators WHERE area_code = $1 AND indicator = $2", [ward, indicator])
                XCTAssertFalse(got.isEmpty, "\(ward) \(indicator)")
                let value = try got.first?.decode(String?.self, "v")
                XCTAssertEqual(value.flatMap(Double.init), want.flatMap(Double.init), "\(ward) \(indicator)")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 99 * indicators.count)
        // Met or not: by the target's comparison, for every row with a target and a value.
        XCTAssertEqual(
            try count(
                """
                SELECT count(*) FROM integrated.ict_indicators i JOIN ref.ict_target t ON t.indicator = i.indicator AND t.programme = i.programme
                WHERE i.value IS NOT NULL AND i.met IS DISTINCT FROM CASE WHEN t.comparison = 'min' THEN i.value >= t.target ELSE i.value <= t.target END
                """), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM integrated.ict_indicators WHERE area_code = '24' AND programme <> '-'"),
                       try count("SELECT count(*) FROM ref.ict_target"), "the province row carries every target")
        XCTAssertEqual(
            try count("SELECT value::int FROM integrated.ict_indicators WHERE area_code = '24' AND indicator = 'postal_points'"),
            try count("SELECT count(*) FROM truth_postal"))
    }

    private var truthFolder: URL?
    private func truthFile(_ name: String) -> URL {
        (truthFolder ?? URL(fileURLWithPath: "/nonexistent")).appendingPathComponent(name)
    }
}
