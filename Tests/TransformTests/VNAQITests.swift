import Foundation
import Postgres
import TestSupport
import Transform
import Warehouse
import XCTest

/// VN_AQI (Decision 1459/QĐ-TCMT of 2019) in the warehouse, against the embedded PostgreSQL: migration 0013's
/// functions on the decision's worked examples and edges (this file), the air-quality models built from
/// `Pipelines/models` by the project's runner on hand-made series for each rule (VNAQITests+Models.swift), and on
/// random series against an independent Swift implementation (VNAQITests+Property.swift, VNAQIReference.swift).
final class VNAQITests: DatabaseTestCase {
    override var databasePrefix: String { "aqi" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        _ = try Warehouse.migrateSchema(connection)
        // The models' input, as its contract describes it: core.observation and core.air_station are models of
        // another part of the pipeline, so the tests create and fill the tables themselves.
        try connection.simpleExecute(
            """
            CREATE TABLE core.observation (
                station_code text NOT NULL, pollutant text NOT NULL, hour timestamptz NOT NULL,
                value_ugm3 numeric, valid boolean NOT NULL, quality text[],
                PRIMARY KEY (station_code, pollutant, hour)
            );
            CREATE TABLE core.air_station (
                station_code text PRIMARY KEY, station_name text, geom geometry(Point, 4326), ward_code text
            );
            """)
    }

    // MARK: - Helpers

