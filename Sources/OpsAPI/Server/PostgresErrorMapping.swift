import Postgres

extension APIError {
    /// What a database error means for the caller: a request PostgreSQL could not run is a 400 (naming the
    /// class of problem, never a value), a timeout a 503, a lost database a 503; anything else a 500.
    static func from(_ error: any Error, doing action: String) -> APIError {
        if let api = error as? APIError { return api }
        guard let postgres = error as? PostgresError else {
            return .internalError("\(action) failed: \(error)")
        }
        let state = postgres.sqlState ?? ""
        if state == "57014" {
            return .unavailable("\(action) took longer than the API's statement timeout; narrow the filters or use a cursor")
        }
        if state == "39000" || state == "22023" && action.contains("cursor") {
            return .badRequest("bad_cursor", "cursor: not a cursor this API gave for this request")
        }
        if state == "XX000" && postgres.message.lowercased().contains("geometry") || state == "XX000" && postgres.message.contains("parse error") {
            return .badRequest("bad_filter", "\(action): a geometry of the request is not valid (PostGIS: \(postgres.message.prefix(120)))")
        }
        if state.hasPrefix("22") {
            return .badRequest("bad_value", "\(action): a value does not fit its column's type (SQLSTATE \(state))")
        }
        if state.hasPrefix("08") || postgres.kind == .connection || postgres.kind == .pool {
            return .unavailable("\(action): the database is not reachable now")
        }
        if state == "42501" {
            return .internalError("\(action): the API's database role may not read this; run citypipe db migrate")
        }
        // The server's message names types, operators and objects (values only in classes 22 and 23, handled above).
        return .internalError("\(action) failed (SQLSTATE \(state.isEmpty ? "none" : state)): \(postgres.message)")
    }
}
