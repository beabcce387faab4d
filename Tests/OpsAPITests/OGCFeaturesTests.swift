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
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
                "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
                "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
                "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
                "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
                "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
                "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
                "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
                "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
                "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
                "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
                "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
                "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
                "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
                "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
                "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
            ])
            let collections = try await Self.get(client, fixture, "/ogc/collections").json()
            let list = collections["collections"] as? [[String: Any]] ?? []
            XCTAssertEqual(list.compactMap { $0["id"] as? String }, ["air_stations", "commune_profile", "communes_2024", "facilities", "parcels", "schools", "wards"])
            let wards = try XCTUnwrap(list.first { $0["id"] as? String == "wards" })
            XCTAssertEqual(wards["itemType"] as? String, "feature")
            XCTAssertEqual(wards["storageCrs"] as? String, "http://www.opengis.net/def/crs/OGC/1.3/CRS84")
            XCTAssertTrue((wards["crs"] as? [String] ?? []).contains("http://www.opengis.net/def/crs/EPSG/0/9214"))
            let bbox = (((wards["extent"] as? [String: Any])?["spatial"] as? [String: Any])?["bbox"] as? [[Double]])?.first ?? []
            XCTAssertEqual(bbox.count, 4)
            XCTAssertTrue((105.5...106.5).contains(bbox[0]) && (21.0...21.8).contains(bbox[3]), "the province: \(bbox)")
            let links = (wards["links"] as? [[String: Any]] ?? [])
            XCTAssertTrue(links.contains { $0["rel"] as? String == "items" && $0["type"] as? String == "application/geo+json" })
            // A browser gets HTML (its Accept header, or f=html); GDAL and OWSLib get JSON.
            var browser = fixture.headers(.viewer)
            browser[.accept] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
            let page = try await client.execute(uri: "/ogc/collections/wards/items?limit=5", method: .get, headers: browser)
            XCTAssertEqual(page.headers[.contentType], "text/html; charset=utf-8")
            XCTAssertEqual(page.text.components(separatedBy: "<tr>").count - 1, 6, "a header row and five features")
            let listed = try await Self.get(client, fixture, "/ogc/collections?f=html")
            XCTAssertTrue(listed.text.contains("href=\"/ogc/collections/wards/items?f=html\""))
            let json = try await client.execute(uri: "/ogc/collections/wards/items?limit=5", method: .get, headers: fixture.headers(.viewer, accept: "*/*"))
            XCTAssertEqual(json.headers[.contentType], "application/geo+json")
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
            // The other era: the old communes of the geographic base layer, in force until 30 June 2025, each with
            // the ward it became part of.
            let connection = try fixture.database.connect()
            defer { connection.close() }
            let communes = try connection.query("SELECT count(*) AS n FROM integrated.commune_boundary_2024")[0].decode(Int.self, "n")
            XCTAssertGreaterThan(communes, 300)
            let old = try await Self.get(client, fixture, "/ogc/collections/communes_2024/items?datetime=2024-06-30&limit=1").json()
            XCTAssertEqual(old["numberMatched"] as? Int, communes)
            let oldProperties = (old["features"] as? [[String: Any]])?.first?["properties"] as? [String: Any] ?? [:]
            XCTAssertEqual(oldProperties["valid_to"] as? String, "2025-07-01")
            XCTAssertNotNil(oldProperties["ward_2025"] as? String)
            let gone = try await Self.get(client, fixture, "/ogc/collections/communes_2024/items?datetime=2025-08-01").json()
            XCTAssertEqual(gone["numberMatched"] as? Int, 0)
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

    func testCQL2TextFilters() async throws {
        let fixture = try APIFixture.get()
        let connection = try fixture.database.connect()
        defer { connection.close() }
        @Sendable func sql(_ condition: String) throws -> Int {
            try connection.query("SELECT count(*) AS n FROM integrated.commune_profile WHERE \(condition)")[0].decode(Int.self, "n")
        }
        // Each filter and the SQL that must select the same wards (for a viewer: no counts below 5 in play here).
        let cases: [(filter: String, sql: String)] = [
            ("population > 140", "population > 140"),
            ("population >= 140 AND ward_type = 'Phường'", "population >= 140 AND ward_type = 'Phường'"),
            ("ward_type = 'Xã' OR population < 120", "ward_type = 'Xã' OR population < 120"),
            ("NOT (population BETWEEN 120 AND 150)", "NOT (population BETWEEN 120 AND 150)"),
            ("ward_name LIKE 'Phường%'", "ward_name LIKE 'Phường%'"),
            ("ward_code IN ('07210', '09169', '00000')", "ward_code IN ('07210', '09169', '00000')"),
            ("ward_code NOT IN ('07210')", "ward_code NOT IN ('07210')"),
            ("health_month IS NOT NULL", "health_month IS NOT NULL"),
            ("insurance_period = DATE('2099-01-01')", "insurance_period = date '2099-01-01'"),
            ("S_INTERSECTS(geom, POINT(106.0763 21.1861))", "ST_Intersects(geom, ST_SetSRID(ST_MakePoint(106.0763, 21.1861), 4326))"),
            ("S_INTERSECTS(geom, BBOX(106.0, 21.1, 106.1, 21.2)) AND population > 0",
             "ST_Intersects(geom, ST_MakeEnvelope(106.0, 21.1, 106.1, 21.2, 4326)) AND population > 0"),
            ("S_INTERSECTS(POLYGON((106.0 21.1, 106.1 21.1, 106.1 21.2, 106.0 21.1)), geom)",
             "ST_Intersects(geom, ST_GeomFromText('POLYGON((106.0 21.1, 106.1 21.1, 106.1 21.2, 106.0 21.1))', 4326))"),
        ]
        try await withAPI(fixture) { client, _ in
            for (filter, condition) in cases {
                let encoded = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? filter
                let response = try await Self.get(client, fixture, "/ogc/collections/commune_profile/items?limit=1&filter-lang=cql2-text&filter=\(encoded)")
                XCTAssertEqual(response.status, .ok, "\(filter): \(response.text.prefix(300))")
                XCTAssertEqual(try response.json()["numberMatched"] as? Int, try sql(condition), filter)
            }
            // A point given in VN-2000 (filter-crs) finds the same ward as in CRS84.
            let point = try connection.query("SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(106.0763, 21.1861), 4326), 9209) AS p) AS s")[0]
            let filter = "S_INTERSECTS(geom, POINT(\(try point.decode(Double.self, "x")) \(try point.decode(Double.self, "y"))))"
            let encoded = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? filter
            let projected = try await Self.get(client, fixture, "/ogc/collections/commune_profile/items?filter=\(encoded)&filter-crs=http://www.opengis.net/def/crs/EPSG/0/9209").json()
            XCTAssertEqual(projected["numberMatched"] as? Int, 1)
            // Mistakes and injection attempts: 400, nothing runs.
            for bad in ["population >", "population = 'abc'", "salary > 3", "population > 1; DROP TABLE x", "ward_name = 'x' OR 1=1",
                        "S_INTERSECTS(geom, CIRCLE(1 2))", "(((population > 1)", "ward_name LIKE 3", "S_INTERSECTS(geom, POLYGON((1 2, 3 4)))",
                        "population > 1 population", "'unterminated"] {
                let encoded = bad.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? bad
                let response = try await Self.get(client, fixture, "/ogc/collections/commune_profile/items?filter=\(encoded)")
                XCTAssertEqual(response.status, .badRequest, "\(bad): \(response.text.prefix(300))")
            }
            let other = try await Self.get(client, fixture, "/ogc/collections/commune_profile/items?filter=population%3E1&filter-lang=cql2-json")
            XCTAssertEqual(other.status, .badRequest)
            // A feature id percent-encoded is the same feature.
            let encodedID = try await Self.get(client, fixture, "/ogc/collections/wards/items/07210%402025-07-01")
            XCTAssertEqual(encodedID.status, .ok, encodedID.text)
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
            // Parcels, a layer of features tens of metres wide, are tiled from zoom 14: below it a tile is empty even
            // where they are; at 14 the tile over a parcel holds it (its id in the layer).
            let parcelSets = try await Self.get(client, fixture, "/ogc/collections/parcels/tiles/WebMercatorQuad").json()
            XCTAssertEqual(((parcelSets["layers"] as? [[String: Any]])?.first)?["minTileMatrix"] as? String, "14")
            let connection = try fixture.database.connect()
            defer { connection.close() }
            let parcel = try connection.query(
                """
                SELECT parcel_id, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat
                FROM integrated.land_parcel_map ORDER BY parcel_id LIMIT 1
                """)[0]
            let id = try parcel.decode(String.self, "parcel_id")
            let lon = try parcel.decode(Double.self, "lon"), lat = try parcel.decode(Double.self, "lat")
            func slippy(_ zoom: Int) -> (row: Int, column: Int) {
                let n = Double(1 << zoom)
                let column = Int((lon + 180) / 360 * n)
                let row = Int((1 - log(tan(lat * .pi / 180) + 1 / cos(lat * .pi / 180)) / .pi) / 2 * n)
                return (row, column)
            }
            let (row13, column13) = slippy(13)
            let coarse = try await Self.get(client, fixture, "/ogc/collections/parcels/tiles/WebMercatorQuad/13/\(row13)/\(column13)")
            XCTAssertEqual(coarse.status, .ok)
            XCTAssertEqual(coarse.body.readableBytes, 0, "below zoom 14 the parcels layer is empty")
            let (row14, column14) = slippy(14)
            let fine = try await Self.get(client, fixture, "/ogc/collections/parcels/tiles/WebMercatorQuad/14/\(row14)/\(column14)")
            XCTAssertEqual(fine.status, .ok)
            XCTAssertTrue(String(buffer: fine.body).contains(id), "zoom 14 over parcel \(id) holds it")
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
