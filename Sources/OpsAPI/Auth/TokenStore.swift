import Foundation
import Postgres

/// API tokens in `citypipe.api_tokens`: created (shown once), listed, revoked, and checked on each request.
///
/// A token is `cp_` and 40 random letters and digits; the table keeps only its SHA-256 (computed by
/// PostgreSQL), its first 8 characters (to recognise it in a list), its role and expiry.
public enum TokenStore {
    /// A token as listed (never the token itself).
    public struct Entry: Sendable, Codable, Equatable {
        public let name: String
        public let role: Role
        public let prefix: String
        public let createdAt: Date
        public let expiresAt: Date?
        public let revokedAt: Date?
    }

    /// What can go wrong managing tokens.
    public enum TokenError: Error, CustomStringConvertible, Sendable {
        case nameTaken(String)
        case badName(String)
        case unknown(String)
        case database(PostgresError)

        public var description: String {
            switch self {
            case .nameTaken(let name): return "a token named \(name) exists; revoke it first or choose another name"
            case .badName(let name): return "'\(name.prefix(40))' is not a token name: 1 to 64 letters, digits, _ . @ -, starting with a letter or digit"
            case .unknown(let name): return "no token named \(name) (citypipe token list shows them)"
            case .database(let error): return "\(error)"
            }
        }
    }

    /// Creates a token and returns it: the only time it is shown.
    public static func create(
        _ connection: PostgresConnection, name: String, role: Role, expiresIn: TimeInterval?
    ) throws(TokenError) -> String {
        guard name.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$"#, options: .regularExpression) != nil else {
            throw .badName(name)
        }
        let token = newToken()
        do {
            try connection.query(
                """
                INSERT INTO citypipe.api_tokens (name, role, token_hash, prefix, expires_at)
                VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'), left($3, 8),
                        CASE WHEN $4::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $4::float8) END)
                """, [name, role.rawValue, token, expiresIn], name: "create token")
        } catch let error where error.isUniqueViolation {
            throw .nameTaken(name)
        } catch {
            throw .database(error)
        }
        return token
    }

    /// Every token, newest first.
    public static func list(_ connection: PostgresConnection) throws(TokenError) -> [Entry] {
        do {
            return try connection.query(
                "SELECT name, role, prefix, created_at, expires_at, revoked_at FROM citypipe.api_tokens ORDER BY created_at DESC, name",
                name: "list tokens"
            ).map { row throws(PostgresError) in
                Entry(
                    name: try row.decode(String.self, "name"), role: Role(rawValue: try row.decode(String.self, "role")) ?? .viewer,
                    prefix: try row.decode(String.self, "prefix"), createdAt: try row.decode(Date.self, "created_at"),
                    expiresAt: try row.decode(Date?.self, "expires_at"), revokedAt: try row.decode(Date?.self, "revoked_at"))
            }
        } catch {
            throw .database(error)
        }
    }

    /// Revokes a token by name (it stops working within the API's token cache time, 10 s).
    public static func revoke(_ connection: PostgresConnection, name: String) throws(TokenError) {
        let rows: PostgresRows
        do {
            rows = try connection.query(
                "UPDATE citypipe.api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL",
                [name], name: "revoke token")
        } catch {
            throw .database(error)
        }
        guard rows.affectedRows == 1 else { throw .unknown(name) }
    }

    /// The caller a token belongs to, or nil when it is unknown, revoked or expired.
    static func authenticate(_ connection: PostgresConnection, token: String) throws(PostgresError) -> Caller? {
        guard let row = try connection.query(
            """
            SELECT name, role FROM citypipe.api_tokens
            WHERE token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex') AND revoked_at IS NULL
              AND (expires_at IS NULL OR expires_at > now())
            """, [token], name: "check token"
        ).first else { return nil }
        guard let role = Role(rawValue: try row.decode(String.self, "role")) else { return nil }
        return Caller(tokenName: try row.decode(String.self, "name"), role: role)
    }

    static func newToken() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return "cp_" + String((0..<40).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// `90d`, `12h`, `30m` → seconds; nil for anything else.
    public static func duration(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let number = Double(text.dropLast()), number > 0 else { return nil }
        switch unit {
        case "d": return number * 86_400
        case "h": return number * 3_600
        case "m": return number * 60
        default: return nil
        }
    }
}
