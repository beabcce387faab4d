import CLibPQ

/// A connection string with server parameters for every session opened with it (libpq's `options`, `-c name=value`).
public enum ConninfoSettings {
    /// `conninfo` (a `postgresql://` URL or `key=value` words, empty for libpq's `PG*` variables) with `settings` added
    /// to its `options` after any it already has, written back as `key=value` words (spaces and backslashes in a
    /// setting escaped as libpq reads `options`).
    ///
    /// - Throws: `PostgresError` (`.connection`) when libpq cannot read `conninfo`.
    public static func adding(_ settings: [(name: String, value: String)], to conninfo: String) throws(PostgresError) -> String {
        guard !settings.isEmpty else { return conninfo }
        var error: UnsafeMutablePointer<CChar>? = nil
        guard let parsed = PQconninfoParse(conninfo, &error) else {
            let message = error.map { String(cString: $0) } ?? "out of memory"
            if let error { PQfreemem(error) }
            throw PostgresError(.connection, message: "the connection string cannot be read: \(message)")
        }
        defer { PQconninfoFree(parsed) }
        var words: [String] = []
        var options: String? = nil
        var option = parsed
        while let keyword = option.pointee.keyword {
            let name = String(cString: keyword)
            if let value = option.pointee.val.map({ String(cString: $0) }) {
                if name == "options" { options = value } else { words.append("\(name)=\(quoted(value))") }
            }
            option += 1
        }
        let added = settings.map { "-c " + escaped("\($0.name)=\($0.value)") }.joined(separator: " ")
        words.append("options=\(quoted(options.map { $0.isEmpty ? added : $0 + " " + added } ?? added))")
        return words.joined(separator: " ")
    }

    /// A `key=value` value: in single quotes, with `\` and `'` escaped.
    static func quoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// One word of libpq's `options`: a backslash before each space and backslash.
    static func escaped(_ word: String) -> String {
        word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: " ", with: "\\ ")
    }
}
