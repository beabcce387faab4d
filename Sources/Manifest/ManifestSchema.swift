/// The shape of a manifest, as data: which keys each mapping takes, which are required, what
/// each value must be. The validator walks a document against it; the key sets match the
/// models' `CodingKeys` (a test checks that they do).
indirect enum Shape: Sendable {
    /// A scalar read as text, with a check on its value.
    case string(StringRule)
    /// An integer within a range.
    case integer(ClosedRange<Int>)
    /// A number within a range.
    case number(ClosedRange<Double>, exclusiveLowerBound: Bool)
    /// `true` or `false`.
    case boolean
    /// A sequence of values of one shape.
    case list(Shape, minCount: Int)
    /// A mapping with free keys, values of one shape (request parameters, headers).
    case map(Shape)
    /// A mapping with known keys.
    case object(ObjectShape)
    /// A mapping whose `type` picks the variant (auth, pagination).
    case tagged(TaggedShape)
    /// `fields`: a mapping name → field, or a sequence of fields with `name`.
    case fields
}

/// Checks on a scalar's text.
enum StringRule: Sendable {
    /// Any text, even empty.
    case any
    /// Non-empty text.
    case nonEmpty
    /// One of fixed values; `noun` names them in messages ("'datee' is not a type").
    case oneOf([String], noun: String)
    /// A SQL-safe lower-case identifier (`[a-z][a-z0-9_]*`).
    case identifier
    /// A duration (`30s`, `PT1H`, `P1M`).
    case duration
    /// A JSON document path (`data.items`).
    case documentPath
    /// An XML element path (`A/B/C`).
    case xmlPath
    /// Exactly one character.
    case singleCharacter
    /// A semantic from the validator's known set.
    case semantic
    /// `${…}`, `http(s)://…` or `file://…`.
    case url
}

/// A mapping with known keys.
struct ObjectShape: Sendable {
    /// Keys in documentation order, with their shapes.
    let keys: [(name: String, shape: Shape)]
    /// Keys that must be present.
    let required: Set<String>

    init(_ keys: [(String, Shape)], required: Set<String> = []) {
        self.keys = keys.map { (name: $0.0, shape: $0.1) }
        self.required = required
    }

    func shape(of key: String) -> Shape? {
        keys.first { $0.name == key }?.shape
    }

    var keyNames: [String] { keys.map(\.name) }
}

/// A mapping with a `type` key choosing among variants.
struct TaggedShape: Sendable {
    /// What the variants are called in messages ("'oauth' is not an auth type").
    let noun: String
    /// Variant name → its keys (besides `type`).
    let variants: [(name: String, shape: ObjectShape)]

    func variant(_ name: String) -> ObjectShape? {
        variants.first { $0.name == name }?.shape
    }
}

enum ManifestSchema {
    static let parameterName = Shape.string(.nonEmpty)

    static let manifest = ObjectShape([
        ("name", .string(.identifier)),
        ("description", .string(.any)),
        ("kind", .string(.oneOf(ConnectorKind.allCases.map(\.rawValue), noun: "connector kind"))),
        ("request", .object(request)),
        ("auth", .tagged(auth)),
        ("pagination", .tagged(pagination)),
        ("records", .object(records)),
        ("incremental", .object(incremental)),
        ("primary_key", .list(.string(.identifier), minCount: 1)),
        ("fields", .fields),
        ("rate_limit", .number(0...100_000, exclusiveLowerBound: true)),
        ("concurrency", .integer(1...64)),
        ("retry", .object(retry)),
        ("max_reject_ratio", .number(0...1, exclusiveLowerBound: false)),
        ("schema_drift", .string(.oneOf(SchemaDrift.allCases.map(\.rawValue), noun: "schema drift policy"))),
        ("record_date", .string(.identifier)),
        ("place", .object(place)),
        ("partition_by", .object(partitionBy)),
    ], required: ["name", "kind", "request", "primary_key", "fields"])

    static let partitionBy = ObjectShape([
        ("field", .string(.identifier)),
        ("interval", .string(.oneOf(PeriodPartitioning.Interval.allCases.map(\.rawValue), noun: "partition interval"))),
        ("period_can_change", .boolean),
    ], required: ["field"])

    static let place = ObjectShape([
        ("province", .string(.nonEmpty)),
        ("fields", .list(.string(.identifier), minCount: 1)),
    ])

    static let request = ObjectShape([
        ("url", .string(.url)),
        ("method", .string(.oneOf(HTTPMethod.allCases.map(\.rawValue), noun: "supported HTTP method"))),
        ("parameters", .map(.string(.any))),
        ("headers", .map(.string(.any))),
        ("body", .string(.any)),
        ("timeout", .string(.duration)),
        ("partitions", .list(.map(.string(.any)), minCount: 0)),
        ("partitions_from", .object(partitionsFrom)),
    ], required: ["url"])

    static let partitionsFrom = ObjectShape([
        ("feed", .string(.identifier)),
        ("field", .string(.identifier)),
        ("parameter", parameterName),
        ("record_field", .string(.identifier)),
    ], required: ["feed", "field", "parameter"])

    static let retry = ObjectShape([
        ("max_attempts", .integer(1...20)),
        ("backoff", .string(.oneOf(RetryPolicy.Backoff.allCases.map(\.rawValue), noun: "backoff"))),
        ("initial_delay", .string(.duration)),
        ("max_delay", .string(.duration)),
    ])

