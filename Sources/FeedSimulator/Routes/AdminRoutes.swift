import Hummingbird

/// The simulator's own endpoints (the server listens on loopback only):
///
/// - `POST /_sim/advance?changed=N&added=M&removed=K&months=J`: the next generation; N existing people get a new
///   version (new phone and address, `updated_at` after every earlier one), M new people appear, K enterprises
///   leave the business snapshot, and J more months of insurance exports and health claims follow the last
///   (January 2026 first). The truth files are rewritten before the answer (the health claims' truth, written at
///   start-up, covers the initial two years only).
/// - `POST /_sim/delay?ms=N`: every answer of a feed endpoint (the token endpoint included) waits N ms from now on
///   (0 for none, at most 60,000): a slow gateway, or a load held long enough to be cut off mid-way.
/// - `POST /_sim/tokens/expire`: every access token issued so far stops working now, as when a gateway rotates its
///   signing key; clients holding one get 401 before the lifetime they were told.
/// - `GET /_sim/state`: generation, people, enterprises; the delay, the requests each endpoint got, the tokens
///   issued and the 401s answered to Bearer tokens.
/// - `GET /health`.
struct AdminRoutes {
    let simulator: FeedSimulator

    func register(on router: Router<BasicRequestContext>) {
        router.post("/_sim/advance") { request, _ -> Response in
            let query = request.uri.queryParameters
            var values: [Int] = []
            for name in ["changed", "added", "removed", "months"] {
                guard let raw = query[Substring(name)] else {
                    values.append(0)
                    continue
                }
                let limit = name == "months" ? 120 : 10_000_000
                guard let value = Int(raw), value >= 0, value <= limit else {
                    return Responses.error(.badRequest, "invalid_request", "\(name) must be an integer in 0…\(limit)")
                }
                values.append(value)
            }
            let state = try await simulator.advanceState(changed: values[0], added: values[1], removed: values[2], months: values[3])
            return Responses.json(.ok, describe(state))
        }
        router.post("/_sim/delay") { request, _ -> Response in
            guard let raw = request.uri.queryParameters["ms"], let value = Int(raw), value >= 0,
                value <= ServingControls.maxDelayMilliseconds
            else {
                return Responses.error(.badRequest, "invalid_request", "ms must be an integer in 0…\(ServingControls.maxDelayMilliseconds)")
            }
            simulator.controls.setDelay(milliseconds: value)
            return Responses.json(.ok, describe())
        }
        router.post("/_sim/tokens/expire") { _, _ -> Response in
            simulator.tokens.expireAll()
            return Responses.json(.ok, describe())
        }
        router.get("/_sim/state") { _, _ -> Response in
            Responses.json(.ok, describe())
        }
        router.get("/health") { _, _ -> Response in
            Responses.json(.ok, "{\"status\":\"ok\"}")
        }
    }

    /// The state as `GET /_sim/state` answers it (after an advance, the state it made).
    func describe(_ state: SimulationState? = nil) -> String {
        let state = state ?? simulator.simulation.state
        let counts = simulator.controls.snapshot
        return "{\"generation\":\(state.generation),\"people\":\(state.timeline.totalPeople),"
            + "\"population_records\":\(state.timeline.totalPeople),\"population_slots\":\(state.timeline.slotCount),"
            + "\"enterprises\":\(state.aliveEnterprises),\"months_added\":\(state.months),\"delay_ms\":\(counts.delayMilliseconds),"
            + "\"requests\":\(counts.requestsJSON),\"tokens_issued\":\(simulator.tokens.issuedCount),"
            + "\"tokens_refused\":\(counts.tokensRefused)}"
    }
}
