import Postgres

/// The parameters of a statement being written: each value added gets the next `$n`. Strings are sent typed as
/// `text` (not `unknown`), so that a parameter the statement happens not to use (the pseudonym key of a count
/// without a pseudonymised filter) never leaves its type undetermined.
struct SQLParameters {
    private(set) var values: [any PostgresBindable] = []

    /// Adds a value and returns its placeholder.
    mutating func add(_ value: any PostgresBindable) -> String {
        if let text = value as? String {
            values.append(TextParameter(value: text))
        } else {
            values.append(value)
        }
        return "$\(values.count)"
    }
}

/// A string bound as `text`.
struct TextParameter: PostgresBindable {
    let value: String
    var postgresParameter: PostgresParameter { .text(value, oid: PostgresOID.text) }
}
