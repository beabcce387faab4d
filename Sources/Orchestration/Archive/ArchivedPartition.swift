import Foundation

/// One partition of a period-partitioned feed written to an archive file (`citypipe archive`), or a candidate
/// for it (a dry run: no file yet).
public struct ArchivedPartition: Sendable, Equatable, Codable {
    /// `citypipe.archives.archive_id`; nil in a dry run.
    public var archiveID: Int64?
    public var feed: String
    /// The partitioned table: `staging.FEED` or `core.clean_FEED`.
    public var parent: String
    /// The partition's own name, `schema.TABLE_pYYYY_MM`.
    public var partition: String
    /// Its bounds as PostgreSQL prints them (`FOR VALUES FROM (…) TO (…)`).
    public var bound: String
    /// First day of the period, `yyyy-MM-dd`.
    public var periodFrom: String
    /// First day after it.
    public var periodTo: String
    public var rows: Int
    /// The archive file (gzip-compressed COPY text) and its size and SHA-256; empty in a dry run.
    public var file: String
    public var bytes: Int
    public var sha256: String
    /// The columns of the file's rows, in order.
    public var columns: [String]
}
