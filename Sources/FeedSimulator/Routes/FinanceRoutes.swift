import Hummingbird

/// `GET /api/taichinh/v1/chung-tu-nop-thue.xml?ky=YYYY-MM` (finance manifest): `X-Api-Key` header; one XML document
/// per month of the tax payments made in it; data for 2024-01…2025-12, documents without payments from 2020-01
/// to the current month, 404 outside.
struct FinanceRoutes {
    let simulator: FeedSimulator

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/taichinh/v1/chung-tu-nop-thue.xml") { request, _ -> Response in
            try await document(request)
        }
    }

    private func document(_ request: Request) async throws -> Response {
        let fault = try await simulator.admit(.finance)
        let key = request.headers.first { $0.name.canonicalName == "x-api-key" }?.value
        guard key == simulator.configuration.credentials.financeAPIKey else {
            return Responses.error(.unauthorized, "invalid_api_key", "a valid X-Api-Key header is required")
        }
        if let rejection = Responses.rejection(for: fault) { return rejection }
        guard let raw = request.uri.queryParameters["ky"], let period = Period(raw) else {
            return Responses.error(.badRequest, "invalid_request", "ky=YYYY-MM is required")
        }
        guard period >= FinanceGenerator.firstPeriod, period <= InsuranceRoutes.currentPeriod() else {
            return Responses.error(.notFound, "not_found", "no document for \(period.text)")
        }
        return try await Responses.body(
            ByteBuffer(bytes: simulator.simulation.finance.xml(of: period)), contentType: "application/xml; charset=utf-8",
            fault: fault)
    }
}
