import Foundation
import Manifest
import XCTest

/// Rules beyond the broken population copy: kinds, CSV, list-form fields, names, YAML syntax.
final class ValidationRuleTests: XCTestCase {
    private func issues(_ yaml: String, file: String = "Connectors/demo.yaml") -> [String] {
        Fixture.loader.load(yaml: yaml, file: file).errors.map { "\($0.line): \($0.keyPath): \($0.message)" }
    }

    private let base = """
        name: demo
        kind: rest-json
        request:
          url: ${CITYPIPE_DEMO_URL}/items
        primary_key: [id]
        fields:
          id: {type: text, required: true}

        """

    func testMinimalManifestIsValidWithDefaults() throws {
        let result = Fixture.loader.load(yaml: base, file: "Connectors/demo.yaml")
        XCTAssertEqual(result.issues, [])
        let manifest = try XCTUnwrap(result.manifest)
        XCTAssertEqual(manifest.auth, .none)
        XCTAssertEqual(manifest.pagination, .none)
        XCTAssertEqual(manifest.concurrency, 1)
        XCTAssertEqual(manifest.maxRejectRatio, 0.01)
        XCTAssertEqual(manifest.schemaDrift, .propagate)
        XCTAssertEqual(manifest.request.method, .get)
        XCTAssertEqual(manifest.request.timeout.seconds, 60)
        XCTAssertEqual(manifest.retry, RetryPolicy())
        XCTAssertEqual(manifest.fields, [FieldSpec(name: "id", type: .text, required: true)])
    }

