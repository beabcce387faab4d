import Foundation

extension EmbeddedCluster {
    /// Makes this cluster a streaming standby of `primary` (another embedded cluster on this machine) and starts
    /// it: `pg_basebackup -R` copies the primary over its unix socket and writes `primary_conninfo`, so the
    /// standby replays the primary's WAL from then on and serves read-only queries (hot standby). The standby
    /// listens on its own port and socket; the API can then be given both, `target_session_attrs=prefer-standby`
    /// (see `OpsAPIConfiguration`). A standby that exists is only started.
    @discardableResult
    public func upAsStandby(of primary: EmbeddedCluster) throws(PostgresError) -> UpOutcome {
        let binaries = try PostgresBinaries.locate()
        switch try state() {
        case .running: return .alreadyRunning
        case .stopped:
            _ = try up()
            return .started
        case .notCreated: break
        }
        guard case .running(let primaryPort) = try primary.state() else {
            throw PostgresError(.cluster, message: "the primary under \(primary.root.path) is not running", hint: "run `citypipe db up` for it first")
        }
        let user = try serverUser()
        try makeStandbyRoot(owner: user)
        let outcome = try ProcessRunner.run(
            binaries.pgBasebackup,
            [
                "-D", dataDirectory.path, "-R", "-X", "stream", "-c", "fast", "-h", primary.socketDirectory.path, "-p",
                String(primaryPort), "-U", primary.superuser, "--no-password",
            ],
            runAs: user)
        guard outcome.status == 0 else {
            throw PostgresError(
                .cluster, message: "pg_basebackup from \(primary.root.path) failed (exit \(outcome.status)): \(outcome.output.suffix(1500))",
                hint: "the primary must allow replication over its socket (initdb's default pg_hba) and have wal_level replica")
        }
        // The superuser's password is the primary's (the standby is a copy of its catalogue).
        if let password = try? Data(contentsOf: primary.passwordFile),
            !FileManager.default.createFile(atPath: passwordFile.path, contents: password, attributes: [.posixPermissions: 0o600])
        {
            throw PostgresError(.cluster, message: "cannot write \(passwordFile.path)")
        }
        _ = try up()
        return .created
    }

    /// True when the cluster is a standby replaying a primary's WAL.
    public var isStandby: Bool {
        FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("standby.signal").path)
    }
}
