import Foundation

/// A bounded hand-over of byte chunks from a producing Dispatch thread (a database export) to the async task
/// writing the response: the producer blocks while `capacity` chunks wait, so a slow client slows the export
/// and memory stays flat; when the consumer goes away, `send` returns false and the producer stops.
final class ChunkChannel: @unchecked Sendable {
    /// Thrown by a producer that stops because the consumer went away.
    struct Closed: Error {}

    private let lock = NSLock()
    private let space: DispatchSemaphore
    private var queue: [[UInt8]] = []
    private var finished = false
    private var failure: (any Error)?
    private var consumerGone = false
    private var waiting: CheckedContinuation<[UInt8]?, any Error>?
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        space = DispatchSemaphore(value: capacity)
    }

    deinit {
        // Wake a producer that still waits for room (the response was dropped).
        markConsumerGone()
    }

    /// Hands a chunk over, waiting for room; false when the consumer has gone.
    func send(_ chunk: [UInt8]) -> Bool {
        space.wait()
        lock.lock()
        if consumerGone {
            lock.unlock()
            space.signal()
            return false
        }
        if let continuation = waiting {
            waiting = nil
            lock.unlock()
            space.signal()
            continuation.resume(returning: chunk)
            return true
        }
        queue.append(chunk)
        lock.unlock()
        return true
    }

    /// No more chunks: the end, or an error.
    func finish(_ error: (any Error)?) {
        lock.lock()
        finished = true
        failure = error
        let continuation = waiting
        waiting = nil
        lock.unlock()
        if let continuation {
            if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: nil) }
        }
    }

    /// The next chunk, nil at the end; throws the producer's error.
    func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                lock.lock()
                if !queue.isEmpty {
                    let chunk = queue.removeFirst()
                    lock.unlock()
                    space.signal()
                    continuation.resume(returning: chunk)
                    return
                }
                if finished || consumerGone {
                    let error = failure
                    lock.unlock()
                    if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: nil) }
                    return
                }
                waiting = continuation
                lock.unlock()
            }
        } onCancel: {
            self.markConsumerGone()
        }
    }

    /// The consumer stops reading: the producer's next `send` returns false.
    func markConsumerGone() {
        lock.lock()
        consumerGone = true
        let continuation = waiting
        waiting = nil
        lock.unlock()
        continuation?.resume(returning: nil)
        // Room for a producer blocked in send, which then sees consumerGone.
        for _ in 0..<capacity { space.signal() }
    }
}
