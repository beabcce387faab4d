import Synchronization
import XCTest

@testable import Ingest

/// A window's chain of pages: in order, never more than its depth ahead of the reader, an error after the pages
/// before it, and stopped without a request left running.
final class WindowPageChainTests: XCTestCase {
    /// Steps begun.
    private final class Counter: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    /// Pages `0..<count` at addresses `p0`, `p1`…; `started` counts the steps begun.
    private func chain(count: Int, depth: Int, started: Counter, failAt: Int? = nil) -> WindowPageChain<Int> {
        WindowPageChain(depth: depth, first: "p0") { url, index in
            started.add()
            XCTAssertEqual(url, "p\(index)", "each page is asked at the address the one before gave")
            if index == failAt { throw ChainFault(index: index) }
            return (index, index + 1 < count ? "p\(index + 1)" : nil)
        }
    }

    private struct ChainFault: Error, Equatable { let index: Int }

    func testPagesComeInOrderAndNeverMoreThanTheDepthAhead() async throws {
        for depth in [1, 2, 4] {
            let started = Counter()
            let pages = chain(count: 25, depth: depth, started: started)
            var read: [Int] = []
            for try await page in pages.pages {
                // Taken so far: `read.count` pages, so at most depth + read.count steps may have begun.
                XCTAssertLessThanOrEqual(started.value, depth + read.count, "depth \(depth), page \(page)")
                read.append(page)
                pages.took()
            }
            XCTAssertEqual(read, Array(0..<25), "depth \(depth)")
            XCTAssertEqual(started.value, 25)
        }
    }

    func testAnErrorComesAfterThePagesBeforeIt() async {
        let pages = chain(count: 10, depth: 2, started: Counter(), failAt: 6)
        var read: [Int] = []
        do {
            for try await page in pages.pages {
                read.append(page)
                pages.took()
            }
            XCTFail("the chain's error reaches its reader")
        } catch {
            XCTAssertEqual(error as? ChainFault, ChainFault(index: 6))
        }
        XCTAssertEqual(read, Array(0..<6))
    }

    func testAStoppedChainAsksNothingMore() async throws {
        let started = Counter()
        let pages = chain(count: 100, depth: 3, started: started)
        var iterator = pages.pages.makeAsyncIterator()
        let first = try await iterator.next()
        XCTAssertEqual(first, 0)
        await pages.stop()
        let asked = started.value
        XCTAssertLessThanOrEqual(asked, 3, "no more than its depth was asked before the stop")
        // The stream ends (after what was already fetched, or with the cancellation of a step under way) and
        // nothing more is asked.
        var rest = 0
        do {
            while try await iterator.next() != nil { rest += 1 }
        } catch is CancellationError {}
        XCTAssertLessThanOrEqual(rest, 2)
        XCTAssertEqual(started.value, asked)
    }
}
