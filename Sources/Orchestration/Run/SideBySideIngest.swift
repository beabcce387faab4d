import Ingest
import Manifest

/// The feeds of one ingest step loaded side by side.
enum SideBySideIngest {
    /// Loads `manifests` side by side, at most `limit` at a time, in the order given; one result per feed, in
    /// that order. `loaded` hears of each result as its load ends.
    static func load(
        _ manifests: [ConnectorManifest], limit: Int, step: String, runID: Int64, loader: FeedLoader,
        loaded: (FeedLoadResult) -> Void = { _ in }
    ) async -> [FeedLoadResult] {
        await withTaskGroup(of: (Int, FeedLoadResult).self) { group in
            var next = 0
            func start() {
                let index = next
                let manifest = manifests[index]
                next += 1
                group.addTask { (index, await loader.load(manifest, runID: runID, step: step)) }
            }
            while next < min(max(1, limit), manifests.count) { start() }
            var results: [(Int, FeedLoadResult)] = []
            for await result in group {
                loaded(result.1)
                results.append(result)
                if next < manifests.count { start() }
            }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
