import Foundation
import Postgres
import TestSupport
import XCTest

/// A COPY kept open across calls: rows sent in many pieces land in one statement; a refused row fails it at
/// `finish()`; an aborted one leaves nothing and the connection usable after a rollback.
final class OpenCopyInTests: DatabaseTestCase {
    override var databasePrefix: String { "opencopy" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try connection.simpleExecute("CREATE TABLE t (id int PRIMARY KEY, label text)")
    }

    private func rows(_ from: Int, _ to: Int) -> [UInt8] {
        Array((from..<to).map { "\($0)\tlabel \($0)\n" }.joined().utf8)
    }

    func testRowsSentInManyPiecesLandInOneCopy() throws {
        let copy = try connection.beginCopyIn("COPY t (id, label) FROM STDIN", name: "copy t")
        for piece in 0..<50 {
            // Pieces larger than the writer's buffer too.
            try rows(piece * 2_000, piece * 2_000 + 2_000).withUnsafeBytes { try copy.send($0) }
        }
        XCTAssertEqual(try copy.finish(), 100_000)
        XCTAssertEqual(try connection.query("SELECT count(*) AS n, max(label) AS m FROM t")[0].decode(Int.self, "n"), 100_000)
        XCTAssertEqual(try copy.finish(), 0, "a second finish does nothing")
        XCTAssertThrowsError(try rows(0, 1).withUnsafeBytes { try copy.send($0) })
    }

    func testARefusedRowFailsTheCopyAtFinishAndAnAbortKeepsNothing() throws {
        try connection.simpleExecute("BEGIN")
        let bad = try connection.beginCopyIn("COPY t (id, label) FROM STDIN", name: "copy t")
        try rows(0, 10).withUnsafeBytes { try bad.send($0) }
        try Array("x\tnot a number\n".utf8).withUnsafeBytes { try bad.send($0) }
        XCTAssertThrowsError(try bad.finish()) { error in
            XCTAssertEqual((error as? PostgresError)?.statement, "copy t")
        }
        try connection.simpleExecute("ROLLBACK")
        let aborted = try connection.beginCopyIn("COPY t (id, label) FROM STDIN")
        try rows(0, 10).withUnsafeBytes { try aborted.send($0) }
        aborted.abort("changed my mind")
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM t")[0].decode(Int.self, "n"), 0)
    }
}
