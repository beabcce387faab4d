import Foundation
import Postgres
import Warehouse
import XCTest

/// The daily and ward models on hand-made series: the decision's daily example, the completeness thresholds on
/// both sides, the O3 8-h rule, and where a ward's value comes from.
extension VNAQITests {
    /// Checks columns of a row: numbers compared as numbers ("30" = "30.0"), NULL as nil.
    func assertColumns(_ row: PostgresRow, _ expected: [(String, String?)], _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for (column, want) in expected {
            let got = try row.decode(String?.self, column)
            if let got, let want, let a = Decimal(string: got), let b = Decimal(string: want) {
                XCTAssertEqual(a, b, "\(label): \(column)", file: file, line: line)
            } else {
                XCTAssertEqual(got, want, "\(label): \(column)", file: file, line: line)
            }
        }
    }

    /// Section 2.3 c with the 8-h example of section 2.2.2 a as the O3 series: 18:00 of 1 March to 00:00 closing
    /// 2 March, so the first 8-h means of 2 March read 1 March's hours.
    func testTheDailyModelGivesTheDecisionsExample() throws {
        let before = ["15.7", "14.2", "17.7", "18.9", "19.3", "15.7", "19.7"]  // 1 March, hour-ending 18:00 … 00:00
        let day = ["22.6", "27.1", "29.0", "31.9", "25.3", "34.7", "35.2", "41.6", "45.7", "49.2", "55.8", "69.6",
                   "78.3", "91.5", "97.7", "81.2", "71.8", "43.5", "34.3", "21.5", "20.5", "19.4", "20.4", "21.3"]
        var observations = before.enumerated().map { Observation(station: "HN1", pollutant: "o3", hour: Self.march(1, 18 + $0), value: $1) }
        observations += day.enumerated().map { Observation(station: "HN1", pollutant: "o3", hour: Self.march(2, 1 + $0), value: $1) }
        // PM2.5 averaging 55.7 over the 24 hours; NO2 at most 130.8.
        observations += (1...24).map { Observation(station: "HN1", pollutant: "pm25", hour: Self.march(2, $0), value: $0 % 2 == 0 ? "50.7" : "60.7") }
        observations += (1...24).map { Observation(station: "HN1", pollutant: "no2", hour: Self.march(2, $0), value: $0 == 15 ? "130.8" : "100.0") }
        try insert(observations)
        try build([Self.dailyModel])
        try assertColumns(try XCTUnwrap(try daily("HN1", 2)), [
            ("o3_hours", "24"), ("o3_1h", "97.7"), ("aqi_o3_1h", "31"),
            // The decision's table of 8-h means peaks at 74.4 (17:00); 24 means, the first from 18:00 … 01:00.
            ("o3_8h_means", "24"), ("o3_8h", "74.4"), ("aqi_o3_8h", "37"), ("aqi_o3", "37"),
            ("no2", "130.8"), ("aqi_no2", "65"),
            ("pm25_hours", "24"), ("pm25", "55.7"), ("aqi_pm25", "110"),
            ("aqi", "110"), ("dominant", "pm25"), ("band", "3"), ("band_name", "Kém"), ("colour", "#ff7e00"),
        ], "2 March")
        // Hour-ending 00:00 closes the day before: 1 March holds 7 O3 hours and no AQI.
        try assertColumns(try XCTUnwrap(try daily("HN1", 1)), [("o3_hours", "7"), ("o3_1h", nil), ("aqi", nil), ("band", nil)], "1 March")
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM integrated.air_quality_daily")[0].decode(Int.self, "n"), 2)
    }

