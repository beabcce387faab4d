import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

/// The reference data and SQL functions of the geo, land and post/telecom models.
final class GeoReferenceTests: DatabaseTestCase {
    override var databasePrefix: String { "georef" }

    /// Coordinates as they come in the Department of Information and Communications' exports and in survey
    /// sheets, read by `citypipe.coordinate_degrees`.
    func testCoordinatesAreReadAsPeopleTypeThem() throws {
        _ = try Warehouse.migrate(connection)
        let cases: [(String, Double?)] = [
            ("21.186100", 21.1861),
            ("106.076300", 106.0763),
            ("21,1861", 21.1861),                    // decimal comma (Vietnamese spreadsheets)
            (" 21.1861 ", 21.1861),
            ("+106.5", 106.5),
            ("-8.5", -8.5),
            ("21°10'30.5\"N", 21 + 10.0 / 60 + 30.5 / 3600),
            ("106°04'34.7\"E", 106 + 4.0 / 60 + 34.7 / 3600),
            ("21°10′30″N", 21 + 10.0 / 60 + 30.0 / 3600),   // prime and double prime
            ("21º10'30\"", 21 + 10.0 / 60 + 30.0 / 3600),    // masculine ordinal for the degree sign
            ("21 10 30.5 N", 21 + 10.0 / 60 + 30.5 / 3600),
            ("21:10:30", 21 + 10.0 / 60 + 30.0 / 3600),
            ("21°10.5'", 21 + 10.5 / 60),
            ("33°52'S", -(33 + 52.0 / 60)),
            ("70°40'W", -(70 + 40.0 / 60)),
            ("21°75'N", nil),                         // minutes out of range
            ("21°10'61\"N", nil),
            ("N/A", nil),
            ("", nil),
            ("21.18.61", nil),
            ("21°10'30\"N 106°04'E", nil),            // both in one cell
        ]
        for (text, expected) in cases {
            let value = try connection.query("SELECT citypipe.coordinate_degrees($1) AS v", [text])[0].decode(Double?.self, "v")
            if let expected {
                XCTAssertEqual(value ?? .nan, expected, accuracy: 1e-12, text)
            } else {
                XCTAssertNil(value, text)
            }
        }
    }

    /// A typed pair becomes a WGS 84 point; one written the wrong way round is swapped back and says so.
    func testTypedPositionsAndSwappedPairs() throws {
        _ = try Warehouse.migrate(connection)
        let cases: [(String, String, String?, Bool, Bool)] = [
            ("21.186100", "106.076300", "POINT(106.0763 21.1861)", false, false),
            ("106.076300", "21.186100", "POINT(106.0763 21.1861)", true, false),
            ("21°10'30\"N", "106°04'30\"E", "POINT(106.075 21.175)", false, true),
            ("21,1861", "106,0763", "POINT(106.0763 21.1861)", false, false),
            ("48.85", "2.35", nil, false, false),              // Paris: outside Vietnam's degrees
            ("", "106.07", nil, false, false),
            ("không rõ", "106.07", nil, false, false),
        ]
        for (latitude, longitude, wkt, swapped, dms) in cases {
            let row = try connection.query(
                "SELECT ST_AsText(geom) AS wkt, swapped, dms FROM citypipe.typed_position($1, $2)", [latitude, longitude])[0]
            XCTAssertEqual(try row.decode(String?.self, "wkt"), wkt, "\(latitude) \(longitude)")
            XCTAssertEqual(try row.decode(Bool.self, "swapped"), swapped, "\(latitude) \(longitude)")
            XCTAssertEqual(try row.decode(Bool.self, "dms"), dms, "\(latitude) \(longitude)")
        }
    }

    /// Slivers are told from real units by their thinness.
    func testThinnessTellsSliversFromUnits() throws {
        _ = try Warehouse.migrate(connection)
        let sliver = try connection.query(
            "SELECT citypipe.thinness(ST_MakeEnvelope(106.1, 21.1, 106.1055, 21.1000054, 4326)) AS t")[0].decode(Double.self, "t")
        XCTAssertLessThan(sliver, 0.005)
        let ward = try connection.query(
            "SELECT min(citypipe.thinness(geom)) AS t FROM (SELECT (ST_Dump(geom)).geom FROM ref.ward_boundary_2025) AS d")[0]
            .decode(Double.self, "t")
        XCTAssertGreaterThan(ward, 0.05, "every one of the 99 wards is far from a sliver")
    }

    func testTheProgrammeTargetsAreData() throws {
        _ = try Warehouse.migrate(connection)
        let rows = try connection.query("SELECT indicator, comparison, target::text AS t, due_year FROM ref.ict_target WHERE programme = 'PTTT-2018' ORDER BY indicator")
        var targets: [String: String] = [:]
        for row in rows { targets[try row.decode(String.self, "indicator")] = try row.decode(String.self, "comparison") + " " + row.decode(String.self, "t") }
        XCTAssertEqual(targets["postal_points"], "min 169")
        XCTAssertEqual(targets["people_per_postal_point"], "max 7211")
        XCTAssertEqual(targets["service_radius_km"], "max 1.25")
        XCTAssertEqual(targets["bts_stations"], "min 4198")
        XCTAssertEqual(targets["fixed_per_100"], "min 3.3")
        XCTAssertEqual(targets["mobile_per_100"], "min 123")
        XCTAssertEqual(targets["broadband_per_100"], "min 59.1")
        XCTAssertEqual(targets["bulky_poles_urban"], "max 0")
        XCTAssertEqual(rows.count, 11)
        XCTAssertGreaterThan(try connection.query("SELECT count(*) AS n FROM ref.land_use_class")[0].decode(Int.self, "n"), 15)
    }
}
