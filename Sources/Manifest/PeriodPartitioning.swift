/// `partition_by`: the feed's staging table, and its clean copy `core.clean_FEED`, are partitioned by ranges of a
/// declared date or timestamp field, one partition per month (or year). A backfill of a month then touches one
/// partition, and `citypipe archive FEED --before DATE` detaches and archives the old ones.
///
/// ```yaml
/// partition_by:
///   field: period        # a declared date or timestamptz field, part of primary_key
///   interval: month      # month (default) or year
/// ```
///
/// Timestamps are cut at midnight in Vietnam (UTC+7), the boundary a month has for the province.
public struct PeriodPartitioning: Codable, Hashable, Sendable {
    /// The length of one partition.
    public enum Interval: String, Codable, Hashable, Sendable, CaseIterable {
        case month
        case year
    }

    /// The declared field whose value chooses the partition.
    public var field: String
    public var interval: Interval

    /// Creates a partitioning.
    public init(field: String, interval: Interval = .month) {
        self.field = field
        self.interval = interval
    }

    /// The YAML keys of `partition_by`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case field, interval
    }

    /// Decodes `partition_by`; `interval` defaults to month.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        field = try container.decode(String.self, forKey: .field)
        interval = try container.decodeIfPresent(Interval.self, forKey: .interval) ?? .month
    }
}
