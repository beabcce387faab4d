import Foundation

/// How to walk the pages of a result (Airbyte's `DefaultPaginator` strategies), selected by
/// `pagination.type`.
public enum PaginationSpec: Codable, Hashable, Sendable {
    /// One request, one document (`type: none`, or `pagination` omitted).
    case none
    /// `?page=N&page_size=S` (Airbyte's `PageIncrement`).
    case pageNumber(PageNumberPagination)
    /// `?offset=O&limit=L` (Airbyte's `OffsetIncrement`).
    case offsetLimit(OffsetLimitPagination)
    /// An opaque token from the response body sent back as a parameter (Airbyte's `CursorPagination`).
    case cursor(CursorPagination)
    /// The next page's full URL, from the body or from the `Link` header (RFC 8288).
    case nextURL(NextURLPagination)

    /// The values of `pagination.type`.
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// `none`
        case none
        /// `page_number`
        case pageNumber = "page_number"
        /// `offset_limit`
        case offsetLimit = "offset_limit"
        /// `cursor`
        case cursor
        /// `next_url`
        case nextURL = "next_url"
    }

    /// The `type` of this pagination.
    public var kind: Kind {
        switch self {
        case .none: return .none
        case .pageNumber: return .pageNumber
        case .offsetLimit: return .offsetLimit
        case .cursor: return .cursor
        case .nextURL: return .nextURL
        }
    }

    private enum TypeKey: String, CodingKey { case type }

    /// Decodes by `type`, the other keys beside it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: TypeKey.self)
        switch try container.decode(Kind.self, forKey: .type) {
        case .none: self = .none
        case .pageNumber: self = .pageNumber(try PageNumberPagination(from: decoder))
        case .offsetLimit: self = .offsetLimit(try OffsetLimitPagination(from: decoder))
        case .cursor: self = .cursor(try CursorPagination(from: decoder))
        case .nextURL: self = .nextURL(try NextURLPagination(from: decoder))
        }
    }

    /// Encodes `type` and the variant's keys in one mapping.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(kind, forKey: .type)
        switch self {
        case .none: break
        case .pageNumber(let spec): try spec.encode(to: encoder)
        case .offsetLimit(let spec): try spec.encode(to: encoder)
        case .cursor(let spec): try spec.encode(to: encoder)
        case .nextURL(let spec): try spec.encode(to: encoder)
        }
    }
}

/// Page-number pagination; stops at the first page with fewer than `page_size` records.
public struct PageNumberPagination: Codable, Hashable, Sendable {
    /// Records per page.
    public var pageSize: Int
    /// Query parameter carrying the page number (default `page`).
    public var pageParameter: String
    /// Query parameter carrying the page size; nil sends none.
    public var pageSizeParameter: String?
    /// Number of the first page (default 1).
    public var startFromPage: Int

    /// Creates a page-number pagination.
    public init(pageSize: Int, pageParameter: String = "page", pageSizeParameter: String? = nil, startFromPage: Int = 1) {
        self.pageSize = pageSize
        self.pageParameter = pageParameter
        self.pageSizeParameter = pageSizeParameter
        self.startFromPage = startFromPage
    }

    /// The YAML keys of `pagination` with `type: page_number`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case pageSize = "page_size"
        case pageParameter = "page_parameter"
        case pageSizeParameter = "page_size_parameter"
        case startFromPage = "start_from_page"
    }

    /// Decodes, defaulting omitted keys.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pageSize = try container.decode(Int.self, forKey: .pageSize)
        pageParameter = try container.decodeIfPresent(String.self, forKey: .pageParameter) ?? "page"
        pageSizeParameter = try container.decodeIfPresent(String.self, forKey: .pageSizeParameter)
        startFromPage = try container.decodeIfPresent(Int.self, forKey: .startFromPage) ?? 1
    }
}

/// Offset/limit pagination; stops at the first page with fewer than `page_size` records.
public struct OffsetLimitPagination: Codable, Hashable, Sendable {
    /// Records per page, sent as the limit.
    public var pageSize: Int
    /// Query parameter carrying the offset (default `offset`).
    public var offsetParameter: String
    /// Query parameter carrying the limit (default `limit`).
    public var limitParameter: String

    /// Creates an offset/limit pagination.
    public init(pageSize: Int, offsetParameter: String = "offset", limitParameter: String = "limit") {
        self.pageSize = pageSize
        self.offsetParameter = offsetParameter
        self.limitParameter = limitParameter
    }

    /// The YAML keys of `pagination` with `type: offset_limit`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case pageSize = "page_size"
        case offsetParameter = "offset_parameter"
        case limitParameter = "limit_parameter"
    }

    /// Decodes, defaulting omitted keys.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pageSize = try container.decode(Int.self, forKey: .pageSize)
        offsetParameter = try container.decodeIfPresent(String.self, forKey: .offsetParameter) ?? "offset"
        limitParameter = try container.decodeIfPresent(String.self, forKey: .limitParameter) ?? "limit"
    }
}

/// Cursor-token pagination; stops when the token is absent, null or empty.
public struct CursorPagination: Codable, Hashable, Sendable {
    /// Where the next token is in the response body, e.g. `meta.next_cursor`.
    public var cursorPath: DocumentPath
    /// Query parameter carrying the token on the next request.
    public var cursorParameter: String
    /// Records per page; nil lets the source choose.
    public var pageSize: Int?
    /// Query parameter carrying the page size; nil sends none.
    public var pageSizeParameter: String?

    /// Creates a cursor pagination.
    public init(cursorPath: DocumentPath, cursorParameter: String, pageSize: Int? = nil, pageSizeParameter: String? = nil) {
        self.cursorPath = cursorPath
        self.cursorParameter = cursorParameter
        self.pageSize = pageSize
        self.pageSizeParameter = pageSizeParameter
    }

    /// The YAML keys of `pagination` with `type: cursor`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case cursorPath = "cursor_path"
        case cursorParameter = "cursor_parameter"
        case pageSize = "page_size"
        case pageSizeParameter = "page_size_parameter"
    }
}

/// Next-URL pagination (FHIR `link[relation=next].url`, SensorThings `@iot.nextLink`,
/// OGC API `links`, or an HTTP `Link: <…>; rel="next"` header); stops when there is none.
public struct NextURLPagination: Codable, Hashable, Sendable {
    /// Where the next URL comes from.
    public enum Source: String, Codable, Hashable, Sendable, CaseIterable {
        /// A value of the response body at `path`.
        case body
        /// The `Link` header's `rel="next"` target.
        case linkHeader = "link_header"
    }

    /// Body or `Link` header.
    public var from: Source
    /// Where the URL is in the body (required when `from: body`).
    public var path: DocumentPath?
    /// Records per page asked on the first request; nil lets the source choose.
    public var pageSize: Int?
    /// Query parameter carrying the page size on the first request.
    public var pageSizeParameter: String?

    /// Creates a next-URL pagination.
    public init(from: Source, path: DocumentPath? = nil, pageSize: Int? = nil, pageSizeParameter: String? = nil) {
        self.from = from
        self.path = path
        self.pageSize = pageSize
        self.pageSizeParameter = pageSizeParameter
    }

    /// The YAML keys of `pagination` with `type: next_url`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case from, path
        case pageSize = "page_size"
        case pageSizeParameter = "page_size_parameter"
    }
}
