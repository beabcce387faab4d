import Foundation

/// The `citypipe` executable built beside the test bundle (`swift test` builds every product).
public enum BuiltBinary {
    public static var citypipe: URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if folder.pathExtension == "xctest" { folder = folder.deletingLastPathComponent() }
        for candidate in [folder, folder.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("citypipe")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return folder.appendingPathComponent("citypipe")
    }

    /// The project's `Connectors/` folder.
    public static var connectors: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Connectors")
    }

    /// Runs `citypipe ARGUMENTS` with `environment` added to this process's, in `directory`; returns the exit status
    /// and standard output and error together.
    public static func run(
        _ arguments: [String], environment extra: [String: String], directory: URL? = nil
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = citypipe
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var environment = ProcessInfo.processInfo.environment
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        TestLogs.record(arguments, status: process.terminationStatus, output: text)
        return (process.terminationStatus, text)
    }
}
