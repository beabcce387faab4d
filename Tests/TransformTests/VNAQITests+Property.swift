import Foundation
import Postgres
import XCTest

/// SplitMix64: a small seeded generator, so that a failing series can be made again from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The models against the Swift reference implementation (VNAQIReference) on random series: several stations,
/// all six pollutants, a few days, gaps (single hours and outages), invalid rows, values across every band and
/// above the top breakpoints. Every row and column is compared, hourly and daily.
extension VNAQITests {
    /// A pollutant's typical level and its spread: levels up to the upper bands, spikes past the top breakpoints.
    static let typicalLevels: [VNAQIReference.Pollutant: ClosedRange<Double>] = [
        .pm25: 5...220, .pm10: 10...380, .o3: 20...480, .co: 500...70_000, .no2: 20...900, .so2: 5...1_100,
    ]

    /// Random observations of `stations` stations over `hours` hours from 20:00 of 1 March (ICT), with the
    /// station's share of missing hours; invalid rows carry absurd values that must not show.
    static func randomObservations(seed: UInt64, stations: Int = 5, hours: Int = 110) -> [Observation] {
        var random = SeededGenerator(seed: seed)
        var result: [Observation] = []
        let start = march(1, 20)
        for s in 1...stations {
            let station = "R\(seed)_\(s)"
            // From almost complete to a third missing: the 75 % thresholds fall on both sides.
            let missing = [0.02, 0.12, 0.22, 0.27, 0.33][(s - 1) % 5]
            for pollutant in VNAQIReference.Pollutant.allCases {
                if Double.random(in: 0..<1, using: &random) < 0.1 { continue }  // a station without this pollutant
                let level = Double.random(in: typicalLevels[pollutant]!, using: &random)
                var outage = 0
                for h in 0..<hours {
                    if outage > 0 {
                        outage -= 1
                        continue
                    }
                    let draw = Double.random(in: 0..<1, using: &random)
                    if draw < 0.02 {
                        outage = Int.random(in: 1...9, using: &random)  // a sensor down for hours
                        continue
                    }
                    if draw < missing { continue }
                    let hour = start + h
                    if Double.random(in: 0..<1, using: &random) < 0.05 {
                        result.append(Observation(station: station, pollutant: pollutant.rawValue, hour: hour, value: "99999.9", valid: false))
                        continue
                    }
                    var value = level * Double.random(in: 0.3...1.7, using: &random)
                    if Double.random(in: 0..<1, using: &random) < 0.03 { value *= 3 }  // a spike, often past the top
                    if Double.random(in: 0..<1, using: &random) < 0.01 { value = 0 }
                    let text = String(format: "%.1f", value)
                    result.append(Observation(station: station, pollutant: pollutant.rawValue, hour: hour, value: text))
                }
            }
        }
        return result
    }

    static func readings(_ observations: [Observation]) -> [VNAQIReference.Reading] {
        observations.filter(\.valid).map {
            VNAQIReference.Reading(station: $0.station, pollutant: VNAQIReference.Pollutant(rawValue: $0.pollutant)!, hour: $0.hour, value: d($0.value))
        }
    }

    /// Compares one column; adds a line to `mismatches` when they differ.
    static func compare<T: Equatable>(_ got: T?, _ want: T?, _ label: @autoclosure () -> String, _ mismatches: inout [String]) {
        if got != want { mismatches.append("\(label()): model \(got.map { "\($0)" } ?? "NULL"), reference \(want.map { "\($0)" } ?? "NULL")") }
    }

    func testRandomSeriesAgreeWithAnIndependentImplementation() throws {
        for seed: UInt64 in [1, 2, 3] {
            try connection.simpleExecute("TRUNCATE core.observation")
            let observations = Self.randomObservations(seed: seed)
            try insert(observations)
            try build([Self.hourlyModel, Self.dailyModel])
            let readings = Self.readings(observations)
            try compareHourly(VNAQIReference.hourly(readings), seed: seed)
            try compareDaily(VNAQIReference.daily(readings), seed: seed)
        }
    }

