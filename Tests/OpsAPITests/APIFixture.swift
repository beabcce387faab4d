import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import OpsAPI
import Postgres
import TestSupport
import XCTest

/// One database loaded by the nightly pipeline from the simulator at scale 0.01 (about 14,000 people), shared
/// by every test of the API in this process, with a token per role and the simulator's truth: the citizen IDs,
/// names and phones that must never reach a viewer or an analyst.
final class APIFixture: @unchecked Sendable {
    let database: TestDatabase
    let tokens: [Role: String]
    let truthIDs: Set<String>
    let truthNames: Set<String>
    let truthPhones: Set<String>
    let pipelines: URL
    /// A fixed secret, so that pseudonyms are known to the tests.
    static let secret = String(repeating: "5a17", count: 16)

    static let shared: Result<APIFixture, any Error> = Result { try APIFixture() }

    static func get() throws -> APIFixture {
        try XCTSkipUnless(SimulatorProcess.isAvailable, "this build has no citypipe simulate")
        return try shared.get()
    }

    static var root: URL { BuiltBinary.connectors.deletingLastPathComponent() }

    private init() throws {
        database = try TestCluster.makeDatabase("api")
        let simulator = try SimulatorProcess(seed: 7, scale: 0.01)
        defer { simulator.stop() }
        let run = try simulator.citypipe(["run", "nightly"], databaseURL: database.url, directory: APIFixture.root)
        guard run.status == 0 else {
            throw PostgresError(.server, message: "the nightly run for the API tests failed: \(run.output.suffix(2_000))")
        }
        let csv = try String(contentsOf: simulator.truth.appendingPathComponent("population_clean.csv"), encoding: .utf8)
        var ids: Set<String> = []
        var names: Set<String> = []
        var phones: Set<String> = []
        for line in csv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 5 else { continue }
            ids.insert(fields[0])
            names.insert(fields[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
            if !fields[4].isEmpty { phones.insert(fields[4]) }
        }
        truthIDs = ids
        truthNames = names
        truthPhones = phones
        let connection = try database.connect()
        defer { connection.close() }
        var tokens: [Role: String] = [:]
        for role in Role.allCases {
            tokens[role] = try TokenStore.create(connection, name: "test-\(role.rawValue)", role: role, expiresIn: nil)
        }
        self.tokens = tokens
        pipelines = FileManager.default.temporaryDirectory.appendingPathComponent("api-pipelines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: pipelines, withIntermediateDirectories: true)
        try """
            name: api_test
            description: A pipeline the API tests start over POST /v1/runs.
            concurrency: 1
            steps:
              - name: transform
                transform: {models: [core.admin_crosswalk]}
            """.write(to: pipelines.appendingPathComponent("api_test.yaml"), atomically: true, encoding: .utf8)
    }

    /// A service over the fixture's database.
    func service(tokenCacheSeconds: TimeInterval = 10) throws -> OpsService {
        var logger = Logger(label: "citypipe.api.test")
        logger.logLevel = .warning
        return try OpsService(
            configuration: OpsAPIConfiguration(
                conninfo: database.url, models: APIFixture.root.appendingPathComponent("Pipelines/models"),
                connectors: APIFixture.root.appendingPathComponent("Connectors").path, pipelines: pipelines.path,
                secret: APIFixture.secret, poolSize: 4),
            logger: logger, tokenCacheSeconds: tokenCacheSeconds)
    }

    func headers(_ role: Role?, purpose: String? = nil, accept: String? = nil) -> HTTPFields {
        var headers = HTTPFields()
        if let role, let token = tokens[role] { headers[.authorization] = "Bearer \(token)" }
        if let purpose { headers[HTTPField.Name("X-Purpose")!] = purpose }
        if let accept { headers[.accept] = accept }
        return headers
    }
}

/// Runs `body` with an in-process client of the API over the fixture.
func withAPI(
    _ fixture: APIFixture, tokenCacheSeconds: TimeInterval = 10,
    _ body: @escaping @Sendable (any TestClientProtocol, OpsService) async throws -> Void
) async throws {
    let service = try fixture.service(tokenCacheSeconds: tokenCacheSeconds)
    defer { service.shutdown() }
    let app = Application(router: OpsServer.router(service: service))
    try await app.test(.router) { client in try await body(client, service) }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw PostgresError(.decoding, message: "not a JSON object: \(text.prefix(200))")
        }
        return object
    }

    var errorCode: String? {
        ((try? json())?["error"] as? [String: Any])?["code"] as? String
    }
}
