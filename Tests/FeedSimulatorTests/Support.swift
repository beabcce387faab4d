import AsyncHTTPClient
import CZlib
import FeedSimulator
import Foundation
import XCTest

/// A simulator serving on a free loopback port for the length of a test.
final class RunningSimulator: Sendable {
    let simulator: FeedSimulator
    let port: Int
    private let task: Task<Void, any Error>

    private init(simulator: FeedSimulator, port: Int, task: Task<Void, any Error>) {
        self.simulator = simulator
        self.port = port
        self.task = task
    }

    static func start(_ configuration: SimulatorConfiguration) async throws -> RunningSimulator {
        var configuration = configuration
        configuration.quiet = true
        listForTheLogSearch(configuration)
        let simulator = try FeedSimulator(configuration: configuration)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            try await simulator.run { port in
                continuation.yield(port)
                continuation.finish()
            }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw TestFailure("the simulator did not report a port")
        }
        return RunningSimulator(simulator: simulator, port: port, task: task)
    }

    /// Lists the seed and scale in `$CITYPIPE_TEST_TRUTH/in-process-simulators.txt` when `make test` sets it:
    /// `scripts/pii-log-search` makes the truth of each (these tests run no `citypipe` and write no truth of their
    /// own, but what they serve may still reach the test output, in an assertion's message).
    private static func listForTheLogSearch(_ configuration: SimulatorConfiguration) {
        guard let folder = ProcessInfo.processInfo.environment["CITYPIPE_TEST_TRUTH"], !folder.isEmpty else { return }
        let files = FileManager.default
        let list = URL(fileURLWithPath: folder, isDirectory: true).appendingPathComponent("in-process-simulators.txt")
        try? files.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if !files.fileExists(atPath: list.path) { _ = files.createFile(atPath: list.path, contents: nil) }
        guard let handle = try? FileHandle(forWritingTo: list) else { return }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: Data("\(configuration.seed) \(configuration.scale)\n".utf8))
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var client: FeedClient { FeedClient(base: baseURL, credentials: simulator.configuration.credentials) }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One HTTP answer.
struct Answer: Sendable {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]
}

/// A citizen record as served.
struct CitizenRecord: Codable, Hashable, Sendable {
    struct Residence: Codable, Hashable, Sendable {
        let maXa: String?
        let diaChi: String?
    }
    let soDinhDanh: String?
    let hoVaTen: String
    let ngaySinh: String
    let gioiTinh: String
    let soDienThoai: String?
    let noiThuongTru: Residence
    let ngayCapNhat: String

    /// The row `population.csv` has for it.
    var truthRow: [String?] {
        [soDinhDanh, hoVaTen, ngaySinh, gioiTinh, soDienThoai, noiThuongTru.maXa, noiThuongTru.diaChi, ngayCapNhat]
    }

    var isMalformed: Bool { soDinhDanh == nil || ngaySinh.contains("/") }
}

struct CitizenPage: Codable, Sendable {
    struct Meta: Codable, Sendable {
        let count: Int
        let next_cursor: String?
    }
    let data: [CitizenRecord]
    let meta: Meta
}

struct EnterpriseRecord: Codable, Hashable, Sendable {
    struct Activity: Codable, Hashable, Sendable {
        let maVSIC: String
    }
    struct Representative: Codable, Hashable, Sendable {
        let soDinhDanh: String
    }
    let maSoThue: String?
    let tenDoanhNghiep: String
    let nganhNgheChinh: Activity
    let vonDieuLe: Int64
    let tinhTrang: String
    let nguoiDaiDien: Representative
    let diaChiTruSo: String
    let ngayDangKy: String

    var truthRow: [String?] {
        [maSoThue, tenDoanhNghiep, nganhNgheChinh.maVSIC, String(vonDieuLe), tinhTrang, nguoiDaiDien.soDinhDanh,
         diaChiTruSo, ngayDangKy]
    }
}

struct EnterprisePage: Codable, Sendable {
    let results: [EnterpriseRecord]
    let total: Int
}

/// A small client of the three feeds; `retrying` variants survive every fault the simulator injects.
struct FeedClient: Sendable {
    let base: String
    let credentials: Credentials

