import Foundation
import Postgres
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The `land` connector against a real OGC API – Features server: pygeoapi 0.21.0 (its own virtualenv, made by
/// scripts/bootstrap), started on loopback by the test over a GeoJSON file whose storage CRS is EPSG:9209. The
/// connector asks for the native CRS, follows pygeoapi's offset-based next links, and stages every feature with
/// its coordinates and SRID; PostGIS's WGS 84 equals pyproj's.
final class PygeoapiLandSourceTests: DatabaseTestCase {
    override var databasePrefix: String { "pygeoapi" }

    static let root = BuiltBinary.connectors.deletingLastPathComponent()
    static let serve = root.appendingPathComponent("scripts/pygeoapi-serve")
    static let venv = ProcessInfo.processInfo.environment["CITYPIPE_PYGEOAPI_VENV"] ?? "/opt/citypipe-pygeoapi-venv"

    func count(_ sql: String) throws -> Int {
        try connection.query(sql)[0].decode(Int.self, at: 0)
    }

    func testTheLandConnectorLoadsEveryFeatureOfPygeoapiInItsNativeCRS() throws {
        try XCTSkipUnless(
            FileManager.default.isExecutableFile(atPath: "\(Self.venv)/bin/python"),
            "pygeoapi's virtualenv \(Self.venv) is missing: run scripts/bootstrap")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pygeoapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        // 2,345 parcels of 20 m by 30 m on a grid in old Bắc Ninh (EPSG:9209 metres, to the millimetre): three
        // pages of pygeoapi's 1,000 and a short last one.
        let parcels = 2_345
        var corners: [String: [(String, String)]] = [:]
        var features: [String] = []
        for k in 0..<parcels {
            let id = "BN-\(k + 1)"
            let e0 = 548_000_000 + (k % 60) * 97_123
            let n0 = 2_339_000_000 + (k / 60) * 151_457
            let ring = [(e0, n0), (e0 + 20_000, n0), (e0 + 20_000, n0 + 30_000), (e0, n0 + 30_000), (e0, n0)]
            let text = ring.map { (Self.millimetres($0.0), Self.millimetres($0.1)) }
            corners[id] = text
            let coordinates = text.map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
            features.append(
                """
                {"type":"Feature","id":"\(id)","geometry":{"type":"Polygon","coordinates":[[\(coordinates)]]},\
                "properties":{"ma_thua":"\(id)","so_to":\(k / 60 + 1),"so_thua":\(k % 60 + 1),"ma_xa":"09169","dien_tich":600.0,\
                "loai_dat":"ONT","so_cccd_chu":null,"ngay_cap_nhat":"2025-09-01T08:00:00+07:00"}}
                """)
        }
        let file = work.appendingPathComponent("parcels_9209.geojson")
        try Data("{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}".utf8).write(to: file)

        let server = Process()
        server.executableURL = Self.serve
        server.arguments = [
            "--geojson", file.path, "--storage-crs", "9209", "--port", "0", "--collection", "parcels", "--workdir",
            work.appendingPathComponent("server").path,
        ]
        let output = Pipe()
        server.standardOutput = output
        try server.run()
        defer {
            if server.isRunning {
                kill(server.processIdentifier, SIGTERM)
                server.waitUntilExit()
            }
        }
        // The script prints one line once the collection answers: `ready http://127.0.0.1:PORT`.
        var line = ""
        while !line.contains("\n") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            line += String(decoding: data, as: UTF8.self)
        }
        let ready = line.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(ready.hasPrefix("ready http://127.0.0.1:"), "pygeoapi-serve said: \(ready)")
        let base = String(ready.dropFirst("ready ".count))

        // The shipped land manifest, pointed at pygeoapi: its one collection, in EPSG:9209, no credentials.
        let connectors = work.appendingPathComponent("connectors")
        try FileManager.default.createDirectory(at: connectors, withIntermediateDirectories: true)
        var manifest = try String(contentsOf: BuiltBinary.connectors.appendingPathComponent("land.yaml"), encoding: .utf8)
        manifest = manifest.replacingOccurrences(of: "${CITYPIPE_LAND_URL}/ogc/collections/{collection}/items", with: "\(base)/collections/{collection}/items")
        manifest = manifest.replacingOccurrences(
            of: """
                    - {collection: thua-dat-bac-ninh, crs: "http://www.opengis.net/def/crs/EPSG/0/9209"}
                    - {collection: thua-dat-bac-giang, crs: "http://www.opengis.net/def/crs/EPSG/0/9214"}
                """,
            with: """
                    - {collection: parcels, crs: "http://www.opengis.net/def/crs/EPSG/0/9209"}
                """)
        guard let auth = manifest.range(of: "auth:\n"), let end = manifest.range(of: "pagination:", range: auth.upperBound..<manifest.endIndex) else {
            return XCTFail("land.yaml has no auth block before pagination")
        }
        manifest.replaceSubrange(auth.lowerBound..<end.lowerBound, with: "")
        XCTAssertTrue(manifest.contains("collection: parcels"), "the partitions were rewritten")
        try Data(manifest.utf8).write(to: connectors.appendingPathComponent("land.yaml"))

        for arguments in [["db", "migrate"], ["ingest", "land", "--connectors", connectors.path]] {
            let result = try Self.citypipe(arguments, databaseURL: database.url)
            XCTAssertEqual(result.status, 0, result.output)
        }

        XCTAssertEqual(try count("SELECT count(*) FROM staging.land"), parcels, "every feature, following the next links")
        XCTAssertEqual(try count("SELECT count(*) FROM staging.land WHERE ST_SRID(geom) = 9209"), parcels, "the SRID of the Content-Crs")
        XCTAssertGreaterThanOrEqual(
            try count("SELECT requests FROM citypipe.feed_runs WHERE feed = 'land' ORDER BY feed_run_id DESC LIMIT 1"), 3,
            "pages of pygeoapi's max_items (1,000)")
        // Every vertex as written in the file, to the tenth of a millimetre (pygeoapi serves the storage CRS as is).
        var worst = 0.0
        for row in try connection.query("SELECT parcel_id, ST_AsText(geom) AS wkt FROM staging.land") {
            let id = try row.decode(String.self, "parcel_id")
            let wkt = try row.decode(String.self, "wkt")
            let numbers = wkt.split { !"0123456789.-".contains($0) }.compactMap { Double($0) }
            guard let expected = corners[id], numbers.count == expected.count * 2 else {
                XCTFail("\(id): \(wkt.prefix(80))")
                continue
            }
            for (k, corner) in expected.enumerated() {
                worst = max(worst, abs(numbers[2 * k] - (Double(corner.0) ?? .nan)), abs(numbers[2 * k + 1] - (Double(corner.1) ?? .nan)))
            }
        }
        XCTAssertLessThan(worst, 1e-4, "staged vertices differ from the file's by \(worst) m at worst")
        // And in WGS 84: PostGIS against pyproj from the file's coordinates.
        var input = ""
        for (id, ring) in corners { for (k, corner) in ring.enumerated() { input += "\(id):\(k + 1) 9209 \(corner.0) \(corner.1)\n" } }
        let pyproj = try GeoTruthTools.pyproj(input, root: Self.root)
        var postgis: [String: (Double, Double)] = [:]
        for row in try connection.query(
            "SELECT s.parcel_id || ':' || d.path[2] AS id, ST_X(ST_Transform(d.geom, 4326)) AS lon, ST_Y(ST_Transform(d.geom, 4326)) AS lat FROM staging.land s, LATERAL ST_DumpPoints(s.geom) d")
        {
            postgis[try row.decode(String.self, "id")] = (try row.decode(Double.self, "lon"), try row.decode(Double.self, "lat"))
        }
        XCTAssertEqual(postgis.count, pyproj.count)
        var degrees = 0.0
        for (id, (lon, lat)) in pyproj {
            guard let (x, y) = postgis[id] else { continue }
            degrees = max(degrees, abs(x - lon), abs(y - lat))
        }
        XCTAssertLessThan(degrees, 1e-7, "PostGIS and pyproj differ by \(degrees)° at worst")
    }

    static func millimetres(_ value: Int) -> String {
        "\(value / 1000).\(String(repeating: "0", count: 3 - String(value % 1000).count))\(value % 1000)"
    }

    static func citypipe(_ arguments: [String], databaseURL: String) throws -> (status: Int32, output: String) {
        try BuiltBinary.run(arguments, environment: ["DATABASE_URL": databaseURL], directory: root)
    }
}
