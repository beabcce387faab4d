import Postgres

/// The parameters of a statement being written: each value added gets the next `$n`.
struct SQLParameters {
    private(set) var values: [any PostgresBindable] = []

    /// Adds a value and returns its placeholder.
    mutating func add(_ value: any PostgresBindable) -> String {
        values.append(value)
        return "$\(values.count)"
    }
}
