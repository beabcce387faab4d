import Hummingbird

/// `POST /oauth/token` and `GET /v1/citizens` (population manifest).
struct PopulationRoutes {
    let simulator: FeedSimulator

    func register(on router: Router<BasicRequestContext>) {
        router.post("/oauth/token") { request, _ -> Response in
            try await token(request)
        }
        router.get("/v1/citizens") { request, _ -> Response in
            try await citizens(request)
        }
    }

    private func token(_ request: Request) async throws -> Response {
        let fault = try await simulator.admit(.token)
        if let rejection = Responses.rejection(for: fault) { return rejection }
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        let form = FormBody.parse(String(buffer: body))
        let credentials = simulator.configuration.credentials
        let client = BasicAuth.parse(request.headers[.authorization])
            ?? form["client_id"].map { ($0, form["client_secret"] ?? "") }
        guard let client, client.0 == credentials.populationClientID,
            client.1 == credentials.populationClientSecret
        else {
            var headers: HTTPFields = [:]
            headers[.wwwAuthenticate] = "Basic realm=\"oauth\""
            return Responses.error(.unauthorized, "invalid_client", "unknown client or wrong secret", headers: headers)
        }
        guard form["grant_type"] == "client_credentials" else {
            return Responses.error(.badRequest, "unsupported_grant_type", "only client_credentials is supported")
        }
        if case .slow(let ms) = fault { try await Task.sleep(for: .milliseconds(ms)) }
        let token = simulator.tokens.issue()
        var out = ByteBuffer()
        out.writeStaticString("{\"access_token\":")
        out.writeJSONString(token)
        out.writeStaticString(",\"token_type\":\"Bearer\",\"expires_in\":")
        out.writeString(String(simulator.configuration.tokenTTL))
        out.writeStaticString(",\"scope\":\"citizens.read\"}")
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: out))
    }

    private func citizens(_ request: Request) async throws -> Response {
        let fault = try await simulator.admit(.population)
        var challenge: HTTPFields = [:]
        challenge[.wwwAuthenticate] = "Bearer error=\"invalid_token\""
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            return Responses.error(.unauthorized, "invalid_token", "a Bearer token is required", headers: challenge)
        }
        let token = header.dropFirst(7)
        guard simulator.tokens.isValid(token) else {
            simulator.controls.refusedToken()
            return Responses.error(.unauthorized, "invalid_token", "the access token expired or is unknown", headers: challenge)
        }
        if fault == .expiredToken {
            simulator.tokens.revoke(token)
            simulator.controls.refusedToken()
            return Responses.error(.unauthorized, "invalid_token", "the access token expired", headers: challenge)
        }
        if let rejection = Responses.rejection(for: fault) { return rejection }

        let query = request.uri.queryParameters
        var limit = 100
        if let raw = query["limit"] {
            guard let value = Int(raw), value >= 1 else {
                return Responses.error(.badRequest, "invalid_request", "limit must be a positive integer")
            }
            limit = min(value, FeedSimulator.maxPageSize)
        }
        var before: Int64? = nil
        if let raw = query["updated_before"], !raw.isEmpty {
            guard let value = Timestamps.parse(raw) else {
                return Responses.error(.badRequest, "invalid_request", "updated_before must be an ISO 8601 date-time")
            }
            before = value
        }
        let state = simulator.simulation.state
        var start = 0
        if let raw = query["cursor"], !raw.isEmpty {
            guard let cursor = PopulationCursor.decode(raw) else {
                return Responses.error(.badRequest, "invalid_cursor", "the cursor is not one this service issued")
            }
            start = cursor.slot
            if before == nil { before = cursor.before }
        } else if let raw = query["updated_since"], !raw.isEmpty {
            guard let since = Timestamps.parse(raw) else {
                return Responses.error(.badRequest, "invalid_request", "updated_since must be an ISO 8601 date-time")
            }
            start = state.timeline.firstSlot(atOrAfter: since)
        }
        let key = PopulationPageKey(generation: state.generation, startSlot: start, before: before, limit: limit)
        let page = simulator.populationPages.page(key) {
            simulator.simulation.renderPopulationPage(key, state: state)
        }
        return try await Responses.body(page.body, contentType: "application/json; charset=utf-8", fault: fault)
    }
}
