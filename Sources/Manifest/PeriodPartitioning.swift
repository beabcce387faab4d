/// `partition_by`: the feed's staging table, and its clean copy `core.clean_FEED`, are partitioned by ranges of a
/// declared date or timestamp field, one partition per month (or year). A backfill of a month then touches one
/// partition, and `citypipe archive FEED --before DATE` detaches and archives the old ones.
///
/// ```yaml
/// partition_by:
///   field: discharged_at     # a declared date or timestamptz field, part of primary_key
///   interval: month          # month (default) or year
///   period_can_change: true  # default false
/// ```
///
/// Timestamps are cut at midnight in Vietnam (UTC+7), the boundary a month has for the province.
///
/// PostgreSQL wants the partition field in the primary key. When the field is only there for that reason (a claim
/// is `claim_id`, whatever its discharge time), `period_can_change: true` says so: the rest of the key names the
/// record, a record sent again with another period replaces the staged one (which is marked deleted in its old
/// partition), and within one load the last record of that shorter key wins. Without it (insurance: one record per
/// insurance number and month), the period is part of the record's identity.
public struct PeriodPartitioning: Codable, Hashable, Sendable {
    /// The length of one partition.
    public enum Interval: String, Codable, Hashable, Sendable, CaseIterable {
        case month
        case year
    }

    /// The declared field whose value chooses the partition.
    public var field: String
    public var interval: Interval
    /// The record keeps its identity (the primary key without `field`) when its period changes.
    public var periodCanChange: Bool

    /// Creates a partitioning.
    public init(field: String, interval: Interval = .month, periodCanChange: Bool = false) {
        self.field = field
        self.interval = interval
        self.periodCanChange = periodCanChange
    }

    /// The YAML keys of `partition_by`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case field, interval
        case periodCanChange = "period_can_change"
    }

    /// Decodes `partition_by`; `interval` defaults to month, `period_can_change` to false.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        field = try container.decode(String.self, forKey: .field)
        interval = try container.decodeIfPresent(Interval.self, forKey: .interval) ?? .month
        periodCanChange = try container.decodeIfPresent(Bool.self, forKey: .periodCanChange) ?? false
    }

    /// Encodes `partition_by`, leaving out `period_can_change` when false.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(field, forKey: .field)
        try container.encode(interval, forKey: .interval)
        if periodCanChange { try container.encode(periodCanChange, forKey: .periodCanChange) }
    }
}
