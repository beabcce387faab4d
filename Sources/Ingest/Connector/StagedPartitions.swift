import Foundation
import Manifest
import Postgres

/// The parts of a feed whose manifest lists them through `request.partitions_from`: the distinct values another
/// feed has staged (not marked deleted), and, when the manifest names the record field holding a part's value, the
/// latest cursor each part has staged. Both are read from the tables the loads commit to, so a part's cursor can
/// never run ahead of the rows it covers.
struct StagedPartitions: Sendable {
    let source: PartitionSource
    /// The parts, in the parent column's order.
    let values: [String]
    /// A part's latest staged cursor value, in the manifest's cursor format.
    let cursors: [String: String]

    /// Reads the parts of `manifest` (whose `request.partitions_from` is `source`).
    static func read(_ connection: PostgresConnection, manifest: ConnectorManifest, source: PartitionSource) throws -> StagedPartitions {
        guard StagingSchema.isIdentifier(source.feed), StagingSchema.isIdentifier(source.field) else {
            throw StagingError.invalidSchema(feed: manifest.name, reason: "request.partitions_from names no staged feed and field")
        }
        let parent = "staging.\(source.feed)"
        let loaded = try connection.query(
            "SELECT to_regclass($1) IS NOT NULL AND EXISTS (SELECT 1 FROM citypipe.feed_state WHERE feed = $2 AND last_success_at IS NOT NULL) AS e",
            [parent, source.feed], name: "partition parent loaded"
        ).first?.decode(Bool.self, "e") ?? false
        guard loaded else { throw PartitionParentMissing(feed: manifest.name, parent: source.feed) }
        let values = try connection.query(
            "SELECT v::text AS v FROM (SELECT DISTINCT \(source.field) AS v FROM \(parent) WHERE _deleted_at IS NULL AND \(source.field) IS NOT NULL) AS d ORDER BY d.v",
            name: "read partitions"
        ).map { try $0.decode(String.self, "v") }
        var cursors: [String: String] = [:]
        if let recordField = source.recordField, let incremental = manifest.incremental,
           StagingSchema.isIdentifier(recordField), StagingSchema.isIdentifier(incremental.cursorField),
           let cursorType = manifest.field(named: incremental.cursorField)?.type
        {
            let own = "staging.\(manifest.name)"
            let hasTable = try connection.query("SELECT to_regclass($1) IS NOT NULL AS e", [own], name: "staging exists")
                .first?.decode(Bool.self, "e") ?? false
            if hasTable {
                // Timestamps as the cursor is written (ICT offset), whatever the session's time zone.
                let latest =
                    switch cursorType {
                    case .timestamptz:
                        "to_char(max(\(incremental.cursorField)) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+07:00\"')"
                    default: "max(\(incremental.cursorField))::text"
                    }
                for row in try connection.query(
                    "SELECT \(recordField)::text AS part, \(latest) AS latest FROM \(own) WHERE _deleted_at IS NULL GROUP BY 1",
                    name: "read partition cursors")
                {
                    if let part = try row.decode(String?.self, "part"), let value = try row.decode(String?.self, "latest") {
                        cursors[part] = value
                    }
                }
            }
        }
        return StagedPartitions(source: source, values: values, cursors: cursors)
    }

    /// The parameters of each part's request walk in a nightly run: the part's value, and (incremental feeds) the
    /// cursor parameter from the part's own cursor (or the feed's, for a part with nothing staged yet, else the
    /// manifest's start) minus the lookback.
    func requests(manifest: ConnectorManifest, storedCursor: String?) -> [[(String, String)]] {
        values.map { value in
            var parameters = [(source.parameter, value)]
            if let incremental = manifest.incremental, let parameter = incremental.parameter {
                let own = source.recordField == nil ? storedCursor : cursors[value]
                if let start = own ?? incremental.startDatetime {
                    let from = IncrementalPlan.subtract(incremental.lookbackWindow, from: start, format: incremental.format)
                    parameters.append((parameter, incremental.parameterValue(from)))
                }
            }
            return parameters
        }
    }

    /// A backfill window's parameters for each part.
    func requests(window: [(String, String)]) -> [[(String, String)]] {
        values.map { [(source.parameter, $0)] + window }
    }
}

/// A feed reads its parts from another feed's staging table, which is not there: the parent has never loaded.
public struct PartitionParentMissing: Error, CustomStringConvertible {
    public let feed: String
    public let parent: String
    public var description: String {
        "feed \(feed): its parts come from feed \(parent) (request.partitions_from), which has never loaded; "
            + "run `citypipe ingest \(parent)` first, or put it in an earlier step of the pipeline"
    }
}
