import ArgumentParser
import Foundation
import Postgres

#if canImport(Glibc)
import Glibc
#endif

/// `citypipe db psql`: psql on the selected database.
struct DBPsql: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psql", abstract: "Open psql on the selected database (extra arguments go to psql).")

    @OptionGroup var database: DatabaseOptions

    @Argument(parsing: .captureForPassthrough, help: "Arguments passed to psql, e.g. -c 'SELECT 1'.")
    var psqlArguments: [String] = []

    func run() throws {
        try Console.run {
            let conninfo = try database.target.conninfo(start: true)
            let psql = (try? PostgresBinaries.locate().psql.path) ?? "psql"
            var arguments = [psql]
            if !conninfo.isEmpty { arguments.append(conninfo) }
            arguments += psqlArguments.first == "--" ? Array(psqlArguments.dropFirst()) : psqlArguments
            let cArguments = arguments.map { strdup($0) } + [nil]
            execvp(psql, cArguments)
            throw PostgresError(.cluster, message: "cannot run psql (errno \(errno))", hint: "apt-get install postgresql-client-15")
        }
    }
}
