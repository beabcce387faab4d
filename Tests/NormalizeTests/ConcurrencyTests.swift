import Foundation
import XCTest

@testable import Normalize

final class ConcurrencyTests: XCTestCase {
    /// The normalisers share only immutable tables: the same answers from 2 threads as from one.
    func testConcurrentCallsAgree() {
        let inputs: [(String, Semantic)] = [
            ("Nguyễn Thị Hòa", .vnPersonName), ("P. Vũ Ninh, TP. Bắc Ninh", .vnAdminUnit), ("01681234567", .vnPhone),
            ("05/03/1990", .dateDMY), ("NguyÔn ThÞ Hoµ", .legacyText), ("553348.555 2346112.972 9209", .vn2000Point),
        ]
        let context = NormalizationContext(asOf: day(2024, 1, 1))
        let expected = inputs.map { try? normalize($0.0, as: $0.1, context: context).get().value }
        let mismatches = Counter()
        DispatchQueue.concurrentPerform(iterations: 2000) { i in
            let k = i % inputs.count
            let got = try? normalize(inputs[k].0, as: inputs[k].1, context: context).get().value
            if got != expected[k] { mismatches.increment() }
        }
        XCTAssertEqual(mismatches.value, 0)
    }
}

/// A lock-protected count.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() { lock.lock(); count += 1; lock.unlock() }

    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
