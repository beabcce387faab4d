import Foundation

/// A URL's query string as ordered (name, value) pairs, percent-decoded. `+` stays `+` (timestamps carry
/// offsets such as `+07:00`); write a space as `%20`.
struct QueryString: Sendable {
    let items: [(name: String, value: String)]

    init(_ query: String?) throws(APIError) {
        var items: [(String, String)] = []
        for part in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let rawName = pieces.first, let name = String(rawName).removingPercentEncoding,
                  let value = (pieces.count > 1 ? String(pieces[1]) : "").removingPercentEncoding
            else {
                throw .badRequest("bad_query", "the query string has a malformed percent-encoding")
            }
            items.append((name, value))
        }
        self.items = items
    }

    /// The one value of `name`; a second one is an error.
    func single(_ name: String) throws(APIError) -> String? {
        let values = items.filter { $0.name == name }
        guard values.count <= 1 else { throw .badRequest("repeated_parameter", "\(name) is given more than once") }
        return values.first?.value
    }

    var names: [String] { items.map(\.name) }
}
