/// The pages of one window of a paged REST feed, fetched in order by a task of their own and at most `depth`
/// ahead of their reader: the next page's address is known only once a page is read, so a window's pages form a
/// chain, and a feed of many windows is fetched as several chains at once (as many as the manifest's
/// `concurrency` allows) while its pages are still read, typed and staged in feed order.
final class WindowPageChain<Page: Sendable>: Sendable {
    /// The window's pages, in order; ends after the last, or with the first error.
    let pages: AsyncThrowingStream<Page, any Error>
    private let credits: AsyncStream<Void>.Continuation
    private let task: Task<Void, Never>

    /// Starts fetching at `first`; `step` fetches one address (the window's `index`th page) and gives the page
    /// and the next page's address (nil after the last).
    init(
        depth: Int, first: String,
        step: @escaping @Sendable (_ url: String, _ index: Int) async throws -> (page: Page, next: String?)
    ) {
        let (pages, sink) = AsyncThrowingStream<Page, any Error>.makeStream()
        let (creditStream, credits) = AsyncStream<Void>.makeStream()
        self.pages = pages
        self.credits = credits
        task = Task {
            var taken = creditStream.makeAsyncIterator()
            var allowed = max(1, depth)
            var url: String? = first
            var index = 0
            while let current = url {
                if allowed == 0 {
                    // Wait until the reader takes a page (nil: the reader stopped).
                    guard await taken.next() != nil else { break }
                    allowed = 1
                }
                allowed -= 1
                do {
                    try Task.checkCancellation()
                    let (page, next) = try await step(current, index)
                    sink.yield(page)
                    url = next
                    index += 1
                } catch {
                    sink.finish(throwing: error)
                    return
                }
            }
            sink.finish()
        }
    }

    /// The reader took a page: the chain may fetch one more.
    func took() { credits.yield() }

    /// Stops fetching (a request in flight is cancelled) and waits for the chain's task to end.
    func stop() async {
        task.cancel()
        credits.finish()
        await task.value
    }
}
