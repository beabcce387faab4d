import Foundation

/// CQL2 text (basic CQL2 and the basic spatial functions) translated into a parameterised SQL condition over
/// the role's columns: every value becomes a parameter, every property is looked up among the queryables (their
/// SQL expressions), nothing of the text is copied into the SQL.
///
/// Grammar (a subset of OGC 21-065's BNF, the classes declared in /conformance):
/// ```
/// condition   := term { OR term }          term := factor { AND factor }
/// factor      := NOT factor | ( condition ) | predicate
/// predicate   := property ( = | <> | < | <= | > | >= ) literal
///              | property [NOT] LIKE string | property [NOT] BETWEEN literal AND literal
///              | property [NOT] IN ( literal {, literal} ) | property IS [NOT] NULL
///              | S_INTERSECTS ( property , geometry ) | S_INTERSECTS ( geometry , property )
/// literal     := string | number | TRUE | FALSE | DATE('…') | TIMESTAMP('…')
/// geometry    := POINT (x y) | LINESTRING (…) | POLYGON ((…)) | BBOX (x0, y0, x1, y1)  (CRS84, or filter-crs)
/// ```
struct CQL2Translator {
    private var tokens: [CQL2Token]
    private var position = 0
    private let columns: [String: RoleShaping.Column]
    private let geometryColumn: String
    private let filterSRID: Int
    private var parameters: SQLParameters
    private var depth = 0

