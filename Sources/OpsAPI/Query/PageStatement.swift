import Foundation
import Normalize
import Postgres

/// The SQL of one page of a view for one role: the role's shaped columns, the request's filters, order and
/// keyset cursor, all values bound as parameters.
///
/// ```sql
/// WITH cur AS (SELECT <decrypted cursor>::json AS j)              -- with a cursor only
/// SELECT <columns>, CASE WHEN row_number() OVER () = <limit> THEN <encrypted cursor of this row> END AS __cursor
/// FROM (SELECT <shaped columns>, <order values> AS __o0… FROM schema.table AS t [, cur]
///       WHERE <filters> [AND <after the cursor>] ORDER BY <order values> LIMIT <limit + 1> OFFSET <offset>) AS p
/// ```
///
/// Pages are ordered by the request's `order` and then by the model's unique key, so the order is total and a
/// cursor names exactly one place. The cursor holds the last row's order values encrypted inside PostgreSQL
/// (pgcrypto, the server's key): for an analyst, a citizen ID used as a key never leaves the database, even
/// inside a cursor. Page 10,000 costs what page 1 costs: the cursor becomes an index range condition.
struct PageStatement {
    let sql: String
    let parameters: [any PostgresBindable]
    /// The columns returned, in order (then `__cursor`, then `__subject` when auditing).
    let columns: [RoleShaping.Column]
    /// Rows asked for (the statement fetches one more to know whether there is a next page); nil for all.
    let limit: Int?
    /// Whether the last column is `__subject` (the pseudonym of the row's person, for the audit log).
    let hasSubject: Bool
    /// What a cursor for this request must carry (view, role, order) to be accepted.
    let signature: String

    /// Keys the statement needs: the pseudonym key and the cursor key (hex).
    struct Keys: Sendable {
        let pseudonym: String
        let cursor: String
    }

