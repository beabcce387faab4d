import Foundation

/// How `citypipe serve` runs: where it listens, the database, the project's folders, and its secret.
public struct OpsAPIConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The database as the pipeline uses it (a URL or `key=value` string). The API's own connections add
    /// `role=citypipe_api`, read-only transactions and a statement timeout to it; runs and backfills started
    /// over the API use it as given.
    public var conninfo: String
    public var models: URL
    public var connectors: String
    public var pipelines: String
    /// The server's secret, 64 hex digits: keys the analysts' pseudonyms (HMAC) and encrypts cursors. Keep it
    /// stable: a new secret gives everyone new pseudonyms and ends the audit log's subject search for older rows.
    public var secret: String
    /// Longest statement of one request, in milliseconds.
    public var statementTimeoutMilliseconds: Int
    /// Connections the API keeps to PostgreSQL.
    public var poolSize: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8080, conninfo: String, models: URL,
        connectors: String = "Connectors", pipelines: String = "Pipelines", secret: String,
        statementTimeoutMilliseconds: Int = 15_000, poolSize: Int = 8
    ) {
        self.host = host
        self.port = port
        self.conninfo = conninfo
        self.models = models
        self.connectors = connectors
        self.pipelines = pipelines
        self.secret = secret
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.poolSize = poolSize
    }

    /// Where writes go (the audit log, runs and backfills started over the API): `conninfo` asking for a
    /// read-write server. With several hosts (a primary and its standbys, `target_session_attrs=prefer-standby`
    /// for the reads) libpq picks the primary; with one it changes nothing.
    public var writerConninfo: String {
        OpsAPIConfiguration.adding(parameter: "target_session_attrs", "read-write", to: conninfo)
    }

    /// The reader's connection string: `conninfo` with the API role, read-only transactions and the timeout.
    /// Given several hosts with `target_session_attrs=prefer-standby`, it reads from a standby when one is up.
    public var readerConninfo: String {
        let options = "-c role=citypipe_api -c search_path=public,citypipe -c default_transaction_read_only=on -c statement_timeout=\(statementTimeoutMilliseconds) -c application_name=citypipe-serve"
        return OpsAPIConfiguration.adding(options: options, to: conninfo)
    }

    /// The audit writer's: the API role too (it may only call citypipe.audit_append), read-write, on the primary.
    var auditConninfo: String {
        OpsAPIConfiguration.adding(options: "-c role=citypipe_api -c search_path=public,citypipe -c statement_timeout=\(statementTimeoutMilliseconds) -c application_name=citypipe-audit", to: writerConninfo)
    }

    /// `conninfo` with one more libpq parameter (a later one overrides an earlier one of the same name).
    static func adding(parameter name: String, _ value: String, to conninfo: String) -> String {
        if conninfo.hasPrefix("postgres://") || conninfo.hasPrefix("postgresql://") {
            return conninfo + (conninfo.contains("?") ? "&" : "?") + "\(name)=\(value)"
        }
        return conninfo + " \(name)=\(value)"
    }

    static func adding(options: String, to conninfo: String) -> String {
        if conninfo.hasPrefix("postgres://") || conninfo.hasPrefix("postgresql://") {
            let encoded = options.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? options
            return conninfo + (conninfo.contains("?") ? "&" : "?") + "options=" + encoded
        }
        return conninfo + " options='" + options.replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// The secret from `CITYPIPE_API_SECRET`, else from `file` (made, 0600, with 32 random bytes, when missing).
    public static func secret(environment: [String: String], file: URL) throws -> String {
        if let given = environment["CITYPIPE_API_SECRET"], !given.isEmpty {
            guard given.count >= 32, given.allSatisfy(\.isHexDigit) else {
                throw SecretError("CITYPIPE_API_SECRET must be at least 32 hex digits (e.g. `openssl rand -hex 32`)")
            }
            return given.lowercased()
        }
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.count >= 32, trimmed.allSatisfy(\.isHexDigit) else {
                throw SecretError("\(file.path) does not hold a secret of 32+ hex digits; remove it to make a new one (pseudonyms change)")
            }
            return trimmed.lowercased()
        }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file.path, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw SecretError("cannot write \(file.path); set CITYPIPE_API_SECRET instead")
        }
        return secret
    }

    /// The secret could not be had.
    public struct SecretError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Keys derived from the secret for their two uses.
    var keys: PageStatement.Keys {
        // AES takes up to 32 bytes of key: the secret's first 64 hex digits (an even count).
        let hex = String(secret.prefix(64))
        return PageStatement.Keys(pseudonym: "pseudonym:" + secret, cursor: hex.count % 2 == 0 ? hex : String(hex.dropLast()))
    }
}
