import Foundation
import Hummingbird
import NIOCore

/// A stand-in of the population API: OAuth2 client credentials (tokens good for 2 pages), cursor pages sorted
/// by update time, `updated_since` inclusive.
actor PopulationSource {
    private var names: [String]
    private var updated: [Date]
    private(set) var tokensIssued = 0
    private(set) var pagesServed = 0
    var pageDelay: Duration = .zero
    private var tokenUses: [String: Int] = [:]
    let base = Date(timeIntervalSince1970: 1_751_302_800)  // 2025-07-01 00:00:00+07

    init(people: Int) {
        names = (0..<people).map { "Trần Văn \($0)" }
        updated = (0..<people).map { Date(timeIntervalSince1970: 1_751_302_800 + Double($0) * 333) }
    }

    static func id(_ index: Int) -> String {
        let digits = String(index)
        return "027090" + String(repeating: "0", count: 6 - digits.count) + digits
    }

    func setPageDelay(_ delay: Duration) { pageDelay = delay }

    private var pageWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    func served() -> Duration {
        pagesServed += 1
        let ready = pageWaiters.filter { $0.count <= pagesServed }
        pageWaiters.removeAll { $0.count <= pagesServed }
        ready.forEach { $0.continuation.resume() }
        return pageDelay
    }

    /// Returns once `count` pages have been served (woken by the page that makes it, not by polling).
    func waitForPages(_ count: Int) async {
        guard pagesServed < count else { return }
        await withCheckedContinuation { pageWaiters.append((count, $0)) }
    }

    func rename(index: Int, to name: String) {
        names[index] = name
        updated[index] = updated.last.map { $0.addingTimeInterval(60) } ?? Date()
    }

    func issueToken() -> String {
        tokensIssued += 1
        let token = "t\(tokensIssued)"
        tokenUses[token] = 0
        return token
    }

    func use(_ token: String) -> Bool {
        guard let uses = tokenUses[token], uses < 2 else { return false }
        tokenUses[token] = uses + 1
        return true
    }

    func page(since: Date?, cursor: Int, limit: Int) -> (json: String, next: Int?) {
        let order = updated.indices.sorted { (updated[$0], $0) < (updated[$1], $1) }
        let eligible = order.filter { since == nil || updated[$0] >= since! }
        let slice = eligible.dropFirst(cursor).prefix(limit)
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        let records = slice.map { i -> String in
            let birth = i == 999 ? "1990-02-31" : "1990-03-05"
            return #"{"soDinhDanh":"\#(PopulationSource.id(i))","hoVaTen":"\#(names[i])","ngaySinh":"\#(birth)","gioiTinh":"1","noiThuongTru":{"maXa":"09169","diaChi":"Phường Vũ Ninh"},"ngayCapNhat":"\#(formatter.string(from: updated[i]))","ngheNghiep":"giáo viên"}"#
        }
        let next = cursor + slice.count < eligible.count ? cursor + slice.count : nil
        let nextText = next.map { #""\#(Data(String($0).utf8).base64EncodedString())""# } ?? "null"
        return (#"{"data":[\#(records.joined(separator: ","))],"meta":{"next_cursor":\#(nextText)}}"#, next)
    }

    nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/oauth/token") { request, _ -> Response in
            guard request.headers[.authorization] == "Basic " + Data("lgsp:s3cret".utf8).base64EncodedString() else {
                return Response(status: .unauthorized)
            }
            let token = await self.issueToken()
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"access_token":"\#(token)","token_type":"Bearer","expires_in":3600}"#)))
        }
        router.get("/v1/citizens") { request, _ -> Response in
            let token = (request.headers[.authorization] ?? "").replacingOccurrences(of: "Bearer ", with: "")
            guard await self.use(token) else { return Response(status: .unauthorized) }
            let query = request.uri.queryParameters
            let since = query.get("updated_since").flatMap { ISO8601DateFormatter().date(from: String($0)) }
            let cursor = query.get("cursor").flatMap { Data(base64Encoded: String($0)) }.flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
            let limit = query.get("limit", as: Int.self) ?? 100
            let page = await self.page(since: since, cursor: cursor, limit: min(limit, 1000))
            try await Task.sleep(for: await self.served())
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: page.json)))
        }
        return router
    }
}

/// A stand-in of the insurance exports: one gzip CSV (`;`, UTF-8 BOM) per month behind HTTP Basic; June's
/// first download is cut off half-way.
actor InsuranceSource {
    private(set) var truncatedOnce = false
    private var files: [String: [UInt8]]
    /// The month's file version, in its ETag (`"v1-2025-06"`).
    private var versions: [String: Int] = [:]
    /// Requests answered 304, and the `If-None-Match` values received, in order.
    private(set) var notModified = 0
    private(set) var conditions: [String] = []

    init() throws {
        var files: [String: [UInt8]] = [:]
        for month in ["2025-05", "2025-06"] {
            let csv = "\u{FEFF}so_dinh_danh;ma_so_bhxh;ma_so_thue_don_vi;loai_hinh;ky\r\n"
                + (1...3).map { "02709000000\($0);270100000\($0);2300325764;BB;\(month)" }.joined(separator: "\r\n") + "\r\n"
            files[month] = try InsuranceSource.gzip(Array(csv.utf8))
        }
        self.files = files
    }

    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(bytes))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(data)
    }

    /// Makes a new version of `month` with `rows` participants.
    func amend(_ month: String, rows: Int) throws {
        let csv = "\u{FEFF}so_dinh_danh;ma_so_bhxh;ma_so_thue_don_vi;loai_hinh;ky\r\n"
            + (1...rows).map { "02709000000\($0);270100000\($0);2300325764;BB;\(month)" }.joined(separator: "\r\n") + "\r\n"
        files[month] = try InsuranceSource.gzip(Array(csv.utf8))
        versions[month, default: 1] += 1
    }

    /// The ETag of `month`'s file, nil for a month without one.
    func tag(_ month: String) -> String? {
        files[month] == nil ? nil : "\"v\(versions[month, default: 1])-\(month)\""
    }

    /// Whether `condition` names `month`'s current file (then it answers 304).
    func unchanged(_ month: String, condition: String?) -> Bool {
        if let condition { conditions.append(condition) }
        guard let condition, let tag = tag(month), condition == tag else { return false }
        notModified += 1
        return true
    }

    func body(for month: String) -> (bytes: [UInt8], cut: Bool) {
        let bytes = files[month] ?? []
        if month == "2025-06" && !truncatedOnce {
            truncatedOnce = true
            return (bytes, true)
        }
        return (bytes, false)
    }

    nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/exports/participants.csv.gz") { request, _ -> Response in
            guard request.headers[.authorization] == "Basic " + Data("bhxh:pw".utf8).base64EncodedString() else {
                return Response(status: .unauthorized)
            }
            let month = request.uri.queryParameters.get("period").map { String($0) } ?? ""
            if await self.unchanged(month, condition: request.headers[.ifNoneMatch]) {
                return Response(status: .notModified, headers: [.eTag: await self.tag(month) ?? ""])
            }
            let (bytes, cut) = await self.body(for: month)
            struct Cut: Error {}
            var headers: HTTPFields = [.contentType: "application/gzip"]
            if let tag = await self.tag(month) { headers[.eTag] = tag }
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    if cut {
                        try await writer.write(ByteBuffer(bytes: bytes.prefix(bytes.count / 2)))
                        throw Cut()
                    }
                    try await writer.write(ByteBuffer(bytes: bytes))
                    try await writer.finish(nil)
                })
        }
        return router
    }
}
