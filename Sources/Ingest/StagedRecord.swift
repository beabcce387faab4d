import Warehouse

/// One typed record ready for staging: a text value per schema column (in COPY text form, already checked
/// against the column's type), the fields the manifest does not declare as a JSON object, and its position in
/// the feed (1-based, for rejects and diagnostics).
public struct StagedRecord: Sendable, Equatable {
    public var position: Int
    public var values: [String?]
    /// A JSON object of undeclared fields (schema drift is kept, not lost), or nil.
    public var extra: String?

    public init(position: Int, values: [String?], extra: String? = nil) {
        self.position = position
        self.values = values
        self.extra = extra
    }
}

/// A record that could not be typed: where it was, which field, why, and its raw text.
///
/// `raw` goes to `citypipe.rejects` (a table with restricted grants), never to a log. `key` holds the record's
/// primary-key values when they could be read, so that a snapshot load does not mark that record deleted.
public struct RejectedRecord: Sendable, Equatable {
    public var position: Int
    public var field: String?
    public var reason: String
    public var raw: String?
    public var key: [String?]?

    /// A reject; NUL characters in `raw` become U+FFFD, since a text column cannot store them (the reject is
    /// usually there because of them).
    public init(position: Int, field: String?, reason: String, raw: String?, key: [String?]? = nil) {
        self.position = position
        self.field = field
        self.reason = reason
        self.raw = raw.map { $0.utf8.contains(0) ? $0.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : $0 }
        self.key = key
    }

    /// The record's key as `citypipe.rejects.record_key_hash` (`RecordKeyHash`).
    public var keyHash: String? {
        key.map(RecordKeyHash.of)
    }
}
