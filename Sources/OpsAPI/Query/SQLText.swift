import Foundation

/// Pieces of SQL text the API writes. Identifiers come from the catalogue (names PostgreSQL gave), never from a
/// request as such: a request's column names are looked up there first. Values are always parameters.
enum SQLText {
    /// A double-quoted identifier (embedded quotes doubled).
    static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
