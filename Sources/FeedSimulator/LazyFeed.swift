import Foundation

/// A feed made on the first request to one of its endpoints (not at start-up, which every simulator user would
/// wait for), then kept; its truth is written when it is made and, for feeds that change with the generation,
/// again after every advance once it has been served.
final class LazyFeed<Feed: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var made: Feed?

    /// The feed, made by `make` on the first call; `writeTruth` then writes its truth.
    func get(make: () throws -> Feed, writeTruth: (Feed) throws -> Void) throws -> Feed {
        try lock.withLock {
            if let made { return made }
            let feed = try make()
            try writeTruth(feed)
            made = feed
            return feed
        }
    }

    /// Rewrites the truth after an advance, when the feed has been made.
    func advanced(writeTruth: (Feed) throws -> Void) throws {
        try lock.withLock {
            guard let made else { return }
            try writeTruth(made)
        }
    }
}
