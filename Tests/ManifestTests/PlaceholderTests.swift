import Foundation
import Manifest
import XCTest

/// `${VAR}` syntax, substitution, secret-looking keys and resolution of a whole manifest.
final class PlaceholderTests: XCTestCase {
    func testScan() {
        let table: [(text: String, names: [String], errors: [String])] = [
            ("plain text", [], []),
            ("${A}", ["A"], []),
            ("${CITYPIPE_POPULATION_URL}/v1/citizens", ["CITYPIPE_POPULATION_URL"], []),
            ("Bearer ${TOKEN} and ${_X1}", ["TOKEN", "_X1"], []),
            ("price $5 and $$ literal", [], []),
            ("$${NOT_A_VAR}", [], []),
            ("${}", [], ["'${}' names no variable (at character 1)"]),
            ("x${A-B}", [], ["'${A-B}' is not a variable name (letters, digits and '_', not starting with a digit) (at character 2)"]),
            ("${1ABC}", [], ["'${1ABC}' is not a variable name (letters, digits and '_', not starting with a digit) (at character 1)"]),
            ("${ A }", [], ["'${ A }' is not a variable name (letters, digits and '_', not starting with a digit) (at character 1)"]),
            ("${OPEN/v1", [], ["'${' is never closed by '}' (at character 1)"]),
            ("${A}${B", ["A"], ["'${' is never closed by '}' (at character 5)"]),
        ]
        for row in table {
            let result = Placeholders.scan(row.text)
            XCTAssertEqual(result.names, row.names, row.text)
            XCTAssertEqual(result.errors.map(\.description), row.errors, row.text)
        }
    }

    func testSubstitute() {
        let environment = ["BASE": "http://127.0.0.1:8085", "KEY": "k$y", "EMPTY": ""]
        let table: [(text: String, expected: Result<String, Placeholders.MissingNames>)] = [
            ("${BASE}/v1", .success("http://127.0.0.1:8085/v1")),
            ("${KEY}", .success("k$y")),
            ("a$$b", .success("a$b")),
            ("[${EMPTY}]", .success("[]")),
            ("${BASE}/${NOPE}/${ALSO_NOPE}", .failure(.init(names: ["NOPE", "ALSO_NOPE"]))),
        ]
        for row in table {
            XCTAssertEqual(Placeholders.substitute(row.text, from: environment), row.expected, row.text)
        }
    }

    func testLooksSecret() {
        for key in ["api_key", "apiKey", "X-API-Key", "client_secret", "password", "token", "access_token", "Authorization", "api_token"] {
            XCTAssertTrue(Placeholders.looksSecret(key: key), key)
        }
        for key in ["client_id", "username", "url", "page_size", "Accept", "province"] {
            XCTAssertFalse(Placeholders.looksSecret(key: key), key)
        }
    }

    func testResolveManifest() throws {
        let manifest = try Fixture.load("population")
        let environment = [
            "CITYPIPE_POPULATION_URL": "http://127.0.0.1:8085",
            "CITYPIPE_POPULATION_CLIENT_ID": "citypipe",
            "CITYPIPE_POPULATION_CLIENT_SECRET": "s3cret",
        ]
        let resolved = try Placeholders.resolve(manifest, file: "Connectors/population.yaml", environment: environment)
        XCTAssertEqual(resolved.request.url, "http://127.0.0.1:8085/v1/citizens")
        guard case .oauth2(let oauth) = resolved.auth else { return XCTFail("auth") }
        XCTAssertEqual(oauth.tokenURL, "http://127.0.0.1:8085/oauth/token")
        XCTAssertEqual(oauth.clientSecret, "s3cret")
        XCTAssertEqual(resolved.fields, manifest.fields)
    }

    func testMissingVariablesAreNamedWithKeyPathsAndNoValues() throws {
        let manifest = try Fixture.load("population")
        let environment = ["CITYPIPE_POPULATION_URL": "http://127.0.0.1:8085", "CITYPIPE_POPULATION_CLIENT_ID": "very-private-id"]
        XCTAssertThrowsError(try Placeholders.resolve(manifest, file: "Connectors/population.yaml", environment: environment)) { error in
            guard let error = error as? UnresolvedPlaceholders else { return XCTFail("\(error)") }
            XCTAssertEqual(error.manifest, "population")
            XCTAssertEqual(error.missing, [.init(keyPath: "auth.client_secret", variable: "CITYPIPE_POPULATION_CLIENT_SECRET")])
            XCTAssertEqual(error.description,
                           "Connectors/population.yaml: manifest 'population': auth.client_secret: environment variable CITYPIPE_POPULATION_CLIENT_SECRET is not set")
            XCTAssertFalse(error.description.contains("very-private-id"))
            XCTAssertFalse(error.description.contains("127.0.0.1"))
        }
    }

    func testEveryMissingVariableIsListed() throws {
        let manifest = try Fixture.load("business")
        XCTAssertThrowsError(try Placeholders.resolve(manifest, file: "Connectors/business.yaml", environment: [:])) { error in
            let missing = (error as? UnresolvedPlaceholders)?.missing.map { "\($0.keyPath)=\($0.variable)" }
            XCTAssertEqual(missing, ["request.url=CITYPIPE_BUSINESS_URL", "auth.api_token=CITYPIPE_BUSINESS_API_KEY"])
        }
    }
}