    /// The 75 % rule (the model's header): each threshold on both sides, one station a case, on 2 March.
    func testCompletenessThresholdsOnBothSides() throws {
        let pm10 = { (station: String) in Self.series(station, "pm10", day: 2, "20") }  // PM10 20: index 20, so the day has an AQI
        let cases: [(station: String, observations: [Observation], expected: [(String, String?)])] = [
            ("PM18", Self.series("PM18", "pm25", day: 2, hours: 1...18, "30"),
             [("pm25_hours", "18"), ("pm25", "30"), ("aqi_pm25", "60"), ("aqi", "60")]),
            // Invalid hours do not count.
            ("PM17", Self.series("PM17", "pm25", day: 2, hours: 1...17, "30") + Self.series("PM17", "pm25", day: 2, hours: 18...24, "900", valid: false),
             [("pm25_hours", "17"), ("pm25", nil), ("aqi_pm25", nil), ("aqi", nil), ("band", nil)]),
            ("NO18", pm10("NO18") + Self.series("NO18", "no2", day: 2, hours: 1...18, "150"),
             [("no2_hours", "18"), ("no2", "150"), ("aqi_no2", "75"), ("aqi", "75"), ("dominant", "no2")]),
            ("NO17", pm10("NO17") + Self.series("NO17", "no2", day: 2, hours: 1...17, "150"),
             [("no2_hours", "17"), ("no2", nil), ("aqi_no2", nil), ("aqi", "20"), ("dominant", "pm10")]),
            // No O3 on 1 March: the 8-h means at 01:00 … 05:00 have 1 … 5 hours (not means), 06:00's has 6 (a mean).
            // 01:00 … 05:00 at 300 make the 5-hour window's mean 300; the 6-hour one is (5 × 300 + 100) / 6 = 266.7.
            ("O3SIX", pm10("O3SIX") + Self.series("O3SIX", "o3", day: 2, hours: 1...5, "300") + Self.series("O3SIX", "o3", day: 2, hours: 6...6, "100")
                + Self.series("O3SIX", "o3", day: 2, hours: 7...24, "50"),
             [("o3_8h_means", "19"), ("o3_8h", "266.7"), ("aqi_o3_8h", "230"), ("o3_1h", "300"), ("aqi_o3_1h", "150"), ("aqi_o3", "230")]),
            // From 02:00: valid 8-h means from 07:00, 18 of them; from 03:00: 17, no daily 8-h value.
            ("O3M18", pm10("O3M18") + Self.series("O3M18", "o3", day: 2, hours: 2...24, "100"),
             [("o3_8h_means", "18"), ("o3_8h", "100"), ("aqi_o3_8h", "50"), ("aqi_o3_1h", "31"), ("aqi_o3", "50")]),
            ("O3M17", pm10("O3M17") + Self.series("O3M17", "o3", day: 2, hours: 3...24, "100"),
             [("o3_8h_means", "17"), ("o3_8h", nil), ("aqi_o3_8h", nil), ("o3_hours", "22"), ("aqi_o3_1h", "31"), ("aqi_o3", "31")]),
            // The day before's hours complete the first means.
            ("O3PREV", pm10("O3PREV") + Self.series("O3PREV", "o3", day: 1, hours: 18...24, "100") + Self.series("O3PREV", "o3", day: 2, "100"),
             [("o3_8h_means", "24"), ("o3_8h", "100")]),
            // 17 O3 hours: no daily 1-h maximum, and too few 8-h means (06:00 … 19:00) for an 8-h one.
            ("O3H17", pm10("O3H17") + Self.series("O3H17", "o3", day: 2, hours: 1...17, "100"),
             [("o3_hours", "17"), ("o3_1h", nil), ("o3_8h_means", "14"), ("o3_8h", nil), ("aqi_o3", nil), ("aqi", "20")]),
        ]
        try insert(cases.flatMap(\.observations))
        try build([Self.dailyModel])
        for c in cases {
            try assertColumns(try XCTUnwrap(try daily(c.station, 2), c.station), c.expected, c.station)
        }
    }

    /// The decision: no O3 index from an 8-h maximum above 400 µg/m³; the 1-h index alone then. At 400 the 8-h
    /// index (300) counts and is the larger.
    func testAboveFourHundredTheO3IndexIsTheOneHourIndex() throws {
        for (station, value) in [("O3_450", "450"), ("O3_400", "400")] {
            try insert(Self.series(station, "pm10", day: 2, "20") + Self.series(station, "o3", day: 1, hours: 18...24, value)
                + Self.series(station, "o3", day: 2, value))
        }
        try build([Self.dailyModel])
        try assertColumns(try XCTUnwrap(try daily("O3_450", 2)), [
            ("o3_8h", "450"), ("aqi_o3_8h", nil),
            ("o3_1h", "450"), ("aqi_o3_1h", "213"),  // 200 + 100 × 50 / 400 = 212.5, half up
            ("aqi_o3", "213"), ("aqi", "213"), ("dominant", "o3"), ("band", "5"), ("band_name", "Rất xấu"),
        ], "8-h 450")
        try assertColumns(try XCTUnwrap(try daily("O3_400", 2)), [
            ("o3_8h", "400"), ("aqi_o3_8h", "300"), ("aqi_o3_1h", "200"), ("aqi_o3", "300"), ("aqi", "300"), ("band", "5"),
        ], "8-h 400")
    }

