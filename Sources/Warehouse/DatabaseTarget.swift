import Foundation
import Postgres

/// Which PostgreSQL a command uses, decided in this order: `--database-url`, then `DATABASE_URL`, then libpq's
/// own `PG*` variables or service file, and where none is set, the embedded cluster under `$CITYPIPE_HOME/pg`
/// (started on demand).
public enum DatabaseTarget: Sendable, Equatable {
    /// A URL or conninfo string from `--database-url`.
    case flag(String)
    /// A URL or conninfo string from `DATABASE_URL`.
    case environmentURL(String)
    /// libpq reads `PGHOST`, `PGPORT`, `PGSERVICE`… itself (conninfo "").
    case libpqEnvironment
    /// The private cluster under the given home folder.
    case embedded(home: URL)

    /// The variables whose presence means the user configured libpq directly.
    public static let libpqVariables = [
        "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "PGSERVICEFILE",
    ]

    /// Picks the target from a command-line value and the environment.
    public static func resolve(
        flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> DatabaseTarget {
        if let flag, !flag.isEmpty { return .flag(flag) }
        if let url = environment["DATABASE_URL"], !url.isEmpty { return .environmentURL(url) }
        if libpqVariables.contains(where: { !(environment[$0] ?? "").isEmpty }) { return .libpqEnvironment }
        return .embedded(home: EmbeddedCluster.defaultHome(environment: environment))
    }

    /// A short description for status output (no passwords).
    public var summary: String {
        switch self {
        case .flag: return "--database-url"
        case .environmentURL: return "DATABASE_URL"
        case .libpqEnvironment: return "libpq PG* variables"
        case .embedded(let home): return "embedded cluster in \(home.appendingPathComponent("pg").path)"
        }
    }

    /// The conninfo to connect with; for the embedded cluster, starts it first when `start` is true.
    public func conninfo(start: Bool = true) throws(PostgresError) -> String {
        switch self {
        case .flag(let value), .environmentURL(let value): return value
        case .libpqEnvironment: return ""
        case .embedded(let home):
            let cluster = EmbeddedCluster(home: home)
            if start { try cluster.up() }
            return try cluster.socketURL()
        }
    }
}
