import Foundation
import Hummingbird
import Ingest
import Orchestration
import Postgres

/// `POST /v1/runs`, `POST /v1/backfills`, `GET /v1/backfills/{id}` (role operator): the nightly pipeline and
/// backfills, started by the same code and under the same advisory locks as `citypipe run` and
/// `citypipe backfill`. Answered 202 with the run's id once its lock is held and its ledger row written; one
/// already going answers 409 naming it.
struct JobRoutes: Sendable {
    let service: OpsService

    /// `{"pipeline": "nightly"}` (optional).
    struct RunBody: Decodable {
        var pipeline: String?
    }

    /// `{"feed": "population", "from": "2025-01-01", "to": "2025-01-31", "step": "day"}`.
    struct BackfillBody: Decodable {
        var feed: String
        var from: String
        var to: String
        var step: String?
        var parallel: Int?
    }

    func startRun(request: Request, context: OpsRequestContext) async throws -> Response {
        let caller = try context.require(.operator, for: "starting a run")
        try StatusRoutes.noParameters(request, except: [])
        let body: RunBody = try await JobRoutes.decode(request, empty: RunBody())
        let pipeline = body.pipeline ?? "nightly"
        guard pipeline.range(of: #"^[a-z][a-z0-9_-]{0,63}$"#, options: .regularExpression) != nil else {
            throw APIError.badRequest("bad_pipeline", "pipeline: the name of a file of Pipelines/ (lower-case letters, digits, _ and -)")
        }
        let configuration = service.configuration
        let runRequest = PipelineRunRequest(
            pipeline: pipeline, pipelines: configuration.pipelines, connectors: configuration.connectors,
            models: configuration.models.path, conninfo: configuration.writerConninfo)
        let run: PipelineRun = try await JobRoutes.blocking {
            do {
                return try PipelineRun.start(runRequest, log: EventLog(output: .silent))
            } catch {
                throw JobRoutes.map(error)
            }
        }
        let id = "run-\(run.runID)"
        let logger = service.logger
        let jobs = service.jobs
        jobs.add(id, Task.detached {
            let result = await run.execute()
            logger.info("run finished", metadata: ["run_id": "\(result.runID)", "status": "\(result.outcome.rawValue)", "token": "\(caller.tokenName)"])
            jobs.remove(id)
        })
        service.logger.info("run started", metadata: ["run_id": "\(run.runID)", "pipeline": "\(pipeline)", "token": "\(caller.tokenName)"])
        var answer = JSONOutput()
        answer.object { o in
            o.field("run_id", run.runID)
            o.field("pipeline", pipeline)
            o.field("status", "running")
            o.field("href", "/v1/runs/\(run.runID)")
        }
        return JobRoutes.accepted(answer, location: "/v1/runs/\(run.runID)")
    }

    func startBackfill(request: Request, context: OpsRequestContext) async throws -> Response {
        let caller = try context.require(.operator, for: "starting a backfill")
        try StatusRoutes.noParameters(request, except: [])
        let body: BackfillBody = try await JobRoutes.decode(request, empty: nil)
        guard body.feed.range(of: #"^[a-z][a-z0-9_]{0,63}$"#, options: .regularExpression) != nil else {
            throw APIError.badRequest("bad_feed", "feed: the name of a manifest of Connectors/")
        }
        var step: BackfillPlan.Step? = nil
        if let given = body.step {
            guard let parsed = BackfillPlan.Step(rawValue: given) else {
                throw APIError.badRequest("bad_step", "step: day, week or month")
            }
            step = parsed
        }
        let parallel = body.parallel ?? 1
        guard (1...32).contains(parallel) else { throw APIError.badRequest("bad_parallel", "parallel: 1 to 32") }
        let backfillRequest = BackfillRequest(
            feed: body.feed, from: body.from, to: body.to, step: step, parallel: parallel,
            connectors: service.configuration.connectors, conninfo: service.configuration.writerConninfo)
        let job: BackfillJob = try await JobRoutes.blocking {
            do {
                return try BackfillJob.start(backfillRequest, log: EventLog(output: .silent))
            } catch {
                throw JobRoutes.map(error)
            }
        }
        let id = "backfill-\(job.backfillID)"
        let logger = service.logger
        let jobs = service.jobs
        jobs.add(id, Task.detached {
            _ = await job.execute()
            logger.info("backfill finished", metadata: ["backfill_id": "\(job.backfillID)", "token": "\(caller.tokenName)"])
            jobs.remove(id)
        })
        var response = JSONOutput()
        response.object { o in
            o.field("backfill_id", job.backfillID)
            o.field("run_id", job.runID)
            o.field("feed", job.feed)
            o.field("windows", job.windowCount)
            o.field("status", "running")
            o.field("href", "/v1/backfills/\(job.backfillID)")
        }
        return JobRoutes.accepted(response, location: "/v1/backfills/\(job.backfillID)")
    }

