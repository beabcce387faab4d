import Foundation

/// How a feed authenticates (Airbyte's authenticators), selected by `auth.type`.
/// Every secret is a `${ENV_VAR}` placeholder; `citypipe check` rejects literals.
public enum AuthSpec: Codable, Hashable, Sendable {
    /// No authentication (`type: none`, or `auth` omitted).
    case none
    /// An API key in a header or a query parameter (`type: api_key`).
    case apiKey(APIKeyAuth)
    /// `Authorization: Bearer TOKEN` (`type: bearer`).
    case bearer(BearerAuth)
    /// HTTP Basic (`type: basic`).
    case basic(BasicAuth)
    /// OAuth 2.0 client credentials (`type: oauth2`).
    case oauth2(OAuth2Auth)

    /// The values of `auth.type`.
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// `none`
        case none
        /// `api_key`
        case apiKey = "api_key"
        /// `bearer`
        case bearer
        /// `basic`
        case basic
        /// `oauth2`
        case oauth2
    }

    /// The `type` of this authentication.
    public var kind: Kind {
        switch self {
        case .none: return .none
        case .apiKey: return .apiKey
        case .bearer: return .bearer
        case .basic: return .basic
        case .oauth2: return .oauth2
        }
    }

    private enum TypeKey: String, CodingKey { case type }

    /// Decodes by `type`, the other keys beside it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: TypeKey.self)
        switch try container.decode(Kind.self, forKey: .type) {
        case .none: self = .none
        case .apiKey: self = .apiKey(try APIKeyAuth(from: decoder))
        case .bearer: self = .bearer(try BearerAuth(from: decoder))
        case .basic: self = .basic(try BasicAuth(from: decoder))
        case .oauth2: self = .oauth2(try OAuth2Auth(from: decoder))
        }
    }

    /// Encodes `type` and the variant's keys in one mapping.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(kind, forKey: .type)
        switch self {
        case .none: break
        case .apiKey(let spec): try spec.encode(to: encoder)
        case .bearer(let spec): try spec.encode(to: encoder)
        case .basic(let spec): try spec.encode(to: encoder)
        case .oauth2(let spec): try spec.encode(to: encoder)
        }
    }
}

/// An API key (Airbyte's `ApiKeyAuthenticator`).
public struct APIKeyAuth: Codable, Hashable, Sendable {
    /// Where the key goes.
    public enum Placement: String, Codable, Hashable, Sendable, CaseIterable {
        /// A request header named `field_name`.
        case header
        /// A query parameter named `field_name`.
        case query
    }

    /// Header or query (default header).
    public var injectInto: Placement
    /// Header or parameter name, e.g. `X-API-Key`.
    public var fieldName: String
    /// The key: a placeholder such as `${CITYPIPE_BUSINESS_API_KEY}`.
    public var apiToken: String

    /// Creates an API-key authentication.
    public init(injectInto: Placement = .header, fieldName: String, apiToken: String) {
        self.injectInto = injectInto
        self.fieldName = fieldName
        self.apiToken = apiToken
    }

    /// The YAML keys of `auth` with `type: api_key`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case injectInto = "inject_into"
        case fieldName = "field_name"
        case apiToken = "api_token"
    }

    /// Decodes, defaulting `inject_into` to header.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        injectInto = try container.decodeIfPresent(Placement.self, forKey: .injectInto) ?? .header
        fieldName = try container.decode(String.self, forKey: .fieldName)
        apiToken = try container.decode(String.self, forKey: .apiToken)
    }
}

/// A static bearer token (Airbyte's `BearerAuthenticator`).
public struct BearerAuth: Codable, Hashable, Sendable {
    /// The token: a placeholder.
    public var apiToken: String

    /// Creates a bearer authentication.
    public init(apiToken: String) { self.apiToken = apiToken }

    /// The YAML keys of `auth` with `type: bearer`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case apiToken = "api_token"
    }
}

/// HTTP Basic (Airbyte's `BasicHttpAuthenticator`).
public struct BasicAuth: Codable, Hashable, Sendable {
    /// User name (may be literal).
    public var username: String
    /// Password: a placeholder.
    public var password: String

    /// Creates a basic authentication.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// The YAML keys of `auth` with `type: basic`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case username, password
    }
}

/// OAuth 2.0 client credentials grant (RFC 6749 §4.4; Airbyte's `OAuthAuthenticator`).
public struct OAuth2Auth: Codable, Hashable, Sendable {
    /// Grant types supported.
    public enum GrantType: String, Codable, Hashable, Sendable, CaseIterable {
        /// Machine-to-machine: client id and secret for an access token.
        case clientCredentials = "client_credentials"
    }

    /// How the client authenticates at the token endpoint (RFC 6749 §2.3.1).
    public enum ClientAuthentication: String, Codable, Hashable, Sendable, CaseIterable {
        /// `Authorization: Basic base64(id:secret)` (the RFC's recommendation; default).
        case basic
        /// `client_id` and `client_secret` in the form body.
        case body
    }

    /// Always `client_credentials` for now.
    public var grantType: GrantType
    /// Token endpoint.
    public var tokenURL: String
    /// Client id (placeholder or literal).
    public var clientID: String
    /// Client secret: a placeholder.
    public var clientSecret: String
    /// Scopes requested, space-joined in the request.
    public var scopes: [String]
    /// Where the client credentials go (default basic).
    public var clientAuthentication: ClientAuthentication
    /// Keep the access token until it expires instead of asking per request (default true).
    public var cacheToken: Bool
    /// On a 401, fetch a new token once and retry the request (default true).
    public var refreshOn401: Bool
    /// Renew the token this long before its `expires_in` runs out (default 60s).
    public var expiryMargin: ManifestDuration

    /// Creates a client-credentials authentication.
    public init(
        grantType: GrantType = .clientCredentials,
        tokenURL: String,
        clientID: String,
        clientSecret: String,
        scopes: [String] = [],
        clientAuthentication: ClientAuthentication = .basic,
        cacheToken: Bool = true,
        refreshOn401: Bool = true,
        expiryMargin: ManifestDuration = ManifestDuration(seconds: 60)
    ) {
        self.grantType = grantType
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scopes = scopes
        self.clientAuthentication = clientAuthentication
        self.cacheToken = cacheToken
        self.refreshOn401 = refreshOn401
        self.expiryMargin = expiryMargin
    }

    /// The YAML keys of `auth` with `type: oauth2`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case grantType = "grant_type"
        case tokenURL = "token_url"
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case scopes
        case clientAuthentication = "client_authentication"
        case cacheToken = "cache_token"
        case refreshOn401 = "refresh_on_401"
        case expiryMargin = "expiry_margin"
    }

    /// Decodes, defaulting omitted keys.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        grantType = try container.decodeIfPresent(GrantType.self, forKey: .grantType) ?? .clientCredentials
        tokenURL = try container.decode(String.self, forKey: .tokenURL)
        clientID = try container.decode(String.self, forKey: .clientID)
        clientSecret = try container.decode(String.self, forKey: .clientSecret)
        scopes = try container.decodeIfPresent([String].self, forKey: .scopes) ?? []
        clientAuthentication = try container.decodeIfPresent(ClientAuthentication.self, forKey: .clientAuthentication)
            ?? .basic
        cacheToken = try container.decodeIfPresent(Bool.self, forKey: .cacheToken) ?? true
        refreshOn401 = try container.decodeIfPresent(Bool.self, forKey: .refreshOn401) ?? true
        expiryMargin = try container.decodeIfPresent(ManifestDuration.self, forKey: .expiryMargin)
            ?? ManifestDuration(seconds: 60)
    }
}
