import ArgumentParser
import Foundation
import OpsAPI
import Warehouse

/// `citypipe audit verify`: checks the audit log's hash chain.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The audit log of personal reads.", subcommands: [AuditVerify.self])
}

/// `citypipe audit verify`.
struct AuditVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the audit log's hash chain; name the first row that breaks it.",
        discussion: "Exit status 0 when every row holds, 1 when the database cannot be read, 2 when the chain is broken.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let report: AuditChain.Report
        do {
            let connection = try database.connect()
            defer { connection.close() }
            try Warehouse.migrateSchema(connection)
            report = try AuditChain.verify(connection)
        } catch {
            Console.error("audit verify: \(error)")
            throw ExitCode.failure
        }
        if let broken = report.firstBroken {
            Console.error("audit verify: the chain breaks at row \(broken.auditID): \(broken.reason) (\(report.rows) rows read)")
            throw ExitCode(2)
        }
        Console.print("audit verify: \(report.rows) rows, the chain holds")
    }
}
