import Foundation
import Postgres
import TestSupport
import XCTest

final class CopyTests: DatabaseTestCase {
    override var databasePrefix: String { "copy" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try connection.simpleExecute(
            "CREATE TABLE t (id int PRIMARY KEY, label text, value text, amount numeric, at timestamptz, flag bool)")
    }

    func testTextValuesRoundTripThroughCopyInAndOut() throws {
        let cases = RoundTripCases.texts
        let loaded = try connection.copyIn("COPY t (id, label, value) FROM STDIN", columns: ["id", "label", "value"]) {
            writer in
            for (index, (label, value)) in cases.enumerated() {
                try writer.append(index)
                try writer.append(label)
                try writer.append(value)
                try writer.endRow()
            }
        }
        XCTAssertEqual(loaded, cases.count)
        // Server side: every value arrived exactly, NULL distinct from ''.
        for (index, (label, value)) in cases.enumerated() {
            let rows = try connection.query("SELECT value, value IS NULL AS isnull FROM t WHERE id = $1", [index])
            XCTAssertEqual(try rows[0].decode(String?.self, "value").map { Array($0.utf8) }, value.map { Array($0.utf8) }, label)
            XCTAssertEqual(try rows[0].decode(Bool.self, "isnull"), value == nil, label)
        }
        // And back out through COPY TO STDOUT.
        var seen: [Int: String?] = [:]
        let count = try connection.copyOutRows("COPY (SELECT id, value FROM t ORDER BY id) TO STDOUT") { fields in
            if let id = fields[0].flatMap({ Int($0) }) { seen[id] = fields[1] }
        }
        XCTAssertEqual(count, cases.count)
        for (index, (label, value)) in cases.enumerated() {
            XCTAssertEqual(seen[index].flatMap { $0 }.map { Array($0.utf8) }, value.map { Array($0.utf8) }, label)
            XCTAssertEqual(seen[index].map { $0 == nil }, value == nil, label)
        }
    }

    func testNumbersTimestampsAndBooleans() throws {
        try connection.copyIn("COPY t (id, amount, at, flag) FROM STDIN") { writer in
            try writer.writeRow(["1", "12345678901234567890.5", "2025-07-01 00:00:00+07", "t"])
            try writer.append(2)
            try writer.append(-0.25)
            try writer.append("1990-03-05T10:00:00Z")
            try writer.append(false)
            try writer.endRow()
        }
        let rows = try connection.query("SELECT id, amount::text AS amount, at, flag FROM t ORDER BY id")
        XCTAssertEqual(try rows[0].decode(String.self, "amount"), "12345678901234567890.5")
        XCTAssertEqual(try rows[0].decode(Date.self, "at").timeIntervalSince1970, 1_751_302_800)
        XCTAssertEqual(try rows[1].decode(String.self, "amount"), "-0.25")
        XCTAssertEqual(try rows[1].decode(Bool.self, "flag"), false)
    }

    func testTenMegabyteValueThroughCopy() throws {
        let big = String(repeating: "Phường Vũ Ninh\t\\\n", count: 700_000)
        XCTAssertGreaterThan(big.utf8.count, 10_000_000)
        try connection.copyIn("COPY t (id, value) FROM STDIN") { writer in try writer.writeRow(["1", big]) }
        XCTAssertEqual(
            try connection.query("SELECT octet_length(value) AS n FROM t")[0].decode(Int.self, "n"), big.utf8.count)
        var back = ""
        try connection.copyOutRows("COPY (SELECT value FROM t) TO STDOUT") { fields in back = fields[0] ?? "" }
        XCTAssertEqual(Array(back.utf8), Array(big.utf8))
    }

    func testNulByteIsAnErrorNamingTheColumnAndNothingIsLoaded() throws {
        XCTAssertThrowsError(
            try connection.copyIn("COPY t (id, label) FROM STDIN", columns: ["id", "label"]) { writer in
                try writer.writeRow(["1", "fine"])
                try writer.writeRow(["2", "bad\u{0}value"])
            }
        ) { error in
            let error = error as? PostgresError
            XCTAssertEqual(error?.kind, .copy)
            XCTAssertTrue(error?.message.contains("row 2, label") ?? false, error?.message ?? "")
            XCTAssertFalse(error?.description.contains("bad") ?? true, "the value must not appear in the error")
        }
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM t")[0].decode(Int.self, "n"), 0)
        // The connection is still usable.
        XCTAssertEqual(try connection.query("SELECT 1 AS one")[0].decode(Int.self, "one"), 1)
    }

    func testAThrowingBodyAbortsTheCopy() throws {
        struct Stop: Error {}
        XCTAssertThrowsError(
            try connection.copyIn("COPY t (id) FROM STDIN") { writer in
                for i in 0..<1000 { try writer.writeRow([String(i)]) }
                throw Stop()
            }
        ) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM t")[0].decode(Int.self, "n"), 0)
    }

    func testServerErrorsDuringCopyCarrySQLState() throws {
        XCTAssertThrowsError(
            try connection.copyIn("COPY t (id) FROM STDIN") { writer in
                try writer.writeRow(["1"])
                try writer.writeRow(["1"])
            }
        ) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "23505")
        }
        XCTAssertThrowsError(try connection.copyIn("COPY t (id) FROM STDIN") { try $0.writeRow(["not a number"]) }) {
            XCTAssertEqual(($0 as? PostgresError)?.sqlState, "22P02")
        }
    }

    func testManyRowsAreSentInLargePieces() throws {
        var bytes = 0
        let rows = try connection.copyIn("COPY t (id, label) FROM STDIN") { writer in
            for i in 0..<200_000 { try writer.writeRow([String(i), "Xã Phù Chẩn \(i)"]) }
            try writer.flush()
            bytes = writer.bytesSent
        }
        XCTAssertEqual(rows, 200_000)
        XCTAssertGreaterThan(bytes, CopyInWriter.bufferSize)
        var streamed = 0
        try connection.copyOut("COPY t (id) TO STDOUT") { _ in streamed += 1 }
        XCTAssertEqual(streamed, 200_000)
    }

    func testDecoderUndoesEveryEscape() {
        let line = Array("a\\tb\\nc\\\\d\t\\N\t\t\\101\\x42\n".utf8)
        let fields = line.withUnsafeBytes { CopyTextDecoder.fields(of: $0) }
        XCTAssertEqual(fields, ["a\tb\nc\\d", nil, "", "AB"])
    }
}