    init(view: ViewDescriptor, role: Role, request: ViewRequest, format: OutputFormat, keys: Keys, audit: Bool) throws(APIError) {
        var parameters = SQLParameters()
        let shaping = RoleShaping(role: role)
        let shaped = shaping.columns(of: view, pseudonymKey: keys.pseudonym, parameters: &parameters)
        let byName = Dictionary(shaped.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func lookup(_ name: String, for use: String) throws(APIError) -> RoleShaping.Column {
            if let column = byName[name] { return column }
            if view.column(name) != nil {
                throw .badRequest("column_not_allowed", "\(use): \(name) of \(view.name) holds personal data the \(role.rawValue) role does not see")
            }
            throw .badRequest("unknown_column", "\(use): \(view.name) has no column \(name) (columns: \(shaped.map(\.name).joined(separator: ", ")))")
        }

        // Columns returned.
        var selected: [RoleShaping.Column]
        if let names = request.select {
            selected = []
            for name in names { selected.append(try lookup(name, for: "select")) }
        } else {
            // Geometries are large (a ward's boundary is tens of kilobytes): the tabular formats leave them out
            // unless `select` names them; GeoJSON carries the view's geometry as each feature's.
            selected = shaped.filter { $0.category != .geometry }
        }
        if format == .geojson, let geometry = view.geometryColumn, byName[geometry] != nil,
           !selected.contains(where: { $0.name == geometry }), let column = byName[geometry] {
            selected.append(column)
        }

        // Filters and the name search.
        for filter in request.filters { _ = try lookup(filter.column, for: "filter") }
        var conditions = try PageStatement.conditions(view: view, shaped: shaped, request: request, parameters: &parameters)

        // Order: the request's terms, then the unique key (raw columns of the table; they never leave the
        // database except encrypted in a cursor).
        var terms: [(expression: String, type: String, descending: Bool, nullsFirst: Bool, nullable: Bool)] = []
        for term in request.order {
            let column = try lookup(term.column, for: "order")
            guard PageStatement.isOrderable(column) else {
                throw .badRequest("bad_order", "order: \(column.name) (\(column.type)) cannot be ordered")
            }
            // Text is ordered for its reader: Vietnamese order (Đ after D, tones after the bare letter), where the
            // database sorts bytewise by default (EmbeddedCluster). The cursor compares under the same collation.
            let expression = PageStatement.isText(column) ? "(\(column.expression)) COLLATE \"vi-VN-x-icu\"" : column.expression
            terms.append((expression, column.type, term.descending, term.nullsFirst, true))
        }
        for key in view.uniqueKey {
            guard let column = view.column(key) else {
                throw .internalError("\(view.name): its unique key \(key) is not a column of the built table; run citypipe transform")
            }
            terms.append(("t.\(SQLText.identifier(key))", column.type, false, false, false))
        }
        signature = "\(view.name)|\(role.rawValue)|" + request.order.map { "\($0.column).\($0.descending ? "d" : "a").\($0.nullsFirst ? "f" : "l")" }.joined(separator: ",")

        var from = "\(view.quotedTable) AS t"
        var withClause = ""
        if let cursor = request.cursor {
            let cursorKey = parameters.add(keys.cursor)
            let token = parameters.add(cursor)
            withClause = "WITH cur AS (SELECT \(PageStatement.decryptCursor(token, key: cursorKey)) AS j) "
            from += ", cur"
            var values: [String] = []
            for (index, term) in terms.enumerated() {
                values.append("(cur.j->>\(index + 1))::\(term.type)")
            }
            conditions.append(PageStatement.after(terms.map { ($0.expression, $0.descending, $0.nullsFirst, $0.nullable) }, values: values))
        }
        let orderBy = terms.map { term in
            "\(term.expression) \(term.descending ? "DESC" : "ASC") NULLS \(term.nullsFirst ? "FIRST" : "LAST")"
        }.joined(separator: ", ")

        var inner = selected.map { "\($0.expression) AS \(SQLText.identifier($0.name))" }
        inner += terms.enumerated().map { "\($0.element.expression) AS __o\($0.offset)" }
        let subject = audit ? view.subjectColumn : nil
        if let subject {
            let key = parameters.add(keys.pseudonym)
            inner.append("\(RoleShaping.pseudonym("t.\(SQLText.identifier(subject))", key: key)) AS __subject")
        }
        var innerSQL = "SELECT \(inner.joined(separator: ", ")) FROM \(from)"
        if !conditions.isEmpty { innerSQL += " WHERE " + conditions.joined(separator: " AND ") }
        innerSQL += " ORDER BY \(orderBy)"
        if let limit = request.limit {
            innerSQL += " LIMIT \(parameters.add(limit + 1))"
        }
        if request.offset > 0 { innerSQL += " OFFSET \(parameters.add(request.offset))" }

        var outer = selected.map { PageStatement.output($0, format: format, spatial: request.spatial) }
        if let limit = request.limit {
            let sig = parameters.add(signature)
            let key = parameters.add(keys.cursor)
            let values = ([sig + "::text"] + terms.indices.map { "p.__o\($0)" }).joined(separator: ", ")
            outer.append("CASE WHEN row_number() OVER () = \(parameters.add(limit)) THEN \(PageStatement.encryptCursor("json_build_array(\(values))", key: key)) END AS __cursor")
        } else {
            outer.append("NULL::text AS __cursor")
        }
        if subject != nil { outer.append("p.__subject") }
        sql = withClause + "SELECT \(outer.joined(separator: ", ")) FROM (\(innerSQL)) AS p"
        self.parameters = parameters.values
        columns = selected
        limit = request.limit
        hasSubject = subject != nil
    }

    /// The statement counting the rows that match the filters (no cursor, no limit).
    static func count(view: ViewDescriptor, role: Role, request: ViewRequest, keys: Keys) throws(APIError) -> (String, [any PostgresBindable]) {
        var parameters = SQLParameters()
        let shaped = RoleShaping(role: role).columns(of: view, pseudonymKey: keys.pseudonym, parameters: &parameters)
        let conditions = try conditions(view: view, shaped: shaped, request: request, parameters: &parameters)
        var sql = "SELECT count(*) AS n FROM \(view.quotedTable) AS t"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        return (sql, parameters.values)
    }

    // MARK: - Pieces

    /// The request's filters and its `q` search as SQL conditions over the role's columns.
    static func conditions(
        view: ViewDescriptor, shaped: [RoleShaping.Column], request: ViewRequest, parameters: inout SQLParameters
    ) throws(APIError) -> [String] {
        var conditions: [String] = []
        for filter in request.filters {
            guard let column = shaped.first(where: { $0.name == filter.column }) else {
                throw .badRequest("unknown_column", "filter: \(view.name) has no column \(filter.column) for this role")
            }
            conditions.append(try condition(filter, column: column, parameters: &parameters))
        }
        if let spatial = request.spatial { conditions += spatial.conditions(parameters: &parameters) }
        if let cql2 = request.cql2, let geometry = request.spatial?.geometryColumn {
            let (condition, updated) = try CQL2Translator.translate(
                cql2.text, columns: shaped, geometryColumn: geometry, filterCRS: cql2.crs, parameters: parameters)
            parameters = updated
            conditions.append(condition)
        }
        if let search = request.search {
            // Vietnamese-aware: diacritics, both tone placements, case and đ/d do not matter.
            let names = shaped.filter { $0.category == .text && ($0.name == "name" || $0.name.hasSuffix("_name")) }
            guard !names.isEmpty else {
                throw .badRequest("bad_search", "q: \(view.name) has no name column (name or …_name) this role sees")
            }
            let folded = PersonNameNormalizer.matchKey(search)
                .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            let pattern = parameters.add("%" + folded + "%")
            conditions.append("(" + names.map { "citypipe.fold_name((\($0.expression))::text) LIKE \(pattern)::text" }.joined(separator: " OR ") + ")")
        }
        return conditions
    }

    /// Whether a column holds text (ordered under the Vietnamese collation).
    static func isText(_ column: RoleShaping.Column) -> Bool {
        column.type == "text" || column.type.hasPrefix("character") || column.type.hasPrefix("varchar")
    }

    static func isOrderable(_ column: RoleShaping.Column) -> Bool {
        column.category != .geometry && !["json", "jsonb"].contains(column.type) && !column.type.hasSuffix("[]")
    }

    /// A column's value as the format writes it: GeoJSON for geometries and JSON for composite values in the
    /// JSON formats; WKT and PostgreSQL's text in CSV.
    static func output(_ column: RoleShaping.Column, format: OutputFormat, spatial: SpatialRequest? = nil) -> String {
        let name = "p.\(SQLText.identifier(column.name))"
        if column.category == .geometry, format != .csv, let spatial { return spatial.geoJSON(name) }
        switch (column.category, format) {
        case (.geometry, .csv): return "ST_AsText(\(name))"
        case (.geometry, _): return "ST_AsGeoJSON(\(name))"
        case (.json, .csv): return "\(name)::text"
        case (.json, _): return "to_json(\(name))::text"
        default: return "\(name)::text"
        }
    }

    /// One filter as SQL over `column`'s expression; its value becomes a parameter cast to the column's type.
    static func condition(_ filter: Filter, column: RoleShaping.Column, parameters: inout SQLParameters) throws(APIError) -> String {
        let expression = "(\(column.expression))"
        let condition: String
        switch (filter.op, filter.operand) {
        case (.is, .truth(let word)):
            condition = "\(expression) IS \(filter.negated ? "NOT " : "")\(word.uppercased())"
            return condition
        case (.like, .value(let value)), (.ilike, .value(let value)):
            condition = "\(expression)::text \(filter.op.sql) \(parameters.add(value))"
        case (.in, .list(let items)):
            guard isOrderable(column) || column.category == .text else {
                throw .badRequest("bad_filter", "filter on \(column.name): in. does not apply to \(column.type)")
            }
            for item in items { try validate(item, for: column) }
            condition = "\(expression) = ANY(\(parameters.add(arrayLiteral(items)))::\(column.type)[])"
        case (_, .value(let value)):
            guard isOrderable(column) else {
                throw .badRequest("bad_filter", "filter on \(column.name): \(filter.op.rawValue) does not apply to \(column.type) (is.null does)")
            }
            try validate(value, for: column)
            condition = "\(expression) \(filter.op.sql) \(parameters.add(value))::\(column.type)"
        default:
            throw .badRequest("bad_filter", "filter on \(column.name): \(filter.op.rawValue) does not take that value")
        }
        return filter.negated ? "NOT (\(condition))" : condition
    }

    /// Refuses a value its column's type cannot hold before anything runs (PostgreSQL would too, later).
    static func validate(_ value: String, for column: RoleShaping.Column) throws(APIError) {
        let ok: Bool
        switch column.type {
        case "smallint", "integer", "bigint":
            ok = Int64(value) != nil
        case _ where column.category == .number:
            ok = Double(value) != nil && value.lowercased() != "nan" && !value.lowercased().contains("inf")
        case "boolean":
            ok = ["true", "false", "t", "f"].contains(value.lowercased())
        case "date":
            ok = value.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil
        default:
            ok = !value.contains("\u{0}")
        }
        guard ok else { throw .badRequest("bad_filter_value", "filter on \(column.name): the value is not a valid \(column.type)") }
    }

    /// A PostgreSQL array literal of text items: `{"a","b \"c\""}`.
    static func arrayLiteral(_ items: [String]) -> String {
        "{" + items.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }

    /// Rows strictly after the cursor in the order of `terms` (NULLs where the order puts them).
    static func after(_ terms: [(expression: String, descending: Bool, nullsFirst: Bool, nullable: Bool)], values: [String]) -> String {
        // The common case, a key of NOT NULL columns all ascending: one row comparison, an index range.
        if terms.allSatisfy({ !$0.descending && !$0.nullable }) {
            return "(\(terms.map(\.expression).joined(separator: ", "))) > (\(values.joined(separator: ", ")))"
        }
        var alternatives: [String] = []
        for index in terms.indices {
            var parts: [String] = []
            for earlier in 0..<index {
                parts.append("\(terms[earlier].expression) IS NOT DISTINCT FROM \(values[earlier])")
            }
            parts.append(greater(terms[index], value: values[index]))
            alternatives.append("(" + parts.joined(separator: " AND ") + ")")
        }
        return "(" + alternatives.joined(separator: " OR ") + ")"
    }

    /// `expression` comes strictly after `value` in its term's order.
    static func greater(_ term: (expression: String, descending: Bool, nullsFirst: Bool, nullable: Bool), value: String) -> String {
        let e = term.expression
        let beyond = term.descending ? "\(e) < \(value)" : "\(e) > \(value)"
        if !term.nullable { return beyond }
        if term.nullsFirst {
            // NULLs first: after a NULL comes every non-NULL; after a value, what is beyond it.
            return "(CASE WHEN \(value) IS NULL THEN \(e) IS NOT NULL ELSE \(beyond) END)"
        }
        // NULLs last: after a NULL comes nothing; after a value, what is beyond it and the NULLs.
        return "(CASE WHEN \(value) IS NULL THEN false ELSE (\(beyond) OR \(e) IS NULL) END)"
    }

    /// pgcrypto AES of a JSON value with the cursor key, as URL-safe base64 without padding.
    static func encryptCursor(_ json: String, key: String) -> String {
        "translate(encode(encrypt(convert_to((\(json))::text, 'UTF8'), decode(\(key)::text, 'hex'), 'aes'), 'base64'), E'+/=\\n', '-_')"
    }

    /// The JSON inside a cursor, decrypted with the cursor key.
    static func decryptCursor(_ token: String, key: String) -> String {
        "convert_from(decrypt(decode(rpad(translate(\(token)::text, '-_', '+/'), (length(\(token)::text) + 3) / 4 * 4, '='), 'base64'), decode(\(key)::text, 'hex'), 'aes'), 'UTF8')::json"
    }
}
