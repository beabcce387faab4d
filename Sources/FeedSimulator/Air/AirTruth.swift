import Foundation

/// Makes the air feed on first use and keeps its truth current: `air_quality.csv` holds every observation a
/// correct load has staged after a run at the current generation (each once), in µg/m³, with the planted traps
/// (late, stuck, unit) named; `air_quality_datastreams.csv` the sensors and their declared units.
final class LazyAirFeed: @unchecked Sendable {
    private let lock = NSLock()
    private var made: AirFeed?

    func get(_ simulation: Simulation, generation: Int, truth: TruthWriter?) throws -> AirFeed {
        try lock.withLock {
            if let made { return made }
            let feed = AirFeed(
                seed: simulation.configuration.seed, days: simulation.configuration.airDays,
                stations: simulation.configuration.airStations)
            try truth?.writeAir(feed, generation: generation)
            made = feed
            return feed
        }
    }

    /// Rewrites the truth after an advance, when the feed has been served.
    func advanced(to generation: Int, truth: TruthWriter?) throws {
        try lock.withLock {
            guard let made else { return }
            try truth?.writeAir(made, generation: generation)
        }
    }
}

extension TruthWriter {
    func writeAir(_ feed: AirFeed, generation: Int) throws {
        let streams = try CSVFile(file("air_quality_datastreams.csv"), header: [
            "datastream_id", "station_code", "pollutant", "unit_symbol", "longitude", "latitude",
        ])
        for d in feed.stations.datastreams {
            try streams.row([
                String(d.id), d.station.code, d.pollutant.rawValue, d.unitSymbol, String(d.station.longitude), String(d.station.latitude),
            ])
        }
        try streams.finish()
        let observations = try CSVFile(file("air_quality.csv"), header: [
            "datastream_id", "observation_id", "station_code", "pollutant", "phenomenon_time", "result", "ugm3", "late", "stuck",
        ])
        for d in feed.stations.datastreams {
            for o in feed.visible(d, generation: generation, from: 0, limit: Int.max) {
                try observations.row([
                    String(d.id), String(o.id), d.station.code, d.pollutant.rawValue, Timestamps.format(o.phenomenonTime),
                    String(o.result), String(o.microgramsPerCubicMetre), String(o.late), String(o.stuck),
                ])
            }
        }
        try observations.finish()
    }
}
