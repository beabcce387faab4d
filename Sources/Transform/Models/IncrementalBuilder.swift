import Foundation
import Postgres
import Warehouse

/// Builds one incremental model (`-- materialized: incremental`), in one repeatable-read transaction:
///
/// 1. decides between a full build and an incremental one (`ModelState.decide`);
/// 2. incremental: lists the unique keys its inputs' changes touch (`incremental_keys` over `changes()` views of
///    the rows marked since its last build), recomputes the query for those keys only, compares each row with the
///    table's, and replaces the rows that differ (deleting those whose key is gone); the rows it replaced are
///    recorded, old and new, in `citypipe_delta` for the incremental models that read this one;
/// 3. full: the query into a new table swapped in, as a table model (`ModelBuilder`), and the delta table made
///    anew (empty: the models that read it rebuild in full too).
///
/// When the keys to recompute are more than a quarter of the table, a full build is cheaper and is done instead (not
/// for a model kept by adding: its build reads only the changes, whatever share of its groups they touch; a count of
/// the people per ward, sex and birth year, tried at scale 2.6, had 14,109 of its 16,830 groups touched by a night and
/// was rebuilt whole in 1.46 s, where adding took 0.25 s); a model's `full_build_when` condition, when true, makes the
/// build full before the keys are listed.
///
/// A model kept by adding (`incremental_strategy: sum`) lists no keys: its query over the signed changes of its
/// inputs gives the groups touched and the change of their sums, and their new rows are the table's sums plus those
/// (`IncrementalBuilder+Sum.swift`); from there on the build is the same.
struct IncrementalBuilder {
    let model: SQLModel
    /// The incremental models that read this one's changes.
    let readers: [String]
    /// The catalog's models by name (a view model that reads this one is made again from its SQL on a full build).
    var models: [String: SQLModel] = [:]

    /// What a build did.
    struct Result {
        let mode: ModelState.Mode
        /// Full: rows built; incremental: rows replaced, inserted or deleted.
        let rows: Int
        /// Incremental: the unique keys recomputed.
        let keys: Int?
        /// Full: why.
        let reason: String?
    }

    /// Share of the table above which the keys are not recomputed one by one.
    static let fullBuildShare = 0.25
    /// Below this many keys, an incremental build is always tried.
    static let minimumKeysForFull = 10_000
    /// Share of the table up to which the table's rows for the keys are looked up in its unique key's index, one key
    /// at a time. PostgreSQL's planner prices a lookup as a page read from disk and a sequential page as four times
    /// cheaper, and so read the whole table to join it by hash. In a night at scale 2.6 that read the 3.6 million
    /// rows of `integrated.citizen_profile` for 88,931 keys in 3.16 s (1.75 s by lookups) and twelve months of
    /// `core.insurance_coverage` for 73,545 keys in 3.20 s (1.79 s): every page of a night's tables is in memory,
    /// most of them outside PostgreSQL's own buffers. Lowering `random_page_cost` to 1.1 instead made the planner
    /// read whole indexes elsewhere (`core.person_link`'s key list 3.0 → 6.7 s, `integrated.data_quality` 5.6 →
    /// 8.1 s).
    static let probeShare = 0.05

    func build(_ connection: PostgresConnection, full requested: Bool) throws -> Result {
        try makeSourceIndexes(connection)
        return try ModelChanges.readerTransaction(connection, reading: model.relationsRead) { c, time in
            try c.simpleExecute("SET LOCAL statement_timeout = '\(model.timeoutSeconds)s'", name: "timeout of \(model.name)")
            try c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", ["citypipe:model:\(model.name)"], name: "lock \(model.name)")
            let decision = requested ? .full("--full") : try ModelState.decide(model, c)
            switch decision {
            case .full(let reason):
                return try buildFull(c, time: time, reason: reason)
            case .incremental(let since):
                return try buildIncremental(c, time: time, since: since)
            }
        }
    }

    /// The indexes its key list needs on clean tables (`source_indexes`), made where missing (a clean table made
    /// anew by a first normalise pass has none), each in its own transaction before the build's.
    private func makeSourceIndexes(_ c: PostgresConnection) throws {
        for index in model.sourceIndexes {
            try c.query(
                """
                SELECT format('CREATE INDEX IF NOT EXISTS %I ON %s (%s)', 'cp_src_' || left(md5($1 || '(' || $2 || ')'), 16), $1, $2) AS statement
                WHERE to_regclass($1) IS NOT NULL
                """, [index.table, index.columns], name: "source index of \(model.name)").first.map { row in
                    try c.simpleExecute(try row.decode(String.self, "statement"), name: "source index \(index.table) (\(index.columns)) of \(model.name)")
                }
        }
    }

