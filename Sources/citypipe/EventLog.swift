import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a command tells its operator: live progress on a terminal, one JSON object per line otherwise (cron,
/// systemd, log shippers). Events carry counts, names and ids, never a record's values.
struct EventLog: Sendable {
    let interactive: Bool

    init() {
        interactive = isatty(STDOUT_FILENO) == 1
    }

    /// One event; on a terminal, a readable line.
    func event(_ name: String, level: String = "info", _ fields: [(String, Any)] = [], human: String) {
        if interactive {
            Console.print("\r\u{1B}[K" + human)
            return
        }
        var object: [String: Any] = ["ts": EventLog.timestamp(), "level": level, "event": name]
        for (key, value) in fields { object[key] = value }
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
            Console.print(String(decoding: data, as: UTF8.self))
        }
    }

    /// Progress on a terminal (rewritten in place); nothing otherwise.
    func progress(_ line: String) {
        guard interactive else { return }
        FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
