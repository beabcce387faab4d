import Foundation

/// One condition of a view request, in PostgREST's syntax: `column=[not.]operator.value`.
///
/// `?ward_code=eq.27001`, `?population=gte.1000`, `?ward_type=in.(phuong,xa)`, `?ward_name=ilike.*ninh*`,
/// `?closed_on=is.null`, `?status=not.eq.active`. The value is always bound as a parameter, never written into
/// the SQL.
struct Filter: Sendable, Equatable {
    /// What a filter compares with.
    enum Operator: String, Sendable, CaseIterable {
        case eq, neq, gt, gte, lt, lte, like, ilike, `in`, `is`

        /// The SQL operator for the binary comparisons.
        var sql: String {
            switch self {
            case .eq: return "="
            case .neq: return "<>"
            case .gt: return ">"
            case .gte: return ">="
            case .lt: return "<"
            case .lte: return "<="
            case .like: return "LIKE"
            case .ilike: return "ILIKE"
            case .in: return "IN"
            case .is: return "IS"
            }
        }
    }

    /// The operand.
    enum Operand: Sendable, Equatable {
        case value(String)
        case list([String])
        /// `is.null`, `is.true`, `is.false`, `is.unknown`.
        case truth(String)
    }

    let column: String
    let negated: Bool
    let op: Operator
    let operand: Operand

    /// Parses `[not.]op.value` given for `column`.
    static func parse(column: String, _ text: String) throws(APIError) -> Filter {
        var rest = Substring(text)
        var negated = false
        if rest.hasPrefix("not.") {
            negated = true
            rest = rest.dropFirst(4)
        }
        guard let dot = rest.firstIndex(of: ".") else {
            throw .badRequest("bad_filter", "filter on \(column): write operator.value, e.g. \(column)=eq.VALUE (operators: \(Operator.allCases.map(\.rawValue).joined(separator: ", ")), each may follow not.)")
        }
        let name = String(rest[..<dot])
        guard let op = Operator(rawValue: name) else {
            throw .badRequest("bad_filter", "filter on \(column): '\(name.prefix(20))' is not an operator (operators: \(Operator.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let value = String(rest[rest.index(after: dot)...])
        switch op {
        case .in:
            return Filter(column: column, negated: negated, op: op, operand: .list(try parseList(value, column: column)))
        case .is:
            let word = value.lowercased()
            guard ["null", "true", "false", "unknown"].contains(word) else {
                throw .badRequest("bad_filter", "filter on \(column): is. takes null, true, false or unknown")
            }
            return Filter(column: column, negated: negated, op: op, operand: .truth(word))
        case .like, .ilike:
            // PostgREST's wildcard is `*` (URLs and `%` do not mix well); `%` works too.
            return Filter(column: column, negated: negated, op: op, operand: .value(value.replacingOccurrences(of: "*", with: "%")))
        default:
            return Filter(column: column, negated: negated, op: op, operand: .value(value))
        }
    }

    /// `(a,b,"c,d")` → ["a", "b", "c,d"]; a quoted item may contain `\"`.
    static func parseList(_ text: String, column: String) throws(APIError) -> [String] {
        guard text.hasPrefix("("), text.hasSuffix(")"), text.count >= 2 else {
            throw .badRequest("bad_filter", "filter on \(column): in. takes a list in parentheses, e.g. in.(a,b,\"c d\")")
        }
        let inner = Array(text.dropFirst().dropLast())
        var items: [String] = []
        var current = ""
        var quoted = false
        var wasQuoted = false
        var index = 0
        while index < inner.count {
            let character = inner[index]
            if quoted {
                if character == "\\", index + 1 < inner.count {
                    current.append(inner[index + 1])
                    index += 2
                    continue
                }
                if character == "\"" { quoted = false } else { current.append(character) }
            } else if character == "\"" && current.isEmpty {
                quoted = true
                wasQuoted = true
            } else if character == "," {
                items.append(wasQuoted ? current : current.trimmingCharacters(in: .whitespaces))
                current = ""
                wasQuoted = false
            } else {
                current.append(character)
            }
            index += 1
        }
        guard !quoted else {
            throw .badRequest("bad_filter", "filter on \(column): a quoted item of in.(…) is not closed")
        }
        if !inner.isEmpty { items.append(wasQuoted ? current : current.trimmingCharacters(in: .whitespaces)) }
        guard !items.isEmpty, items.count <= 1_000 else {
            throw .badRequest("bad_filter", "filter on \(column): in.(…) takes 1 to 1,000 items")
        }
        return items
    }
}
