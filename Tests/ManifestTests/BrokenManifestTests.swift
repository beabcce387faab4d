import Foundation
import Manifest
import XCTest

/// A broken copy of population.yaml: each problem is reported with its key path, line and
/// column, all of them at once, and secrets never appear in a message.
final class BrokenManifestTests: XCTestCase {
    struct Case {
        let name: String
        let target: String
        let replacement: String
        let keyPath: String
        /// Text whose first occurrence in the broken file is where the issue must point.
        let marker: String
        let message: String
        /// Hides other problems (an unknown auth type stops the checks of auth's keys).
        var standalone = false
    }

    static let cases: [Case] = [
        Case(name: "typo'd key", target: "pagination:\n  type: cursor", replacement: "pagniation:\n  type: cursor",
             keyPath: "pagniation", marker: "pagniation:",
             message: "unknown key 'pagniation' (did you mean 'pagination'?)"),
        Case(name: "bad type", target: "type: date\n", replacement: "type: datee\n",
             keyPath: "fields.birth_date.type", marker: "datee",
             message: "'datee' is not a type (did you mean 'date'?)"),
        Case(name: "unknown semantic", target: "semantic: vn_phone", replacement: "semantic: vn_fone",
             keyPath: "fields.phone.semantic", marker: "vn_fone",
             message: "'vn_fone' is not a known semantic (did you mean 'vn_phone'?)"),
        Case(name: "primary key on a missing field", target: "primary_key: [citizen_id]",
             replacement: "primary_key: [citizen_id, household_id]",
             keyPath: "primary_key[1]", marker: "household_id",
             message: "primary key field 'household_id' is not declared in 'fields'"),
        Case(name: "literal secret", target: "client_secret: ${CITYPIPE_POPULATION_CLIENT_SECRET}",
             replacement: "client_secret: hunter2-literal",
             keyPath: "auth.client_secret", marker: "hunter2-literal",
             message: "'client_secret' holds a literal secret: write a placeholder such as ${CITYPIPE_POPULATION_CLIENT_SECRET}"),
        Case(name: "ratio out of range", target: "max_reject_ratio: 0.02", replacement: "max_reject_ratio: 1.5",
             keyPath: "max_reject_ratio", marker: "1.5", message: "1.5 is out of range: must be from 0 to 1"),
        Case(name: "malformed placeholder", target: "client_id: ${CITYPIPE_POPULATION_CLIENT_ID}",
             replacement: "client_id: ${CITYPIPE-POPULATION-CLIENT-ID}",
             keyPath: "auth.client_id", marker: "${CITYPIPE-",
             message: "malformed placeholder: '${CITYPIPE-POPULATION-CLIENT-ID}' is not a variable name"),
        Case(name: "unclosed placeholder", target: "url: ${CITYPIPE_POPULATION_URL}/oauth/token",
             replacement: "url: ${CITYPIPE_POPULATION_URL/oauth/token",
             keyPath: "auth.token_url", marker: "${CITYPIPE_POPULATION_URL/",
             message: "malformed placeholder: '${' is never closed by '}'"),
        Case(name: "wrong scalar type", target: "refresh_on_401: true", replacement: "refresh_on_401: sometimes",
             keyPath: "auth.refresh_on_401", marker: "sometimes", message: "expected true or false, found 'sometimes'"),
        Case(name: "missing required key", target: "  url: ${CITYPIPE_POPULATION_URL}/v1/citizens\n", replacement: "",
             keyPath: "request.url", marker: "method: GET", message: "required key 'url' is missing"),
        Case(name: "cursor field undeclared", target: "cursor_field: updated_at", replacement: "cursor_field: updated_on",
             keyPath: "incremental.cursor_field", marker: "updated_on",
             message: "cursor field 'updated_on' is not declared in 'fields' (did you mean 'updated_at'?)"),
        Case(name: "bad kind", target: "kind: rest-json", replacement: "kind: rest_json",
             keyPath: "kind", marker: "rest_json", message: "'rest_json' is not a connector kind (did you mean 'rest-json'?)"),
        Case(name: "unknown key in a field", target: "    path: hoVaTen", replacement: "    pth: hoVaTen",
             keyPath: "fields.full_name.pth", marker: "pth:", message: "unknown key 'pth' in 'fields.full_name' (did you mean 'path'?)"),
        Case(name: "bad duration", target: "lookback_window: PT1H", replacement: "lookback_window: 1 hour",
             keyPath: "incremental.lookback_window", marker: "1 hour", message: "'1 hour' is not a duration"),
        Case(name: "duplicate key", target: "  timeout: 60s", replacement: "  timeout: 30s\n  timeout: 60s",
             keyPath: "request.timeout", marker: "timeout: 30s", message: "duplicate key 'timeout'",
             standalone: true),
        Case(name: "placeholder outside request and auth", target: "description: Citizens",
             replacement: "description: ${CITYPIPE_X} Citizens", keyPath: "description", marker: "${CITYPIPE_X}",
             message: "placeholders are resolved only under 'request' and 'auth'"),
        Case(name: "whole number expected", target: "concurrency: 2", replacement: "concurrency: 2.5",
             keyPath: "concurrency", marker: "2.5", message: "expected a whole number, found '2.5'"),
        Case(name: "unknown auth type", target: "type: oauth2", replacement: "type: oauth",
             keyPath: "auth.type", marker: "oauth", message: "'oauth' is not an auth type (did you mean 'oauth2'?)",
             standalone: true),
        Case(name: "unknown pagination type", target: "type: cursor", replacement: "type: cursors",
             keyPath: "pagination.type", marker: "cursors", message: "'cursors' is not a pagination type (did you mean 'cursor'?)",
             standalone: true),
    ]

