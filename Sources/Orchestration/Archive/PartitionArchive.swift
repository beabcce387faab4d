import Foundation
import Ingest
import Postgres

/// `citypipe archive FEED --before DATE`: the partitions of a period-partitioned feed (manifest `partition_by`)
/// whose period ends on or before DATE, in `staging.FEED` and `core.clean_FEED`, are written to archive files and
/// dropped; `--restore` puts them back.
///
/// Each partition is one transaction: its rows are COPYed out to `DIR/FEED/PARTITION-STAMP.copy.gz` (gzip COPY text,
/// flushed to disk, with a JSON sidecar naming its columns, rows and SHA-256), recorded in `citypipe.archives`,
/// detached and dropped (an empty one, a month before the source's first, without a file); a failure rolls the
/// partition back and removes its file. The feed's load lock and its transform lock are held throughout: no load,
/// backfill window or normalise pass of the feed runs meanwhile. A late record of an archived period that arrives
/// afterwards is staged in the default partition and given a new partition of its period by its load; restoring
/// merges the archived rows under it (the late record, newer, stays).
///
/// The models built from the archived rows keep what they derived from them until a full rebuild (`citypipe
/// transform --full`), which no longer sees them.
public enum PartitionArchive {
    /// The partitions of `feed` whose period ends on or before `before` (`yyyy-MM-dd`), oldest first.
    public static func candidates(_ c: PostgresConnection, feed: String, before: String) throws -> [ArchivedPartition] {
        try c.query(
            """
            WITH parts AS (
                SELECT format('%I.%I', pn.nspname, p.relname) AS parent, format('%I.%I', n.nspname, k.relname) AS partition,
                       pg_get_expr(k.relpartbound, k.oid) AS bound, k.reltuples,
                       regexp_match(k.relname, '_p([0-9]{4})(?:_([0-9]{2}))?$') AS m
                FROM pg_inherits AS i
                JOIN pg_class AS k ON k.oid = i.inhrelid JOIN pg_namespace AS n ON n.oid = k.relnamespace
                JOIN pg_class AS p ON p.oid = i.inhparent JOIN pg_namespace AS pn ON pn.oid = p.relnamespace
                WHERE i.inhparent IN (to_regclass('staging.' || $1), to_regclass('core.clean_' || $1))
            ), periods AS (
                SELECT parent, partition, bound, greatest(reltuples, 0)::bigint AS estimate,
                       make_date(m[1]::int, coalesce(m[2]::int, 1), 1) AS period_from,
                       (make_date(m[1]::int, coalesce(m[2]::int, 1), 1) + CASE WHEN m[2] IS NULL THEN interval '1 year' ELSE interval '1 month' END)::date AS period_to
                FROM parts WHERE m IS NOT NULL
            )
            SELECT parent, partition, bound, estimate, period_from::text AS period_from, period_to::text AS period_to
            FROM periods WHERE period_to <= $2::date ORDER BY period_from, parent DESC
            """, [feed, before], name: "partitions to archive"
        ).map { row in
            ArchivedPartition(
                archiveID: nil, feed: feed, parent: try row.decode(String.self, "parent"),
                partition: try row.decode(String.self, "partition"), bound: try row.decode(String.self, "bound"),
                periodFrom: try row.decode(String.self, "period_from"), periodTo: try row.decode(String.self, "period_to"),
                rows: try row.decode(Int.self, "estimate"), file: "", bytes: 0, sha256: "", columns: [])
        }
    }

    /// Archives the partitions `candidates` lists into `directory/FEED/`, under the feed's locks; returns what was
    /// archived. Throws `.busy` when a load or transform of the feed is running, `.invalid` when the feed is not
    /// partitioned.
    public static func archive(
        _ c: PostgresConnection, feed: String, before: String, directory: URL, runID: Int64? = nil
    ) throws -> [ArchivedPartition] {
        try requirePartitioned(c, feed: feed)
        return try withFeedLocks(c, feed: feed) {
            var done: [ArchivedPartition] = []
            for candidate in try candidates(c, feed: feed, before: before) {
                done.append(try archiveOne(c, candidate, directory: directory, runID: runID))
            }
            return done
        }
    }

