/// One term of `order=`, in PostgREST's syntax: `column[.asc|.desc][.nullsfirst|.nullslast]`.
struct OrderTerm: Sendable, Equatable {
    let column: String
    let descending: Bool
    /// Where nulls go; PostgreSQL's default is last ascending, first descending.
    let nullsFirst: Bool

    init(column: String, descending: Bool = false, nullsFirst: Bool? = nil) {
        self.column = column
        self.descending = descending
        self.nullsFirst = nullsFirst ?? descending
    }

    /// Parses `a.desc,b,c.asc.nullsfirst`.
    static func parseList(_ text: String) throws(APIError) -> [OrderTerm] {
        var terms: [OrderTerm] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard let column = parts.first, !column.isEmpty, parts.count <= 3 else {
                throw .badRequest("bad_order", "order: write column[.asc|.desc][.nullsfirst|.nullslast], separated by commas")
            }
            var descending = false
            var nullsFirst: Bool? = nil
            for modifier in parts.dropFirst() {
                switch modifier {
                case "asc": descending = false
                case "desc": descending = true
                case "nullsfirst": nullsFirst = true
                case "nullslast": nullsFirst = false
                default:
                    throw .badRequest("bad_order", "order: '\(modifier.prefix(20))' is not asc, desc, nullsfirst or nullslast")
                }
            }
            terms.append(OrderTerm(column: column, descending: descending, nullsFirst: nullsFirst))
        }
        guard terms.count <= 8 else { throw .badRequest("bad_order", "order: at most 8 columns") }
        return terms
    }
}