    static let file = "Connectors/population.yaml"

    func testEachProblemAloneIsReportedOnceWithKeyPathLineAndColumn() throws {
        let original = try Fixture.text(of: "population")
        for testCase in Self.cases {
            let broken = original.replacingOnce(testCase.target, with: testCase.replacement)
            let result = Fixture.loader.load(yaml: broken, file: Self.file)
            XCTAssertNil(result.manifest, testCase.name)
            XCTAssertEqual(result.errors.count, 1,
                           "\(testCase.name):\n\(result.issues.map(\.description).joined(separator: "\n"))")
            assertReported(testCase, in: result.issues, text: broken)
        }
    }

    func testEveryProblemIsReportedAtOnce() throws {
        var broken = try Fixture.text(of: "population")
        let combined = Self.cases.filter { !$0.standalone }
        for testCase in combined {
            broken = broken.replacingOnce(testCase.target, with: testCase.replacement)
        }
        let result = Fixture.loader.load(yaml: broken, file: Self.file)
        XCTAssertEqual(result.errors.count, combined.count, result.issues.map(\.description).joined(separator: "\n"))
        for testCase in combined {
            assertReported(testCase, in: result.issues, text: broken)
        }
        let lines = result.issues.map(\.line)
        XCTAssertEqual(lines, lines.sorted(), "issues in source order")
        for issue in result.issues {
            XCTAssertFalse(issue.description.contains("hunter2"), "a secret leaked: \(issue)")
        }
    }

    func testFormatIsFileLineColumnKeyPathMessage() throws {
        let broken = try Fixture.text(of: "population").replacingOnce("type: date\n", with: "type: datee\n")
        let issue = try XCTUnwrap(Fixture.loader.load(yaml: broken, file: Self.file).errors.first)
        let position = try XCTUnwrap(Fixture.position(of: "datee", in: broken))
        XCTAssertEqual(issue.description,
                       "Connectors/population.yaml:\(position.line):\(position.column): fields.birth_date.type: 'datee' is not a type (did you mean 'date'?)")
    }

    func testWrongValueOfSecretKeyIsNotEchoed() {
        let yaml = """
            name: demo
            kind: rest-json
            request: {url: "https://example.org"}
            auth: {type: bearer, api_token: [hunter2]}
            primary_key: [id]
            fields: {id: {type: text}}
            """
        let result = Fixture.loader.load(yaml: yaml, file: "Connectors/demo.yaml")
        XCTAssertEqual(result.errors.map(\.keyPath.description), ["auth.api_token"])
        XCTAssertFalse(result.issues.description.contains("hunter2"))
    }

    private func assertReported(_ testCase: Case, in issues: [ManifestIssue], text: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        guard let issue = issues.first(where: { $0.keyPath.description == testCase.keyPath }) else {
            XCTFail("\(testCase.name): nothing reported at \(testCase.keyPath); got:\n\(issues.map(\.description).joined(separator: "\n"))",
                    file: file, line: line)
            return
        }
        XCTAssertEqual(issue.severity, .error, testCase.name, file: file, line: line)
        XCTAssertEqual(issue.file, Self.file, file: file, line: line)
        XCTAssertTrue(issue.message.contains(testCase.message),
                      "\(testCase.name): '\(issue.message)' lacks '\(testCase.message)'", file: file, line: line)
        guard let position = Fixture.position(of: testCase.marker, in: text) else {
            XCTFail("\(testCase.name): marker not found", file: file, line: line)
            return
        }
        XCTAssertEqual(issue.line, position.line, "\(testCase.name): line", file: file, line: line)
        XCTAssertEqual(issue.column, position.column, "\(testCase.name): column", file: file, line: line)
    }
}
