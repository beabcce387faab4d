import FeedSimulator
import Foundation
import XCTest

/// A `GIAMDINHHS` envelope taken apart with plain string work (independent of the ingest's decoder).
struct Envelope {
    let sender: String
    let declaredCount: Int
    /// Per HOSO: its FILEHOSO (type, decoded document or nil when the base64 is bad).
    let hoSo: [[(type: String, document: String?)]]

    init(_ bytes: [UInt8]) throws {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix("<?xml"), text.contains("<GIAMDINHHS>"), text.hasSuffix("</GIAMDINHHS>\n") else {
            throw TestFailure("not a GIAMDINHHS document")
        }
        sender = Self.value("MACSKCB", in: Substring(text)) ?? ""
        declaredCount = Int(Self.value("SOLUONGHOSO", in: Substring(text)) ?? "") ?? -1
        hoSo = text.components(separatedBy: "<HOSO>").dropFirst().map { part in
            part.components(separatedBy: "<FILEHOSO>").dropFirst().map { file in
                let type = Self.value("LOAIHOSO", in: Substring(file)) ?? ""
                let content = Self.value("NOIDUNGFILE", in: Substring(file)) ?? ""
                return (type, Data(base64Encoded: content).map { String(decoding: $0, as: UTF8.self) })
            }
        }
    }

    /// The XML1 summaries, as element → text (bad base64 skipped).
    var summaries: [[String: String]] {
        hoSo.flatMap { $0 }.filter { $0.type == "XML1" }.compactMap(\.document).map(Self.fields)
    }

    static func value(_ element: String, in text: Substring) -> String? {
        guard let open = text.range(of: "<\(element)>"), let close = text.range(of: "</\(element)>", range: open.upperBound..<text.endIndex)
        else { return nil }
        return String(text[open.upperBound..<close.lowerBound])
    }

    static func fields(_ document: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in document.split(separator: "\n") where line.hasPrefix("<") && !line.hasPrefix("<?") {
            guard let end = line.firstIndex(of: ">") else { continue }
            let name = String(line[line.index(after: line.startIndex)..<end])
            if name.hasSuffix("/") { out[String(name.dropLast())] = "" } else if let v = value(name, in: line) { out[name] = v }
        }
        return out
    }
}

extension FeedClient {
    func giamDinh(_ query: String, faults: inout Int) async throws -> Envelope {
        try await retrying(
            &faults,
            request: {
                try await send(
                    "GET", "/api/giamdinh/v1/hoso?" + query,
                    headers: [("Authorization", Self.basic(credentials.healthUser, credentials.healthPassword))])
            }, accept: { try Envelope($0.body) })
    }
}

