import Foundation
import Postgres

/// The change markers incremental models read, and the lock that keeps them exact.
///
/// Two kinds of rows are marked with the time they were written: the rows of `core.clean_FEED` (`_normalized_at`,
/// written by the normalise phase) and the rows an incremental build changed (`_changed_at` in
/// `citypipe_delta.SCHEMA__TABLE`). An incremental build reads the rows marked after its previous build's time.
/// For that to miss nothing, every marked row must either be visible to the build that takes time T, or carry a
/// mark later than T. Each relation whose rows or state carry marks (a clean table, a model) has an advisory lock
/// that its writers and its readers share:
///
/// - a writer holds the lock of the relation it writes shared, from before it takes its mark
///   (`clock_timestamp()`) until it commits;
/// - a build takes the locks of the relations it reads (`SQLModel.relationsRead`) exclusively, in the order of
///   their names, then starts its repeatable-read snapshot and takes its time, then lets them go.
///
/// For each relation a build reads, a writer that marked before the build's time had that relation's lock first,
/// so it committed before the snapshot; a writer that did not hold it yet marks after the build let it go, so
/// after its time. A build waits only for the writers of what it reads: one lock for everything (until session 20)
/// held `core.person_link` back while the insurance month, which it does not read, normalised (2.8 s at scale 1,
/// 6.5 s at 2.6). A writer holds one lock and takes none after it, and builds take theirs in one order: no cycle.
public enum ModelChanges {
    /// The advisory lock of the marks of `relation` (`core.clean_FEED`, a model's name).
    static func lockName(of relation: String) -> String {
        "citypipe:changes:" + relation
    }

    /// `core.clean_FEED`: a source whose rows carry `_normalized_at`.
    public static func isCleanTable(_ name: String) -> Bool {
        name.hasPrefix("core.clean_")
    }

    /// The temporary view an incremental build makes for `changes('source')`.
    static func viewName(of source: String) -> String {
        "pg_temp.cp_changes__" + source.replacingOccurrences(of: ".", with: "__")
    }

    /// The temporary table of the unique keys an incremental build recomputes (`affected()` reads it).
    static let affectedTable = "pg_temp.cp_affected"

    /// Where the rows an incremental model's builds changed are kept for the models that read it.
    static func deltaTable(of model: String) -> String {
        "citypipe_delta." + model.replacingOccurrences(of: ".", with: "__")
    }

    /// For a writer of `relation`, in its transaction: takes the relation's lock shared (until the transaction
    /// ends) and returns the mark to write, as text (`timestamptz`).
    public static func writerMark(_ c: PostgresConnection, writing relation: String) throws -> String {
        guard let mark = try c.query(
            "SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0)), clock_timestamp()::text AS mark", [lockName(of: relation)],
            name: "change-marker lock").first?.decode(String.self, "mark")
        else { throw PostgresError(.decoding, message: "no row", statement: "change-marker lock") }
        return mark
    }

    /// For a build reading `relations`: runs `body` in a repeatable-read transaction whose snapshot holds every
    /// change of those relations marked before the time it is given (text, `timestamptz`), and none marked after.
    static func readerTransaction<T>(
        _ connection: PostgresConnection, reading relations: [String], _ body: (PostgresConnection, String) throws -> T
    ) throws -> T {
        let names = Set(relations.map(lockName(of:))).sorted()
        var held: [String] = []
        // On the way out of a failed start only: the locks go with the session anyway if the connection is gone,
        // and the error that got here is the one to report.
        defer { for name in held { _ = try? connection.advisoryUnlock(named: name) } }
        for name in names {
            try connection.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [name], name: "change-marker lock")
            held.append(name)
        }
        return try connection.transaction(isolation: .repeatableRead) { c in
            // The snapshot is taken by this, the transaction's first statement.
            guard let time = try c.query("SELECT clock_timestamp()::text AS t", name: "build time").first?.decode(String.self, "t") else {
                throw PostgresError(.decoding, message: "no row", statement: "build time")
            }
            while let name = held.last {
                try c.advisoryUnlock(named: name)
                held.removeLast()
            }
            return try body(c, time)
        }
    }
}
