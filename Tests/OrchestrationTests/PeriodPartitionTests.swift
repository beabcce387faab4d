import Foundation
import Orchestration
import Postgres
import TestSupport
import Warehouse
import XCTest

/// Feeds partitioned by period (`partition_by`): a partition per month in staging and in the clean table, a
/// backfill of a month that touches its partition only, old months archived to files and restored, and a staging
/// table made before `partition_by` converted with its rows, and a record whose period can change moved from one
/// partition to another.
final class PeriodPartitionTests: OrchestrationTestCase {
    var file: URL { scratch.appendingPathComponent("files/payments.csv") }
    var archive: URL { scratch.appendingPathComponent("archive") }

    /// `Connectors/payments.yaml`: payments by month, read from `files/payments.csv`.
    func paymentsFeed(partitioned: Bool = true, periodCanChange: Bool = false) throws {
        try """
            name: payments
            kind: csv
            request:
              url: file://\(file.path)
            records:
              csv: {delimiter: ",", header: true}
            incremental:
              cursor_field: paid_on
              format: date
              start_datetime: "2023-12-01"   # a month before the first payment: its partition stays empty
              window:
                start_parameter: from
                step: P1M
            primary_key: \(partitioned ? "[doc, paid_on]" : "[doc]")
            \(partitioned ? "partition_by: {field: paid_on, interval: month, period_can_change: \(periodCanChange)}" : "")
            fields:
              doc: {path: doc, type: text, required: true}
              paid_on: {path: paid_on, type: date, required: true}
              amount: {path: amount, type: numeric}
            """.write(to: scratch.appendingPathComponent("Connectors/payments.yaml"), atomically: true, encoding: .utf8)
    }

    /// 40 payments, ten in each month from January to April 2024; `amount` of document k is k (or `changed[k]`).
    func payments(_ docs: [Int] = Array(1...40), changed: [Int: Int] = [:]) throws {
        let lines = ["doc,paid_on,amount"] + docs.map { k in
            "D\(k),2024-\(String(format: "%02d", 1 + (k - 1) / 10))-\(String(format: "%02d", 1 + k % 28)),\(changed[k] ?? k)"
        }
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
    }

    func load(transform: Bool = true) async throws {
        try """
            name: nightly
            steps:
              - name: load
                ingest: [payments]
            \(transform ? "  - name: transform\n    transform: {}" : "")
            """.write(to: scratch.appendingPathComponent("Pipelines/nightly.yaml"), atomically: true, encoding: .utf8)
        let run = try PipelineRun.start(
            PipelineRunRequest(
                pipeline: "nightly", pipelines: pipelines, connectors: connectors,
                models: scratch.appendingPathComponent("Pipelines/models").path, conninfo: database.url),
            log: .silent)
        let result = await run.execute()
        XCTAssertEqual(result.outcome, .succeeded, result.summary)
    }

    /// The partitions of `table` with their rows, `name rows`.
    func partitions(_ table: String) throws -> [String] {
        try connection.query(
            """
            SELECT c.relname AS name, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text AS rows
            FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE i.inhparent = $1::regclass ORDER BY 1
            """, [table]
        ).map { "\(try $0.decode(String.self, "name")) \(try $0.decode(String.self, "rows"))" }
    }

    /// An md5 over the rows of `table` of one month, in key order (what an archive and its restore keep).
    func digest(_ table: String, month: String) throws -> String {
        try connection.query(
            """
            SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS d FROM \(table) AS t
            WHERE paid_on >= $1::date AND paid_on < ($1::date + interval '1 month')
            """, [month]
        )[0].decode(String.self, "d")
    }

