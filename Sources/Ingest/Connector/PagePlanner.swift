import Foundation
import Manifest

/// Builds the URL of each page of a feed from its manifest: the request's URL and parameters, the incremental
/// window, and the pagination state; and says whether there is a next page.
public struct PagePlanner: Sendable {
    /// What a fetched page tells about the next one.
    public struct PageOutcome: Sendable, Equatable {
        public var records: Int
        /// The cursor token at the manifest's `cursor_path`, for cursor pagination.
        public var cursorToken: String?
        /// The next page's URL from the body, for next-URL pagination.
        public var nextURL: String?
        /// The `Link` header, for next-URL pagination from headers.
        public var linkHeader: String?

        public init(records: Int, cursorToken: String? = nil, nextURL: String? = nil, linkHeader: String? = nil) {
            self.records = records
            self.cursorToken = cursorToken
            self.nextURL = nextURL
            self.linkHeader = linkHeader
        }
    }

    public let request: RequestSpec
    public let pagination: PaginationSpec
    /// Parameters of the incremental window (`updated_since=…`), added to every page.
    public let windowParameters: [(String, String)]

    public init(request: RequestSpec, pagination: PaginationSpec, windowParameters: [(String, String)] = []) {
        self.request = request
        self.pagination = pagination
        self.windowParameters = windowParameters
    }

    /// The URL of the first page.
    public func firstURL() -> String {
        var parameters = request.parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + windowParameters
        switch pagination {
        case .none: break
        case .pageNumber(let page):
            parameters.append((page.pageParameter, String(page.startFromPage)))
            if let size = page.pageSizeParameter { parameters.append((size, String(page.pageSize))) }
        case .offsetLimit(let offset):
            parameters += [(offset.offsetParameter, "0"), (offset.limitParameter, String(offset.pageSize))]
        case .cursor(let cursor):
            if let size = cursor.pageSizeParameter, let pageSize = cursor.pageSize { parameters.append((size, String(pageSize))) }
        case .nextURL(let next):
            if let size = next.pageSizeParameter, let pageSize = next.pageSize { parameters.append((size, String(pageSize))) }
        }
        return PagePlanner.address(request.url, parameters)
    }

    /// The URL of the page after page number `index` (0-based), or nil when that was the last.
    public func nextURL(afterPage index: Int, outcome: PageOutcome) -> String? {
        var parameters = request.parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + windowParameters
        switch pagination {
        case .none:
            return nil
        case .pageNumber(let page):
            guard outcome.records > 0, outcome.records >= page.pageSize else { return nil }
            parameters.append((page.pageParameter, String(page.startFromPage + index + 1)))
            if let size = page.pageSizeParameter { parameters.append((size, String(page.pageSize))) }
        case .offsetLimit(let offset):
            guard outcome.records > 0, outcome.records >= offset.pageSize else { return nil }
            parameters += [
                (offset.offsetParameter, String((index + 1) * offset.pageSize)), (offset.limitParameter, String(offset.pageSize)),
            ]
        case .cursor(let cursor):
            guard let token = outcome.cursorToken, !token.isEmpty, outcome.records > 0 else { return nil }
            parameters.append((cursor.cursorParameter, token))
            if let size = cursor.pageSizeParameter, let pageSize = cursor.pageSize { parameters.append((size, String(pageSize))) }
        case .nextURL(let next):
            // An empty page ends the feed even when it links a next one (pygeoapi links a next page after the last
            // when the total is a multiple of the page size, geopython/pygeoapi#1237).
            guard outcome.records > 0 else { return nil }
            switch next.from {
            case .body: return outcome.nextURL.flatMap { $0.isEmpty ? nil : $0 }
            case .linkHeader: return outcome.linkHeader.flatMap(PagePlanner.nextLink)
            }
        }
        return PagePlanner.address(request.url, parameters)
    }

    /// `url` with the parameters named in it as `{name}` put in their place (a partition's OGC collection,
    /// `…/collections/{collection}/items`) and the others appended as its query.
    static func address(_ url: String, _ parameters: [(String, String)]) -> String {
        var url = url
        var query: [(String, String)] = []
        query.reserveCapacity(parameters.count)
        for (name, value) in parameters {
            let slot = "{\(name)}"
            if url.contains(slot) {
                let segment = value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? value
                url = url.replacingOccurrences(of: slot, with: segment)
            } else {
                query.append((name, value))
            }
        }
        return Authenticator.appending(query: query, to: url)
    }

    /// The `rel="next"` target of an RFC 8288 `Link` header.
    public static func nextLink(_ header: String) -> String? {
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let isNext = pieces.dropFirst().contains { piece in
                let lowered = piece.lowercased().replacingOccurrences(of: " ", with: "")
                return lowered == "rel=\"next\"" || lowered == "rel=next"
                    || (lowered.hasPrefix("rel=\"") && lowered.dropFirst(5).dropLast().split(separator: " ").contains("next"))
            }
            if isNext { return String(target.dropFirst().dropLast()) }
        }
        return nil
    }
}
