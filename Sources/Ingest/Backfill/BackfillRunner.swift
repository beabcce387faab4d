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
    private let connect: @Sendable () throws -> PostgresConnection

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
        let opened = connections
        return try await withThrowingTaskGroup(of: [WindowOutcome].self) { group in
            for connection in opened {
                group.addTask {
                    var outcomes: [WindowOutcome] = []
                    while let window = await queue.next() {
                        let outcome = await self.load(window, backfillID: backfillID, runID: runID, connection: connection)
                        onWindow(outcome)
                        outcomes.append(outcome)
                    }
                    return outcomes
                }
            }
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
