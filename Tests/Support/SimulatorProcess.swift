import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `citypipe simulate` running as a child process for a test: its environment exports, its truth folder.
public final class SimulatorProcess: @unchecked Sendable {
    public let process: Process
    /// The `export NAME=VALUE` lines it printed, as a dictionary.
    public let exports: [String: String]
    public let truth: URL
    public let seed: Int
    public let scale: Double
    /// The truth snapshots kept so far under `$CITYPIPE_TEST_TRUTH` (see `keepTruth`).
    private var snapshots = 0
    private let snapshotLock = NSLock()

    public init(seed: Int, scale: Double, faults: Double = 0, extra: [String] = []) throws {
        self.seed = seed
        self.scale = scale
        truth = FileManager.default.temporaryDirectory.appendingPathComponent("truth-\(UUID().uuidString)")
        process = Process()
        process.executableURL = BuiltBinary.citypipe
        process.arguments = [
            "simulate", "--port", "0", "--seed", String(seed), "--scale", String(scale), "--faults", String(faults),
            "--truth", truth.path,
        ] + extra
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var exports: [String: String] = [:]
        var text = ""
        let reader = output.fileHandleForReading
        let deadline = Date().addingTimeInterval(120)
        while !text.contains("# serving"), Date() < deadline {
            let data = reader.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        for line in text.split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst("export ".count)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            var value = String(assignment[assignment.index(after: equals)...])
            if value.hasPrefix("'") && value.hasSuffix("'") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            exports[String(assignment[..<equals])] = value
        }
        self.exports = exports
    }

    /// Whether this build has the `simulate` command.
    public static var isAvailable: Bool {
        let process = Process()
        process.executableURL = BuiltBinary.citypipe
        process.arguments = ["--help"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        let help = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return help.contains("\n  simulate ")
    }

    /// Runs `citypipe ARGUMENTS` pointed at this simulator (its exports) and at `databaseURL`; returns the exit
    /// status and standard output and error together.
    public func citypipe(_ arguments: [String], databaseURL: String, directory: URL? = nil) throws -> (status: Int32, output: String) {
        try BuiltBinary.run(arguments, environment: exports.merging(["DATABASE_URL": databaseURL]) { _, new in new }, directory: directory)
    }

    /// `citypipe ARGUMENTS` pointed at this simulator (its exports) and at `databaseURL`, not yet started.
    public func command(_ arguments: [String], databaseURL: String, directory: URL? = nil) -> Process {
        let process = Process()
        process.executableURL = BuiltBinary.citypipe
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var environment = ProcessInfo.processInfo.environment
        environment.merge(exports) { _, new in new }
        environment["DATABASE_URL"] = databaseURL
        process.environment = environment
        return process
    }

    /// Keeps the personal-data files of the truth as they are now under `$CITYPIPE_TEST_TRUTH` (when set), for
    /// `scripts/pii-log-search`: called before each advance (which rewrites the truth: the versions it replaces
    /// were served, and may be logged) and when the simulator stops.
    public func keepTruth(move: Bool = false) {
        guard TestLogs.truthFolder != nil else { return }
        let label: String = snapshotLock.withLock {
            snapshots += 1
            return String(snapshots)
        }
        TestLogs.keepTruth(
            truth, simulator: "seed\(seed)-scale\(scale)-\(truth.lastPathComponent.suffix(8))", label: label, seed: seed,
            scale: scale, move: move)
    }

    /// Stops the simulator and removes its truth folder (keeping its personal-data files first when
    /// `$CITYPIPE_TEST_TRUTH` is set).
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        keepTruth(move: true)
        try? FileManager.default.removeItem(at: truth)
    }
}
