import Foundation
import Manifest
import XCTest

/// The manifests shipped in Connectors/ validate with no error and no warning, and mean what they say.
final class ShippedManifestTests: XCTestCase {
    func testEveryShippedManifestValidatesClean() throws {
        let files = try ManifestLoader.manifestFiles(in: Fixture.connectors)
        XCTAssertEqual(files.map(\.lastPathComponent), Fixture.shipped.sorted().map { $0 + ".yaml" })
        for file in files {
            let result = Fixture.loader.load(contentsOf: file, displayPath: "Connectors/\(file.lastPathComponent)")
            XCTAssertEqual(result.issues, [], "\(file.lastPathComponent):\n\(result.issues.map(\.description).joined(separator: "\n"))")
            XCTAssertNotNil(result.manifest, file.lastPathComponent)
        }
    }

    /// The land registry's two collections, each asked in its own VN-2000 zone, paged by OGC `next` links.
    func testLandAndTheBaseLayer() throws {
        let land = try Fixture.load("land")
        XCTAssertEqual(land.kind, .ogcFeatures)
        XCTAssertEqual(land.request.url, "${CITYPIPE_LAND_URL}/ogc/collections/{collection}/items")
        XCTAssertEqual(
            land.request.partitions,
            [["collection": "thua-dat-bac-ninh", "crs": "http://www.opengis.net/def/crs/EPSG/0/9209"],
             ["collection": "thua-dat-bac-giang", "crs": "http://www.opengis.net/def/crs/EPSG/0/9214"]])
        guard case .nextURL(let next) = land.pagination else { return XCTFail("pagination \(land.pagination)") }
        XCTAssertEqual(next.path?.segments, [.member("links"), .match(key: "rel", value: "next"), .member("href")])
        XCTAssertEqual(land.fields.first { $0.name == "geom" }?.type, .geometry)
        XCTAssertNil(land.incremental, "a snapshot: the source has no change query")
        let boundaries = try Fixture.load("admin_boundaries")
        XCTAssertEqual(boundaries.fields.first { $0.name == "geom" }?.srid, 4326)
        XCTAssertEqual(boundaries.primaryKey, ["feature_id"])
    }

    func testPopulation() throws {
        let manifest = try Fixture.load("population")
        XCTAssertEqual(manifest.kind, .restJSON)
        XCTAssertEqual(manifest.request.url, "${CITYPIPE_POPULATION_URL}/v1/citizens")
        guard case .oauth2(let oauth) = manifest.auth else { return XCTFail("auth \(manifest.auth)") }
        XCTAssertEqual(oauth.clientSecret, "${CITYPIPE_POPULATION_CLIENT_SECRET}")
        XCTAssertEqual(oauth.scopes, ["citizens.read"])
        XCTAssertTrue(oauth.cacheToken)
        XCTAssertTrue(oauth.refreshOn401)
        guard case .cursor(let cursor) = manifest.pagination else { return XCTFail("pagination \(manifest.pagination)") }
        XCTAssertEqual(cursor.cursorPath.segments, [.member("meta"), .member("next_cursor")])
        XCTAssertEqual(manifest.incremental?.cursorField, "updated_at")
        XCTAssertEqual(manifest.incremental?.parameter, "updated_since")
        XCTAssertEqual(manifest.incremental?.lookbackWindow?.seconds, 3600)
        XCTAssertEqual(manifest.primaryKey, ["citizen_id"])
        XCTAssertEqual(manifest.fields.map(\.name),
                       ["citizen_id", "full_name", "birth_date", "sex", "phone", "ward_code", "address", "updated_at"])
        XCTAssertEqual(manifest.field(named: "citizen_id")?.semantic, "vn_citizen_id")
        XCTAssertEqual(manifest.field(named: "citizen_id")?.required, true)
        XCTAssertEqual(manifest.field(named: "ward_code")?.path, "noiThuongTru.maXa")
        XCTAssertEqual(manifest.field(named: "updated_at")?.type, .timestamptz)
        XCTAssertEqual(manifest.maxRejectRatio, 0.02)
        XCTAssertEqual(manifest.schemaDrift, .propagate)
    }

    func testBusiness() throws {
        let manifest = try Fixture.load("business")
        guard case .apiKey(let key) = manifest.auth else { return XCTFail("auth \(manifest.auth)") }
        XCTAssertEqual(key.injectInto, .header)
        XCTAssertEqual(key.fieldName, "X-API-Key")
        XCTAssertEqual(key.apiToken, "${CITYPIPE_BUSINESS_API_KEY}")
        XCTAssertEqual(manifest.pagination, .offsetLimit(OffsetLimitPagination(pageSize: 500)))
        XCTAssertNil(manifest.incremental)
        XCTAssertEqual(manifest.primaryKey, ["tax_code"])
        XCTAssertEqual(manifest.field(named: "capital")?.type, .numeric)
        XCTAssertEqual(manifest.field(named: "legal_rep_citizen_id")?.semantic, "vn_citizen_id")
        XCTAssertEqual(manifest.field(named: "registered_on")?.type, .date)
        XCTAssertEqual(manifest.request.parameters, ["province": "24"], "the merged Bắc Ninh since 1 July 2025")
    }

    func testInsurance() throws {
        let manifest = try Fixture.load("insurance")
        XCTAssertEqual(manifest.kind, .csv)
        XCTAssertEqual(manifest.records.compression, .auto)
        XCTAssertEqual(manifest.records.csv, CSVOptions(delimiter: ";", bom: .required))
        XCTAssertEqual(manifest.primaryKey, ["insurance_code", "period"])
        XCTAssertEqual(manifest.incremental?.window?.startParameter, "period")
        XCTAssertEqual(manifest.incremental?.window?.step.months, 1)
        XCTAssertEqual(manifest.incremental?.format, .month)
        XCTAssertEqual(manifest.field(named: "period")?.format, "yyyy-MM")
    }

    func testReadmeExampleValidatesClean() throws {
        let readme = try String(contentsOf: Fixture.connectors.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.range(of: "## A complete example"))
        let rest = readme[section.upperBound...]
        let start = try XCTUnwrap(rest.range(of: "```yaml\n"))
        let end = try XCTUnwrap(rest[start.upperBound...].range(of: "```"))
        let yaml = String(rest[start.upperBound..<end.lowerBound])
        let result = Fixture.loader.load(yaml: yaml, file: "Connectors/population.yaml")
        XCTAssertEqual(result.issues, [], result.issues.map(\.description).joined(separator: "\n"))
        XCTAssertEqual(result.manifest?.fields.count, 8)
    }
}
