import Hummingbird
import Logging
import NIOCore
import XCTest

/// A Hummingbird server on 127.0.0.1 and a free port, for the duration of a test.
final class LoopbackServer: Sendable {
    let port: Int
    private let task: Task<Void, any Error>

    var base: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    static func start(_ router: Router<BasicRequestContext>) async throws -> LoopbackServer {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "citypipe.test-server")
        logger.logLevel = .critical  // stopping the server cancels its child channels: not worth a log line
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw CancellationError()
        }
        return LoopbackServer(port: port, task: task)
    }

    func stop() {
        task.cancel()
    }
}

/// A counter the route handlers share with the test.
actor HitCounter {
    private(set) var hits = 0
    private(set) var inFlight = 0
    private(set) var peak = 0
    func hit() -> Int {
        hits += 1
        return hits
    }
    func enter() {
        inFlight += 1
        peak = max(peak, inFlight)
    }
    func leave() { inFlight -= 1 }
}
