import AsyncHTTPClient
import Foundation
import NIOCore

/// A response body as it arrives, in buffers, with back-pressure; counts the bytes it hands out.
public struct BodyStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    let base: HTTPClientResponse.Body
    let counter: ByteCounter

    init(_ base: HTTPClientResponse.Body) {
        self.base = base
        self.counter = ByteCounter()
    }

    /// Bytes handed out so far.
    public var bytes: Int { counter.value }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator
        let counter: ByteCounter

        public mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            counter.add(buffer.readableBytes)
            return buffer
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), counter: counter)
    }

    /// The whole body, refusing more than `limit` bytes (for pages of a REST feed, which are bounded).
    public func collect(upTo limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in self {
            guard bytes.count + buffer.readableBytes <= limit else {
                throw BodyTooLarge(limit: limit)
            }
            bytes.append(contentsOf: buffer.readableBytesView)
        }
        return bytes
    }
}

/// A page was larger than the limit set for it.
public struct BodyTooLarge: Error, CustomStringConvertible, Sendable {
    /// The limit, in bytes.
    public let limit: Int
    /// What happened and what to do.
    public var description: String {
        "the response body is larger than \(limit) bytes, the limit of one page of records: ask for smaller pages (the manifest's page-size parameter), or the server is sending something other than a page"
    }
}

final class ByteCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add(_ n: Int) {
        lock.lock()
        count += n
        lock.unlock()
    }
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
