import Hummingbird

/// `GET /api/giamdinh/v1/hoso` (health_encounters manifest): HTTP Basic; the claims discharged (NGAY_RA) in
/// `[tu_ngay, den_ngay)` (dates, +07:00; `den_ngay` absent: to the end), or on day `ngay`; `ma_cskcb` narrows to
/// one facility — `ngay` with `ma_cskcb` is exactly one facility's file of one day. The answer is one
/// `GIAMDINHHS` envelope of Decision 130/QĐ-BYT with base64 XML1 (and some XML2) files.
struct HealthRoutes {
    let simulator: FeedSimulator
    /// The sender code of a bundle of several facilities' files (the health department's gateway).
    static let gatewayCode = "24000"

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/giamdinh/v1/hoso") { request, _ -> Response in
            try await claims(request)
        }
    }

    private func claims(_ request: Request) async throws -> Response {
        let fault = try await simulator.admit(.health)
        let credentials = simulator.configuration.credentials
        guard let user = BasicAuth.parse(request.headers[.authorization]), user.user == credentials.healthUser,
            user.password == credentials.healthPassword
        else {
            var headers: HTTPFields = [:]
            headers[.wwwAuthenticate] = "Basic realm=\"giamdinh\""
            return Responses.error(.unauthorized, "unauthorized", "valid Basic credentials are required", headers: headers)
        }
        if let rejection = Responses.rejection(for: fault) { return rejection }
        let query = request.uri.queryParameters
        let from: Int64
        var before: Int64? = nil
        if let raw = query["ngay"], !raw.isEmpty {
            guard raw.count == 10, let day = Timestamps.parse(raw) else {
                return Responses.error(.badRequest, "invalid_request", "ngay must be a date yyyy-MM-dd")
            }
            from = day
            before = day + 86_400
        } else {
            guard let raw = query["tu_ngay"], raw.count == 10, let start = Timestamps.parse(raw) else {
                return Responses.error(.badRequest, "invalid_request", "tu_ngay=yyyy-MM-dd (or ngay=yyyy-MM-dd) is required")
            }
            from = start
            if let raw = query["den_ngay"], !raw.isEmpty {
                guard raw.count == 10, let end = Timestamps.parse(raw) else {
                    return Responses.error(.badRequest, "invalid_request", "den_ngay must be a date yyyy-MM-dd")
                }
                before = end
            }
        }
        let facility = query["ma_cskcb"].map(String.init)
        let generator = simulator.simulation.health.extended(months: simulator.simulation.state.months)
        var claims: [HealthClaim] = []
        for k in generator.range(from: from, before: before) {
            let claim = generator.claim(k)
            if let facility, claim.facility.code != facility { continue }
            claims.append(claim)
        }
        let body = GiamDinhEnvelope.render(
            claims, sender: facility ?? Self.gatewayCode, made: String(Spread.compact(from).prefix(8)))
        return try await Responses.body(body, contentType: "application/xml; charset=utf-8", fault: fault)
    }
}
