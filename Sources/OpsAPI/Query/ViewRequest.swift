import Foundation

/// What a request to `GET /v1/views/{name}` asks for, parsed from its query string (the names are checked
/// against the view's columns later, for the caller's role).
struct ViewRequest: Sendable {
    /// How many rows when the request does not say; and the most it may ask for.
    static let defaultLimit = 100
    static let maximumLimit = 10_000
    /// Parameters that are not filters.
    static let reserved: Set<String> = ["select", "order", "limit", "offset", "cursor", "count", "format", "q"]

    /// How to count the rows that match.
    enum Count: String, Sendable {
        case exact, estimated, none
    }

    var select: [String]?
    var filters: [Filter] = []
    var order: [OrderTerm] = []
    /// nil: every row (`limit=all`, streamed formats only).
    var limit: Int? = ViewRequest.defaultLimit
    var offset: Int = 0
    var cursor: String?
    var count: Count = .none
    var format: OutputFormat?
    var search: String?
    /// OGC API – Features: the bounding box, the time, the output CRS.
    var spatial: SpatialRequest?
    /// OGC API – Features Part 3: a CQL2 text filter and the CRS of its geometries.
    var cql2: (text: String, crs: OGCCRS)?

    init() {}

    /// Parses the query string; `extra` names further parameters the route itself takes.
    init(_ query: QueryString, extra: Set<String> = []) throws(APIError) {
        for (name, value) in query.items {
            if ViewRequest.reserved.contains(name) || extra.contains(name) { continue }
            guard name.range(of: #"^[A-Za-z_][A-Za-z0-9_]{0,62}$"#, options: .regularExpression) != nil else {
                throw .badRequest("unknown_parameter", "'\(name.prefix(40))' is not a parameter nor a column name (parameters: \(ViewRequest.reserved.sorted().joined(separator: ", ")), or column=operator.value)")
            }
            filters.append(try Filter.parse(column: name, value))
        }
        if let text = try query.single("select") {
            let columns = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard !columns.isEmpty, !columns.contains(where: \.isEmpty) else {
                throw .badRequest("bad_select", "select: write column names separated by commas")
            }
            select = columns
        }
        if let text = try query.single("order") { order = try OrderTerm.parseList(text) }
        if let text = try query.single("format") {
            guard let format = OutputFormat(parameter: text) else {
                throw .badRequest("bad_format", "format: '\(text.prefix(20))' is not json, csv, ndjson or geojson")
            }
            self.format = format
        }
        if let text = try query.single("limit") {
            if text == "all" {
                limit = nil
            } else {
                guard let value = Int(text), (1...ViewRequest.maximumLimit).contains(value) else {
                    throw .badRequest("bad_limit", "limit: a whole number from 1 to \(ViewRequest.maximumLimit) (or all, for csv and ndjson exports)")
                }
                limit = value
            }
        }
        if let text = try query.single("offset") {
            guard let value = Int(text), value >= 0, value <= 100_000_000 else {
                throw .badRequest("bad_offset", "offset: a whole number from 0")
            }
            offset = value
        }
        if let text = try query.single("cursor") {
            guard !text.isEmpty, text.count <= 4_096,
                  text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            else {
                throw .badRequest("bad_cursor", "cursor: not a cursor this API gave (copy it from next_cursor or the Link header)")
            }
            cursor = text
        }
        if cursor != nil && offset > 0 {
            throw .badRequest("bad_cursor", "give cursor or offset, not both")
        }
        if let text = try query.single("count") {
            guard let count = Count(rawValue: text) else {
                throw .badRequest("bad_count", "count: exact, estimated or none")
            }
            self.count = count
        }
        if let text = try query.single("q") {
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty, text.count <= 200 else {
                throw .badRequest("bad_search", "q: 1 to 200 characters")
            }
            search = text
        }
    }
}
