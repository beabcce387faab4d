import ArgumentParser
import Postgres

/// `citypipe db up`: creates and starts the embedded cluster (a no-op when it runs).
struct DBUp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Create (first time) and start the embedded cluster under $CITYPIPE_HOME/pg.")

    func run() throws {
        try Console.run {
            let cluster = EmbeddedCluster(home: EmbeddedCluster.defaultHome())
            let outcome = try cluster.up()
            let what: String
            switch outcome {
            case .created: what = "created and started"
            case .started: what = "started"
            case .alreadyRunning: what = "already running"
            }
            Console.print("embedded cluster \(what): \(cluster.root.path)")
            Console.print("url: \(try cluster.socketURL())")
        }
    }
}
