/// Values written into the text of a statement the transform builds (a time, a partition's value), where a
/// parameter cannot go (a view's definition, a DDL statement).
enum SQLText {
    /// `text` as an SQL string literal, its quotes doubled.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
