import Foundation
import HTTPTypes
import Hummingbird

/// `GET /v1/views`: the views the caller may read, each with its description, columns as the role sees them,
/// row estimate, last build and freshness, and the roles that read it.
struct CatalogRoute: Sendable {
    let service: OpsService

    func respond(request: Request, context: OpsRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = try QueryString(request.uri.query)
        if let unknown = query.names.first(where: { $0 != "format" }) {
            throw APIError.badRequest("unknown_parameter", "'\(unknown.prefix(40))' is not a parameter of /v1/views")
        }
        let catalog = try await service.viewCatalog()
        let lags = try await service.feedLags()
        let shaping = RoleShaping(role: caller.role)
        var body = JSONOutput()
        body.beginObject()
        body.field("role", caller.role.rawValue)
        body.key("views")
        body.beginArray()
        var parameters = SQLParameters()
        for view in catalog.sortedViews where shaping.refusal(for: view) == nil {
            body.beginObject()
            body.field("name", view.name)
            body.field("description", view.description)
            body.field("built", view.isBuilt)
            body.field("rows_estimated", view.estimatedRows >= 0 ? view.estimatedRows : nil)
            body.field("run_id", view.build?.runID)
            body.field("built_at", view.build.map { ViewPager.iso8601($0.finishedAt) })
            body.field("unique_key", strings: view.uniqueKey)
            body.field("feeds", strings: view.feeds)
            let feedLags = view.feeds.compactMap { lags[$0] ?? nil }
            body.field("freshness_seconds", feedLags.max().map { ($0 * 10).rounded() / 10 })
            body.field("personal", view.isPersonal)
            body.field("roles", strings: Role.allCases.filter { RoleShaping(role: $0).refusal(for: view) == nil }.map(\.rawValue))
            body.field("geometry", view.geometryColumn)
            body.key("columns")
            body.array { columns in
                for column in shaping.columns(of: view, pseudonymKey: "", parameters: &parameters) {
                    columns.object { c in
                        c.field("name", column.name)
                        c.field("type", column.type)
                        let declared = view.column(column.name)
                        c.field("personal", declared?.personal?.rawValue)
                        if caller.role == .analyst, declared?.personal == .identifier { c.field("shown_as", "pseudonym") }
                        if caller.role == .analyst, declared?.personal == .birthDate { c.field("shown_as", "year") }
                        if caller.role == .viewer, declared?.suppressed == true { c.field("shown_as", "suppressed below 5") }
                    }
                }
            }
            body.endObject()
        }
        body.endArray()
        body.endObject()
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "private, no-cache"
        headers[.vary] = "Authorization"
        headers[HTTPField.Name("X-CityPipe-As-Of")!] = ViewPager.iso8601(Date())
        if let newest = catalog.views.values.compactMap(\.build).max(by: { $0.modelRunID < $1.modelRunID }) {
            headers[HTTPField.Name("X-CityPipe-Run")!] = String(newest.runID)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }
}
