import Foundation

/// Incremental reads (Airbyte's `DatetimeBasedCursor`): the largest `cursor_field` value loaded
/// is kept in `citypipe.feed_state`, and the next run asks for records from it on (inclusive,
/// minus `lookback_window`); duplicates are removed by primary key.
public struct IncrementalSpec: Codable, Hashable, Sendable {
    /// Name of a declared field whose value orders the records (e.g. `updated_at`).
    public var cursorField: String
    /// Query parameter carrying the cursor on the request (e.g. `updated_since`); nil when only
    /// `window` parameters are sent.
    public var parameter: String?
    /// How cursor values are written in requests and read from records (default iso8601).
    public var format: CursorFormat
    /// The parameter's value around the cursor, `{cursor}` standing for it: `phenomenonTime ge {cursor}` for a
    /// SensorThings `$filter` (time literals unquoted), `ge{cursor}` for a FHIR `_lastUpdated`; nil: the cursor alone.
    public var valueTemplate: String?
    /// Ask again for this much before the saved cursor, for late-arriving updates.
    public var lookbackWindow: ManifestDuration?
    /// Where a first run (or a backfill without `--from`) starts, in `format`.
    public var startDatetime: String?
    /// Window parameters for backfills and for sources that only answer bounded ranges.
    public var window: WindowSpec?

    /// Creates an incremental spec.
    public init(
        cursorField: String,
        parameter: String? = nil,
        format: CursorFormat = .iso8601,
        valueTemplate: String? = nil,
        lookbackWindow: ManifestDuration? = nil,
        startDatetime: String? = nil,
        window: WindowSpec? = nil
    ) {
        self.cursorField = cursorField
        self.parameter = parameter
        self.format = format
        self.valueTemplate = valueTemplate
        self.lookbackWindow = lookbackWindow
        self.startDatetime = startDatetime
        self.window = window
    }

    /// The YAML keys of `incremental`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case cursorField = "cursor_field"
        case parameter, format
        case valueTemplate = "value_template"
        case lookbackWindow = "lookback_window"
        case startDatetime = "start_datetime"
        case window
    }

    /// Decodes, defaulting omitted keys.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cursorField = try container.decode(String.self, forKey: .cursorField)
        parameter = try container.decodeIfPresent(String.self, forKey: .parameter)
        format = try container.decodeIfPresent(CursorFormat.self, forKey: .format) ?? .iso8601
        valueTemplate = try container.decodeIfPresent(String.self, forKey: .valueTemplate)
        lookbackWindow = try container.decodeIfPresent(ManifestDuration.self, forKey: .lookbackWindow)
        startDatetime = try container.decodeIfPresent(String.self, forKey: .startDatetime)
        window = try container.decodeIfPresent(WindowSpec.self, forKey: .window)
    }
}

extension IncrementalSpec {
    /// The placeholder of `value_template`.
    public static let cursorSlot = "{cursor}"

    /// The request parameter's value for `cursor`: the template with the cursor in its place, or the cursor.
    public func parameterValue(_ cursor: String) -> String {
        guard let valueTemplate else { return cursor }
        return valueTemplate.replacingOccurrences(of: Self.cursorSlot, with: cursor)
    }
}

/// How cursor and window values are written in requests.
public enum CursorFormat: String, Codable, Hashable, Sendable, CaseIterable {
    /// `2025-07-01T00:00:00Z` (RFC 3339, UTC).
    case iso8601
    /// `2025-07-01`.
    case date
    /// `2025-07` (monthly exports).
    case month
    /// Seconds since 1970-01-01 UTC.
    case epochSeconds = "epoch_seconds"
    /// Milliseconds since 1970-01-01 UTC.
    case epochMillis = "epoch_millis"

    /// Whether `text` is a value of this format (for `start_datetime`).
    public func accepts(_ text: String) -> Bool {
        let pattern: String
        switch self {
        case .iso8601: pattern = #"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"#
        case .date: pattern = #"^\d{4}-\d{2}-\d{2}$"#
        case .month: pattern = #"^\d{4}-\d{2}$"#
        case .epochSeconds, .epochMillis: pattern = #"^\d+$"#
        }
        return text.range(of: pattern, options: .regularExpression) != nil
    }
}

/// Window parameters: a backfill (`citypipe backfill FEED --from --to --step`) and a source that
/// answers bounded ranges are read window by window, `[start, end)` each.
public struct WindowSpec: Codable, Hashable, Sendable {
    /// Query parameter carrying the window's start (e.g. `from`, or `period` for monthly exports).
    public var startParameter: String
    /// Query parameter carrying the window's end (exclusive); nil when the source takes a start only.
    public var endParameter: String?
    /// Length of one window (e.g. `P1D`, `P1M`).
    public var step: ManifestDuration

    /// Creates a window spec.
    public init(startParameter: String, endParameter: String? = nil, step: ManifestDuration) {
        self.startParameter = startParameter
        self.endParameter = endParameter
        self.step = step
    }

    /// The YAML keys of `incremental.window`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case startParameter = "start_parameter"
        case endParameter = "end_parameter"
        case step
    }
}
