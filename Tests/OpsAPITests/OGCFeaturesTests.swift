import Foundation
import HTTPTypes
import HummingbirdTesting
import OpsAPI
import Postgres
import XCTest

/// OGC API – Features Parts 1 and 2 under /ogc, in-process (GDAL, OWSLib and pyproj read it in
/// scripts/api-contract-test).
final class OGCFeaturesTests: XCTestCase {
    static func get(_ client: any TestClientProtocol, _ fixture: APIFixture, _ uri: String, role: Role = .viewer) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: fixture.headers(role))
    }

    func testLandingConformanceCollectionsAndQueryables() async throws {
        let fixture = try APIFixture.get()
        try await withAPI(fixture) { client, _ in
            let landing = try await Self.get(client, fixture, "/ogc").json()
            let rels = (landing["links"] as? [[String: Any]] ?? []).compactMap { $0["rel"] as? String }
            XCTAssertEqual(Set(rels), ["self", "service-desc", "conformance", "data"])
            let conformance = try await Self.get(client, fixture, "/ogc/conformance").json()
            XCTAssertEqual(conformance["conformsTo"] as? [String], [
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
                "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
                "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
                "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
                "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
                "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
                "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
            ])
            let collections = try await Self.get(client, fixture, "/ogc/collections").json()
            let list = collections["collections"] as? [[String: Any]] ?? []
            XCTAssertEqual(list.compactMap { $0["id"] as? String }, ["commune_profile", "wards"])
            let wards = try XCTUnwrap(list.first { $0["id"] as? String == "wards" })
            XCTAssertEqual(wards["itemType"] as? String, "feature")
            XCTAssertEqual(wards["storageCrs"] as? String, "http://www.opengis.net/def/crs/OGC/1.3/CRS84")
            XCTAssertTrue((wards["crs"] as? [String] ?? []).contains("http://www.opengis.net/def/crs/EPSG/0/9214"))
            let bbox = (((wards["extent"] as? [String: Any])?["spatial"] as? [String: Any])?["bbox"] as? [[Double]])?.first ?? []
            XCTAssertEqual(bbox.count, 4)
            XCTAssertTrue((105.5...106.5).contains(bbox[0]) && (21.0...21.8).contains(bbox[3]), "the province: \(bbox)")
            let links = (wards["links"] as? [[String: Any]] ?? [])
            XCTAssertTrue(links.contains { $0["rel"] as? String == "items" && $0["type"] as? String == "application/geo+json" })
            let queryables = try await Self.get(client, fixture, "/ogc/collections/wards/queryables")
            XCTAssertEqual(queryables.headers[.contentType], "application/schema+json")
            let properties = try queryables.json()["properties"] as? [String: Any] ?? [:]
            XCTAssertNotNil(properties["ward_code"])
            XCTAssertNotNil(properties["geom"])
        }
    }

    func testItemsPagingFiltersTimeAndCRS() async throws {
        let fixture = try APIFixture.get()
        try await withAPI(fixture) { client, _ in
            let first = try await Self.get(client, fixture, "/ogc/collections/wards/items")
            XCTAssertEqual(first.headers[.contentType], "application/geo+json")
            XCTAssertEqual(first.headers[HTTPField.Name("Content-Crs")!], "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
            let body = try first.json()
            XCTAssertEqual(body["numberMatched"] as? Int, 99)
            XCTAssertEqual(body["numberReturned"] as? Int, 10, "10 by default")
            // Following next links (keyset cursors) reads every ward once.
            var ids: [String] = []
            var uri: String? = "/ogc/collections/wards/items?limit=40"
            while let current = uri {
                let page = try await Self.get(client, fixture, current).json()
                ids += (page["features"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                let next = (page["links"] as? [[String: Any]] ?? []).first { $0["rel"] as? String == "next" }
                XCTAssertTrue(next == nil || next?["type"] as? String == "application/geo+json")
                uri = (next?["href"] as? String).map { String($0[($0.range(of: "/ogc")?.lowerBound ?? $0.startIndex)...]) }
            }
            XCTAssertEqual(ids.count, 99)
            XCTAssertEqual(Set(ids).count, 99)
            // Offset paging (OWSLib, ArcGIS) gives the same features, with offset next and prev links.
            let byOffset = try await Self.get(client, fixture, "/ogc/collections/wards/items?limit=40&offset=40").json()
            XCTAssertEqual((byOffset["features"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }, Array(ids[40..<80]))
            let rels = (byOffset["links"] as? [[String: Any]] ?? []).compactMap { $0["rel"] as? String }
            XCTAssertTrue(rels.contains("next") && rels.contains("prev"))
            XCTAssertTrue(((byOffset["links"] as? [[String: Any]] ?? []).first { $0["rel"] as? String == "next" }?["href"] as? String)?.contains("offset=80") == true)
            // One feature; a queryable; properties.
            let feature = try await Self.get(client, fixture, "/ogc/collections/wards/items/\(ids[0])").json()
            XCTAssertEqual(feature["id"] as? String, ids[0])
            let code = String(ids[0].prefix { $0 != "@" })
            let byCode = try await Self.get(client, fixture, "/ogc/collections/wards/items?ward_code=\(code)").json()
            XCTAssertEqual(byCode["numberMatched"] as? Int, 1)
            let slim = try await Self.get(client, fixture, "/ogc/collections/wards/items?limit=1&properties=ward_name").json()
            let properties = (slim["features"] as? [[String: Any]])?.first?["properties"] as? [String: Any] ?? [:]
            XCTAssertEqual(Array(properties.keys), ["ward_name"])
            // Time: the post-2025 wards are in force from 1 July 2025.
            let before = try await Self.get(client, fixture, "/ogc/collections/wards/items?datetime=2024-01-01").json()
            XCTAssertEqual(before["numberMatched"] as? Int, 0)
            let after = try await Self.get(client, fixture, "/ogc/collections/wards/items?datetime=2025-08-01").json()
            XCTAssertEqual(after["numberMatched"] as? Int, 99)
            let open = try await Self.get(client, fixture, "/ogc/collections/wards/items?datetime=../2025-06-30").json()
            XCTAssertEqual(open["numberMatched"] as? Int, 0)
            // CRS: EPSG:4326 puts latitude first; VN-2000 zone 105°30′ in metres.
            let crs84 = try await Self.get(client, fixture, "/ogc/collections/wards/items/\(ids[0])").json()
            let lonLat = try XCTUnwrap(Self.firstVertex(crs84))
            let swapped = try await Self.get(client, fixture, "/ogc/collections/wards/items/\(ids[0])?crs=http://www.opengis.net/def/crs/EPSG/0/4326").json()
            let latLon = try XCTUnwrap(Self.firstVertex(swapped))
            XCTAssertEqual(lonLat[0], latLon[1], accuracy: 1e-12)
            XCTAssertEqual(lonLat[1], latLon[0], accuracy: 1e-12)
            let vn2000 = try await Self.get(client, fixture, "/ogc/collections/wards/items/\(ids[0])?crs=http://www.opengis.net/def/crs/EPSG/0/9209")
            XCTAssertEqual(vn2000.headers[HTTPField.Name("Content-Crs")!], "<http://www.opengis.net/def/crs/EPSG/0/9209>")
            let projected = try vn2000.json()
            let metres = try XCTUnwrap(Self.firstVertex(projected))
            XCTAssertTrue((400_000...700_000).contains(metres[0]) && (2_300_000...2_400_000).contains(metres[1]), "\(metres)")
            // bbox: a small box around that vertex selects that ward; the same box given in VN-2000 does too.
            let d = 0.0005
            let box = "\(lonLat[0] - d),\(lonLat[1] - d),\(lonLat[0] + d),\(lonLat[1] + d)"
            let inBox = try await Self.get(client, fixture, "/ogc/collections/wards/items?bbox=\(box)").json()
            let boxIDs = (inBox["features"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            XCTAssertTrue(boxIDs.contains(ids[0]))
            let m = 50.0
            let metreBox = "\(metres[0] - m),\(metres[1] - m),\(metres[0] + m),\(metres[1] + m)"
            let inMetreBox = try await Self.get(client, fixture, "/ogc/collections/wards/items?bbox=\(metreBox)&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/9209").json()
            XCTAssertTrue((inMetreBox["features"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == ids[0] })
        }
    }

    func testTheErrorsOfTheOGCTestSuite() async throws {
        let fixture = try APIFixture.get()
        try await withAPI(fixture) { client, _ in
            for (uri, status) in [
                ("/ogc/collections/wards/items?limit=unlimited", HTTPResponse.Status.badRequest),
                ("/ogc/collections/wards/items?limit=0", .badRequest),
                ("/ogc/collections/wards/items?unknownQueryParameter12345=1", .badRequest),
                ("/ogc/collections/wards/items?crs=http://www.opengis.net/def/crs/0/unsupported", .badRequest),
                ("/ogc/collections/wards/items?bbox=1,2,3", .badRequest),
                ("/ogc/collections/wards/items?datetime=yesterday", .badRequest),
                ("/ogc/collections/nothing", .notFound),
                ("/ogc/collections/nothing/items", .notFound),
                ("/ogc/collections/wards/items/00000@2025-07-01", .notFound),
                ("/ogc/collections/wards/items/00000", .notFound),
                ("/ogc/collections/wards/items/07210@not-a-date", .notFound),
            ] {
                let response = try await Self.get(client, fixture, uri)
                XCTAssertEqual(response.status, status, "\(uri): \(response.text)")
                XCTAssertTrue(response.headers[.contentType]?.hasPrefix("application/json") == true, uri)
            }
            let noToken = try await client.execute(uri: "/ogc/collections", method: .get)
            XCTAssertEqual(noToken.status, .unauthorized)
        }
    }

    func testVectorTiles() async throws {
        let fixture = try APIFixture.get()
        try await withAPI(fixture) { client, _ in
            let sets = try await Self.get(client, fixture, "/ogc/collections/wards/tiles").json()
            let tileset = (sets["tilesets"] as? [[String: Any]])?.first
            XCTAssertEqual(tileset?["tileMatrixSetURI"] as? String, "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad")
            XCTAssertTrue((tileset?["links"] as? [[String: Any]] ?? []).contains {
                ($0["href"] as? String)?.hasSuffix("/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}") == true && $0["rel"] as? String == "item"
            })
            // Zoom 12 over the provincial capital (21.1861 N, 106.0763 E): row 1801, column 3254.
            let tile = try await Self.get(client, fixture, "/ogc/collections/wards/tiles/WebMercatorQuad/12/1801/3254")
            XCTAssertEqual(tile.status, .ok)
            XCTAssertEqual(tile.headers[.contentType], "application/vnd.mapbox-vector-tile")
            XCTAssertGreaterThan(tile.body.readableBytes, 1_000)
            XCTAssertTrue(tile.headers[.cacheControl]?.hasPrefix("public") == true, "a layer without personal data may be cached")
            XCTAssertTrue(String(buffer: tile.body).contains("wards"), "the layer is named after the collection")
            let tag = try XCTUnwrap(tile.headers[.eTag])
            var conditional = fixture.headers(.viewer)
            conditional[.ifNoneMatch] = tag
            let again = try await client.execute(uri: "/ogc/collections/wards/tiles/WebMercatorQuad/12/1801/3254", method: .get, headers: conditional)
            XCTAssertEqual(again.status, .notModified)
            // Far from the province (the Atlantic): an empty tile.
            let empty = try await Self.get(client, fixture, "/ogc/collections/wards/tiles/WebMercatorQuad/12/2048/2048")
            XCTAssertEqual(empty.status, .ok)
            XCTAssertEqual(empty.body.readableBytes, 0)
            for (uri, status) in [("/ogc/collections/wards/tiles/WebMercatorQuad/23/0/0", HTTPResponse.Status.badRequest),
                                  ("/ogc/collections/wards/tiles/WebMercatorQuad/2/4/0", .badRequest),
                                  ("/ogc/collections/wards/tiles/WorldCRS84Quad/2/1/1", .notFound),
                                  ("/ogc/collections/nothing/tiles/WebMercatorQuad/2/1/1", .notFound)] {
                let response = try await Self.get(client, fixture, uri)
                XCTAssertEqual(response.status, status, uri)
            }
        }
    }

    static func firstVertex(_ feature: [String: Any]) -> [Double]? {
        var value: Any? = (feature["geometry"] as? [String: Any])?["coordinates"]
        while let array = value as? [Any], let first = array.first {
            if let numbers = array as? [Double], numbers.count >= 2 { return numbers }
            value = first
        }
        return nil
    }
}