    func testTableOfRules() {
        let table: [(name: String, yaml: String, expected: [String])] = [
            ("name differs from file", base.replacingOnce("name: demo", with: "name: other"),
             ["1: name: name 'other' differs from the file name 'demo.yaml': a feed is known by its file, rename one of them"]),
            ("name not an identifier", base.replacingOnce("name: demo", with: "name: Demo-Feed"),
             ["1: name: 'Demo-Feed' is not a name: lower-case letters, digits and '_', starting with a letter, at most 63 characters"]),
            ("xml needs element", base.replacingOnce("kind: rest-json", with: "kind: xml"),
             ["1: records.element: kind xml needs 'records.element', the element path of one record (e.g. A/B/RECORD)"]),
            ("csv options on json", base + "records: {csv: {delimiter: ';'}}\n",
             ["8: records.csv: 'records.csv' is for kind csv, not rest-json"]),
            ("csv without header needs columns",
             base.replacingOnce("kind: rest-json", with: "kind: csv") + "records: {csv: {header: false}}\n",
             ["8: records.csv.columns: with 'header: false' the column names must be given in 'columns'"]),
            ("delimiter of two characters",
             base.replacingOnce("kind: rest-json", with: "kind: csv") + "records: {csv: {delimiter: ';;'}}\n",
             ["8: records.csv.delimiter: expected exactly one character, found ';;'"]),
            ("encoding", base.replacingOnce("kind: rest-json", with: "kind: csv") + "records: {csv: {encoding: tcvn-3}}\n",
             ["8: records.csv.encoding: 'tcvn-3' is not a supported encoding (did you mean 'tcvn3'?)"]),
            ("next_url from body needs path", base + "pagination: {type: next_url, from: body}\n",
             ["8: pagination.path: with 'from: body' give 'path', where the next URL is in the body (e.g. links.next)"]),
            ("bad document path", base + "records: {path: 'data..items'}\n",
             ["8: records.path: 'data..items' is not a document path: a name must follow '.' (at character 6)"]),
            ("place field undeclared", base + "place: {fields: [adress]}\n",
             ["8: place.fields[0]: place field 'adress' is not declared in 'fields'"]),
            ("partition field undeclared", base + "partition_by: {field: period}\n",
             ["8: partition_by.field: partition_by field 'period' is not declared in 'fields'"]),
            ("partition field of another type", base + "partition_by: {field: id}\n",
             ["8: partition_by.field: partition_by field 'id' has type text: it must be a date or a timestamptz"]),
            ("partition field outside the key", base + "  period: {type: date}\npartition_by: {field: period}\n",
             ["9: partition_by.field: partition_by field 'period' must be part of primary_key: add it there (a partitioned table's key holds its partition column)"]),
            ("partition by week", base.replacingOnce("primary_key: [id]", with: "primary_key: [id, period]") + "  period: {type: date}\npartition_by: {field: period, interval: week}\n",
             ["9: partition_by.interval: 'week' is not a partition interval (expected one of: month, year)"]),
            ("place field without the admin-unit semantic", base + "place: {province: \"24\", fields: [id]}\n",
             ["8: place.fields[0]: place field 'id' must have the semantic vn_admin_unit (a ward code, a unit name or an address)"]),
            ("place province of three digits", base + "place: {province: \"247\"}\n",
             ["8: place.province: '247' is not a province code: two digits, the post-2025 GSO code (\"24\" for Bắc Ninh), quoted"]),
            ("incremental needs a parameter or a window", base + "incremental: {cursor_field: id}\n",
             ["8: incremental.parameter: say how the cursor reaches the source: 'parameter' (e.g. updated_since) or 'window'"]),
            ("start_datetime vs format", base + "incremental: {cursor_field: id, parameter: since, format: date, start_datetime: '2020-01'}\n",
             ["8: incremental.start_datetime: '2020-01' is not a value of format date"]),
            ("value template without the cursor",
             base + "incremental: {cursor_field: id, parameter: $filter, value_template: 'phenomenonTime ge now()'}\n",
             ["8: incremental.value_template: the template must say where the cursor goes with {cursor}, e.g. 'phenomenonTime ge {cursor}'"]),
            ("parts both listed and from a feed",
             base.replacingOnce("  url: ${CITYPIPE_DEMO_URL}/items",
                                with: "  url: ${CITYPIPE_DEMO_URL}/items\n  partitions: [{a: b}]\n  partitions_from: {feed: other, field: id, parameter: a}"),
             ["6: request.partitions_from: give the parts either as a list ('partitions') or from a feed ('partitions_from'), not both"]),
            ("part record field undeclared",
             base.replacingOnce("  url: ${CITYPIPE_DEMO_URL}/items",
                                with: "  url: ${CITYPIPE_DEMO_URL}/items\n  partitions_from: {feed: other, field: id, parameter: a, record_field: sensor}"),
             ["5: request.partitions_from.record_field: record field 'sensor' is not declared in 'fields'"]),
            ("parts from the feed itself",
             base.replacingOnce("  url: ${CITYPIPE_DEMO_URL}/items",
                                with: "  url: ${CITYPIPE_DEMO_URL}/items\n  partitions_from: {feed: demo, field: id, parameter: a}"),
             ["5: request.partitions_from.feed: a feed cannot list its own parts; name the feed that stages them"]),
            ("keep on an undeclared field", base + "records: {path: entry, keep: {field: mode, values: [match]}}\n",
             ["8: records.keep.field: keep field 'mode' is not declared in 'fields'"]),
            ("keep on csv", base.replacingOnce("kind: rest-json", with: "kind: csv") + "records: {keep: {field: id, values: [x]}}\n",
             ["8: records.keep: 'records.keep' is for JSON kinds"]),
            ("a JSON feed from a local file", base.replacingOnce("${CITYPIPE_DEMO_URL}/items", with: "file:///data/items.json"),
             ["4: request.url: kind rest-json is read over HTTP(S); local files are read by kinds csv and xml (or serve the file over HTTP)"]),
            ("a field named after an SQL reserved word",
             base.replacingOnce("  id: {type: text, required: true}", with: "  id: {type: text, required: true}\n  order: {path: order, type: integer}"),
             ["8: fields.order: 'order' is a reserved word of SQL and cannot name a staging column: call the field otherwise (e.g. order_value) and keep 'path: order'"]),
            ("a feed named after an SQL reserved word", base.replacingOnce("name: demo", with: "name: group"),
             ["1: name: name 'group' differs from the file name 'demo.yaml': a feed is known by its file, rename one of them",
              "1: name: 'group' is a reserved word of SQL and cannot name a staging table: call the feed otherwise (e.g. group_records)"]),
            ("unknown top-level key", base + "  # a comment\n" + "request2: 1\n",
             ["9: request2: unknown key 'request2' (did you mean 'request'?)"]),
            ("credentials in url", base.replacingOnce("${CITYPIPE_DEMO_URL}/items", with: "https://user:pw@lgsp.example/items"),
             ["4: request.url: the URL carries credentials (user@host): put them in 'auth' as placeholders"]),
            ("literal secret in a header", base.replacingOnce("  url: ${CITYPIPE_DEMO_URL}/items",
                                                            with: "  url: ${CITYPIPE_DEMO_URL}/items\n  headers: {Authorization: Bearer abc}"),
             ["5: request.headers.Authorization: 'Authorization' holds a literal secret: write a placeholder such as ${CITYPIPE_DEMO_AUTHORIZATION} and set it in the environment"]),
            ("field name not an identifier", base.replacingOnce("  id: {type: text, required: true}", with: "  id: {type: text}\n  Ho Ten: {type: text}"),
             ["8: fields.Ho Ten: 'Ho Ten' is not a field name: lower-case letters, digits and '_', starting with a letter, at most 63 characters"]),
            ("srid on a text field", base.replacingOnce("{type: text, required: true}", with: "{type: text, srid: 4326}"),
             ["7: fields.id.srid: 'srid' applies to type geometry only"]),
            ("missing fields and primary key", "name: demo\nkind: csv\nrequest: {url: 'file:///data/*.csv'}\n",
             ["1: fields: required key 'fields' is missing", "1: primary_key: required key 'primary_key' is missing"]),
            ("embedded on csv", base.replacingOnce("kind: rest-json", with: "kind: csv") + "records: {embedded: {content: X, element: Y}}\n",
             ["8: records.embedded: 'records.embedded' is for kind xml, not csv"]),
        ]
        for row in table {
            XCTAssertEqual(issues(row.yaml), row.expected, row.name)
        }
    }