    /// Restores the archived partitions of `feed` not restored yet (those of the period starting `period`,
    /// `yyyy-MM-dd`, or all); each file's SHA-256 is checked before its rows go back.
    public static func restore(_ c: PostgresConnection, feed: String, period: String? = nil) throws -> [ArchivedPartition] {
        try requirePartitioned(c, feed: feed)
        return try withFeedLocks(c, feed: feed) {
            let rows = try c.query(
                """
                SELECT archive_id, parent, partition, bound, period_from::text AS period_from, period_to::text AS period_to,
                       rows, file, bytes, sha256, array_to_string(columns, ',') AS columns,
                       CASE WHEN period_to - period_from > 31 THEN 'year' ELSE 'month' END AS step
                FROM citypipe.archives
                WHERE feed = $1 AND restored_at IS NULL AND ($2::date IS NULL OR period_from = $2::date)
                ORDER BY period_from, parent DESC, archive_id
                """, [feed, period], name: "archives to restore")
            var restored: [ArchivedPartition] = []
            for row in rows {
                let entry = ArchivedPartition(
                    archiveID: try row.decode(Int64.self, "archive_id"), feed: feed, parent: try row.decode(String.self, "parent"),
                    partition: try row.decode(String.self, "partition"), bound: try row.decode(String.self, "bound"),
                    periodFrom: try row.decode(String.self, "period_from"), periodTo: try row.decode(String.self, "period_to"),
                    rows: try row.decode(Int.self, "rows"), file: try row.decode(String.self, "file"),
                    bytes: try row.decode(Int.self, "bytes"), sha256: try row.decode(String.self, "sha256"),
                    columns: try row.decode(String.self, "columns").split(separator: ",").map(String.init))
                try restoreOne(c, entry, step: try row.decode(String.self, "step"))
                restored.append(entry)
            }
            if restored.isEmpty, period != nil {
                throw OrchestrationError.nothingToDo("no archived partition of \(feed) for the period starting \(period ?? "") waits to be restored (see citypipe.archives)")
            }
            return restored
        }
    }

    private static func archiveOne(
        _ c: PostgresConnection, _ candidate: ArchivedPartition, directory: URL, runID: Int64?
    ) throws -> ArchivedPartition {
        let stamp = ISO8601DateFormatter.string(
            from: Date(), timeZone: TimeZone(identifier: "UTC") ?? .current, formatOptions: [.withYear, .withMonth, .withDay, .withTime])
        let name = candidate.partition.replacingOccurrences(of: ".", with: "__")
        let path = directory.appendingPathComponent(candidate.feed, isDirectory: true)
            .appendingPathComponent("\(name)-\(stamp).copy.gz")
        var entry = candidate
        var writer: ArchiveFileWriter? = nil
        do {
            try c.transaction { c in
                try c.simpleExecute("LOCK TABLE \(candidate.partition) IN SHARE MODE", name: "hold \(candidate.partition)")
                entry.columns = try c.query(
                    """
                    SELECT attname::text AS name FROM pg_attribute
                    WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum
                    """, [candidate.partition], name: "columns of \(candidate.partition)"
                ).map { try $0.decode(String.self, "name") }
                let empty = try c.query(
                    "SELECT NOT EXISTS (SELECT 1 FROM \(candidate.partition)) AS empty", name: "is \(candidate.partition) empty"
                ).first?.decode(Bool.self, "empty") ?? false
                if empty {
                    // A month before the source's first (made from the manifest's start): recorded, no file.
                    entry.rows = 0
                    entry.bytes = 0
                    entry.sha256 = ""
                    entry.file = ""
                } else {
                    let file = try ArchiveFileWriter(path: path)
                    writer = file
                    try c.copyOut(
                        "COPY \(candidate.partition) (\(entry.columns.joined(separator: ", "))) TO STDOUT",
                        name: "copy out \(candidate.partition)"
                    ) { row in try file.append(row: row) }
                    entry.sha256 = try file.commit()
                    entry.rows = file.rows
                    entry.bytes = file.bytes
                    entry.file = path.path
                    try writeSidecar(entry)
                }
                entry.archiveID = try c.query(
                    """
                    INSERT INTO citypipe.archives (feed, parent, partition, bound, period_from, period_to, file, rows, bytes, sha256, columns, run_id)
                    VALUES ($1, $2, $3, $4, $5::date, $6::date, $7, $8, $9, $10, string_to_array($11, ','), $12) RETURNING archive_id
                    """,
                    [entry.feed, entry.parent, entry.partition, entry.bound, entry.periodFrom, entry.periodTo, entry.file,
                     entry.rows, entry.bytes, entry.sha256, entry.columns.joined(separator: ","), runID], name: "record archive"
                ).first?.decode(Int64.self, "archive_id")
                try c.simpleExecute(
                    "ALTER TABLE \(entry.parent) DETACH PARTITION \(entry.partition); DROP TABLE \(entry.partition)",
                    name: "drop archived \(entry.partition)")
            }
        } catch {
            if let writer {
                writer.discard()
                try? FileManager.default.removeItem(at: sidecar(of: path))
            }
            throw OrchestrationError.failed("archiving \(candidate.partition) failed, nothing of it was dropped: \(error)")
        }
        return entry
    }

