import Foundation
import Ingest
import Manifest
import TestSupport
import XCTest

/// How `citypipe backfill` cuts a range into windows, and which windows a re-run loads.
final class BackfillPlanTests: XCTestCase {
    func manifest(format: CursorFormat, start: String = "updated_since", end: String? = "updated_before", step: String = "P7D") throws -> ConnectorManifest {
        var manifest = try population()
        manifest.incremental = IncrementalSpec(
            cursorField: "updated_at", parameter: "updated_since", format: format,
            window: WindowSpec(startParameter: start, endParameter: end, step: try XCTUnwrap(ManifestDuration(step))))
        return manifest
    }

    func population() throws -> ConnectorManifest {
        try ManifestLoader(knownSemantics: ManifestCatalog.knownSemantics)
            .loadValid(contentsOf: BuiltBinary.connectors.appendingPathComponent("population.yaml"))
    }

    func values(_ plan: BackfillPlan) -> [String] {
        plan.windows.map { $0.parameters.map { "\($0.name)=\($0.value)" }.joined(separator: "&") }
    }

    func testDayWindowsCoverTheRangeWithBothEndsIncluded() throws {
        let plan = try BackfillPlan(manifest: try manifest(format: .date), from: "2025-09-01", to: "2025-11-29", step: .day)
        XCTAssertEqual(plan.windows.count, 90)
        XCTAssertEqual(values(plan).first, "updated_since=2025-09-01&updated_before=2025-09-02")
        XCTAssertEqual(values(plan).last, "updated_since=2025-11-29&updated_before=2025-11-30")
        XCTAssertEqual(plan.windows.first?.lowerBound, "2025-09-01T00:00:00+07:00")
        XCTAssertEqual(plan.windows.last?.upperBound, "2025-11-30T00:00:00+07:00")
        for (a, b) in zip(plan.windows, plan.windows.dropFirst()) { XCTAssertEqual(a.to, b.from, "windows touch, no gap, no overlap") }
    }

    /// Table: format, range, step → number of windows, first and last request parameters.
    func testWindowsByFormatAndStep() throws {
        let cases: [(CursorFormat, String, String, BackfillPlan.Step?, Int, String, String)] = [
            (.iso8601, "2025-07-01", "2025-07-02", .day, 2,
             "updated_since=2025-07-01T00:00:00+07:00&updated_before=2025-07-02T00:00:00+07:00",
             "updated_since=2025-07-02T00:00:00+07:00&updated_before=2025-07-03T00:00:00+07:00"),
            // Weeks: the last window is cut at the range's end.
            (.date, "2025-07-01", "2025-07-10", .week, 2, "updated_since=2025-07-01&updated_before=2025-07-08",
             "updated_since=2025-07-08&updated_before=2025-07-11"),
            // No step given: the manifest's P7D.
            (.date, "2025-07-01", "2025-07-14", nil, 2, "updated_since=2025-07-01&updated_before=2025-07-08",
             "updated_since=2025-07-08&updated_before=2025-07-15"),
            // Months, a leap February, YYYY-MM bounds meaning whole months.
            (.date, "2024-01", "2024-03", .month, 3, "updated_since=2024-01-01&updated_before=2024-02-01",
             "updated_since=2024-03-01&updated_before=2024-04-01"),
            (.month, "2024-11", "2025-02", .month, 4, "updated_since=2024-11&updated_before=2024-12",
             "updated_since=2025-02&updated_before=2025-03"),
            (.epochSeconds, "2025-07-01", "2025-07-01", .day, 1, "updated_since=1751302800&updated_before=1751389200",
             "updated_since=1751302800&updated_before=1751389200"),
        ]
        for (index, item) in cases.enumerated() {
            let plan = try BackfillPlan(manifest: try manifest(format: item.0), from: item.1, to: item.2, step: item.3)
            XCTAssertEqual(plan.windows.count, item.4, "case \(index)")
            XCTAssertEqual(values(plan).first, item.5, "case \(index)")
            XCTAssertEqual(values(plan).last, item.6, "case \(index)")
        }
    }

