import Foundation
import Hummingbird
import Ingest
import Manifest
import NIOCore
import Postgres
import TestSupport
import Warehouse
import XCTest
@testable import Decoders

/// Hostile sources through a whole feed load: the error or the reject names the feed, the record and the field;
/// nothing is retried that no retry can fix; staging is left as it was; memory stays bounded.
final class HostileFeedTests: DatabaseTestCase {
    override var databasePrefix: String { "hostile" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        _ = try Warehouse.migrate(connection)
    }

    private func manifest(_ yaml: String) throws -> ConnectorManifest {
        let name = yaml.split(separator: "\n")[0].replacingOccurrences(of: "name: ", with: "")
        let result = ManifestLoader(knownSemantics: ManifestCatalog.knownSemantics).load(yaml: yaml, file: "\(name).yaml")
        guard let manifest = result.manifest, result.isValid else {
            throw NSError(domain: "manifest", code: 1, userInfo: [NSLocalizedDescriptionKey: result.issues.map(\.description).joined(separator: "\n")])
        }
        return ConnectorManifestTweaks.fastRetries(manifest)
    }

    private func load(_ manifest: ConnectorManifest) async throws -> StagingLoad.Report {
        let runID = try RunLedger.start(connection, pipeline: "test", kind: .ingest)
        return try await ConnectorRunner(manifest: manifest).run(connection: connection, runID: runID)
    }

    private func count(_ table: String) throws -> Int {
        try connection.query("SELECT count(*)::int AS n FROM \(table)")[0].decode(Int.self, "n")
    }