    func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil)
        async throws -> Answer
    {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 256 << 20)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return Answer(status: Int(response.status.code), headers: fields, body: Array(buffer.readableBytesView))
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// A fresh access token (no retries).
    func token() async throws -> Answer {
        try await send(
            "POST", "/oauth/token",
            headers: [
                ("Authorization", Self.basic(credentials.populationClientID, credentials.populationClientSecret)),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ], body: Array("grant_type=client_credentials&scope=citizens.read".utf8))
    }

    func accessToken() async throws -> String {
        for _ in 0..<30 {
            let answer = try? await token()
            guard let answer else { continue }
            if answer.status == 429 || answer.status == 503 {
                try await Task.sleep(for: .milliseconds(50))
                continue
            }
            guard answer.status == 200,
                let object = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any],
                let token = object["access_token"] as? String
            else { throw TestFailure("token endpoint answered \(answer.status)") }
            return token
        }
        throw TestFailure("no token after 30 attempts")
    }

    func citizens(_ query: String, token: String) async throws -> Answer {
        try await send("GET", "/v1/citizens?" + query, headers: [("Authorization", "Bearer " + token)])
    }

    /// Retries a request until it answers 200 with a body that `accept` takes; counts the faults seen.
    func retrying<T>(
        _ faults: inout Int, request: () async throws -> Answer, refreshToken: () async throws -> Void = {},
        accept: (Answer) throws -> T
    ) async throws -> T {
        for _ in 0..<40 {
            let answer: Answer
            do {
                answer = try await request()
            } catch {
                faults += 1
                continue
            }
            switch answer.status {
            case 200:
                do { return try accept(answer) } catch { faults += 1 }
            case 401:
                faults += 1
                try await refreshToken()
            case 429:
                faults += 1
                XCTAssertEqual(answer.headers["retry-after"], "1")
                try await Task.sleep(for: .milliseconds(100))
            case 503:
                faults += 1
            default:
                throw TestFailure("unexpected status \(answer.status)")
            }
        }
        throw TestFailure("no good answer after 40 attempts")
    }

    /// Every record of a cursor walk, in order, with the number of pages; retries every fault.
    func walkPopulation(query: String = "", limit: Int = 1000, faults: inout Int) async throws
        -> (records: [CitizenRecord], pages: Int)
    {
        var token = try await accessToken()
        var records: [CitizenRecord] = []
        var cursor: String? = nil
        var pages = 0
        repeat {
            var q = "limit=\(limit)"
            if !query.isEmpty { q += "&" + query }
            if let cursor { q += "&cursor=" + cursor }
            let page = try await retrying(
                &faults, request: { try await citizens(q, token: token) },
                refreshToken: { token = try await accessToken() },
                accept: { try JSONDecoder().decode(CitizenPage.self, from: Data($0.body)) })
            records += page.data
            pages += 1
            cursor = page.meta.next_cursor
        } while cursor != nil
        return (records, pages)
    }

    /// The whole business snapshot; retries every fault.
    func walkBusiness(limit: Int = 500, faults: inout Int) async throws -> [EnterpriseRecord] {
        var out: [EnterpriseRecord] = []
        var offset = 0
        while true {
            let page = try await retrying(
                &faults,
                request: {
                    try await send(
                        "GET", "/api/v2/enterprises?province=24&offset=\(offset)&limit=\(limit)",
                        headers: [("X-API-Key", credentials.businessAPIKey)])
                }, accept: { try JSONDecoder().decode(EnterprisePage.self, from: Data($0.body)) })
            out += page.results
            offset += page.results.count
            if page.results.count < limit { return out }
        }
    }

    /// The inflated CSV of a month; retries every fault, bad gzip included.
    func insuranceCSV(period: String, faults: inout Int) async throws -> [UInt8] {
        try await retrying(
            &faults,
            request: {
                try await send(
                    "GET", "/exports/participants.csv.gz?period=" + period,
                    headers: [("Authorization", Self.basic(credentials.insuranceUser, credentials.insurancePassword))])
            },
            accept: { answer in
                guard let csv = Inflate.gunzip(answer.body) else { throw TestFailure("bad gzip") }
                return csv
            })
    }
}

/// gunzip with zlib (the CRC-32 and length of the trailer are checked).
enum Inflate {
    static func gunzip(_ input: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return nil
        }
        defer { inflateEnd(&stream) }
        var input = input
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = UInt32(outBuf.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return outBuf.count - Int(stream.avail_out)
                }
                output += chunk[0..<produced]
            } while status == Z_OK
        }
        return status == Z_STREAM_END && stream.avail_in == 0 ? output : nil
    }
}

/// RFC 4180 CSV reading: an unquoted empty field is nil (NULL), a quoted one "".
enum CSVReader {
    static func read(_ url: URL) throws -> [[String?]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var rows: [[String?]] = []
        var row: [String?] = []
        var field = ""
        var quoted = false
        var inQuotes = false
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending {
                pending = nil
                return p
            }
            return iterator.next()
        }
        func endField() {
            row.append(field.isEmpty && !quoted ? nil : field)
            field = ""
            quoted = false
        }
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else {
                            inQuotes = false
                            pending = n
                        }
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                inQuotes = true
                quoted = true
            case ",":
                endField()
            case "\n":
                endField()
                rows.append(row)
                row = []
            default:
                field.unicodeScalars.append(c)
            }
        }
        return rows
    }
}