    /// The indexes of the header (`-- indexes:`) that the table lacks, made (inside the build's transaction): one
    /// added to the header after the table's last full build. The header is not part of the model's definition, so
    /// it does not make the next build a full one, and an incremental build keeps the table it has.
    private func makeDeclaredIndexes(_ c: PostgresConnection) throws {
        let clauses = model.indexClauses
        guard !clauses.isEmpty else { return }
        let missing = try c.query(
            """
            SELECT n::int AS n FROM generate_series(1, $2::int) AS n
            WHERE to_regclass(format('%s_%s', $1::text, n)) IS NULL ORDER BY n
            """, [target, clauses.count], name: "indexes of \(model.name)"
        ).map { try $0.decode(Int.self, "n") }
        for n in missing {
            try c.simpleExecute(
                "CREATE INDEX \(model.table)_\(n) ON \(target) \(clauses[n - 1])", name: "index of \(model.name) added since its last full build")
        }
    }

    var keyList: String { model.uniqueKey.joined(separator: ", ") }
    var target: String { "\(model.schema).\(model.table)" }

    private func joinOn(_ left: String, _ right: String) -> String {
        model.uniqueKey.map { "\(left).\($0) = \(right).\($0)" }.joined(separator: " AND ")
    }

    private func buildFull(_ c: PostgresConnection, time: String, reason: String) throws -> Result {
        let rows = try ModelBuilder(model: model, models: models).build(c)
        try resetDelta(c)
        try ModelState.record(model, mode: .full, time: time, modified: try ModelChanges.writerMark(c, writing: model.name), c)
        return Result(mode: .full, rows: rows, keys: nil, reason: reason)
    }

    /// The delta table made anew and empty (or dropped when nothing reads this model's changes).
    private func resetDelta(_ c: PostgresConnection) throws {
        let delta = ModelChanges.deltaTable(of: model.name)
        try c.simpleExecute("DROP TABLE IF EXISTS \(delta)", name: "drop delta of \(model.name)")
        guard !readers.isEmpty else { return }
        try c.simpleExecute(
            """
            CREATE TABLE \(delta) AS SELECT t.*, NULL::text AS _change, NULL::timestamptz AS _changed_at FROM \(target) AS t WITH NO DATA;
            CREATE INDEX ON \(delta) (_changed_at);
            COMMENT ON TABLE \(delta) IS 'Rows of \(model.name) changed by its incremental builds (_change: - old, + new), for \(readers.joined(separator: ", "))'
            """, name: "create delta of \(model.name)")
    }

