import Foundation

/// Lines written straight to the process's standard output and error (the event log's terminal and JSON-lines
/// outputs, and the one warning a failed log write gives).
enum StandardStreams {
    static func print(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// A problem on standard error, prefixed as every `citypipe` message is.
    static func error(_ line: String) {
        FileHandle.standardError.write(Data(("citypipe: " + line + "\n").utf8))
    }
}
