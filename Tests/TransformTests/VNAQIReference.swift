import Foundation

/// VN_AQI (Decision 1459/QĐ-TCMT of 2019) computed again in Swift, from the decision's text and the decisions
/// documented in the air-quality models' headers, without reading any of the SQL: the property test compares the
/// models with it. Decimal arithmetic throughout, so that the decision's exact halves (PM2.5 55.7 → 109.5) stay
/// exact as in PostgreSQL's numeric.
enum VNAQIReference {
    enum Pollutant: String, CaseIterable, Sendable {
        // The order breaks ties for the dominant pollutant (the models' documented order).
        case pm25, pm10, o3, no2, so2, co
    }

    /// One valid hourly mean: the input of the computation (invalid and absent hours are simply not given).
    struct Reading: Sendable {
        let station: String
        let pollutant: Pollutant
        /// Hour-ending, in hours since 1970-01-01 00:00 UTC.
        let hour: Int
        let value: Decimal
    }

    /// The index levels I of Table 2's rows, and each column's breakpoints (µg/m³), copied from the decision.
    static let levels: [Decimal] = [0, 50, 100, 150, 200, 300, 400, 500]
    static let table: [String: [Decimal]] = [
        "o3/1h": [0, 160, 200, 300, 400, 800, 1000, 1200],
        "o3/8h": [0, 100, 120, 170, 210, 400],
        "co/1h": [0, 10000, 30000, 45000, 60000, 90000, 120000, 150000],
        "so2/1h": [0, 125, 350, 550, 800, 1600, 2100, 2630],
        "no2/1h": [0, 100, 200, 700, 1200, 2350, 3100, 3850],
        "pm10/24h": [0, 50, 150, 250, 350, 420, 500, 600],
        "pm25/24h": [0, 25, 50, 80, 150, 250, 350, 500],
    ]

    /// Formula 1 on continuous segments, unrounded; 500 above a "≥" top row, nil above O3 8h's 400 µg/m³.
    static func subindex(_ column: String, _ concentration: Decimal?) -> Decimal? {
        guard let c = concentration, c >= 0, let bp = table[column] else { return nil }
        for i in 0..<(bp.count - 1) where c <= bp[i + 1] {
            return levels[i] + (levels[i + 1] - levels[i]) * (c - bp[i]) / (bp[i + 1] - bp[i])
        }
        return levels[bp.count - 1] == 500 ? 500 : nil
    }

