import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The operations-centre API as a Hummingbird application: `citypipe serve` runs it; tests build its router and
/// drive it in-process.
public enum OpsServer {
    /// The router with every route and the middleware.
    public static func router(service: OpsService) -> Router<OpsRequestContext> {
        let router = Router(context: OpsRequestContext.self)
        router.add(middleware: OpsMiddleware(service: service))
        let pager = ViewPager(service: service)
        let catalog = CatalogRoute(service: service)
        let status = StatusRoutes(service: service)
        let health = HealthRoutes(service: service)
        let commune = CommuneRoute(service: service)
        let audit = AuditRoute(service: service)
        let jobs = JobRoutes(service: service)
        let openAPI = OpenAPIRoute()
        router.get("/health") { request, context in try await health.health(request: request, context: context) }
        router.get("/ready") { request, context in try await health.ready(request: request, context: context) }
        router.get("/metrics") { request, context in try await health.metrics(request: request, context: context) }
        router.get("/openapi.json") { request, context in try openAPI.json(request: request) }
        router.get("/openapi.yaml") { request, context in try openAPI.yaml(request: request) }
        router.get("/v1/views") { request, context in try await catalog.respond(request: request, context: context) }
        router.get("/v1/views/{name}") { request, context in
            try await pager.respond(name: try context.parameters.require("name"), request: request, context: context)
        }
        router.get("/v1/communes/{code}") { request, context in
            try await commune.respond(code: try context.parameters.require("code"), request: request, context: context)
        }
        router.get("/v1/feeds") { request, context in try await status.feeds(request: request, context: context) }
        router.get("/v1/runs") { request, context in try await status.runs(request: request, context: context) }
        router.get("/v1/runs/{id}") { request, context in
            try await status.run(id: try context.parameters.require("id"), request: request, context: context)
        }
        router.post("/v1/runs") { request, context in try await jobs.startRun(request: request, context: context) }
        router.post("/v1/backfills") { request, context in try await jobs.startBackfill(request: request, context: context) }
        router.get("/v1/backfills/{id}") { request, context in
            try await jobs.backfill(id: try context.parameters.require("id"), request: request, context: context)
        }
        router.get("/v1/audit") { request, context in try await audit.respond(request: request, context: context) }
        return router
    }

    /// The application: listens on the configuration's host and port; SIGTERM and SIGINT drain requests in
    /// flight and the jobs the API started, then return.
    public static func application(service: OpsService, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        let configuration = service.configuration
        return Application(
            router: router(service: service),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "citypipe"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: service.logger)
    }
}
