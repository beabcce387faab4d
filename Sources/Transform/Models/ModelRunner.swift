import Dispatch
import Foundation
import Postgres

/// Runs SQL models in dependency order, independent ones at the same time (each on its own connection, on a
/// Dispatch worker), each in the transaction that swaps its new table in (or, for an incremental model, merges
/// its changed rows in); a table model none of whose inputs changed since its last build is left as it is. A model
/// that fails keeps its previous table, and the models that read it are skipped; every build is a row of
/// `citypipe.model_runs`, with its mode (full, incremental or unchanged).
public final class ModelRunner: Sendable {
    /// How one model ended.
    public struct Outcome: Sendable, Equatable {
        public enum Status: String, Sendable { case succeeded, failed, skipped }
        public let model: String
        public let status: Status
        /// Rows built (a full build) or changed (an incremental one).
        public let rows: Int?
        public let seconds: Double
        /// Why it failed or was skipped (names the statement; PostgreSQL's message, values of class 22/23 hidden).
        public let error: String?
        /// How it was built: full, incremental or unchanged (nil when it failed or was skipped).
        public var mode: String? = nil
        /// An incremental build: the unique keys its inputs' changes touched, recomputed.
        public var keys: Int? = nil
        /// A model built in full: why (first build, `--full`, an input that changed…).
        public var fullReason: String? = nil
    }

    public let catalog: ModelCatalog
    public let concurrency: Int
    /// Build every model whole (`--full`): incremental models from their whole query, table models even when
    /// nothing they read changed.
    public let full: Bool
    private let connect: @Sendable () throws -> PostgresConnection

    /// - Parameters:
    ///   - concurrency: models built at once.
    ///   - full: build every model whole.
    ///   - connect: opens a connection for each worker.
    public init(
        catalog: ModelCatalog, concurrency: Int = 2, full: Bool = false, connect: @escaping @Sendable () throws -> PostgresConnection
    ) {
        self.catalog = catalog
        self.full = full
        self.concurrency = max(1, concurrency)
        self.connect = connect
    }

