import Postgres

/// An incremental load's new month, staged in a table of its own and attached as the month's partition at commit.
///
/// The records of a month whose partition was empty when the load began (`StagingLoad.emptyMonths`) and whose key
/// is certainly new go straight to staging. COPYed into the partition itself, each row updated the primary key and
/// the change index one entry at a time, in the keys' random order: at scale 2.6 the insurance month's 779,706 rows
/// took 3.2 s of server time so, against 1.1 s COPYed into a table without index and 0.5 s for its two indexes built
/// afterwards, each by one sort (BENCHMARKS.md). So the load COPYs them into `staging.FEED__cp_apart`, made inside its
/// transaction with the staging table's columns and no index; at commit, when they all fell in one month, the empty
/// partition is dropped, the table takes its name and is attached in its place (`ATTACH PARTITION` builds its indexes
/// and checks every row against the bound); when they fell in several months, they are inserted into the staging
/// table and the table is dropped (correct, without the gain).
///
/// The table lives and dies with the load's transaction: a load cut off, rolled back or over its reject ratio leaves
/// neither it nor any of its rows. Readers of the staging table see the month empty until the commit, as before.
struct StagingApartMonth: Sendable, Equatable {
    /// `staging.FEED`.
    let parent: String
    /// `staging.FEED__cp_apart`.
    let table: String
    /// The partitions that were empty when the load began, by month (`year * 12 + month - 1`).
    let partitions: [Int: Partition]

    /// A partition of the staging table.
    struct Partition: Sendable, Equatable {
        /// Its qualified name.
        let qualified: String
        /// Its own name, quoted where needed.
        let name: String
        /// Its bound, `FOR VALUES FROM (…) TO (…)`.
        let bound: String
    }

    init(parent: String, partitions: [Int: Partition]) {
        self.parent = parent
        self.table = parent + "__cp_apart"
        self.partitions = partitions
    }

    /// Makes the table, inside the load's transaction.
    static func create(parent: String, partitions: [Int: Partition], _ connection: PostgresConnection) throws -> StagingApartMonth {
        let apart = StagingApartMonth(parent: parent, partitions: partitions)
        try connection.simpleExecute(
            "CREATE TABLE \(apart.table) (LIKE \(parent) INCLUDING DEFAULTS)", name: "stage new months apart")
        return apart
    }

    /// Puts the rows staged apart into the staging table, in the load's transaction: as the partition of their month
    /// when they all fell in one whose partition is still empty, else inserted (several months). `months` are those
    /// their records fell in (`year * 12 + month - 1`), `columns` the staging columns the load wrote.
    func settle(months: Set<Int>, rows: Int, columns: [String], _ connection: PostgresConnection) throws {
        guard rows > 0 else {
            try connection.simpleExecute("DROP TABLE \(table)", name: "drop empty \(table)")
            return
        }
        if months.count == 1, let month = months.first, let partition = try emptyPartition(month: month, connection) {
            try connection.simpleExecute(
                """
                SET LOCAL maintenance_work_mem = '256MB';
                DROP TABLE \(partition.qualified);
                ALTER TABLE \(table) RENAME TO \(partition.name);
                ALTER TABLE \(parent) ATTACH PARTITION \(partition.qualified) \(partition.bound);
                RESET maintenance_work_mem;
                """, name: "attach \(partition.qualified) staged apart")
            return
        }
        let names = columns.joined(separator: ", ")
        try connection.simpleExecute(
            "INSERT INTO \(parent) (\(names)) SELECT \(names) FROM \(table); DROP TABLE \(table)", name: "stage rows of several new months")
    }

    /// The partition of `month` when it still holds no row (the load holds the feed's lock alone, so it does unless the
    /// table was changed by hand meanwhile: checked before it is dropped).
    private func emptyPartition(month: Int, _ connection: PostgresConnection) throws -> Partition? {
        guard let partition = partitions[month] else { return nil }
        let empty = try connection.query(
            "SELECT NOT EXISTS (SELECT 1 FROM ONLY \(partition.qualified)) AS empty", name: "is \(partition.qualified) still empty"
        ).first?.decode(Bool.self, "empty") ?? false
        return empty ? partition : nil
    }
}
