import AsyncHTTPClient
import Foundation
import Manifest
import Postgres

/// Loads the windows of a backfill, up to `parallel` at once, each on its own connection and in its own
/// transaction that replaces that window's staged rows and marks the window succeeded. A window that fails is
/// marked failed with its reason and the others go on; the feed's nightly cursor is never moved.
public final class BackfillRunner: Sendable {
    /// What happened to one window.
    public struct WindowOutcome: Sendable {
        public let window: LoadWindow
        /// The load's report when it committed.
        public let report: StagingLoad.Report?
        /// Why it failed (names feed and window, never a record's values).
        public let error: String?
    }

    public let manifest: ConnectorManifest
    public let client: HTTPClient
    let connect: @Sendable () throws -> PostgresConnection

    /// - Parameters:
    ///   - manifest: with its placeholders resolved.
    ///   - connect: opens a new connection to the warehouse (one per parallel window).
    public init(manifest: ConnectorManifest, client: HTTPClient = .feeds, connect: @escaping @Sendable () throws -> PostgresConnection) {
        self.manifest = manifest
        self.client = client
        self.connect = connect
    }

    /// Loads `windows` of backfill `backfillID` as part of run `runID`; `onWindow` is called as each ends.
    public func run(
        backfillID: Int64, windows: [LoadWindow], runID: Int64, parallel: Int,
        onWindow: @escaping @Sendable (WindowOutcome) -> Void = { _ in }
    ) async throws -> [WindowOutcome] {
        let queue = WindowQueue(windows)
        let workers = max(1, min(parallel, windows.count))
        var connections: [PostgresConnection] = []
        defer { connections.forEach { $0.close() } }
        for _ in 0..<workers { connections.append(try connect()) }
        return try await Self.side(by: connections) { connection in
            var outcomes: [WindowOutcome] = []
            while let window = await queue.next() {
                let outcome = await self.load(window, backfillID: backfillID, runID: runID, connection: connection)
                onWindow(outcome)
                outcomes.append(outcome)
            }
            return outcomes
        }
    }

    /// Runs `loop` once per element of `workers` at the same time; their outcomes, in window order.
    static func side<Worker: Sendable>(
        by workers: [Worker], _ loop: @escaping @Sendable (Worker) async throws -> [WindowOutcome]
    ) async throws -> [WindowOutcome] {
        try await withThrowingTaskGroup(of: [WindowOutcome].self) { group in
            for worker in workers { group.addTask { try await loop(worker) } }
            var all: [WindowOutcome] = []
            for try await outcomes in group { all += outcomes }
            return all.sorted { $0.window.from < $1.window.from }
        }
    }

    private func load(_ window: LoadWindow, backfillID: Int64, runID: Int64, connection: PostgresConnection) async -> WindowOutcome {
        do {
            try BackfillLedger.claim(connection, backfillID: backfillID, window: window, runID: runID)
            let runner = ConnectorRunner(manifest: manifest, client: client)
            let report = try await runner.run(connection: connection, runID: runID, window: window) { c, report in
                try BackfillLedger.succeed(c, backfillID: backfillID, window: window, report: report)
            }
            return WindowOutcome(window: window, report: report, error: nil)
        } catch {
            let reason = String(describing: error)
            if connection.isInTransaction { try? connection.simpleExecute("ROLLBACK", name: "rollback window") }
            // If this fails too the window stays `running`, and the next backfill run marks it interrupted.
            try? BackfillLedger.fail(connection, backfillID: backfillID, window: window, error: reason)
            return WindowOutcome(window: window, report: nil, error: reason)
        }
    }
}

extension BackfillRunner {
    /// Loads windows of backfill `backfillID` as one of several workers, possibly on several hosts: each of the
    /// `parallel` loops claims the next window no one holds (`BackfillLedger.claimNext`), loads it in its own
    /// transaction on a second connection, and records the outcome, until no window is left. `windows` is the
    /// plan's (a claimed window is found by its start). A window failing `maxAttempts` times is left failed.
    public func runAsWorker(
        backfillID: Int64, windows: [LoadWindow], runID: Int64, parallel: Int, maxAttempts: Int = 3,
        onWindow: @escaping @Sendable (WindowOutcome) -> Void = { _ in }
    ) async throws -> [WindowOutcome] {
        let byStart = Dictionary(windows.map { ($0.from, $0) }, uniquingKeysWith: { first, _ in first })
        var connections: [(claim: PostgresConnection, load: PostgresConnection)] = []
        defer { connections.forEach { $0.claim.close(); $0.load.close() } }
        for _ in 0..<max(1, parallel) { connections.append((try connect(), try connect())) }
        return try await Self.side(by: connections.map { Pair(claim: $0.claim, load: $0.load) }) { pair in
            var outcomes: [WindowOutcome] = []
            while let from = try BackfillLedger.claimNext(pair.claim, backfillID: backfillID, maxAttempts: maxAttempts) {
                guard let window = byStart[from] else {
                    try? pair.claim.simpleExecute("ROLLBACK", name: "release claim")
                    throw PostgresError(
                        .server, message: "backfill \(backfillID) has a window starting \(from) that this plan does not",
                        hint: "run the workers with the same --from, --to and --step")
                }
                let outcome = await self.loadClaimed(window, backfillID: backfillID, runID: runID, load: pair.load)
                try BackfillLedger.finishClaimed(
                    pair.claim, backfillID: backfillID, from: from, runID: runID, report: outcome.report, error: outcome.error)
                onWindow(outcome)
                outcomes.append(outcome)
            }
            return outcomes
        }
    }

    /// A worker's two connections: the one holding its claim, the one loading the window.
    private struct Pair: Sendable {
        let claim: PostgresConnection
        let load: PostgresConnection
    }

    private func loadClaimed(_ window: LoadWindow, backfillID: Int64, runID: Int64, load: PostgresConnection) async -> WindowOutcome {
        do {
            let report = try await ConnectorRunner(manifest: manifest, client: client).run(connection: load, runID: runID, window: window)
            return WindowOutcome(window: window, report: report, error: nil)
        } catch {
            if load.isInTransaction { try? load.simpleExecute("ROLLBACK", name: "rollback window") }
            return WindowOutcome(window: window, report: nil, error: String(describing: error))
        }
    }
}

/// Hands out windows in order to the parallel workers.
actor WindowQueue {
    private var windows: [LoadWindow]
    private var index = 0

    init(_ windows: [LoadWindow]) {
        self.windows = windows
    }

    func next() -> LoadWindow? {
        guard index < windows.count else { return nil }
        defer { index += 1 }
        return windows[index]
    }
}
