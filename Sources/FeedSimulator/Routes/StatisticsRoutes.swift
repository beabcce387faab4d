import Hummingbird

/// `GET /api/thongke/v1/dan-so-xa.csv` (statistics manifest): open data, no auth; population by commune and year,
/// UTF-8 with a BOM, `,`, CRLF; old commune codes for 2020–2024, new ward codes for 2025.
struct StatisticsRoutes {
    let simulator: FeedSimulator

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/thongke/v1/dan-so-xa.csv") { _, _ -> Response in
            let fault = try await simulator.admit(.statistics)
            if let rejection = Responses.rejection(for: fault) { return rejection }
            var headers: HTTPFields = [:]
            headers[.contentDisposition] = "attachment; filename=\"dan-so-xa_2020-2025.csv\""
            return try await Responses.body(
                ByteBuffer(bytes: simulator.simulation.statistics.csv()), contentType: "text/csv; charset=utf-8",
                fault: fault, headers: headers)
        }
    }
}
