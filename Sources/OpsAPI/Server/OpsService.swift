import Foundation
import Logging
import Postgres
import Transform

/// What the API's routes share: its configuration, its connection pools (the reader, and a small one for the
/// audit log so that an export never waits on itself), the catalogue of views, the token cache, the metrics and
/// the runs it started. Blocking database work runs through the pools on Dispatch threads, never on Swift's
/// cooperative pool.
public final class OpsService: @unchecked Sendable {
    public let configuration: OpsAPIConfiguration
    let reader: ConnectionPool
    let auditor: ConnectionPool
    let models: ModelCatalog
    let metrics = OpsMetrics()
    let logger: Logger
    let jobs = JobRegistry()
    let cache = ResponseCache()

    private let lock = NSLock()
    private var catalog: ViewCatalog?
    private var catalogCheckedAt = Date.distantPast
    private var tokens: [String: (caller: Caller?, until: Date)] = [:]

    /// How long a checked token is trusted before it is read again (a revoked token stops within this time).
    let tokenCacheSeconds: TimeInterval
    /// How often the catalogue asks whether a model was rebuilt.
    static let catalogCheckSeconds: TimeInterval = 2

    public init(configuration: OpsAPIConfiguration, logger: Logger, tokenCacheSeconds: TimeInterval = 10) throws {
        self.configuration = configuration
        self.tokenCacheSeconds = tokenCacheSeconds
        self.logger = logger
        models = try ModelCatalog(directory: configuration.models)
        reader = ConnectionPool(conninfo: configuration.readerConninfo, maxConnections: configuration.poolSize, acquireTimeout: 10)
        auditor = ConnectionPool(conninfo: configuration.auditConninfo, maxConnections: 2, acquireTimeout: 10)
    }

    deinit {
        reader.shutdown()
        auditor.shutdown()
    }

    public func shutdown() {
        reader.shutdown()
        auditor.shutdown()
    }

    // MARK: - Catalogue

    /// The catalogue, read again when a model build has finished since it was read.
    func viewCatalog() async throws -> ViewCatalog {
        let now = Date()
        let (cached, checkedAt) = lock.withLock { (catalog, catalogCheckedAt) }
        if let cached, now.timeIntervalSince(checkedAt) < OpsService.catalogCheckSeconds { return cached }
        let models = self.models
        let fresh: ViewCatalog = try await reader.withConnection { connection in
            if let cached, try ViewCatalog.currentVersion(connection) == cached.version { return cached }
            return try ViewCatalog.load(connection, models: models)
        }
        lock.withLock {
            catalog = fresh
            catalogCheckedAt = now
        }
        return fresh
    }

    /// Forget the catalogue (tests, after building models).
    public func invalidateCatalog() {
        lock.withLock { catalog = nil }
    }

    // MARK: - Tokens

    /// The caller a bearer token belongs to, or nil; answers from a short cache.
    func caller(token: String) async throws -> Caller? {
        let now = Date()
        if let cached = lock.withLock({ tokens[token] }), cached.until > now { return cached.caller }
        let found: Caller? = try await reader.withConnection { connection in
            try TokenStore.authenticate(connection, token: token)
        }
        lock.withLock {
            if tokens.count > 10_000 { tokens.removeAll() }
            tokens[token] = (found, now.addingTimeInterval(tokenCacheSeconds))
        }
        return found
    }
}

extension OpsService {
    /// Waits for the runs and backfills the API started (called after the server stopped taking requests).
    public func drainJobs() async {
        await jobs.drain()
    }
}
