/// `records.keep`: only the records whose declared field holds one of the listed values are staged; the others
/// are read past (not staged, not rejected). A FHIR searchset Bundle's entries with `search.mode` `include` (a
/// resource another one referenced) or `outcome` (an OperationOutcome) are not matches of the search:
///
/// ```yaml
/// records:
///   path: entry
///   keep: {field: search_mode, values: [match]}
/// ```
///
/// A record without the field (null) is kept when `values` lists the empty string `""`.
public struct RecordKeep: Codable, Hashable, Sendable {
    /// A declared field.
    public var field: String
    /// The values that keep a record, compared as text.
    public var values: [String]

    /// Creates a keep rule.
    public init(field: String, values: [String]) {
        self.field = field
        self.values = values
    }

    /// Whether a record whose field holds `value` (nil: missing or null) is kept.
    public func keeps(_ value: String?) -> Bool {
        values.contains(value ?? "")
    }
}