    /// Translates `text`; returns the condition and the parameters (continuing `parameters`).
    static func translate(
        _ text: String, columns: [RoleShaping.Column], geometryColumn: String, filterCRS: OGCCRS, parameters: SQLParameters
    ) throws(APIError) -> (String, SQLParameters) {
        guard text.count <= 20_000 else { throw .badRequest("bad_filter", "filter: at most 20,000 characters") }
        var translator = CQL2Translator(
            tokens: try CQL2Lexer.tokens(text), columns: Dictionary(columns.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }),
            geometryColumn: geometryColumn, filterSRID: filterCRS.srid, parameters: parameters)
        let sql = try translator.condition()
        guard translator.peek == .end else { throw translator.fail("unexpected \(translator.describe(translator.peek))") }
        return (sql, translator.parameters)
    }

    private init(tokens: [CQL2Token], columns: [String: RoleShaping.Column], geometryColumn: String, filterSRID: Int, parameters: SQLParameters) {
        self.tokens = tokens
        self.columns = columns
        self.geometryColumn = geometryColumn
        self.filterSRID = filterSRID
        self.parameters = parameters
    }

    private var peek: CQL2Token { tokens[position] }

    private mutating func next() -> CQL2Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func fail(_ message: String) -> APIError {
        .badRequest("bad_filter", "filter: \(message) (token \(position + 1))")
    }

    private func describe(_ token: CQL2Token) -> String {
        switch token {
        case .identifier(let name): return "'\(name.prefix(40))'"
        case .string: return "a string"
        case .number(_, let text): return "'\(text.prefix(20))'"
        case .symbol(let symbol): return "'\(symbol)'"
        case .end: return "the end"
        }
    }

    private func isKeyword(_ token: CQL2Token, _ word: String) -> Bool {
        if case .identifier(let name) = token { return name.uppercased() == word }
        return false
    }

    private mutating func expect(_ symbol: String) throws(APIError) {
        guard next() == .symbol(symbol) else { throw fail("expected '\(symbol)'") }
    }

    private mutating func expectKeyword(_ word: String) throws(APIError) {
        guard isKeyword(next(), word) else { throw fail("expected \(word)") }
    }

    // MARK: - Boolean structure

    private mutating func condition() throws(APIError) -> String {
        depth += 1
        defer { depth -= 1 }
        guard depth < 64 else { throw fail("nested too deep") }
        var parts = [try term()]
        while isKeyword(peek, "OR") {
            _ = next()
            parts.append(try term())
        }
        return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " OR ") + ")"
    }

    private mutating func term() throws(APIError) -> String {
        var parts = [try factor()]
        while isKeyword(peek, "AND") {
            _ = next()
            parts.append(try factor())
        }
        return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " AND ") + ")"
    }

    private mutating func factor() throws(APIError) -> String {
        if isKeyword(peek, "NOT") {
            _ = next()
            return "NOT (\(try factor()))"
        }
        if peek == .symbol("(") {
            _ = next()
            let inner = try condition()
            try expect(")")
            return "(\(inner))"
        }
        return try predicate()
    }

    // MARK: - Predicates

    private mutating func predicate() throws(APIError) -> String {
        guard case .identifier(let name) = next() else { throw fail("expected a property or a function") }
        if name.uppercased() == "S_INTERSECTS" { return try intersects() }
        if name.uppercased() == "TRUE" { return "true" }
        if name.uppercased() == "FALSE" { return "false" }
        let column = try property(name)
        var negated = false
        if isKeyword(peek, "NOT") {
            _ = next()
            negated = true
        }
        let expression = "(\(column.expression))"
        if isKeyword(peek, "IS") {
            guard !negated else { throw fail("write IS NOT NULL, not NOT IS") }
            _ = next()
            var not = false
            if isKeyword(peek, "NOT") {
                _ = next()
                not = true
            }
            try expectKeyword("NULL")
            return "\(expression) IS \(not ? "NOT " : "")NULL"
        }
        if isKeyword(peek, "LIKE") {
            _ = next()
            guard case .string(let pattern) = next() else { throw fail("LIKE takes a string") }
            return "\(negated ? "NOT " : "")(\(expression)::text LIKE \(parameters.add(pattern))::text)"
        }
        if isKeyword(peek, "BETWEEN") {
            _ = next()
            let low = try literal(for: column)
            try expectKeyword("AND")
            let high = try literal(for: column)
            return "\(negated ? "NOT " : "")(\(expression) BETWEEN \(low) AND \(high))"
        }
        if isKeyword(peek, "IN") {
            _ = next()
            try expect("(")
            var items = [try literal(for: column)]
            while peek == .symbol(",") {
                _ = next()
                items.append(try literal(for: column))
                guard items.count <= 1_000 else { throw fail("IN takes at most 1,000 values") }
            }
            try expect(")")
            return "\(negated ? "NOT " : "")(\(expression) IN (\(items.joined(separator: ", "))))"
        }
        guard !negated else { throw fail("NOT before LIKE, BETWEEN or IN only") }
        guard case .symbol(let op) = next(), ["=", "<>", "<", "<=", ">", ">="].contains(op) else {
            throw fail("expected a comparison after \(name.prefix(40))")
        }
        return "\(expression) \(op) \(try literal(for: column))"
    }

    private func property(_ name: String) throws(APIError) -> RoleShaping.Column {
        guard let column = columns[name], OGCRoutes.isQueryable(column) else {
            throw .badRequest("bad_filter", "filter: '\(name.prefix(40))' is not a queryable (GET …/queryables lists them)")
        }
        return column
    }

    /// A literal as a parameter cast to the column's type.
    private mutating func literal(for column: RoleShaping.Column) throws(APIError) -> String {
        let token = next()
        switch token {
        case .string(let value):
            try PageStatement.validate(value, for: column)
            return "\(parameters.add(value))::\(column.type)"
        case .number(_, let text):
            guard column.category == .number else { throw fail("\(column.name) is not a number") }
            return "\(parameters.add(text))::\(column.type)"
        case .identifier(let word) where ["TRUE", "FALSE"].contains(word.uppercased()):
            guard column.category == .boolean else { throw fail("\(column.name) is not a boolean") }
            return word.uppercased() == "TRUE" ? "true" : "false"
        case .identifier(let word) where ["DATE", "TIMESTAMP"].contains(word.uppercased()):
            try expect("(")
            guard case .string(let value) = next(), OGCRoutes.isTime(value) else { throw fail("\(word)('…') takes a date or an RFC 3339 time") }
            try expect(")")
            return "\(parameters.add(value))::\(word.uppercased() == "DATE" ? "date" : "timestamptz")"
        default:
            throw fail("expected a value, not \(describe(token))")
        }
    }

    // MARK: - Spatial

    private mutating func intersects() throws(APIError) -> String {
        try expect("(")
        let first = try spatialOperand()
        try expect(",")
        let second = try spatialOperand()
        try expect(")")
        guard first.isProperty != second.isProperty else { throw fail("S_INTERSECTS compares the geometry property with a geometry literal") }
        return "ST_Intersects(\(first.sql), \(second.sql))"
    }

    private mutating func spatialOperand() throws(APIError) -> (sql: String, isProperty: Bool) {
        guard case .identifier(let word) = next() else { throw fail("expected a geometry") }
        if word == geometryColumn { return ("t.\(SQLText.identifier(word))", true) }
        let geometry = "t.\(SQLText.identifier(geometryColumn))"
        switch word.uppercased() {
        case "BBOX":
            try expect("(")
            var numbers: [Double] = []
            repeat {
                if numbers.count > 0 { try expect(",") }
                guard case .number(let value, _) = next() else { throw fail("BBOX takes four numbers") }
                numbers.append(value)
            } while peek == .symbol(",") && numbers.count < 6
            try expect(")")
            guard numbers.count == 4 || numbers.count == 6 else { throw fail("BBOX takes four numbers") }
            let box = numbers.count == 6 ? [numbers[0], numbers[1], numbers[3], numbers[4]] : numbers
            let envelope = "ST_MakeEnvelope(\(parameters.add(box[0]))::float8, \(parameters.add(box[1]))::float8, \(parameters.add(box[2]))::float8, \(parameters.add(box[3]))::float8, \(filterSRID))"
            return ("ST_Transform(\(envelope), ST_SRID(\(geometry)))", false)
        case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON":
            var wkt = word.uppercased()
            var open = 0
            repeat {
                let token = next()
                switch token {
                case .symbol("("): open += 1; wkt += "("
                case .symbol(")"): open -= 1; wkt += ")"
                case .symbol(","): wkt += ","
                case .number(_, let text): wkt += (wkt.last == "(" || wkt.last == "," ? "" : " ") + text
                default: throw fail("\(word) takes coordinates in parentheses")
                }
            } while open > 0
            return ("ST_Transform(ST_GeomFromText(\(parameters.add(wkt))::text, \(filterSRID)), ST_SRID(\(geometry)))", false)
        default:
            throw fail("'\(word.prefix(40))' is neither the geometry property \(geometryColumn) nor a geometry")
        }
    }
}
