import Foundation

/// Where the PostgreSQL server programs (`initdb`, `pg_ctl`, `postgres`) are on this machine.
///
/// Debian installs them under `/usr/lib/postgresql/VERSION/bin`, which is not on `PATH`; `pg_config --bindir`
/// names the client side only. Looked up in order: `$CITYPIPE_PG_BINDIR`, the highest
/// `/usr/lib/postgresql/*/bin`, then `PATH`.
public struct PostgresBinaries: Sendable, Equatable {
    public let directory: URL

    public var initdb: URL { directory.appendingPathComponent("initdb") }
    public var pgCtl: URL { directory.appendingPathComponent("pg_ctl") }
    /// Copies a running cluster into a new standby (`citypipe db standby`).
    public var pgBasebackup: URL { directory.appendingPathComponent("pg_basebackup") }
    /// `psql` from the same installation when present, else the one on `PATH`.
    public var psql: URL {
        let local = directory.appendingPathComponent("psql")
        if FileManager.default.isExecutableFile(atPath: local.path) { return local }
        return PostgresBinaries.onPath("psql") ?? local
    }

    /// The Debian packages that provide what the embedded cluster needs.
    public static let debianPackages = ["postgresql-15", "postgresql-15-postgis-3"]

    /// Finds the server programs or says which packages to install.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serverRoot: URL = URL(fileURLWithPath: "/usr/lib/postgresql")
    ) throws(PostgresError) -> PostgresBinaries {
        let fm = FileManager.default
        func usable(_ directory: URL) -> Bool {
            fm.isExecutableFile(atPath: directory.appendingPathComponent("initdb").path)
                && fm.isExecutableFile(atPath: directory.appendingPathComponent("pg_ctl").path)
        }
        if let explicit = environment["CITYPIPE_PG_BINDIR"], !explicit.isEmpty {
            let directory = URL(fileURLWithPath: explicit)
            guard usable(directory) else {
                throw PostgresError(
                    .cluster, message: "CITYPIPE_PG_BINDIR=\(explicit) holds no initdb and pg_ctl",
                    hint: "point it at a PostgreSQL server's bin folder, or unset it")
            }
            return PostgresBinaries(directory: directory)
        }
        let root = serverRoot
        let versions = ((try? fm.contentsOfDirectory(atPath: root.path)) ?? [])
            .compactMap { name in Int(name).map { ($0, name) } }
            .sorted { $0.0 > $1.0 }
        for (_, name) in versions {
            let directory = root.appendingPathComponent(name).appendingPathComponent("bin")
            if usable(directory) { return PostgresBinaries(directory: directory) }
        }
        if let initdb = onPath("initdb", environment: environment) {
            let directory = initdb.deletingLastPathComponent()
            if usable(directory) { return PostgresBinaries(directory: directory) }
        }
        throw PostgresError(
            .cluster, message: "the PostgreSQL server programs (initdb, pg_ctl) are not installed",
            hint: "install them with: apt-get install \(debianPackages.joined(separator: " ")) (or run scripts/bootstrap), "
                + "or point CITYPIPE_PG_BINDIR at a PostgreSQL bin folder, or set DATABASE_URL to an existing server")
    }

    static func onPath(
        _ program: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL? {
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(program)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
