import Dispatch
import Foundation
import Postgres

/// Runs SQL models in dependency order, independent ones at the same time (each on its own connection, on a
/// Dispatch worker), each in the transaction that swaps its new table in. A model that fails keeps its previous
/// table, and the models that read it are skipped; every build is a row of `citypipe.model_runs`.
public final class ModelRunner: Sendable {
    /// How one model ended.
    public struct Outcome: Sendable, Equatable {
        public enum Status: String, Sendable { case succeeded, failed, skipped }
        public let model: String
        public let status: Status
        public let rows: Int?
        public let seconds: Double
        /// Why it failed or was skipped (names the statement; PostgreSQL's message, values of class 22/23 hidden).
        public let error: String?
    }

    public let catalog: ModelCatalog
    public let concurrency: Int
    private let connect: @Sendable () throws -> PostgresConnection

    /// - Parameters:
    ///   - concurrency: models built at once.
    ///   - connect: opens a connection for each worker.
    public init(catalog: ModelCatalog, concurrency: Int = 2, connect: @escaping @Sendable () throws -> PostgresConnection) {
        self.catalog = catalog
        self.concurrency = max(1, concurrency)
        self.connect = connect
    }

    /// Builds `models` (a selection of the catalog's, closed under dependencies) as part of run `runID`;
    /// `onOutcome` is called as each ends. Blocks until all are done.
    public func run(_ models: [SQLModel], runID: Int64, onOutcome: @escaping @Sendable (Outcome) -> Void = { _ in }) throws -> [Outcome] {
        let state = Schedule(models)
        let workers = min(concurrency, max(1, models.count))
        var connections: [PostgresConnection] = []
        defer { connections.forEach { $0.close() } }
        for _ in 0..<workers { connections.append(try connect()) }
        let opened = connections
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let connection = opened[worker]
            while let model = state.next() {
                let outcome = self.build(model, runID: runID, connection: connection)
                onOutcome(outcome)
                for skipped in state.finish(model.name, succeeded: outcome.status == .succeeded) {
                    let outcome = Outcome(
                        model: skipped, status: .skipped, rows: nil, seconds: 0,
                        error: "skipped: it reads \(model.name), which failed")
                    try? self.record(outcome, runID: runID, connection: connection)
                    onOutcome(outcome)
                    state.record(outcome)
                }
                state.record(outcome)
            }
        }
        return state.outcomes.sorted { $0.model < $1.model }
    }

    private func build(_ model: SQLModel, runID: Int64, connection: PostgresConnection) -> Outcome {
        let started = Date()
        var modelRunID: Int64?
        do {
            modelRunID = try connection.query(
                "INSERT INTO citypipe.model_runs (run_id, model, sql_hash) VALUES ($1, $2, md5($3)) RETURNING model_run_id",
                [runID, model.name, model.sql], name: "start model run").first?.decode(Int64.self, "model_run_id")
            let rows = try ModelBuilder(model: model).build(connection)
            try connection.query(
                "UPDATE citypipe.model_runs SET status = 'succeeded', finished_at = clock_timestamp(), rows_built = $2 WHERE model_run_id = $1",
                [modelRunID, rows], name: "finish model run")
            return Outcome(model: model.name, status: .succeeded, rows: rows, seconds: Date().timeIntervalSince(started), error: nil)
        } catch {
            var reason = "\(model.file): \(error)"
            if (error as? PostgresError)?.sqlState == "57014" {
                reason += " (the build ran past its timeout of \(model.timeoutSeconds) s: make the query cheaper, or raise `-- timeout:` in the model's header)"
            }
            if let modelRunID {
                _ = try? connection.query(
                    "UPDATE citypipe.model_runs SET status = 'failed', finished_at = clock_timestamp(), error = $2 WHERE model_run_id = $1",
                    [modelRunID, reason], name: "fail model run")
            }
            return Outcome(model: model.name, status: .failed, rows: nil, seconds: Date().timeIntervalSince(started), error: reason)
        }
    }

    private func record(_ outcome: Outcome, runID: Int64, connection: PostgresConnection) throws {
        try connection.query(
            """
            INSERT INTO citypipe.model_runs (run_id, model, status, finished_at, error)
            VALUES ($1, $2, 'skipped', clock_timestamp(), $3)
            """, [runID, outcome.model, outcome.error], name: "skip model")
    }
}

/// Which models are ready (everything they read is built), shared by the workers.
final class Schedule: @unchecked Sendable {
    private let lock = NSCondition()
    private var waiting: [String: Set<String>]
    private var models: [String: SQLModel]
    private var ready: [String]
    private var running = 0
    private var dependents: [String: [String]] = [:]
    private(set) var outcomes: [ModelRunner.Outcome] = []

    init(_ list: [SQLModel]) {
        let names = Set(list.map(\.name))
        models = Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
        waiting = Dictionary(uniqueKeysWithValues: list.map { ($0.name, Set($0.dependencies).intersection(names)) })
        for model in list {
            for dependency in model.dependencies where names.contains(dependency) { dependents[dependency, default: []].append(model.name) }
        }
        ready = waiting.filter { $0.value.isEmpty }.keys.sorted()
        for name in ready { waiting[name] = nil }
    }

    /// The next model to build, waiting while others run; nil when nothing is left.
    func next() -> SQLModel? {
        lock.lock()
        defer { lock.unlock() }
        while ready.isEmpty {
            if running == 0 { return nil }
            lock.wait()
        }
        running += 1
        return models[ready.removeFirst()]
    }

    /// Marks `name` done; returns the models skipped because it failed (transitively).
    func finish(_ name: String, succeeded: Bool) -> [String] {
        lock.lock()
        defer {
            lock.broadcast()
            lock.unlock()
        }
        running -= 1
        var skipped: [String] = []
        if succeeded {
            for dependent in dependents[name] ?? [] {
                waiting[dependent]?.remove(name)
                if waiting[dependent]?.isEmpty == true {
                    waiting[dependent] = nil
                    ready.append(dependent)
                }
            }
            ready.sort()
        } else {
            var stack = dependents[name] ?? []
            while let dependent = stack.popLast() {
                guard waiting.removeValue(forKey: dependent) != nil else { continue }
                skipped.append(dependent)
                stack += dependents[dependent] ?? []
            }
        }
        return skipped.sorted()
    }

    func record(_ outcome: ModelRunner.Outcome) {
        lock.lock()
        outcomes.append(outcome)
        lock.unlock()
    }
}
