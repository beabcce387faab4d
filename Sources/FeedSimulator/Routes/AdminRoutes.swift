import Hummingbird

/// The simulator's own endpoints (the server listens on loopback only):
///
/// - `POST /_sim/advance?changed=N&added=M&removed=K`: the next generation; N existing people get a new version
///   (new phone and address, `updated_at` after every earlier one), M new people appear, K enterprises leave the
///   business snapshot. The truth files are rewritten before the answer.
/// - `GET /_sim/state`: generation, people, enterprises.
/// - `GET /health`.
struct AdminRoutes {
    let simulator: FeedSimulator

    func register(on router: Router<BasicRequestContext>) {
        router.post("/_sim/advance") { request, _ -> Response in
            let query = request.uri.queryParameters
            var values: [Int] = []
            for name in ["changed", "added", "removed"] {
                guard let raw = query[Substring(name)] else {
                    values.append(0)
                    continue
                }
                guard let value = Int(raw), value >= 0, value <= 10_000_000 else {
                    return Responses.error(.badRequest, "invalid_request", "\(name) must be an integer in 0…10000000")
                }
                values.append(value)
            }
            let state = try await simulator.advanceState(changed: values[0], added: values[1], removed: values[2])
            return Responses.json(.ok, Self.describe(state))
        }
        router.get("/_sim/state") { _, _ -> Response in
            Responses.json(.ok, Self.describe(simulator.simulation.state))
        }
        router.get("/health") { _, _ -> Response in
            Responses.json(.ok, "{\"status\":\"ok\"}")
        }
    }

    static func describe(_ state: SimulationState) -> String {
        "{\"generation\":\(state.generation),\"people\":\(state.timeline.totalPeople),"
            + "\"population_records\":\(state.timeline.totalPeople),\"population_slots\":\(state.timeline.slotCount),"
            + "\"enterprises\":\(state.aliveEnterprises)}"
    }
}
