import Foundation
import HTTPTypes
import Hummingbird
import Postgres
import Warehouse

/// `GET /v1/feeds`, `GET /v1/runs`, `GET /v1/runs/{id}`: what `citypipe status --json` shows, for every role.
struct StatusRoutes: Sendable {
    let service: OpsService

    func feeds(request: Request, context: OpsRequestContext) async throws -> Response {
        _ = try context.requireCaller()
        try StatusRoutes.noParameters(request, except: [])
        let report = try await service.statusReport(runs: 1)
        let served = try await service.reader.withConnection { connection in try ServedFrom.read(connection) }
        return try StatusRoutes.json(
            FeedsBody(generatedAt: report.generatedAt, servedFrom: served, feeds: report.feeds), asOf: report.generatedAt)
    }

    func runs(request: Request, context: OpsRequestContext) async throws -> Response {
        _ = try context.requireCaller()
        try StatusRoutes.noParameters(request, except: ["limit"])
        let query = try QueryString(request.uri.query)
        var limit = 20
        if let text = try query.single("limit") {
            guard let value = Int(text), (1...500).contains(value) else {
                throw APIError.badRequest("bad_limit", "limit: a whole number from 1 to 500")
            }
            limit = value
        }
        let report = try await service.statusReport(runs: limit)
        return try StatusRoutes.json(
            RunsBody(generatedAt: report.generatedAt, runs: report.runs, models: report.models, watermarks: report.watermarks),
            asOf: report.generatedAt)
    }

    func run(id: String, request: Request, context: OpsRequestContext) async throws -> Response {
        _ = try context.requireCaller()
        try StatusRoutes.noParameters(request, except: [])
        guard let runID = Int64(id), runID > 0 else { throw APIError.badRequest("bad_id", "a run id is a positive whole number") }
        let detail = try await service.reader.withConnection { connection in try RunDetail.load(connection, runID: runID) }
        guard let detail else { throw APIError.notFound("no run #\(runID)") }
        return try StatusRoutes.json(detail, asOf: Date())
    }

    /// 400 for any query parameter but `allowed`.
    static func noParameters(_ request: Request, except allowed: Set<String>) throws(APIError) {
        let query = try QueryString(request.uri.query)
        if let unknown = query.names.first(where: { !allowed.contains($0) }) {
            throw .badRequest("unknown_parameter", "'\(unknown.prefix(40))' is not a parameter of \(request.uri.path)")
        }
    }

    static func json(_ value: some Encodable, asOf: Date, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-CityPipe-As-Of")!] = ViewPager.iso8601(asOf)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

/// `GET /v1/feeds`.
struct FeedsBody: Encodable {
    let generatedAt: Date
    /// The server that answered: freshness read on a standby is the primary's minus the standby's lag.
    let servedFrom: ServedFrom
    let feeds: [StatusReport.Feed]
}

/// Which server answered the API's reads, and how far a standby is behind its primary.
struct ServedFrom: Encodable {
    /// `primary` or `standby`.
    let role: String
    /// Seconds since the last transaction the standby replayed was committed on the primary (nil on a primary;
    /// it grows while the primary is idle, so it bounds the staleness from above).
    let replicaLagSeconds: Double?
    /// Bytes of WAL received but not yet replayed (nil on a primary).
    let replayBacklogBytes: Int64?

    static func read(_ connection: PostgresConnection) throws -> ServedFrom {
        let row = try connection.query(
            """
            SELECT pg_is_in_recovery() AS standby,
                   CASE WHEN pg_is_in_recovery() THEN
                       greatest(0, extract(epoch FROM (now() - pg_last_xact_replay_timestamp())))::float8 END AS lag,
                   CASE WHEN pg_is_in_recovery() THEN
                       pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint END AS backlog
            """, name: "served from")[0]
        let standby = try row.decode(Bool.self, "standby")
        return ServedFrom(
            role: standby ? "standby" : "primary", replicaLagSeconds: try row.decode(Double?.self, "lag"),
            replayBacklogBytes: try row.decode(Int64?.self, "backlog"))
    }
}

/// `GET /v1/runs`.
struct RunsBody: Encodable {
    let generatedAt: Date
    let runs: [StatusReport.Run]
    let models: [StatusReport.ModelBuild]
    let watermarks: [StatusReport.Watermark]
}

/// One run with its feed loads and model builds (`GET /v1/runs/{id}`).
struct RunDetail: Codable, Sendable {
    struct FeedLoad: Codable, Sendable {
        var feed: String
        var status: String
        var rowsIn: Int64
        var rowsStaged: Int64
        var rowsRejected: Int64
        var seconds: Double?
        var error: String?
    }

    struct ModelBuild: Codable, Sendable {
        var model: String
        var status: String
        var rows: Int64?
        var seconds: Double?
        var error: String?
    }

    var runID: Int64
    var pipeline: String
    var kind: String
    var status: String
    var startedAt: Date
    var finishedAt: Date?
    var error: String?
    var feeds: [FeedLoad]
    var models: [ModelBuild]

    static func load(_ connection: PostgresConnection, runID: Int64) throws -> RunDetail? {
        guard let row = try connection.query(
            "SELECT run_id, pipeline, kind, status, started_at, finished_at, error FROM citypipe.runs WHERE run_id = $1",
            [runID], name: "run").first
        else { return nil }
        let feeds = try connection.query(
            """
            SELECT feed, status, rows_in, rows_staged, rows_rejected, extract(epoch FROM duration)::float8 AS seconds, error
            FROM citypipe.feed_runs WHERE run_id = $1 ORDER BY started_at, feed_run_id
            """, [runID], name: "run feeds"
        ).map { r in
            FeedLoad(feed: try r.decode(String.self, "feed"), status: try r.decode(String.self, "status"),
                     rowsIn: try r.decode(Int64.self, "rows_in"), rowsStaged: try r.decode(Int64.self, "rows_staged"),
                     rowsRejected: try r.decode(Int64.self, "rows_rejected"), seconds: try r.decode(Double?.self, "seconds"),
                     error: try r.decode(String?.self, "error"))
        }
        let models = try connection.query(
            """
            SELECT model, status, rows_built, extract(epoch FROM (finished_at - started_at))::float8 AS seconds, error
            FROM citypipe.model_runs WHERE run_id = $1 ORDER BY started_at, model_run_id
            """, [runID], name: "run models"
        ).map { r in
            ModelBuild(model: try r.decode(String.self, "model"), status: try r.decode(String.self, "status"),
                       rows: try r.decode(Int64?.self, "rows_built"), seconds: try r.decode(Double?.self, "seconds"),
                       error: try r.decode(String?.self, "error"))
        }
        return RunDetail(
            runID: try row.decode(Int64.self, "run_id"), pipeline: try row.decode(String.self, "pipeline"),
            kind: try row.decode(String.self, "kind"), status: try row.decode(String.self, "status"),
            startedAt: try row.decode(Date.self, "started_at"), finishedAt: try row.decode(Date?.self, "finished_at"),
            error: try row.decode(String?.self, "error"), feeds: feeds, models: models)
    }
}
