import ArgumentParser
import Foundation
import Postgres

/// `citypipe db standby --primary DIR`: makes the cluster under $CITYPIPE_HOME a streaming standby of another
/// embedded cluster, for the API and analysts to read from while the pipeline writes to the primary.
struct DBStandby: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "standby",
        abstract: "Create (first time) and start a streaming standby of another embedded cluster under $CITYPIPE_HOME/pg.",
        discussion: """
            The standby is a copy of the primary (pg_basebackup -R over its socket) that replays its WAL and \
            answers read-only queries. Give `citypipe serve` both: \
            --database-url 'postgresql://citypipe@/citypipe?host=PRIMARY_SOCKET,STANDBY_SOCKET&port=P1,P2&target_session_attrs=prefer-standby' \
            (its reads go to the standby, its audit writes and the runs it starts to the primary).
            """)

    @Option(name: .long, help: "The primary's CITYPIPE_HOME (the folder holding its pg/).")
    var primary: String

    func run() throws {
        try Console.run {
            let primaryCluster = EmbeddedCluster(home: URL(fileURLWithPath: primary, isDirectory: true))
            let standby = EmbeddedCluster(home: EmbeddedCluster.defaultHome())
            let outcome = try standby.upAsStandby(of: primaryCluster)
            let what: String
            switch outcome {
            case .created: what = "created from \(primaryCluster.root.path) and started"
            case .started: what = "started"
            case .alreadyRunning: what = "already running"
            }
            Console.print("standby \(what): \(standby.root.path)")
            Console.print("url: \(try standby.socketURL())")
        }
    }
}
