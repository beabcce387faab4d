/// `request.partitions_from`: the parts of a source listed by another feed's staged records (Airbyte's substream
/// partition router), e.g. one request walk per SensorThings Datastream, the Datastreams being what the feed
/// `air_quality_stations` staged.
///
/// ```yaml
/// request:
///   url: ${CITYPIPE_AIR_URL}/v1.1/Datastreams({datastream})/Observations
///   partitions_from:
///     feed: air_quality_stations    # the parent feed, loaded in an earlier step
///     field: datastream_id          # its staged field whose distinct values are the parts
///     parameter: datastream         # the slot ({datastream}) or query parameter each value goes to
///     record_field: datastream_id   # this feed's field holding the same value: each part keeps its own cursor
/// ```
///
/// Parts the parent no longer lists (marked deleted there) are not read. With `record_field` and an incremental
/// cursor, each part asks from its own latest staged cursor (minus the lookback), so a station that stopped
/// reporting for days is read from where it stopped, not from where the others are.
public struct PartitionSource: Codable, Hashable, Sendable {
    /// The parent feed (its staging table `staging.FEED`).
    public var feed: String
    /// The parent's declared field whose distinct staged values are the parts.
    public var field: String
    /// The URL slot `{parameter}`, or else the query parameter, carrying a part's value.
    public var parameter: String
    /// This feed's declared field holding the part's value in every record: the cursor is kept per part.
    public var recordField: String?

    /// Creates a partition source.
    public init(feed: String, field: String, parameter: String, recordField: String? = nil) {
        self.feed = feed
        self.field = field
        self.parameter = parameter
        self.recordField = recordField
    }

    /// The YAML keys of `request.partitions_from`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case feed, field, parameter
        case recordField = "record_field"
    }
}