    func backfill(id: String, request: Request, context: OpsRequestContext) async throws -> Response {
        _ = try context.require(.operator, .viewer, .analyst, .officer, for: "reading a backfill")
        try StatusRoutes.noParameters(request, except: [])
        guard let backfillID = Int64(id), backfillID > 0 else { throw APIError.badRequest("bad_id", "a backfill id is a positive whole number") }
        let row = try await service.reader.withConnection { connection in
            try connection.query(
                """
                SELECT b.backfill_id, b.feed, b.range_from, b.range_to, b.step, b.status, b.last_run_id,
                       count(p.*) AS windows,
                       count(p.*) FILTER (WHERE p.status = 'succeeded') AS succeeded,
                       count(p.*) FILTER (WHERE p.status = 'failed') AS failed,
                       count(p.*) FILTER (WHERE p.status = 'running') AS running,
                       count(p.*) FILTER (WHERE p.status = 'pending') AS pending,
                       coalesce(sum(p.rows_staged), 0)::bigint AS rows_staged
                FROM citypipe.backfills AS b LEFT JOIN citypipe.backfill_partitions AS p USING (backfill_id)
                WHERE b.backfill_id = $1 GROUP BY b.backfill_id
                """, [backfillID], name: "backfill"
            ).first.map { r in
                BackfillStatus(
                    backfillID: try r.decode(Int64.self, "backfill_id"), feed: try r.decode(String.self, "feed"),
                    from: try r.decode(Date.self, "range_from"), to: try r.decode(Date.self, "range_to"),
                    step: try r.decode(String.self, "step"), status: try r.decode(String.self, "status"),
                    runID: try r.decode(Int64?.self, "last_run_id"), windows: try r.decode(Int.self, "windows"),
                    succeeded: try r.decode(Int.self, "succeeded"), failed: try r.decode(Int.self, "failed"),
                    running: try r.decode(Int.self, "running"), pending: try r.decode(Int.self, "pending"),
                    rowsStaged: try r.decode(Int64.self, "rows_staged"))
            }
        }
        guard let row else { throw APIError.notFound("no backfill #\(backfillID)") }
        return try StatusRoutes.json(row, asOf: Date())
    }

    /// A backfill as `GET /v1/backfills/{id}` shows it.
    struct BackfillStatus: Codable, Sendable {
        var backfillID: Int64
        var feed: String
        var from: Date
        var to: Date
        var step: String
        var status: String
        var runID: Int64?
        var windows: Int
        var succeeded: Int
        var failed: Int
        var running: Int
        var pending: Int
        var rowsStaged: Int64
    }

    // MARK: - Pieces

    static func map(_ error: any Error) -> APIError {
        guard let error = error as? OrchestrationError else { return APIError.from(error, doing: "starting") }
        switch error {
        case .busy(let holder): return .conflict(holder)
        case .invalid(let reason): return .badRequest("invalid", reason)
        case .nothingToDo(let reason): return APIError(.conflict, "nothing_to_do", reason)
        default: return .internalError("\(error)")
        }
    }

    static func decode<T: Decodable>(_ request: Request, empty: T?) async throws -> T {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        if buffer.readableBytes == 0, let empty { return empty }
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "send the body as application/json")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError.badRequest("bad_body", "the JSON body does not have the fields this route takes (see /openapi.json)")
        }
    }

    /// Runs blocking work (libpq) on a Dispatch thread.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    static func accepted(_ body: JSONOutput, location: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: .accepted, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }
}
