import Foundation

/// A connector manifest, `Connectors/NAME.yaml`: everything the ingest engine needs to pull one
/// feed into `staging.NAME`, written by a connector author with no Swift.
///
/// Decode it with `ManifestLoader`, which validates the YAML first and reports every problem
/// with its file, key path and line; decoding alone checks types, not the cross-references.
public struct ConnectorManifest: Codable, Hashable, Sendable {
    /// Feed name: `[a-z][a-z0-9_]*`, equal to the file's stem, the staging table's name.
    public var name: String
    /// Free text for humans.
    public var description: String?
    /// The protocol and format of the feed.
    public var kind: ConnectorKind
    /// Where and how to send the requests.
    public var request: RequestSpec
    /// How to authenticate (default `none`).
    public var auth: AuthSpec
    /// How to walk the pages of a result (default `none`).
    public var pagination: PaginationSpec
    /// Where the records are in a response document.
    public var records: RecordSelector
    /// Incremental cursor and backfill windows; nil means every run is a full snapshot.
    public var incremental: IncrementalSpec?
    /// Names of declared fields forming the staging table's primary key.
    public var primaryKey: [String]
    /// Declared fields, in column order.
    public var fields: [FieldSpec]
    /// Most requests per second to the source; nil means no limit.
    public var rateLimit: Double?
    /// Most requests in flight at once (default 1).
    public var concurrency: Int
    /// Retries of failed requests.
    public var retry: RetryPolicy
    /// Largest share of rejected records (0…1) before the feed's load fails (default 0.01).
    public var maxRejectRatio: Double
    /// What to do with fields the source sends that the manifest does not declare.
    public var schemaDrift: SchemaDrift
    /// The declared field that dates a record (a date, a timestamp, or a year): the transform stage reads the
    /// record's admin codes and phone numbers as of it. Nil: the incremental cursor field when it is a date or a
    /// timestamp, else the day of the transform for snapshot feeds.
    public var recordDate: String?
    /// How the transform stage places records in a post-2025 ward (`place`); nil: every `vn_admin_unit` field, no
    /// province.
    public var place: PlaceSpec?
    /// How `staging.FEED` and `core.clean_FEED` are partitioned by period; nil: not partitioned.
    public var partitionBy: PeriodPartitioning?

    /// Default for `concurrency`.
    public static let defaultConcurrency = 1
    /// Default for `max_reject_ratio`.
    public static let defaultMaxRejectRatio = 0.01

    /// Creates a manifest; the defaults are those of an omitted key.
    public init(
        name: String,
        description: String? = nil,
        kind: ConnectorKind,
        request: RequestSpec,
        auth: AuthSpec = .none,
        pagination: PaginationSpec = .none,
        records: RecordSelector = RecordSelector(),
        incremental: IncrementalSpec? = nil,
        primaryKey: [String],
        fields: [FieldSpec],
        rateLimit: Double? = nil,
        concurrency: Int = ConnectorManifest.defaultConcurrency,
        retry: RetryPolicy = RetryPolicy(),
        maxRejectRatio: Double = ConnectorManifest.defaultMaxRejectRatio,
        schemaDrift: SchemaDrift = .propagate,
        recordDate: String? = nil,
        place: PlaceSpec? = nil,
        partitionBy: PeriodPartitioning? = nil
    ) {
        self.place = place
        self.partitionBy = partitionBy
        self.name = name
        self.description = description
        self.kind = kind
        self.request = request
        self.auth = auth
        self.pagination = pagination
        self.records = records
        self.incremental = incremental
        self.primaryKey = primaryKey
        self.fields = fields
        self.rateLimit = rateLimit
        self.concurrency = concurrency
        self.retry = retry
        self.maxRejectRatio = maxRejectRatio
        self.schemaDrift = schemaDrift
        self.recordDate = recordDate
    }

    /// The declared field called `name`, if any.
    public func field(named name: String) -> FieldSpec? {
        fields.first { $0.name == name }
    }