    private func buildIncremental(_ c: PostgresConnection, time: String, since: String) throws -> Result {
        guard let sql = model.incrementalSQL, model.strategy == .sum || model.incrementalKeys != nil else {
            return try buildFull(c, time: time, reason: "the model has no incremental query")
        }
        if let condition = model.fullBuildWhen,
           try c.query("SELECT coalesce((\(condition)), false) AS full", name: "full_build_when of \(model.name)").first?.decode(Bool.self, "full") == true {
            return try buildFull(c, time: time, reason: "full_build_when holds")
        }
        for source in model.changeSources {
            try c.simpleExecute(
                "CREATE TEMP VIEW \(ModelChanges.viewName(of: source).dropFirst("pg_temp.".count)) AS \(try changesQuery(c, of: source, since: since))",
                name: "changes of \(source) for \(model.name)")
        }
        let partitions = ModelPartitions(model)
        // The new partitions the changes bring, found before the keys are listed (`partition_values`): their keys
        // are not listed, their partitions are built whole.
        var foreseen: [NewPartition] = []
        var leftOut = ""
        if let partitions, let valuesSQL = model.partitionValues {
            foreseen = try newPartitions(c, partitions, values: try partitionValuesQuery(c, partitions, valuesSQL))
            if !foreseen.isEmpty {
                leftOut = " WHERE k.\(partitions.column)::text NOT IN (\(foreseen.map { SQLText.literal($0.value) }.joined(separator: ", ")))"
            }
        }
        let keys: Int
        if let keysSQL = model.incrementalKeys {
            keys = try c.query(
                """
                CREATE TEMP TABLE cp_affected ON COMMIT DROP AS
                SELECT DISTINCT k.* FROM (\(keysSQL)) AS k (\(keyList))\(leftOut)
                """, name: "keys to recompute in \(model.name)").affectedRows
        } else {
            keys = try sumChanges(c, sql)
        }
        // The views served the key list only (a failed build's transaction takes them away with it).
        for source in model.changeSources {
            try c.simpleExecute("DROP VIEW \(ModelChanges.viewName(of: source))", name: "drop changes of \(source)")
        }
        // A partitioned table's own estimate is not kept: its partitions' are added up.
        let estimate = try c.query(
            """
            SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint AS n FROM pg_class AS c
            WHERE c.oid = $1::regclass AND c.relkind <> 'p' OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = $1::regclass)
            """, [target], name: "size of \(model.name)"
        ).first?.decode(Int.self, "n") ?? 0
        // The keys of new partitions are built apart, whatever their number: the share counts the others.
        let listedNew = try partitions.map {
            try self.newPartitions(c, $0, values: "SELECT \($0.column)::text AS value, count(*) AS keys FROM cp_affected GROUP BY 1 ORDER BY 1")
        } ?? []
        let newPartitions = foreseen + listedNew
        let recomputed = keys - listedNew.reduce(0) { $0 + $1.keys }
        // A model kept by adding reads the changes alone however many groups they touch; its full build reads all.
        if model.strategy != .sum, recomputed > Self.minimumKeysForFull, Double(recomputed) > Double(estimate) * Self.fullBuildShare {
            try c.simpleExecute("DROP TABLE cp_affected", name: "drop keys of \(model.name)")
            return try buildFull(c, time: time, reason: "\(recomputed) keys to recompute of about \(estimate) rows: a full build is cheaper")
        }
        try c.simpleExecute("ANALYZE cp_affected", name: "analyze keys of \(model.name)")
        try makeDeclaredIndexes(c)
        // Few keys are looked up in the unique key's index, one by one (see `probeShare`), and their rows written
        // again with an entry in every index: the table and its indexes are read ahead first when reading them in
        // order is the cheaper way (`ReadAhead`), while the new rows are computed.
        let probe = Double(recomputed) <= Double(estimate) * Self.probeShare
        if probe {
            try ReadAhead.table(target, rows: recomputed, c)
        }
        var mark: String? = nil
        var recorded = false
        var appended: [(partition: NewPartition, rows: Int)] = []
        if let partitions, !newPartitions.isEmpty {
            appended = try appendPartitions(c, partitions, newPartitions)
            // What is left (late corrections of earlier months) is often a few hundred keys: planned as such, they
            // are found by index instead of by reading every partition.
            try c.simpleExecute("ANALYZE cp_affected", name: "analyze the other keys of \(model.name)")
        }
        if model.strategy == .sum {
            try addSums(c)
        } else {
            try c.simpleExecute(
                """
                CREATE TEMP TABLE cp_new ON COMMIT DROP AS
                SELECT m.* FROM (\(sql)) AS m WHERE (\(model.uniqueKey.map { "m.\($0)" }.joined(separator: ", "))) IN (SELECT \(keyList) FROM cp_affected)
                """, name: "recompute \(model.name)")
        }
        // The table's rows for those keys, read once, with where they are (the partition and the place in it): the
        // delete goes straight to them; few keys by lookups (above).
        if probe {
            try c.simpleExecute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off", name: "look up old rows of \(model.name) by key")
        }
        try c.simpleExecute(
            """
            CREATE TEMP TABLE cp_old ON COMMIT DROP AS
            SELECT t.tableoid AS cp_part, t.ctid AS cp_ctid, t AS cp_row FROM \(target) AS t
            WHERE (\(model.uniqueKey.map { "t.\($0)" }.joined(separator: ", "))) IN (SELECT \(keyList) FROM cp_affected)
            """, name: "read old rows of \(model.name)")
        if probe {
            try c.simpleExecute("RESET enable_hashjoin; RESET enable_mergejoin", name: "read old rows of \(model.name) as planned")
        }
        // The keys whose row differs: changed, gone, or new. Rows compare as text, so a value that would print
        // differently (numeric 1.0 against 1.00) is a change too: the table stays byte for byte a full build's.
        let changed = try c.query(
            """
            CREATE TEMP TABLE cp_changed ON COMMIT DROP AS
            SELECT \(keyList) FROM
                (SELECT \(model.uniqueKey.map { "(o.cp_row).\($0)" }.joined(separator: ", ")), o.cp_row::text AS r FROM cp_old AS o) AS o
            FULL JOIN (SELECT \(model.uniqueKey.map { "n.\($0)" }.joined(separator: ", ")), n::text AS r FROM cp_new AS n) AS n USING (\(keyList))
            WHERE o.r IS DISTINCT FROM n.r
            """, name: "compare \(model.name)").affectedRows
        if changed > 0 {
            try c.simpleExecute("ANALYZE cp_changed", name: "analyze changed keys of \(model.name)")
            let oldChanged = "cp_old AS o JOIN cp_changed AS k ON \(model.uniqueKey.map { "(o.cp_row).\($0) = k.\($0)" }.joined(separator: " AND "))"
            let marked = try mark ?? ModelChanges.writerMark(c, writing: model.name)
            mark = marked
            if !readers.isEmpty {
                let delta = try ensureDelta(c, time: time)
                try c.query(
                    "INSERT INTO \(delta) SELECT (o.cp_row).*, '-', $1::timestamptz FROM \(oldChanged)", [marked],
                    name: "record old rows of \(model.name)")
                try c.query(
                    """
                    INSERT INTO \(delta) SELECT n.*, '+', $1::timestamptz FROM cp_new AS n JOIN cp_changed AS k ON \(joinOn("n", "k"))
                    """, [marked], name: "record new rows of \(model.name)")
                recorded = true
            }
            if partitions == nil {
                try c.simpleExecute(
                    "DELETE FROM \(target) WHERE ctid = ANY (ARRAY(SELECT o.cp_ctid FROM \(oldChanged)))", name: "delete changed rows of \(model.name)")
            } else {
                // A row's ctid is its place within its partition: each partition's rows are deleted by place in it.
                // Deleted through the parent by key, each key was looked up in every partition's index: 0.8 s for
                // the 26,000 old-month rows of 200 enterprises that left, against 0.1 s so.
                let parts = try c.query(
                    "SELECT DISTINCT o.cp_part::regclass::text AS part, o.cp_part::bigint AS oid FROM \(oldChanged)",
                    name: "partitions of changed rows of \(model.name)")
                for part in parts {
                    try c.query(
                        """
                        DELETE FROM \(try part.decode(String.self, "part"))
                        WHERE ctid = ANY (ARRAY(SELECT o.cp_ctid FROM \(oldChanged) WHERE o.cp_part = $1::bigint::oid))
                        """, [try part.decode(Int.self, "oid")], name: "delete changed rows of \(model.name)")
                }
            }
            try c.simpleExecute(
                "INSERT INTO \(target) SELECT n.* FROM cp_new AS n JOIN cp_changed AS k ON \(joinOn("n", "k"))", name: "insert changed rows of \(model.name)")
        }
        // The new partitions are recorded last: the mark (and the lock it takes, which holds back the start of every
        // other build until this one commits) is taken as late as it can be. A partition's rows are not copied: a
        // row marks it (`_change` '*', its value in the partition column), and the readers read the partition
        // (`changesQuery`). Copied, the 300,000 rows of a month at scale 1 were written twice more (the delta table
        // and its index) for a reader to count them once.
        let appendedRows = appended.reduce(0) { $0 + $1.rows }
        if appendedRows > 0 {
            let marked = try mark ?? ModelChanges.writerMark(c, writing: model.name)
            mark = marked
            if !readers.isEmpty, let column = partitions?.column {
                let delta = try ensureDelta(c, time: time)
                for (partition, rows) in appended where rows > 0 {
                    try c.query(
                        "INSERT INTO \(delta) (\(column), _change, _changed_at) VALUES (\(SQLText.literal(partition.value)), '*', $1::timestamptz)", [marked],
                        name: "record new partition of \(model.name)")
                    recorded = true
                }
            }
        }
        try pruneDelta(c)
        if recorded {
            // The readers list their keys from these rows, soon after: planned on the statistics of a delta table
            // analysed while empty (1,613 rows guessed for 11,891 at scale 1), person_link's key list hashed every
            // health claim twice to join them: 1.28 s in a night at scale 1 and 3.9 s at 2.6, against 0.71–0.88 s
            // and 2.3 s hashing the people changed.
            try c.simpleExecute("ANALYZE \(ModelChanges.deltaTable(of: model.name))", name: "analyze the changes of \(model.name)")
        }
        try ModelState.record(model, mode: .incremental, time: time, modified: mark, c)
        // A foreseen partition's rows are keys recomputed too, though never listed.
        let foreseenRows = appended.filter { $0.partition.keys == 0 }.reduce(0) { $0 + $1.rows }
        return Result(mode: .incremental, rows: appendedRows + changed, keys: keys + foreseenRows, reason: nil)
    }

