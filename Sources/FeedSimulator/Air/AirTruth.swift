import Foundation

extension TruthWriter {
    /// `air_quality.csv`: every observation a correct load has staged after a run at `generation` (each once), as
    /// served and in µg/m³, with the planted traps (late, stuck) named; `air_quality_datastreams.csv`: the sensors,
    /// their stations and declared units.
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
