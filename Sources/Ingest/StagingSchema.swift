import Postgres

/// The shape of one feed's staging table: `staging.FEED` with the manifest's typed columns, its primary key, and
/// the bookkeeping columns `_extra jsonb`, `_run_id`, `_loaded_at`, `_hash`, `_deleted_at`.
public struct StagingSchema: Sendable, Equatable {
    /// One typed column.
    public struct Column: Sendable, Equatable {
        public let name: String
        /// A PostgreSQL type from `StagingSchema.allowedTypes`.
        public let sqlType: String

        public init(name: String, sqlType: String) {
            self.name = name
            self.sqlType = sqlType
        }
    }

    /// What a column added to the manifest does to an existing staging table.
    public enum DriftPolicy: String, Sendable {
        /// The new column is not added; its values stay in `_extra`.
        case ignore
        /// The new column is added (`ALTER TABLE … ADD COLUMN`).
        case propagate
        /// The load fails, naming the column.
        case fail
    }

    /// How the table is cut by period (manifest `partition_by`).
    public struct Partitioning: Sendable, Equatable {
        /// The partition key, a date or timestamptz column of the primary key.
        public let column: String
        /// `month` or `year`.
        public let interval: String
        /// The first period a load makes partitions from (the manifest's `start_datetime`: `2020-01`,
        /// `2024-01-01`, a timestamp); nil: from the load's window, or the current period.
        public let since: String?
        /// The rest of the primary key names the record: a record sent again with another period replaces the
        /// staged one (manifest `period_can_change`).
        public let periodCanChange: Bool

        public init(column: String, interval: String = "month", since: String? = nil, periodCanChange: Bool = false) {
            self.column = column
            self.interval = interval
            self.since = since
            self.periodCanChange = periodCanChange
        }
    }

    /// The feed's name, also the table's name in schema `staging`.
    public let feed: String
    public let columns: [Column]
    /// Column names of the primary key (at least one).
    public let primaryKey: [String]
    public let drift: DriftPolicy
    /// Nil: one plain table.
    public let partitioning: Partitioning?

    /// The binary COPY encoding of each column, when every column has one (then a load sends its rows in
    /// PostgreSQL's binary COPY format, which the server takes without parsing text); nil: rows go as text.
    public var copyBinary: [CopyBinary.Column]? {
        let encodings = columns.compactMap { CopyBinary.Column(sqlType: $0.sqlType) }
        return encodings.count == columns.count ? encodings : nil
    }

    /// The column types a manifest may declare.
    public static let allowedTypes: Set<String> = [
        "text", "integer", "bigint", "numeric", "double precision", "boolean", "date", "timestamptz", "jsonb",
        "geometry",
    ]

    /// Bookkeeping columns every staging table has.
    public static let reservedColumns: Set<String> = ["_extra", "_run_id", "_loaded_at", "_hash", "_deleted_at"]

    /// Builds and checks a schema: identifiers are lower-case `[a-z_][a-z0-9_]*`, types are allowed, the key's
    /// columns exist, a partition column is a date or timestamp of the key.
    public init(
        feed: String, columns: [Column], primaryKey: [String], drift: DriftPolicy = .propagate,
        partitioning: Partitioning? = nil
    ) throws(StagingError)
    {
        guard StagingSchema.isIdentifier(feed) else { throw .invalidSchema(feed: feed, reason: "the feed name must match [a-z_][a-z0-9_]*") }
        var seen = Set<String>()
        for column in columns {
            guard StagingSchema.isIdentifier(column.name) else {
                throw .invalidSchema(feed: feed, reason: "column \(column.name) must match [a-z_][a-z0-9_]*")
            }
            guard !StagingSchema.reservedColumns.contains(column.name) else {
                throw .invalidSchema(feed: feed, reason: "column \(column.name) is reserved for CityPipe's bookkeeping")
            }
            guard StagingSchema.allowedTypes.contains(column.sqlType) else {
                throw .invalidSchema(feed: feed, reason: "column \(column.name) has type \(column.sqlType), not one of \(StagingSchema.allowedTypes.sorted().joined(separator: ", "))")
            }
            guard seen.insert(column.name).inserted else {
                throw .invalidSchema(feed: feed, reason: "column \(column.name) is declared twice")
            }
        }
        guard !primaryKey.isEmpty else { throw .invalidSchema(feed: feed, reason: "the primary key is empty") }
        for key in primaryKey where !seen.contains(key) {
            throw .invalidSchema(feed: feed, reason: "primary key column \(key) is not a declared column")
        }
        if let partitioning {
            guard primaryKey.contains(partitioning.column),
                  let type = columns.first(where: { $0.name == partitioning.column })?.sqlType,
                  type == "date" || type == "timestamptz"
            else {
                throw .invalidSchema(feed: feed, reason: "the partition column \(partitioning.column) must be a date or timestamptz column of the primary key")
            }
            guard partitioning.interval == "month" || partitioning.interval == "year" else {
                throw .invalidSchema(feed: feed, reason: "the partition interval \(partitioning.interval) is neither month nor year")
            }
            guard !partitioning.periodCanChange || primaryKey.contains(where: { $0 != partitioning.column }) else {
                throw .invalidSchema(feed: feed, reason: "period_can_change needs a primary key column besides \(partitioning.column), to name the record")
            }
        }
        self.partitioning = partitioning
        self.feed = feed
        self.columns = columns
        self.primaryKey = primaryKey
        self.drift = drift
    }

    /// `staging.FEED`.
    public var table: String { "staging.\(feed)" }

    /// The columns that name a record: the primary key, without the partition column when a record's period can
    /// change (`period_can_change`). Within a load the last record of this key wins.
    public var recordKey: [String] {
        guard let partitioning, partitioning.periodCanChange else { return primaryKey }
        return primaryKey.filter { $0 != partitioning.column }
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 63 else { return false }
        guard first == "_" || ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }
}
