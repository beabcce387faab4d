import Hummingbird

/// `GET /api/v2/enterprises?province=24` (business manifest): API key header, offset/limit, a full snapshot of the
/// one province the simulator serves (the merged Bắc Ninh, GSO code 24 since 1 July 2025); any other province,
/// the old Bắc Ninh's 27 included, or none is a 400.
struct BusinessRoutes {
    let simulator: FeedSimulator

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v2/enterprises") { request, _ -> Response in
            try await enterprises(request)
        }
    }

    private func enterprises(_ request: Request) async throws -> Response {
        let fault = try await simulator.admit(.business)
        let apiKey = request.headers.first { $0.name.canonicalName == "x-api-key" }?.value
        guard apiKey == simulator.configuration.credentials.businessAPIKey else {
            return Responses.error(.unauthorized, "invalid_api_key", "a valid X-API-Key header is required")
        }
        if let rejection = Responses.rejection(for: fault) { return rejection }
        let query = request.uri.queryParameters
        guard let province = query["province"].map(String.init) else {
            return Responses.error(.badRequest, "invalid_request", "province is required (GSO code, e.g. \(Geography.provinceCode))")
        }
        guard province == Geography.provinceCode else {
            return Responses.error(
                .badRequest, "unknown_province",
                "province \(province) is not served here: this registry serves province \(Geography.provinceCode) (\(Geography.provinceName)); codes changed on 1 July 2025")
        }
        var offset = 0
        var limit = 100
        if let raw = query["offset"] {
            guard let value = Int(raw), value >= 0 else {
                return Responses.error(.badRequest, "invalid_request", "offset must be a non-negative integer")
            }
            offset = value
        }
        if let raw = query["limit"] {
            guard let value = Int(raw), value >= 1 else {
                return Responses.error(.badRequest, "invalid_request", "limit must be a positive integer")
            }
            limit = min(value, FeedSimulator.maxPageSize)
        }
        let state = simulator.simulation.state
        let key = BusinessPageKey(generation: state.generation, offset: offset, limit: limit)
        let page = simulator.businessPages.page(key) {
            simulator.simulation.renderBusinessPage(offset: offset, limit: limit, state: state)
        }
        return try await Responses.body(page.body, contentType: "application/json; charset=utf-8", fault: fault)
    }
}

/// Which business page: everything that decides its bytes.
struct BusinessPageKey: Hashable, Sendable {
    let generation: Int
    let offset: Int
    let limit: Int
}
