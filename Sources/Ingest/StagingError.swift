import Postgres

/// Why a staging load failed. Messages name the feed, the column or the count, never a record's values.
public enum StagingError: Error, CustomStringConvertible, Sendable {
    /// The schema derived from the manifest is not usable.
    case invalidSchema(feed: String, reason: String)
    /// The manifest and the existing staging table disagree in a way the drift policy does not allow.
    case schemaDrift(feed: String, reason: String)
    /// More records were rejected than the feed allows; staging was left as it was.
    case rejectRatioExceeded(feed: String, rejected: Int, total: Int, limit: Double)
    /// A record does not have one value per column.
    case recordShape(feed: String, position: Int, expected: Int, found: Int)
    /// Another process is loading this feed now.
    case busy(feed: String)
    /// The load was used after it finished.
    case finished(feed: String)
    /// PostgreSQL failed.
    case database(feed: String, PostgresError)

    public var description: String {
        switch self {
        case .invalidSchema(let feed, let reason): return "feed \(feed): invalid staging schema: \(reason)"
        case .schemaDrift(let feed, let reason):
            return "feed \(feed): the manifest and staging.\(feed) disagree: \(reason)"
        case .rejectRatioExceeded(let feed, let rejected, let total, let limit):
            let ratio = total == 0 ? 0 : Double(rejected) / Double(total)
            return "feed \(feed): \(rejected) of \(total) records rejected (\(String(format: "%.2f", ratio * 100)) %), over the limit of \(String(format: "%.2f", limit * 100)) %; staging left unchanged, see citypipe.rejects"
        case .recordShape(let feed, let position, let expected, let found):
            return "feed \(feed), record \(position): \(found) values for \(expected) columns (a bug in the connector)"
        case .finished(let feed): return "feed \(feed): the load has already finished"
        case .busy(let feed):
            return "feed \(feed): another process is loading it now (advisory lock citypipe:feed:\(feed)); try again when it is done"
        case .database(let feed, let error): return "feed \(feed): \(error)"
        }
    }
}