    func compareHourly(_ expected: [String: [Int: VNAQIReference.Hourly]], seed: UInt64) throws {
        let rows = try connection.query(
            "SELECT *, (extract(epoch FROM hour) / 3600)::bigint AS hour_number, hour_local::text AS shown FROM integrated.air_quality_hourly")
        var mismatches: [String] = []
        var seen = 0, withAQI = 0, withoutAQI = 0
        for row in rows {
            let station = try row.decode(String.self, "station_code"), hour = try row.decode(Int.self, "hour_number")
            let label = "seed \(seed) \(station) \(try row.decode(String.self, "shown")) ICT"
            guard let want = expected[station]?[hour] else {
                mismatches.append("\(label): a row the reference does not have")
                continue
            }
            seen += 1
            for p in VNAQIReference.Pollutant.allCases {
                Self.compare(try row.decode(Decimal?.self, p.rawValue), want.concentration[p], "\(label) \(p.rawValue)", &mismatches)
                Self.compare(try row.decode(Int?.self, "aqi_\(p.rawValue)"), want.index[p], "\(label) aqi_\(p.rawValue)", &mismatches)
            }
            let aqi = try row.decode(Int?.self, "aqi")
            Self.compare(aqi, want.aqi, "\(label) aqi", &mismatches)
            Self.compare(try row.decode(String?.self, "dominant"), want.dominant?.rawValue, "\(label) dominant", &mismatches)
            Self.compare(try row.decode(Int?.self, "band"), VNAQIReference.band(want.aqi)?.band, "\(label) band", &mismatches)
            Self.compare(try row.decode(String?.self, "band_name"), VNAQIReference.band(want.aqi)?.name, "\(label) band_name", &mismatches)
            Self.compare(try row.decode(String?.self, "colour"), VNAQIReference.band(want.aqi)?.colour, "\(label) colour", &mismatches)
            if aqi == nil { withoutAQI += 1 } else { withAQI += 1 }
        }
        let total = expected.values.map(\.count).reduce(0, +)
        XCTAssertEqual(seen, total, "seed \(seed): hourly rows the model lacks: \(total - seen)")
        XCTAssertTrue(mismatches.isEmpty, "seed \(seed): \(mismatches.count) hourly mismatches, the first:\n" + mismatches.prefix(20).joined(separator: "\n"))
        XCTAssertGreaterThan(withAQI, 100, "seed \(seed): the series give hours with an AQI")
        XCTAssertGreaterThan(withoutAQI, 0, "seed \(seed): and hours without (no PM NowCast)")
    }

    func compareDaily(_ expected: [String: [Int: VNAQIReference.Daily]], seed: UInt64) throws {
        let rows = try connection.query("SELECT *, day - DATE '1970-01-01' AS day_number, day::text AS shown FROM integrated.air_quality_daily")
        var mismatches: [String] = []
        var seen = 0, withAQI = 0, withoutAQI = 0, incompletePM = 0
        for row in rows {
            let station = try row.decode(String.self, "station_code"), day = try row.decode(Int.self, "day_number")
            let label = "seed \(seed) \(station) \(try row.decode(String.self, "shown"))"
            guard let want = expected[station]?[day] else {
                mismatches.append("\(label): a row the reference does not have")
                continue
            }
            seen += 1
            for p in [VNAQIReference.Pollutant.pm25, .pm10, .co, .no2, .so2] {
                Self.compare(try row.decode(Decimal?.self, p.rawValue), want.concentration[p], "\(label) \(p.rawValue)", &mismatches)
            }
            for p in VNAQIReference.Pollutant.allCases {
                Self.compare(try row.decode(Int?.self, "aqi_\(p.rawValue)"), want.index[p], "\(label) aqi_\(p.rawValue)", &mismatches)
            }
            Self.compare(try row.decode(Decimal?.self, "o3_1h"), want.o3OneHour, "\(label) o3_1h", &mismatches)
            Self.compare(try row.decode(Decimal?.self, "o3_8h"), want.o3EightHour, "\(label) o3_8h", &mismatches)
            Self.compare(try row.decode(Int?.self, "aqi_o3_1h"), want.o3OneHourIndex, "\(label) aqi_o3_1h", &mismatches)
            Self.compare(try row.decode(Int?.self, "aqi_o3_8h"), want.o3EightHourIndex, "\(label) aqi_o3_8h", &mismatches)
            let aqi = try row.decode(Int?.self, "aqi")
            Self.compare(aqi, want.aqi, "\(label) aqi", &mismatches)
            Self.compare(try row.decode(String?.self, "dominant"), want.dominant?.rawValue, "\(label) dominant", &mismatches)
            Self.compare(try row.decode(Int?.self, "band"), VNAQIReference.band(want.aqi)?.band, "\(label) band", &mismatches)
            if aqi == nil { withoutAQI += 1 } else { withAQI += 1 }
            if try row.decode(Int.self, "pm25_hours") > 0 && want.concentration[.pm25] == nil { incompletePM += 1 }
        }
        let total = expected.values.map(\.count).reduce(0, +)
        XCTAssertEqual(seen, total, "seed \(seed): daily rows the model lacks: \(total - seen)")
        XCTAssertTrue(mismatches.isEmpty, "seed \(seed): \(mismatches.count) daily mismatches, the first:\n" + mismatches.prefix(20).joined(separator: "\n"))
        XCTAssertGreaterThan(withAQI, 3, "seed \(seed): days with an AQI")
        XCTAssertGreaterThan(withoutAQI, 0, "seed \(seed): days without")
        XCTAssertGreaterThan(incompletePM, 0, "seed \(seed): days whose PM2.5 hours fall short of 18")
    }
}
