/// A CSV document of a feed that cannot be read at all (`CSVError`), with the feed and the document it came from.
/// The document is named by its file path, or by its URL without the query (which may carry an API key); never by
/// its content.
public struct CSVDocumentError: Error, Sendable, CustomStringConvertible {
    public let feed: String
    /// The file path, or the URL without its query.
    public let document: String
    public let error: CSVError

    /// Wraps `error` for `document` (a URL's query is dropped).
    public init(feed: String, document: String, error: CSVError) {
        self.feed = feed
        self.document = document.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? document
        self.error = error
    }

    public var description: String { "feed \(feed), document \(document): \(error)" }
}
