import Foundation
import Hummingbird
import Postgres
import Warehouse

/// `GET /health` (the process answers), `GET /ready` (the database answers and its schema is current), and
/// `GET /metrics` (Prometheus text), all without a token.
struct HealthRoutes: Sendable {
    let service: OpsService

    func health(request: Request, context: OpsRequestContext) async throws -> Response {
        try StatusRoutes.noParameters(request, except: [])
        return HealthRoutes.text("{\"status\":\"ok\"}", type: "application/json")
    }

    func ready(request: Request, context: OpsRequestContext) async throws -> Response {
        try StatusRoutes.noParameters(request, except: [])
        let expected = try Warehouse.migrations().map(\.version)
        let applied: [Int]
        do {
            applied = try await service.reader.withConnection { connection in
                try connection.query("SELECT version FROM citypipe.schema_migrations ORDER BY version", name: "applied migrations")
                    .map { row throws(PostgresError) in try row.decode(Int.self, "version") }
            }
        } catch {
            throw APIError.unavailable("the database is not reachable: \(APIError.from(error, doing: "ready").message)")
        }
        let missing = expected.filter { !applied.contains($0) }
        guard missing.isEmpty else {
            throw APIError.unavailable("migrations not applied: \(missing.map(String.init).joined(separator: ", ")); run citypipe db migrate")
        }
        return HealthRoutes.text("{\"status\":\"ready\",\"migrations\":\(applied.count)}", type: "application/json")
    }

    func metrics(request: Request, context: OpsRequestContext) async throws -> Response {
        try StatusRoutes.noParameters(request, except: [])
        let pool = service.reader.statistics
        service.metrics.gauge("citypipe_pool_connections", [("state", "in_use")], value: Double(pool.open - pool.idle))
        service.metrics.gauge("citypipe_pool_connections", [("state", "idle")], value: Double(pool.idle))
        service.metrics.gauge("citypipe_pool_waiting", value: Double(pool.waiting))
        if let lags = try? await service.feedLags() {
            for (feed, lag) in lags { if let lag { service.metrics.gauge("citypipe_feed_lag_seconds", [("feed", feed)], value: lag) } }
        }
        if let last = try? await service.reader.withConnection({ connection in
            try connection.query(
                "SELECT pipeline, status FROM citypipe.runs WHERE kind = 'run' ORDER BY started_at DESC, run_id DESC LIMIT 1",
                name: "last run"
            ).first.map { (try $0.decode(String.self, "pipeline"), try $0.decode(String.self, "status")) }
        }) {
            for status in ["running", "succeeded", "failed", "partial", "aborted"] {
                service.metrics.gauge("citypipe_last_run_status", [("pipeline", last.0), ("status", status)], value: status == last.1 ? 1 : 0)
            }
        }
        return HealthRoutes.text(service.metrics.text(), type: "text/plain; version=0.0.4; charset=utf-8")
    }

    static func text(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
