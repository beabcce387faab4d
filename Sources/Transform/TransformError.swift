/// Why the transform stage could not run a feed.
public enum TransformError: Error, Sendable, CustomStringConvertible {
    /// Another transform of the feed is running.
    case busy(feed: String)
    /// The administrative reference data shipped with the build cannot be read.
    case referenceData(String)
    /// A lane of a pass ended without saying how (a bug): the watermark is not moved.
    case laneLost(feed: String, lane: Int)

    public var description: String {
        switch self {
        case .busy(let feed):
            return "feed \(feed): another citypipe transform is normalising it now (advisory lock citypipe:transform:\(feed)); try again when it is done"
        case .referenceData(let reason):
            return "the administrative reference data cannot be read (\(reason)); reinstall this build"
        case .laneLost(let feed, let lane):
            return "feed \(feed): lane \(lane) of the normalise pass ended without a result; the watermark stays, run citypipe transform again and report this"
        }
    }
}
