import ArgumentParser
import Postgres

/// `citypipe db down`: stops the embedded cluster; the data stays.
struct DBDown: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down", abstract: "Stop the embedded cluster (its data stays for the next `db up`).")

    func run() throws {
        try Console.run {
            let cluster = EmbeddedCluster(home: EmbeddedCluster.defaultHome())
            let stopped = try cluster.down()
            Console.print(stopped ? "embedded cluster stopped: \(cluster.root.path)" : "embedded cluster was not running")
        }
    }
}
