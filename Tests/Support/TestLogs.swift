import Foundation

/// What a test run leaves for `scripts/pii-log-search` (the personal-data search of `make test`), when `make test`
/// sets the variables; without them nothing is kept and nothing changes.
///
/// - `CITYPIPE_TEST_LOGS`: a folder where the standard output and error of each `citypipe` a test runs against a
///   simulator's data (`BuiltBinary.run`, `SimulatorProcess.citypipe`, PipelineRunTests, the API tests' `serve` and
///   `runCitypipe`) is appended to `citypipe-children.log` (the tests read it from a pipe and show it only when an
///   assertion fails), and where a log a test wrote to a temporary file is copied before the test removes it. Not
///   CLITests': they print fixtures, and a fixture's name ("Nguyễn Thị Hoà") may well be one of some truth's names.
/// - `CITYPIPE_TEST_TRUTH`: a folder where every `citypipe simulate` a test starts leaves the truth files that hold
///   personal data (`SimulatorProcess`), before each advance and when stopped, and where the in-process simulators
///   of the simulator's own tests list their seed and scale (`in-process-simulators.txt`), for the search to make
///   their truth itself.
public enum TestLogs {
    /// `$CITYPIPE_TEST_LOGS`, when set.
    public static let folder: URL? = variable("CITYPIPE_TEST_LOGS")
    /// `$CITYPIPE_TEST_TRUTH`, when set.
    public static let truthFolder: URL? = variable("CITYPIPE_TEST_TRUTH")

    /// The truth files with personal data that `scripts/pii-log-search` reads (the others are not kept).
    public static let personalTruthFiles = [
        "population.csv", "population_clean.csv", "population_malformed.csv", "rejects.csv", "labour.csv",
        "health_encounters.csv", "health_encounters_people.csv", "business.csv", "insurance.csv",
    ]

    private static let lock = NSLock()

    private static func variable(_ name: String) -> URL? {
        guard let path = ProcessInfo.processInfo.environment[name], !path.isEmpty else { return nil }
        return URL(fileURLWithPath: path, isDirectory: true)
    }

    /// Appends what one `citypipe ARGUMENTS` printed (standard output and error) to `citypipe-children.log`.
    public static func record(_ arguments: [String], status: Int32, output: String) {
        guard let folder else { return }
        var text = "# citypipe \(arguments.joined(separator: " ")) (exit \(status))\n" + output
        if !text.hasSuffix("\n") { text += "\n" }
        append(Data(text.utf8), to: folder.appendingPathComponent("citypipe-children.log"))
    }

    /// Appends the log a test wrote at `log` to `citypipe-children.log` (call it before removing the file).
    public static func keep(_ log: URL) {
        guard let folder, let data = try? Data(contentsOf: log) else { return }
        var text = Data("# \(log.lastPathComponent)\n".utf8) + data
        if data.last != UInt8(ascii: "\n") { text.append(UInt8(ascii: "\n")) }
        append(text, to: folder.appendingPathComponent("citypipe-children.log"))
    }

    /// Appends a line to `name` under the truth folder.
    public static func listInTruthFolder(_ line: String, file name: String) {
        guard let truthFolder else { return }
        append(Data((line + "\n").utf8), to: truthFolder.appendingPathComponent(name))
    }

    /// Copies (or moves) the personal-data truth files of `truth` to a new folder `label` under
    /// `$CITYPIPE_TEST_TRUTH/simulator` (with a `simulator.txt`: seed and scale).
    public static func keepTruth(_ truth: URL, simulator: String, label: String, seed: Int, scale: Double, move: Bool) {
        guard let truthFolder else { return }
        let target = truthFolder.appendingPathComponent(simulator).appendingPathComponent(label)
        let files = FileManager.default
        do {
            try files.createDirectory(at: target, withIntermediateDirectories: true)
            for name in personalTruthFiles {
                let source = truth.appendingPathComponent(name)
                guard files.fileExists(atPath: source.path) else { continue }
                if move {
                    try files.moveItem(at: source, to: target.appendingPathComponent(name))
                } else {
                    try files.copyItem(at: source, to: target.appendingPathComponent(name))
                }
            }
            try "\(seed) \(scale)\n".write(to: target.appendingPathComponent("simulator.txt"), atomically: true, encoding: .utf8)
        } catch {
            // The search then finds fewer values; say so where the search's reader will see it.
            FileHandle.standardError.write(Data("TestLogs: cannot keep the truth of \(simulator) (\(label)): \(error)\n".utf8))
        }
    }

    private static func append(_ data: Data, to url: URL) {
        lock.withLock {
            let files = FileManager.default
            try? files.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !files.fileExists(atPath: url.path) { _ = files.createFile(atPath: url.path, contents: nil) }
            guard let handle = try? FileHandle(forWritingTo: url) else { return }
            defer { try? handle.close() }
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: data)
        }
    }
}
