import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OpsAPI
import Postgres
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs and backfills started over the API, and the built `citypipe serve` process.
final class JobAndServeTests: XCTestCase {
    func testAnOperatorStartsARunUnderTheSameLockAsTheCommandLine() async throws {
        let fixture = try APIFixture.get()
        let lockHolder = try fixture.database.connect()
        defer { lockHolder.close() }
        try await withAPI(fixture) { client, service in
            let body = ByteBuffer(string: #"{"pipeline": "api_test"}"#)
            var headers = fixture.headers(.viewer)
            headers[.contentType] = "application/json"
            let viewer = try await client.execute(uri: "/v1/runs", method: .post, headers: headers, body: body)
            XCTAssertEqual(viewer.status, .forbidden)
            headers = fixture.headers(.operator)
            headers[.contentType] = "application/json"
            // While another process holds the run lock: 409, nothing recorded.
            XCTAssertTrue(try lockHolder.tryAdvisoryLock(named: "citypipe:run:api_test"))
            let runsBefore = try lockHolder.query("SELECT count(*) AS n FROM citypipe.runs")[0].decode(Int.self, "n")
            let busy = try await client.execute(uri: "/v1/runs", method: .post, headers: headers, body: body)
            XCTAssertEqual(busy.status, .conflict, busy.text)
            XCTAssertEqual(try lockHolder.query("SELECT count(*) AS n FROM citypipe.runs")[0].decode(Int.self, "n"), runsBefore)
            XCTAssertTrue(try lockHolder.advisoryUnlock(named: "citypipe:run:api_test"))
            let started = try await client.execute(uri: "/v1/runs", method: .post, headers: headers, body: body)
            XCTAssertEqual(started.status, .accepted, started.text)
            let runID = try XCTUnwrap(try started.json()["run_id"] as? Int)
            XCTAssertEqual(started.headers[.location], "/v1/runs/\(runID)")
            await service.drainJobs()
            let run = try await client.execute(uri: "/v1/runs/\(runID)", method: .get, headers: fixture.headers(.operator)).json()
            XCTAssertEqual(run["status"] as? String, "succeeded", "\(run)")
            XCTAssertEqual(run["pipeline"] as? String, "api_test")
            // Bad bodies.
            let unknown = try await client.execute(uri: "/v1/runs", method: .post, headers: headers, body: ByteBuffer(string: #"{"pipeline": "no_such"}"#))
            XCTAssertEqual(unknown.status, .badRequest, unknown.text)
            let broken = try await client.execute(uri: "/v1/runs", method: .post, headers: headers, body: ByteBuffer(string: "{"))
            XCTAssertEqual(broken.status, .badRequest)
            let backfill = try await client.execute(
                uri: "/v1/backfills", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"feed": "population", "from": "2025-02-01", "to": "2025-01-01"}"#))
            XCTAssertEqual(backfill.status, .badRequest, backfill.text)
            let noFeed = try await client.execute(uri: "/v1/backfills", method: .post, headers: headers, body: ByteBuffer(string: #"{"from": "2025-01-01"}"#))
            XCTAssertEqual(noFeed.status, .badRequest)
            let missing = try await client.execute(uri: "/v1/backfills/424242", method: .get, headers: fixture.headers(.operator))
            XCTAssertEqual(missing.status, .notFound)
        }
    }

    func testTheServeCommandAnswersAndDrainsOnSIGTERM() throws {
        let fixture = try APIFixture.get()
        let process = Process()
        process.executableURL = BuiltBinary.citypipe
        process.arguments = ["serve", "--port", "0"]
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = fixture.database.url
        environment["CITYPIPE_API_SECRET"] = APIFixture.secret
        process.environment = environment
        process.currentDirectoryURL = APIFixture.root
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var text = ""
        while !text.contains("\n") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        let port = try XCTUnwrap(text.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }, text)
        let health = try String(contentsOf: URL(string: "http://127.0.0.1:\(port)/health")!, encoding: .utf8)
        XCTAssertEqual(health, #"{"status":"ok"}"#)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/views/integrated.commune_profile?limit=2&ward_code=eq.99999")!)
        request.setValue("Bearer \(fixture.tokens[.viewer] ?? "")", forHTTPHeaderField: "Authorization")
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var status = 0
        URLSession.shared.dataTask(with: request) { _, response, _ in
            status = (response as? HTTPURLResponse)?.statusCode ?? 0
            done.signal()
        }.resume()
        done.wait()
        XCTAssertEqual(status, 200)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "SIGTERM drains and exits 0")
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        TestLogs.record(process.arguments ?? [], status: process.terminationStatus, output: log)
        XCTAssertTrue(log.contains("route=/v1/views/{name}") || log.contains("/v1/views/{name}"), "the access log names the route template: \(log.prefix(500))")
        XCTAssertFalse(log.contains("99999"), "no query value in the access log")
        XCTAssertFalse(log.contains(fixture.tokens[.viewer] ?? "cp_"), "no token in the access log")
    }

    func testTokenCommands() throws {
        let fixture = try APIFixture.get()
        let name = "cli-\(UInt32.random(in: 0...UInt32.max))"
        let created = try runCitypipe(["token", "create", "--role", "analyst", "--name", name, "--expires", "90d"], databaseURL: fixture.database.url)
        XCTAssertEqual(created.status, 0, created.output)
        XCTAssertTrue(created.output.hasPrefix("cp_"))
        let listed = try runCitypipe(["token", "list"], databaseURL: fixture.database.url)
        XCTAssertTrue(listed.output.contains(name))
        XCTAssertFalse(listed.output.contains(created.output.trimmingCharacters(in: .whitespacesAndNewlines)), "a token is shown once")
        XCTAssertEqual(try runCitypipe(["token", "revoke", name], databaseURL: fixture.database.url).status, 0)
        XCTAssertEqual(try runCitypipe(["token", "revoke", name], databaseURL: fixture.database.url).status, 1)
        XCTAssertNotEqual(try runCitypipe(["token", "create", "--role", "king", "--name", "x"], databaseURL: fixture.database.url).status, 0)
    }
}