    /// Builds `models` (a selection of the catalog's, closed under dependencies) as part of run `runID`;
    /// `onOutcome` is called as each ends. Blocks until all are done.
    ///
    /// Every model ends with a row of `citypipe.model_runs` that is not 'running': a worker whose connection
    /// died opens another, a run-log write that fails is tried again on a fresh connection, and one that still
    /// fails is said in the model's outcome. Rows a dead process left at 'running' are marked abandoned first.
    public func run(_ models: [SQLModel], runID: Int64, onOutcome: @escaping @Sendable (Outcome) -> Void = { _ in }) throws -> [Outcome] {
        let state = Schedule(models)
        let workers = min(concurrency, max(1, models.count))
        var connections: [PostgresConnection] = []
        defer { connections.forEach { $0.close() } }
        for _ in 0..<workers { connections.append(try open()) }
        try Self.markAbandoned(connections[0])
        let opened = connections
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var connection = opened[worker]
            defer { if connection !== opened[worker] { connection.close() } }
            while let model = state.next() {
                connection = self.usable(connection, owned: connection !== opened[worker])
                let outcome = self.build(model, runID: runID, connection: connection)
                onOutcome(outcome)
                for skipped in state.finish(model.name, succeeded: outcome.status == .succeeded) {
                    var outcome = Outcome(
                        model: skipped, status: .skipped, rows: nil, seconds: 0,
                        error: "skipped: it reads \(model.name), which failed")
                    if let failure = self.log(outcome.error, on: connection, name: "skip model", sql: Self.skipSQL, [runID, skipped, outcome.error]) {
                        outcome = Outcome(model: skipped, status: .skipped, rows: nil, seconds: 0, error: (outcome.error ?? "") + "; " + failure)
                    }
                    onOutcome(outcome)
                    state.record(outcome)
                }
                state.record(outcome)
            }
        }
        return state.outcomes.sorted { $0.model < $1.model }
    }

    /// `connection` when it still works, else a new one (the old closed when the worker opened it); a
    /// connection that cannot be opened is left for the build to fail on, with its error logged.
    private func usable(_ connection: PostgresConnection, owned: Bool) -> PostgresConnection {
        guard !connection.isHealthy else { return connection }
        guard let fresh = try? open() else { return connection }
        if owned { connection.close() }
        return fresh
    }

    /// A connection for building models:
    /// - without JIT compilation: over tables partitioned by month a model's plan has a scan per partition, and
    ///   PostgreSQL's JIT compiled each of them (integrated.data_quality: 30 s of JIT for a query that runs in 3.2 s
    ///   without it, at scale 1);
    /// - with 64 MB for each sort and hash (PostgreSQL's default is 4 MB): an incremental build's key lists and
    ///   joins over a new month's 330,000 keys at scale 1 spilled to disk in batches (insurance_coverage's
    ///   recompute 3.7 → 2.4 s, its read of the old rows 2.7 → 1.7 s), and 256 MB for the index builds after a
    ///   full build. At most `concurrency` builds run at once, each with a few such nodes.
    /// A parameter the connection string already sets (a pipeline's `settings:`) is left as it is given.
    private func open() throws -> PostgresConnection {
        let connection = try connect()
        try connection.query(
            """
            SELECT set_config(s.name, d.value, false)
            FROM (VALUES ('jit', 'off'), ('work_mem', '64MB'), ('maintenance_work_mem', '256MB')) AS d (name, value)
            JOIN pg_settings AS s ON s.name = d.name WHERE s.source <> 'client'
            """, name: "settings of model builds")
        return connection
    }

    private func build(_ model: SQLModel, runID: Int64, connection: PostgresConnection) -> Outcome {
        let started = Date()
        var modelRunID: Int64?
        do {
            modelRunID = try connection.query(
                "INSERT INTO citypipe.model_runs (run_id, model, sql_hash) VALUES ($1, $2, md5($3)) RETURNING model_run_id",
                [runID, model.name, model.sql], name: "start model run").first?.decode(Int64.self, "model_run_id")
            let built = try materialize(model, connection)
            try connection.query(
                """
                UPDATE citypipe.model_runs SET status = 'succeeded', finished_at = clock_timestamp(), rows_built = $2, mode = $3, keys_read = $4
                WHERE model_run_id = $1
                """, [modelRunID, built.rows, built.mode, built.keys], name: "finish model run")
            return Outcome(
                model: model.name, status: .succeeded, rows: built.rows, seconds: Date().timeIntervalSince(started), error: nil,
                mode: built.mode, keys: built.keys, fullReason: built.reason)
        } catch {
            var reason = "\(model.file): \(error)"
            if (error as? PostgresError)?.sqlState == "57014" {
                reason += " (the build ran past its timeout of \(model.timeoutSeconds) s: make the query cheaper, or raise `-- timeout:` in the model's header)"
            }
            let failure =
                if let modelRunID {
                    log(reason, on: connection, name: "fail model run", sql: Self.failSQL, [modelRunID, reason])
                } else {
                    log(reason, on: connection, name: "log failed model", sql: Self.failedRowSQL, [runID, model.name, model.sql, reason])
                }
            if let failure { reason += "; " + failure }
            return Outcome(model: model.name, status: .failed, rows: nil, seconds: Date().timeIntervalSince(started), error: reason)
        }
    }

    /// Builds `model` as its materialisation says: an incremental model merged or built whole, a table model built
    /// whole or left unchanged. Returns the rows built (or changed), the mode, the keys recomputed and why it was
    /// built whole.
    private func materialize(_ model: SQLModel, _ connection: PostgresConnection) throws -> (rows: Int?, mode: String, keys: Int?, reason: String?) {
        switch model.materialized {
        case .incremental:
            let result = try IncrementalBuilder(model: model, readers: catalog.changeReaders(of: model.name), models: catalog.models).build(connection, full: full)
            return (result.rows, result.mode.rawValue, result.keys, result.reason)
        case .table:
            let reason = full ? "--full" : try ModelState.tableRebuildReason(model, catalog: catalog, connection)
            guard let reason else { return (nil, "unchanged", nil, nil) }
            let hashContent = catalog.hasIncrementalReader(model.name)
            let rows = try ModelChanges.readerTransaction(connection, reading: model.relationsRead) { c, time in
                let rows = try ModelBuilder(model: model, models: catalog.models).build(c)
                try ModelState.recordTable(model, time: time, mark: try ModelChanges.writerMark(c, writing: model.name), hashContent: hashContent, c)
                return rows
            }
            return (rows, "full", nil, reason)
        case .view:
            let reason = full ? "--full" : try ModelState.viewRebuildReason(model, connection)
            guard let reason else { return (nil, "unchanged", nil, nil) }
            try connection.transaction { c in
                try ModelBuilder(model: model).buildView(c)
                try ModelState.recordView(model, c)
            }
            return (nil, "full", nil, reason)
        }
    }

    /// Writes a run-log row: on `connection`, then, if that fails (a build that failed often took its connection
    /// with it), on a fresh one. Returns what to add to the outcome when both failed.
    private func log(_ reason: String?, on connection: PostgresConnection, name: String, sql: String, _ parameters: [any PostgresBindable]) -> String? {
        do {
            try connection.query(sql, parameters, name: name)
            return nil
        } catch {
            do {
                let fresh = try connect()
                defer { fresh.close() }
                try fresh.query(sql, parameters, name: name)
                return nil
            } catch {
                return "the run log (citypipe.model_runs) could not be written: \(error); the next build marks the row abandoned"
            }
        }
    }

    private static let failSQL =
        "UPDATE citypipe.model_runs SET status = 'failed', finished_at = clock_timestamp(), error = $2 WHERE model_run_id = $1"
    private static let failedRowSQL = """
        INSERT INTO citypipe.model_runs (run_id, model, sql_hash, status, finished_at, error)
        VALUES ($1, $2, md5($3), 'failed', clock_timestamp(), $4)
        """
    private static let skipSQL = """
        INSERT INTO citypipe.model_runs (run_id, model, status, finished_at, error)
        VALUES ($1, $2, 'skipped', clock_timestamp(), $3)
        """

    /// Rows left at 'running' by a run that is no longer running (its process died mid-build) become failed.
    static func markAbandoned(_ connection: PostgresConnection) throws {
        try connection.query(
            """
            UPDATE citypipe.model_runs m SET status = 'failed', finished_at = coalesce(r.finished_at, clock_timestamp()),
                error = 'abandoned: the run ended while this model was building (process killed or connection lost)'
            FROM citypipe.runs r
            WHERE m.run_id = r.run_id AND m.status = 'running' AND r.status <> 'running'
            """, name: "mark abandoned model runs")
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