    /// Restores one archived partition; `step` is its period's length, `month` or `year`.
    private static func restoreOne(_ c: PostgresConnection, _ entry: ArchivedPartition, step: String) throws {
        if entry.file.isEmpty {
            // An empty partition, dropped without a file: made again, empty.
            try c.transaction { c in
                try c.query("SELECT citypipe.period_partition($1::regclass, $2::date, $3)", [entry.parent, entry.periodFrom, step], name: "partition to restore")
                try c.query("UPDATE citypipe.archives SET restored_at = now() WHERE archive_id = $1", [entry.archiveID], name: "mark restored")
            }
            return
        }
        let path = URL(fileURLWithPath: entry.file)
        guard FileManager.default.fileExists(atPath: path.path) else {
            throw OrchestrationError.invalid("the archive of \(entry.partition) is not at \(entry.file): put the file back there (its SHA-256 is \(entry.sha256))")
        }
        let digest = try ArchiveFileReader.digest(of: path)
        guard digest.sha256 == entry.sha256, digest.bytes == entry.bytes else {
            throw OrchestrationError.invalid("\(entry.file) is not the archive of \(entry.partition) that was written (SHA-256 or size differ): nothing restored from it")
        }
        guard try c.query("SELECT to_regclass($1) IS NOT NULL AS present", [entry.parent]).first?.decode(Bool.self, "present") == true else {
            throw OrchestrationError.invalid("\(entry.parent) is missing: load the feed once (it creates the table), then restore")
        }
        try c.transaction { c in
            let partition = try c.query(
                "SELECT citypipe.period_partition($1::regclass, $2::date, $3)::text AS p", [entry.parent, entry.periodFrom, step],
                name: "partition to restore").first?.decode(String.self, "p") ?? entry.partition
            let columns = entry.columns.joined(separator: ", ")
            try c.simpleExecute(
                "CREATE TEMP TABLE cp_restore ON COMMIT DROP AS SELECT \(columns) FROM \(partition) WITH NO DATA",
                name: "restore table")
            let copy = try c.beginCopyIn("COPY cp_restore (\(columns)) FROM STDIN", name: "copy archive in")
            try ArchiveFileReader.inflate(path) { chunk in try copy.send(chunk) }
            _ = try copy.finish()
            // Rows staged after the archive (late records of the period) are newer: they stay.
            try c.simpleExecute(
                "INSERT INTO \(partition) (\(columns)) SELECT \(columns) FROM cp_restore ON CONFLICT DO NOTHING",
                name: "restore \(partition)")
            try c.query("UPDATE citypipe.archives SET restored_at = now() WHERE archive_id = $1", [entry.archiveID], name: "mark restored")
        }
    }

    /// The JSON beside an archive file: what it holds, for whoever finds the file without the database.
    private static func writeSidecar(_ entry: ArchivedPartition) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(entry).write(to: sidecar(of: URL(fileURLWithPath: entry.file)), options: .atomic)
    }

    private static func sidecar(of file: URL) -> URL { file.appendingPathExtension("json") }

    private static func requirePartitioned(_ c: PostgresConnection, feed: String) throws {
        let partitioned = try c.query(
            "SELECT relkind = 'p' AS p FROM pg_class WHERE oid = to_regclass('staging.' || $1)", [feed], name: "is the feed partitioned"
        ).first?.decode(Bool.self, "p")
        guard partitioned == true else {
            throw OrchestrationError.invalid(
                partitioned == nil
                    ? "staging.\(feed) does not exist: nothing to archive"
                    : "staging.\(feed) is not partitioned: archiving needs partition_by in Connectors/\(feed).yaml (and a load since)")
        }
    }

    /// Runs `body` holding the feed's load lock and its transform lock (both exclusive).
    private static func withFeedLocks<T>(_ c: PostgresConnection, feed: String, _ body: () throws -> T) throws -> T {
        let load = StagingLoad.lockName(feed)
        let transform = "citypipe:transform:\(feed)"
        guard try c.tryAdvisoryLock(named: load) else {
            throw OrchestrationError.busy("a load or backfill of \(feed) is running: archive once it has ended")
        }
        defer { _ = try? c.advisoryUnlock(named: load) }
        guard try c.tryAdvisoryLock(named: transform) else {
            throw OrchestrationError.busy("a transform of \(feed) is running: archive once it has ended")
        }
        defer { _ = try? c.advisoryUnlock(named: transform) }
        return try body()
    }
}
