import Foundation

/// The representations a view is served in: `?format=` or the `Accept` header (the parameter wins).
enum OutputFormat: String, Sendable, CaseIterable {
    case json, csv, ndjson, geojson

    init?(parameter: String) {
        self.init(rawValue: parameter.lowercased())
    }

    var contentType: String {
        switch self {
        case .json: return "application/json; charset=utf-8"
        case .csv: return "text/csv; charset=utf-8"
        case .ndjson: return "application/x-ndjson"
        case .geojson: return "application/geo+json"
        }
    }

    /// Formats streamed whole (`limit=all` allowed): one row after another, no envelope to close.
    var streams: Bool { self == .csv || self == .ndjson }

    /// The format an `Accept` header asks for: the first media type (by q, then order) that is served;
    /// JSON for none, `*/*` or `application/*`. nil when it names only types the API does not serve.
    static func negotiate(accept: String?) -> OutputFormat? {
        guard let accept, !accept.isEmpty else { return .json }
        var choices: [(type: String, q: Double, index: Int)] = []
        for (index, part) in accept.split(separator: ",").enumerated() {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let type = pieces.first, !type.isEmpty else { continue }
            var q = 1.0
            for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
                q = Double(parameter.dropFirst(2)) ?? 1
            }
            if q > 0 { choices.append((type, q, index)) }
        }
        for choice in choices.sorted(by: { $0.q != $1.q ? $0.q > $1.q : $0.index < $1.index }) {
            switch choice.type {
            case "application/json", "*/*", "application/*": return .json
            case "text/csv": return .csv
            case "application/x-ndjson", "application/ndjson", "application/jsonl": return .ndjson
            case "application/geo+json": return .geojson
            case "text/*": return .csv
            default: continue
            }
        }
        return nil
    }
}
