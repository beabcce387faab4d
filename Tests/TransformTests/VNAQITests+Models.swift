import Foundation
import Postgres
import Transform
import Warehouse
import XCTest

/// The air-quality models, as shipped in `Pipelines/models/integrated`, built by the project's ModelRunner on
/// hand-made series: the decision's examples end to end, and each rule on both sides of its threshold.
extension VNAQITests {
    static let hourlyModel = "integrated.air_quality_hourly"
    static let dailyModel = "integrated.air_quality_daily"
    static let wardModel = "integrated.air_quality_ward_daily"

    /// One row of core.observation.
    struct Observation {
        var station: String
        var pollutant: String
        /// Hour-ending, in hours since 1970-01-01 00:00 UTC.
        var hour: Int
        var value: String
        var valid = true
    }

    /// Days from 1970-01-01 to 2026-03-01, the month the hand-made series are in.
    static let march1 = 20_513

    /// Hour-ending `hour` (1 … 24; 24 is the midnight that closes the day) of local (ICT, UTC+7) day `day` of
    /// March 2026, in hours since 1970 UTC.
    static func march(_ day: Int, _ hour: Int) -> Int {
        (march1 + day - 1) * 24 + hour - 7
    }

    /// The local day of March 2026 as the models' `day` column reads it (days since 1970).
    static func marchDay(_ day: Int) -> Int { march1 + day - 1 }

    /// The same value at every hour-ending `hours` of local day `day`.
    static func series(_ station: String, _ pollutant: String, day: Int, hours: ClosedRange<Int> = 1...24, _ value: String, valid: Bool = true)
        -> [Observation]
    {
        hours.map { Observation(station: station, pollutant: pollutant, hour: march(day, $0), value: value, valid: valid) }
    }

    func insert(_ observations: [Observation]) throws {
        for chunk in stride(from: 0, to: observations.count, by: 1_000) {
            let values = observations[chunk..<min(chunk + 1_000, observations.count)].map {
                "('\($0.station)', '\($0.pollutant)', to_timestamp(\($0.hour) * 3600), \($0.value), \($0.valid), '{}')"
            }
            try connection.simpleExecute(
                "INSERT INTO core.observation (station_code, pollutant, hour, value_ugm3, valid, quality) VALUES "
                    + values.joined(separator: ", "))
        }
    }

