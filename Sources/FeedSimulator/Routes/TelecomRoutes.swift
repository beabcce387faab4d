import Hummingbird

/// The Department of Information and Communications' open exports (no auth), CSV UTF-8:
/// `GET /api/ttt/v1/diem-buu-chinh.csv` (postal_points), `GET /api/ttt/v1/tram-bts.csv` (bts_stations),
/// `GET /api/ttt/v1/thue-bao.csv` (telecom_subscriptions).
struct TelecomRoutes {
    let simulator: FeedSimulator

    func register(on router: Router<BasicRequestContext>) {
        let exports: [(String, @Sendable (TelecomFeed) -> String)] = [
            ("diem-buu-chinh", { $0.postalCSV() }), ("tram-bts", { $0.stationCSV() }), ("thue-bao", { $0.subscriptionCSV() }),
        ]
        for (name, render) in exports {
            router.get("/api/ttt/v1/\(name).csv") { _, _ -> Response in
                let fault = try await simulator.admit(.telecom)
                if let rejection = Responses.rejection(for: fault) { return rejection }
                var headers: HTTPFields = [:]
                headers[.contentDisposition] = "attachment; filename=\"\(name).csv\""
                return try await Responses.body(
                    ByteBuffer(string: render(try simulator.geo().telecom)), contentType: "text/csv; charset=utf-8", fault: fault, headers: headers)
            }
        }
    }
}
