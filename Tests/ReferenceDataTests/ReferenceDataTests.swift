import XCTest
@testable import ReferenceData

final class ReferenceDataTests: XCTestCase {
    func testCountsMatchTheSources() throws {
        XCTAssertEqual(try ReferenceData.adminUnits2024().count, 10_035)
        XCTAssertEqual(try ReferenceData.adminUnits2025().count, 3_321)
        let crosswalk = try ReferenceData.crosswalk2025()
        XCTAssertEqual(crosswalk.filter { $0.level == "ward" }.count, 10_604)
        XCTAssertEqual(crosswalk.filter { $0.mergeType == .partial }.count, 1_012)
    }

    func testReusedCodeMeansDifferentWardsInEachEra() throws {
        let old = try ReferenceData.adminUnits2024().first { $0.wardCode == "09169" }
        let new = try ReferenceData.adminUnits2025().first { $0.wardCode == "09169" }
        XCTAssertEqual(old?.wardName, "Phường Thị Cầu")
        XCTAssertEqual(new?.wardName, "Phường Vũ Ninh")
        let intoVuNinh = try ReferenceData.crosswalk2025().filter { $0.newCode == "09169" }.map(\.oldCode).sorted()
        XCTAssertEqual(intoVuNinh, ["09163", "09166", "09169", "09256"])
    }

    func testCSVQuotingAndErrors() throws {
        let table = try CSVTable(text: "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n1,2\n", file: "t.csv")
        XCTAssertEqual(table.rows, [["x, y", "say \"hi\""], ["1", "2"]])
        XCTAssertThrowsError(try CSVTable(text: "a,b\n1\n", file: "t.csv")) { error in
            XCTAssertEqual(
                error as? ReferenceDataError,
                .malformedRow(file: "t.csv", line: 2, reason: "1 values where the header has 2 columns"))
        }
    }

    func testWardBoundariesAreShipped() throws {
        let data = try ReferenceFile.bacNinhWards2025.data()
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        XCTAssertEqual((json?["features"] as? [Any])?.count, 99)
    }
}