    func testMalformedPlaceholderInsideAValuePointsAtItsDollar() {
        let yaml = base.replacingOnce("${CITYPIPE_DEMO_URL}/items", with: "\"https://lgsp.example/${BAD-NAME}/items\"")
        let issue = Fixture.loader.load(yaml: yaml, file: "Connectors/demo.yaml").errors.first
        XCTAssertEqual(issue.map { "\($0.line):\($0.column)" }, Fixture.position(of: "${BAD", in: yaml).map { "\($0.line):\($0.column)" })
    }

    func testFieldsAsAListAndXMLWithEmbeddedDocuments() throws {
        let yaml = """
            name: health_encounters
            kind: xml
            request:
              url: ${CITYPIPE_HEALTH_URL}/giamdinh
            records:
              element: GIAMDINHHS/THONGTINHOSO/DANHSACHHOSO/HOSO/FILEHOSO
              embedded:
                content: NOIDUNGFILE
                type_element: LOAIHOSO
                types: [XML1]
                element: TONG_HOP
            primary_key: [ma_lk]
            fields:
              - name: ma_lk
                path: MA_LK
                type: text
                required: true
              - {name: ma_the, path: MA_THE_BHYT, type: text}
              - {name: ngay_vao, path: NGAY_VAO, type: timestamptz, format: yyyyMMddHHmm}
            """
        let result = Fixture.loader.load(yaml: yaml, file: "Connectors/health_encounters.yaml")
        XCTAssertEqual(result.issues, [])
        let manifest = try XCTUnwrap(result.manifest)
        XCTAssertEqual(manifest.fields.map(\.name), ["ma_lk", "ma_the", "ngay_vao"])
        XCTAssertEqual(manifest.records.element?.steps.last, "FILEHOSO")
        XCTAssertEqual(manifest.records.embedded?.types, ["XML1"])
        XCTAssertEqual(manifest.records.embedded?.element.steps, ["TONG_HOP"])

        let duplicated = yaml.replacingOnce("{name: ma_the,", with: "{name: ma_lk,")
        XCTAssertEqual(issues(duplicated, file: "Connectors/health_encounters.yaml"),
                       ["18: fields[1].name: field 'ma_lk' is declared twice"])
    }

    func testYAMLSyntaxErrorNamesTheLine() {
        let result = Fixture.loader.load(yaml: "name: demo\nkind: [csv\nrequest: {}\n", file: "Connectors/demo.yaml")
        XCTAssertNil(result.manifest)
        XCTAssertEqual(result.errors.count, 1)
        XCTAssertGreaterThan(result.errors.first?.line ?? 0, 1)
        XCTAssertTrue(result.errors.first?.message.hasPrefix("YAML syntax:") ?? false)
    }

    func testEmptyAndNonMappingDocuments() {
        XCTAssertEqual(issues(""), ["1: (root): the file is empty"])
        XCTAssertEqual(issues("- a\n- b\n"), ["1: (root): expected a mapping, found a list"])
    }
}
