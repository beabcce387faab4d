@testable import Ingest
import Manifest
import XCTest

/// Which requests a load makes: windows times `request.partitions`.
final class PartitionPlanTests: XCTestCase {
    private func manifest(partitions: [[String: String]], incremental: IncrementalSpec?) -> ConnectorManifest {
        var manifest = ConnectorManifest(
            name: "schools", kind: .csv, request: RequestSpec(url: "http://127.0.0.1:9/x.csv", partitions: partitions),
            primaryKey: ["id"], fields: [FieldSpec(name: "id", type: .text), FieldSpec(name: "period", type: .date)])
        manifest.incremental = incremental
        return manifest
    }

    func testEachWindowIsReadForEachPartition() {
        let now = Date(timeIntervalSince1970: 1_740_787_200)  // 2025-03-01T00:00:00Z
        let monthly = IncrementalSpec(
            cursorField: "period", format: .month, startDatetime: "2025-01",
            window: WindowSpec(startParameter: "ky", step: ManifestDuration("P1M") ?? ManifestDuration(seconds: 1)))
        let table: [(String, [[String: String]], IncrementalSpec?, [[String]])] = [
            ("snapshot, no partitions", [], nil, [[]]),
            ("snapshot, two partitions", [["so": "bn"], ["so": "bg", "a": "1"]], nil, [["so=bn"], ["a=1", "so=bg"]]),
            ("windows, no partitions", [], monthly, [["ky=2025-01"], ["ky=2025-02"], ["ky=2025-03"]]),
            ("windows × partitions", [["so": "bn"], ["so": "bg"]], monthly,
             [["so=bn", "ky=2025-01"], ["so=bg", "ky=2025-01"], ["so=bn", "ky=2025-02"], ["so=bg", "ky=2025-02"],
              ["so=bn", "ky=2025-03"], ["so=bg", "ky=2025-03"]]),
        ]
        for (name, partitions, incremental, expected) in table {
            let plan = IncrementalPlan(manifest: manifest(partitions: partitions, incremental: incremental), storedCursor: nil, now: now)
            XCTAssertEqual(plan.windows().map { $0.map { "\($0.0)=\($0.1)" } }, expected, name)
        }
    }
}