    func testASourceThatTakesOnlyAStartGetsItsOwnStepAlignedToIt() throws {
        let monthly = try manifest(format: .month, start: "period", end: nil, step: "P1M")
        let plan = try BackfillPlan(manifest: monthly, from: "2024-01", to: "2024-06", step: nil)
        XCTAssertEqual(values(plan), (1...6).map { "period=2024-0\($0)" })
        XCTAssertThrowsError(try BackfillPlan(manifest: monthly, from: "2024-01-01", to: "2024-02-01", step: .day)) {
            XCTAssertTrue(String(describing: $0).contains("use --step month"), "\($0)")
        }
        let daily = try manifest(format: .date, start: "ngay", end: nil, step: "P1D")
        XCTAssertThrowsError(try BackfillPlan(manifest: daily, from: "2024-01-01", to: "2024-02-01", step: .week)) {
            XCTAssertTrue(String(describing: $0).contains("use --step day"), "\($0)")
        }
        let dailyPlan = try BackfillPlan(manifest: daily, from: "2024-02-27", to: "2024-03-01", step: .day)
        XCTAssertEqual(values(dailyPlan), ["ngay=2024-02-27", "ngay=2024-02-28", "ngay=2024-02-29", "ngay=2024-03-01"])
    }

    func testBadRangesAndUnwindowedFeedsAreRefusedWithTheReason() throws {
        let windowed = try manifest(format: .date)
        let cases: [(String, String, BackfillError)] = [
            ("2025-13-01", "2025-12-01", .invalidDate("2025-13-01")),
            ("2025-02-30", "2025-03-01", .invalidDate("2025-02-30")),
            ("01/09/2025", "2025-09-02", .invalidDate("01/09/2025")),
            ("2025-09-02", "2025-09-01", .emptyRange(from: "2025-09-02", to: "2025-09-01")),
        ]
        for (from, to, expected) in cases {
            XCTAssertThrowsError(try BackfillPlan(manifest: windowed, from: from, to: to, step: .day)) {
                XCTAssertEqual($0 as? BackfillError, expected)
            }
        }
        var snapshot = try population()
        snapshot.incremental = nil
        XCTAssertThrowsError(try BackfillPlan(manifest: snapshot, from: "2025-09-01", to: "2025-09-02", step: .day)) {
            XCTAssertEqual($0 as? BackfillError, .notWindowed(feed: snapshot.name))
        }
        XCTAssertThrowsError(try BackfillPlan(manifest: windowed, from: "2000-01-01", to: "2025-01-01", step: .day)) {
            XCTAssertEqual($0 as? BackfillError, .tooManyWindows(limit: BackfillPlan.maxWindows))
        }
    }

    func testWhichWindowsAReRunLoads() throws {
        let plan = try BackfillPlan(manifest: try manifest(format: .date), from: "2025-09-01", to: "2025-09-04", step: .day)
        func partitions(_ statuses: [String]) -> BackfillLedger.Backfill {
            BackfillLedger.Backfill(
                id: 7, feed: plan.feed, from: plan.windows[0].from, to: plan.windows[3].to, step: "day", status: "interrupted",
                partitions: zip(plan.windows, statuses).map {
                    BackfillLedger.Partition(from: $0.from, to: $0.to, status: $1, attempts: 1, rowsStaged: 0)
                })
        }
        let cut = partitions(["succeeded", "succeeded", "failed", "pending"])
        XCTAssertEqual(try BackfillSelection.windows(plan: plan, existing: nil, resume: false, reprocess: nil).count, 4)
        XCTAssertEqual(try BackfillSelection.windows(plan: plan, existing: cut, resume: true, reprocess: nil), Array(plan.windows[2...]))
        XCTAssertEqual(try BackfillSelection.windows(plan: plan, existing: cut, resume: false, reprocess: .failed), Array(plan.windows[2...]))
        XCTAssertEqual(try BackfillSelection.windows(plan: plan, existing: cut, resume: false, reprocess: .all), plan.windows)
        XCTAssertThrowsError(try BackfillSelection.windows(plan: plan, existing: cut, resume: false, reprocess: nil)) {
            XCTAssertEqual($0 as? BackfillError, .unfinished(feed: plan.feed, backfillID: 7, remaining: 2))
        }
        let done = partitions(["succeeded", "succeeded", "succeeded", "succeeded"])
        XCTAssertEqual(try BackfillSelection.windows(plan: plan, existing: done, resume: false, reprocess: nil), [])
        XCTAssertEqual(try BackfillSelection.windows(plan: plan, existing: done, resume: true, reprocess: nil), [])
    }
}