    static let auth = TaggedShape(noun: "auth type", variants: [
        ("none", ObjectShape([])),
        ("api_key", ObjectShape([
            ("inject_into", .string(.oneOf(APIKeyAuth.Placement.allCases.map(\.rawValue), noun: "place for an API key"))),
            ("field_name", parameterName),
            ("api_token", .string(.nonEmpty)),
        ], required: ["field_name", "api_token"])),
        ("bearer", ObjectShape([("api_token", .string(.nonEmpty))], required: ["api_token"])),
        ("basic", ObjectShape([
            ("username", .string(.nonEmpty)),
            ("password", .string(.nonEmpty)),
        ], required: ["username", "password"])),
        ("oauth2", ObjectShape([
            ("grant_type", .string(.oneOf(OAuth2Auth.GrantType.allCases.map(\.rawValue), noun: "supported grant type"))),
            ("token_url", .string(.url)),
            ("client_id", .string(.nonEmpty)),
            ("client_secret", .string(.nonEmpty)),
            ("scopes", .list(.string(.nonEmpty), minCount: 0)),
            ("client_authentication", .string(.oneOf(
                OAuth2Auth.ClientAuthentication.allCases.map(\.rawValue), noun: "client authentication"))),
            ("cache_token", .boolean),
            ("refresh_on_401", .boolean),
            ("expiry_margin", .string(.duration)),
        ], required: ["token_url", "client_id", "client_secret"])),
    ])

    static let pagination = TaggedShape(noun: "pagination type", variants: [
        ("none", ObjectShape([])),
        ("page_number", ObjectShape([
            ("page_size", .integer(1...1_000_000)),
            ("page_parameter", parameterName),
            ("page_size_parameter", parameterName),
            ("start_from_page", .integer(0...1_000_000)),
        ], required: ["page_size"])),
        ("offset_limit", ObjectShape([
            ("page_size", .integer(1...1_000_000)),
            ("offset_parameter", parameterName),
            ("limit_parameter", parameterName),
        ], required: ["page_size"])),
        ("cursor", ObjectShape([
            ("cursor_path", .string(.documentPath)),
            ("cursor_parameter", parameterName),
            ("page_size", .integer(1...1_000_000)),
            ("page_size_parameter", parameterName),
        ], required: ["cursor_path", "cursor_parameter"])),
        ("next_url", ObjectShape([
            ("from", .string(.oneOf(NextURLPagination.Source.allCases.map(\.rawValue), noun: "next-URL source"))),
            ("path", .string(.documentPath)),
            ("page_size", .integer(1...1_000_000)),
            ("page_size_parameter", parameterName),
        ], required: ["from"])),
    ])

    static let records = ObjectShape([
        ("path", .string(.documentPath)),
        ("element", .string(.xmlPath)),
        ("compression", .string(.oneOf(Compression.allCases.map(\.rawValue), noun: "compression"))),
        ("max_inflate_ratio", .integer(2...100_000)),
        ("csv", .object(csv)),
        ("embedded", .object(embedded)),
        ("keep", .object(keep)),
    ])

    static let keep = ObjectShape([
        ("field", .string(.identifier)),
        ("values", .list(.string(.any), minCount: 1)),
    ], required: ["field", "values"])

    static let csv = ObjectShape([
        ("delimiter", .string(.singleCharacter)),
        ("quote", .string(.singleCharacter)),
        ("header", .boolean),
        ("columns", .list(.string(.nonEmpty), minCount: 1)),
        ("encoding", .string(.oneOf(TextEncoding.allCases.map(\.rawValue), noun: "supported encoding"))),
        ("bom", .string(.oneOf(BOMPolicy.allCases.map(\.rawValue), noun: "BOM policy"))),
        ("skip_lines", .integer(0...1000)),
        ("stray_quotes", .string(.oneOf(CSVOptions.StrayQuotes.allCases.map(\.rawValue), noun: "stray-quote policy"))),
    ])

    static let embedded = ObjectShape([
        ("content", .string(.xmlPath)),
        ("encoding", .string(.oneOf(EmbeddedDocuments.ContentEncoding.allCases.map(\.rawValue), noun: "content encoding"))),
        ("type_element", .string(.xmlPath)),
        ("types", .list(.string(.nonEmpty), minCount: 0)),
        ("element", .string(.xmlPath)),
    ], required: ["content", "element"])

    static let incremental = ObjectShape([
        ("cursor_field", .string(.identifier)),
        ("parameter", parameterName),
        ("format", .string(.oneOf(CursorFormat.allCases.map(\.rawValue), noun: "cursor format"))),
        ("value_template", .string(.nonEmpty)),
        ("lookback_window", .string(.duration)),
        ("start_datetime", .string(.nonEmpty)),
        ("window", .object(window)),
    ], required: ["cursor_field"])

    static let window = ObjectShape([
        ("start_parameter", parameterName),
        ("end_parameter", parameterName),
        ("step", .string(.duration)),
    ], required: ["start_parameter", "step"])

    /// Keys of one field; `name` only in the sequence form.
    static let field = ObjectShape([
        ("name", .string(.identifier)),
        ("path", .string(.nonEmpty)),
        ("type", .string(.oneOf(SQLType.allCases.map(\.rawValue), noun: "type"))),
        ("semantic", .string(.semantic)),
        ("required", .boolean),
        ("format", .string(.nonEmpty)),
        ("srid", .integer(1...999_999)),
        ("description", .string(.any)),
    ], required: ["type"])
}
