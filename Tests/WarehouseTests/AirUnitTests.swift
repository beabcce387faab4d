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
}
