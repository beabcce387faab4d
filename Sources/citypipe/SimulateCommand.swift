import ArgumentParser
import FeedSimulator
import Foundation

/// `citypipe simulate`: serves the simulated feeds of Connectors/ on loopback.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Serve the simulated feeds of Connectors/ on 127.0.0.1.",
        discussion: """
            Prints one `export NAME=VALUE` line per environment variable the manifests read, then \
            `# serving on http://127.0.0.1:PORT`, then serves until interrupted. Everything served is a pure \
            function of --seed, --scale and the sequence of `POST /_sim/advance?changed=N&added=M&removed=K` calls.
            """)

    @Option(help: "Port to listen on (0 = a free port).")
    var port: Int = 0

    @Option(help: "Seed of the simulated data.")
    var seed: UInt64 = 1

    @Option(help: "Size: 1 ≈ 1.4 million people (old Bắc Ninh); the merged province is ≈ 2.6.")
    var scale: Double = 0.1

    @Option(help: "Share of data requests that get a fault (429, 503, slow, truncated, bad gzip, expired token), 0…1.")
    var faults: Double = 0

    @Option(help: "Directory to write the truth CSV files to (rewritten after each advance).")
    var truth: String?

    @Option(help: "Lifetime of OAuth2 access tokens, seconds.")
    var tokenTtl: Int = 300

    @Option(help: "Days of hourly air-quality history (SensorThings) before the initial clock, 1…3660.")
    var airDays: Int = 7

    @Option(help: "Air-monitoring stations (SensorThings Things): the 12 listed, then generated ones with six pollutants each, 1…200.")
    var airStations: Int = 12

    @Flag(help: "Render the initial population once at start-up (≈ 265 bytes per person) so that serving costs little CPU, and make the insurance exports of the months an advance adds at once (benchmarks).")
    var prerender = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be in 0…65535") }
        guard scale > 0, scale <= 10 else { throw ValidationError("--scale must be in (0, 10]") }
        guard (0...1).contains(faults) else { throw ValidationError("--faults must be in 0…1") }
        guard tokenTtl >= 1 else { throw ValidationError("--token-ttl must be at least 1") }
        guard (1...3_660).contains(airDays) else { throw ValidationError("--air-days must be in 1…3660") }
        guard (1...200).contains(airStations) else { throw ValidationError("--air-stations must be in 1…200") }
    }

    func run() async throws {
        let simulator = try FeedSimulator(
            configuration: SimulatorConfiguration(
                seed: seed, scale: scale, faultRate: faults, tokenTTL: tokenTtl, truthDirectory: truth, port: port,
                prerender: prerender, airDays: airDays, airStations: airStations))
        try await simulator.run { port in
            var text = simulator.exports(port: port).joined(separator: "\n")
            text += "\n# serving on http://127.0.0.1:\(port)\n"
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