    func testStagingAndTheCleanTableHaveAPartitionPerMonthAndTheDefaultStaysEmpty() async throws {
        try paymentsFeed()
        try payments()
        try await load()
        XCTAssertEqual(try count("SELECT count(*) FROM pg_class WHERE oid = 'staging.payments'::regclass AND relkind = 'p'"), 1)
        let staged = try partitions("staging.payments")
        for month in ["01", "02", "03", "04"] {
            XCTAssertTrue(staged.contains("payments_p2024_\(month) 10"), "\(staged)")
        }
        XCTAssertTrue(staged.contains("payments_default 0"), "every row has its month's partition: \(staged)")
        XCTAssertEqual(
            try partitions("core.clean_payments").filter { !$0.hasSuffix(" 0") },
            staged.filter { !$0.hasSuffix(" 0") }.map { "clean_\($0)" }, "the clean table is cut as staging is")
        XCTAssertEqual(try count("SELECT count(*) FROM core.clean_payments"), 40)
        XCTAssertEqual(
            try count("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'core' AND c.relname LIKE 'clean_payments%' AND c.relispartition AND c.relkind = 'r'"),
            try partitions("core.clean_payments").count)

        // A late record of a month without a partition waits in the default partition no longer than its load.
        try payments()
        var lines = try String(contentsOf: file, encoding: .utf8)
        lines += "D99,2019-06-15,7\n"
        try lines.write(to: file, atomically: true, encoding: .utf8)
        try await load()
        let late = try partitions("staging.payments")
        XCTAssertTrue(late.contains("payments_p2019_06 1"), "\(late)")
        XCTAssertTrue(late.contains("payments_default 0"))
        let cleanLate = try partitions("core.clean_payments")
        XCTAssertTrue(cleanLate.contains("clean_payments_p2019_06 1"), "\(cleanLate)")
    }

