import Foundation
import Manifest
import XCTest

/// `request.partitions` (several parts of one source in one load) and `records.csv.encoding: auto`.
final class PartitionTests: XCTestCase {
    private let yaml = """
        name: demo
        kind: csv
        request:
          url: ${CITYPIPE_DEMO_URL}/exports/schools.csv
          partitions:
            - {so: bac-ninh}
            - {so: bac-giang, nam_hoc: "2025"}
        records:
          csv: {encoding: auto}
        primary_key: [id]
        fields:
          id: {type: text, required: true}

        """

    func testPartitionsAreListsOfParameterMappings() throws {
        let result = Fixture.loader.load(yaml: yaml, file: "Connectors/demo.yaml")
        XCTAssertEqual(result.issues, [])
        let manifest = try XCTUnwrap(result.manifest)
        XCTAssertEqual(manifest.request.partitions, [["so": "bac-ninh"], ["so": "bac-giang", "nam_hoc": "2025"]])
        XCTAssertEqual(manifest.records.csv?.encoding, .auto)
    }

    func testMalformedPartitionsAreReportedWithTheirPath() {
        let table: [(String, String)] = [
            ("    - {so: bac-giang, nam_hoc: \"2025\"}", "    - bac-giang"),
            ("    - {so: bac-ninh}", "    - {so: [bac-ninh, bac-giang]}"),
        ]
        for (target, replacement) in table {
            let issues = Fixture.loader.load(yaml: yaml.replacingOnce(target, with: replacement), file: "Connectors/demo.yaml")
                .errors.map { "\($0.keyPath)" }
            XCTAssertEqual(issues.count, 1, replacement)
            XCTAssertTrue(issues.first?.hasPrefix("request.partitions") ?? false, "\(issues)")
        }
    }

    func testPlaceholdersInPartitionsAreResolved() throws {
        let text = yaml.replacingOnce("{so: bac-ninh}", with: "{so: \"${CITYPIPE_DEMO_PART}\"}")
        let manifest = try XCTUnwrap(Fixture.loader.load(yaml: text, file: "Connectors/demo.yaml").manifest)
        let resolved = try Placeholders.resolve(
            manifest, file: "demo.yaml", environment: ["CITYPIPE_DEMO_URL": "http://x", "CITYPIPE_DEMO_PART": "bn"])
        XCTAssertEqual(resolved.request.partitions.first, ["so": "bn"])
        XCTAssertThrowsError(
            try Placeholders.resolve(manifest, file: "demo.yaml", environment: ["CITYPIPE_DEMO_URL": "http://x"])
        ) { error in
            XCTAssertTrue(String(describing: error).contains("request.partitions[0]"), String(describing: error))
        }
    }
}
