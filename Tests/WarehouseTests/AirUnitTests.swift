import Foundation
import Postgres
import TestSupport
import Warehouse
import XCTest

/// What a SensorThings sensor declares, read by the air-quality models: its pollutant and its unit.
final class AirUnitTests: DatabaseTestCase {
    override var databasePrefix: String { "airunits" }

    /// Units as monitoring networks write them, to µg/m³ (gases in ppb/ppm at 25 °C and 1 atm).
    func testValuesAreConvertedFromTheDeclaredUnit() throws {
        _ = try Warehouse.migrate(connection)
        let cases: [(value: String, symbol: String?, definition: String?, pollutant: String, expected: Double?)] = [
            ("35.2", "µg/m³", nil, "pm25", 35.2),                        // micro sign U+00B5
            ("35.2", "μg/m³", nil, "pm25", 35.2),                        // Greek mu U+03BC
            ("35.2", "ug/m3", nil, "pm10", 35.2),
            ("35.2", "µg m⁻³", nil, "pm10", nil),                        // a notation we do not guess
            ("1.25", "mg/m³", nil, "co", 1_250),                         // CO from a station reporting milligrams
            ("1.25", "mg/m3", nil, "co", 1_250),
            ("1.25", nil, "http://unitsofmeasure.org/ucum.html#mg/m3", "co", 1_250),
            ("1.25", "", "http://unitsofmeasure.org/ucum.html#mg/m3", "co", 1_250),
            ("50", "ppb", nil, "no2", 50 * 46.01 / 24.45),
            ("50", "ppb", nil, "o3", 50 * 48.00 / 24.45),
            ("2", "ppm", nil, "co", 2 * 1_000 * 28.01 / 24.45),
            ("20", "ppb", nil, "so2", 20 * 64.07 / 24.45),
            ("20", "ppb", nil, "pm25", nil),                             // particles have no mixing ratio
            ("20", "°C", nil, "o3", nil),
        ]
        for c in cases {
            let value = try connection.query(
                "SELECT citypipe.to_micrograms_per_m3($1::numeric, $2, $3, $4)::float8 AS v", [c.value, c.symbol, c.definition, c.pollutant]
            )[0].decode(Double?.self, "v")
            if let expected = c.expected {
                XCTAssertEqual(value ?? .nan, expected, accuracy: 1e-9, "\(c.value) \(c.symbol ?? "-") \(c.pollutant)")
            } else {
                XCTAssertNil(value, "\(c.value) \(c.symbol ?? "-") \(c.pollutant)")
            }
        }
    }

    /// Pollutants from the ObservedProperty's name as stations write it, else from the EEA vocabulary URI.
    func testPollutantsAreReadFromNameOrDefinition() throws {
        _ = try Warehouse.migrate(connection)
        let cases: [(String?, String?, String?)] = [
            ("PM2.5", nil, "pm25"), ("PM₂.₅", nil, "pm25"), ("pm 2.5", nil, "pm25"), ("PM10", nil, "pm10"), ("O3", nil, "o3"),
            ("Ozone", nil, "o3"), ("CO", nil, "co"), ("NO2", nil, "no2"), ("NO₂", nil, "no2"), ("SO2", nil, "so2"),
            ("Bụi mịn", "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/6001", "pm25"),
            (nil, "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/10", "co"),
            ("Nhiệt độ", nil, nil), ("PM1", nil, nil),
        ]
        for (name, definition, expected) in cases {
            let value = try connection.query("SELECT citypipe.air_pollutant($1, $2) AS p", [name, definition])[0].decode(String?.self, "p")
            XCTAssertEqual(value, expected, "\(name ?? "-") \(definition ?? "-")")
        }
    }

    /// The sub-index expression (migration 0016) agrees with Table 2 as `ref.vn_aqi_breakpoint` holds it: at every
    /// breakpoint, and at the middle and a third of every segment by linear interpolation over the table's rows.
    func testTheSubIndexExpressionAgreesWithTheBreakpointTable() throws {
        _ = try Warehouse.migrate(connection)
        let rows = try connection.query(
            """
            WITH s AS (
                SELECT pollutant, averaging, index_value AS i0, concentration AS c0,
                       lead(index_value) OVER w AS i1, lead(concentration) OVER w AS c1
                FROM ref.vn_aqi_breakpoint WINDOW w AS (PARTITION BY pollutant, averaging ORDER BY index_value)
            ), probes AS (
                SELECT pollutant, averaging, c0 AS c, i0::numeric AS expected FROM s
                UNION ALL
                SELECT pollutant, averaging, c0 + (c1 - c0) * f, i0 + (i1 - i0) * f FROM s, (VALUES (0.5), (1.0 / 3)) AS v(f)
                WHERE c1 IS NOT NULL
            )
            SELECT pollutant, averaging, c::float8 AS c, expected::float8 AS expected,
                   citypipe.vn_aqi_subindex(pollutant, averaging, c)::float8 AS got
            FROM probes ORDER BY 1, 2, 3
            """)
        XCTAssertEqual(rows.count, 54 + 2 * 47)
        for row in rows {
            let label = "\(try row.decode(String.self, "pollutant")) \(try row.decode(String.self, "averaging")) \(try row.decode(Double.self, "c"))"
            XCTAssertEqual(try row.decode(Double?.self, "got") ?? .nan, try row.decode(Double.self, "expected"), accuracy: 1e-9, label)
        }
        let above = try connection.query(
            "SELECT citypipe.vn_aqi_subindex('pm25', '24h', 501)::float8 AS pm, citypipe.vn_aqi_subindex('o3', '8h', 401)::float8 AS o3")[0]
        XCTAssertEqual(try above.decode(Double?.self, "pm"), 500, "above the top breakpoint: 500")
        XCTAssertNil(try above.decode(Double?.self, "o3"), "O3 8-h above 400: the 1-h index decides")
    }
}