    /// Every ward, every day with a station AQI: its own station's (the highest if several), else the nearest
    /// station's with a value that day.
    func testEachWardTakesItsOwnStationElseTheNearest() throws {
        _ = try Warehouse.migrate(connection)  // the reference data: the 99 ward boundaries
        try connection.simpleExecute(
            """
            CREATE TABLE core.admin_unit AS
            SELECT u.ward_code::text, u.ward_name, u.province_code::text, b.geom
            FROM ref.admin_unit_2025 AS u LEFT JOIN ref.ward_boundary_2025 AS b USING (ward_code);
            CREATE TEMP TABLE pick AS SELECT ward_code, geom, row_number() OVER (ORDER BY ward_code) AS n FROM core.admin_unit WHERE province_code = '24';
            -- A1, A2 in ward 1 (named there), B1 in ward 2 (placed by its position only), C1 in ward 3.
            INSERT INTO core.air_station
            SELECT 'A' || g.path[1], 'Trạm A' || g.path[1], g.geom, p.ward_code
            FROM pick AS p, ST_Dump(ST_GeneratePoints(p.geom, 2, 7)) AS g WHERE p.n = 1;
            INSERT INTO core.air_station SELECT 'B1', 'Trạm B1', ST_PointOnSurface(geom), NULL FROM pick WHERE n = 2;
            INSERT INTO core.air_station SELECT 'C1', 'Trạm C1', ST_PointOnSurface(geom), ward_code FROM pick WHERE n = 3;
            """)
        let wards = try connection.query("SELECT ward_code FROM pick ORDER BY n LIMIT 3").map { try $0.decode(String.self, "ward_code") }
        // 2 March: A1 60, A2 117 (100 + 50 × 10 / 30 = 116.7), B1 20; C1 only invalid values. 3 March: C1 alone.
        try insert(Self.series("A1", "pm25", day: 2, "30") + Self.series("A2", "pm25", day: 2, "60") + Self.series("B1", "pm25", day: 2, "10")
            + Self.series("C1", "pm25", day: 2, "10", valid: false) + Self.series("C1", "pm25", day: 3, "10"))
        try build([Self.dailyModel, Self.wardModel])

        let rows = try connection.query(
            "SELECT ward_code, day - DATE '1970-01-01' AS day, aqi, source, station_code, distance_km FROM integrated.air_quality_ward_daily")
        XCTAssertEqual(rows.count, 99 * 2, "99 wards × the 2 days with a station AQI")
        var chosen: [String: (aqi: Int, source: String, station: String, km: Double)] = [:]
        for row in rows {
            chosen["\(try row.decode(String.self, "ward_code"))/\(try row.decode(Int.self, "day"))"] = (
                try row.decode(Int.self, "aqi"), try row.decode(String.self, "source"), try row.decode(String.self, "station_code"),
                try row.decode(Double.self, "distance_km"))
        }
        let day2 = Self.marchDay(2), day3 = Self.marchDay(3)
        XCTAssertEqual(chosen["\(wards[0])/\(day2)"].map { "\($0.source) \($0.station) \($0.aqi)" }, "own A2 117", "the higher of two own stations")
        XCTAssertEqual(chosen["\(wards[1])/\(day2)"].map { "\($0.source) \($0.station) \($0.aqi)" }, "own B1 20", "placed by its position")
        XCTAssertEqual(chosen["\(wards[1])/\(day2)"]?.km ?? -1, 0, accuracy: 0.001, "B1 stands on the ward's point on surface")
        XCTAssertEqual(chosen["\(wards[2])/\(day2)"]?.source, "nearest", "C1 has no valid value on 2 March")
        XCTAssertEqual(chosen["\(wards[2])/\(day3)"].map { "\($0.source) \($0.station) \($0.aqi)" }, "own C1 20")
        XCTAssertEqual(chosen["\(wards[0])/\(day3)"].map { "\($0.source) \($0.station)" }, "nearest C1", "the only station with a value")

        // Every nearest is the nearest of the stations with a value that day (distances computed here apart).
        let nearest = try connection.query(
            """
            SELECT DISTINCT ON (u.ward_code, a.day) u.ward_code, a.day - DATE '1970-01-01' AS day, s.station_code,
                ST_Distance(ST_PointOnSurface(u.geom)::geography, s.geom::geography) / 1000 AS km
            FROM core.admin_unit AS u, core.air_station AS s JOIN integrated.air_quality_daily AS a USING (station_code)
            WHERE u.province_code = '24' AND a.aqi IS NOT NULL
            ORDER BY u.ward_code, a.day, 4
            """)
        var checked = 0
        for row in nearest {
            let key = "\(try row.decode(String.self, "ward_code"))/\(try row.decode(Int.self, "day"))"
            guard let got = chosen[key], got.source == "nearest" else { continue }
            XCTAssertEqual(got.station, try row.decode(String.self, "station_code"), key)
            XCTAssertEqual(got.km, try row.decode(Double.self, "km"), accuracy: 0.0006, key)
            checked += 1
        }
        XCTAssertEqual(checked, 99 * 2 - 3, "every ward-day but the 3 own ones")
    }
}
