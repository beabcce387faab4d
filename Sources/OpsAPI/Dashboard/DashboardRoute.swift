import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `GET /`: the operations centre's dashboard, in Vietnamese, server-rendered and working offline and without
/// JavaScript: a choropleth of the province's 99 wards as inline SVG drawn by PostGIS from the boundaries
/// (simplified for the screen), coloured by an indicator of the commune profile, with a legend, each ward's name
/// and value on hover (SVG titles), the feeds' freshness and the last runs. A token comes from the login form
/// (kept in an HttpOnly, SameSite=Strict cookie) or the Authorization header; the shaping of the caller's role
/// applies (a viewer's small counts are suppressed).
struct DashboardRoute: Sendable {
    let service: OpsService
    static let cookie = "citypipe_token"

    func page(request: Request, context: OpsRequestContext) async throws -> Response {
        let query = try QueryString(request.uri.query)
        if let unknown = query.names.first(where: { $0 != "indicator" }) {
            throw APIError.badRequest("unknown_parameter", "'\(unknown.prefix(40))' is not a parameter of the dashboard (indicator is)")
        }
        guard let caller = try await callerFromCookieOrHeader(request) else { return DashboardRoute.login(message: nil) }
        guard let indicator = Indicator.named(try query.single("indicator")) else {
            throw APIError.badRequest("bad_indicator", "indicator: one of \(Indicator.all.map(\.column).joined(separator: ", "))")
        }
        let catalog = try await service.viewCatalog()
        guard let profile = catalog.views["integrated.commune_profile"], profile.isBuilt else {
            return DashboardRoute.html(DashboardPage.empty(message: "Chưa có dữ liệu: integrated.commune_profile chưa được dựng (citypipe transform)."))
        }
        if let refusal = RoleShaping(role: caller.role).refusal(for: profile) { throw APIError.forbidden(refusal) }
        var parameters = SQLParameters()
        let shaped = RoleShaping(role: caller.role).columns(of: profile, pseudonymKey: service.configuration.keys.pseudonym, parameters: &parameters)
        guard let name = shaped.first(where: { $0.name == "ward_name" }), let code = shaped.first(where: { $0.name == "ward_code" }) else {
            throw APIError.internalError("integrated.commune_profile lacks ward_name or ward_code")
        }
        let valueExpression: String
        switch indicator.source {
        case .profile:
            guard let value = shaped.first(where: { $0.name == indicator.column }) else {
                throw APIError.internalError("integrated.commune_profile lacks \(indicator.column)")
            }
            valueExpression = value.expression
        case .ward(let viewName, let wardColumn, let column, let filter, let latest):
            // Another view's value for the ward: the view must be built and open to the caller's role.
            guard let view = catalog.views[viewName], view.isBuilt else {
                return DashboardRoute.html(DashboardPage.empty(message: "Chưa có dữ liệu: \(viewName) chưa được dựng (citypipe transform)."))
            }
            if let refusal = RoleShaping(role: caller.role).refusal(for: view) { throw APIError.forbidden(refusal) }
            let conditions = ["x.\(SQLText.identifier(wardColumn)) = t.ward_code"] + (filter.map { ["(\($0))"] } ?? [])
            valueExpression = "(SELECT x.\(SQLText.identifier(column)) FROM \(view.quotedTable) AS x WHERE "
                + conditions.joined(separator: " AND ")
                + (latest.map { " ORDER BY x.\(SQLText.identifier($0)) DESC" } ?? "") + " LIMIT 1)"
        }
        // Web Mercator, simplified to about 30 m, as SVG path data in whole metres (ST_AsSVG writes y downwards).
        let sql = """
            SELECT (\(code.expression))::text AS code, (\(name.expression))::text AS name, (\(valueExpression))::float8 AS value,
                   ST_AsSVG(ST_SimplifyPreserveTopology(ST_Transform(t.geom, 3857), 30), 0, 0) AS path,
                   ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1
            FROM \(profile.quotedTable) AS t,
                 (SELECT ST_Extent(ST_Transform(geom, 3857))::geometry AS e FROM \(profile.quotedTable)) AS extent
            WHERE t.geom IS NOT NULL ORDER BY 1
            """
        let values = parameters.values
        let feeds = connectorFeedNames
        let (rows, status) = try await service.reader.withConnection { connection in
            (try connection.query(sql, values, name: "dashboard wards"), try StatusReportLite.read(connection, feeds: feeds))
        }
        var wards: [DashboardPage.Ward] = []
        var box: (Double, Double, Double, Double) = (0, 0, 1, 1)
        for row in rows {
            wards.append(DashboardPage.Ward(
                code: try row.decode(String.self, "code"), name: try row.decode(String.self, "name"),
                value: try row.decode(Double?.self, "value"), path: try row.decode(String.self, "path")))
            box = (try row.decode(Double.self, "x0"), try row.decode(Double.self, "y0"), try row.decode(Double.self, "x1"), try row.decode(Double.self, "y1"))
        }
        let page = DashboardPage(
            indicator: indicator, wards: wards, extent: box, role: caller.role, tokenName: caller.tokenName,
            builtAt: profile.build?.finishedAt, runID: profile.build?.runID, status: status)
        return DashboardRoute.html(page.render())
    }

