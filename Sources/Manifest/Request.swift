import Foundation

/// The HTTP request of a feed (Airbyte's `HttpRequester`): URL, method, query parameters,
/// headers, timeout. Values may hold `${ENV_VAR}` placeholders, resolved at run time by
/// `Placeholders.resolve`; secrets are only ever placeholders.
public struct RequestSpec: Codable, Hashable, Sendable {
    /// `http(s)://…`, `file:///…` (a glob for file feeds), usually `${BASE_URL}/path`.
    public var url: String
    /// HTTP method (default GET).
    public var method: HTTPMethod
    /// Query parameters sent with every request (pagination and incremental ones are added).
    public var parameters: [String: String]
    /// Headers sent with every request.
    public var headers: [String: String]
    /// Raw body of a POST, placeholders allowed.
    public var body: String?
    /// Timeout of one request, from connect to last byte (default 60s).
    public var timeout: ManifestDuration
    /// Parts of the source read one after the other in the same load (Airbyte's list partition router): each
    /// mapping adds its query parameters to one request (or page walk), e.g. one export file per old province.
    /// Empty: the source is one part.
    public var partitions: [[String: String]]
    /// Parts listed by another feed's staged records (one request walk per distinct value); nil: none.
    public var partitionsFrom: PartitionSource?

    /// Default for `timeout`.
    public static let defaultTimeout = ManifestDuration(seconds: 60)

    /// Creates a request.
    public init(
        url: String,
        method: HTTPMethod = .get,
        parameters: [String: String] = [:],
        headers: [String: String] = [:],
        body: String? = nil,
        timeout: ManifestDuration = RequestSpec.defaultTimeout,
        partitions: [[String: String]] = [],
        partitionsFrom: PartitionSource? = nil
    ) {
        self.partitions = partitions
        self.partitionsFrom = partitionsFrom
        self.url = url
        self.method = method
        self.parameters = parameters
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// The YAML keys of `request`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case url, method, parameters, headers, body, timeout, partitions
        case partitionsFrom = "partitions_from"
    }

    /// Decodes, defaulting omitted keys.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        method = try container.decodeIfPresent(HTTPMethod.self, forKey: .method) ?? .get
        parameters = try container.decodeIfPresent([String: String].self, forKey: .parameters) ?? [:]
        headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        body = try container.decodeIfPresent(String.self, forKey: .body)
        timeout = try container.decodeIfPresent(ManifestDuration.self, forKey: .timeout) ?? Self.defaultTimeout
        partitions = try container.decodeIfPresent([[String: String]].self, forKey: .partitions) ?? []
        partitionsFrom = try container.decodeIfPresent(PartitionSource.self, forKey: .partitionsFrom)
    }
}

/// HTTP methods a feed may use.
public enum HTTPMethod: String, Codable, Hashable, Sendable, CaseIterable {
    /// GET (the default).
    case get = "GET"
    /// POST, for search endpoints that take a body.
    case post = "POST"
}
