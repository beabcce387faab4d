import Foundation
import FuzzHarnesses
import XCTest

/// Every committed fuzzing input, seeds and regressions (inputs that once broke a harness), replayed through its
/// harness on every `make test`: the properties scripts/fuzz checks hold for all of them.
final class FuzzCorpusTests: XCTestCase {
    private static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    private func replay(_ harness: String, _ run: (UnsafeRawBufferPointer) throws -> Void) throws {
        var replayed = 0
        for folder in ["corpus", "regressions"] {
            let dir = Self.fuzz.appendingPathComponent(harness).appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                let data = try Data(contentsOf: dir.appendingPathComponent(name))
                XCTAssertNoThrow(try data.withUnsafeBytes { try run($0) }, "\(harness)/\(folder)/\(name)")
                replayed += 1
            }
        }
        XCTAssertGreaterThanOrEqual(replayed, 5, "the \(harness) seed corpus is committed")
    }

    func testCSVCorpus() throws { try replay("csv", CSVHarness.run) }
    func testJSONCorpus() throws { try replay("json", JSONHarness.run) }
    func testXMLCorpus() throws { try replay("xml", XMLHarness.run) }
    func testGzipCorpus() throws { try replay("gzip", GzipHarness.run) }
}