    /// The delta table, made anew (and the readers' changes restarted from `time`) when missing: read by a model
    /// added since the last full build, whose changes are recorded from now on.
    private func ensureDelta(_ c: PostgresConnection, time: String) throws -> String {
        let delta = ModelChanges.deltaTable(of: model.name)
        let exists = try c.query("SELECT to_regclass($1) IS NOT NULL AS present", [delta]).first?.decode(Bool.self, "present") ?? false
        if !exists {
            try resetDelta(c)
            try ModelState.restartChanges(model, time: time, c)
        }
        return delta
    }

    /// A partition value of the keys to recompute that has no partition yet (a new month), with its partition's
    /// name and its keys' number (0 for one foreseen by `partition_values`, whose keys are not listed).
    private struct NewPartition {
        let value: String
        let name: String
        let keys: Int
    }

    /// `partition_values` as a query of `value` (as the table's column type prints it, as the key list's values are
    /// compared) and `keys` (0).
    private func partitionValuesQuery(_ c: PostgresConnection, _ partitions: ModelPartitions, _ valuesSQL: String) throws -> String {
        let type = try c.query(
            "SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2 AND NOT attisdropped",
            [target, partitions.column], name: "type of \(model.name).\(partitions.column)"
        ).first?.decode(String.self, "type")
        guard let type else {
            throw ModelError.invalid(file: model.file, line: 0, message: "\(target) has no column \(partitions.column) to partition by: build it with --full")
        }
        return "SELECT DISTINCT (v.value::\(type))::text AS value, 0::bigint AS keys FROM (\(valuesSQL)) AS v (value) WHERE v.value IS NOT NULL ORDER BY 1"
    }

