import Hummingbird

/// `GET /api/v1/labour/records` (labour manifest): Bearer token, `from` (inclusive) / `to` (exclusive) dates or
/// ISO 8601 date-times on `ngayCapNhat`, `page` (from 1) / `page_size` (default 100, at most 1000).
struct LabourRoutes {
    let simulator: FeedSimulator

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v1/labour/records") { request, _ -> Response in
            try await records(request)
        }
    }

    private func records(_ request: Request) async throws -> Response {
        let fault = try await simulator.admit(.labour)
        guard request.headers[.authorization] == "Bearer " + simulator.configuration.credentials.labourToken else {
            var headers: HTTPFields = [:]
            headers[.wwwAuthenticate] = "Bearer realm=\"labour\""
            return Responses.error(.unauthorized, "invalid_token", "a valid Bearer token is required", headers: headers)
        }
        if let rejection = Responses.rejection(for: fault) { return rejection }
        let query = request.uri.queryParameters
        var bounds: [Int64?] = []
        for name in ["from", "to"] {
            guard let raw = query[Substring(name)], !raw.isEmpty else {
                bounds.append(nil)
                continue
            }
            guard let value = Timestamps.parse(raw) else {
                return Responses.error(.badRequest, "invalid_request", "\(name) must be a date or an ISO 8601 date-time")
            }
            bounds.append(value)
        }
        guard let page = Query.positive(query["page"], default: 1),
            let size = Query.positive(query["page_size"], default: 100)
        else { return Responses.error(.badRequest, "invalid_request", "page and page_size must be positive integers") }
        let range = simulator.simulation.labour.range(from: bounds[0], before: bounds[1])
        let body = simulator.simulation.renderLabourPage(range, page: page, pageSize: min(size, FeedSimulator.maxPageSize))
        return try await Responses.body(body.body, contentType: "application/json; charset=utf-8", fault: fault)
    }
}

/// Reading query parameters.
enum Query {
    /// A positive integer, the default when absent, nil when malformed.
    static func positive(_ raw: Substring?, default value: Int) -> Int? {
        guard let raw, !raw.isEmpty else { return value }
        guard let parsed = Int(raw), parsed >= 1 else { return nil }
        return parsed
    }
}