    /// Halves up to `scale` decimals.
    static func rounded(_ value: Decimal, scale: Int = 0) -> Decimal {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, scale, .plain)
        return result
    }

    static func integer(_ value: Decimal) -> Int {
        NSDecimalNumber(decimal: rounded(value)).intValue
    }

    /// The rounded sub-index of a column, or nil.
    static func index(_ column: String, _ concentration: Decimal?) -> Int? {
        subindex(column, concentration).map(integer)
    }

    /// c[0] = the current hour … c[11] = 11 hours earlier; normalised weights; nil without 2 of the last 3 hours.
    static func nowcast(_ c: [Decimal?]) -> Decimal? {
        let c = (c + Array(repeating: nil, count: 12)).prefix(12).map { $0 }
        guard c.prefix(3).compactMap({ $0 }).count >= 2 else { return nil }
        let present = c.compactMap { $0 }
        let low = present.min()!, high = present.max()!
        let half = Decimal(5) / 10
        let w: Decimal = high == 0 ? 1 : (low / high <= half ? half : low / high)
        var weighted: Decimal = 0, weights: Decimal = 0, weight: Decimal = 1
        for value in c {
            if let value {
                weighted += weight * value
                weights += weight
            }
            weight *= w
        }
        return weighted / weights
    }

    /// Table 1: band number, name, colour.
    static func band(_ aqi: Int?) -> (band: Int, name: String, colour: String)? {
        guard let aqi else { return nil }
        switch aqi {
        case ...50: return (1, "Tốt", "#00e400")
        case 51...100: return (2, "Trung bình", "#ffff00")
        case 101...150: return (3, "Kém", "#ff7e00")
        case 151...200: return (4, "Xấu", "#ff0000")
        case 201...300: return (5, "Rất xấu", "#8f3f97")
        default: return (6, "Nguy hại", "#7e0023")
        }
    }

    /// The largest index (nil without a PM one) and the first pollutant holding it, in `Pollutant`'s order.
    static func overall(_ indices: [Pollutant: Int]) -> (aqi: Int?, dominant: Pollutant?) {
        guard indices[.pm25] != nil || indices[.pm10] != nil, let top = indices.values.max() else { return (nil, nil) }
        return (top, Pollutant.allCases.first { indices[$0] == top })
    }

    /// One row of the hourly result.
    struct Hourly: Equatable, Sendable {
        var concentration: [Pollutant: Decimal] = [:]
        var index: [Pollutant: Int] = [:]
        var aqi: Int?
        var dominant: Pollutant?
    }

    /// Per station and hour-ending hour with at least one reading.
    static func hourly(_ readings: [Reading]) -> [String: [Int: Hourly]] {
        var series: [String: [Pollutant: [Int: Decimal]]] = [:]
        for r in readings { series[r.station, default: [:]][r.pollutant, default: [:]][r.hour] = r.value }
        var result: [String: [Int: Hourly]] = [:]
        for (station, byPollutant) in series {
            let hours = Set(byPollutant.values.flatMap(\.keys))
            for hour in hours {
                var row = Hourly()
                for pollutant in Pollutant.allCases {
                    let values = byPollutant[pollutant] ?? [:]
                    let concentration: Decimal?
                    switch pollutant {
                    case .pm25, .pm10:
                        concentration = nowcast((0..<12).map { values[hour - $0] }).map { rounded($0, scale: 1) }
                    default:
                        concentration = values[hour]
                    }
                    guard let concentration else { continue }
                    row.concentration[pollutant] = concentration
                    let column = "\(pollutant.rawValue)/\(pollutant == .pm25 || pollutant == .pm10 ? "24h" : "1h")"
                    row.index[pollutant] = index(column, concentration)
                }
                (row.aqi, row.dominant) = overall(row.index)
                result[station, default: [:]][hour] = row
            }
        }
        return result
    }

    /// One row of the daily result (o3 in `concentration`/`index` is the combined O3; the parts are apart).
    struct Daily: Equatable, Sendable {
        var concentration: [Pollutant: Decimal] = [:]
        var o3OneHour: Decimal?
        var o3EightHour: Decimal?
        var index: [Pollutant: Int] = [:]
        var o3OneHourIndex: Int?
        var o3EightHourIndex: Int?
        var aqi: Int?
        var dominant: Pollutant?
    }

    /// Local day (days since 1970-01-01 in ICT) of an hour-ending hour: 01:00 … 00:00 of the next day.
    static func day(ofHour hour: Int) -> Int {
        (hour + 7 - 1) / 24  // hours after 1970: positive, so / is the floor
    }

    /// The 24 hour-ending hours of a local day.
    static func hours(ofDay day: Int) -> [Int] {
        (1...24).map { day * 24 + $0 - 7 }
    }

    /// Per station and local day with at least one reading; the 75 % rule of the models' headers.
    static func daily(_ readings: [Reading]) -> [String: [Int: Daily]] {
        var series: [String: [Pollutant: [Int: Decimal]]] = [:]
        for r in readings { series[r.station, default: [:]][r.pollutant, default: [:]][r.hour] = r.value }
        var result: [String: [Int: Daily]] = [:]
        for (station, byPollutant) in series {
            let days = Set(byPollutant.values.flatMap(\.keys).map(day(ofHour:)))
            for d in days {
                let dayHours = hours(ofDay: d)
                var row = Daily()
                func values(_ p: Pollutant) -> [Decimal] { dayHours.compactMap { byPollutant[p]?[$0] } }
                for p in [Pollutant.pm25, .pm10] {
                    let v = values(p)
                    guard v.count >= 18 else { continue }
                    let mean = rounded(v.reduce(0, +) / Decimal(v.count), scale: 1)
                    row.concentration[p] = mean
                    row.index[p] = index("\(p.rawValue)/24h", mean)
                }
                for p in [Pollutant.no2, .so2, .co] {
                    let v = values(p)
                    guard v.count >= 18, let top = v.max() else { continue }
                    row.concentration[p] = top
                    row.index[p] = index("\(p.rawValue)/1h", top)
                }
                let o3 = values(.o3)
                if o3.count >= 18, let top = o3.max() {
                    row.o3OneHour = top
                    row.o3OneHourIndex = index("o3/1h", top)
                }
                // 8-h means at each hour-ending H of the day: H−7 … H, 6 of 8 hours needed; the day's largest
                // needs 18 such means.
                let means: [Decimal] = dayHours.compactMap { h in
                    let window = (0..<8).compactMap { byPollutant[.o3]?[h - $0] }
                    return window.count >= 6 ? rounded(window.reduce(0, +) / Decimal(window.count), scale: 1) : nil
                }
                if means.count >= 18, let top = means.max() {
                    row.o3EightHour = top
                    row.o3EightHourIndex = top > 400 ? nil : index("o3/8h", top)
                }
                if let combined = [row.o3OneHourIndex, row.o3EightHourIndex].compactMap({ $0 }).max() {
                    row.index[.o3] = combined
                }
                (row.aqi, row.dominant) = overall(row.index)
                result[station, default: [:]][d] = row
            }
        }
        return result
    }
}
