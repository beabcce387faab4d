import Foundation
import Postgres
import TestSupport
import XCTest

final class ParameterTests: DatabaseTestCase {
    override var databasePrefix: String { "params" }

    func testTextValuesRoundTripExactly() throws {
        for (label, value) in RoundTripCases.texts {
            let rows = try connection.query("SELECT $1::text AS v, $1::text IS NULL AS isnull", [value])
            XCTAssertEqual(try rows[0].decode(String?.self, "v"), value, label)
            XCTAssertEqual(try rows[0].decode(Bool.self, "isnull"), value == nil, label)
        }
    }

    func testNFDStaysNFDAndDiffersFromNFC() throws {
        let nfd = "Hoa\u{0300}"
        let nfc = "Hoà"
        let rows = try connection.query("SELECT $1::text = $2::text AS same, length($1::text) AS l", [nfd, nfc])
        // Swift's String == compares canonically, so check the bytes and PostgreSQL's view separately.
        XCTAssertEqual(try rows[0].decode(Bool.self, "same"), false)
        XCTAssertEqual(try rows[0].decode(Int.self, "l"), 4)
        let back = try connection.query("SELECT $1::text AS v", [nfd])[0].decode(String.self, "v")
        XCTAssertEqual(Array(back.utf8), Array(nfd.utf8))
    }

    func testTenMegabyteText() throws {
        let big = String(repeating: "Bắc Ninh\t\\ 🏙️\n", count: 10 * 1024 * 1024 / 22)
        XCTAssertGreaterThan(big.utf8.count, 10_000_000)
        let rows = try connection.query("SELECT $1::text AS v, octet_length($1::text) AS n", [big])
        XCTAssertEqual(try rows[0].decode(Int.self, "n"), big.utf8.count)
        XCTAssertEqual(Array(try rows[0].decode(String.self, "v").utf8), Array(big.utf8))
    }

    func testIntegersDoublesBooleans() throws {
        let rows = try connection.query(
            "SELECT $1::bigint AS a, $2::bigint AS b, $3::int AS c, $4::float8 AS d, $5::float8 AS e, $6::bool AS f, $7::bool AS g",
            [Int64.max, Int64.min, Int32(-7), 0.1 + 0.2, -1.5e300, true, false])
        let row = rows[0]
        XCTAssertEqual(try row.decode(Int64.self, "a"), .max)
        XCTAssertEqual(try row.decode(Int64.self, "b"), .min)
        XCTAssertEqual(try row.decode(Int32.self, "c"), -7)
        XCTAssertEqual(try row.decode(Double.self, "d"), 0.1 + 0.2)
        XCTAssertEqual(try row.decode(Double.self, "e"), -1.5e300)
        XCTAssertEqual(try row.decode(Bool.self, "f"), true)
        XCTAssertEqual(try row.decode(Bool.self, "g"), false)
        let special = try connection.query("SELECT $1::float8 AS nan, $2::float8 AS inf", [Double.nan, -Double.infinity])
        XCTAssertTrue(try special[0].decode(Double.self, "nan").isNaN)
        XCTAssertEqual(try special[0].decode(Double.self, "inf"), -.infinity)
    }

    func testNumericsKeepEveryDigit() throws {
        let cases = ["0", "-0.5", "12345678901234567890.123456789", "0.000000001", "99999999999999999999999999999999999"]
        for text in cases {
            let value = try XCTUnwrap(Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")))
            let rows = try connection.query("SELECT $1::numeric AS v, $1::numeric::text AS t", [value])
            XCTAssertEqual(try rows[0].decode(Decimal.self, "v"), value, text)
            XCTAssertEqual(try rows[0].decode(String.self, "t"), value.description, text)
        }
    }

    func testTimestampsWithTimeZones() throws {
        let instant = Date(timeIntervalSince1970: 1_751_302_800.123456)  // 2025-06-30 17:00:00.123456 UTC
        let rows = try connection.query(
            """
            SELECT $1::timestamptz AS t,
                   to_char($1::timestamptz AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI:SS.US') AS local,
                   '2025-07-01 00:00:00+07'::timestamptz = $1::timestamptz - interval '0.123456 seconds' AS same,
                   '2025-07-01 00:00:00+07'::timestamptz AS reform,
                   '1990-03-05'::date AS d
            """, [instant])
        let row = rows[0]
        let back = try row.decode(Date.self, "t")
        XCTAssertEqual(back.timeIntervalSince1970, instant.timeIntervalSince1970, accuracy: 0.000001)
        XCTAssertEqual(try row.decode(String.self, "local"), "2025-07-01 00:00:00.123456")
        XCTAssertEqual(try row.decode(Bool.self, "same"), true)
        XCTAssertEqual(try row.decode(Date.self, "reform").timeIntervalSince1970, 1_751_302_800)
        XCTAssertEqual(try row.decode(Date.self, "d").timeIntervalSince1970, 636_595_200)
        let historic = Date(timeIntervalSince1970: -2_208_988_800)  // 1900-01-01 UTC
        XCTAssertEqual(
            try connection.query("SELECT $1::timestamptz AS t", [historic])[0].decode(Date.self, "t"), historic)
    }

    func testBinaryDataIncludingNulBytes() throws {
        let bytes = Data([0, 1, 2, 0xFF, 0, 92, 10, 9])
        let rows = try connection.query("SELECT $1::bytea AS b, length($1::bytea) AS n", [bytes])
        XCTAssertEqual(try rows[0].decode(Data.self, "b"), bytes)
        XCTAssertEqual(try rows[0].decode(Int.self, "n"), 8)
    }

    func testNullAndOptionals() throws {
        let missing: Int? = nil
        let rows = try connection.query("SELECT $1::int AS a, $2::text AS b", [missing, Optional("x")])
        XCTAssertNil(try rows[0].decode(Int?.self, "a"))
        XCTAssertEqual(try rows[0].decode(String?.self, "b"), "x")
        XCTAssertThrowsError(try rows[0].decode(Int.self, "a")) { error in
            XCTAssertEqual((error as? PostgresError)?.kind, .decoding)
        }
    }

    func testTypedAccessByPositionAndName() throws {
        let rows = try connection.query(
            "SELECT g AS n, 'ward ' || g AS label FROM generate_series(1, 3) AS g ORDER BY g")
        XCTAssertEqual(rows.columns, ["n", "label"])
        XCTAssertEqual(try rows.map { try $0.decode(Int.self, at: 0) }, [1, 2, 3])
        XCTAssertEqual(try rows[2].decode(String.self, "label"), "ward 3")
        XCTAssertThrowsError(try rows[0].decode(Int.self, "missing"))
        XCTAssertThrowsError(try rows[0].decode(Int.self, "label")) { error in
            XCTAssertTrue(String(describing: error).contains("label"))
        }
    }

    func testAffectedRowCount() throws {
        try connection.simpleExecute("CREATE TABLE t (id int)")
        XCTAssertEqual(try connection.query("INSERT INTO t SELECT generate_series(1, 5)").affectedRows, 5)
        XCTAssertEqual(try connection.query("DELETE FROM t WHERE id > $1", [2]).affectedRows, 3)
    }
}
