/// An error from PostgreSQL or from this client, with what failed and where.
///
/// Server errors carry the SQLSTATE and the server's message, detail and hint. Every error names the statement
/// it came from (a caller-chosen name, or the first line of the SQL), never the values of its parameters, so
/// that personal data cannot reach a log through an error message.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public enum Kind: String, Sendable {
        /// The connection could not be opened or was lost.
        case connection
        /// The server rejected a statement (see `sqlState`).
        case server
        /// A `COPY` stream failed on the client side (encoding, a NUL byte, a protocol state).
        case copy
        /// A value in a result could not be decoded to the requested Swift type.
        case decoding
        /// The pool could not hand out a connection in time, or was shut down.
        case pool
        /// The embedded cluster could not be created, started or stopped.
        case cluster
        /// A migration could not be applied, or an applied one was changed.
        case migration
    }

    public var kind: Kind
    /// Five-character SQLSTATE for server errors (`23505` unique violation, `40001` serialisation failure…).
    public var sqlState: String?
    /// The primary message.
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The statement's name: never its parameter values.
    public var statement: String?

    public init(
        _ kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        statement: String? = nil
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.statement = statement
    }

    /// True for a unique-constraint violation (SQLSTATE 23505).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// True when the connection itself is unusable (lost, or never opened).
    public var isConnectionFailure: Bool {
        kind == .connection || (sqlState.map { $0.hasPrefix("08") || $0 == "57P01" || $0 == "57P02" } ?? false)
    }

    /// The error for logs and terminals. For data exceptions (SQLSTATE class 22) and integrity violations
    /// (class 23), whose server texts quote the offending values (`Key (cccd)=(…) already exists`), the quoted
    /// values are replaced by `…`: they may be personal data. The unredacted texts stay in `message` and `detail`.
    public var description: String {
        let redact = sqlState.map { $0.hasPrefix("22") || $0.hasPrefix("23") } ?? false
        var text = "PostgreSQL \(kind.rawValue) error"
        if let sqlState { text += " \(sqlState)" }
        if let statement { text += " in \(statement)" }
        text += ": \(redact ? PostgresError.redactValues(message) : message)"
        if let detail, !detail.isEmpty { text += " (detail: \(redact ? PostgresError.redactValues(detail) : detail))" }
        if let hint, !hint.isEmpty { text += " (hint: \(hint))" }
        return text
    }

    /// Replaces `"quoted"` values, the value lists of `(columns)=(values)` and the row of `Failing row contains (…)`
    /// with `…`.
    static func redactValues(_ text: String) -> String {
        var output = ""
        var iterator = text.makeIterator()
        var previous: Character? = nil
        while let character = iterator.next() {
            if character == "\"" {
                output += "\"…\""
                while let next = iterator.next(), next != "\"" {}
                previous = "\""
                continue
            }
            if character == "(" && (previous == "=" || output.hasSuffix("contains ")) {
                output += "(…)"
                var depth = 1
                while depth > 0, let next = iterator.next() {
                    if next == "(" { depth += 1 } else if next == ")" { depth -= 1 }
                }
                previous = ")"
                continue
            }
            output.append(character)
            previous = character
        }
        return output
    }
}