    /// `POST /login` (form field `token`): sets the cookie and goes back to the dashboard.
    func login(request: Request, context: OpsRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 4_096)
        let form = String(buffer: body)
        let token = form.split(separator: "&").compactMap { pair -> String? in
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0] == "token" else { return nil }
            return parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }.first?.trimmingCharacters(in: .whitespaces) ?? ""
        guard token.hasPrefix("cp_"), token.count <= 128, try await service.caller(token: token) != nil else {
            return DashboardRoute.login(message: "Mã truy cập không hợp lệ, đã bị thu hồi hoặc đã hết hạn.")
        }
        var headers = HTTPFields()
        headers[.location] = "/"
        headers[.setCookie] = "\(DashboardRoute.cookie)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=43200"
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    /// `POST /logout`: forgets the cookie.
    func logout(request: Request, context: OpsRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.location] = "/"
        headers[.setCookie] = "\(DashboardRoute.cookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
        return Response(status: .seeOther, headers: headers)
    }

    private var connectorFeedNames: [String] { service.connectorFeeds }

    private func callerFromCookieOrHeader(_ request: Request) async throws -> Caller? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return try await service.caller(token: String(parts[1])) }
        }
        for cookies in request.headers[values: .cookie] {
            for cookie in cookies.split(separator: ";") {
                let parts = cookie.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2, parts[0] == DashboardRoute.cookie, parts[1].hasPrefix("cp_"), parts[1].count <= 128 {
                    return try await service.caller(token: parts[1])
                }
            }
        }
        return nil
    }

    static func login(message: String?) -> Response {
        html(DashboardPage.login(message: message), status: message == nil ? .ok : .unauthorized)
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "private, no-cache"
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The feeds' freshness and the last runs, as the dashboard shows them (cheap: no staging counts).
struct StatusReportLite: Sendable {
    struct Feed: Sendable {
        let feed: String
        let lastSuccess: Date?
        let lagSeconds: Double?
        let lastStatus: String?
    }

    struct Run: Sendable {
        let runID: Int64
        let pipeline: String
        let status: String
        let startedAt: Date
        let seconds: Double?
    }

    let feeds: [Feed]
    let runs: [Run]

    static func read(_ connection: PostgresConnection, feeds names: [String]) throws -> StatusReportLite {
        var feeds: [Feed] = []
        let rows = try connection.query(
            """
            SELECT f.feed, s.last_success_at, extract(epoch FROM now() - s.last_success_at)::float8 AS lag,
                   (SELECT r.status FROM citypipe.feed_runs AS r WHERE r.feed = f.feed ORDER BY r.started_at DESC LIMIT 1) AS last_status
            FROM unnest($1::text[]) AS f(feed) LEFT JOIN citypipe.feed_state AS s USING (feed) ORDER BY f.feed
            """, [TextParameter(value: "{" + names.joined(separator: ",") + "}")], name: "dashboard feeds")
        for row in rows {
            feeds.append(Feed(feed: try row.decode(String.self, "feed"), lastSuccess: try row.decode(Date?.self, "last_success_at"),
                              lagSeconds: try row.decode(Double?.self, "lag"), lastStatus: try row.decode(String?.self, "last_status")))
        }
        let runs = try connection.query(
            """
            SELECT run_id, pipeline, status, started_at, extract(epoch FROM (coalesce(finished_at, now()) - started_at))::float8 AS seconds
            FROM citypipe.runs ORDER BY started_at DESC, run_id DESC LIMIT 5
            """, name: "dashboard runs"
        ).map { row in
            Run(runID: try row.decode(Int64.self, "run_id"), pipeline: try row.decode(String.self, "pipeline"),
                status: try row.decode(String.self, "status"), startedAt: try row.decode(Date.self, "started_at"),
                seconds: try row.decode(Double?.self, "seconds"))
        }
        return StatusReportLite(feeds: feeds, runs: runs)
    }
}
