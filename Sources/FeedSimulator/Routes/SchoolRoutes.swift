import Hummingbird

/// `GET /api/giaoduc/v1/truong-hoc.csv?so=bac-ninh|bac-giang` (schools manifest): API key in the `api_key` query
/// parameter; the school list of one old province's education department: Bắc Ninh's in UTF-8 with a BOM,
/// Bắc Giang's (a legacy-font spreadsheet export) in TCVN3; CRLF; a full snapshot; each school's position in
/// `vi_do`, `kinh_do` (see `SchoolPositions`).
struct SchoolRoutes {
    let simulator: FeedSimulator

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/giaoduc/v1/truong-hoc.csv") { request, _ -> Response in
            try await export(request)
        }
    }

    private func export(_ request: Request) async throws -> Response {
        let fault = try await simulator.admit(.schools)
        let query = request.uri.queryParameters
        guard query["api_key"].map(String.init) == simulator.configuration.credentials.schoolsAPIKey else {
            return Responses.error(.unauthorized, "invalid_api_key", "a valid api_key parameter is required")
        }
        if let rejection = Responses.rejection(for: fault) { return rejection }
        guard let department = query["so"].map(String.init), SchoolGenerator.departments.contains(department) else {
            return Responses.error(.badRequest, "invalid_request", "so must be one of \(SchoolGenerator.departments)")
        }
        let text = simulator.simulation.schools.csv(of: department, positions: try simulator.schoolPositions())
        let body: [UInt8]
        let contentType: String
        if department == "bac-giang" {
            guard let legacy = simulator.simulation.tcvn3.encode(text) else {
                return Responses.error(.internalServerError, "internal", "the export has a character TCVN3 cannot write")
            }
            body = legacy
            contentType = "text/csv"
        } else {
            body = [0xEF, 0xBB, 0xBF] + Array(text.utf8)
            contentType = "text/csv; charset=utf-8"
        }
        var headers: HTTPFields = [:]
        headers[.contentDisposition] = "attachment; filename=\"truong-hoc_\(department).csv\""
        return try await Responses.body(ByteBuffer(bytes: body), contentType: contentType, fault: fault, headers: headers)
    }
}