    func testARecordSentAgainWithAnotherPeriodReplacesTheStagedOneWhenThePeriodCanChange() async throws {
        try paymentsFeed(periodCanChange: true)
        // The first load sends D5 twice: in January, then (the last record wins) in February.
        try payments()
        try (String(contentsOf: file, encoding: .utf8) + "D5,2024-02-10,55\n").write(to: file, atomically: true, encoding: .utf8)
        try await load()
        XCTAssertEqual(try count("SELECT count(*) FROM staging.payments WHERE _deleted_at IS NULL"), 40)
        XCTAssertEqual(try count("SELECT amount::int FROM staging.payments WHERE doc = 'D5' AND _deleted_at IS NULL"), 55)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.payments_p2024_01 WHERE doc = 'D5' AND _deleted_at IS NOT NULL"), 1)
        XCTAssertEqual(try count("SELECT rows_staged FROM citypipe.feed_runs WHERE feed = 'payments' ORDER BY feed_run_id DESC LIMIT 1"), 40)

        // The next night the source sends D7 with a corrected date in March: its January row is marked deleted.
        try payments(changed: [7: 77])
        var lines = try String(contentsOf: file, encoding: .utf8)
        lines = lines.replacingOccurrences(of: "D7,2024-01-08,77", with: "D7,2024-03-15,77") + "D5,2024-02-10,55\n"
        try lines.write(to: file, atomically: true, encoding: .utf8)
        try await load()
        XCTAssertEqual(try count("SELECT count(*) FROM staging.payments_p2024_01 WHERE doc = 'D7' AND _deleted_at IS NOT NULL"), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.payments_p2024_03 WHERE doc = 'D7' AND _deleted_at IS NULL"), 1)
        XCTAssertEqual(try count("SELECT rows_deleted FROM citypipe.feed_runs WHERE feed = 'payments' ORDER BY feed_run_id DESC LIMIT 1"), 1)
        XCTAssertEqual(
            try count("SELECT count(*) FROM (SELECT doc FROM core.clean_payments WHERE _deleted_at IS NULL GROUP BY doc HAVING count(*) > 1) AS d"), 0,
            "the clean table has one live row per document")
        XCTAssertEqual(try count("SELECT amount::int FROM core.clean_payments WHERE doc = 'D7' AND _deleted_at IS NULL"), 77)
    }

    /// The night a new month arrives, its partition is empty: its records are COPYed straight in (no MERGE), a
    /// key sent twice still ends as its last record, and the counts are the MERGE's.
    func testAnIncrementalLoadStagesANewMonthIntoItsEmptyPartitionOncePerKey() async throws {
        try paymentsFeed()
        try payments(Array(1...30))  // January to March
        try await load(transform: false)
        XCTAssertTrue(try partitions("staging.payments").contains("payments_p2024_04 0"), "April's partition is there, empty")
        let emptyApril = try count("SELECT 'staging.payments_p2024_04'::regclass::oid::int")

        // The next night: April's ten payments, D35 sent twice (the second with another amount), March's D25
        // corrected, the rest sent again unchanged.
        try payments(changed: [25: 250])
        try (String(contentsOf: file, encoding: .utf8) + "D35,2024-04-08,3500\n").write(to: file, atomically: true, encoding: .utf8)
        try await load()
        let staged = try partitions("staging.payments")
        XCTAssertTrue(staged.contains("payments_p2024_04 10"), "\(staged)")
        // April was staged in a table of its own, attached in place of the empty partition with every index of the
        // staging table (its primary key and the change index), and nothing of that table is left.
        XCTAssertNotEqual(try count("SELECT 'staging.payments_p2024_04'::regclass::oid::int"), emptyApril, "staged apart: a new table")
        XCTAssertEqual(try indexes("staging.payments_p2024_04"), try indexes("staging.payments_p2024_03"))
        XCTAssertEqual(try indexes("staging.payments_p2024_04").count, 2, "the primary key and the change index")
        XCTAssertEqual(try count("SELECT count(*) FROM pg_class WHERE relname LIKE '%cp_apart%'"), 0)
        XCTAssertEqual(try count("SELECT amount::int FROM staging.payments WHERE doc = 'D35'"), 3500, "the last record of a key wins")
        XCTAssertEqual(try count("SELECT amount::int FROM staging.payments WHERE doc = 'D25'"), 250)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.payments WHERE _deleted_at IS NULL"), 40)
        XCTAssertEqual(
            try count("SELECT rows_staged FROM citypipe.feed_runs WHERE feed = 'payments' ORDER BY feed_run_id DESC LIMIT 1"), 11,
            "April's ten and D25")
        XCTAssertEqual(try count("SELECT count(*) FROM core.clean_payments WHERE paid_on >= '2024-04-01' AND _deleted_at IS NULL"), 10)
        XCTAssertEqual(try count("SELECT amount::int FROM core.clean_payments WHERE doc = 'D35'"), 3500)

        // A night with nothing new stages nothing.
        try await load()
        XCTAssertEqual(try count("SELECT rows_staged FROM citypipe.feed_runs WHERE feed = 'payments' ORDER BY feed_run_id DESC LIMIT 1"), 0)

        // Two new months in one night (May and June, both empty): their rows go into the staging table from the
        // table they were staged in, each into its month.
        let emptyMay = try count("SELECT 'staging.payments_p2024_05'::regclass::oid::int")
        try payments(Array(1...60), changed: [25: 250])
        try (String(contentsOf: file, encoding: .utf8) + "D35,2024-04-08,3500\n").write(to: file, atomically: true, encoding: .utf8)
        try await load()
        let later = try partitions("staging.payments")
        XCTAssertTrue(later.contains("payments_p2024_05 10") && later.contains("payments_p2024_06 10"), "\(later)")
        XCTAssertEqual(try count("SELECT 'staging.payments_p2024_05'::regclass::oid::int"), emptyMay, "the partition stays")
        XCTAssertEqual(try count("SELECT count(*) FROM pg_class WHERE relname LIKE '%cp_apart%'"), 0)
        XCTAssertEqual(try count("SELECT rows_staged FROM citypipe.feed_runs WHERE feed = 'payments' ORDER BY feed_run_id DESC LIMIT 1"), 20)
        XCTAssertEqual(try count("SELECT count(*) FROM core.clean_payments WHERE _deleted_at IS NULL"), 60)
    }

    /// The definitions of the indexes of `table`, with its month (`_p2024_MM`) written `_P`, in order.
    func indexes(_ table: String) throws -> [String] {
        try connection.query(
            "SELECT regexp_replace(pg_get_indexdef(indexrelid), '_p2024_0[0-9]', '_P', 'g') AS d FROM pg_index WHERE indrelid = $1::regclass ORDER BY 1",
            [table]
        ).map { try $0.decode(String.self, "d") }
    }

    func testANewMonthIsNormalisedApartAndAttachedWithEveryIndexOfTheCleanTable() async throws {
        try paymentsFeed()
        try payments(Array(1...30))  // January to March, normalised
        try await load()
        XCTAssertTrue(try partitions("core.clean_payments").contains("clean_payments_p2024_04 0"), "April's clean partition is there, empty")
        try connection.simpleExecute("CREATE INDEX clean_payments_amount ON core.clean_payments (amount)")
        let before = try connection.query("SELECT max(_normalized_at)::text AS t FROM core.clean_payments")[0].decode(String.self, "t")
        let emptyApril = try count("SELECT 'core.clean_payments_p2024_04'::regclass::oid::int")

        // April's ten payments (D35 twice, the last wins) and March's D25 corrected.
        try payments(changed: [25: 250])
        try (String(contentsOf: file, encoding: .utf8) + "D35,2024-04-08,3500\n").write(to: file, atomically: true, encoding: .utf8)
        try await load()
        let clean = try partitions("core.clean_payments")
        XCTAssertTrue(clean.contains("clean_payments_p2024_04 10"), clean.joined(separator: ", "))
        XCTAssertEqual(try indexes("core.clean_payments_p2024_04").count, 2, "the key and the analyst's index")
        XCTAssertEqual(try indexes("core.clean_payments_p2024_04"), try indexes("core.clean_payments_p2024_03"), "made by ATTACH as the other months have them")
        XCTAssertEqual(try count("SELECT count(*) FROM pg_class WHERE oid = 'core.clean_payments_p2024_04'::regclass AND relispartition"), 1)
        XCTAssertNotEqual(try count("SELECT 'core.clean_payments_p2024_04'::regclass::oid::int"), emptyApril, "built apart: a new table")
        XCTAssertEqual(try count("SELECT amount::int FROM core.clean_payments WHERE doc = 'D35'"), 3500)
        XCTAssertEqual(try count("SELECT amount::int FROM core.clean_payments WHERE doc = 'D25'"), 250, "the older month merged as before")
        XCTAssertEqual(try count("SELECT count(*) FROM core.clean_payments WHERE _deleted_at IS NULL"), 40)
        XCTAssertEqual(
            try connection.query("SELECT count(*)::int AS n FROM core.clean_payments WHERE _normalized_at > $1::timestamptz", [before])[0].decode(Int.self, "n"), 11,
            "April's rows and D25 are marked for the incremental models, nothing else")
        XCTAssertEqual(try count("SELECT count(*) FROM core.clean_payments_default"), 0)

        // The next night with nothing new writes nothing, and April is merged as any month now.
        try payments(changed: [25: 250, 33: 330])
        try (String(contentsOf: file, encoding: .utf8) + "D35,2024-04-08,3500\n").write(to: file, atomically: true, encoding: .utf8)
        try await load()
        XCTAssertEqual(try count("SELECT amount::int FROM core.clean_payments WHERE doc = 'D33'"), 330)
        XCTAssertEqual(try count("SELECT count(*) FROM core.clean_payments WHERE _deleted_at IS NULL"), 40)
    }

    func testABackfillOfAMonthTouchesThatMonthsPartitionOnly() async throws {
        try paymentsFeed()
        try payments()
        try await load(transform: false)
        let before = try connection.query("SELECT txid_current() AS x")[0].decode(Int64.self, "x")
        let april = try digest("staging.payments", month: "2024-04-01")
        // What the source sends for March now: one payment amended, one withdrawn.
        try payments(Array(21...30).filter { $0 != 25 }, changed: [23: 2323])
        let job = try BackfillJob.start(
            BackfillRequest(feed: "payments", from: "2024-03-01", to: "2024-03-31", step: .month, connectors: connectors, conninfo: database.url),
            log: .silent)
        let result = await job.execute()
        XCTAssertTrue(result.failed.isEmpty && result.error == nil, "\(result.failed) \(String(describing: result.error))")

        XCTAssertEqual(try count("SELECT amount::int FROM staging.payments WHERE doc = 'D23'"), 2323)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.payments WHERE doc = 'D25' AND _deleted_at IS NOT NULL"), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.payments WHERE _deleted_at IS NOT NULL"), 1, "nothing outside March is marked deleted")
        XCTAssertEqual(try digest("staging.payments", month: "2024-04-01"), april)
        let written = try connection.query(
            """
            SELECT DISTINCT tableoid::regclass::text AS t FROM staging.payments
            WHERE xmin::text::bigint > ($1::bigint % 4294967296) ORDER BY 1
            """, [before]
        ).map { try $0.decode(String.self, "t") }
        XCTAssertEqual(written, ["staging.payments_p2024_03"], "the rows the backfill wrote are all in March's partition")
    }

    func testOldMonthsAreArchivedToFilesAndRestoredRowForRow() async throws {
        try paymentsFeed()
        try payments()
        try await load()
        let january = (try digest("staging.payments", month: "2024-01-01"), try digest("core.clean_payments", month: "2024-01-01"))

        let planned = try PartitionArchive.candidates(connection, feed: "payments", before: "2024-03-01")
        XCTAssertEqual(Set(planned.map(\.partition)), [
            "staging.payments_p2023_12", "core.clean_payments_p2023_12",
            "staging.payments_p2024_01", "staging.payments_p2024_02", "core.clean_payments_p2024_01", "core.clean_payments_p2024_02",
        ])
        let archived = try PartitionArchive.archive(connection, feed: "payments", before: "2024-03-01", directory: archive)
        XCTAssertEqual(archived.count, 6)
        XCTAssertEqual(archived.map(\.rows), [0, 0, 10, 10, 10, 10])
        let empty = archived.filter { $0.periodFrom == "2023-12-01" }
        XCTAssertEqual(empty.map(\.file), ["", ""], "an empty month is dropped without a file")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: archive.appendingPathComponent("payments").path).count, 8, "four files and their sidecars")
        for entry in archived where !entry.file.isEmpty {
            XCTAssertTrue(FileManager.default.fileExists(atPath: entry.file), entry.file)
            XCTAssertTrue(FileManager.default.fileExists(atPath: entry.file + ".json"), "its sidecar")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: entry.file)).count, entry.bytes)
            XCTAssertEqual(try count("SELECT count(*) FROM pg_class WHERE oid = to_regclass('\(entry.partition)')"), 0, "dropped")
        }
        XCTAssertEqual(try count("SELECT count(*) FROM staging.payments"), 20)
        XCTAssertEqual(try count("SELECT count(*) FROM core.clean_payments"), 20)
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.archives WHERE feed = 'payments' AND restored_at IS NULL"), 6)
        XCTAssertEqual(try count("SELECT count(*) FROM pg_class WHERE oid = to_regclass('staging.payments_p2023_12')"), 0)

        // The next loads do not make the archived months again, the empty one neither.
        try payments(Array(21...40))
        try await load()
        let after = try partitions("staging.payments")
        XCTAssertFalse(after.contains { $0.hasPrefix("payments_p2024_01") || $0.hasPrefix("payments_p2023_12") }, "\(after)")

        // An empty month comes back empty.
        XCTAssertEqual(try PartitionArchive.restore(connection, feed: "payments", period: "2023-12-01").count, 2)
        XCTAssertTrue(try partitions("staging.payments").contains("payments_p2023_12 0"))

        // A file that is not what was written is refused, and nothing of it comes back.
        let februaryFile = try XCTUnwrap(archived.first { $0.partition == "staging.payments_p2024_02" }?.file)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: februaryFile))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: februaryFile))
        XCTAssertThrowsError(try PartitionArchive.restore(connection, feed: "payments", period: "2024-02-01")) { error in
            guard case .invalid(let text) = error as? OrchestrationError else { return XCTFail("expected invalid, got \(error)") }
            XCTAssertTrue(text.contains("SHA-256"), text)
        }
        XCTAssertEqual(try count("SELECT count(*) FROM staging.payments WHERE paid_on < '2024-03-01'"), 0)

        // January comes back as it was, in staging and in the clean table.
        let restored = try PartitionArchive.restore(connection, feed: "payments", period: "2024-01-01")
        XCTAssertEqual(Set(restored.map(\.partition)), ["staging.payments_p2024_01", "core.clean_payments_p2024_01"])
        XCTAssertEqual(try digest("staging.payments", month: "2024-01-01"), january.0)
        XCTAssertEqual(try digest("core.clean_payments", month: "2024-01-01"), january.1)
        XCTAssertEqual(try count("SELECT count(*) FROM citypipe.archives WHERE feed = 'payments' AND restored_at IS NOT NULL"), 4)
        XCTAssertThrowsError(try PartitionArchive.restore(connection, feed: "payments", period: "2024-01-01"), "restored once") { error in
            guard case .nothingToDo = error as? OrchestrationError else { return XCTFail("expected nothingToDo, got \(error)") }
        }
    }

    func testArchivingWhileTheFeedLoadsIsBusyAndAFeedWithoutPartitionsIsRefused() async throws {
        try paymentsFeed()
        try payments()
        try await load(transform: false)
        let other = try PostgresConnection.connect(database.url)
        defer { other.close() }
        XCTAssertTrue(try other.tryAdvisoryLock(named: "citypipe:feed:payments"))
        XCTAssertThrowsError(try PartitionArchive.archive(connection, feed: "payments", before: "2024-03-01", directory: archive)) { error in
            guard case .busy = error as? OrchestrationError else { return XCTFail("expected busy, got \(error)") }
        }
        XCTAssertEqual(try count("SELECT count(*) FROM staging.payments"), 40, "nothing archived")
        _ = try other.advisoryUnlock(named: "citypipe:feed:payments")

        try fileFeed("towns", file: "towns.csv")
        try csv("towns.csv", rows: 3)
        try pipeline("towns", feeds: ["towns"])
        let run = try PipelineRun.start(PipelineRunRequest(pipeline: "towns", pipelines: pipelines, connectors: connectors, conninfo: database.url), log: .silent)
        _ = await run.execute()
        XCTAssertThrowsError(try PartitionArchive.archive(connection, feed: "towns", before: "2024-03-01", directory: archive)) { error in
            guard case .invalid(let text) = error as? OrchestrationError else { return XCTFail("expected invalid, got \(error)") }
            XCTAssertTrue(text.contains("partition_by"), text)
        }
    }

    func testAStagingTableFromBeforePartitionByIsConvertedWithItsRows() async throws {
        try paymentsFeed(partitioned: false)
        try payments()
        try await load()
        XCTAssertEqual(try count("SELECT count(*) FROM pg_class WHERE oid = 'staging.payments'::regclass AND relkind = 'r'"), 1)
        let staged = try connection.query("SELECT md5(string_agg(doc || paid_on || amount || _hash, ',' ORDER BY doc)) AS d FROM staging.payments")[0]
            .decode(String.self, "d")

        try paymentsFeed(partitioned: true)
        try await load()
        XCTAssertEqual(try count("SELECT count(*) FROM pg_class WHERE oid = 'staging.payments'::regclass AND relkind = 'p'"), 1)
        XCTAssertEqual(
            try connection.query("SELECT md5(string_agg(doc || paid_on || amount || _hash, ',' ORDER BY doc)) AS d FROM staging.payments")[0]
                .decode(String.self, "d"), staged, "the same rows, now in their months' partitions")
        XCTAssertTrue(try partitions("staging.payments").contains("payments_p2024_02 10"))
        XCTAssertEqual(try count("SELECT count(*) FROM pg_class WHERE oid = 'core.clean_payments'::regclass AND relkind = 'p'"), 1, "the clean table is made anew, partitioned")
        XCTAssertEqual(try count("SELECT count(*) FROM core.clean_payments"), 40)
    }

    /// The staged partitions that have the index over each row's change moment (`StagingChanges`), of the
    /// partitions of `staging.payments`: `(with, all)`.
    func changeIndexedPartitions() throws -> (with: Int, all: Int) {
        let row = try connection.query(
            """
            SELECT count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM pg_index AS x JOIN pg_class AS ix ON ix.oid = x.indexrelid JOIN pg_am AS am ON am.oid = ix.relam
                       WHERE x.indrelid = c.oid AND am.amname = 'brin' AND pg_get_indexdef(x.indexrelid) LIKE '%GREATEST(_loaded_at%')) AS with,
                   count(*) AS all
            FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid WHERE i.inhparent = 'staging.payments'::regclass
            """)[0]
        return (try row.decode(Int.self, "with"), try row.decode(Int.self, "all"))
    }

    func testEveryStagedMonthHasTheChangeIndexAndTheNormalisersReadOfChangesIsAnsweredByIt() async throws {
        try paymentsFeed()
        try payments()
        try await load()
        var indexed = try changeIndexedPartitions()
        XCTAssertGreaterThan(indexed.all, 4)
        XCTAssertEqual(indexed.with, indexed.all, "the first normalisation gives every partition the index")

        // A table staged before the index existed gets it at its next normalisation; a month staged later has it too.
        try connection.simpleExecute("DROP INDEX staging.\(StagingChanges.indexName(feed: "payments"))")
        XCTAssertEqual(try changeIndexedPartitions().with, 0)
        try (String(contentsOf: file, encoding: .utf8) + "D99,2019-06-15,7\n").write(to: file, atomically: true, encoding: .utf8)
        try await load()
        XCTAssertTrue(try partitions("staging.payments").contains("payments_p2019_06 1"))
        indexed = try changeIndexedPartitions()
        XCTAssertEqual(indexed.with, indexed.all, "every partition, the new month's included")

        // The normaliser asks each staged table whether it holds a row changed since its watermark before reading
        // it: the index answers that (a plan with the other ways off), so that a month no load touched is skipped
        // in a few index pages instead of read whole. Its other form, for runs of pages, keeps the same rows.
        try connection.simpleExecute("ANALYZE staging.payments")
        let june = StagingChanges.since("'2024-06-01T00:00:00Z'")
        let plan = try connection.transaction { c in
            try c.simpleExecute("SET LOCAL enable_seqscan = off; SET LOCAL enable_tidscan = off")
            return try c.query("EXPLAIN SELECT EXISTS (SELECT 1 FROM staging.payments_p2024_01 WHERE \(june.indexed))")
                .map { try $0.decode(String.self, "QUERY PLAN") }.joined(separator: "\n")
        }
        XCTAssertTrue(plan.contains("Bitmap Index Scan") && plan.contains("Index Cond: (GREATEST(_loaded_at"), plan)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.payments WHERE \(june.indexed)"), 41)
        XCTAssertEqual(try count("SELECT count(*) FROM staging.payments WHERE \(june.scanned)"), 41)
        let later = StagingChanges.since("(now() + interval '1 day')")
        XCTAssertEqual(try count("SELECT count(*) FROM staging.payments WHERE \(later.indexed) OR \(later.scanned)"), 0)
    }
}
