import Foundation
import XCTest
@testable import Ingest
@testable import Decoders

final class JSONExtractorTests: XCTestCase {
    private struct Case {
        let name: String
        let page: String
        let recordsPath: String
        let nextPath: String?
        var keepAsJSON: Set<String> = []
        let firstNumber: Int
        let expected: [[String]]
        let next: String?
    }

    private let cases: [Case] = [
        Case(
            name: "population page, cursor in the body",
            page: """
                {"data":{"items":[
                  {"so_dinh_danh":"027090001234","ho_ten":"Nguyễn Văn An","dia_chi":{"ward_code":"09169","text":"P. Vũ Ninh"},
                   "sdt":null,"so_con":2,"thu_nhap":12500000.5,"con_song":true,"tags":[],"giay_to":[{"loai":"CCCD","so":"027090001234"}]},
                  {"so_dinh_danh":"027185004321","ho_ten":"Trần Thị Bình","dia_chi":{"ward_code":"09163"}}
                ]},"paging":{"next_cursor":"eyJpZCI6MTAwfQ=="}}
                """,
            recordsPath: "data.items", nextPath: "paging.next_cursor", firstNumber: 101,
            expected: [
                [
                    "con_song=true", "dia_chi.text=P. Vũ Ninh", "dia_chi.ward_code=09169", "giay_to[0].loai=CCCD",
                    "giay_to[0].so=027090001234", "ho_ten=Nguyễn Văn An", "sdt=nil", "so_con=2",
                    "so_dinh_danh=027090001234", "tags=[]", "thu_nhap=12500000.5",
                ],
                ["dia_chi.ward_code=09163", "ho_ten=Trần Thị Bình", "so_dinh_danh=027185004321"],
            ],
            next: "eyJpZCI6MTAwfQ=="),
        Case(
            name: "FHIR Bundle entries, last page",
            page: """
                {"resourceType":"Bundle","type":"searchset","link":[{"relation":"self","url":"http://x/Organization?page=3"}],
                 "entry":[{"resource":{"resourceType":"Organization","id":"27001","identifier":[{"system":"urn:bhyt","value":"27001"}],
                 "name":"Bệnh viện Đa khoa tỉnh Bắc Ninh","extension":[{"url":"x","valueString":"y"}]}}]}
                """,
            recordsPath: "entry", nextPath: "link[1].url", keepAsJSON: ["resource.extension"], firstNumber: 1,
            expected: [
                [
                    "resource.extension=[{\"url\":\"x\",\"valueString\":\"y\"}]", "resource.id=27001",
                    "resource.identifier[0].system=urn:bhyt", "resource.identifier[0].value=27001",
                    "resource.name=Bệnh viện Đa khoa tỉnh Bắc Ninh", "resource.resourceType=Organization",
                ]
            ],
            next: nil),
        Case(
            name: "SensorThings observations with @iot.nextLink",
            page: """
                {"@iot.count":2,"value":[{"@iot.id":1,"result":35.2,"phenomenonTime":"2025-01-31T07:00:00+07:00"},
                {"@iot.id":2,"result":41,"phenomenonTime":"2025-01-31T08:00:00+07:00"}],
                "@iot.nextLink":"http://x/v1.1/Datastreams(1)/Observations?$skip=2"}
                """,
            recordsPath: "value", nextPath: "[\"@iot.nextLink\"]", firstNumber: 1,
            expected: [
                ["@iot.id=1", "phenomenonTime=2025-01-31T07:00:00+07:00", "result=35.2"],
                ["@iot.id=2", "phenomenonTime=2025-01-31T08:00:00+07:00", "result=41"],
            ],
            next: "http://x/v1.1/Datastreams(1)/Observations?$skip=2"),
        Case(
            name: "top-level array",
            page: "[{\"a\":1},{\"a\":2}]", recordsPath: "", nextPath: nil, firstNumber: 1,
            expected: [["a=1"], ["a=2"]], next: nil),
    ]

    func testPagesAreFlattenedByDottedPaths() throws {
        for c in cases {
            let extractor = try JSONRecordExtractor(recordsPath: c.recordsPath, nextPath: c.nextPath, keepAsJSON: c.keepAsJSON)
            let page = try extractor.extract(page: Data(c.page.utf8), firstNumber: c.firstNumber)
            XCTAssertEqual(
                page.records.map { $0.fields.map { "\($0.path)=\($0.value ?? "nil")" } }, c.expected, c.name)
            XCTAssertEqual(page.records.map(\.number), Array(c.firstNumber..<(c.firstNumber + c.expected.count)), c.name)
            XCTAssertEqual(page.next, c.next, c.name)
        }
    }

    func testRecordsOfOneShapeShareASchema() throws {
        let extractor = try JSONRecordExtractor(recordsPath: "value")
        let page = try extractor.extract(page: Data("{\"value\":[{\"a\":1,\"b\":2},{\"b\":3,\"a\":4}]}".utf8))
        XCTAssertTrue(page.records[0].schema === page.records[1].schema)
        XCTAssertEqual(page.records[1]["a"], "4")
    }

    func testErrors() throws {
        XCTAssertThrowsError(try JSONRecordExtractor(recordsPath: "data[x]"))
        let extractor = try JSONRecordExtractor(recordsPath: "data.items")
        XCTAssertThrowsError(try extractor.extract(page: Data("{\"data\":".utf8))) { error in
            guard case JSONExtractError.invalidJSON = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try extractor.extract(page: Data("{\"other\":[]}".utf8))) { error in
            XCTAssertEqual(error as? JSONExtractError, .recordsNotFound(path: "data.items"))
        }
        XCTAssertThrowsError(try extractor.extract(page: Data("{\"data\":{\"items\":5}}".utf8))) { error in
            XCTAssertEqual(error as? JSONExtractError, .recordsNotAnArray(path: "data.items"))
        }
        // With a cursor path, a last page without the records key is simply empty.
        let paged = try JSONRecordExtractor(recordsPath: "data.items", nextPath: "paging.next")
        XCTAssertEqual(try paged.extract(page: Data("{\"paging\":{}}".utf8)).records.count, 0)
    }

    func testFHIRNextLink() {
        let page = Data("{\"link\":[{\"relation\":\"self\",\"url\":\"a\"},{\"relation\":\"next\",\"url\":\"b\"}]}".utf8)
        XCTAssertEqual(JSONRecordExtractor.nextLink(in: page), "b")
        XCTAssertNil(JSONRecordExtractor.nextLink(in: Data("{}".utf8)))
    }
}