    /// The values of `values` (a query of `value` and `keys`) whose partition does not exist yet.
    private func newPartitions(_ c: PostgresConnection, _ partitions: ModelPartitions, values query: String) throws -> [NewPartition] {
        var result: [NewPartition] = []
        let values = try c.query(query, name: "partitions to recompute in \(model.name)")
        for row in values {
            let value = try row.decode(String.self, "value")
            let name = try partitions.name(of: value, under: model.table)
            guard try c.query(
                "SELECT to_regclass($1) IS NULL AS missing", ["\(model.schema).\(name)"], name: "partition of \(model.name)"
            ).first?.decode(Bool.self, "missing") == true else { continue }
            result.append(NewPartition(value: value, name: name, keys: try row.decode(Int.self, "keys")))
        }
        return result
    }

    /// A partitioned model: the keys to recompute of each new partition value are built into a partition of their
    /// own, apart, which is then attached (its indexes built once over its rows, where inserting them into the table
    /// would update every index row by row). Their rows are all new (recorded as such for the readers at the end of
    /// the build), and their keys leave `cp_affected` for the rest of the build. Returns each partition's rows.
    ///
    /// A new partition is filled by the model's full query (`affected()` true) kept to its value: what a full build
    /// puts in that partition, without matching each of its rows against the keys to recompute (the insurance
    /// month's 300,000 keys hashed and joined, at scale 1).
    private func appendPartitions(
        _ c: PostgresConnection, _ partitions: ModelPartitions, _ new: [NewPartition]
    ) throws -> [(partition: NewPartition, rows: Int)] {
        let sql = model.sql
        var made: [(partition: NewPartition, rows: Int)] = []
        for partition in new {
            let literal = SQLText.literal(partition.value)
            let rows = try partitions.attachNew(
                c, partition: partition.name, of: model.table, value: partition.value,
                fill: "SELECT m.* FROM (\(sql)) AS m WHERE m.\(partitions.column) = \(literal)")
            if partition.keys > 0 {
                try c.query("DELETE FROM cp_affected WHERE \(partitions.column) = \(literal)", name: "keys of the new partition of \(model.name)")
            }
            made.append((partition, rows))
        }
        return made
    }

    /// Rows of the delta table every reader has read (its last build came after them) go.
    private func pruneDelta(_ c: PostgresConnection) throws {
        guard !readers.isEmpty else { return }
        let delta = ModelChanges.deltaTable(of: model.name)
        guard try c.query("SELECT to_regclass($1) IS NOT NULL AS present", [delta]).first?.decode(Bool.self, "present") == true else { return }
        try c.query(
            """
            DELETE FROM \(delta) WHERE _changed_at <= coalesce(
                (SELECT min(built_at) FROM citypipe.model_state WHERE model = ANY(string_to_array($1, ','))), 'infinity')
            """, [readers.joined(separator: ",")], name: "prune delta of \(model.name)")
    }
}
