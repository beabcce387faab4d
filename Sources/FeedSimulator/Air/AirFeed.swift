import Foundation

/// The hourly observations of every Datastream, as a FROST-Server holds them: a pure function of the seed, the
/// hour and the simulation's clock, so that no series is kept in memory (a year of the 12 listed stations' 69 sensors is 600,000 rows).
///
/// Observation `h` of a Datastream is the mean of the hour ending at `start + h` hours (phenomenonTime is the hour's
/// end). The clock of generation `g` is `Timeline.initialEnd + g` days; an observation is visible once inserted:
/// most 5–25 minutes after their hour, about 3 % 26–40 hours late (a station's buffer uploaded the next day), so a
/// run sees them only if it reads back past its last cursor. About 2 % of hours are never sent (gaps), station
/// BG-02 is offline for 20 hours on the third day, and BN-04's NO₂ reads exactly 0 for 12 hours on the second day.
struct AirFeed: Sendable {
    let seed: UInt64
    /// Days of history before the initial clock.
    let days: Int
    /// The stations and sensors served.
    let stations: AirStations

    init(seed: UInt64, days: Int, stations: Int = AirStations.listedCount) {
        self.seed = seed
        self.days = days
        self.stations = AirStations(count: stations)
    }

    /// The hour ending `Timeline.initialEnd - days` is hour 0.
    var start: Int64 { Timeline.initialEnd - Int64(days) * 86_400 }

    /// The simulation's clock at `generation`.
    static func clock(_ generation: Int) -> Int64 { Timeline.initialEnd + Int64(generation) * 86_400 }

    /// One observation.
    struct Observation: Sendable {
        let id: Int64
        let datastream: AirDatastream
        let hour: Int
        /// Hour's end, seconds since 1970.
        let phenomenonTime: Int64
        let insertedAt: Int64
        /// As the Datastream's unit declares it.
        let result: Double
        /// In µg/m³.
        let microgramsPerCubicMetre: Double
        let stuck: Bool
        var late: Bool { insertedAt - phenomenonTime > 3_600 }
    }

    /// Observation ids: FROST's Long sequence, unique across Datastreams.
    static func observationID(datastream: Int, hour: Int) -> Int64 { Int64(datastream) * 10_000_000 + Int64(hour) }

    /// Observation `hour` of `stream`, nil for a gap.
    func observation(_ stream: AirDatastream, hour: Int) -> Observation? {
        let time = start + Int64(hour) * 3_600
        let h = Mix.hash(seed ^ 0xA1_0001, UInt64(stream.id), UInt64(hour))
        if h % 100 < 2 { return nil }
        if stream.station.code == "BG-02", (48..<68).contains(hour) { return nil }
        let delayDraw = (h >> 8) % 100
        let delay: Int64 = delayDraw < 3 ? 26 * 3_600 + Int64((h >> 16) % 50_400) : 300 + Int64((h >> 16) % 1_200)
        let stuck = stream.station.code == "BN-04" && stream.pollutant == .no2 && (32..<44).contains(hour)
        let micrograms = stuck ? 0 : value(stream, hour: hour, time: time)
        let result = stream.milligrams ? (micrograms / 10).rounded() / 100 : (micrograms * 10).rounded() / 10
        return Observation(
            id: Self.observationID(datastream: stream.id, hour: hour), datastream: stream, hour: hour, phenomenonTime: time,
            insertedAt: time + delay, result: result, microgramsPerCubicMetre: stream.milligrams ? result * 1_000 : result,
            stuck: stuck)
    }

    /// A smooth daily swing (particles peak at night and in the morning rush, ozone in the afternoon), a day-to-day
    /// level, and hourly noise.
    private func value(_ stream: AirDatastream, hour: Int, time: Int64) -> Double {
        let localHour = Double(((time + 7 * 3_600) / 3_600) % 24)
        let day = (time + 7 * 3_600) / 86_400
        let level = 0.55 + Double(Mix.hash(seed ^ 0xA1_0002, UInt64(stream.station.thingID), UInt64(day)) % 1_000) / 1_000
        let noise = 0.85 + Double(Mix.hash(seed ^ 0xA1_0003, UInt64(stream.id), UInt64(hour)) % 300) / 1_000
        let phase = stream.pollutant == .o3 ? (localHour - 14) : (localHour - 7)
        let swing = 1 + 0.35 * cos(phase / 24 * 2 * Double.pi)
        return max(0.1, stream.pollutant.typical * level * swing * noise)
    }

    /// The last hour whose end is at or before the clock of `generation`.
    func lastHour(atGeneration generation: Int) -> Int { Int((Self.clock(generation) - start) / 3_600) }

    /// The hour whose end is the first at or after `time` (0 for earlier times).
    func firstHour(endingAtOrAfter time: Int64) -> Int {
        guard time > start else { return 0 }
        return Int((time - start + 3_599) / 3_600)
    }

    /// The observations of `stream` visible at `generation`, from hour `from` on, at most `limit`.
    func visible(_ stream: AirDatastream, generation: Int, from: Int, limit: Int) -> [Observation] {
        let clock = Self.clock(generation)
        let last = lastHour(atGeneration: generation)
        var result: [Observation] = []
        var hour = max(0, from)
        while hour <= last, result.count < limit {
            if let o = observation(stream, hour: hour), o.insertedAt <= clock { result.append(o) }
            hour += 1
        }
        return result
    }
}
