import Foundation
import Hummingbird
import Postgres

/// `GET /v1/audit?subject=CITIZEN_ID` (role auditor): who read that citizen's data, when, why, through which
/// view and request. The citizen ID is turned into its pseudonym inside PostgreSQL and looked up among the
/// audit rows' subjects; `from`/`to` (dates) and `limit` narrow the answer. Without `subject`, the latest rows.
struct AuditRoute: Sendable {
    let service: OpsService

    func respond(request: Request, context: OpsRequestContext) async throws -> Response {
        _ = try context.require(.auditor, for: "reading the audit log")
        try StatusRoutes.noParameters(request, except: ["subject", "from", "to", "limit"])
        let query = try QueryString(request.uri.query)
        let subject = try query.single("subject")
        if let subject, subject.isEmpty || subject.count > 32 || !subject.allSatisfy(\.isNumber) {
            throw APIError.badRequest("bad_subject", "subject: a citizen ID (12-digit CCCD or 9-digit CMND)")
        }
        var limit = 100
        if let text = try query.single("limit") {
            guard let value = Int(text), (1...10_000).contains(value) else { throw APIError.badRequest("bad_limit", "limit: 1 to 10000") }
            limit = value
        }
        let from = try AuditRoute.date(query.single("from"), name: "from")
        let to = try AuditRoute.date(query.single("to"), name: "to")
        let key = service.configuration.keys.pseudonym
        let rowLimit = limit
        let rows = try await service.reader.withConnection { connection in
            var parameters = SQLParameters()
            var conditions: [String] = []
            if let subject {
                let pseudonym = RoleShaping.pseudonym(parameters.add(subject), key: parameters.add(key))
                conditions.append("EXISTS (SELECT 1 FROM citypipe.audit_subjects AS s WHERE s.audit_id = a.audit_id AND s.subject = \(pseudonym))")
            }
            if let from { conditions.append("a.at >= \(parameters.add(from))::date") }
            if let to { conditions.append("a.at < \(parameters.add(to))::date + 1") }
            let sql = """
                SELECT a.audit_id, a.at, a.request_id, a.token_name, a.role, a.purpose, a.view_name, a.request, a.row_count
                FROM citypipe.audit_log AS a \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                ORDER BY a.audit_id DESC LIMIT \(parameters.add(rowLimit))
                """
            return try connection.query(sql, parameters.values, name: "audit search")
        }
        var body = JSONOutput()
        body.beginObject()
        body.key("reads")
        body.beginArray()
        for row in rows {
            body.beginObject()
            body.field("audit_id", try row.decode(Int64.self, "audit_id"))
            body.field("at", ViewPager.iso8601(try row.decode(Date.self, "at")))
            body.field("request_id", try row.decode(String.self, "request_id"))
            body.field("token", try row.decode(String.self, "token_name"))
            body.field("role", try row.decode(String.self, "role"))
            body.field("purpose", try row.decode(String.self, "purpose"))
            body.field("view", try row.decode(String.self, "view_name"))
            body.field("request", try row.decode(String.self, "request"))
            body.field("rows", try row.decode(Int.self, "row_count"))
            body.endObject()
        }
        body.endArray()
        body.endObject()
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }

    static func date(_ text: String?, name: String) throws(APIError) -> String? {
        guard let text else { return nil }
        guard text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil else {
            throw .badRequest("bad_date", "\(name): a date, YYYY-MM-DD")
        }
        return text
    }
}