    static func d(_ text: String) -> Decimal { Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))! }

    /// `citypipe.vn_aqi_subindex`, unrounded.
    func subindex(_ pollutant: String, _ averaging: String, _ concentration: String?) throws -> Decimal? {
        try connection.query(
            "SELECT citypipe.vn_aqi_subindex($1, $2, $3::numeric) AS v", [pollutant, averaging, concentration]
        )[0].decode(Decimal?.self, "v")
    }

    /// The sub-index rounded by `citypipe.vn_aqi_round`.
    func index(_ pollutant: String, _ averaging: String, _ concentration: String?) throws -> Int? {
        try connection.query(
            "SELECT citypipe.vn_aqi_round(citypipe.vn_aqi_subindex($1, $2, $3::numeric)) AS v", [pollutant, averaging, concentration]
        )[0].decode(Int?.self, "v")
    }

    /// `citypipe.vn_nowcast` of c1 (current hour) … c12, nil for a missing hour.
    func nowcast(_ c: [String?]) throws -> Decimal? {
        let array = "ARRAY[" + c.map { $0 ?? "NULL" }.joined(separator: ", ") + "]::numeric[]"
        return try connection.query("SELECT citypipe.vn_nowcast(\(array)) AS v")[0].decode(Decimal?.self, "v")
    }

    // MARK: - The decision's worked examples (section 2.3)

    func testTheDecisionsWorkedExamples() throws {
        // a. NowCast of PM2.5 measured 09:00 … 20:00; c1 is 20:00's mean. w* = 16.5 / 26.9 = 0.61.
        let series = ["26.9", "24.7", "20.5", "23.5", "19.5", "16.5", "19.0", "16.5", "20.3", "22.4", "19.6", "20.6"]
        let nowcast = try XCTUnwrap(try nowcast(Array(series.reversed())))
        XCTAssertEqual(VNAQIReference.rounded(nowcast, scale: 1), Self.d("20.3"), "\(nowcast)")
        XCTAssertEqual(NSDecimalNumber(decimal: nowcast).doubleValue, 20.2658, accuracy: 0.0001)

        // b. Hourly, from the decision's concentrations.
        XCTAssertEqual(try subindex("o3", "1h", "136.1"), Self.d("42.53125"))
        XCTAssertEqual(try index("o3", "1h", "136.1"), 43)
        // The decision prints 60 for NO2, but its own formula gives (100 − 50) / (200 − 100) × (118.7 − 100) + 50 =
        // 59.35, which rounds to 59 (the transcriber of the decision agrees it is a misprint, FEEDS-NOTES §2).
        XCTAssertEqual(try subindex("no2", "1h", "118.7"), Self.d("59.35"))
        XCTAssertEqual(try index("no2", "1h", "118.7"), 59)
        XCTAssertEqual(try index("pm25", "24h", "20.3"), 41)
        // So AQI^h = max(43, 59, 41) = 59, where the decision, carrying its NO2 misprint, says 60.
        XCTAssertEqual(max(try index("o3", "1h", "136.1")!, try index("no2", "1h", "118.7")!, try index("pm25", "24h", "20.3")!), 59)

        // c. Daily.
        XCTAssertEqual(try subindex("o3", "8h", "89.3"), Self.d("44.65"))
        XCTAssertEqual(try index("o3", "8h", "89.3"), 45, "44.65 rounds half up")
        XCTAssertEqual(try index("o3", "1h", "114.6"), 36)
        XCTAssertEqual(try index("no2", "1h", "130.8"), 65)
        XCTAssertEqual(try subindex("pm25", "24h", "55.7"), Self.d("109.5"), "exact: the product is taken before the division")
        XCTAssertEqual(try index("pm25", "24h", "55.7"), 110, "109.5 rounds half up")
        let daily = [try index("o3", "8h", "89.3")!, try index("o3", "1h", "114.6")!, try index("no2", "1h", "130.8")!,
                     try index("pm25", "24h", "55.7")!]
        XCTAssertEqual(daily.max(), 110)
    }

    // MARK: - Sub-indices

    /// The breakpoints in the database are Table 2 as the test transcribes it, and each maps to its level.
    func testTheBreakpointTableIsTheDecisionsTable2() throws {
        let rows = try connection.query(
            "SELECT pollutant || '/' || averaging AS col, index_value, concentration FROM ref.vn_aqi_breakpoint ORDER BY 1, 2")
        var table: [String: [Decimal]] = [:]
        var levels: [String: [Decimal]] = [:]
        for row in rows {
            let column = try row.decode(String.self, "col")
            table[column, default: []].append(try row.decode(Decimal.self, "concentration"))
            levels[column, default: []].append(Decimal(try row.decode(Int.self, "index_value")))
        }
        for (column, found) in levels {
            XCTAssertEqual(found, Array(VNAQIReference.levels.prefix(found.count)), "\(column): the levels 0, 50, 100 …")
        }
        XCTAssertEqual(table, VNAQIReference.table)
        for (column, breakpoints) in VNAQIReference.table {
            let parts = column.split(separator: "/").map(String.init)
            for (level, concentration) in zip(VNAQIReference.levels, breakpoints) {
                XCTAssertEqual(try subindex(parts[0], parts[1], concentration.description), level, "\(column) at \(concentration)")
            }
        }
    }

    /// Segments are continuous: PM2.5 30 µg/m³ is 50 + 50 × 5 / 25 = 60, not the 60.6 → 61 of a table whose
    /// segments start at 25.1 (US-EPA style).
    func testSegmentsAreContinuousNotEPAStyle() throws {
        XCTAssertEqual(try subindex("pm25", "24h", "30"), 60)
        XCTAssertEqual(try index("pm25", "24h", "30"), 60)
        XCTAssertEqual(try subindex("pm25", "24h", "25.1"), Self.d("50.2"))
        XCTAssertEqual(try subindex("pm10", "24h", "100"), 75)
        XCTAssertEqual(try subindex("co", "1h", "10000"), 50)
        XCTAssertEqual(try subindex("co", "1h", "20000"), 75, "CO in µg/m³: 20 mg/m³")
        XCTAssertEqual(try subindex("so2", "1h", "0"), 0)
    }

    /// Above the top breakpoint the index is 500 (our decision: the top of the scale); O3 8h has no index above
    /// 400 µg/m³ (the decision: use the 1-h one); nothing in, nothing out.
    func testAboveTheTopBreakpointTheIndexIsCappedAt500() throws {
        let cases: [(String, String, String?, Decimal?)] = [
            ("pm25", "24h", "500", 500), ("pm25", "24h", "500.1", 500), ("pm25", "24h", "12000", 500),
            ("pm25", "24h", "425", Self.d("450")),
            ("pm10", "24h", "600", 500), ("pm10", "24h", "601", 500),
            ("o3", "1h", "1200", 500), ("o3", "1h", "5000", 500),
            ("co", "1h", "150000", 500), ("co", "1h", "150001", 500),
            ("so2", "1h", "2631", 500), ("no2", "1h", "3851", 500),
            ("o3", "8h", "400", 300), ("o3", "8h", "400.1", nil), ("o3", "8h", "1500", nil),
            ("pm25", "24h", nil, nil), ("pm25", "24h", "-1", nil), ("o3", "24h", "50", nil), ("lead", "24h", "1", nil),
        ]
        for (pollutant, averaging, concentration, expected) in cases {
            XCTAssertEqual(try subindex(pollutant, averaging, concentration), expected, "\(pollutant) \(averaging) \(concentration ?? "NULL")")
        }
    }

    /// Halves up (109.5 → 110, 2.5 → 3 where banker's rounding gives 2), exactly in numeric.
    func testIndicesRoundHalfUp() throws {
        let cases: [(String, Int?)] = [
            ("109.5", 110), ("44.65", 45), ("59.35", 59), ("2.5", 3), ("0.5", 1), ("0.4999999999", 0), ("499.5", 500), ("0", 0),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(try connection.query("SELECT citypipe.vn_aqi_round($1::numeric) AS v", [value])[0].decode(Int?.self, "v"), expected, value)
        }
        XCTAssertNil(try connection.query("SELECT citypipe.vn_aqi_round(NULL) AS v")[0].decode(Int?.self, "v"))
    }

    // MARK: - NowCast

    func testNowCastNeedsTwoOfTheLastThreeHoursAndWeighsAGapZero() throws {
        XCTAssertNil(try nowcast(["10", nil, nil, "30", "30"]), "1 of c1..c3")
        XCTAssertNil(try nowcast([nil, nil, "10", "30"]), "1 of c1..c3")
        // c1 missing is allowed: (½·10 + ¼·20) / (½ + ¼), w* = 10/20 = ½ → w = ½.
        XCTAssertEqual(try nowcast([nil, "10", "20"]).map { VNAQIReference.rounded($0, scale: 10) }, Self.d("13.3333333333"))
        // Normalised: the gap's weight is not counted. Σ(½)^i·ci would give ½·10 + ¼·40 = 15.
        XCTAssertEqual(try nowcast(["10", "40"]), 20)
        XCTAssertEqual(try nowcast(["10", nil, "40"]), Self.d("16"), "(10 + ¼·40) / (1 + ¼)")
        XCTAssertEqual(try nowcast(["0", "0", "0"]), 0, "all zero")
        XCTAssertEqual(try nowcast(["0", "50"]), Self.d("16.6666666666666667"), "min 0: w = ½")
        XCTAssertEqual(try nowcast(["30", "30", "30"]), 30, "w = 1: the mean")
        // Only c1 … c12 count.
        XCTAssertEqual(try nowcast(Array(repeating: "10", count: 12) + ["1000"]), 10)
    }

    // MARK: - Bands

    func testBandsFollowTable1() throws {
        let cases: [(Int?, Int?, String?, String?)] = [
            (0, 1, "Tốt", "#00e400"), (50, 1, "Tốt", "#00e400"),
            (51, 2, "Trung bình", "#ffff00"), (100, 2, "Trung bình", "#ffff00"),
            (101, 3, "Kém", "#ff7e00"), (150, 3, "Kém", "#ff7e00"),
            (151, 4, "Xấu", "#ff0000"), (200, 4, "Xấu", "#ff0000"),
            (201, 5, "Rất xấu", "#8f3f97"), (300, 5, "Rất xấu", "#8f3f97"),
            (301, 6, "Nguy hại", "#7e0023"), (500, 6, "Nguy hại", "#7e0023"),
            (nil, nil, nil, nil),
        ]
        for (aqi, band, name, colour) in cases {
            let row = try connection.query("SELECT band, name_vi, colour FROM citypipe.vn_aqi_band($1::integer)", [aqi.map { Int32($0) }])[0]
            XCTAssertEqual(try row.decode(Int?.self, "band"), band, "\(aqi.map(String.init) ?? "NULL")")
            XCTAssertEqual(try row.decode(String?.self, "name_vi"), name, "\(aqi.map(String.init) ?? "NULL")")
            XCTAssertEqual(try row.decode(String?.self, "colour"), colour, "\(aqi.map(String.init) ?? "NULL")")
            XCTAssertEqual(VNAQIReference.band(aqi)?.band, band, "the Swift reference agrees")
        }
        let rgb = try connection.query("SELECT colour, rgb FROM ref.vn_aqi_band ORDER BY band").map {
            (try $0.decode(String.self, "colour"), try $0.decode(String.self, "rgb"))
        }
        for (hex, decimal) in rgb {
            let parts = decimal.split(separator: ";").compactMap { Int($0) }
            XCTAssertEqual(hex, "#" + parts.map { String(format: "%02x", $0) }.joined(), "the hex colour is the decision's RGB")
        }
    }
}