    /// A page whose one string is 1 GiB, streamed: the load stops at the page limit (64 MiB), once, naming the
    /// feed; staging keeps the rows of the load before; memory stays under 256 MiB.
    func testAJSONPageWithAOneGibibyteStringFailsTheLoadOnceInBoundedMemory() async throws {
        let hits = HitCounter()
        let router = Router()
        router.get("/people") { request, _ -> Response in
            let hit = await hits.hit()
            if hit == 1 {
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: #"{"data":[{"ma":"1","ten":"An"}]}"#)))
            }
            return Response(status: .ok, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: #"{"data":[{"ma":"2","ten":""#))
                let mebibyte = ByteBuffer(repeating: UInt8(ascii: "x"), count: 1 << 20)
                for _ in 0..<1024 { try await writer.write(mebibyte) }
                try await writer.write(ByteBuffer(string: #""}]}"#))
                try await writer.finish(nil)
            })
        }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let people = try manifest(
            """
            name: hostile_people
            kind: rest-json
            request:
              url: \(server.base)/people
            records:
              path: data
            primary_key: [ma]
            fields:
              ma: {path: ma, type: text}
              ten: {path: ten, type: text}
            """)
        _ = try await load(people)
        XCTAssertEqual(try count("staging.hostile_people"), 1)
        resetPeakRSS()
        let before = peakRSS()
        do {
            _ = try await load(people)
            XCTFail("a 1 GiB page was accepted")
        } catch {
            let text = String(describing: error)
            XCTAssertTrue(text.contains("hostile_people"), text)
            XCTAssertTrue(text.contains("larger than \(64 << 20) bytes"), text)
        }
        let growth = peakRSS() - before
        XCTAssertLessThan(growth, 256 << 20, "peak RSS grew by \(growth >> 20) MiB")
        let requests = await hits.hits
        XCTAssertEqual(requests, 2, "the oversized page is not retried")
        XCTAssertEqual(try count("staging.hostile_people"), 1, "staging is as before")
    }

    /// `\u0000` in a JSON field: that record is rejected naming the field; the others are staged.
    func testANULEscapeInAJSONFieldIsRejectedNamingTheField() async throws {
        let router = Router()
        router.get("/people") { _, _ -> Response in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: #"{"data":[{"ma":"1","ten":"An"},{"ma":"2","ten":"B\u0000nh","x":"a\u0000b"},{"ma":"3","ten":"Chi","x":"c\u0000"}]}"#)))
        }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let report = try await load(
            try manifest(
                """
                name: hostile_nul
                kind: rest-json
                request:
                  url: \(server.base)/people
                records:
                  path: data
                primary_key: [ma]
                fields:
                  ma: {path: ma, type: text}
                  ten: {path: ten, type: text}
                """))
        XCTAssertEqual(report.rowsStaged, 2)
        XCTAssertEqual(report.rowsRejected, 1)
        let reject = try connection.query("SELECT field, reason, position::int AS position FROM citypipe.rejects WHERE feed = 'hostile_nul'")
        XCTAssertEqual(reject.count, 1)
        XCTAssertEqual(try reject[0].decode(String.self, "field"), "ten")
        XCTAssertEqual(try reject[0].decode(Int.self, "position"), 2)
        XCTAssertTrue(try reject[0].decode(String.self, "reason").hasPrefix("nul_byte"))
        XCTAssertEqual(
            try connection.query("SELECT _extra->>'x' AS x FROM staging.hostile_nul WHERE ma = '3'")[0].decode(String.self, "x"), "c\u{FFFD}",
            "a NUL in an unbound field is kept as U+FFFD in _extra")
    }

    /// A gzip bomb (1 GiB of zeros, over 1,000:1) against the manifest's `records.max_inflate_ratio: 50`: the
    /// load fails at the first attempt naming the feed and the key; staging is as before.
    func testAGzipBombFailsTheLoadAtTheManifestsRatioWithoutARetry() async throws {
        let hits = HitCounter()
        var zeros: [UInt8] = []
        let row = Array("ma,ghi_chu\n1,".utf8)
        zeros = row + [UInt8](repeating: UInt8(ascii: "0"), count: 256 << 20) + Array("\n".utf8)
        let bomb = try InsuranceSource.gzip(zeros)
        zeros = []
        XCTAssertGreaterThan((256 << 20) / bomb.count, 1000)
        let router = Router()
        router.get("/export.csv.gz") { _, _ -> Response in
            _ = await hits.hit()
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: bomb)))
        }
        let server = try await LoopbackServer.start(router)
        defer { server.stop() }
        let feed = try manifest(
            """
            name: hostile_bomb
            kind: csv
            request:
              url: \(server.base)/export.csv.gz
            records:
              max_inflate_ratio: 50
            primary_key: [ma]
            fields:
              ma: {path: ma, type: text}
              ghi_chu: {path: ghi_chu, type: text}
            """)
        do {
            _ = try await load(feed)
            XCTFail("the bomb was loaded")
        } catch {
            let text = String(describing: error)
            XCTAssertTrue(text.contains("hostile_bomb"), text)
            XCTAssertTrue(text.contains("50 times"), text)
            XCTAssertTrue(text.contains("records.max_inflate_ratio"), text)
        }
        let requests = await hits.hits
        XCTAssertEqual(requests, 1, "no retry can make a bomb smaller")
    }

    /// `records.csv.stray_quotes: literal` through a whole load: coordinates written in degrees, minutes and
    /// seconds are staged as the source wrote them.
    func testStrayQuotesAsLiteralsThroughAFeed() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("ma,vi_do\n1,21°10'30\"N\n2,21.1750\n".utf8).write(to: folder.appendingPathComponent("points.csv"))
        let report = try await load(
            try manifest(
                """
                name: hostile_dms
                kind: csv
                request:
                  url: file://\(folder.path)/points.csv
                records:
                  csv: {stray_quotes: literal}
                primary_key: [ma]
                fields:
                  ma: {path: ma, type: text}
                  vi_do: {path: vi_do, type: text}
                """))
        XCTAssertEqual(report.rowsStaged, 2)
        XCTAssertEqual(
            try connection.query("SELECT vi_do FROM staging.hostile_dms WHERE ma = '1'")[0].decode(String.self, "vi_do"), "21°10'30\"N")
    }
}
