import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a command tells its operator: live progress and readable lines on a terminal; one JSON object per line
/// otherwise (log shippers, journald), or nothing at all (cron, which mails whatever a job prints); and, with a
/// log file, JSON lines appended there in every case. Events carry counts, names and ids, never a record's values.
struct EventLog: Sendable {
    /// Where events go on standard output.
    enum Output: Sendable {
        /// Readable lines and live progress (a terminal).
        case terminal
        /// One JSON object per event.
        case jsonLines
        /// Nothing (errors still go to standard error, from the command).
        case silent
    }

    let output: Output
    private let file: LogFile?

    /// Terminal on a TTY, JSON lines otherwise (`citypipe ingest`).
    init() {
        output = EventLog.isTerminal ? .terminal : .jsonLines
        file = nil
    }

    /// An explicit output, and JSON lines appended to `logFile` when given.
    init(output: Output, logFile: String?) throws {
        self.output = output
        file = try logFile.map(LogFile.init(path:))
    }

    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    var interactive: Bool { output == .terminal }

    /// One event; on a terminal, a readable line.
    func event(_ name: String, level: String = "info", _ fields: [(String, Any)] = [], human: String) {
        let line = output == .jsonLines || file != nil ? EventLog.json(name, level: level, fields) : nil
        switch output {
        case .terminal: Console.print("\r\u{1B}[K" + human)
        case .jsonLines: line.map(Console.print)
        case .silent: break
        }
        if let line { file?.append(line) }
    }

    /// Progress on a terminal (rewritten in place); nothing otherwise.
    func progress(_ line: String) {
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

/// A log file opened for appending (logrotate's `copytruncate` and a plain rename both work: each line is one
/// `write` at the end of the file).
final class LogFile: Sendable {
    private let descriptor: Int32

    init(path: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw CommandFailure("cannot open the log file \(path): \(String(cString: strerror(errno)))")
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    func append(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        // A failed log write must not stop a nightly run; stderr says so once per line lost.
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written != bytes.count { Console.error("warning: could not write to the log file") }
    }
}

/// A command-level failure with a message for standard error.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
