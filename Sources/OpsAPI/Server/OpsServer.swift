import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The operations-centre API as a Hummingbird application: `citypipe serve` runs it; tests build its router and
/// drive it in-process.
public enum OpsServer {
    /// The router with every route and the middleware.
    public static func router(service: OpsService) -> Router<OpsRequestContext> {
        routerAndRoutes(service: service).router
    }

    /// The router, and every (method, path template) it answers: a test holds this list against the OpenAPI
    /// document, so that neither has a route the other lacks.
    static func routerAndRoutes(service: OpsService) -> (router: Router<OpsRequestContext>, routes: [(method: String, path: String)]) {
        let router = Router(context: OpsRequestContext.self)
        router.add(middleware: OpsMiddleware(service: service))
        var routes: [(method: String, path: String)] = []
        typealias Handler = @Sendable (Request, OpsRequestContext) async throws -> Response
        /// A path parameter, percent-decoded (`07210%402025-07-01` is `07210@2025-07-01`).
        @Sendable func path(_ context: OpsRequestContext, _ name: String) throws -> String {
            let raw = try context.parameters.require(name)
            guard let decoded = raw.removingPercentEncoding else {
                throw APIError.badRequest("bad_path", "\(name): a malformed percent-encoding")
            }
            return decoded
        }
        func get(_ path: String, _ handler: @escaping Handler) {
            routes.append(("get", path))
            router.get(RouterPath(path), use: handler)
        }
        func post(_ path: String, _ handler: @escaping Handler) {
            routes.append(("post", path))
            router.post(RouterPath(path), use: handler)
        }
        let pager = ViewPager(service: service)
        let catalog = CatalogRoute(service: service)
        let status = StatusRoutes(service: service)
        let health = HealthRoutes(service: service)
        let commune = CommuneRoute(service: service)
        let audit = AuditRoute(service: service)
        let jobs = JobRoutes(service: service)
        let openAPI = OpenAPIRoute()
        get("/health") { request, context in try await health.health(request: request, context: context) }
        get("/ready") { request, context in try await health.ready(request: request, context: context) }
        get("/metrics") { request, context in try await health.metrics(request: request, context: context) }
        get("/openapi.json") { request, _ in try openAPI.json(request: request) }
        get("/openapi.yaml") { request, _ in try openAPI.yaml(request: request) }
        get("/v1/views") { request, context in try await catalog.respond(request: request, context: context) }
        get("/v1/views/{name}") { request, context in
            try await pager.respond(name: try path(context, "name"), request: request, context: context)
        }
        get("/v1/communes/{code}") { request, context in
            try await commune.respond(code: try path(context, "code"), request: request, context: context)
        }
        get("/v1/feeds") { request, context in try await status.feeds(request: request, context: context) }
        get("/v1/runs") { request, context in try await status.runs(request: request, context: context) }
        get("/v1/runs/{id}") { request, context in
            try await status.run(id: try path(context, "id"), request: request, context: context)
        }
        post("/v1/runs") { request, context in try await jobs.startRun(request: request, context: context) }
        post("/v1/backfills") { request, context in try await jobs.startBackfill(request: request, context: context) }
        get("/v1/backfills/{id}") { request, context in
            try await jobs.backfill(id: try path(context, "id"), request: request, context: context)
        }
        get("/v1/audit") { request, context in try await audit.respond(request: request, context: context) }
        let dashboard = DashboardRoute(service: service)
        get("/") { request, context in try await dashboard.page(request: request, context: context) }
        post("/login") { request, context in try await dashboard.login(request: request, context: context) }
        post("/logout") { request, context in try await dashboard.logout(request: request, context: context) }
        let ogc = OGCRoutes(service: service)
        get("/ogc") { request, context in try await ogc.landing(request: request, context: context) }
        get("/ogc/conformance") { request, context in try await ogc.conformance(request: request, context: context) }
        get("/ogc/collections") { request, context in try await ogc.collections(request: request, context: context) }
        get("/ogc/collections/{collectionId}") { request, context in
            try await ogc.collection(id: try path(context, "collectionId"), request: request, context: context)
        }
        get("/ogc/collections/{collectionId}/items") { request, context in
            try await ogc.items(id: try path(context, "collectionId"), request: request, context: context)
        }
        get("/ogc/collections/{collectionId}/items/{featureId}") { request, context in
            try await ogc.item(id: try path(context, "collectionId"), featureID: try path(context, "featureId"), request: request, context: context)
        }
        get("/ogc/collections/{collectionId}/queryables") { request, context in
            try await ogc.queryables(id: try path(context, "collectionId"), request: request, context: context)
        }
        let tiles = OGCTiles(service: service, routes: ogc)
        get("/ogc/collections/{collectionId}/tiles") { request, context in
            try await tiles.tilesets(id: try path(context, "collectionId"), request: request, context: context)
        }
        get("/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}") { request, context in
            try await tiles.tileset(id: try path(context, "collectionId"), matrixSet: try path(context, "tileMatrixSetId"),
                                    request: request, context: context)
        }
        get("/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}") { request, context in
            try await tiles.tile(
                id: try path(context, "collectionId"), matrixSet: try path(context, "tileMatrixSetId"),
                z: try path(context, "tileMatrix"), y: try path(context, "tileRow"),
                x: try path(context, "tileCol"), request: request, context: context)
        }
        return (router, routes)
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
