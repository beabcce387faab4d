import Foundation
import Postgres
import TestSupport
import XCTest

/// `CopyBinary` against the server: every value sent in binary form is stored exactly as the same text sent in
/// COPY text form is (compared through the server's own text output), and forms the writer does not read are
/// refused rather than guessed.
final class CopyBinaryTests: DatabaseTestCase {
    override var databasePrefix: String { "copybinary" }

    /// Values in the text forms the ingest's typer renders, and edge cases of each type.
    static let cases: [(CopyBinary.Column, String, String)] = [
        (.text, "text", "Bắc Ninh"),
        (.text, "text", "Phường Kinh Bắc, tỉnh Bắc Ninh\t(tab)\nnew line \\ backslash"),
        (.text, "text", ""),
        (.text, "text", "😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"),
        (.date, "date", "2025-07-01"),
        (.date, "date", "2024-02-29"),
        (.date, "date", "2000-01-01"),
        (.date, "date", "1999-12-31"),
        (.date, "date", "1970-01-01"),
        (.date, "date", "1900-03-01"),
        (.date, "date", "0001-01-01"),
        (.date, "date", "9999-12-31"),
        (.date, "date", "12345-06-07"),
        (.timestamptz, "timestamptz", "2025-07-01T00:00:00+07:00"),
        (.timestamptz, "timestamptz", "2024-03-05T08:30:00+07:00"),
        (.timestamptz, "timestamptz", "1999-12-31T23:59:59Z"),
        (.timestamptz, "timestamptz", "1969-12-31T23:59:59.999999Z"),
        (.timestamptz, "timestamptz", "2024-02-29T23:59:59.5+07:00"),
        (.timestamptz, "timestamptz", "2024-02-29T12:00:00.123456789+07:00"),
        (.timestamptz, "timestamptz", "2024-02-29T12:00:00.1234565+07:00"),
        (.timestamptz, "timestamptz", "2024-02-29T12:00:00.9999996+07:00"),
        (.timestamptz, "timestamptz", "2024-01-01T05:00:00-05:30"),
        (.timestamptz, "timestamptz", "2024-01-01 05:00:00+14:00"),
        (.timestamptz, "timestamptz", "0001-01-01T00:00:00Z"),
        (.integer, "integer", "0"),
        (.integer, "integer", "-2147483648"),
        (.integer, "integer", "2147483647"),
        (.integer, "integer", "+42"),
        (.bigint, "bigint", "-9223372036854775808"),
        (.bigint, "bigint", "9223372036854775807"),
        (.bigint, "bigint", "1397850"),
        (.boolean, "boolean", "t"),
        (.boolean, "boolean", "f"),
        (.jsonb, "jsonb", #"{"ma_xa": "25114", "ten": "Kinh Bắc", "so": [1, 2.5, null, true]}"#),
        (.jsonb, "jsonb", "[]"),
        (.jsonb, "jsonb", #""chuỗi""#),
        (.jsonb, "jsonb", "null"),
        (.numeric, "numeric", "0"),
        (.numeric, "numeric", "-0"),
        (.numeric, "numeric", "0.000"),
        (.numeric, "numeric", "+5"),
        (.numeric, "numeric", "007.50"),
        (.numeric, "numeric", "1234.5678"),
        (.numeric, "numeric", "10000"),
        (.numeric, "numeric", "100000000"),
        (.numeric, "numeric", "0.0001"),
        (.numeric, "numeric", "-0.00012"),
        (.numeric, "numeric", "1.00000"),
        (.numeric, "numeric", "-98765432109876543210.0123456789"),
        (.numeric, "numeric", "5200000.00"),
        (.numeric, "numeric", "0.1"),
    ]

    func testValuesSentInBinaryAreStoredAsTheirTextForm() throws {
        try connection.simpleExecute("CREATE TABLE sent (id int, kind text, via text, v_text text, v_date date, v_timestamptz timestamptz, v_integer integer, v_bigint bigint, v_boolean boolean, v_jsonb jsonb, v_numeric numeric)")
        try connection.simpleExecute("SET TIME ZONE 'Asia/Ho_Chi_Minh'")
        let columns = ["text", "date", "timestamptz", "integer", "bigint", "boolean", "jsonb", "numeric"]
        // Text form: the value in its column, NULL in the others.
        let textLoaded = try connection.copyIn(
            "COPY sent (id, kind, via, \(columns.map { "v_\($0)" }.joined(separator: ", "))) FROM STDIN",
            columns: ["id", "kind", "via"] + columns
        ) { writer in
            for (index, (_, type, text)) in Self.cases.enumerated() {
                try writer.append(index)
                try writer.append(type)
                try writer.append("text")
                for column in columns { try writer.append(column == type ? text : nil) }
                try writer.endRow()
            }
        }
        XCTAssertEqual(textLoaded, Self.cases.count)
        // Binary form.
        var rows = CopyBinary.header
        for (index, (column, type, text)) in Self.cases.enumerated() {
            CopyBinary.beginRow(fields: 3 + columns.count, to: &rows)
            rows += Self.field(String(index), as: .integer)
            rows += Self.field(type, as: .text)
            rows += Self.field("binary", as: .text)
            for name in columns {
                if name == type {
                    var out: [UInt8] = []
                    let written = Array(text.utf8).withUnsafeBytes { CopyBinary.append($0, as: column, to: &out) }
                    XCTAssertTrue(written, "\(type) \(text)")
                    rows += out
                } else {
                    CopyBinary.appendNull(to: &rows)
                }
            }
        }
        rows += CopyBinary.trailer
        let binaryLoaded = try connection.copyIn(
            "COPY sent (id, kind, via, \(columns.map { "v_\($0)" }.joined(separator: ", "))) FROM STDIN (FORMAT binary)"
        ) { writer in try rows.withUnsafeBytes { try writer.appendRaw($0) } }
        XCTAssertEqual(binaryLoaded, Self.cases.count)
        // Each value, as the server prints it, the same both ways.
        let compared = try connection.query(
            """
            SELECT t.id, t.kind, b.id IS NOT NULL AS found,
                   row(t.v_text, t.v_date, t.v_timestamptz, t.v_integer, t.v_bigint, t.v_boolean, t.v_jsonb, t.v_numeric)::text AS by_text,
                   row(b.v_text, b.v_date, b.v_timestamptz, b.v_integer, b.v_bigint, b.v_boolean, b.v_jsonb, b.v_numeric)::text AS by_binary
            FROM sent t LEFT JOIN sent b ON b.id = t.id AND b.via = 'binary'
            WHERE t.via = 'text' ORDER BY t.id
            """)
        XCTAssertEqual(compared.count, Self.cases.count)
        for row in compared {
            let id = try row.decode(Int.self, "id")
            XCTAssertTrue(try row.decode(Bool.self, "found"), "case \(id)")
            XCTAssertEqual(try row.decode(String.self, "by_binary"), try row.decode(String.self, "by_text"), "case \(id): \(Self.cases[id].1) \(Self.cases[id].2)")
        }
        // The numeric's scale too (row text shows it, but say it plainly for the cases that depend on it).
        let scales = try connection.query(
            "SELECT t.id, scale(t.v_numeric) AS a, scale(b.v_numeric) AS b FROM sent t JOIN sent b USING (id) WHERE t.via = 'text' AND b.via = 'binary' AND t.kind = 'numeric'")
        for row in scales {
            let id = try row.decode(Int.self, "id")
            XCTAssertEqual(try row.decode(Int?.self, "b"), try row.decode(Int?.self, "a"), "numeric case \(id)")
        }
    }

    /// One field of `text` encoded as `column`.
    private static func field(_ text: String, as column: CopyBinary.Column) -> [UInt8] {
        var out: [UInt8] = []
        _ = Array(text.utf8).withUnsafeBytes { CopyBinary.append($0, as: column, to: &out) }
        return out
    }

    func testFormsTheWriterDoesNotReadAreRefusedAndLeaveNothing() {
        let refused: [(CopyBinary.Column, String)] = [
            (.date, "2023-02-29"), (.date, "2024-13-01"), (.date, "2024-00-10"), (.date, "24-01-01"), (.date, "2024-1-01"),
            (.date, "2024-01-01T00:00:00+07:00"), (.date, "01/02/2024"), (.date, ""),
            (.timestamptz, "2024-01-01T24:00:00+07:00"), (.timestamptz, "2024-01-01T08:30:00"),
            (.timestamptz, "2024-01-01T08:30+07:00"), (.timestamptz, "2024-01-01T08:30:00.+07:00"),
            (.timestamptz, "2024-01-01T08:30:00.1234567890+07:00"), (.timestamptz, "2024-01-01T08:30:00+7:00"),
            (.integer, "2147483648"), (.integer, "1.5"), (.integer, ""), (.integer, "-"),
            (.bigint, "9223372036854775808"), (.bigint, "12a"),
            (.boolean, "true"), (.boolean, ""),
            (.numeric, "1e5"), (.numeric, "1."), (.numeric, ".5"), (.numeric, "NaN"), (.numeric, "1,5"),
            (.text, "a\u{0}b"), (.jsonb, "{\"a\": \"\u{0}\"}"),
        ]
        for (column, text) in refused {
            var out: [UInt8] = [7]
            let written = Array(text.utf8).withUnsafeBytes { CopyBinary.append($0, as: column, to: &out) }
            XCTAssertFalse(written, "\(column) \(text)")
            XCTAssertEqual(out, [7], "\(column) \(text): nothing appended")
        }
    }

    func testOnlyTheTypesWithAnEncodingAreSentInBinary() {
        XCTAssertEqual(CopyBinary.Column(sqlType: "timestamptz"), .timestamptz)
        XCTAssertEqual(CopyBinary.Column(sqlType: "numeric"), .numeric)
        XCTAssertNil(CopyBinary.Column(sqlType: "geometry"))
        XCTAssertNil(CopyBinary.Column(sqlType: "double precision"))
    }
}
