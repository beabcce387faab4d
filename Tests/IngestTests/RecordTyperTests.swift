@testable import Ingest
import XCTest
@testable import Decoders

final class RecordTyperTests: XCTestCase {
    let typer = RecordTyper(
        feed: "insurance",
        bindings: [
            FieldBinding(name: "citizen_id", sourcePath: "SO_CCCD", sqlType: "text", required: true),
            FieldBinding(name: "period", sourcePath: "KY", sqlType: "date", required: true),
            FieldBinding(name: "salary", sourcePath: "MUC_LUONG", sqlType: "numeric"),
            FieldBinding(name: "members", sourcePath: "SO_NGUOI", sqlType: "integer"),
            FieldBinding(name: "active", sourcePath: "HIEU_LUC", sqlType: "boolean"),
            FieldBinding(name: "changed_at", sourcePath: "CAP_NHAT", sqlType: "timestamptz"),
        ],
        primaryKey: ["citizen_id", "period"])

    func fields(_ overrides: [String: String?]) -> [(String, String?)] {
        var base: [String: String?] = [
            "SO_CCCD": "027090000001", "KY": "01/07/2025", "MUC_LUONG": "5500000.50", "SO_NGUOI": "3",
            "HIEU_LUC": "có", "CAP_NHAT": "2025-07-01 08:00:00",
        ]
        for (key, value) in overrides { base[key] = value }
        return base.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    func testTypesEveryColumnAndKeepsUnknownFieldsInExtra() {
        guard case .staged(let record) = typer.type(position: 7, fields: fields(["GHI_CHU": "chuyển từ Bắc Giang"]), raw: { "raw" })
        else { return XCTFail("rejected") }
        XCTAssertEqual(record.position, 7)
        XCTAssertEqual(record.values, ["027090000001", "2025-07-01", "5500000.50", "3", "t", "2025-07-01T08:00:00+07:00"])
        XCTAssertEqual(record.extra, #"{"GHI_CHU":"chuyển từ Bắc Giang"}"#)
    }

    func testRejectsNameTheFieldAndTheReasonButNotTheValue() {
        let cases: [(String, String?, String, String)] = [
            ("KY", "31/02/2025", "period", "not a date"),
            ("KY", nil, "period", "required"),
            ("SO_CCCD", "", "citizen_id", "required"),
            ("MUC_LUONG", "5.500.000,50", "salary", "decimal"),
            ("SO_NGUOI", "ba", "members", "whole number"),
            ("SO_NGUOI", "99999999999", "members", "integer range"),
            ("HIEU_LUC", "maybe", "active", "boolean"),
            ("CAP_NHAT", "hôm qua", "changed_at", "timestamp"),
            ("SO_CCCD", "0270\u{0}90000001", "citizen_id", "NUL"),
        ]
        for (path, value, field, reason) in cases {
            switch typer.type(position: 3, fields: fields([path: value]), raw: { "the raw line" }) {
            case .staged: XCTFail("\(path)=\(value ?? "nil") was accepted")
            case .rejected(let reject):
                XCTAssertEqual(reject.field, field, path)
                XCTAssertTrue(reject.reason.contains(reason), "\(reject.reason) lacks \(reason)")
                if let value, !value.isEmpty { XCTAssertFalse(reject.reason.contains(value), "reason quotes the value") }
                XCTAssertEqual(reject.raw, "the raw line")
                XCTAssertEqual(reject.position, 3)
            }
        }
    }

    func testARejectCarriesItsKeyWhenTheKeyIsReadable() {
        guard case .rejected(let reject) = typer.type(position: 1, fields: fields(["SO_NGUOI": "x"]), raw: { "" }) else {
            return XCTFail("accepted")
        }
        XCTAssertEqual(reject.key, ["027090000001", "01/07/2025"])
        guard case .rejected(let keyless) = typer.type(position: 1, fields: fields(["KY": ""]), raw: { "" }) else {
            return XCTFail("accepted")
        }
        XCTAssertNil(keyless.key)
    }

    func testEmptyValuesOfNonTextColumnsAreNull() {
        guard case .staged(let record) = typer.type(position: 1, fields: fields(["MUC_LUONG": "  ", "SO_NGUOI": ""]), raw: { "" })
        else { return XCTFail("rejected") }
        XCTAssertNil(record.values[2])
        XCTAssertNil(record.values[3])
    }
}

final class WhitespaceTests: XCTestCase {
    func testTrimsWhatCharacterSetWhitespacesHolds() {
        let cases = ["", " ", "\t x \t", "\u{00A0}Bắc Ninh\u{3000}", "x", " a b ", "\n x \n", "\u{2003}\u{2003}"]
        for text in cases {
            XCTAssertEqual(Whitespace.trimmed(text), text.trimmingCharacters(in: .whitespaces), text.debugDescription)
            XCTAssertEqual(Whitespace.isBlank(text), text.trimmingCharacters(in: .whitespaces).isEmpty, text.debugDescription)
        }
    }
}
