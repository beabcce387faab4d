import Foundation
import Hummingbird

/// `GET /exports/participants.csv.gz?period=YYYY-MM` (insurance manifest): HTTP Basic, one gzip CSV per month,
/// with a strong `ETag` (CRC-32 and length of the file), and `304 Not Modified` for `If-None-Match` naming it, as a
/// web server serving the month's file would (from the tag alone when the file was made before).
struct InsuranceRoutes {
    let simulator: FeedSimulator

    func register(on router: Router<BasicRequestContext>) {
        router.get("/exports/participants.csv.gz") { request, _ -> Response in
            try await export(request)
        }
    }

    private func export(_ request: Request) async throws -> Response {
        let fault = try await simulator.admit(.insurance)
        let credentials = simulator.configuration.credentials
        guard let user = BasicAuth.parse(request.headers[.authorization]), user.user == credentials.insuranceUser,
            user.password == credentials.insurancePassword
        else {
            var headers: HTTPFields = [:]
            headers[.wwwAuthenticate] = "Basic realm=\"BHXH exports\""
            return Responses.error(.unauthorized, "unauthorized", "valid Basic credentials are required", headers: headers)
        }
        if let rejection = Responses.rejection(for: fault) { return rejection }
        guard let raw = request.uri.queryParameters["period"], let period = Period(raw) else {
            return Responses.error(.badRequest, "invalid_request", "period=YYYY-MM is required")
        }
        guard period >= InsuranceGenerator.firstPeriod, period <= Self.currentPeriod() else {
            return Responses.error(.notFound, "not_found", "no export for \(period.text)")
        }
        let asked = request.headers[.ifNoneMatch]
        if let asked, let known = simulator.insuranceTag(period), Self.matches(asked, known) {
            return Response(status: .notModified, headers: [.eTag: known])
        }
        guard let file = simulator.insuranceFile(period) else {
            return Responses.error(.internalServerError, "internal", "compression failed")
        }
        let tag = file.tag
        if let asked, Self.matches(asked, tag) {
            return Response(status: .notModified, headers: [.eTag: tag])
        }
        var bytes = file.bytes
        if fault == .badGzip, bytes.count > 20 {
            let position = 10 + (bytes.count - 18) / 2
            bytes[position] ^= 0x5A
        }
        var headers: HTTPFields = [:]
        headers[.contentDisposition] = "attachment; filename=\"participants_\(period.text).csv.gz\""
        headers[.eTag] = tag
        return try await Responses.body(
            ByteBuffer(bytes: bytes), contentType: "application/gzip", fault: fault, headers: headers)
    }

    /// True when an `If-None-Match` value names `tag` (a list of tags, or `*`).
    static func matches(_ ifNoneMatch: String, _ tag: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == tag || $0.trimmingCharacters(in: .whitespaces) == "*" }
    }

    /// This month in Asia/Ho_Chi_Minh: later months have no export yet (404).
    static func currentPeriod() -> Period {
        let now = Int64(Date().timeIntervalSince1970) + Timestamps.offset
        let (y, m, _) = Timestamps.civil(fromDays: Int(Timestamps.floorDiv(now, 86_400)))
        return Period(year: y, month: m)
    }
}
