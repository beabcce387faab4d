import ArgumentParser
import Foundation
import Postgres
import Warehouse

/// `citypipe db status`: which database, its state, and what it holds.
struct DBStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the selected database, the embedded cluster's state and what it holds.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try Console.run {
            let target = database.target
            Console.print("database: \(target.summary)")
            if case .embedded(let home) = target {
                let cluster = EmbeddedCluster(home: home)
                switch try cluster.state() {
                case .notCreated:
                    Console.print("embedded cluster: not created (run `citypipe db up`)")
                    return
                case .stopped(let port):
                    Console.print("embedded cluster: stopped (port \(port)); `citypipe db up` starts it")
                    return
                case .running(let port):
                    Console.print("embedded cluster: running on port \(port), socket in \(cluster.socketDirectory.path)")
                }
            }
            let connection = try PostgresConnection.connect(try target.conninfo(start: false))
            defer { connection.close() }
            let version = try connection.query(
                """
                SELECT current_setting('server_version') AS v,
                       (SELECT extversion FROM pg_extension WHERE extname = 'postgis') AS g
                """, name: "versions")
            if let row = version.first {
                let postgis = try row.decode(String?.self, "g") ?? "not installed"
                Console.print("server: PostgreSQL \(try row.decode(String.self, "v")), PostGIS \(postgis)")
            }
            for (table, count) in try Warehouse.summary(connection) {
                Console.print("\(table.padding(toLength: 30, withPad: " ", startingAt: 0)) \(count.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))))")
            }
        }
    }
}
