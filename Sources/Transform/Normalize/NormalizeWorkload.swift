import Dispatch
import Foundation
import Postgres

/// The Dispatch half of a normalise pass on its own: a feed's staged rows read into memory first, in the shape
/// and batches a pass reads them, then normalised by the code a pass runs (`NormalizeLane.normalize`) on a
/// number of Dispatch workers, with nothing written.
///
/// A real pass shares the machine's cores with PostgreSQL, which reads and writes its rows meanwhile; this
/// measures how the normalisation itself scales with workers when it has the cores (`Benchmarks/transform`,
/// `transform-bench`). Memory grows with the rows read: it is a measuring tool, not a way to run the stage.
public struct NormalizeWorkload: Sendable {
    /// The feed's plan.
    public let plan: FeedNormalization
    /// The rows read, in batches of the pass's size.
    let batches: [[[String?]]]
    private let lane: NormalizeLane

    /// Rows held.
    public var rows: Int { batches.reduce(0) { $0 + $1.count } }

    /// Reads staged rows of the plan's feed from `connection`, in physical order, deleted rows included, as a first
    /// build reads them, in batches of `batchSize`: all of them, or with a `limit` the first heap pages that hold
    /// about that many by the table's statistics (never more than `limit`).
    public static func read(
        _ plan: FeedNormalization, limit: Int = .max, batchSize: Int = 20_000, _ connection: PostgresConnection
    ) throws -> NormalizeWorkload {
        let lane = NormalizeLane(
            plan: plan, normalizer: try RecordNormalizer.today(plan), batchSize: batchSize, slices: 1,
            share: LaneShare(lane: 0, lanes: 1, pagesPerBatch: 1), since: nil, fresh: true)
        let pages = try lane.heapPages(connection)
        let wanted = try LaneShare.shares(plan, lanes: 1, batchSize: min(limit, Int(Int32.max)), connection)[0].pagesPerBatch
        var batches: [[[String?]]] = []
        var batch: [[String?]] = []
        batch.reserveCapacity(batchSize)
        var kept = 0
        _ = try connection.copyOutRows(lane.readQuery(from: 0, to: min(pages, wanted)), name: "read \(plan.feed) into memory") { row in
            guard kept < limit else { return }
            kept += 1
            batch.append(row)
            if batch.count == batchSize {
                batches.append(batch)
                batch = []
                batch.reserveCapacity(batchSize)
            }
        }
        if !batch.isEmpty { batches.append(batch) }
        return NormalizeWorkload(plan: plan, batches: batches, lane: lane)
    }

    /// Normalises every batch once on `workers` Dispatch workers (`DispatchQueue.concurrentPerform`, each worker
    /// taking the next batch not yet taken, one batch at a time); returns the values that failed their
    /// normaliser (the rejects a pass would write).
    public func normalize(workers: Int) -> Int {
        let queue = BatchQueue(count: batches.count)
        let lane = self.lane
        let batches = self.batches
        DispatchQueue.concurrentPerform(iterations: max(1, workers)) { _ in
            var failures = 0
            while let next = queue.take() {
                for output in lane.normalize(batches[next]) { failures += output.failures.count }
            }
            queue.add(failures: failures)
        }
        return queue.failures
    }
}

/// The batches not yet taken by a worker, and the failures the workers found.
private final class BatchQueue: @unchecked Sendable {
    private let lock = NSLock()
    private let count: Int
    private var next = 0
    private var found = 0

    init(count: Int) { self.count = count }

    func take() -> Int? {
        lock.withLock {
            guard next < count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func add(failures: Int) { lock.withLock { found += failures } }

    var failures: Int { lock.withLock { found } }
}
