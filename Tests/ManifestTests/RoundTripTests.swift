import Foundation
@testable import Manifest
import XCTest
import Yams

/// Models survive YAML and JSON round trips, and the validator's schema knows exactly the
/// keys the models encode.
final class RoundTripTests: XCTestCase {
    /// A manifest using every option, for round trips.
    static func everything() throws -> ConnectorManifest {
        try ConnectorManifest(
        name: "everything",
        description: "every key",
        kind: .xml,
        request: RequestSpec(url: "${CITYPIPE_X_URL}/a", method: .post, parameters: ["a": "1", "b": "${B}"],
                             headers: ["Accept": "application/xml", "X-API-Key": "${CITYPIPE_X_KEY}"],
                             body: "{\"q\": 1}", timeout: XCTUnwrap(ManifestDuration("PT90S"))),
        auth: .oauth2(OAuth2Auth(tokenURL: "https://idp/token", clientID: "${ID}", clientSecret: "${SECRET}",
                                 scopes: ["a", "b"], clientAuthentication: .body, cacheToken: false, refreshOn401: false,
                                 expiryMargin: ManifestDuration(seconds: 30))),
        pagination: .nextURL(NextURLPagination(from: .body, path: try DocumentPath(parsing: "link[relation=next].url"),
                                               pageSize: 50, pageSizeParameter: "_count")),
        records: RecordSelector(element: try XMLElementPath(parsing: "A/B/HOSO"), compression: .gzip,
                                embedded: EmbeddedDocuments(content: try XMLElementPath(parsing: "NOIDUNGFILE"),
                                                            typeElement: try XMLElementPath(parsing: "LOAIHOSO"),
                                                            types: ["XML1"], element: try XMLElementPath(parsing: "TONG_HOP"))),
        incremental: IncrementalSpec(cursorField: "updated", parameter: "since", format: .date,
                                     lookbackWindow: XCTUnwrap(ManifestDuration("1d")), startDatetime: "2020-01-01",
                                     window: WindowSpec(startParameter: "from", endParameter: "to",
                                                        step: XCTUnwrap(ManifestDuration("P1M")))),
        primaryKey: ["id", "updated"],
        fields: [
            FieldSpec(name: "id", path: "MA_LK", type: .text, semantic: "vn_citizen_id", required: true, description: "key"),
            FieldSpec(name: "updated", path: "NGAY/@gio", type: .timestamptz, format: "yyyyMMddHHmm"),
            FieldSpec(name: "location", type: .geometry, semantic: "vn2000_point", srid: 9209),
            FieldSpec(name: "amount", type: .numeric),
        ],
        rateLimit: 2.5,
        concurrency: 3,
        retry: RetryPolicy(maxAttempts: 7, backoff: .constant, initialDelay: ManifestDuration(seconds: 2),
                           maxDelay: XCTUnwrap(ManifestDuration("5m"))),
        maxRejectRatio: 0.25,
        schemaDrift: .fail
        )
    }

    func testShippedManifestsRoundTripThroughYAMLAndJSON() throws {
        for feed in Fixture.shipped {
            let manifest = try Fixture.load(feed)
            try assertRoundTrips(manifest, file: "Connectors/\(feed).yaml")
        }
    }

    func testEveryOptionRoundTrips() throws {
        let everything = try Self.everything()
        try assertRoundTrips(everything, file: "Connectors/everything.yaml")
        for auth: AuthSpec in [.none, .apiKey(APIKeyAuth(injectInto: .query, fieldName: "api_key", apiToken: "${K}")),
                               .bearer(BearerAuth(apiToken: "${T}")), .basic(BasicAuth(username: "u", password: "${P}"))] {
            var manifest = everything
            manifest.auth = auth
            try assertRoundTrips(manifest, file: "Connectors/everything.yaml")
        }
        let cursor = try DocumentPath(parsing: "['@iot.nextLink']")
        for pagination: PaginationSpec in [.none, .pageNumber(PageNumberPagination(pageSize: 10, pageSizeParameter: "size", startFromPage: 0)),
                                           .offsetLimit(OffsetLimitPagination(pageSize: 5, offsetParameter: "skip", limitParameter: "top")),
                                           .cursor(CursorPagination(cursorPath: cursor, cursorParameter: "c", pageSize: 9)),
                                           .nextURL(NextURLPagination(from: .linkHeader))] {
            var manifest = everything
            manifest.pagination = pagination
            try assertRoundTrips(manifest, file: "Connectors/everything.yaml")
        }
        var csv = everything
        csv.kind = .csv
        csv.records = RecordSelector(compression: .none, csv: CSVOptions(delimiter: "\t", quote: "'", header: false,
                                                                          columns: ["MA_LK", "x"], encoding: .tcvn3, bom: .none, skipLines: 2))
        csv.fields[1].path = "x"
        try assertRoundTrips(csv, file: "Connectors/everything.yaml")
    }

