import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `GET /_sim/state` of a running simulator, as the tests read it.
struct SimulatorState: Decodable {
    let generation: Int
    let people: Int
    let enterprises: Int
    let delayMs: Int
    let requests: [String: Int]
    let tokensIssued: Int
    let tokensRefused: Int
}

/// The admin endpoints of `citypipe simulate` (see `docs/feed-simulator.md`), and a `citypipe` child process
/// that a test can kill while it runs.
extension SimulatorProcess {
    private var base: String {
        get throws {
            guard let url = exports["CITYPIPE_POPULATION_URL"] else {
                throw SimulatorAdminError("the simulator printed no CITYPIPE_POPULATION_URL")
            }
            return url
        }
    }

    /// Calls an admin endpoint (`POST /_sim/…` or `GET /_sim/state`) and returns the state it answers with.
    @discardableResult
    func admin(_ method: HTTPMethod, _ path: String) async throws -> SimulatorState {
        // An advance rewrites the truth: what it replaces was served (and may be logged), so it is kept first.
        if path.hasPrefix("/_sim/advance") { keepTruth() }
        var request = HTTPClientRequest(url: try base + path)
        request.method = method
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else {
            throw SimulatorAdminError("\(method) \(path): \(response.status.code) \(String(buffer: body))")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(SimulatorState.self, from: Data(body.readableBytesView))
    }

    /// Polls the state until `condition` holds (every 50 ms, for at most `seconds`); returns the state that met it.
    func waitFor(seconds: Double = 60, _ condition: (SimulatorState) -> Bool) async throws -> SimulatorState {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let state = try await admin(.GET, "/_sim/state")
            if condition(state) { return state }
            guard Date() < deadline else { throw SimulatorAdminError("no state met the condition in \(seconds) s: \(state)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Starts `citypipe ARGUMENTS` pointed at this simulator and at `databaseURL`, without waiting for it; its
    /// standard output and error go to `log`.
    func start(_ arguments: [String], databaseURL: String, log: URL) throws -> Process {
        let process = command(arguments, databaseURL: databaseURL)
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw SimulatorAdminError("cannot create \(log.path)")
        }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }
}

struct SimulatorAdminError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
