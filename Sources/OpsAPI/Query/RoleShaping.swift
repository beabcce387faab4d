import Transform

/// How a role sees a view's columns: the one place where personal data is shaped (Decree 13/2023/NĐ-CP),
/// applied to every view, format and endpoint alike.
///
/// - officer: every column as stored;
/// - analyst: an `identifier` becomes a keyed pseudonym computed inside PostgreSQL (HMAC-SHA-256 with the
///   server's key, 32 hex digits: the same person has the same pseudonym in every view), a `birth_date` its year,
///   and every other personal column is withheld;
/// - viewer and operator: only views without personal columns; a viewer sees each `suppress` count of people
///   only from 5 up (null below, and the column named in `_suppressed`);
/// - auditor: no view.
struct RoleShaping: Sendable {
    /// One column as a role sees it.
    struct Column: Sendable {
        let name: String
        /// The SQL expression over the base table (alias `t`), with `$n` placeholders of `parameters`.
        let expression: String
        /// The expression's type as PostgreSQL names it (for casting filter values and cursors).
        let type: String
        let category: ViewColumn.Category
    }

    /// The smallest count of people a viewer sees.
    static let smallCountThreshold = 5
    /// The name of the viewer's suppression flag column.
    static let suppressedColumn = "_suppressed"

    let role: Role

    /// Can the role read the view at all? nil when it can, else why not.
    func refusal(for view: ViewDescriptor) -> String? {
        guard role.readsViews else { return "the \(role.rawValue) role reads the audit log, not views" }
        if view.isPersonal && !role.readsPersonalViews {
            return "\(view.name) holds personal data: the \(role.rawValue) role reads views without personal columns (analyst and officer tokens read this one)"
        }
        return nil
    }

    /// The columns the role sees, in table order, with `pseudonymKey` bound once when needed.
    func columns(of view: ViewDescriptor, pseudonymKey: String, parameters: inout SQLParameters) -> [Column] {
        var keyPlaceholder: String? = nil
        var result: [Column] = []
        for column in view.columns {
            let quoted = "t.\(SQLText.identifier(column.name))"
            switch (role, column.personal) {
            case (.analyst, .identifier?):
                let key = keyPlaceholder ?? parameters.add(pseudonymKey)
                keyPlaceholder = key
                result.append(Column(
                    name: column.name, expression: RoleShaping.pseudonym(quoted, key: key), type: "text", category: .text))
            case (.analyst, .birthDate?):
                result.append(Column(
                    name: column.name, expression: "date_part('year', \(quoted))::integer", type: "integer", category: .number))
            case (.analyst, _?):
                continue
            case (.viewer, nil) where column.suppressed:
                result.append(Column(
                    name: column.name,
                    expression: "CASE WHEN \(quoted) < \(RoleShaping.smallCountThreshold) THEN NULL ELSE \(quoted) END",
                    type: column.type, category: column.category))
            default:
                result.append(Column(name: column.name, expression: quoted, type: column.type, category: column.category))
            }
        }
        if role == .viewer {
            let suppressed = view.columns.filter(\.suppressed)
            if !suppressed.isEmpty {
                let items = suppressed.map { column in
                    "CASE WHEN t.\(SQLText.identifier(column.name)) < \(RoleShaping.smallCountThreshold) THEN '\(column.name)' END"
                }
                result.append(Column(
                    name: RoleShaping.suppressedColumn,
                    expression: "array_remove(ARRAY[\(items.joined(separator: ", "))]::text[], NULL)",
                    type: "text[]", category: .json))
            }
        }
        return result
    }

    /// The keyed pseudonym of a value: the first 32 hex digits of HMAC-SHA-256(value, key), inside PostgreSQL.
    static func pseudonym(_ expression: String, key: String) -> String {
        "left(encode(hmac((\(expression))::text, \(key)::text, 'sha256'), 'hex'), 32)"
    }
}