    func testSchemaKeysMatchCodingKeys() {
        func keys(_ shape: ObjectShape) -> Set<String> { Set(shape.keyNames) }
        func names<K: CodingKey & CaseIterable>(_: K.Type) -> Set<String> { Set(K.allCases.map(\.stringValue)) }
        XCTAssertEqual(keys(ManifestSchema.manifest), names(ConnectorManifest.CodingKeys.self))
        XCTAssertEqual(keys(ManifestSchema.request), names(RequestSpec.CodingKeys.self))
        XCTAssertEqual(keys(ManifestSchema.retry), names(RetryPolicy.CodingKeys.self))
        XCTAssertEqual(keys(ManifestSchema.records), names(RecordSelector.CodingKeys.self))
        XCTAssertEqual(keys(ManifestSchema.csv), names(CSVOptions.CodingKeys.self))
        XCTAssertEqual(keys(ManifestSchema.embedded), names(EmbeddedDocuments.CodingKeys.self))
        XCTAssertEqual(keys(ManifestSchema.incremental), names(IncrementalSpec.CodingKeys.self))
        XCTAssertEqual(keys(ManifestSchema.window), names(WindowSpec.CodingKeys.self))
        XCTAssertEqual(keys(ManifestSchema.field), names(FieldSpec.CodingKeys.self))
        let auth = Dictionary(uniqueKeysWithValues: ManifestSchema.auth.variants.map { ($0.name, keys($0.shape)) })
        XCTAssertEqual(Set(auth.keys), Set(AuthSpec.Kind.allCases.map(\.rawValue)))
        XCTAssertEqual(auth["api_key"], names(APIKeyAuth.CodingKeys.self))
        XCTAssertEqual(auth["bearer"], names(BearerAuth.CodingKeys.self))
        XCTAssertEqual(auth["basic"], names(BasicAuth.CodingKeys.self))
        XCTAssertEqual(auth["oauth2"], names(OAuth2Auth.CodingKeys.self))
        let pagination = Dictionary(uniqueKeysWithValues: ManifestSchema.pagination.variants.map { ($0.name, keys($0.shape)) })
        XCTAssertEqual(Set(pagination.keys), Set(PaginationSpec.Kind.allCases.map(\.rawValue)))
        XCTAssertEqual(pagination["page_number"], names(PageNumberPagination.CodingKeys.self))
        XCTAssertEqual(pagination["offset_limit"], names(OffsetLimitPagination.CodingKeys.self))
        XCTAssertEqual(pagination["cursor"], names(CursorPagination.CodingKeys.self))
        XCTAssertEqual(pagination["next_url"], names(NextURLPagination.CodingKeys.self))
    }

    /// YAML: encode, then load through the validator (no issue allowed) and compare; JSON: encode and decode.
    private func assertRoundTrips(_ manifest: ConnectorManifest, file: String,
                                  sourceFile: StaticString = #filePath, line: UInt = #line) throws {
        let yaml = try YAMLEncoder().encode(manifest)
        let result = Fixture.loader.load(yaml: yaml, file: file)
        XCTAssertEqual(result.issues, [], "\(yaml)\n\(result.issues.map(\.description).joined(separator: "\n"))",
                       file: sourceFile, line: line)
        XCTAssertEqual(result.manifest, manifest, yaml, file: sourceFile, line: line)
        let json = try JSONEncoder().encode(manifest)
        XCTAssertEqual(try JSONDecoder().decode(ConnectorManifest.self, from: json), manifest, file: sourceFile, line: line)
    }
}
