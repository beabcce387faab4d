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

    init(parent: String) {
        self.parent = parent
        self.table = parent + "__cp_apart"
    }

    /// Makes the table, inside the load's transaction.
    static func create(parent: String, _ connection: PostgresConnection) throws -> StagingApartMonth {
        let apart = StagingApartMonth(parent: parent)
        try connection.simpleExecute(
            "CREATE TABLE \(apart.table) (LIKE \(parent) INCLUDING DEFAULTS)", name: "stage new months apart")
        return apart
    }

    /// How `settle` placed the rows.
    enum Placement: Equatable {
        /// No row was staged apart.
        case none
        /// The table became the partition `partition`.
        case attached(partition: String)
        /// The rows were inserted into the staging table (they fell in several months, or the month's partition was
        /// no longer empty).
        case inserted(rows: Int)
    }

    /// Puts the rows staged apart into the staging table, in the load's transaction: `months` are those their
    /// records fell in (`year * 12 + month - 1`), `columns` the staging columns the load wrote.
    func settle(months: Set<Int>, rows: Int, columns: [String], _ connection: PostgresConnection) throws -> Placement {
        guard rows > 0 else {
            try connection.simpleExecute("DROP TABLE \(table)", name: "drop empty \(table)")
            return .none
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
            return .attached(partition: partition.qualified)
        }
        let names = columns.joined(separator: ", ")
        let inserted = try connection.query(
            "INSERT INTO \(parent) (\(names)) SELECT \(names) FROM \(table)", name: "stage rows of several new months"
        ).affectedRows
        try connection.simpleExecute("DROP TABLE \(table)", name: "drop \(table)")
        return .inserted(rows: inserted)
    }

    /// The partition of `month` (`year * 12 + month - 1`), when it holds no row: its qualified name, its own name and
    /// its bound (`FOR VALUES FROM (…) TO (…)`).
    private func emptyPartition(month: Int, _ connection: PostgresConnection) throws
        -> (qualified: String, name: String, bound: String)?
    {
        let first = String(format: "%04d-%02d", month / 12, month % 12 + 1)
        let rows = try connection.query(
            """
            SELECT format('%I.%I', n.nspname, c.relname) AS qualified, quote_ident(c.relname) AS name,
                   pg_get_expr(c.relpartbound, c.oid) AS bound
            FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE i.inhparent = to_regclass($1) AND c.relkind = 'r'
              AND substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \\(''([0-9]{4}-[0-9]{2})-01''\\)') = $2
            """, [parent, first], name: "partition of a month staged apart")
        guard rows.count == 1, let row = rows.first else { return nil }
        let qualified = try row.decode(String.self, "qualified")
        let empty = try connection.query(
            "SELECT NOT EXISTS (SELECT 1 FROM ONLY \(qualified)) AS empty", name: "is \(qualified) still empty"
        ).first?.decode(Bool.self, "empty") ?? false
        guard empty else { return nil }
        return (qualified, try row.decode(String.self, "name"), try row.decode(String.self, "bound"))
    }
}
