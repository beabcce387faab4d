/// Why the transform stage could not run a feed.
public enum TransformError: Error, Sendable, CustomStringConvertible {
    /// Another transform of the feed is running.
    case busy(feed: String)
    /// The administrative reference data shipped with the build cannot be read.
    case referenceData(String)
    /// The manifest's `place.province` is not a post-2025 province.
    case unknownProvince(feed: String, code: String)
    /// A lane of a pass ended without saying how (a bug): the watermark is not moved.
    case laneLost(feed: String, lane: Int)

    public var description: String {
        switch self {
        case .busy(let feed):
            return "feed \(feed): another citypipe transform is normalising it now (advisory lock citypipe:transform:\(feed)); try again when it is done"
        case .referenceData(let reason):
            return "the administrative reference data cannot be read (\(reason)); reinstall this build"
        case .unknownProvince(let feed, let code):
            return "feed \(feed): place.province '\(code)' is not a province since 1 July 2025 (Bắc Ninh is \"24\"); correct Connectors/\(feed).yaml"
        case .laneLost(let feed, let lane):
            return "feed \(feed): lane \(lane) of the normalise pass ended without a result; the watermark stays, run citypipe transform again and report this"
        }
    }
}
