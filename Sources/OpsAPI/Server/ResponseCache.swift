import Foundation
import HTTPTypes
import Hummingbird

/// Answers of views without personal data, kept in memory until their view is rebuilt: the integrated views
/// change once a night, so the thousandth reading of a ward's profile costs no query. The key holds the build
/// (the model run that made the table), the role, the format and the request; a rebuild makes new keys and the
/// old entries age out. Bounded in bytes; the oldest entries go first. Personal views are never cached.
final class ResponseCache: @unchecked Sendable {
    private struct Entry {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: [UInt8]
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    private var head = 0
    private var bytes = 0
    let capacityBytes: Int
    let largestEntry: Int

    init(capacityBytes: Int = 64 << 20, largestEntry: Int = 4 << 20) {
        self.capacityBytes = capacityBytes
        self.largestEntry = largestEntry
    }

    static func key(build: Int64, role: Role, format: String, path: String, query: String?) -> String {
        "\(build)|\(role.rawValue)|\(format)|\(path)?\(query ?? "")"
    }

    /// The cached answer for `key`, or a 304 when the request already holds its ETag.
    func answer(_ key: String?, to request: Request) -> Response? {
        guard let key, let cached = response(key) else { return nil }
        if let tag = cached.headers[.eTag], request.headers[.ifNoneMatch].map({ ViewPager.matches($0, tag) }) == true {
            return Response(status: .notModified, headers: cached.headers)
        }
        return cached
    }

    func response(_ key: String) -> Response? {
        guard let entry = lock.withLock({ entries[key] }) else { return nil }
        return Response(status: entry.status, headers: entry.headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: entry.body)))
    }

    func store(_ key: String, status: HTTPResponse.Status, headers: HTTPFields, body: [UInt8]) {
        guard body.count <= largestEntry else { return }
        lock.withLock {
            if entries[key] != nil { return }
            entries[key] = Entry(status: status, headers: headers, body: body)
            order.append(key)
            bytes += body.count
            while bytes > capacityBytes || entries.count > 20_000, head < order.count {
                let oldest = order[head]
                head += 1
                if let removed = entries.removeValue(forKey: oldest) { bytes -= removed.body.count }
            }
            if head > 4_096 && head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }
}
