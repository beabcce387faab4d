import ArgumentParser
import Postgres
import Warehouse

/// `citypipe db url`: the connection URL of the selected database.
struct DBURL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "url", abstract: "Print the selected database's connection URL (the embedded one: its socket).")

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "For the embedded cluster: the loopback TCP URL with its password instead of the socket.")
    var tcp = false

    func run() throws {
        try Console.run {
            if case .embedded(let home) = database.target {
                let cluster = EmbeddedCluster(home: home)
                Console.print(tcp ? try cluster.tcpURL() : try cluster.socketURL())
            } else {
                let conninfo = try database.target.conninfo(start: false)
                Console.print(conninfo.isEmpty ? "(libpq PG* variables)" : conninfo)
            }
        }
    }
}
