import ArgumentParser
import Foundation
import OpsAPI
import Warehouse

/// `citypipe token create|list|revoke`: the API's bearer tokens.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke API tokens.",
        subcommands: [TokenCreate.self, TokenList.self, TokenRevoke.self])
}

extension Role: ExpressibleByArgument {}

/// `citypipe token create --role ROLE --name NAME [--expires 90d]`.
struct TokenCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a token and print it (the only time it is shown; only its hash is stored).",
        discussion: "Roles: viewer (aggregates), analyst (pseudonyms), officer (personal data, with X-Purpose, audited), operator (runs, backfills), auditor (the audit log).")

    @Option(help: "viewer, analyst, officer, operator or auditor.")
    var role: Role

    @Option(help: "A name for the token (in access and audit logs): letters, digits, _ . @ -.")
    var name: String

    @Option(help: "Lifetime: 90d, 12h, 30m (default: no expiry).")
    var expires: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let expires, TokenStore.duration(expires) == nil {
            throw ValidationError("--expires: a number and d, h or m, e.g. 90d")
        }
    }

    func run() throws {
        try Console.run {
            let connection = try database.connect()
            defer { connection.close() }
            try Warehouse.migrateSchema(connection)
            let token = try TokenStore.create(connection, name: name, role: role, expiresIn: expires.flatMap(TokenStore.duration))
            Console.print(token)
        }
    }
}

/// `citypipe token list`.
struct TokenList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tokens (names, roles, prefixes, expiry; never the tokens).")

    @Flag(help: "JSON instead of a table.")
    var json = false

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try Console.run {
            let connection = try database.connect()
            defer { connection.close() }
            try Warehouse.migrateSchema(connection)
            let entries = try TokenStore.list(connection)
            if json {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.dateEncodingStrategy = .iso8601
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                Console.print(String(decoding: try encoder.encode(entries), as: UTF8.self))
                return
            }
            var lines = ["name\trole\tprefix\tcreated\texpires\tstate"]
            let formatter = ISO8601DateFormatter()
            for entry in entries {
                let state = entry.revokedAt != nil ? "revoked" : (entry.expiresAt.map { $0 < Date() } == true ? "expired" : "active")
                lines.append([entry.name, entry.role.rawValue, entry.prefix + "…", formatter.string(from: entry.createdAt),
                              entry.expiresAt.map(formatter.string(from:)) ?? "never", state].joined(separator: "\t"))
            }
            Console.print(lines.joined(separator: "\n"))
        }
    }
}

/// `citypipe token revoke NAME`.
struct TokenRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token (the API stops accepting it within 10 s).")

    @Argument(help: "The token's name.")
    var name: String

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try Console.run {
            let connection = try database.connect()
            defer { connection.close() }
            try Warehouse.migrateSchema(connection)
            try TokenStore.revoke(connection, name: name)
            Console.print("revoked \(name)")
        }
    }
}
