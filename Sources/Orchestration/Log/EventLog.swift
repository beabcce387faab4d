import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a command tells its operator: live progress and readable lines on a terminal; one JSON object per line
/// otherwise (log shippers, journald), or nothing at all (cron, which mails whatever a job prints); and, with a
/// log file, JSON lines appended there in every case. Events carry counts, names and ids, never a record's values.
public struct EventLog: Sendable {
    /// Where events go on standard output.
    public enum Output: Sendable {
        /// Readable lines and live progress (a terminal).
        case terminal
        /// One JSON object per event.
        case jsonLines
        /// Nothing (errors still go to standard error, from the command).
        case silent
    }

    /// Where events go on standard output.
    public let output: Output
    private let file: LogFile?

    /// Nothing on standard output and no file: for callers (the API) that report through their own channels.
    public static let silent = EventLog(output: .silent)

    /// Terminal on a TTY, JSON lines otherwise (`citypipe ingest`, `citypipe backfill`).
    public init() {
        output = EventLog.isTerminal ? .terminal : .jsonLines
        file = nil
    }

    /// An explicit output and no log file.
    public init(output: Output) {
        self.output = output
        file = nil
    }

    /// An explicit output, and JSON lines appended to `logFile` when given.
    ///
    /// - Throws: `OrchestrationError.failed` naming the file when it cannot be opened for appending.
    public init(output: Output, logFile: String?) throws(OrchestrationError) {
        self.output = output
        if let logFile {
            file = try LogFile(path: logFile)
        } else {
            file = nil
        }
    }

    /// True when standard output is a terminal.
    public static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// True when events are shown as readable lines (a terminal).
    public var interactive: Bool { output == .terminal }

    /// One event; on a terminal, a readable line.
    public func event(_ name: String, level: String = "info", _ fields: [(String, Any)] = [], human: String) {
        let line = output == .jsonLines || file != nil ? EventLog.json(name, level: level, fields) : nil
        switch output {
        case .terminal: StandardStreams.print("\r\u{1B}[K" + human)
        case .jsonLines: line.map(StandardStreams.print)
        case .silent: break
        }
        if let line { file?.append(line) }
    }

    /// Progress on a terminal (rewritten in place); nothing otherwise.
    public func progress(_ line: String) {
        guard output == .terminal else { return }
        FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    static func json(_ name: String, level: String, _ fields: [(String, Any)]) -> String? {
        var object: [String: Any] = ["ts": EventLog.timestamp(), "level": level, "event": name]
        for (key, value) in fields { object[key] = value }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
