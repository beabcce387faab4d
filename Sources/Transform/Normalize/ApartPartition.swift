import Postgres

/// A new period of a partitioned clean table (a new month of an export), built apart from the table and attached
/// when full.
///
/// When a pass begins, a partition of `core.clean_FEED` that holds no row while its staged partition holds some
/// takes all of that staged partition's rows and has none to compare them with. Written straight into it, each row
/// updated each of the partition's indexes one entry at a time in no particular order: at scale 1 the insurance
/// month's 300,000 rows took 6.9 s so into its five indexes, against 0.4 s for the rows and 1.5 s for building the
/// same indexes afterwards, each by one sort. So, in one transaction: the empty partition is dropped and made again
/// as a table of its own (same columns, no index, a check of the partition's bound), the rows are COPYed into it
/// (each checked as it is written), and it is attached again (`ATTACH PARTITION` makes its indexes, one sort each;
/// the check spares it reading the rows again to check them against the bound), then analysed.
///
/// Readers of `core.clean_FEED` see the period empty until that transaction commits, as they did the empty
/// partition; the rows are marked under the change lock of that transaction like any other (`ModelChanges`), so the
/// incremental models read them at their next build. A pass cut off half-way leaves the empty partition as it was.
struct ApartPartition: Sendable, Equatable {
    /// The staged partition, `staging.FEED_pYYYY_MM`.
    let staged: String
    /// The clean partition it fills, `core.clean_FEED_pYYYY_MM`.
    let partition: String
    /// Its bounds as the table declares them (`FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')`).
    let bound: String
    /// The same as a condition on the rows (`pg_get_partition_constraintdef`), checked while the table is apart.
    let constraint: String

    /// The partitions of `plan.table` that are empty while the staged partition of their period holds rows.
    static func find(_ plan: FeedNormalization, lane: NormalizeLane, _ c: PostgresConnection) throws -> [ApartPartition] {
        guard plan.partitioning != nil else { return [] }
        let bounds = try Dictionary(
            c.query(
                """
                SELECT format('%I.%I', n.nspname, k.relname) AS relation, pg_get_expr(k.relpartbound, k.oid) AS bound,
                       coalesce(pg_get_partition_constraintdef(k.oid), 'true') AS constraint_def
                FROM pg_inherits AS i JOIN pg_class AS k ON k.oid = i.inhrelid JOIN pg_namespace AS n ON n.oid = k.relnamespace
                WHERE i.inhparent = $1::regclass AND k.relkind = 'r'
                """, [plan.table], name: "partitions of \(plan.table)"
            ).map { (try $0.decode(String.self, "relation"), (bound: try $0.decode(String.self, "bound"), constraint: try $0.decode(String.self, "constraint_def"))) },
            uniquingKeysWith: { first, _ in first })
        var found: [ApartPartition] = []
        for staged in try lane.stagedRelations(c) {
            let partition = lane.cleanTarget(of: staged, among: Set(bounds.keys))
            guard partition != plan.table, let bound = bounds[partition], bound.bound != "DEFAULT" else { continue }
            let row = try c.query(
                """
                SELECT NOT EXISTS (SELECT 1 FROM ONLY \(partition)) AND EXISTS (SELECT 1 FROM ONLY \(staged)) AS apart
                """, name: "is \(partition) new").first
            if try row?.decode(Bool.self, "apart") == true {
                found.append(ApartPartition(staged: staged, partition: partition, bound: bound.bound, constraint: bound.constraint))
            }
        }
        return found
    }

    /// Replaces the empty partition with a table of its own, without indexes, its rows checked against the bound
    /// (inside the caller's transaction).
    func detach(_ plan: FeedNormalization, _ c: PostgresConnection) throws {
        try c.simpleExecute(
            """
            DROP TABLE \(partition);
            CREATE TABLE \(partition) (LIKE \(plan.table) INCLUDING DEFAULTS, CONSTRAINT cp_partition_bound CHECK (\(constraint)));
            """, name: "build \(partition) apart")
    }

    /// Attaches the filled table as the partition again (its indexes made there) and analyses it, with a small
    /// sample as a first build does (`NormalizeStage.finishFresh`).
    func attach(_ plan: FeedNormalization, _ c: PostgresConnection) throws {
        try c.simpleExecute(
            """
            SET LOCAL maintenance_work_mem = '256MB';
            ALTER TABLE \(plan.table) ATTACH PARTITION \(partition) \(bound);
            ALTER TABLE \(partition) DROP CONSTRAINT cp_partition_bound;
            SET LOCAL default_statistics_target = 10;
            ANALYZE \(partition);
            RESET default_statistics_target;
            RESET maintenance_work_mem;
            """, name: "attach \(partition)")
    }
}