    /// The air-quality models as shipped, in a catalog whose core models (another part of the pipeline's, created
    /// by the tests as tables) are stand-ins that are never built.
    static func catalog() throws -> ModelCatalog {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Pipelines/models")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aqi-models-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let manager = FileManager.default
        try manager.createDirectory(at: folder.appendingPathComponent("integrated"), withIntermediateDirectories: true)
        try manager.createDirectory(at: folder.appendingPathComponent("core"), withIntermediateDirectories: true)
        for model in [hourlyModel, dailyModel, wardModel] {
            let file = "integrated/\(model.dropFirst("integrated.".count)).sql"
            try manager.copyItem(at: shipped.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        for standIn in ["observation", "air_station", "admin_unit"] {
            try "SELECT 1 AS stand_in\n".write(to: folder.appendingPathComponent("core/\(standIn).sql"), atomically: true, encoding: .utf8)
        }
        return try ModelCatalog(directory: folder)
    }

    struct ModelBuildFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Builds the models named (each after what it reads among them) with the project's runner.
    func build(_ names: [String]) throws {
        let catalog = try Self.catalog()
        let models = try names.map { name in try XCTUnwrap(catalog.models[name], name) }
        let runID = try RunLedger.start(connection, pipeline: "test", kind: .transform)
        let url = database.url
        let outcomes = try ModelRunner(catalog: catalog, concurrency: 1) { try PostgresConnection.connect(url) }.run(models, runID: runID)
        let failed = outcomes.filter { $0.status != .succeeded }
        guard failed.isEmpty else {
            throw ModelBuildFailed(description: failed.map { "\($0.model): \($0.error ?? $0.status.rawValue)" }.joined(separator: "\n"))
        }
    }

    /// The hourly row of a station at an hour (hours since 1970), or nil.
    func hourly(_ station: String, _ hour: Int) throws -> PostgresRow? {
        try connection.query(
            "SELECT * FROM integrated.air_quality_hourly WHERE station_code = $1 AND hour = to_timestamp($2::bigint * 3600)", [station, hour]
        ).first
    }

    /// The daily row of a station on a local day of March 2026, or nil.
    func daily(_ station: String, _ day: Int) throws -> PostgresRow? {
        try connection.query(
            "SELECT * FROM integrated.air_quality_daily WHERE station_code = $1 AND day = DATE '1970-01-01' + $2::integer", [station, Self.marchDay(day)]
        ).first
    }

    // MARK: - Hourly

    /// Section 2.3 a and b end to end: PM2.5 measured 09:00 … 20:00, O3 136.1 and NO2 118.7 at 20:00.
    func testTheHourlyModelGivesTheDecisionsExample() throws {
        let pm25 = ["26.9", "24.7", "20.5", "23.5", "19.5", "16.5", "19.0", "16.5", "20.3", "22.4", "19.6", "20.6"]
        try insert(pm25.enumerated().map { Observation(station: "HN1", pollutant: "pm25", hour: Self.march(1, 9 + $0), value: $1) }
            + [Observation(station: "HN1", pollutant: "o3", hour: Self.march(1, 20), value: "136.1"),
               Observation(station: "HN1", pollutant: "no2", hour: Self.march(1, 20), value: "118.7")])
        try build([Self.hourlyModel])
        let row = try XCTUnwrap(try hourly("HN1", Self.march(1, 20)))
        XCTAssertEqual(try row.decode(Decimal?.self, "pm25"), Self.d("20.3"), "the NowCast, to 0.1 µg/m³")
        XCTAssertEqual(try row.decode(Decimal?.self, "o3"), Self.d("136.1"))
        XCTAssertEqual(try row.decode(Int?.self, "aqi_pm25"), 41)
        XCTAssertEqual(try row.decode(Int?.self, "aqi_o3"), 43)
        XCTAssertEqual(try row.decode(Int?.self, "aqi_no2"), 59, "59.35: the decision's 60 is a misprint (see testTheDecisionsWorkedExamples)")
        XCTAssertNil(try row.decode(Int?.self, "aqi_pm10"))
        XCTAssertEqual(try row.decode(Int?.self, "aqi"), 59, "the decision says 60, from its NO2 misprint")
        XCTAssertEqual(try row.decode(String?.self, "dominant"), "no2")
        XCTAssertEqual(try row.decode(Int?.self, "band"), 2)
        XCTAssertEqual(try row.decode(String?.self, "band_name"), "Trung bình")
        XCTAssertEqual(try row.decode(String?.self, "colour"), "#ffff00")
        XCTAssertEqual(try row.decode(String.self, "hour_local"), "2026-03-01 20:00:00", "ICT")
        // 09:00 has c1 alone of c1 … c3: no NowCast, so no AQI; 10:00 has two.
        let first = try XCTUnwrap(try hourly("HN1", Self.march(1, 9)))
        XCTAssertNil(try first.decode(Decimal?.self, "pm25"))
        XCTAssertNil(try first.decode(Int?.self, "aqi"))
        XCTAssertNotNil(try XCTUnwrap(try hourly("HN1", Self.march(1, 10))).decode(Int?.self, "aqi"))
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM integrated.air_quality_hourly")[0].decode(Int.self, "n"), 12,
                       "one row per hour with a valid observation")
    }

    /// The NowCast's c1 … c12 are the 12 clock hours before, not the 12 rows before: a gap is missing hours.
    func testTheNowCastReadsTheClockNotTheRows() throws {
        try insert([
            Observation(station: "G", pollutant: "pm25", hour: Self.march(1, 8), value: "100"),
            // 09:00 and 10:00 are missing; 10:00 is there but invalid.
            Observation(station: "G", pollutant: "pm25", hour: Self.march(1, 10), value: "900", valid: false),
            Observation(station: "G", pollutant: "pm25", hour: Self.march(1, 11), value: "10"),
            Observation(station: "G", pollutant: "pm25", hour: Self.march(1, 12), value: "10"),
        ])
        try build([Self.hourlyModel])
        // 12:00: c1 = c2 = 10, c3 = c4 = missing, c5 = 100; w = ½: (10 + ½·10 + (½)^4·100) / (1 + ½ + (½)^4) = 13.6.
        // Reading rows, c3 would be 100: (10 + 5 + 25) / 1.75 = 22.9.
        XCTAssertEqual(try XCTUnwrap(try hourly("G", Self.march(1, 12))).decode(Decimal?.self, "pm25"), Self.d("13.6"))
        // 11:00: c1 alone of c1 … c3 (c2 and c3 missing or invalid).
        XCTAssertNil(try XCTUnwrap(try hourly("G", Self.march(1, 11))).decode(Decimal?.self, "pm25"))
        XCTAssertNil(try hourly("G", Self.march(1, 10)), "an hour with only an invalid observation has no row")
    }

    /// The decision requires PM2.5 or PM10: without either there is no AQI, though the other sub-indices are there.
    func testAnAQINeedsAPMValue() throws {
        try insert(
            ["o3", "no2", "so2", "co"].flatMap { Self.series("NOPM", $0, day: 2, "300") }
                + Self.series("PM10", "pm10", day: 2, "100") + Self.series("PM10", "no2", day: 2, "50"))
        try build([Self.hourlyModel, Self.dailyModel])
        let hour = try XCTUnwrap(try hourly("NOPM", Self.march(2, 12)))
        XCTAssertEqual(try hour.decode(Int?.self, "aqi_o3"), 150, "O3 1h 300 µg/m³")
        XCTAssertEqual(try hour.decode(Int?.self, "aqi_no2"), 110, "NO2 300: 100 + 50 × 100 / 500")
        for column in ["aqi", "dominant", "band", "band_name", "colour"] {
            XCTAssertNil(try hour.decode(String?.self, column), "hourly \(column) without PM")
        }
        let day = try XCTUnwrap(try daily("NOPM", 2))
        XCTAssertEqual(try day.decode(Int?.self, "aqi_o3_1h"), 150)
        XCTAssertEqual(try day.decode(Int?.self, "aqi_o3_8h"), 247, "8-h 300 µg/m³: 200 + 100 × 90 / 190 = 247.4")
        XCTAssertEqual(try day.decode(Int?.self, "aqi_o3"), 247)
        XCTAssertNil(try day.decode(Int?.self, "aqi"))
        XCTAssertNil(try day.decode(String?.self, "dominant"))
        XCTAssertNil(try day.decode(Int?.self, "band"))
        // PM10 alone is enough.
        XCTAssertEqual(try XCTUnwrap(try hourly("PM10", Self.march(2, 12))).decode(Int?.self, "aqi"), 75)
        XCTAssertEqual(try XCTUnwrap(try hourly("PM10", Self.march(2, 12))).decode(String?.self, "dominant"), "pm10")
        XCTAssertEqual(try XCTUnwrap(try daily("PM10", 2)).decode(Int?.self, "aqi"), 75)
    }
}