    /// The YAML keys of a manifest's top level.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, kind, request, auth, pagination, records, incremental
        case primaryKey = "primary_key"
        case fields
        case rateLimit = "rate_limit"
        case concurrency, retry
        case maxRejectRatio = "max_reject_ratio"
        case schemaDrift = "schema_drift"
        case recordDate = "record_date"
        case place
        case partitionBy = "partition_by"
    }

    /// Decodes a manifest; omitted optional keys take their defaults, `fields` may be a
    /// mapping (name → spec, in order) or a sequence of specs with `name`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        kind = try container.decode(ConnectorKind.self, forKey: .kind)
        request = try container.decode(RequestSpec.self, forKey: .request)
        auth = try container.decodeIfPresent(AuthSpec.self, forKey: .auth) ?? .none
        pagination = try container.decodeIfPresent(PaginationSpec.self, forKey: .pagination) ?? .none
        records = try container.decodeIfPresent(RecordSelector.self, forKey: .records) ?? RecordSelector()
        incremental = try container.decodeIfPresent(IncrementalSpec.self, forKey: .incremental)
        primaryKey = try container.decodeIfPresent([String].self, forKey: .primaryKey) ?? []
        fields = try container.decode(FieldList.self, forKey: .fields).fields
        rateLimit = try container.decodeIfPresent(Double.self, forKey: .rateLimit)
        concurrency = try container.decodeIfPresent(Int.self, forKey: .concurrency) ?? Self.defaultConcurrency
        retry = try container.decodeIfPresent(RetryPolicy.self, forKey: .retry) ?? RetryPolicy()
        maxRejectRatio = try container.decodeIfPresent(Double.self, forKey: .maxRejectRatio)
            ?? Self.defaultMaxRejectRatio
        schemaDrift = try container.decodeIfPresent(SchemaDrift.self, forKey: .schemaDrift) ?? .propagate
        recordDate = try container.decodeIfPresent(String.self, forKey: .recordDate)
        place = try container.decodeIfPresent(PlaceSpec.self, forKey: .place)
        partitionBy = try container.decodeIfPresent(PeriodPartitioning.self, forKey: .partitionBy)
    }

    /// Encodes every key, `fields` as a sequence (ordered in any encoder).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(description, forKey: .description)
        try container.encode(kind, forKey: .kind)
        try container.encode(request, forKey: .request)
        try container.encode(auth, forKey: .auth)
        try container.encode(pagination, forKey: .pagination)
        try container.encode(records, forKey: .records)
        try container.encodeIfPresent(incremental, forKey: .incremental)
        try container.encode(primaryKey, forKey: .primaryKey)
        try container.encode(fields, forKey: .fields)
        try container.encodeIfPresent(rateLimit, forKey: .rateLimit)
        try container.encode(concurrency, forKey: .concurrency)
        try container.encode(retry, forKey: .retry)
        try container.encode(maxRejectRatio, forKey: .maxRejectRatio)
        try container.encode(schemaDrift, forKey: .schemaDrift)
        try container.encodeIfPresent(recordDate, forKey: .recordDate)
        try container.encodeIfPresent(place, forKey: .place)
        try container.encodeIfPresent(partitionBy, forKey: .partitionBy)
    }
}

/// The protocol and document format of a feed.
public enum ConnectorKind: String, Codable, Hashable, Sendable, CaseIterable {
    /// JSON over HTTP, records in an array of the response.
    case restJSON = "rest-json"
    /// Delimited text, over HTTP or from files, gzip or not.
    case csv
    /// XML documents, streamed, records at an element path.
    case xml
    /// A GeoJSON FeatureCollection.
    case geojson
    /// OGC API Features (GeoJSON pages with `next` links).
    case ogcFeatures = "ogc-features"
    /// HL7 FHIR R4 Bundles (records are the `entry` elements, `link[relation=next].url` pages).
    case fhir
    /// OGC SensorThings API (`value` arrays, `@iot.nextLink`).
    case sensorthings

    /// True for the kinds whose documents are JSON.
    public var isJSON: Bool {
        switch self {
        case .restJSON, .geojson, .ogcFeatures, .fhir, .sensorthings: return true
        case .csv, .xml: return false
        }
    }
}

/// What to do with fields that the source sends and the manifest does not declare.
public enum SchemaDrift: String, Codable, Hashable, Sendable, CaseIterable {
    /// Keep them in `_extra jsonb` and say nothing.
    case ignore
    /// Keep them in `_extra jsonb` and report them, and add columns declared later to the staging table.
    case propagate
    /// Fail the feed's load.
    case fail
}

/// How failed requests (network errors, 429, 5xx, truncated bodies) are retried.
public struct RetryPolicy: Codable, Hashable, Sendable {
    /// Backoff between attempts.
    public enum Backoff: String, Codable, Hashable, Sendable, CaseIterable {
        /// Double the delay each time (with jitter), up to `max_delay`.
        case exponential
        /// The same delay each time.
        case constant
    }

    /// Attempts in all, the first included (default 5).
    public var maxAttempts: Int
    /// Backoff strategy (default exponential).
    public var backoff: Backoff
    /// First delay (default 1s).
    public var initialDelay: ManifestDuration
    /// Longest delay (default 60s); a `Retry-After` longer than this is still honoured.
    public var maxDelay: ManifestDuration

    /// Creates a policy.
    public init(
        maxAttempts: Int = 5,
        backoff: Backoff = .exponential,
        initialDelay: ManifestDuration = ManifestDuration(seconds: 1),
        maxDelay: ManifestDuration = ManifestDuration(seconds: 60)
    ) {
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// The YAML keys of `retry`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case maxAttempts = "max_attempts"
        case backoff
        case initialDelay = "initial_delay"
        case maxDelay = "max_delay"
    }

    /// Decodes, defaulting omitted keys.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RetryPolicy()
        maxAttempts = try container.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? defaults.maxAttempts
        backoff = try container.decodeIfPresent(Backoff.self, forKey: .backoff) ?? defaults.backoff
        initialDelay = try container.decodeIfPresent(ManifestDuration.self, forKey: .initialDelay)
            ?? defaults.initialDelay
        maxDelay = try container.decodeIfPresent(ManifestDuration.self, forKey: .maxDelay) ?? defaults.maxDelay
    }
}
