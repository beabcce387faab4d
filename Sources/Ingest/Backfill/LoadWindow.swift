import Foundation

/// One window of a backfill: the request parameters that ask the source for it, and the bounds of the staged
/// rows it replaces (`[from, to)` on the manifest's cursor field).
public struct LoadWindow: Sendable, Equatable {
    /// Start of the window (inclusive).
    public let from: Date
    /// End of the window (exclusive).
    public let to: Date
    /// Query parameters for the request, e.g. `[("from", "2025-09-01"), ("to", "2025-09-02")]`.
    public let parameters: [QueryParameter]
    /// `from` as an RFC 3339 timestamp in Asia/Ho_Chi_Minh, castable to the cursor column's type.
    public let lowerBound: String
    /// `to` likewise.
    public let upperBound: String

    /// A request parameter.
    public struct QueryParameter: Sendable, Equatable {
        public let name: String
        public let value: String
    }

    /// Creates a window.
    public init(from: Date, to: Date, parameters: [QueryParameter]) {
        self.from = from
        self.to = to
        self.parameters = parameters
        self.lowerBound = LoadWindow.timestamp(from)
        self.upperBound = LoadWindow.timestamp(to)
    }

    /// The parameters as the page planner takes them.
    var pairs: [(String, String)] { parameters.map { ($0.name, $0.value) } }

    /// `2025-09-01T00:00:00+07:00`.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        return formatter.string(from: date)
    }
}
