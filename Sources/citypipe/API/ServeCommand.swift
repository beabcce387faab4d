import ArgumentParser
import Foundation
import Logging
import OpsAPI
import Postgres
import Warehouse

/// `citypipe serve`: the operations-centre API.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the operations-centre API (integrated views, feeds, runs, audit) over HTTP.",
        discussion: """
            Migrates the schema, then listens (default 127.0.0.1:8080) and prints `# serving on http://HOST:PORT`. \
            Requests need a bearer token (citypipe token create). The API reads as the database role \
            citypipe_api (read-only, statement timeout per request). Its secret (pseudonyms, cursors) comes from \
            CITYPIPE_API_SECRET, else $CITYPIPE_HOME/api-secret (made on first use). SIGTERM or SIGINT drains \
            requests in flight and the runs the API started, then exits 0. Access log: one line per request on \
            standard error (route template, status, duration, token name).
            """)

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on (0 = a free port).")
    var port: Int = 8080

    @Option(name: .long, help: "Directory of SQL models (the views and their headers).")
    var models: String = "Pipelines/models"

    @Option(name: .long, help: "Directory of connector manifests.")
    var connectors: String = "Connectors"

    @Option(name: .long, help: "Directory of pipeline files (for POST /v1/runs).")
    var pipelines: String = "Pipelines"

    @Option(name: .customLong("pool-size"), help: "Connections to PostgreSQL.")
    var poolSize: Int = 8

    @Option(name: .customLong("statement-timeout"), help: "Longest statement of a request, in seconds.")
    var statementTimeout: Int = 15

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be in 0…65535") }
        guard (1...256).contains(poolSize) else { throw ValidationError("--pool-size must be in 1…256") }
        guard (1...3_600).contains(statementTimeout) else { throw ValidationError("--statement-timeout must be 1 to 3600 seconds") }
    }

    func run() async throws {
        let service: OpsService
        do {
            let conninfo = try database.target.conninfo(start: true)
            let connection = try PostgresConnection.connect(conninfo)
            defer { connection.close() }
            _ = try Warehouse.migrate(connection)
            let home = EmbeddedCluster.defaultHome(environment: ProcessInfo.processInfo.environment)
            let secret = try OpsAPIConfiguration.secret(
                environment: ProcessInfo.processInfo.environment, file: home.appendingPathComponent("api-secret"))
            var logger = Logger(label: "citypipe.api")
            logger.logLevel = .info
            service = try OpsService(
                configuration: OpsAPIConfiguration(
                    host: host, port: port, conninfo: conninfo, models: URL(fileURLWithPath: models, isDirectory: true),
                    connectors: connectors, pipelines: pipelines, secret: secret,
                    statementTimeoutMilliseconds: statementTimeout * 1_000, poolSize: poolSize),
                logger: logger)
        } catch {
            Console.error("serve: \(error)")
            throw ExitCode.failure
        }
        let host = self.host
        let app = OpsServer.application(service: service) { port in
            FileHandle.standardOutput.write(Data("# serving on http://\(host):\(port)\n".utf8))
        }
        do {
            try await app.runService()
        } catch {
            Console.error("serve: \(error)")
            throw ExitCode.failure
        }
        await service.drainJobs()
        service.shutdown()
    }
}
