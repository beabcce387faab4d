import Dispatch
import Foundation
import Hummingbird

/// The initial generation's citizen records rendered once, at start-up, each followed by `,` (opt-in,
/// `--prerender`: ≈ 265 bytes per person, 370 MB at scale 1). A page of consecutive live records is then one or
/// two copies, so the simulator costs little beside an ingest benchmark. Records are kept in chunks of 65,536
/// people, so start-up never holds two copies.
final class RecordArena: Sendable {
    static let chunkSize = 65_536
    private let chunks: [[UInt8]]
    /// Per chunk, the reader offset of each record in it, then the chunk's end.
    private let offsets: [[Int]]

    /// Renders people `0..<basePeople` (version 0) on all cores.
    init(people: PersonGenerator, timeline: Timeline) {
        let count = timeline.basePeople
        let chunkCount = (count + Self.chunkSize - 1) / Self.chunkSize
        let results = ChunkResults(count: chunkCount)
        DispatchQueue.concurrentPerform(iterations: chunkCount) { c in
            let range = (c * Self.chunkSize)..<min(count, (c + 1) * Self.chunkSize)
            var buffer: [UInt8] = []
            buffer.reserveCapacity(range.count * 272)
            var local: [Int] = []
            local.reserveCapacity(range.count + 1)
            for i in range {
                local.append(buffer.count)
                let person = people.person(
                    i, version: 0, updatedAt: timeline.initialTime(i),
                    preReform: timeline.isPreReform(person: i, version: 0))
                Simulation.writePerson(person, to: &buffer)
                buffer.append(UInt8(ascii: ","))
            }
            local.append(buffer.count)
            results.set(c, buffer, local)
        }
        (chunks, offsets) = results.all()
    }

    /// Appends the records of people `range` (each with its trailing comma).
    func write(_ range: Range<Int>, to out: inout [UInt8]) {
        var i = range.lowerBound
        while i < range.upperBound {
            let c = i / Self.chunkSize
            let end = min(range.upperBound, (c + 1) * Self.chunkSize)
            let first = offsets[c][i - c * Self.chunkSize]
            let last = offsets[c][end - c * Self.chunkSize]
            out.append(contentsOf: chunks[c][first..<last])
            i = end
        }
    }
}

/// Per-chunk results of the parallel render.
private final class ChunkResults: @unchecked Sendable {
    private let lock = NSLock()
    private var buffers: [[UInt8]]
    private var offsets: [[Int]]

    init(count: Int) {
        buffers = Array(repeating: [], count: count)
        offsets = Array(repeating: [], count: count)
    }

    func set(_ c: Int, _ buffer: [UInt8], _ local: [Int]) {
        lock.withLock {
            buffers[c] = buffer
            offsets[c] = local
        }
    }

    func all() -> ([[UInt8]], [[Int]]) { lock.withLock { (buffers, offsets) } }
}
