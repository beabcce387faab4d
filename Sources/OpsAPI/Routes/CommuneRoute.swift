import Foundation
import Hummingbird
import Postgres

/// `GET /v1/communes/{code}[?asOf=DATE]`: one ward's profile (`integrated.commune_profile`, shaped for the role
/// as every view is). GSO codes were reused by the 2025 reform, so a code means the post-2025 ward unless
/// `asOf` is a date before 1 July 2025: then it is a pre-2025 commune, answered with the ward it became and
/// the crosswalk rule; a commune split over several wards answers 300 with the candidates.
struct CommuneRoute: Sendable {
    let service: OpsService
    static let profileView = "integrated.commune_profile"
    static let crosswalkView = "core.admin_crosswalk"
    /// The day the 2025 reorganisation took effect.
    static let reformDay = "2025-07-01"

    func respond(code: String, request: Request, context: OpsRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = try QueryString(request.uri.query)
        if let unknown = query.names.first(where: { $0 != "asOf" }) {
            throw APIError.badRequest("unknown_parameter", "'\(unknown.prefix(40))' is not a parameter of /v1/communes/{code} (asOf is)")
        }
        guard code.count == 5, code.allSatisfy(\.isNumber) else {
            throw APIError.badRequest("bad_code", "a commune or ward code is the 5-digit GSO code")
        }
        var preReform = false
        if let asOf = try query.single("asOf") {
            guard asOf.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil else {
                throw APIError.badRequest("bad_date", "asOf: a date, YYYY-MM-DD")
            }
            preReform = asOf < CommuneRoute.reformDay
        }
        let catalog = try await service.viewCatalog()
        guard let profile = catalog.views[CommuneRoute.profileView], profile.isBuilt else {
            throw APIError.unavailable("\(CommuneRoute.profileView) has not been built yet; run citypipe transform")
        }
        if let refusal = RoleShaping(role: caller.role).refusal(for: profile) { throw APIError.forbidden(refusal) }
        let cacheKey = profile.build.map {
            ResponseCache.key(build: $0.modelRunID, role: caller.role, format: "commune", path: request.uri.path, query: request.uri.query)
        }
        if let cached = service.cache.answer(cacheKey, to: request) { return cached }
        var wardCode = code
        var crosswalk: [String: String?]? = nil
        if preReform {
            guard let crosswalkView = catalog.views[CommuneRoute.crosswalkView], crosswalkView.isBuilt else {
                throw APIError.unavailable("\(CommuneRoute.crosswalkView) has not been built yet; run citypipe transform")
            }
            let row = try await service.reader.withConnection { connection in
                try connection.query(
                    """
                    SELECT old_code, old_name, new_code, ambiguous, partial, array_to_json(candidates)::text AS candidates
                    FROM core.admin_crosswalk WHERE old_code = $1
                    """, [code], name: "crosswalk"
                ).first.map { r in
                    (old: try r.decode(String.self, "old_code"), name: try r.decode(String?.self, "old_name"),
                     new: try r.decode(String?.self, "new_code"), ambiguous: try r.decode(Bool.self, "ambiguous"),
                     partial: try r.decode(Bool.self, "partial"), candidates: try r.decode(String?.self, "candidates"))
                }
            }
            guard let row else { throw APIError.notFound("no pre-2025 commune \(code) in the crosswalk") }
            if row.ambiguous || row.new == nil {
                var body = JSONOutput()
                body.object { o in
                    o.field("old_code", row.old)
                    o.field("old_name", row.name)
                    o.field("rule", "split: the commune was divided between several post-2025 wards; choose one")
                    o.key("candidates")
                    o.raw(row.candidates ?? "[]")
                }
                var headers = HTTPFields()
                headers[.contentType] = "application/json; charset=utf-8"
                return Response(status: .multipleChoices, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.bytes)))
            }
            wardCode = row.new ?? code
            crosswalk = ["old_code": row.old, "old_name": row.name, "new_code": row.new,
                         "rule": row.partial ? "partial merge: part of the old commune, resolved to this ward" : "merged: the old commune became part of this ward"]
        }
        var parsed = ViewRequest()
        parsed.filters = [Filter(column: "ward_code", negated: false, op: .eq, operand: .value(wardCode))]
        parsed.limit = 1
        let statement = try PageStatement(view: profile, role: caller.role, request: parsed, format: .json, keys: service.configuration.keys, audit: false)
        let rows = try await service.reader.withConnection { connection in
            try connection.query(statement.sql, statement.parameters, name: "commune profile")
        }
        guard let values = rows.values.first else {
            throw APIError.notFound("no post-2025 ward \(wardCode) in \(CommuneRoute.profileView)\(preReform ? "" : " (for a pre-2025 commune code, add ?asOf=DATE before 2025-07-01)")")
        }
        let renderer = RowRenderer(columns: statement.columns, format: .json, geometryColumn: profile.geometryColumn, idColumns: profile.uniqueKey)
        var ward: [UInt8] = []
        renderer.row(values, into: &ward)
        var body = JSONOutput()
        body.beginObject()
        body.field("code", code)
        body.field("as_of", profile.build.map { ViewPager.iso8601($0.finishedAt) })
        body.field("run_id", profile.build?.runID)
        body.key("crosswalk")
        if let crosswalk {
            body.object { c in for key in ["old_code", "old_name", "new_code", "rule"] { c.field(key, crosswalk[key] ?? nil) } }
        } else {
            body.null()
        }
        body.key("ward")
        body.raw(String(decoding: ward, as: UTF8.self))
        body.endObject()
        var headers = ViewPager.provenance(view: profile, role: caller.role, query: (request.uri.path) + (request.uri.query ?? ""), format: .json)
        if let tag = headers[.eTag], request.headers[.ifNoneMatch].map({ ViewPager.matches($0, tag) }) == true {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json; charset=utf-8"
        if let cacheKey { service.cache.store(cacheKey, status: .ok, headers: headers, body: body.bytes) }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }
}
