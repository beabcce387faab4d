import Foundation
import Hummingbird

/// Query strings read as the Java servers the simulator stands in for read them (FROST-Server, HAPI FHIR: a servlet
/// container), which differs from Hummingbird's own parsing where clients trip.
enum ServletQuery {
    /// The query's parameters as a servlet container decodes them: names and values percent-decoded, `+` read as a
    /// space (so a time offset must be sent as `%2B`).
    static func parameters(_ request: Request) -> [String: Substring] {
        var result: [String: Substring] = [:]
        for pair in (request.uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            guard let name = parts.first else { continue }
            result[decode(name)] = Substring(parts.count > 1 ? decode(parts[1]) : "")
        }
        return result
    }
}