final class HealthEncounterFeedTests: XCTestCase {
    /// `POST /_sim/advance?months=1`: January 2026 gets its insurance export and its claims, as many as an average
    /// month before; the months before are served as they were.
    func testAnAdvanceWithAMonthAddsAMonthOfInsuranceAndOfClaims() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 43, scale: 0.01))
        defer { Task { await sim.stop() } }
        var faults = 0
        let before = try await sim.client.insuranceCSV(period: "2026-01", faults: &faults)
        XCTAssertEqual(before.count, 3 + 54 + 2, "no data after December 2025 yet: the header only")
        let december = try await sim.client.insuranceCSV(period: "2025-12", faults: &faults)
        let januaryClaims = try await sim.client.giamDinh("tu_ngay=2026-01-01&den_ngay=2026-02-01", faults: &faults)
        XCTAssertEqual(januaryClaims.hoSo.count, 0)
        let marchClaims = try await sim.client.giamDinh("tu_ngay=2025-03-01&den_ngay=2025-04-01", faults: &faults)

        let answer = try await sim.client.send("POST", "/_sim/advance?months=1")
        XCTAssertEqual(answer.status, 200)
        XCTAssertTrue(String(decoding: answer.body, as: UTF8.self).contains("\"months_added\":1"))
        let january = try await sim.client.insuranceCSV(period: "2026-01", faults: &faults)
        let rows = String(decoding: january.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
        XCTAssertGreaterThan(rows.count, 2_000)
        XCTAssertTrue(rows.allSatisfy { $0.hasSuffix(";2026-01") })
        let decemberAgain = try await sim.client.insuranceCSV(period: "2025-12", faults: &faults)
        XCTAssertEqual(decemberAgain, december, "earlier months unchanged")
        let february = try await sim.client.insuranceCSV(period: "2026-02", faults: &faults)
        XCTAssertEqual(february.count, 3 + 54 + 2)
        let claims = try await sim.client.giamDinh("tu_ngay=2026-01-01&den_ngay=2026-02-01", faults: &faults)
        XCTAssertGreaterThan(claims.hoSo.count, marchClaims.hoSo.count / 2, "a month of claims, about as many as an earlier month")
        XCTAssertLessThan(claims.hoSo.count, marchClaims.hoSo.count * 2)
        let marchAgain = try await sim.client.giamDinh("tu_ngay=2025-03-01&den_ngay=2025-04-01", faults: &faults)
        XCTAssertEqual(marchAgain.hoSo.count, marchClaims.hoSo.count, "earlier claims unchanged")
        let februaryClaims = try await sim.client.giamDinh("tu_ngay=2026-02-01&den_ngay=2026-03-01", faults: &faults)
        XCTAssertEqual(februaryClaims.hoSo.count, 0)

        // A second month adds February's claims; January's stay as they were, discharge times included.
        let second = try await sim.client.send("POST", "/_sim/advance?months=1")
        XCTAssertEqual(second.status, 200)
        let januaryAgain = try await sim.client.giamDinh("tu_ngay=2026-01-01&den_ngay=2026-02-01", faults: &faults)
        XCTAssertEqual(januaryAgain.summaries, claims.summaries, "January's claims unchanged")
        let februaryNow = try await sim.client.giamDinh("tu_ngay=2026-02-01&den_ngay=2026-03-01", faults: &faults)
        XCTAssertGreaterThan(februaryNow.hoSo.count, marchClaims.hoSo.count / 2)
    }

    /// An insurance export carries a strong ETag; asked again with it in `If-None-Match`, the simulator answers 304
    /// with no body, as a web server serving the month's file does; another tag gets the file. A new month changes
    /// the tag of that month's file only.
    func testAnInsuranceExportAnswersNotModifiedToItsOwnETag() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 43, scale: 0.01))
        defer { Task { await sim.stop() } }
        let auth = ("Authorization", FeedClient.basic(sim.client.credentials.insuranceUser, sim.client.credentials.insurancePassword))
        let path = "/exports/participants.csv.gz?period=2025-12"
        let first = try await sim.client.send("GET", path, headers: [auth])
        XCTAssertEqual(first.status, 200)
        let tag = try XCTUnwrap(first.headers["etag"])
        XCTAssertTrue(tag.hasPrefix("\"") && tag.hasSuffix("\""), tag)
        let again = try await sim.client.send("GET", path, headers: [auth, ("If-None-Match", tag)])
        XCTAssertEqual(again.status, 304)
        XCTAssertEqual(again.body.count, 0)
        XCTAssertEqual(again.headers["etag"], tag)
        let other = try await sim.client.send("GET", path, headers: [auth, ("If-None-Match", "\"0-0\"")])
        XCTAssertEqual(other.status, 200)
        XCTAssertEqual(other.body, first.body)
        let november = try await sim.client.send("GET", "/exports/participants.csv.gz?period=2025-11", headers: [auth, ("If-None-Match", tag)])
        XCTAssertEqual(november.status, 200, "another month's file has another tag")

        // A new month of data: December's file is the same and still answered 304 (from the tag the simulator kept,
        // with no file made again); January's, header-only before, now holds the month and has another tag.
        let januaryPath = "/exports/participants.csv.gz?period=2026-01"
        let emptyJanuary = try await sim.client.send("GET", januaryPath, headers: [auth])
        let emptyTag = try XCTUnwrap(emptyJanuary.headers["etag"])
        let advanced = try await sim.client.send("POST", "/_sim/advance?months=1")
        XCTAssertEqual(advanced.status, 200)
        let december = try await sim.client.send("GET", path, headers: [auth, ("If-None-Match", tag)])
        XCTAssertEqual(december.status, 304, "December's file did not change with the new month")
        let january = try await sim.client.send("GET", januaryPath, headers: [auth, ("If-None-Match", emptyTag)])
        XCTAssertEqual(january.status, 200, "January's file is no longer header-only")
        XCTAssertNotEqual(january.headers["etag"], emptyTag)
        XCTAssertGreaterThan(january.body.count, emptyJanuary.body.count)
    }

    func testAMonthIsOneEnvelopeOfBase64XML1SummariesOfPeopleOfThePopulation() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 41, scale: 0.01))
        defer { Task { await sim.stop() } }
        var faults = 0
        let march = try await sim.client.giamDinh("tu_ngay=2025-03-01&den_ngay=2025-04-01", faults: &faults)
        XCTAssertEqual(march.sender, "24000", "a bundle of several facilities comes from the gateway")
        XCTAssertEqual(march.declaredCount, march.hoSo.count)
        XCTAssertGreaterThan(march.hoSo.count, 200, "7,000 visits over two years")
        XCTAssertTrue(march.hoSo.allSatisfy { $0.first?.type == "XML1" })
        XCTAssertGreaterThan(march.hoSo.filter { $0.count == 2 && $0[1].type == "XML2" }.count, 0, "some with a drug list")
        let summaries = march.summaries
        XCTAssertGreaterThanOrEqual(summaries.count, march.hoSo.count - 2, "at most a damaged file or two")
        let people = try await sim.client.walkPopulation(faults: &faults).records
        let ids = Set(people.compactMap(\.soDinhDanh))
        for s in summaries {
            let ra = try XCTUnwrap(s["NGAY_RA"])
            XCTAssertTrue(ra.hasPrefix("202503") && ra.count == 12, ra)
            XCTAssertEqual(s["NGAY_VAO"]?.count, 12)
            XCTAssertLessThanOrEqual(s["NGAY_VAO"] ?? "", ra)
            XCTAssertEqual(s["MA_THE_BHYT"]?.count, 15)
            XCTAssertEqual(s["NGAY_SINH"]?.count, 12)
            XCTAssertEqual(s["MA_CSKCB"]?.count, 5)
            XCTAssertTrue(["27", "24"].contains(s["MATINH_CU_TRU"] ?? ""), "old Bắc Ninh or old Bắc Giang before the reform")
        }
        let withID = summaries.compactMap { $0["SO_CCCD"] }.filter { !$0.isEmpty }
        XCTAssertGreaterThan(withID.filter(ids.contains).count, withID.count * 99 / 100)
        XCTAssertEqual(faults, 0)
    }

    func testDaysAddUpToTheMonthAndADayOfOneFacilityIsItsFile() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 42, scale: 0.01))
        defer { Task { await sim.stop() } }
        var faults = 0
        let month = try await sim.client.giamDinh("tu_ngay=2025-11-01&den_ngay=2025-12-01", faults: &faults)
        var days: [String] = []
        for day in 1...30 {
            let date = String(format: "2025-11-%02d", day)
            let envelope = try await sim.client.giamDinh("ngay=" + date, faults: &faults)
            XCTAssertFalse(envelope.hoSo.isEmpty, "day \(date) has claims")
            let compact = date.replacingOccurrences(of: "-", with: "")
            XCTAssertTrue(envelope.summaries.allSatisfy { $0["NGAY_RA"]?.hasPrefix(compact) == true }, date)
            days += envelope.summaries.compactMap { $0["MA_LK"] }
        }
        XCTAssertEqual(days, month.summaries.compactMap { $0["MA_LK"] })
        let first = try XCTUnwrap(month.summaries.first)
        let facility = try XCTUnwrap(first["MA_CSKCB"])
        let day = try XCTUnwrap(first["NGAY_RA"]).prefix(8)
        let iso = "\(day.prefix(4))-\(day.dropFirst(4).prefix(2))-\(day.suffix(2))"
        let file = try await sim.client.giamDinh("ngay=\(iso)&ma_cskcb=\(facility)", faults: &faults)
        XCTAssertEqual(file.sender, facility)
        XCTAssertTrue(file.summaries.allSatisfy { $0["MA_CSKCB"] == facility })
        XCTAssertTrue(file.summaries.contains { $0["MA_LK"] == first["MA_LK"] })
        // Residence codes of the era: the new province (24) after the reform.
        XCTAssertTrue(month.summaries.allSatisfy { $0["MATINH_CU_TRU"] == "24" })
    }

    func testAuthAndParameters() async throws {
        let sim = try await RunningSimulator.start(.init(seed: 43, scale: 0.002))
        defer { Task { await sim.stop() } }
        let credentials = sim.simulator.configuration.credentials
        let auth = FeedClient.basic(credentials.healthUser, credentials.healthPassword)
        let none = try await sim.client.send("GET", "/api/giamdinh/v1/hoso?ngay=2025-01-01")
        XCTAssertEqual(none.status, 401)
        for query in ["", "tu_ngay=01/01/2025", "ngay=2025-02-30", "tu_ngay=2025-01-01&den_ngay=x"] {
            let bad = try await sim.client.send("GET", "/api/giamdinh/v1/hoso?" + query, headers: [("Authorization", auth)])
            XCTAssertEqual(bad.status, 400, query)
        }
        let empty = try await sim.client.send(
            "GET", "/api/giamdinh/v1/hoso?tu_ngay=2019-01-01&den_ngay=2019-02-01", headers: [("Authorization", auth)])
        XCTAssertEqual(empty.status, 200)
        XCTAssertEqual(try Envelope(empty.body).hoSo.count, 0, "no claims then: an empty envelope")
    }
}
